/* ut.c: the harness behind ut.h. */
#include <stdarg.h>
#include <stdlib.h>

#include "ut.h"

int ut_failures;
static struct ut_case *ut_head, *ut_tail;

void ut_register(struct ut_case *c)
{
    c->next = NULL;
    if (ut_tail)
        ut_tail->next = c;
    else
        ut_head = c;
    ut_tail = c;
}

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

int ut_main(int argc, char **argv)
{
    struct ut_case *c;
    int ran = 0;

    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (c = ut_head; c; c = c->next)
            printf("%s\n", c->name);
        return 0;
    }
    for (c = ut_head; c; c = c->next) {
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
