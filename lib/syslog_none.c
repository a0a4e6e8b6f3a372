/* syslog_none.c: no system log of the syslog(3) kind here (Windows has its
 * event log instead): hvlisten --syslog answers that it is not available. */
#include "platform.h"

int hv_syslog_open(const char *ident)
{
    (void)ident;
    return HV_ENOTSUP;
}

void hv_syslog_write(int error, const char *text)
{
    (void)error;
    (void)text;
}

void hv_syslog_close(void)
{
}
