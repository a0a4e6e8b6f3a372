/* wake_posix.c: what a signal handler has to say, as a descriptor that
 * becomes readable (a pipe written by the handler), so that every wait of
 * the library can watch it beside its sockets: the stop (SIGINT, SIGTERM,
 * SIGHUP), which no wait may miss, not even one that had just checked the
 * flag when the signal came; and a command's end (SIGCHLD), so that a
 * listener with commands running sleeps until one ends instead of
 * looking every so often. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "platform_posix.h"

static int g_pipe[HV__WAKE_KINDS][2] = {{-1, -1}, {-1, -1}};

/* A pipe of our own whose ends do not block, kept away from commands
 * (platform_posix.h). Made at every tool's start: one call where the
 * system has it, not the seven of pipe and fcntl. */
int hv__pipe_own(int p[2])
{
    int i, fl;
#ifdef HV__HAVE_PIPE2
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0)
        return 0;
    if (errno != ENOSYS)
        return hv__err_from_os(errno);
#endif
    if (pipe(p) < 0)
        return hv__err_from_os(errno);
    for (i = 0; i < 2; i++) {
        fl = fcntl(p[i], F_GETFL);
        if (fl < 0 || fcntl(p[i], F_SETFL, fl | O_NONBLOCK) < 0 ||
            fcntl(p[i], F_SETFD, FD_CLOEXEC) < 0) {
            int e = hv__err_from_os(errno);
            close(p[0]);
            close(p[1]);
            p[0] = p[1] = -1;
            return e;
        }
    }
    return 0;
}

int hv__wake_open(int kind)
{
    if (g_pipe[kind][0] >= 0)
        return 0;
    return hv__pipe_own(g_pipe[kind]);
}

void hv__wake_post(int kind)
{
    int saved = errno; /* a handler must leave errno as it found it */
    char c = 0;
    /* a full pipe says so already; nothing else can fail that matters */
    if (g_pipe[kind][1] >= 0)
        (void)!write(g_pipe[kind][1], &c, 1);
    errno = saved;
}

int hv__wake_fd(int kind)
{
    return g_pipe[kind][0];
}

void hv__wake_drain(int kind)
{
    char buf[64];
    if (g_pipe[kind][0] < 0)
        return;
    while (read(g_pipe[kind][0], buf, sizeof buf) > 0)
        ;
}

static void on_child(int sig)
{
    (void)sig;
    hv__wake_post(HV__WAKE_CHILD);
}

int hv__wake_on_child(void)
{
    static int installed;
    struct sigaction sa;
    int r;

    if (installed)
        return 0;
    if ((r = hv__wake_open(HV__WAKE_CHILD)) < 0)
        return r;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_child;
    sigemptyset(&sa.sa_mask);
    /* a child's end is news, not a reason for a call to fail with EINTR */
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    if (sigaction(SIGCHLD, &sa, NULL) < 0)
        return hv__err_from_os(errno);
    installed = 1;
    return 0;
}
