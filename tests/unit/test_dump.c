/* Unit cases of the traffic dump's text (lib/dump.c): record heads, hex
 * lines in hexdump -C's columns, and a whole record written through the
 * sink to a file, as the engines call it. */
#include <stdio.h>
#include <stdlib.h>

#include "ut.h"

UT_CASE(head)
{
    char b[HV__DUMP_LINE_MAX];
    UT_EQ_INT(hv__dump_fmt_head(b, 0, 0, 6), 15);
    UT_EQ_STR(b, "> sent 6 bytes\n");
    hv__dump_fmt_head(b, 0, 1, 1);
    UT_EQ_STR(b, "< received 1 byte\n");
    hv__dump_fmt_head(b, 12, 0, 65536);
    UT_EQ_STR(b, "> #12 sent 65536 bytes\n");
    hv__dump_fmt_head(b, 4294967295u, 1, 2);
    UT_EQ_STR(b, "< #4294967295 received 2 bytes\n");
}

UT_CASE(line_full)
{
    char b[HV__DUMP_LINE_MAX];
    const unsigned char d[16] = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o',
                                 'r', 'l', 'd', 0x00, 0x7f, 0x80, 0xff, '~'};
    size_t n = hv__dump_fmt_line(b, 0, d, 16);
    UT_EQ_STR(b, "00000000  68 65 6c 6c 6f 20 77 6f  72 6c 64 00 7f 80 ff 7e  "
                 "|hello world....~|\n");
    UT_EQ_INT(n, 79); /* as hexdump -C: 78 and the newline */
    /* more than 16: one line's worth only */
    hv__dump_fmt_line(b, 16, d, 40);
    UT_EQ_STR(b, "00000010  68 65 6c 6c 6f 20 77 6f  72 6c 64 00 7f 80 ff 7e  "
                 "|hello world....~|\n");
}

UT_CASE(line_short)
{
    char b[HV__DUMP_LINE_MAX];
    const unsigned char d[9] = {'a', '\n', '\t', ' ', 'z', 'A', 'Z', '0', '9'};
    /* the text column stays where a full line has it */
    hv__dump_fmt_line(b, 0x1234, d, 9);
    UT_EQ_STR(b, "00001234  61 0a 09 20 7a 41 5a 30  39                       "
                 "|a.. zAZ09|\n");
    hv__dump_fmt_line(b, 7, d, 1);
    UT_EQ_STR(b, "00000007  61                                                "
                 "|a|\n");
    /* offsets past 32 bits widen the column */
    hv__dump_fmt_line(b, 0x123456789ull, d, 1);
    UT_EQ_STR(b, "123456789  61                                                "
                 "|a|\n");
}

/* the file's contents, NUL-terminated (at most n - 1 bytes) */
static size_t slurp(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    size_t k = 0;
    if (f) {
        k = fread(buf, 1, n - 1, f);
        fclose(f);
    }
    buf[k] = '\0';
    return k;
}

static int failures;
static void on_fail(void *ctx, const char *path, int err)
{
    (void)ctx;
    (void)path;
    (void)err;
    failures++;
}

UT_CASE(sink_records)
{
    struct hv_dump *d;
    char raw[] = "ut_dump_raw.tmp", hex[] = "ut_dump_hex.tmp", got[1024];
    const char *two = "0123456789abcdefXYZ";

    UT_EQ_INT(hv_dump_new(&d), 0);
    UT_EQ_INT(hv_dump_open(d, raw, 0), 0);
    UT_EQ_INT(hv_dump_open(d, hex, 1), 0);
    hv_dump_on_error(d, on_fail, NULL);
    hv__dump_data(d, 0, 0, 0, "hi\n", 3);
    hv__dump_data(d, 0, 1, 0, two, 19);
    hv__dump_data(d, 0, 0, 3, "", 0); /* nothing: no record */
    hv__dump_data(d, 0, 0, 3, "!", 1);
    /* each record is out at once, before the close */
    UT_EQ_INT(slurp(raw, got, sizeof got), 23);
    UT_EQ_STR(got, "hi\n0123456789abcdefXYZ!");
    slurp(hex, got, sizeof got);
    UT_EQ_STR(got,
              "> sent 3 bytes\n"
              "00000000  68 69 0a                                          |hi.|\n"
              "< received 19 bytes\n"
              "00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n"
              "00000010  58 59 5a                                          |XYZ|\n"
              "> sent 1 byte\n"
              "00000003  21                                                |!|\n");
    UT_EQ_INT(hv_dump_error(d), 0);
    UT_EQ_INT(hv_dump_close(d), 0);
    UT_EQ_INT(failures, 0);
    remove(raw);
    remove(hex);
}

UT_CASE(sink_open_fails)
{
    struct hv_dump *d;
    UT_EQ_INT(hv_dump_new(&d), 0);
    UT_EQ_INT(hv_dump_open(d, "no-such-dir/x/y.dump", 0), HV_ENOENT);
    UT_EQ_INT(hv_dump_close(d), 0);
}
