/* user_win.c: Windows' AF_UNIX reports no peer credentials, so unix-socket
 * peers cannot be filtered by user there. */
#include "platform.h"

int hv__uid_by_name(const char *name, uint32_t *uid)
{
    (void)name;
    (void)uid;
    return HV_ENOTSUP;
}
