/* console.c: the portable half of the console: a Windows console hands
 * its input over as UTF-16 lines ending in CR LF; the peer expects what a
 * pipe carries, UTF-8 with LF line ends, so hv__console_text turns one into
 * the other a read at a time. Also the rule that says how a Windows
 * standard handle is driven (hv__stdio_kind_of). Plain arithmetic, kept
 * portable so that every platform's tests check it; console_<platform>.c
 * reads the console. */
#include "platform.h"

#define CH_LF 0x0Au
#define CH_CR 0x0Du
#define CH_EOF 0x1Au /* ^Z */
#define REPLACEMENT 0xFFFDu

static int is_high(uint32_t u)
{
    return u >= 0xD800u && u <= 0xDBFFu;
}

static int is_low(uint32_t u)
{
    return u >= 0xDC00u && u <= 0xDFFFu;
}

enum hv__stdio_kind hv__stdio_kind_of(int valid, int console, int mode_known,
                                      unsigned long mode)
{
    if (!valid)
        return HV__STDIO_NONE;
    if (console)
        return HV__STDIO_CONSOLE;
    /* a mode that cannot be read: the synchronous calls every handle
     * took before */
    if (mode_known && (mode & HV__FILE_SYNC_IO) == 0)
        return HV__STDIO_OVERLAPPED;
    return HV__STDIO_SYNC;
}

size_t hv__console_text(struct hv__console_state *t, const uint16_t *in,
                        size_t n, char *out, int end)
{
    size_t i, k = 0;

    for (i = 0; i < n && !t->eof; i++) {
        uint32_t u = in[i];

        /* a surrogate pair may straddle two reads: finish it first */
        if (t->high) {
            uint32_t h = t->high;
            t->high = 0;
            if (is_low(u)) {
                k += hv__utf8_encode(out + k,
                              0x10000u + ((h - 0xD800u) << 10) + (u - 0xDC00u));
                continue;
            }
            k += hv__utf8_encode(out + k, REPLACEMENT); /* an unpaired high half */
        }
        /* so may CR LF: the CR waits for the next unit */
        if (t->cr) {
            t->cr = 0;
            if (u == CH_LF) {
                out[k++] = '\n';
                t->midline = 0;
                continue;
            }
            out[k++] = '\r'; /* a lone CR stays */
        }
        if (u == CH_EOF && !t->midline && !t->raw) {
            t->eof = 1; /* the cooked console's end of input */
            break;
        }
        if (u == CH_CR && !t->raw) {
            t->cr = 1;
            t->midline = 1;
        } else if (is_high(u)) {
            t->high = (uint16_t)u;
            t->midline = 1;
        } else {
            k += hv__utf8_encode(out + k, is_low(u) ? REPLACEMENT : u);
            t->midline = u != CH_LF;
        }
    }
    if (end && !t->eof) {
        if (t->high)
            k += hv__utf8_encode(out + k, REPLACEMENT);
        if (t->cr)
            out[k++] = '\r';
        t->high = 0;
        t->cr = 0;
    }
    return k;
}
