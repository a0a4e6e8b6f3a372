/* test_console.c: hv__console_text, the conversion of a Windows console's
 * UTF-16 input into the UTF-8 with LF line ends that a pipe carries. The
 * console itself cannot be driven in the tests; the conversion is portable
 * and runs natively and under Wine. */
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "ut.h"

#define OUT_MAX 256

/* Convert one chunk of n units into out (NUL-terminated); checks the
 * promised bound and that nothing beyond it was written. */
static size_t conv(struct hv__console_state *t, const uint16_t *in, size_t n,
                   int end, char *out)
{
    size_t k;
    memset(out, 0x55, OUT_MAX);
    k = hv__console_text(t, in, n, out, end);
    UT_CHECK(k <= HV__CONSOLE_TEXT_MAX(n));
    UT_CHECK(HV__CONSOLE_TEXT_MAX(n) >= OUT_MAX ||
             (unsigned char)out[HV__CONSOLE_TEXT_MAX(n)] == 0x55);
    out[k] = '\0';
    return k;
}

/* The whole input in one call, ended. */
static size_t conv_all(const uint16_t *in, size_t n, char *out)
{
    struct hv__console_state t;
    memset(&t, 0, sizeof t);
    return conv(&t, in, n, 1, out);
}

UT_CASE(crlf_becomes_lf)
{
    static const uint16_t in[] = {'l', 's', '\r', '\n'};
    char out[OUT_MAX];
    UT_EQ_INT(conv_all(in, 4, out), 3);
    UT_EQ_STR(out, "ls\n");
}

UT_CASE(crlf_split_across_reads)
{
    static const uint16_t a[] = {'a', 'b', '\r'}, b[] = {'\n', 'c', 'd'};
    struct hv__console_state t;
    char out[OUT_MAX];

    memset(&t, 0, sizeof t);
    UT_EQ_INT(conv(&t, a, 3, 0, out), 2); /* the CR waits */
    UT_EQ_STR(out, "ab");
    UT_EQ_INT(conv(&t, b, 3, 0, out), 3);
    UT_EQ_STR(out, "\ncd");
    UT_EQ_INT(conv(&t, NULL, 0, 1, out), 0);
}

UT_CASE(lone_cr_kept)
{
    static const uint16_t mid[] = {'a', '\r', 'b'}, crcrlf[] = {'\r', '\r', '\n'};
    static const uint16_t last[] = {'a', '\r'};
    struct hv__console_state t;
    char out[OUT_MAX];

    UT_EQ_INT(conv_all(mid, 3, out), 3);
    UT_EQ_STR(out, "a\rb");
    UT_EQ_INT(conv_all(crcrlf, 3, out), 2);
    UT_EQ_STR(out, "\r\n");
    /* a CR last in the input is written out at the end */
    memset(&t, 0, sizeof t);
    UT_EQ_INT(conv(&t, last, 2, 0, out), 1);
    UT_EQ_STR(out, "a");
    UT_EQ_INT(conv(&t, NULL, 0, 1, out), 1);
    UT_EQ_STR(out, "\r");
    UT_EQ_INT(conv_all(last, 2, out), 2);
    UT_EQ_STR(out, "a\r");
}

UT_CASE(non_ascii_exact_utf8)
{
    /* é, 東, 😀 (U+1F600 as the pair D83D DE00), then CR LF */
    static const uint16_t in[] = {0x00E9, 0x6771, 0xD83D, 0xDE00, '\r', '\n'};
    static const char want[] = "\xC3\xA9\xE6\x9D\xB1\xF0\x9F\x98\x80\n";
    char out[OUT_MAX];

    UT_EQ_INT(conv_all(in, 6, out), sizeof want - 1);
    UT_EQ_MEM(out, want, sizeof want);
}

UT_CASE(surrogate_pair_split_across_reads)
{
    static const uint16_t a[] = {'x', 0xD83D}, b[] = {0xDE00, 'y'};
    struct hv__console_state t;
    char out[OUT_MAX];

    memset(&t, 0, sizeof t);
    UT_EQ_INT(conv(&t, a, 2, 0, out), 1); /* the high half waits */
    UT_EQ_STR(out, "x");
    UT_EQ_INT(conv(&t, b, 2, 0, out), 5);
    UT_EQ_STR(out, "\xF0\x9F\x98\x80y");
}

UT_CASE(unpaired_surrogates)
{
    static const uint16_t high_then_a[] = {0xD83D, 'a'}, low[] = {0xDE00};
    static const uint16_t high_high_low[] = {0xD83D, 0xD83D, 0xDE00};
    static const uint16_t high_cr_lf[] = {0xD83D, '\r', '\n'};
    static const uint16_t high_last[] = {'z', 0xD83D};
    char out[OUT_MAX];

    UT_EQ_INT(conv_all(high_then_a, 2, out), 4);
    UT_EQ_STR(out, "\xEF\xBF\xBD" "a");
    UT_EQ_INT(conv_all(low, 1, out), 3);
    UT_EQ_STR(out, "\xEF\xBF\xBD");
    UT_EQ_INT(conv_all(high_high_low, 3, out), 7);
    UT_EQ_STR(out, "\xEF\xBF\xBD\xF0\x9F\x98\x80");
    UT_EQ_INT(conv_all(high_cr_lf, 3, out), 4);
    UT_EQ_STR(out, "\xEF\xBF\xBD\n");
    UT_EQ_INT(conv_all(high_last, 2, out), 4);
    UT_EQ_STR(out, "z\xEF\xBF\xBD");
}

