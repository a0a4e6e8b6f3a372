/* test_ready.c: the readiness-message reader of hvlisten --ready
 * (lib/ready.c): lines split anywhere, many in one piece, the last one
 * ended by the end of file, the length bound, keys other than ours. */
#include <stdlib.h>

#include "hvsock.h"
#include "ut.h"

/* What the STATUS= callback saw: each value and "|" after it. */
struct seen {
    char text[512];
    size_t len;
    int calls;
};

static void on_status(void *ctx, const char *value, size_t n)
{
    struct seen *s = ctx;
    UT_CHECK(value[n] == '\0');
    s->calls++;
    if (s->len + n + 1 < sizeof s->text) {
        memcpy(s->text + s->len, value, n);
        s->len += n;
        s->text[s->len++] = '|';
        s->text[s->len] = '\0';
    }
}

/* A new stream and nothing seen yet. */
static void start(struct hv_ready *p, struct seen *s)
{
    memset(s, 0, sizeof *s);
    hv_ready_init(p);
}

/* Feed msg in pieces of `step` bytes (0: whole); returns p->ready after
 * the end of file when eof, else after the last piece. */
static int feed(struct hv_ready *p, struct seen *s, const char *msg,
                size_t step, int eof)
{
    size_t len = strlen(msg), off = 0, k;
    start(p, s);
    while (off < len && !p->ready) {
        k = step && len - off > step ? step : len - off;
        UT_CHECK(hv_ready_feed(p, msg + off, k, on_status, s) <= k);
        off += k;
    }
    return eof ? hv_ready_end(p, on_status, s) : p->ready;
}

UT_CASE(ready_lines_any_split)
{
    static const char msg[] = "STATUS=booting\nX_OTHER=7\nSTATUS=units\r\n"
                              "READY=1\nSTATUS=after\n";
    struct hv_ready p;
    struct seen s;
    size_t step;
    /* the same lines however the segments fall, one byte at a time
     * included; nothing after READY=1 is taken */
    for (step = 0; step <= sizeof msg; step++) {
        UT_EQ_INT(feed(&p, &s, msg, step, 0), 1);
        UT_EQ_STR(s.text, "booting|units|");
    }
}

UT_CASE(ready_stops_at_ready)
{
    struct hv_ready p;
    struct seen s;
    static const char msg[] = "STATUS=a\nREADY=1\nSTATUS=b\n";
    start(&p, &s);
    /* the count taken ends with READY=1's newline */
    UT_EQ_INT(hv_ready_feed(&p, msg, strlen(msg), on_status, &s),
              strlen("STATUS=a\nREADY=1\n"));
    UT_EQ_INT(p.ready, 1);
    UT_EQ_STR(s.text, "a|");
}

UT_CASE(ready_eof_ends_line)
{
    struct hv_ready p;
    struct seen s;
    /* sd_notify puts no newline after its last line */
    UT_EQ_INT(feed(&p, &s, "STATUS=up\nREADY=1", 0, 1), 1);
    UT_EQ_STR(s.text, "up|");
    UT_EQ_INT(feed(&p, &s, "STATUS=last", 3, 1), 0);
    UT_EQ_STR(s.text, "last|");
    /* only READY=1 itself: not READY=10, READY=0, ready=1, " READY=1" */
    UT_EQ_INT(feed(&p, &s, "READY=10\nREADY=0\nready=1\n READY=1\n", 0, 1), 0);
    UT_EQ_INT(feed(&p, &s, "READY=1\r", 0, 1), 1);
    /* an empty STATUS= is a line too; a bare key is not STATUS= */
    UT_EQ_INT(feed(&p, &s, "STATUS=\nSTATUS\n", 0, 1), 0);
    UT_EQ_STR(s.text, "|");
}

UT_CASE(ready_bound)
{
    struct hv_ready p;
    struct seen s;
    size_t n = HV_READY_LINE_MAX * 3, i;
    char *big = malloc(n + 64);
    UT_CHECK(big != NULL);
    if (big == NULL)
        return;
    /* a line over the bound is dropped whole, READY=1 in its tail too;
     * the next line is read as usual */
    memcpy(big, "STATUS=", 7);
    for (i = 7; i < n; i++)
        big[i] = 'x';
    memcpy(big + n - 8, "READY=1", 7);
    strcpy(big + n, "\nSTATUS=next\nREADY=1\n");
    UT_EQ_INT(feed(&p, &s, big, 1000, 1), 1);
    UT_EQ_STR(s.text, "next|");
    UT_EQ_INT(s.calls, 1);
    UT_CHECK(p.len <= HV_READY_LINE_MAX);
    /* exactly at the bound it is still a line */
    memcpy(big, "STATUS=", 7);
    for (i = 7; i < HV_READY_LINE_MAX; i++)
        big[i] = 'y';
    strcpy(big + HV_READY_LINE_MAX, "\n");
    UT_EQ_INT(feed(&p, &s, big, 0, 0), 0);
    UT_EQ_INT(s.calls, 1); /* (too long for seen's text) */
    /* an overlong last line at the end of file is dropped too */
    for (i = 0; i < n; i++)
        big[i] = 'z';
    memcpy(big, "STATUS=", 7);
    big[n] = '\0';
    UT_EQ_INT(feed(&p, &s, big, 0, 1), 0);
    UT_EQ_INT(s.calls, 0);
    free(big);
}

UT_CASE(ready_nul_and_controls)
{
    struct hv_ready p;
    struct seen s;
    static const char msg[] = "STATUS=a\0b\033[2J\nREADY=1";
    start(&p, &s);
    hv_ready_feed(&p, msg, sizeof msg - 1, on_status, &s);
    UT_EQ_INT(hv_ready_end(&p, on_status, &s), 1);
    /* the value is handed over byte for byte: quoting is the printer's */
    UT_EQ_INT(s.len, 8);
    UT_CHECK(memcmp(s.text, "a\0b\033[2J|", 8) == 0);
}
