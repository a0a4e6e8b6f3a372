/* utf.c: walking UTF-8, the one copy: decode a character (checked),
 * encode a code point, cut a string at a character boundary. The
 * conversions to and from the Windows API's UTF-16 are in wide_win.c, the
 * console's in console.c. */
#include <string.h>

#include "platform.h"

/* Decode the UTF-8 sequence at s into *cp; returns its length (1-4), or 0
 * for an invalid one (overlong, surrogate, beyond U+10FFFF, truncated). */
size_t hv__utf8_decode(const unsigned char *s, uint32_t *cp)
{
    uint32_t c = s[0], min;
    size_t n, i;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        n = 2, c &= 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, c &= 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4, c &= 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3fu);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* Code point c (at most 0x10FFFF, not a surrogate) as UTF-8; the length. */
size_t hv__utf8_encode(char *out, uint32_t c)
{
    unsigned char *o = (unsigned char *)out;
    if (c < 0x80u) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800u) {
        o[0] = (unsigned char)(0xC0u | (c >> 6));
        o[1] = (unsigned char)(0x80u | (c & 0x3Fu));
        return 2;
    }
    if (c < 0x10000u) {
        o[0] = (unsigned char)(0xE0u | (c >> 12));
        o[1] = (unsigned char)(0x80u | ((c >> 6) & 0x3Fu));
        o[2] = (unsigned char)(0x80u | (c & 0x3Fu));
        return 3;
    }
    o[0] = (unsigned char)(0xF0u | (c >> 18));
    o[1] = (unsigned char)(0x80u | ((c >> 12) & 0x3Fu));
    o[2] = (unsigned char)(0x80u | ((c >> 6) & 0x3Fu));
    o[3] = (unsigned char)(0x80u | (c & 0x3Fu));
    return 4;
}

size_t hv_utf8_cut(const char *s, size_t len, size_t max)
{
    size_t k, back;
    if (len <= max)
        return len;
    /* s[max] is the first byte left out: step back over the continuation
     * bytes (10xxxxxx) of a character cut in half, at most 3 of them (more
     * is not UTF-8, cut where asked) */
    for (k = max, back = 0; k > 0 && back < 3; k--, back++)
        if (((unsigned char)s[k] & 0xC0) != 0x80)
            break;
    return ((unsigned char)s[k] & 0xC0) == 0x80 ? max : k;
}

size_t hv_utf8_copy(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src), k;
    if (n == 0)
        return len;
    k = hv_utf8_cut(src, len, n - 1);
    memcpy(dst, src, k);
    dst[k] = '\0';
    return len;
}
