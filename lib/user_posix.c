/* user_posix.c: user names to uids, for unix-socket peer rules. */
#define _POSIX_C_SOURCE 200809L
#include <pwd.h>

#include "platform_posix.h"

int hv__uids_exist(void)
{
    return 1;
}

int hv__uid_by_name(const char *name, uint32_t *uid)
{
    struct passwd *pw;
    pw = getpwnam(name);
    if (pw == NULL)
        return HV_ENOTFOUND;
    *uid = (uint32_t)pw->pw_uid;
    return 0;
}
