/* termctl_none.c: the terminal control protocol's ends where they are not
 * built yet (Windows: a console and a pseudo console would need their own
 * loops); the codec itself (termctl.c) is everywhere. */
#include <string.h>

#include "platform.h"

int hv_term_control_available(void)
{
    return HV_ENOTSUP;
}

int hv_term_session(struct hv_sock *s, int escape, struct hv_child_exit *end)
{
    (void)s;
    (void)escape;
    memset(end, 0, sizeof *end);
    return HV_ENOTSUP;
}
