/* syslog_posix.c: the system log (syslog(3)) as a sink for the tools'
 * event lines (hvlisten --syslog): facility LOG_DAEMON, the pid with each
 * line; events at LOG_INFO, errors at LOG_ERR. */
#include <syslog.h>

#include "platform_posix.h"

int hv_syslog_open(const char *ident)
{
    /* LOG_NDELAY: the socket now, before a chroot or a descriptor
     * shortage could keep it away */
    openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    return 0;
}

void hv_syslog_write(int error, const char *text)
{
    syslog(error ? LOG_ERR : LOG_INFO, "%s", text);
}

void hv_syslog_close(void)
{
    closelog();
}
