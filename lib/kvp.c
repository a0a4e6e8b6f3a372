/* kvp.c: the Linux KVP pool format (hv_kvp_daemon's /var/lib/hyperv/
 * .kvp_pool_N files), parsed from a memory image so that every platform can
 * read and test it. Opening and locking the file is the platform's part. */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

int hv_kvp_parse(const unsigned char *buf, size_t len, hv_kvp_fn fn,
                 void *ctx, struct hv_kvp_stats *st, char *hint,
                 size_t hintlen)
{
    char key[HV_KVP_KEY_SIZE + 1];
    char value[HV_KVP_VALUE_SIZE + 1];
    size_t off, i, rec = 0;
    int r;

    if (st) {
        st->records = 0;
        st->trailing = 0;
    }
    if (hint && hintlen)
        hint[0] = '\0';
    for (off = 0; len - off >= HV_KVP_RECORD_SIZE; off += HV_KVP_RECORD_SIZE) {
        const unsigned char *k = buf + off;
        const unsigned char *v = k + HV_KVP_KEY_SIZE;
        rec++;
        for (i = 0; i < HV_KVP_KEY_SIZE && k[i] != 0; i++)
            if (k[i] < 0x20 || k[i] == 0x7f) {
                hv__fmt(hint, hintlen,
                        "record %lu: the key holds control characters",
                        (unsigned long)rec);
                return HV_EBADDATA;
            }
        if (i == HV_KVP_KEY_SIZE) {
            hv__fmt(hint, hintlen,
                    "record %lu: the key has no NUL in its %d bytes",
                    (unsigned long)rec, HV_KVP_KEY_SIZE);
            return HV_EBADDATA;
        }
        if (st)
            st->records = rec;
        if (i == 0)
            continue; /* an unused slot */
        memcpy(key, k, i + 1);
        for (i = 0; i < HV_KVP_VALUE_SIZE && v[i] != 0; i++)
            ;
        memcpy(value, v, i);
        value[i] = '\0';
        if (fn && (r = fn(key, value, ctx)) != 0)
            return r;
    }
    if (st)
        st->trailing = len - off;
    return 0;
}

struct self_ctx {
    struct hv_vm_self *self;
    int badid;
};

static void copy(char *dst, const char *src)
{
    hv_utf8_copy(dst, HV_SELF_VALUE_MAX, src);
}

static int self_record(const char *key, const char *value, void *ctx)
{
    struct self_ctx *c = ctx;
    struct hv_vm_self *s = c->self;
    if (strcmp(key, "VirtualMachineId") == 0) {
        if (hv_guid_parse(value, &s->id) == 0)
            s->have_id = 1;
        else
            c->badid = 1;
    } else if (strcmp(key, "VirtualMachineName") == 0) {
        copy(s->name, value);
    } else if (strcmp(key, "HostName") == 0) {
        copy(s->host, value);
    } else if (strcmp(key, "PhysicalHostName") == 0) {
        copy(s->physical_host, value);
    } else if (strcmp(key, "PhysicalHostNameFullyQualified") == 0) {
        copy(s->physical_host_fqdn, value);
    }
    return 0;
}

int hv_kvp_self(const unsigned char *buf, size_t len, struct hv_vm_self *self,
                char *hint, size_t hintlen)
{
    struct self_ctx c;
    int r;
    c.self = self;
    c.badid = 0;
    r = hv_kvp_parse(buf, len, self_record, &c, NULL, hint, hintlen);
    if (r < 0)
        return r;
    if (c.badid && !self->have_id) {
        hv__fmt(hint, hintlen, "VirtualMachineId is not a GUID");
        return HV_EBADDATA;
    }
    return 0;
}

int hv_kvp_self_stream(FILE *f, size_t max, struct hv_vm_self *self,
                       char *hint, size_t hintlen)
{
    unsigned char *buf = NULL, *nb;
    size_t len = 0, cap = 0, ncap, got;
    int r;

    /* read at most max + 1 bytes: one byte past the limit refuses the file */
    for (;;) {
        if (len == cap) {
            ncap = cap ? cap * 2 : 4u * HV_KVP_RECORD_SIZE;
            if (ncap > max + 1 || ncap < cap)
                ncap = max + 1;
            if ((nb = realloc(buf, ncap)) == NULL) {
                free(buf);
                return HV_ENOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len > max) {
            free(buf);
            hv__fmt(hint, hintlen, "larger than %lu bytes",
                    (unsigned long)max);
            return HV_EBADDATA;
        }
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        hv__fmt(hint, hintlen, "read error");
        return HV_EIO;
    }
    r = hv_kvp_self(buf, len, self, hint, hintlen);
    free(buf);
    return r;
}