UT_CASE(ctrl_z_at_line_start_ends)
{
    static const uint16_t first[] = {0x1A, '\r', '\n', 'a'};
    static const uint16_t after_line[] = {'a', 'b', '\r', '\n', 0x1A, 'x'};
    static const uint16_t more[] = {'m', 'o', 'r', 'e'};
    struct hv__console_state t;
    char out[OUT_MAX];

    memset(&t, 0, sizeof t);
    UT_EQ_INT(conv(&t, first, 4, 0, out), 0);
    UT_CHECK(t.eof);
    memset(&t, 0, sizeof t);
    UT_EQ_INT(conv(&t, after_line, 6, 0, out), 3);
    UT_EQ_STR(out, "ab\n");
    UT_CHECK(t.eof);
    /* the input is over: later reads and the end give nothing */
    UT_EQ_INT(conv(&t, more, 4, 0, out), 0);
    UT_EQ_INT(conv(&t, more, 4, 1, out), 0);
}

UT_CASE(ctrl_z_line_start_across_reads)
{
    static const uint16_t a[] = {'a', '\r'}, b[] = {'\n'}, c[] = {0x1A, '\r', '\n'};
    struct hv__console_state t;
    char out[OUT_MAX];

    memset(&t, 0, sizeof t);
    UT_EQ_INT(conv(&t, a, 2, 0, out), 1);
    UT_EQ_INT(conv(&t, b, 1, 0, out), 1);
    UT_EQ_STR(out, "\n");
    UT_CHECK(!t.eof);
    UT_EQ_INT(conv(&t, c, 3, 0, out), 0);
    UT_CHECK(t.eof);
}

UT_CASE(ctrl_z_mid_line_is_data)
{
    static const uint16_t mid[] = {'a', 0x1A, 'b', '\r', '\n'};
    static const uint16_t after_cr[] = {'a', '\r', 0x1A};
    static const uint16_t after_high[] = {0xD83D, 0x1A};
    struct hv__console_state t;
    char out[OUT_MAX];

    memset(&t, 0, sizeof t);
    UT_EQ_INT(conv(&t, mid, 5, 0, out), 4);
    UT_EQ_STR(out, "a\x1A" "b\n");
    UT_CHECK(!t.eof);
    /* a lone CR does not end a line */
    memset(&t, 0, sizeof t);
    UT_EQ_INT(conv(&t, after_cr, 3, 1, out), 3);
    UT_EQ_STR(out, "a\r\x1A");
    UT_CHECK(!t.eof);
    memset(&t, 0, sizeof t);
    UT_EQ_INT(conv(&t, after_high, 2, 1, out), 4);
    UT_EQ_STR(out, "\xEF\xBF\xBD\x1A");
    UT_CHECK(!t.eof);
}

/* Append the conversion of one chunk to acc (at *len). */
static void conv_append(struct hv__console_state *t, const uint16_t *in,
                        size_t n, int end, char *acc, size_t *len)
{
    char out[OUT_MAX];
    size_t k = conv(t, in, n, end, out);
    UT_CHECK(*len + k <= OUT_MAX);
    if (*len + k <= OUT_MAX) {
        memcpy(acc + *len, out, k);
        *len += k;
    }
}

/* Reads may split the input anywhere: every split into two, and reads of
 * one unit each, give what one read gives. */
UT_CASE(any_split_same_bytes)
{
    static const uint16_t in[] = {'h', 0x00E9, '\r', '\n', 0xD83D, 0xDE00,
                                  0x6771, '\r', 0xD83D, '\r', '\n', '\r',
                                  0xDE00, 0xD83D, 0xD83D, 0xDE00, 0x1A,
                                  '\r', '\n', 0x1A, 'x'};
    const size_t n = sizeof in / sizeof in[0];
    char whole[OUT_MAX], acc[OUT_MAX];
    struct hv__console_state t;
    size_t wlen, split, i, k;

    wlen = conv_all(in, n, whole);
    /* a ^Z within a line is data; the one first on a line ends it all */
    UT_EQ_INT(wlen, 29);
    UT_EQ_MEM(whole + wlen - 4, "\x98\x80\x1A\n", 4);
    for (split = 0; split <= n; split++) {
        memset(&t, 0, sizeof t);
        k = 0;
        conv_append(&t, in, split, 0, acc, &k);
        conv_append(&t, in + split, n - split, 1, acc, &k);
        UT_EQ_INT(k, wlen);
        UT_EQ_MEM(acc, whole, wlen);
    }
    memset(&t, 0, sizeof t);
    k = 0;
    for (i = 0; i < n; i++)
        conv_append(&t, in + i, 1, 0, acc, &k);
    conv_append(&t, NULL, 0, 1, acc, &k);
    UT_EQ_INT(k, wlen);
    UT_EQ_MEM(acc, whole, wlen);
}

