/* console.c: the portable half of the console: a Windows console hands
 * its input over as UTF-16 lines ending in CR LF; the peer expects what a
 * pipe carries, UTF-8 with LF line ends, so hv__console_text turns one into
 * the other a read at a time. Also the rule that says how a Windows
 * standard handle is driven (hv__stdio_kind_of). Plain arithmetic, kept
 * portable so that every platform's tests check it; console_<platform>.c
 * reads the console. */
#include <string.h>

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

/* How many bytes a UTF-8 sequence has by its first byte; 0: none. */
static size_t seq_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0)
        return 2;
    if ((c & 0xf0) == 0xe0)
        return 3;
    if ((c & 0xf8) == 0xf0)
        return 4;
    return 0;
}

/* One sequence of have bytes (want needed) as UTF-16 units; the count. */
static size_t out_units(const unsigned char *s, size_t have, size_t want,
                        uint16_t *out)
{
    unsigned char tmp[5];
    uint32_t cp;

    memcpy(tmp, s, have);
    tmp[have] = 0;
    if (have != want || hv__utf8_decode(tmp, &cp) != want) {
        out[0] = REPLACEMENT;
        return 1;
    }
    if (cp < 0x10000u) {
        out[0] = (uint16_t)cp;
        return 1;
    }
    cp -= 0x10000u;
    out[0] = (uint16_t)(0xD800u + (cp >> 10));
    out[1] = (uint16_t)(0xDC00u + (cp & 0x3FFu));
    return 2;
}

static int is_cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

size_t hv__console_out_text(struct hv__console_out *t, const char *in,
                            size_t n, uint16_t *out)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, k = 0;

    if (t->nheld > 0) {
        size_t want = seq_len(t->held[0]);
        while (t->nheld < want && i < n && is_cont(s[i]))
            t->held[t->nheld++] = s[i++];
        if (t->nheld < want && i == n)
            return 0; /* still cut short */
        k += out_units(t->held, t->nheld, want, out);
        t->nheld = 0;
    }
    while (i < n) {
        size_t want = seq_len(s[i]), j = 1;
        if (want == 0) {
            out[k++] = REPLACEMENT;
            i++;
            continue;
        }
        while (j < want && i + j < n && is_cont(s[i + j]))
            j++;
        if (j < want && i + j == n) {
            memcpy(t->held, s + i, j); /* the rest comes with the next */
            t->nheld = (unsigned char)j;
            break;
        }
        k += out_units(s + i, j, want, out + k);
        i += j;
    }
    return k;
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
