/* ut.h: a tiny unit-test harness. A test file defines cases with
 * UT_CASE(name) { ... } and ends with UT_MAIN(); CMake finds the UT_CASE
 * lines and adds one ctest entry per case ("prog name" runs one case,
 * "prog --list" lists them, "prog" runs all). */
#ifndef HV_UT_H
#define HV_UT_H

#include <stdio.h>
#include <string.h>

struct ut_case {
    const char *name;
    void (*fn)(void);
    struct ut_case *next;
};

extern int ut_failures;
void ut_register(struct ut_case *c);
int ut_main(int argc, char **argv);
void ut_fail(const char *file, int line, const char *fmt, ...);

/* Each case registers itself from a constructor-free static table: the
 * UT_CASE macro defines the function and a registration hook that
 * UT_MAIN's table walks (see ut.c). */
#define UT_CASE(name)                                                          \
    static void ut_fn_##name(void);                                            \
    static struct ut_case ut_case_##name = {#name, ut_fn_##name, NULL};        \
    static void ut_fn_##name(void)

#define UT_REG(name) ut_register(&ut_case_##name)

#define UT_CHECK(cond)                                                         \
    do {                                                                       \
        if (!(cond))                                                           \
            ut_fail(__FILE__, __LINE__, "check failed: %s", #cond);            \
    } while (0)

#define UT_EQ_INT(a, b)                                                        \
    do {                                                                       \
        long long ut_a_ = (long long)(a), ut_b_ = (long long)(b);              \
        if (ut_a_ != ut_b_)                                                    \
            ut_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, \
                    ut_a_, #b, ut_b_);                                         \
    } while (0)

#define UT_EQ_STR(a, b)                                                        \
    do {                                                                       \
        const char *ut_a_ = (a), *ut_b_ = (b);                                 \
        if (ut_a_ == NULL || ut_b_ == NULL || strcmp(ut_a_, ut_b_) != 0)       \
            ut_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #a,   \
                    ut_a_ ? ut_a_ : "(null)", ut_b_ ? ut_b_ : "(null)");       \
    } while (0)

#define UT_EQ_MEM(a, b, n)                                                     \
    do {                                                                       \
        if (memcmp((a), (b), (n)) != 0)                                        \
            ut_fail(__FILE__, __LINE__, "%s differs from %s", #a, #b);         \
    } while (0)

#endif
