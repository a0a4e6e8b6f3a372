/* err.c: the error table, its messages and names, the exit-code mapping,
 * and the one range-checked number parser. */
#include "platform.h"

struct err_entry {
    const char *name;
    int code;
    const char *msg;
};

static const struct err_entry err_table[] = {
#define HV__ROW(name, code, msg) {#name, code, msg},
    HV_ERROR_TABLE(HV__ROW)
#undef HV__ROW
};

#define ERR_COUNT (sizeof(err_table) / sizeof(err_table[0]))

static const struct err_entry *err_lookup(int err)
{
    long i = (long)err - (long)HV__EFIRST - 1;
    if (err >= 0 || i < 0 || (size_t)i >= ERR_COUNT)
        return NULL;
    return &err_table[i];
}

const char *hv_strerror(int err)
{
    const struct err_entry *e = err_lookup(err);
    if (err >= 0)
        return "success";
    return e ? e->msg : "unknown error";
}

const char *hv_errname(int err)
{
    const struct err_entry *e = err_lookup(err);
    if (err >= 0)
        return "OK";
    return e ? e->name : "EUNKNOWN";
}

int hv_exitcode(int err)
{
    const struct err_entry *e = err_lookup(err);
    if (err >= 0)
        return 0;
    return e ? e->code : 70;
}

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
