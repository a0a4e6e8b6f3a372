/* relay.c: the portable half of the relay engine: default options, what
 * the rule book learns of a pair's ends alike on every platform, and a
 * single pair run to its end (the stdio pump of hvcat and hvlisten) on
 * top of each platform's many-pair engine (relay_<platform>.c). */
#include <string.h>

#include "platform_os.h"
#include "rules.h"

void hv_relay_opts_init(struct hv_relay_opts *o)
{
    memset(o, 0, sizeof *o);
    o->quit_ms = HV_RELAY_NO_QUIT;
    o->gone_ms = HV_RELAY_NO_QUIT;
}

unsigned hv__relay_ends_a(const struct hv_stream *a)
{
    unsigned e = 0;
    if (a->stdio)
        e |= HV__ENDS_A_LOCAL;
    if (a->wkeep)
        e |= HV__ENDS_A_KEPT;
    if (a->cmd)
        e |= HV__ENDS_A_CMD;
    return e;
}

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
