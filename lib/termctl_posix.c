/* termctl_posix.c: the two ends of the terminal control protocol
 * (termctl.h) on POSIX. The listener's end is a process of its own
 * between the connection's relay and the pseudo-terminal (pty_posix.c
 * forks it): it answers the hello, sizes the terminal, starts the
 * command, frames its output, applies window sizes, and sends the
 * command's end; the relay carries its framed bytes like any command's.
 * The client's end (hvcat --raw --term-control) is a loop of its own
 * over the terminal and the connection, with SIGWINCH. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "platform_posix.h"
#include "termctl.h"

#define TC_HELLO_MS 10000 /* how long a side waits for the other's hello */
#define TC_CHUNK 4096

/* All of p out to fd, waiting while it is full; 0 or -1 (errno). */
static int put_all(int fd, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        ssize_t k = write(fd, c, n);
        if (k < 0) {
            struct pollfd pf;
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                return -1;
            pf.fd = fd;
            pf.events = POLLOUT;
            (void)poll(&pf, 1, -1);
            continue;
        }
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

/* A data frame of p[0..n) (n at most TC_CHUNK) to fd. */
static int put_data(int fd, const char *p, size_t n)
{
    unsigned char f[HV__TC_HEADER + TC_CHUNK];

    hv__tc_header(HV__TC_DATA, n, f);
    memcpy(f + HV__TC_HEADER, p, n);
    return put_all(fd, f, HV__TC_HEADER + n);
}

static long ms_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Read from fd until the decoder has the peer's hello (0), the bytes are
 * no hello (HV_EBADDATA), the peer left (HV_ECONNABORTED) or TC_HELLO_MS
 * passed (HV_ETIMEDOUT). Reads byte by byte: what follows the hello stays
 * in the socket for the loop. */
static int await_hello(int fd, struct hv__tc_dec *d)
{
    long end = ms_now() + TC_HELLO_MS;

    for (;;) {
        struct hv__tc_event ev;
        struct pollfd pf;
        unsigned char c;
        size_t used;
        long left = end - ms_now();
        ssize_t k;
        int r;

        if (left <= 0)
            return HV_ETIMEDOUT;
        pf.fd = fd;
        pf.events = POLLIN;
        if (poll(&pf, 1, (int)left) <= 0)
            continue;
        k = read(fd, &c, 1);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k <= 0)
            return HV_ECONNABORTED;
        if ((r = hv__tc_next(d, &c, 1, &used, &ev)) < 0)
            return r;
        if (ev.kind == HV__TC_HELLO_OK)
            return 0;
    }
}

/* ------------------------------------------------ the listener's end */

static void say_to(int fd, const char *msg)
{
    (void)put_all(fd, msg, strlen(msg));
}

static void say(const char *msg)
{
    say_to(2, msg);
}

static void set_size(int m, unsigned cols, unsigned rows)
{
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_col = (unsigned short)cols;
    ws.ws_row = (unsigned short)rows;
    (void)ioctl(m, TIOCSWINSZ, &ws);
}

/* The client's hello and its first frame, a window size; 0 or an error
 * said on stderr and to the client's terminal. */
