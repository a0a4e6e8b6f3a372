/* fuzz_u32.c: hv_parse_u32, the reader of every number operand (ports,
 * CIDs, -w seconds, buffer sizes). Input: 4 bytes lo, 4 bytes hi, text. */
#include "fuzz.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Reference: -1 not a number, -2 above 2^32-1, else the value in *v. */
static int ref_parse(const char *s, uint64_t *v)
{
    unsigned base = 10;
    int big = 0;
    *v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            return -1;
        if (!big) {
            *v = *v * base + (unsigned)d;
            if (*v > 0xFFFFFFFFull)
                big = 1;
        }
    }
    return big ? -2 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t lo, hi, v = 0xdeadbeefu, v2;
    uint64_t ref;
    char *s, buf[16];
    int r, rr;

    if (size < 8)
        return 0;
    lo = le32(data);
    hi = le32(data + 4);
    s = fuzz_cstr(data + 8, size - 8);
    r = hv_parse_u32(s, lo, hi, &v);
    rr = ref_parse(s, &ref);
    if (rr == -1) {
        FUZZ_CHECK(r == HV_EINVAL);
    } else if (rr == -2 || ref < lo || ref > hi) {
        FUZZ_CHECK(r == HV_ERANGE);
    } else {
        FUZZ_CHECK(r == 0 && v == ref);
        snprintf(buf, sizeof buf, "%lu", (unsigned long)v);
        FUZZ_CHECK(hv_parse_u32(buf, lo, hi, &v2) == 0 && v2 == v);
        snprintf(buf, sizeof buf, "0x%lx", (unsigned long)v);
        FUZZ_CHECK(hv_parse_u32(buf, lo, hi, &v2) == 0 && v2 == v);
    }
    if (r != 0)
        FUZZ_CHECK(v == 0xdeadbeefu); /* *out untouched on failure */
    free(s);
    return 0;
}
