/* ut.h: a tiny unit-test harness. A test file defines its cases with
 * UT_CASE(name) { ... } at the start of a line, and nothing else: no main,
 * no list. CMake (hv_add_unit, tests/CMakeLists.txt) reads the UT_CASE
 * lines, adds one ctest entry per case and generates the table ut_cases[]
 * that ut.c's main walks ("prog name" runs one case, "prog --list" lists
 * them, "prog" runs all). A case reports with the UT_CHECK/UT_EQ_* macros
 * below; a failed check is counted and the case goes on. */
#ifndef HV_UT_H
#define HV_UT_H

#include <stdio.h>
#include <string.h>

#include "platform.h" /* HV_PRINTF */

struct ut_case {
    const char *name;
    void (*fn)(void);
};

extern int ut_failures;
/* The cases of this program in file order, NULL-terminated (generated). */
extern struct ut_case *const ut_cases[];
/* A test file that runs itself as a child process (a command for
 * hv_spawn) defines "int ut_child(int argc, char **argv)" at the start of
 * a line: "prog child-..." then runs it instead of a case (generated; NULL
 * otherwise). */
extern int (*const ut_child_main)(int argc, char **argv);
int ut_child(int argc, char **argv);
void ut_fail(const char *file, int line, const char *fmt, ...) HV_PRINTF(3, 4);

/* The case's function and its entry ut_case_NAME, which the generated
 * table names. */
#define UT_CASE(name)                                                          \
    static void ut_fn_##name(void);                                            \
    extern struct ut_case ut_case_##name;                                      \
    struct ut_case ut_case_##name = {#name, ut_fn_##name};                     \
    static void ut_fn_##name(void)

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
