/* test_termctl.c: the terminal control protocol's frames (lib/termctl.c):
 * a stream of a hello, data, window sizes and the command's end decodes
 * to the same events however it is cut into reads; a peer without the
 * protocol (keystrokes where the hello should be) and malformed frames
 * are refused and stay refused; unknown types are skipped. Portable: runs
 * natively and under Wine. */
#include <string.h>

#include "hvsock.h"
#include "termctl.h"
#include "ut.h"

/* A sample stream: hello, "ls\r", a size, an empty data frame, a frame
 * of an unknown type, "out", the end (exited 3); its length. */
static size_t sample(unsigned char *s)
{
    size_t n = 0;

    memcpy(s, HV__TC_HELLO, HV__TC_HELLO_LEN);
    n += HV__TC_HELLO_LEN;
    n += hv__tc_header(HV__TC_DATA, 3, s + n);
    memcpy(s + n, "ls\r", 3);
    n += 3;
    n += hv__tc_winsize(300, 70, s + n);
    n += hv__tc_header(HV__TC_DATA, 0, s + n);
    n += hv__tc_header('Z', 2, s + n);
    s[n++] = 'Z';
    s[n++] = 'Z';
    n += hv__tc_header(HV__TC_DATA, 3, s + n);
    memcpy(s + n, "out", 3);
    n += 3;
    n += hv__tc_exit(HV__TC_EXITED, 3, s + n);
    return n;
}

/* Decode s[0..n) fed in pieces of step bytes into a text of events:
 * "H" hello, the data bytes, "<WxH>" sizes, "{how,status}" the end; the
 * decoder's last answer. */
static int decode(const unsigned char *s, size_t n, size_t step, char *out)
{
    struct hv__tc_dec d;
    struct hv__tc_event ev;
    size_t at = 0, used;
    int r = 0;

    memset(&d, 0, sizeof d);
    *out = '\0';
    while (at < n && r == 0) {
        size_t piece = n - at < step ? n - at : step, off = 0;
        while (off < piece) {
            r = hv__tc_next(&d, s + at + off, piece - off, &used, &ev);
            UT_CHECK(used <= piece - off);
            off += used;
            if (r < 0 || ev.kind == HV__TC_MORE)
                break;
            if (ev.kind == HV__TC_HELLO_OK)
                strcat(out, "H");
            else if (ev.kind == HV__TC_BYTES)
                strncat(out, (const char *)ev.data, ev.len);
            else if (ev.kind == HV__TC_SIZE)
                sprintf(out + strlen(out), "<%ux%u>", ev.cols, ev.rows);
            else if (ev.kind == HV__TC_END)
                sprintf(out + strlen(out), "{%u,%u}", ev.how, ev.status);
        }
        at += piece;
    }
    return r;
}

UT_CASE(stream_in_any_pieces)
{
    unsigned char s[128];
    char out[128];
    size_t n = sample(s), step;

    for (step = 1; step <= n; step++) {
        UT_EQ_INT(decode(s, n, step, out), 0);
        UT_EQ_STR(out, "Hls\r<300x70>out{0,3}");
    }
}

UT_CASE(no_hello_is_refused)
{
    /* a client without the protocol: its keystrokes */
    char out[64];
    UT_EQ_INT(decode((const unsigned char *)"ls\r", 3, 3, out), HV_EBADDATA);
    UT_EQ_STR(out, "");
    /* the hello's start, then something else */
    UT_EQ_INT(decode((const unsigned char *)"\033_hvsock-x", 10, 1, out),
              HV_EBADDATA);
    /* a plain terminal's escape sequence is no hello either */
    UT_EQ_INT(decode((const unsigned char *)"\033[A", 3, 3, out), HV_EBADDATA);
}

UT_CASE(malformed_stays_failed)
{
    struct hv__tc_dec d;
    struct hv__tc_event ev;
    unsigned char s[64];
    size_t n = 0, used;

    memset(&d, 0, sizeof d);
    memcpy(s, HV__TC_HELLO, HV__TC_HELLO_LEN);
    n = HV__TC_HELLO_LEN;
    UT_EQ_INT(hv__tc_next(&d, s, n, &used, &ev), 0);
    UT_EQ_INT((int)ev.kind, HV__TC_HELLO_OK);
    /* a window size of 5 bytes */
    n = hv__tc_header(HV__TC_WINSIZE, 5, s);
    UT_EQ_INT(hv__tc_next(&d, s, n, &used, &ev), HV_EBADDATA);
    /* and later input is refused too, even a good frame */
    n = hv__tc_winsize(80, 24, s);
    UT_EQ_INT(hv__tc_next(&d, s, n, &used, &ev), HV_EBADDATA);
}

UT_CASE(bad_values)
{
    unsigned char s[64];
    char out[64];
    size_t n;

    memcpy(s, HV__TC_HELLO, HV__TC_HELLO_LEN);
    n = HV__TC_HELLO_LEN + hv__tc_winsize(0, 24, s + HV__TC_HELLO_LEN);
    UT_EQ_INT(decode(s, n, n, out), HV_EBADDATA);
    n = HV__TC_HELLO_LEN + hv__tc_exit(2, 0, s + HV__TC_HELLO_LEN);
    UT_EQ_INT(decode(s, n, n, out), HV_EBADDATA);
    n = HV__TC_HELLO_LEN + hv__tc_header(HV__TC_EXIT, 3, s + HV__TC_HELLO_LEN);
    UT_EQ_INT(decode(s, n, n, out), HV_EBADDATA);
}

UT_CASE(encoders)
{
    unsigned char s[8];
    UT_EQ_INT((int)hv__tc_winsize(0x1234, 0x0506, s), 7);
    UT_CHECK(memcmp(s, "W\0\4\x12\x34\x05\x06", 7) == 0);
    UT_EQ_INT((int)hv__tc_exit(HV__TC_SIGNALED, 9, s), 5);
    UT_CHECK(memcmp(s, "X\0\2\1\x09", 5) == 0);
    UT_EQ_INT((int)hv__tc_header(HV__TC_DATA, HV__TC_MAX, s), 3);
    UT_CHECK(memcmp(s, "D\xff\xff", 3) == 0);
}

UT_CASE(long_data_frame)
{
    /* a full frame, given at once: one event for all of it */
    static unsigned char s[HV__TC_HELLO_LEN + 3 + HV__TC_MAX];
    struct hv__tc_dec d;
    struct hv__tc_event ev;
    size_t n, used;

    memset(&d, 0, sizeof d);
    memcpy(s, HV__TC_HELLO, HV__TC_HELLO_LEN);
    n = HV__TC_HELLO_LEN;
    n += hv__tc_header(HV__TC_DATA, HV__TC_MAX, s + n);
    memset(s + n, 'a', HV__TC_MAX);
    n += HV__TC_MAX;
    UT_EQ_INT(hv__tc_next(&d, s, n, &used, &ev), 0);
    UT_EQ_INT((int)used, (int)HV__TC_HELLO_LEN);
    UT_EQ_INT(hv__tc_next(&d, s + used, n - used, &used, &ev), 0);
    UT_EQ_INT((int)ev.kind, HV__TC_BYTES);
    UT_EQ_INT((int)ev.len, (int)HV__TC_MAX);
    UT_EQ_INT((int)used, (int)(3 + HV__TC_MAX));
}
