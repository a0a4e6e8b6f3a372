/* str.c: small portable string helpers shared by the library's files. */
#include <stdarg.h>
#include <stdio.h>

#include "platform.h"

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int hv__strcaseeq(const char *a, const char *b)
{
    while (*a && lower((unsigned char)*a) == lower((unsigned char)*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

size_t hv__fmt(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    int r;
    if (buf == NULL || n == 0)
        return 0;
    va_start(ap, fmt);
    r = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    if (r < 0) {
        buf[0] = '\0';
        return 0;
    }
    return (size_t)r < n ? (size_t)r : n - 1;
}

int hv__hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
