/* fuzz_kvp.c: the KVP pool reader (a Linux guest's
 * /var/lib/hyperv/.kvp_pool_3, written by hv_kvp_daemon): hv_kvp_parse,
 * hv_kvp_self and hv_kvp_self_stream on any bytes. */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include "fuzz.h"

struct walk {
    size_t calls;
    size_t stop_at; /* 0: never stop */
};

static int on_record(const char *key, const char *value, void *ctx)
{
    struct walk *w = ctx;
    size_t klen = strnlen(key, HV_KVP_KEY_SIZE);
    size_t i;

    FUZZ_CHECK(klen > 0 && klen < HV_KVP_KEY_SIZE);
    for (i = 0; i < klen; i++)
        FUZZ_CHECK((unsigned char)key[i] >= 0x20 && key[i] != 0x7f);
    FUZZ_CHECK(strnlen(value, HV_KVP_VALUE_SIZE + 1) <= HV_KVP_VALUE_SIZE);
    w->calls++;
    return w->stop_at && w->calls == w->stop_at ? 42 : 0;
}

static void check_self(const struct hv_vm_self *s)
{
    FUZZ_CHECK(fuzz_terminated(s->name, sizeof s->name));
    FUZZ_CHECK(fuzz_terminated(s->host, sizeof s->host));
    FUZZ_CHECK(fuzz_terminated(s->physical_host, sizeof s->physical_host));
    FUZZ_CHECK(fuzz_terminated(s->physical_host_fqdn,
                               sizeof s->physical_host_fqdn));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = fuzz_dup(data, size);
    struct hv_kvp_stats st;
    struct hv_vm_self self, self2;
    struct walk w = {0, 0};
    char hint[256];
    int r, r2;

    memset(hint, 'x', sizeof hint);
    r = hv_kvp_parse(buf, size, on_record, &w, &st, hint, sizeof hint);
    FUZZ_CHECK(fuzz_terminated(hint, sizeof hint));
    FUZZ_CHECK(r == 0 || r == HV_EBADDATA);
    if (r == 0) {
        FUZZ_CHECK(st.records == size / HV_KVP_RECORD_SIZE);
        FUZZ_CHECK(st.trailing == size % HV_KVP_RECORD_SIZE);
        FUZZ_CHECK(w.calls <= st.records);
        if (w.calls > 0) { /* a callback's non-zero ends the walk there */
            struct walk w2 = {0, w.calls};
            FUZZ_CHECK(hv_kvp_parse(buf, size, on_record, &w2, NULL, NULL, 0) == 42);
            FUZZ_CHECK(w2.calls == w.calls);
        }
    }

    memset(&self, 0, sizeof self);
    r = hv_kvp_self(buf, size, &self, hint, sizeof hint);
    FUZZ_CHECK(r == 0 || r == HV_EBADDATA);
    FUZZ_CHECK(fuzz_terminated(hint, sizeof hint));
    check_self(&self);

    /* the same bytes read from a stream: the same answer */
    if (size > 0) {
        FILE *f = fmemopen(buf, size, "rb");
        if (f != NULL) {
            memset(&self2, 0, sizeof self2);
            r2 = hv_kvp_self_stream(f, HV_KVP_FILE_MAX, &self2, hint, sizeof hint);
            fclose(f);
            FUZZ_CHECK(r2 == r);
            check_self(&self2);
            if (r == 0) {
                FUZZ_CHECK(self.have_id == self2.have_id);
                FUZZ_CHECK(!self.have_id || hv_guid_equal(&self.id, &self2.id));
                FUZZ_CHECK(strcmp(self.name, self2.name) == 0);
                FUZZ_CHECK(strcmp(self.host, self2.host) == 0);
            }
            /* one byte over the limit is malformed data, never a partial read */
            f = fmemopen(buf, size, "rb");
            if (f != NULL) {
                r2 = hv_kvp_self_stream(f, size - 1, &self2, hint, sizeof hint);
                fclose(f);
                FUZZ_CHECK(r2 == HV_EBADDATA);
            }
        }
    }
    free(buf);
    return 0;
}
