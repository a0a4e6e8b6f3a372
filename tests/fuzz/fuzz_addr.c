/* fuzz_addr.c: hv_addr_parse, the reader of the VM and SERVICE operands,
 * for the three families, connect and listen, with and without a VM.
 * Input: one byte of choices, then "VM\0SERVICE" (no NUL: SERVICE only). */
#include "fuzz.h"

static void check_text(const char *buf, size_t n)
{
    FUZZ_CHECK(fuzz_terminated(buf, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum hv_family fams[] = {HV_FAMILY_VSOCK, HV_FAMILY_HYPERV,
                                          HV_FAMILY_TCP};
    struct hv_addr a;
    enum hv_addr_part bad = (enum hv_addr_part)99;
    enum hv_family fam;
    char hint[HV_ADDR_STRLEN], text[HV_ADDR_STRLEN], small[8];
    char *in, *vm, *service, *nul;
    int flags, r;
    size_t n;

    if (size < 1)
        return 0;
    fam = fams[(data[0] & 3) % 3];
    flags = (data[0] & 4) ? HV_ADDR_LISTEN : 0;
    in = fuzz_cstr(data + 1, size - 1);
    nul = memchr(in, '\0', size - 1);
    if (nul != NULL) {
        vm = in;
        service = nul + 1;
    } else {
        vm = NULL;
        service = in;
    }
    if (data[0] & 8) /* a VM given as "" is not a missing one */
        vm = nul ? vm : (char *)"";
    memset(hint, 'x', sizeof hint);
    r = hv_addr_parse(&a, fam, vm, service, flags, &bad, hint, sizeof hint);
    check_text(hint, sizeof hint);
    FUZZ_CHECK(a.family == fam);
    if (r == 0) {
        FUZZ_CHECK(bad == HV_PART_NONE);
        FUZZ_CHECK(hint[0] == '\0');
        switch (fam) {
        case HV_FAMILY_VSOCK:
            if (!flags)
                FUZZ_CHECK(a.cid != HV_CID_ANY && a.port != 0xFFFFFFFFu);
            break;
        case HV_FAMILY_HYPERV:
            FUZZ_CHECK(a.port <= HV_VSOCK_PORT_MAX);
            break;
        case HV_FAMILY_TCP:
            FUZZ_CHECK(a.port <= 65535);
            FUZZ_CHECK(flags || a.port != 0);
            FUZZ_CHECK(fuzz_terminated(a.host, sizeof a.host));
            FUZZ_CHECK(flags || a.host[0] != '\0');
            break;
        case HV_FAMILY_UNIX:
        case HV_FAMILY_NPIPE:
        case HV_FAMILY_HYBRID:
            /* never chosen above: paths are read by target.c (-U, --npipe,
             * a hybrid vsock's socket path) */
            FUZZ_CHECK(!"a path family from hv_addr_parse");
            break;
        }
        n = hv_addr_format(&a, text, sizeof text);
        FUZZ_CHECK(n < sizeof text && strlen(text) == n);
        n = hv_addr_format(&a, small, sizeof small);
        FUZZ_CHECK(n < sizeof small && strlen(small) == n);
        FUZZ_CHECK(strncmp(small, text, n) == 0);
        if (fam == HV_FAMILY_HYPERV) {
            uint8_t sa[HV_SOCKADDR_HV_LEN];
            struct hv_addr b;
            FUZZ_CHECK(hv_addr_to_sockaddr_hv(&a, sa) == HV_SOCKADDR_HV_LEN);
            FUZZ_CHECK(hv_addr_from_sockaddr_hv(sa, sizeof sa, &b) == 0);
            FUZZ_CHECK(hv_guid_equal(&a.vm_id, &b.vm_id));
            FUZZ_CHECK(hv_guid_equal(&a.service_id, &b.service_id));
        }
    } else {
        FUZZ_CHECK(r < 0 && hv_exitcode(r) != 0);
        FUZZ_CHECK(bad == HV_PART_VM || bad == HV_PART_SERVICE);
        FUZZ_CHECK(hint[0] != '\0');
    }
    free(in);
    return 0;
}
