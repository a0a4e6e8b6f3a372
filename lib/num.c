/* num.c: the one range-checked number parser (ports, CIDs, seconds). */
#include "platform.h"

int hv_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    int digits = 0, overflow = 0;

    if (s == NULL || *s == '\0')
        return HV_EINVAL;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
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
