/* relay.c: the portable half of the relay engine, below each platform's
 * engine (relay_<platform>.c): default options, and what the rule book
 * learns of a pair's ends alike on every platform. */
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