UT_CASE(raw_console_bytes_as_typed)
{
    /* hvcat --raw: Enter's CR goes at once (a key, not a line end), ^Z
     * first on a line is a byte, CR LF stays two bytes; non-ASCII is
     * still UTF-8 */
    static const uint16_t a[] = {'l', 's', '\r'}, b[] = {0x1A, '\r', '\n',
                                                         0xE9};
    struct hv__console_state t;
    char out[OUT_MAX];

    memset(&t, 0, sizeof t);
    t.raw = 1;
    UT_EQ_INT(conv(&t, a, 3, 0, out), 3);
    UT_EQ_STR(out, "ls\r");
    UT_EQ_INT(conv(&t, b, 4, 0, out), 5);
    UT_EQ_STR(out, "\x1a\r\n\xc3\xa9");
    UT_EQ_INT(t.eof, 0);
}

/* How a Windows standard handle is driven: none, a console (UTF-16
 * calls), overlapped when its mode has no FILE_SYNCHRONOUS_IO_* bit (a
 * socket of socket()), else synchronous, also when the mode is unknown. */
UT_CASE(stdio_kind)
{
    UT_EQ_INT(hv__stdio_kind_of(0, 0, 0, 0), HV__STDIO_NONE);
    UT_EQ_INT(hv__stdio_kind_of(0, 1, 1, 0), HV__STDIO_NONE);
    UT_EQ_INT(hv__stdio_kind_of(1, 1, 0, 0), HV__STDIO_CONSOLE);
    UT_EQ_INT(hv__stdio_kind_of(1, 1, 1, 0), HV__STDIO_CONSOLE);
    UT_EQ_INT(hv__stdio_kind_of(1, 0, 1, 0), HV__STDIO_OVERLAPPED);
    UT_EQ_INT(hv__stdio_kind_of(1, 0, 1, 0x2), HV__STDIO_OVERLAPPED);
    UT_EQ_INT(hv__stdio_kind_of(1, 0, 1, 0x10), HV__STDIO_SYNC);
    UT_EQ_INT(hv__stdio_kind_of(1, 0, 1, 0x20), HV__STDIO_SYNC);
    UT_EQ_INT(hv__stdio_kind_of(1, 0, 1, 0x22), HV__STDIO_SYNC);
    UT_EQ_INT(hv__stdio_kind_of(1, 0, 0, 0), HV__STDIO_SYNC);
}

/* UTF-8 out to a console as UTF-16: sequences cut between chunks are held
 * whole, what is not UTF-8 is U+FFFD, and the bound holds. */
UT_CASE(console_out_text)
{
    struct hv__console_out t;
    uint16_t out[HV__CONSOLE_OUT_MAX(16)];
    /* "aé€😀" */
    static const char all[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    static const uint16_t want[] = {'a', 0xE9, 0x20AC, 0xD83D, 0xDE00};
    uint16_t got[16];
    size_t cut, k, i, len = sizeof all - 1;

    /* every place to cut the text in two gives the same units */
    for (cut = 0; cut <= len; cut++) {
        memset(&t, 0, sizeof t);
        k = hv__console_out_text(&t, all, cut, out);
        memcpy(got, out, k * sizeof *out);
        i = hv__console_out_text(&t, all + cut, len - cut, out);
        memcpy(got + k, out, i * sizeof *out);
        k += i;
        UT_EQ_INT(k, 5);
        UT_CHECK(memcmp(got, want, sizeof want) == 0);
        UT_EQ_INT(t.nheld, 0);
    }
    /* a byte that starts nothing, a sequence broken by a new one, an
     * overlong form */
    memset(&t, 0, sizeof t);
    k = hv__console_out_text(&t, "\x80x\xc3y\xc0\x80", 6, out);
    UT_EQ_INT(k, 5);
    UT_EQ_INT(out[0], 0xFFFD);
    UT_EQ_INT(out[1], 'x');
    UT_EQ_INT(out[2], 0xFFFD);
    UT_EQ_INT(out[3], 'y');
    UT_EQ_INT(out[4], 0xFFFD);
    /* a held start that the next chunk does not continue */
    memset(&t, 0, sizeof t);
    UT_EQ_INT(hv__console_out_text(&t, "\xe2\x82", 2, out), 0);
    k = hv__console_out_text(&t, "z", 1, out);
    UT_EQ_INT(k, 2);
    UT_EQ_INT(out[0], 0xFFFD);
    UT_EQ_INT(out[1], 'z');
}
