/* spawn.c: the portable half of running a command on a connection (-e):
 * the command's HV_PEER_* and HV_LOCAL_* environment, and the choice
 * between handing it the connection itself and relaying its pipes (a
 * terminal, a timer or a dump keeps the relay between them). */
#include <stdio.h>
#include <string.h>

#include "platform.h"

/* The VM and service parts of a, as the environment has them. */
static void addr_parts(const struct hv_addr *a, char *vm, char *svc, size_t n)
{
    char g[HV_GUID_BUFSIZE];
    const char *port;

    switch (a->family) {
    case HV_FAMILY_VSOCK:
        snprintf(vm, n, "%lu", (unsigned long)a->cid);
        snprintf(svc, n, "%lu", (unsigned long)a->port);
        break;
    case HV_FAMILY_HYPERV:
        hv_guid_format(&a->vm_id, g);
        snprintf(vm, n, "%s", g);
        hv_guid_format(&a->service_id, g);
        snprintf(svc, n, "%s", g);
        break;
    case HV_FAMILY_TCP:
        snprintf(vm, n, "%s", a->host);
        snprintf(svc, n, "%lu", (unsigned long)a->port);
        break;
    case HV_FAMILY_HYBRID:
        /* the VMM's socket, and the guest port as hybrid:PATH:PORT has it */
        hv_addr_format(a, vm, n);
        port = strrchr(vm, ':');
        snprintf(svc, n, "%s", port ? port + 1 : "");
        snprintf(vm, n, "%s", a->path);
        break;
    default:
        snprintf(vm, n, "%s", "");
        snprintf(svc, n, "%s", a->path);
        break;
    }
}

void hv_exec_env(struct hv_exec_env *e, const struct hv_addr *peer,
                 const struct hv_addr *local)
{
    static const char *const names[HV_EXEC_ENV_VARS] = {
        "HV_PEER_ADDR", "HV_PEER_VM", "HV_PEER_SERVICE",
        "HV_LOCAL_ADDR", "HV_LOCAL_VM", "HV_LOCAL_SERVICE"};
    char text[3][HV_ADDR_STRLEN];
    int i, side;

    for (side = 0; side < 2; side++) {
        const struct hv_addr *a = side ? local : peer;
        hv_addr_format(a, text[0], sizeof text[0]);
        addr_parts(a, text[1], text[2], sizeof text[1]);
        /* each text is shorter than HV_ADDR_STRLEN, and a buffer holds
         * that and a name: the precision says so to the compiler too */
        for (i = 0; i < 3; i++)
            snprintf(e->buf[side * 3 + i], sizeof e->buf[0], "%s=%.*s",
                     names[side * 3 + i], (int)(HV_ADDR_STRLEN - 1), text[i]);
    }
    for (i = 0; i < HV_EXEC_ENV_VARS; i++)
        e->env[i] = e->buf[i];
    e->env[HV_EXEC_ENV_VARS] = NULL;
}

/* Whether the relay must stay between the command and the connection:
 * a timer holds whatever the command does, and a dump sees the bytes
 * only in the relay. */
static int exec_relayed(const struct hv_relay_opts *ro)
{
    return ro != NULL && (ro->idle_ms != 0 || ro->quit_ms != HV_RELAY_NO_QUIT ||
                          ro->dump != NULL);
}

int hv_exec_start(struct hv_sock *s, const char *cmd,
                  const struct hv_exec_opts *o, struct hv_exec *out)
{
    struct hv_exec_env env;
    struct hv_addr local;
    int r;

    memset(out, 0, sizeof *out);
    if (o->local) {
        local = *o->local;
    } else if (hv_sock_local(s, &local) < 0) {
        memset(&local, 0, sizeof local);
        local.family = o->peer->family;
    }
    hv_exec_env(&env, o->peer, &local);
    if (o->pty)
        r = hv_spawn_pty(cmd, env.env, o->pty, &out->child, &out->cmd);
    else if (exec_relayed(o->relay))
        r = hv_spawn_relayed(s, cmd, env.env, &out->child, &out->cmd);
    else
        r = hv_spawn(s, cmd, env.env, &out->child, &out->cmd);
    if (r < 0) {
        out->child = NULL;
        out->cmd = NULL;
        if (r != HV_EMFILE)
            hv_sock_close(s);
        return r;
    }
    if (out->cmd == NULL) {
        /* the command has its own copy: the connection ends with it */
        hv_sock_close(s);
        return 0;
    }
    if ((r = hv_stream_from_sock(s, &out->conn)) < 0) {
        /* no way from the command to the connection: it is ended, not
         * left behind */
        hv_stream_close(out->cmd);
        hv__child_discard(out->child);
        memset(out, 0, sizeof *out);
        return r;
    }
    return 0;
}
