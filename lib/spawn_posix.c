/* spawn_posix.c: running a command on a connection (-e) on POSIX: fork,
 * the socket onto the child's standard input and output, /bin/sh -c CMD,
 * and waitpid for its end. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "platform_posix.h"

struct hv_child {
    pid_t pid;
    int done;
    int note; /* -1, or where a process of ours between the command and
               * the connection says its own failure (hv__child_new) */
    struct hv_child_exit st;
};

extern char **environ;

/* The environment for the command: ours, with env's names replaced or
 * added. Made before fork, so the child only calls execve. */
char **hv__spawn_env(const char *const *env)
{
    size_t n = 0, m = 0, i, j;
    char **out;

    while (environ[n])
        n++;
    while (env && env[m])
        m++;
    out = malloc((n + m + 1) * sizeof *out);
    if (out == NULL)
        return NULL;
    j = 0;
    for (i = 0; i < n; i++) {
        size_t k, len = strcspn(environ[i], "=");
        int replaced = 0;
        for (k = 0; k < m; k++)
            if (strncmp(env[k], environ[i], len) == 0 && env[k][len] == '=')
                replaced = 1;
        if (!replaced)
            out[j++] = environ[i];
    }
    for (i = 0; i < m; i++)
        out[j++] = (char *)(uintptr_t)env[i];
    out[j] = NULL;
    return out;
}

void hv__child_exec(const char *cmd, char **envp)
{
    char *argv[4];
    struct sigaction sa;
    sigset_t none;

    /* the tool ignores SIGPIPE; an ignored signal stays ignored across exec */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGPIPE, &sa, NULL);
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGHUP, &sa, NULL);
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    argv[0] = (char *)(uintptr_t)"sh";
    argv[1] = (char *)(uintptr_t)"-c";
    argv[2] = (char *)(uintptr_t)cmd;
    argv[3] = NULL;
    execve("/bin/sh", argv, envp);
    _exit(127); /* the shell's own answer for a command it cannot run */
}

/* In the child, after fork: only async-signal-safe calls; never returns. */
static void child_exec(int fd, const char *cmd, char **envp)
{
    int t, fl;

    /* a copy above 2 first: dup2 onto itself would keep FD_CLOEXEC when the
     * socket already is 0 or 1; F_DUPFD copies come without it */
    t = fcntl(fd, F_DUPFD, 3);
    if (t < 0 || dup2(t, 0) < 0 || dup2(t, 1) < 0)
        _exit(127);
    close(t);
    /* the command expects ordinary blocking standard streams */
    fl = fcntl(0, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK))
        (void)fcntl(0, F_SETFL, fl & ~O_NONBLOCK);
    hv__child_exec(cmd, envp);
}

struct hv_child *hv__child_new(pid_t pid, int note)
{
    struct hv_child *c = calloc(1, sizeof *c);
    if (c != NULL) {
        c->pid = pid;
        c->note = note;
    }
    return c;
}

/* What the process said of its own failure before it ended (nothing: 0).
 * Its end closed the other end, so this never waits. */
static int own_failure(struct hv_child *c)
{
    int v = 0;
    if (c->note < 0 ||
        recv(c->note, &v, sizeof v, MSG_DONTWAIT) != (ssize_t)sizeof v)
        return 0;
    return v < 0 ? v : HV_EIO;
}

/* Run cmd with descriptor fd as its standard input and output. */
static int spawn_on(int fd, const char *cmd, const char *const *env,
                    struct hv_child **out)
{
    struct hv_child *c;
    char **envp;
    pid_t pid;
    int r;

