/* notify_none.c: no service manager listens for notifications here
 * (Windows services report to the service control manager instead):
 * nothing is opened, and nothing is sent. */
#include "platform.h"

int hv_notify_open(struct hv_notify **out, uint32_t *watchdog_ms, char *why,
                   size_t n)
{
    *out = NULL;
    *watchdog_ms = 0;
    hv__fmt(why, n, "%s", "");
    return 0;
}

int hv_notify_send(struct hv_notify *nt, const char *text)
{
    (void)nt;
    (void)text;
    return 0;
}

void hv_notify_close(struct hv_notify *nt)
{
    (void)nt;
}
