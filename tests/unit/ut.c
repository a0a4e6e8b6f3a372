/* ut.c: the harness behind ut.h. */
#include <stdarg.h>
#include <stdlib.h>

#include "ut.h"

int ut_failures;

void ut_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    ut_failures++;
}

int main(int argc, char **argv)
{
    struct ut_case *const *p;
    struct ut_case *c;
    int ran = 0;

    if (ut_child_main && argc > 1 && strncmp(argv[1], "child-", 6) == 0)
        return ut_child_main(argc, argv);
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (p = ut_cases; *p; p++)
            printf("%s\n", (*p)->name);
        return 0;
    }
    for (p = ut_cases; (c = *p) != NULL; p++) {
        int before = ut_failures;
        if (argc > 1 && strcmp(argv[1], c->name) != 0)
            continue;
        c->fn();
        ran++;
        printf("%s %s\n", ut_failures == before ? "ok  " : "FAIL", c->name);
    }
    if (ran == 0) {
        fprintf(stderr, "no such case: %s\n", argc > 1 ? argv[1] : "(none)");
        return 2;
    }
    return ut_failures ? 1 : 0;
}
