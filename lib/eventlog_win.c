/* eventlog_win.c: the Windows event log (the Application log) as the
 * system log of a service's events (hvlisten --service without --log).
 * RegisterEventSourceW needs no registration of the source to write; the
 * registration that hvlisten --install-service makes (service_win.c) names
 * the message table (tools/eventmsg.rc) where event id 1 is its one
 * inserted string, so that Event Viewer shows the text as it is
 * ("RegisterEventSourceW", "ReportEventW", "Event Sources", Microsoft
 * Learn). */
#include <stdlib.h>

#include "platform_win.h"

/* the one event id every line is written with */
#define EVENT_ID 1

static HANDLE src;

int hv_eventlog_open(const char *source)
{
    wchar_t *w = hv__wide(source);

    if (w == NULL)
        return HV_EINVAL;
    src = RegisterEventSourceW(NULL, w);
    free(w);
    if (src == NULL)
        return hv__err_from_os((long)GetLastError());
    return 0;
}

void hv_eventlog_write(int error, const char *text)
{
    const wchar_t *lines[1];
    wchar_t *w;

    if (src == NULL || (w = hv__wide(text)) == NULL)
        return;
    lines[0] = w;
    (void)ReportEventW(src,
                       error ? EVENTLOG_ERROR_TYPE
                             : EVENTLOG_INFORMATION_TYPE,
                       0, EVENT_ID, NULL, 1, 0, lines, NULL);
    free(w);
}

void hv_eventlog_close(void)
{
    if (src != NULL)
        DeregisterEventSource(src);
    src = NULL;
}