static int serve_start(int sock, int m, struct hv__tc_dec *d)
{
    unsigned char b[HV__TC_HEADER + 4];
    struct hv__tc_event ev;
    size_t got = 0, used;
    int r = await_hello(sock, d);

    while (r == 0 && got < sizeof b) {
        ssize_t k = read(sock, b + got, sizeof b - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            r = HV_ECONNABORTED;
        else
            got += (size_t)k;
    }
    if (r == 0 && (hv__tc_next(d, b, got, &used, &ev) < 0 ||
                   ev.kind != HV__TC_SIZE))
        r = HV_EBADDATA;
    if (r == 0) {
        set_size(m, ev.cols, ev.rows);
        return 0;
    }
    if (r == HV_EBADDATA || r == HV_ETIMEDOUT) {
        say("hvlisten: --term-control: the client does not speak it (no "
            "hello from hvcat --raw --term-control)\n");
        say_to(sock, "\r\nhvlisten: this service needs hvcat --raw "
                     "--term-control\r\n");
    }
    return r;
}

/* Terminal bytes for the command: as much of *p as the terminal takes
 * now; -1 when it is gone. */
static int to_term(int m, const unsigned char **p, size_t *n)
{
    ssize_t k = write(m, *p, *n);
    if (k < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    *p += k;
    *n -= (size_t)k;
    return 0;
}

/* The frames loop: the command's output framed to sock, the client's
 * frames to the terminal; returns when the command's side of the
 * terminal closed (1) or the client left (0). The terminal is written
 * without blocking, and the client is read only once its last bytes are
 * in: a command that writes while its input is full is never stuck
 * behind us. */
static int serve_loop(int sock, int m, struct hv__tc_dec *d)
{
    unsigned char in[TC_CHUNK];
    char out[TC_CHUNK];
    const unsigned char *pend = NULL; /* decoded, not yet in */
    size_t npend = 0, have = 0, at = 0; /* in[at..have) not decoded */

    (void)fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
    for (;;) {
        struct pollfd pf[2];
        ssize_t k;

        pf[0].fd = npend ? -1 : sock;
        pf[0].events = POLLIN;
        pf[1].fd = m;
        pf[1].events = (short)(POLLIN | (npend ? POLLOUT : 0));
        if (poll(pf, 2, -1) < 0)
            continue;
        if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            k = read(m, out, sizeof out);
            if (k > 0 && put_data(sock, out, (size_t)k) < 0)
                return 0;
            if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
                return 1; /* EIO: every process let go of the slave */
        }
        if (npend && to_term(m, &pend, &npend) < 0)
            return 1;
        if (pf[0].fd >= 0 && pf[0].revents) {
            k = read(sock, in, sizeof in);
            if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
                return 0;
            have = k > 0 ? (size_t)k : 0;
            at = 0;
        }
        while (npend == 0 && at < have) {
            struct hv__tc_event ev;
            size_t used;
            if (hv__tc_next(d, in + at, have - at, &used, &ev) < 0) {
                say("hvlisten: --term-control: malformed frame from the "
                    "client\n");
                return 0;
            }
            at += used;
            if (ev.kind == HV__TC_BYTES) {
                pend = ev.data;
                npend = ev.len;
                if (to_term(m, &pend, &npend) < 0)
                    return 1;
            } else if (ev.kind == HV__TC_SIZE) {
                set_size(m, ev.cols, ev.rows);
            }
        }
    }
}

void hv__tc_serve(int sock, int m, int sl, const char *cmd, char **envp,
                  void (*child)(int fd, const char *cmd, char **envp))
{
    struct hv__tc_dec d;
    struct sigaction sa;
    struct rlimit rl;
    unsigned char f[HV__TC_HEADER + 2];
    int fd, st = 0, how, code;
    pid_t pid;

    /* the tool's handlers write into the tool's wake pipes: not here */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGCHLD, &sa, NULL);
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGHUP, &sa, NULL);
    (void)sigaction(SIGURG, &sa, NULL);
    (void)setpgid(0, 0);
    /* nothing of the tool's stays open here (its other connections would
     * not end while this runs): a forked copy, without exec */
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > 1048576)
        rl.rlim_cur = 1048576;
    for (fd = 0; fd < (int)rl.rlim_cur; fd++)
        if (fd != 2 && fd != sock && fd != m && fd != sl)
            (void)close(fd);
    memset(&d, 0, sizeof d);
    if (put_all(sock, HV__TC_HELLO, HV__TC_HELLO_LEN) < 0 ||
        serve_start(sock, m, &d) < 0)
        _exit(74);
    pid = fork();
    if (pid == 0) {
        close(sock);
        close(m);
        child(sl, cmd, envp);
    }
    close(sl);
    if (pid < 0)
        _exit(71);
    if (!serve_loop(sock, m, &d)) {
        close(m); /* the client left: the terminal hangs up */
        (void)kill(pid, SIGHUP);
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    how = WIFSIGNALED(st) ? HV__TC_SIGNALED : HV__TC_EXITED;
    code = how == HV__TC_SIGNALED ? WTERMSIG(st) : WEXITSTATUS(st);
    (void)put_all(sock, f, hv__tc_exit((unsigned)how, (unsigned)code, f));
    (void)shutdown(sock, SHUT_WR);
    if (how == HV__TC_SIGNALED) {
        (void)kill(getpid(), code); /* the same end, for the tool to say */
        _exit(128 + code);
    }
    _exit(code);
}

/* ------------------------------------------------ the client's end */

static int g_winch[2] = {-1, -1};

static void on_winch(int sig)
{
    int e = errno;
    char c = 0;
    (void)sig;
    (void)write(g_winch[1], &c, 1);
    errno = e;
}

/* The terminal's size as a window-size frame into f; its length. */
static size_t size_frame(unsigned char *f)
{
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0 || ws.ws_row == 0) {
        ws.ws_col = 80;
        ws.ws_row = 24;
    }
    return hv__tc_winsize(ws.ws_col, ws.ws_row, f);
}

