/* relay.c: the portable half of the relay engine, below each platform's
 * engine (relay_<platform>.c): default options, and what the rule book
 * learns of a pair's ends (hv__relay_ends), from the same properties of
 * the streams on every platform. */
#include <string.h>

#include "platform_os.h"
#include "rules.h"

void hv_relay_opts_init(struct hv_relay_opts *o)
{
    memset(o, 0, sizeof *o);
    o->quit_ms = HV_RELAY_NO_QUIT;
    o->gone_ms = HV_RELAY_NO_QUIT;
}

/* The ends of pair a <-> b as the rule book knows them (platform.h). */
unsigned hv__relay_ends(const struct hv_stream *a, const struct hv_stream *b)
{
    unsigned e = 0;
    if (a->stdio)
        e |= HV__ENDS_A_LOCAL;
    if (a->wkeep)
        e |= HV__ENDS_A_KEPT;
    if (a->cmd)
        e |= HV__ENDS_A_CMD;
    if (a->gone == HV__GONE_EOF)
        e |= HV__ENDS_A_FULL;
    if (a->eof_closes)
        e |= HV__ENDS_A_CLOSES;
    if (b == NULL)
        return e;
    /* a failed write into a (stdout) leaves b read and dropped where b's
     * close would otherwise reset what we sent it */
    if (a->wfail_drains && b->rst_unread)
        e |= HV__ENDS_B_DRAIN;
    if (b->eof_closes)
        e |= HV__ENDS_B_CLOSES;
    if (b->gone == HV__GONE_EOF)
        e |= HV__ENDS_B_FULL;
    else if (b->gone == HV__GONE_HUP)
        e |= HV__ENDS_B_HUP;
    else if (b->gone == HV__GONE_ASK)
        e |= HV__ENDS_B_ASK;
    return e;
}
