/* err.c: the error table, its messages and names, and the exit-code
 * mapping. */
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
    /* a code outside the table is a bug: the internal error's code */
    return e ? e->code : hv_exitcode(HV_EINTERNAL);
}
