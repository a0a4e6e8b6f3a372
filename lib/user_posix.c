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

/* POSIX users are uids: sid: rules are refused before they get here. */
int hv__user_sid(const char *name, int is_sid, char *out, size_t n)
{
    (void)name;
    (void)is_sid;
    (void)out;
    (void)n;
    return HV_ENOTSUP;
}

int hv__sid_same(const char *a, const char *b)
{
    (void)a;
    (void)b;
    return 0;
}
