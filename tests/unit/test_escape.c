/* test_escape.c: hv__escape_scan, the escape of a raw terminal session
 * (hvcat --raw): ~. first on a line ends it, ~~ sends one ~, anything else
 * after ~ goes with it; in the middle of a line ~ is a plain byte. Fed in
 * pieces as a terminal gives them. Portable: runs natively and under
 * Wine. */
#include <string.h>

#include "platform.h"
#include "ut.h"

/* Scan the pieces of in split at '|' with a fresh state for ch; the bytes
 * to send, NUL-terminated, in out; returns whether it hung up. */
static int scan(unsigned char ch, const char *in, char *out)
{
    struct hv__escape e;
    char buf[64];
    size_t k = 0;
    const char *p = in;

    memset(&e, 0, sizeof e);
    e.ch = ch;
    for (;;) {
        size_t n = strcspn(p, "|");
        size_t got = hv__escape_scan(&e, p, n, buf);
        UT_CHECK(got <= n + 1);
        memcpy(out + k, buf, got);
        k += got;
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    out[k] = '\0';
    return e.hangup;
}

UT_CASE(dot_first_on_line_hangs_up)
{
    char out[64];
    UT_EQ_INT(scan('~', "ls\r~.rest", out), 1);
    UT_EQ_STR(out, "ls\r");
    UT_EQ_INT(scan('~', "~.", out), 1); /* the session's start is a line's */
    UT_EQ_STR(out, "");
    UT_EQ_INT(scan('~', "a\n~|.|more", out), 1); /* split across reads */
    UT_EQ_STR(out, "a\n");
}

UT_CASE(mid_line_is_plain)
{
    char out[64];
    UT_EQ_INT(scan('~', "cd ~.x", out), 0);
    UT_EQ_STR(out, "cd ~.x");
}

UT_CASE(double_sends_one)
{
    char out[64];
    UT_EQ_INT(scan('~', "~~.", out), 0);
    UT_EQ_STR(out, "~."); /* after ~~ the line has begun */
    UT_EQ_INT(scan('~', "\r~|~", out), 0);
    UT_EQ_STR(out, "\r~");
}

UT_CASE(other_goes_with_it)
{
    char out[64];
    UT_EQ_INT(scan('~', "~x", out), 0);
    UT_EQ_STR(out, "~x");
    UT_EQ_INT(scan('~', "~|\r~.", out), 1); /* ~ Enter: a new line */
    UT_EQ_STR(out, "~\r");
}

UT_CASE(other_character)
{
    char out[64];
    UT_EQ_INT(scan('%', "~.", out), 0); /* ~ is plain then */
    UT_EQ_STR(out, "~.");
    UT_EQ_INT(scan('%', "%%.", out), 0);
    UT_EQ_STR(out, "%.");
    UT_EQ_INT(scan('%', "\n%.", out), 1);
    UT_EQ_STR(out, "\n");
}

UT_CASE(nothing_after_hangup)
{
    struct hv__escape e;
    char buf[8];
    memset(&e, 0, sizeof e);
    e.ch = '~';
    UT_EQ_INT((int)hv__escape_scan(&e, "~.", 2, buf), 0);
    UT_EQ_INT((int)hv__escape_scan(&e, "abc", 3, buf), 0);
}
