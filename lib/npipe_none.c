/* npipe_none.c: named pipes are a Windows thing; elsewhere --npipe and
 * npipe: targets answer HV_ENONPIPE ("not available on this system"). */
#include "platform.h"

int hv__sock_npipe_connect(const struct hv_addr *a,
                           const struct hv_connect_opts *o,
                           struct hv_sock **out)
{
    (void)a;
    (void)o;
    (void)out;
    return HV_ENONPIPE;
}

int hv__sock_npipe_listen(const struct hv_addr *a,
                          const struct hv_listen_opts *o,
                          struct hv_sock **out)
{
    (void)a;
    (void)o;
    (void)out;
    return HV_ENONPIPE;
}