/* The connection's bytes: terminal output to stdout, the command's end
 * into *end (*ended set). 0, or an HV_E* code. */
static int from_peer(struct hv__tc_dec *d, const unsigned char *in, size_t n,
                     struct hv_child_exit *end, int *ended)
{
    while (n > 0) {
        struct hv__tc_event ev;
        size_t used;
        int r = hv__tc_next(d, in, n, &used, &ev);
        if (r < 0)
            return r;
        in += used;
        n -= used;
        if (ev.kind == HV__TC_BYTES && put_all(1, ev.data, ev.len) < 0)
            return hv__err_from_os(errno);
        if (ev.kind == HV__TC_END) {
            end->signaled = ev.how == HV__TC_SIGNALED;
            end->code = ev.status;
            *ended = 1;
        }
    }
    return 0;
}

/* The session's loop after the hellos: 0 (the command's end came, then
 * the connection's), HV_ECONNABORTED (it ended before that), 1 (the
 * escape), or an HV_E* code. */
static int client_loop(int sock, struct hv__tc_dec *d,
                       struct hv__escape *esc, struct hv_child_exit *end)
{
    unsigned char in[TC_CHUNK], f[HV__TC_HEADER + 4];
    char typed[TC_CHUNK / 2], out[TC_CHUNK / 2 + 1];
    int ended = 0, r;

    for (;;) {
        struct pollfd pf[4];
        ssize_t k;

        pf[0].fd = sock;
        pf[1].fd = ended ? -1 : 0; /* after the end, nothing more to send */
        pf[2].fd = g_winch[0];
        pf[3].fd = hv__wake_fd(HV__WAKE_STOP);
        pf[0].events = pf[1].events = pf[2].events = pf[3].events = POLLIN;
        if (poll(pf, 4, -1) < 0) {
            if (errno != EINTR)
                return hv__err_from_os(errno);
            continue;
        }
        if (hv_stopped() || pf[3].revents)
            return HV_ESTOPPED;
        if (pf[2].revents) {
            char junk[64];
            (void)read(g_winch[0], junk, sizeof junk);
            if (put_all(sock, f, size_frame(f)) < 0)
                return hv__err_from_os(errno);
        }
        if (pf[1].fd >= 0 && pf[1].revents) {
            size_t n;
            k = read(0, typed, sizeof typed);
            if (k < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (k <= 0)
                return k == 0 ? HV_EIO : hv__err_from_os(errno);
            n = esc ? hv__escape_scan(esc, typed, (size_t)k, out)
                    : (memcpy(out, typed, (size_t)k), (size_t)k);
            if (n > 0 && put_data(sock, out, n) < 0)
                return hv__err_from_os(errno);
            if (esc && esc->hangup)
                return 1;
        }
        if (pf[0].revents) {
            k = read(sock, in, sizeof in);
            if (k < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (k <= 0)
                return ended ? 0 : HV_ECONNABORTED;
            if ((r = from_peer(d, in, (size_t)k, end, &ended)) < 0)
                return r;
        }
    }
}

int hv_term_session(struct hv_sock *s, int escape, struct hv_child_exit *end)
{
    struct hv__tc_dec d;
    struct hv__escape esc;
    struct sigaction sa, old;
    unsigned char f[HV__TC_HEADER + 4];
    int r;

    memset(&d, 0, sizeof d);
    memset(&esc, 0, sizeof esc);
    esc.ch = (unsigned char)escape;
    end->signaled = 0;
    end->code = 0;
    /* the listener's hello first: until then nothing of ours is sent */
    if ((r = await_hello(s->fd, &d)) < 0)
        return r;
    if (pipe(g_winch) < 0)
        return hv__err_from_os(errno);
    (void)fcntl(g_winch[0], F_SETFL, O_NONBLOCK);
    (void)fcntl(g_winch[1], F_SETFL, O_NONBLOCK);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_winch;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    (void)sigaction(SIGWINCH, &sa, &old);
    /* the size after the handler is in: a change between is not lost */
    if (put_all(s->fd, HV__TC_HELLO, HV__TC_HELLO_LEN) < 0 ||
        put_all(s->fd, f, size_frame(f)) < 0)
        r = hv__err_from_os(errno);
    else
        r = client_loop(s->fd, &d, escape ? &esc : NULL, end);
    (void)sigaction(SIGWINCH, &old, NULL);
    close(g_winch[0]);
    close(g_winch[1]);
    g_winch[0] = g_winch[1] = -1;
    return r;
}
