/* vmname.c: a VM display name (or "wsl") to its socket id, the public
 * hv_vm_by_name: the platform's inventory (vmid_<platform>.c) or WSL's VM
 * (wsl_<platform>.c), matched by vmid.c. Above those files, so that they
 * never call back into it. */
#include "platform.h"

int hv_vm_by_name(const char *name, struct hv_guid *out, char *hint,
                  size_t hintlen)
{
    struct hv_vms vms = HV_VMS_INIT;
    int r;

    if (hv__strcaseeq(name, "wsl"))
        return hv_vm_wsl(out, hint, hintlen);
    r = hv_vm_list(&vms, hint, hintlen);
    if (r == 0)
        r = hv_vms_match(&vms, name, out, hint, hintlen);
    hv_vms_free(&vms);
    return r;
}
