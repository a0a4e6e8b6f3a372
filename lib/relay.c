/* relay.c: a single pair run to its end (the stdio pump of hvcat and
 * hvlisten) on top of each platform's many-pair engine
 * (relay_<platform>.c). What the engines themselves use of the portable
 * half is relay_opts.c, which calls no engine: no circle of calls. */
#include <string.h>

#include "platform.h"

int hv_relay_pair(struct hv_stream *a, struct hv_stream *b,
                  const struct hv_relay_opts *o, struct hv_relay_result *res)
{
    struct hv_relay *r;
    struct hv_relay_event ev;
    struct hv_relay_result dummy;
    int e;

    if (res == NULL)
        res = &dummy;
    memset(res, 0, sizeof *res);
    if ((e = hv_relay_new(&r)) < 0)
        return res->err = e;
    if ((e = hv__relay_add_borrowed(r, a, b, o, NULL)) < 0) {
        hv_relay_free(r);
        return res->err = e;
    }
    for (;;) {
        e = hv_relay_run(r, NULL, HV_RELAY_NO_QUIT, &ev);
        if (e < 0) {
            res->err = e;
            break;
        }
        if (ev.kind == HV_RELAY_DONE) {
            *res = ev.res;
            break;
        }
    }
    hv_relay_free(r);
    return res->err;
}
