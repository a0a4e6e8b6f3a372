/* relay_opts.c: the portable part of the relay that the engines call
 * (relay_posix.c, relay_win.c): the options' defaults, and what the rule
 * book learns of a pair's a end alike on every platform. It calls no
 * engine (relay.c, which does, sits on top). */
#include <string.h>

#include "platform.h"
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
