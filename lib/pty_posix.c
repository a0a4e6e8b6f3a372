/* pty_posix.c: a command on a new pseudo-terminal (-e --pty) on POSIX:
 * posix_openpt for the master, which the relay carries to the connection;
 * the child starts a session of its own (setsid), makes the slave its
 * controlling terminal (TIOCSCTTY) and its standard input, output and
 * error, and runs /bin/sh -c CMD with TERM set. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "platform_posix.h"
#include "termctl.h"

/* In the child, after fork: only async-signal-safe calls; never returns. */
static void child_on_tty(int fd, const char *cmd, char **envp)
{
    if (setsid() < 0 || ioctl(fd, TIOCSCTTY, 0) < 0)
        _exit(127);
    /* dup2 clears FD_CLOEXEC on the copies; the slave is never 0-2 here,
     * as the tool's own 0-2 are open (hv_console_init) */
    if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
        _exit(127);
    hv__child_exec(cmd, envp);
}

/* env with TERM=term added (it replaces ours), as hv__spawn_env. */
static char **tty_env(const char *const *env, const char *term, char *buf,
                      size_t n)
{
    const char **all = hv__pty_env(env, term, buf, n);
    char **out;

    if (all == NULL)
        return NULL;
    out = hv__spawn_env(all);
    free(all);
    return out;
}

/* Two socket pairs, sv for the connection's bytes and nt for the
 * process's word on its own failure; 0 or an HV_E* code (none left). */
static int framed_pairs(int sv[2], int nt[2])
{
    int e;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return hv__err_from_os(errno);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, nt) == 0)
        return 0;
    e = errno;
    close(sv[0]);
    close(sv[1]);
    return hv__err_from_os(e);
}

/* --term-control: a process of its own speaks the protocol between the
 * terminal and the relay (hv__tc_serve, termctl_posix.c); the relay
 * carries its side of a socket pair to the connection, and its status is
 * the command's, or its own failure (hv_child_exit's own, said through a
 * second pair). Takes m, sl and envp. */
static int spawn_framed(int m, int sl, const char *cmd, char **envp,
                        struct hv_child **out, struct hv_stream **io)
{
    int sv[2], nt[2], r, e;
    pid_t pid = -1;

    r = envp == NULL ? HV_ENOMEM : framed_pairs(sv, nt);
    if (r == 0) {
        pid = fork();
        e = errno;
        if (pid == 0) {
            close(sv[0]);
            close(nt[0]);
            hv__tc_serve(sv[1], nt[1], m, sl, cmd, envp, child_on_tty);
        }
        close(sv[1]);
        close(nt[1]);
        r = pid < 0 ? hv__err_from_os(e) : 0;
        if (r < 0) {
            close(sv[0]);
            close(nt[0]);
        }
    }
    free(envp);
    close(sl);
    close(m);
    if (r < 0)
        return r;
    (void)setpgid(pid, pid); /* as the command's own group (spawn_posix.c) */
    if ((*out = hv__child_new(pid, nt[0])) == NULL) {
        close(nt[0]);
        close(sv[0]); /* its end ends the process: reaped, not left */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        return HV_ENOMEM;
    }
    return hv__spawn_pair_stream(sv[0], out, io);
}

int hv_spawn_pty(const char *cmd, const char *const *env,
                 const struct hv_pty_opts *po, struct hv_child **out,
                 struct hv_stream **io)
{
    struct winsize ws;
    char term[96];
    char **envp;
    const char *name;
    int m, sl, r, e;
    pid_t pid;

    *io = NULL;
    if (cmd == NULL || *cmd == '\0' || po->term == NULL ||
        strlen(po->term) + 6 > sizeof term)
        return HV_EINVAL;
    if ((r = hv__wake_on_child()) < 0)
        return r;
    m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0)
        return hv__err_from_os(errno);
    /* the slave is opened here, so that the master never lacks it: a
     * master without one reads as empty and polls as hung up, until the
     * child would have opened it */
    if (fcntl(m, F_SETFD, FD_CLOEXEC) < 0 || grantpt(m) < 0 ||
        unlockpt(m) < 0 || (name = ptsname(m)) == NULL ||
        (sl = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
        e = errno;
        close(m);
        return hv__err_from_os(e);
    }
    memset(&ws, 0, sizeof ws);
    ws.ws_col = po->cols;
    ws.ws_row = po->rows;
    (void)ioctl(m, TIOCSWINSZ, &ws);
    envp = tty_env(env, po->term, term, sizeof term);
    if (po->control)
        return spawn_framed(m, sl, cmd, envp, out, io);
    pid = envp ? fork() : -1;
    e = envp ? errno : ENOMEM;
    if (pid == 0)
        child_on_tty(sl, cmd, envp);
    free(envp);
    close(sl); /* the command's now: its last close is the master's EOF */
    if (pid < 0) {
        close(m);
        return hv__err_from_os(e);
    }
    if ((*out = hv__child_new(pid, -1)) == NULL) {
        close(m); /* its hang-up ends the command */
        return HV_ENOMEM;
    }
    if ((r = hv__stream_tty(m, io)) < 0) {
        hv__child_discard(*out);
        *out = NULL;
        return r;
    }
    return 0;
}
