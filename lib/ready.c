/* ready.c: reading the readiness messages a guest's service manager sends
 * over a stream (sd_notify(3)'s KEY=VALUE lines, as systemd's
 * vmm.notify_socket sends them): lines cut at newlines, bounded in length,
 * whatever the segments. Only STATUS= and READY=1 mean anything here. */
#include <string.h>

#include "platform.h"

void hv_ready_init(struct hv_ready *p)
{
    p->len = 0;
    p->overlong = 0;
    p->ready = 0;
}

/* One whole line (without its newline): STATUS= goes to the callback,
 * READY=1 sets ready; anything else is no business of ours. */
static void ready_line(struct hv_ready *p, hv_ready_status_fn *status,
                       void *ctx)
{
    size_t n = p->len;

    if (p->overlong)
        return; /* cut short: not the line that was sent */
    /* a line ended with CR LF (Windows' echo) means the same */
    if (n > 0 && p->line[n - 1] == '\r')
        n--;
    p->line[n] = '\0';
    if (n == 7 && memcmp(p->line, "READY=1", 7) == 0)
        p->ready = 1;
    else if (n >= 7 && memcmp(p->line, "STATUS=", 7) == 0 && status)
        status(ctx, p->line + 7, n - 7);
}

size_t hv_ready_feed(struct hv_ready *p, const char *buf, size_t n,
                     hv_ready_status_fn *status, void *ctx)
{
    size_t i;

    for (i = 0; i < n && !p->ready; i++) {
        if (buf[i] == '\n') {
            ready_line(p, status, ctx);
            p->len = 0;
            p->overlong = 0;
        } else if (p->len < HV_READY_LINE_MAX) {
            p->line[p->len++] = buf[i];
        } else {
            p->overlong = 1; /* dropped up to its newline */
        }
    }
    return i;
}

int hv_ready_end(struct hv_ready *p, hv_ready_status_fn *status, void *ctx)
{
    /* the sender's end of file ends its last line (sd_notify's messages
     * carry no newline after the last) */
    if (!p->ready && (p->len > 0 || p->overlong))
        ready_line(p, status, ctx);
    p->len = 0;
    p->overlong = 0;
    return p->ready;
}