    if (cmd == NULL || *cmd == '\0')
        return HV_EINVAL;
    /* its end is news for the relay's wait (HV_RELAY_CHILD): the handler
     * is there before the command can end */
    if ((r = hv__wake_on_child()) < 0)
        return r;
    c = hv__child_new(0, -1);
    envp = hv__spawn_env(env);
    if (c == NULL || envp == NULL) {
        free(c);
        free(envp);
        return HV_ENOMEM;
    }
    pid = fork();
    if (pid < 0) {
        int e = errno;
        free(c);
        free(envp);
        return hv__err_from_os(e);
    }
    if (pid == 0) {
        /* a process group of its own: ending the command (hv_child_kill)
         * ends what it started too */
        (void)setpgid(0, 0);
        child_exec(fd, cmd, envp);
    }
    /* also here, so the group exists before any kill (no race) */
    (void)setpgid(pid, pid);
    free(envp);
    c->pid = pid;
    *out = c;
    return 0;
}

/* The command gets the socket itself: on POSIX a socket is a fine
 * standard input and output, and no relay is needed (*io = NULL). */
int hv_spawn(struct hv_sock *s, const char *cmd, const char *const *env,
             struct hv_child **out, struct hv_stream **io)
{
    *io = NULL;
    return spawn_on(s->fd, cmd, env, out);
}

/* The command gets one end of a socket pair; *io is the other, for the
 * caller to relay to s. */
int hv_spawn_relayed(struct hv_sock *s, const char *cmd,
                     const char *const *env, struct hv_child **out,
                     struct hv_stream **io)
{
    int sv[2], r;

    (void)s;
    *io = NULL;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return hv__err_from_os(errno);
    r = spawn_on(sv[1], cmd, env, out);
    close(sv[1]);
    if (r < 0) {
        close(sv[0]);
        return r;
    }
    return hv__spawn_pair_stream(sv[0], out, io);
}

int hv__spawn_pair_stream(int fd, struct hv_child **c, struct hv_stream **io)
{
    struct hv_sock *ours;
    int r;

    if ((r = hv__sock_from_fd(fd, HV_FAMILY_UNIX, &ours)) < 0 ||
        (r = hv_stream_from_sock(ours, io)) < 0) {
        /* no way to the command: it is ended, not left behind */
        hv__child_discard(*c);
        *c = NULL;
        return r;
    }
    (*io)->cmd = 1;
    return 0;
}

static void decode(int w, struct hv_child_exit *st)
{
    if (WIFSIGNALED(w)) {
        st->signaled = 1;
        st->code = (unsigned long)WTERMSIG(w);
    } else {
        st->signaled = 0;
        st->code = (unsigned long)WEXITSTATUS(w);
    }
}

/* waitpid with or without WNOHANG: 1 ended, 0 running, or an HV_E* code. */
static int reap(struct hv_child *c, int flags)
{
    int w = 0;
    pid_t r;

    if (c->done)
        return 1;
    for (;;) {
        r = waitpid(c->pid, &w, flags);
        if (r >= 0 || errno != EINTR)
            break;
        /* stopped by a signal while we wait: the command ends with us */
        if (hv_stopped())
            hv_child_kill(c);
    }
    if (r < 0)
        return hv__err_from_os(errno);
    if (r == 0)
        return 0;
    decode(w, &c->st);
    c->st.own = own_failure(c);
    c->done = 1;
    return 1;
}

int hv_child_wait(struct hv_child *c, struct hv_child_exit *st)
{
    int r = reap(c, 0);
    if (r < 0)
        return r;
    *st = c->st;
    return 0;
}

int hv_child_poll(struct hv_child *c, struct hv_child_exit *st)
{
    int r = reap(c, WNOHANG);
    if (r == 1)
        *st = c->st;
    return r;
}

int hv_child_events(void)
{
    return 1;
}

void hv_child_kill(struct hv_child *c)
{
    if (!c->done)
        (void)kill(-c->pid, SIGTERM);
}

void hv_child_free(struct hv_child *c)
{
    if (c->note >= 0)
        close(c->note);
    free(c);
}

void hv__child_discard(struct hv_child *c)
{
    if (!c->done) {
        /* the process too: a terminal's command makes its group itself
         * (setsid), which may still be to come */
        (void)kill(c->pid, SIGKILL);
        (void)kill(-c->pid, SIGKILL);
        while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    hv_child_free(c);
}
