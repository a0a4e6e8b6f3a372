/* pty_win.c: a command on a pseudo console (-e --pty) on Windows. */
#include "platform.h"

int hv_spawn_pty(const char *cmd, const char *const *env,
                 const struct hv_pty_opts *po, struct hv_child **out,
                 struct hv_stream **io)
{
    (void)cmd;
    (void)env;
    (void)po;
    *out = NULL;
    *io = NULL;
    return HV_ENOTSUP;
}
