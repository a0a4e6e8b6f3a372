/* fuzz_wmi.c: WMI Msvm_ComputerSystem rows (hv_wmi_add_row), the VM-name
 * match over them (hv_vms_match) and wslhost command lines
 * (hv_wsl_cmdline_vmid). Input: rows "Name\0ElementName\0" each followed by
 * 4 bytes of EnabledState, then the name to look up. */
#include "fuzz.h"

/* The next NUL-terminated field of [*p, end), or NULL when none is left. */
static const char *field(const char **p, const char *end)
{
    const char *s = *p, *nul;
    if (s >= end || (nul = memchr(s, '\0', (size_t)(end - s))) == NULL)
        return NULL;
    *p = nul + 1;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_cstr(data, size);
    const char *p = buf, *end = buf + size, *name, *ename;
    struct hv_vms vms;
    struct hv_guid g, g2;
    char hint[300], sbuf[32];
    size_t rows = 0, i;
    int r;

    memset(&vms, 0, sizeof vms);
    /* the whole input as a wslhost.exe command line */
    r = hv_wsl_cmdline_vmid(buf, &g);
    FUZZ_CHECK(r == 0 || r == 1);

    while ((name = field(&p, end)) != NULL && (ename = field(&p, end)) != NULL &&
           end - p >= 4) {
        const uint8_t *s = (const uint8_t *)p;
        long state = (long)(int32_t)((uint32_t)s[0] | (uint32_t)s[1] << 8 |
                                     (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24);
        const char *sn = hv_wmi_state_name(state, sbuf, sizeof sbuf);
        p += 4;
        FUZZ_CHECK(sn != NULL && strlen(sn) < sizeof sbuf);
        r = hv_wmi_add_row(&vms, name, ename, state);
        FUZZ_CHECK(r == (hv_guid_parse(name, &g2) == 0 ? 1 : 0));
        rows++;
    }
    FUZZ_CHECK(vms.n <= rows);
    for (i = 0; i < vms.n; i++) {
        FUZZ_CHECK(fuzz_terminated(vms.v[i].name, sizeof vms.v[i].name));
        FUZZ_CHECK(fuzz_terminated(vms.v[i].state, sizeof vms.v[i].state));
        FUZZ_CHECK(vms.v[i].sources == HV_VMSRC_WMI);
    }
    /* what is left is a name to look up, in a small and a large hint */
    name = p < end ? p : "";
    memset(hint, 'x', sizeof hint);
    r = hv_vms_match(&vms, name, &g, hint, sizeof hint);
    FUZZ_CHECK(r == 0 || r == HV_ENOVM || r == HV_EAMBIGUOUS);
    FUZZ_CHECK(fuzz_terminated(hint, sizeof hint));
    r = hv_vms_match(&vms, name, &g, hint, 41);
    FUZZ_CHECK(fuzz_terminated(hint, 41));
    for (i = 0; i < vms.n && r == 0; i++)
        if (strlen(name) == strlen(vms.v[i].name) && hv_guid_equal(&g, &vms.v[i].id))
            break;
    FUZZ_CHECK(r != 0 || i < vms.n);
    hv_vms_free(&vms);
    free(buf);
    return 0;
}
