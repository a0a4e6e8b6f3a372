/* spawn_posix.c: running a command on a connection (-e) on POSIX: fork,
 * the socket onto the child's standard input and output, /bin/sh -c CMD,
 * and waitpid for its end. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "platform.h"

struct hv_child {
    pid_t pid;
    int done;
    struct hv_child_exit st;
};

/* In the child, after fork: only async-signal-safe calls; never returns. */
static void child_exec(int fd, const char *cmd)
{
    struct sigaction sa;
    sigset_t none;
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
    /* the tool ignores SIGPIPE; an ignored signal stays ignored across exec */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGPIPE, &sa, NULL);
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127); /* the shell's own answer for a command it cannot run */
}

int hv_spawn_with_sock(struct hv_sock *s, const char *cmd,
                       struct hv_child **out)
{
    struct hv_child *c;
    pid_t pid;

    if (cmd == NULL || *cmd == '\0')
        return HV_EINVAL;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return HV_ENOMEM;
    pid = fork();
    if (pid < 0) {
        int e = errno;
        free(c);
        return hv__err_from_os(e);
    }
    if (pid == 0)
        child_exec(s->fd, cmd);
    c->pid = pid;
    *out = c;
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
    do
        r = waitpid(c->pid, &w, flags);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return hv__err_from_os(errno);
    if (r == 0)
        return 0;
    decode(w, &c->st);
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

void hv_child_free(struct hv_child *c)
{
    free(c);
}
