/* user_win.c: Windows' AF_UNIX reports no peer credentials, so unix-socket
 * peers cannot be filtered by user there. */
#include "platform_win.h"

/* A Windows account is a name or a SID, never a number: a uid:N rule
 * would never match (and a --deny would let everyone in). */
int hv__uids_exist(void)
{
    return 0;
}

int hv__uid_by_name(const char *name, uint32_t *uid)
{
    (void)name;
    (void)uid;
    return HV_ENOTSUP;
}
