/* vmname_win.c: VM names in hvcat's and hvlisten's addresses on Windows:
 * hv_vm_by_name (vmname.c), with its reasons kept in the hint. */
#include "platform.h"

/* For hvcat and hvlisten: a name that cannot be looked up is an unknown VM
 * (exit 68) whose hint says why; HV_ENOTSUP would lose the reason. */
int hv__vm_by_name(const char *name, struct hv_guid *out, char *hint,
                   size_t hintlen)
{
    char why[2048] = ""; /* room for a few matches with long names */
    char msg[2200];
    int r = hv_vm_by_name(name, out, why, sizeof why);
    if (r == HV_ENOTSUP) {
        hv__fmt(msg, sizeof msg, "not a GUID or keyword, and no VM inventory "
                                 "is available: %s", why);
        r = HV_ENOVM;
    } else {
        hv__fmt(msg, sizeof msg, "%s", why);
    }
    /* the caller's hint may be shorter: never end it mid-character */
    if (hint && hintlen)
        hv_utf8_copy(hint, hintlen, msg);
    return r;
}
