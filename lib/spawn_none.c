/* spawn_none.c: platforms that cannot run a command on a connection. */
#include "platform.h"

struct hv_child {
    int unused;
};

int hv_spawn_with_sock(struct hv_sock *s, const char *cmd,
                       struct hv_child **out)
{
    (void)s;
    (void)cmd;
    (void)out;
    return HV_ENOTSUP;
}

int hv_child_wait(struct hv_child *c, struct hv_child_exit *st)
{
    (void)c;
    (void)st;
    return HV_ENOTSUP;
}

int hv_child_poll(struct hv_child *c, struct hv_child_exit *st)
{
    (void)c;
    (void)st;
    return HV_ENOTSUP;
}

void hv_child_free(struct hv_child *c)
{
    (void)c;
}
