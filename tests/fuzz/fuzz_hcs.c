/* fuzz_hcs.c: the HCS JSON reader (hv_hcs_parse: the result of
 * HcsEnumerateComputeSystems) and the JSON writer it pairs with
 * (hv_json_quote): a name read back from a quoted name is the same name. */
#include "fuzz.h"

#define QMAX (6 * HV_VM_NAME_MAX + 3)

static void check_vm(const struct hv_vm *v)
{
    FUZZ_CHECK(fuzz_terminated(v->name, sizeof v->name));
    FUZZ_CHECK(fuzz_terminated(v->owner, sizeof v->owner));
    FUZZ_CHECK(fuzz_terminated(v->type, sizeof v->type));
    FUZZ_CHECK(fuzz_terminated(v->state, sizeof v->state));
    FUZZ_CHECK(fuzz_terminated(v->system_id, sizeof v->system_id));
    FUZZ_CHECK(v->sources == HV_VMSRC_HCS);
}

/* 1 when s is valid UTF-8 all through. */
static int utf8_valid(const char *s)
{
    uint32_t cp;
    size_t k;
    for (; *s; s += k)
        if ((k = hv__utf8_decode((const unsigned char *)s, &cp)) == 0)
            return 0;
    return 1;
}

/* [{"RuntimeId":"<id>","Name":<name quoted>}] parses back to that name
 * (a name that is not UTF-8 comes back with U+FFFD for its bad bytes:
 * then the quoted text itself must be UTF-8). */
static void round_trip(const struct hv_vm *v)
{
    static char q[QMAX], js[QMAX + 128];
    char g[HV_GUID_BUFSIZE], hint[128];
    struct hv_vms back;
    size_t qn, n;
    int r;

    memset(&back, 0, sizeof back);
    qn = hv_json_quote(v->name, q, sizeof q);
    FUZZ_CHECK(qn < sizeof q && strlen(q) == qn);
    FUZZ_CHECK(hv_json_quote(v->name, NULL, 0) == qn);
    FUZZ_CHECK(utf8_valid(q));
    if (!utf8_valid(v->name))
        return;
    hv_guid_format(&v->id, g);
    n = (size_t)snprintf(js, sizeof js, "[{\"RuntimeId\":\"%s\",\"Name\":%s}]",
                         g, q);
    FUZZ_CHECK(n < sizeof js);
    r = hv_hcs_parse(js, n, &back, hint, sizeof hint);
    if (r != 1 || back.n != 1 || strcmp(back.v[0].name, v->name) != 0) {
        fprintf(stderr, "round trip: %d, %s, %s\n", r, hint, js);
        FUZZ_CHECK(!"quoted name reads back");
    }
    hv_vms_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *js = (char *)fuzz_dup(data, size);
    struct hv_vms vms;
    char hint[256], mhint[512];
    struct hv_guid g;
    size_t i;
    int r;

    memset(&vms, 0, sizeof vms);
    memset(hint, 'x', sizeof hint);
    r = hv_hcs_parse(js, size, &vms, hint, sizeof hint);
    FUZZ_CHECK(fuzz_terminated(hint, sizeof hint));
    FUZZ_CHECK(r >= 0 || r == HV_EBADDATA);
    if (r >= 0) {
        FUZZ_CHECK(vms.n <= (size_t)r); /* the same id twice is merged */
        for (i = 0; i < vms.n; i++) {
            check_vm(&vms.v[i]);
            if (i < 4)
                round_trip(&vms.v[i]);
        }
        if (vms.n > 0) {
            r = hv_vms_match(&vms, vms.v[0].name, &g, mhint, sizeof mhint);
            FUZZ_CHECK(fuzz_terminated(mhint, sizeof mhint));
            FUZZ_CHECK(r == 0 || r == HV_EAMBIGUOUS || r == HV_ENOVM);
            if (vms.v[0].name[0])
                FUZZ_CHECK(r != HV_ENOVM);
        }
    } else {
        /* elements before a malformed one may have been appended: the
         * header does not say otherwise */
        for (i = 0; i < vms.n; i++)
            check_vm(&vms.v[i]);
        FUZZ_CHECK(hint[0] != '\0');
    }
    hv_vms_free(&vms);
    free(js);
    return 0;
}
