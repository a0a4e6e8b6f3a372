/* wsl_posix.c: the WSL2 VM is found from its Windows host; inside it,
 * hvvmid --self reads $WSL2_VM_ID (vmid_posix.c). */
#include "platform_posix.h"

int hv_vm_wsl(struct hv_guid *out, char *note, size_t notelen)
{
    (void)out;
    hv__fmt(note, notelen,
            "the WSL2 VM is found from its Windows host; inside WSL2 use "
            "--self");
    return HV_ENOTSUP;
}
