/* relay.c: the portable part of the relay engine: default options, and
 * one pair run to its end (hvcat, hvlisten without -k). The engine itself
 * is relay_<platform>.c. */
#include <string.h>

#include "platform.h"

void hv_relay_opts_init(struct hv_relay_opts *o)
{
    memset(o, 0, sizeof *o);
    o->quit_ms = HV_RELAY_NO_QUIT;
}

int hv_relay_pair(struct hv_stream *a, struct hv_stream *b,
                  const struct hv_relay_opts *o, struct hv_relay_result *res)
{
    struct hv_relay_result dummy;
    struct hv_relay_event ev;
    struct hv_relay *r;
    int e;

    if (res == NULL)
        res = &dummy;
    memset(res, 0, sizeof *res);
    if ((e = hv_relay_new(&r)) < 0)
        return res->err = e;
    if ((e = hv__relay_add_borrowed(r, a, b, o, NULL)) == 0) {
        do
            e = hv_relay_run(r, NULL, HV_RELAY_NO_QUIT, &ev);
        while (e == 0 && ev.kind != HV_RELAY_DONE);
        if (e == 0) {
            *res = ev.res;
            e = res->err;
        }
    }
    hv_relay_free(r);
    return res->err = e;
}
