/* activate_none.c: socket activation is a POSIX service manager's
 * (systemd's); elsewhere the option exists and answers that it is not
 * available here. */
#include "platform.h"

int hv_sock_activated(struct hv_sock **out, char *why, size_t n)
{
    (void)out;
    hv__fmt(why, n, "%s", "socket activation is not available on this system");
    return HV_ENOTSUP;
}
