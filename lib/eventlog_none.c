/* eventlog_none.c: the Windows event log is Windows'; here it cannot be
 * opened (POSIX systems have syslog_posix.c). */
#include "platform.h"

int hv_eventlog_open(const char *source)
{
    (void)source;
    return HV_ENOTSUP;
}

void hv_eventlog_write(int error, const char *text)
{
    (void)error;
    (void)text;
}

void hv_eventlog_close(void)
{
}
