/* vmname_posix.c: VM names in hvcat's and hvlisten's addresses on POSIX
 * systems, which are only ever guests here: none can be looked up. */
#include "platform.h"

int hv__vm_by_name(const char *name, struct hv_guid *out, char *hint,
                   size_t hintlen)
{
    (void)name;
    (void)out;
    hv__fmt(hint, hintlen, "VM names can only be looked up on a Windows host");
    return HV_ENOTSUP;
}
