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

static HV__THREAD int g_dmapped;
static HV__THREAD char g_detail[320];

void hv__err_detail(int err, const char *text)
{
    g_dmapped = err;
    hv__fmt(g_detail, sizeof g_detail, "%s", text);
}

/* Codes that stand for many OS errors: their OS text says more. */
static int blurred(int err)
{
    return err == HV_EOS || err == HV_EIO || err == HV_EINVAL ||
           err == HV_ENOMEM || err == HV_ENOTFOUND || err == HV_EACCES ||
           err == HV_ENOTSUP;
}

const char *hv_errtext(int err, char *buf, size_t n)
{
    size_t k = 0;
    long oserr;
    int mapped = hv__err_noted(&oserr);
    if (n == 0)
        return buf;
    if (err < 0 && err == g_dmapped && g_detail[0]) {
        hv__fmt(buf, n, "%s: %s", hv_strerror(err), g_detail);
        return buf;
    }
    if (err < 0 && err == mapped && oserr != 0 && blurred(err))
        k = hv__os_text(oserr, buf, n);
    if (k == 0) {
        hv__fmt(buf, n, "%s", hv_strerror(err));
        return buf;
    }
    /* one style with the table: "no space left on device", but "I/O" */
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
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
