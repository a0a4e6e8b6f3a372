/* num.c: the one range-checked number parser (ports, CIDs, seconds,
 * octal modes). */
#include "platform.h"

/* The digits of s (base 8, 10 or 16; at least one, nothing else) as a
 * number within [lo, hi]. */
static int parse_digits(const char *s, unsigned base, uint32_t lo,
                        uint32_t hi, uint32_t *out)
{
    uint64_t v = 0;
    int digits = 0, overflow = 0;

    for (; *s; s++) {
        unsigned d;
        char c = *s;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return HV_EINVAL;
        if (d >= base)
            return HV_EINVAL;
        v = v * base + d;
        if (v > 0xFFFFFFFFull) {
            overflow = 1;
            v = 0xFFFFFFFFull + 1; /* stay above range, never wrap */
        }
        digits++;
    }
    if (digits == 0)
        return HV_EINVAL;
    if (overflow || v < lo || v > hi)
        return HV_ERANGE;
    *out = (uint32_t)v;
    return 0;
}

int hv_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    if (s == NULL || *s == '\0')
        return HV_EINVAL;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return parse_digits(s + 2, 16, lo, hi, out);
    return parse_digits(s, 10, lo, hi, out);
}

int hv_parse_octal(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    if (s == NULL)
        return HV_EINVAL;
    return parse_digits(s, 8, lo, hi, out);
}

int hv_parse_secs(const char *s, uint32_t lo, uint32_t hi, uint32_t *ms)
{
    uint32_t v;
    int r;
    if (hi > 0xFFFFFFFFu / 1000u)
        hi = 0xFFFFFFFFu / 1000u;
    if ((r = hv_parse_u32(s, lo, hi, &v)) < 0)
        return r;
    *ms = v * 1000u;
    return 0;
}
