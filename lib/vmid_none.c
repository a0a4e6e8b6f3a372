/* vmid_none.c: VM-name resolution where the platform has no VM inventory. */
#include "platform.h"

int hv__vm_by_name(const char *name, struct hv_guid *out, char *hint,
                   size_t hintlen)
{
    (void)name;
    (void)out;
    if (hint && hintlen)
        hint[0] = '\0';
    return HV_ENOTSUP;
}
