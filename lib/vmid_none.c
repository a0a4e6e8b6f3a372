/* vmid_none.c: VM ids where the platform has no VM inventory and no guest
 * sources of its own: only a KVP pool file named by the caller is read. */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

int hv__vm_by_name(const char *name, struct hv_guid *out, char *hint,
                   size_t hintlen)
{
    (void)name;
    (void)out;
    hv__fmt(hint, hintlen, "VM names can only be looked up on a Windows host");
    return HV_ENOTSUP;
}

int hv_vm_list(struct hv_vms *out, char *note, size_t notelen)
{
    (void)out;
    hv__fmt(note, notelen,
            "VM inventories (WMI, HCS) exist on a Windows host only");
    return HV_ENOTSUP;
}

int hv_vm_wsl(struct hv_guid *out, char *note, size_t notelen)
{
    (void)out;
    hv__fmt(note, notelen, "the WSL2 VM is found from its Windows host");
    return HV_ENOTSUP;
}

int hv_kvp_self_file(const char *path, struct hv_vm_self *self, char *hint,
                     size_t hintlen)
{
    FILE *f = fopen(path, "rb");
    int r;
    if (f == NULL) {
        hv__fmt(hint, hintlen, "cannot open");
        return HV_EABSENT;
    }
    r = hv_kvp_self_stream(f, HV_KVP_FILE_MAX, self, hint, hintlen);
    fclose(f);
    return r;
}

int hv_vm_self(struct hv_vm_self *self, const char *kvp_file, char *note,
               size_t notelen)
{
    char hint[256] = "";
    int r;
    memset(self, 0, sizeof *self);
    if (kvp_file == NULL) {
        hv__fmt(note, notelen, "this platform has no guest sources; "
                               "name a KVP pool file");
        return HV_ENOTSUP;
    }
    r = hv_kvp_self_file(kvp_file, self, hint, sizeof hint);
    if (r == 0 && self->have_id) {
        self->source = "kvp-pool";
        self->location = kvp_file;
        return 0;
    }
    hv__fmt(note, notelen, "tried %s: %s", kvp_file,
            r < 0 ? (*hint ? hint : hv_strerror(r))
                  : "no VirtualMachineId record");
    return r < 0 && r != HV_EABSENT ? r : HV_ENOVM;
}
