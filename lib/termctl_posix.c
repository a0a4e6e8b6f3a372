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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "platform_posix.h"
#include "termctl.h"

#define TC_HELLO_MS 10000 /* how long a side waits for the other's hello */
#define TC_CHUNK 4096

/* Frames on their way to a non-blocking connection: b[at..n). Room for
 * a data frame and a window size. */
struct tc_out {
    unsigned char b[HV__TC_HEADER + TC_CHUNK + HV__TC_HEADER + 4];
    size_t at, n;
};

/* Wait up to ms (-1: no bound) for ev on fd, or a stop (stop: the stop's
 * pipe, -1 none): 1 ready, 0 not yet (the time passed, or a signal),
 * HV_ESTOPPED. */
static int wait_fd(int fd, short ev, int ms, int stop)
{
    struct pollfd pf[2];
    int k;

    pf[0].fd = fd;
    pf[0].events = ev;
    pf[0].revents = 0;
    pf[1].fd = stop;
    pf[1].events = POLLIN;
    pf[1].revents = 0;
    k = poll(pf, 2, ms);
    if (hv_stopped() || (k > 0 && pf[1].revents))
        return HV_ESTOPPED;
    return k > 0 && pf[0].revents ? 1 : 0;
}

/* All of p out to fd, waiting while it is full: 0, HV_ESTOPPED (see
 * wait_fd) or an HV_E* code. */
static int put_all(int fd, const void *p, size_t n, int stop)
{
    const char *c = p;

    while (n > 0) {
        ssize_t k = write(fd, c, n);
        int r;
        if (k >= 0) {
            c += k;
            n -= (size_t)k;
            continue;
        }
        if (errno != EINTR && errno != EAGAIN)
            return hv__err_from_os(errno);
        if (errno == EAGAIN)
            r = wait_fd(fd, POLLOUT, -1, stop);
        else
            r = hv_stopped() ? HV_ESTOPPED : 0;
        if (r < 0)
            return r;
    }
    return 0;
}

/* As much of o as fd takes now: 0 or an HV_E* code. */
static int send_some(int fd, struct tc_out *o)
{
    ssize_t k = write(fd, o->b + o->at, o->n - o->at);

    if (k < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : hv__err_from_os(errno);
    o->at += (size_t)k;
    if (o->at == o->n)
        o->at = o->n = 0;
    return 0;
}

static long ms_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Some bytes of fd into b[0..n) before the time end (ms_now's clock):
 * their count, HV_ETIMEDOUT, HV_ECONNABORTED (the peer left) or
 * HV_ESTOPPED (see wait_fd). */
static long get_by(int fd, void *b, size_t n, long end, int stop)
{
    for (;;) {
        long left = end - ms_now();
        ssize_t k;
        int r;

        if (left <= 0)
            return HV_ETIMEDOUT;
        if ((r = wait_fd(fd, POLLIN, (int)left, stop)) < 0)
            return r;
        if (r == 0)
            continue;
        k = read(fd, b, n);
        if (k > 0)
            return (long)k;
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        return HV_ECONNABORTED;
    }
}

/* Read from fd until the decoder has the peer's hello (0), the bytes are
 * no hello (HV_EBADDATA), the peer left (HV_ECONNABORTED), TC_HELLO_MS
 * passed (HV_ETIMEDOUT) or a stop came (HV_ESTOPPED). Reads byte by
 * byte: what follows the hello stays in the socket for the loop. */
static int await_hello(int fd, struct hv__tc_dec *d, int stop)
{
    long end = ms_now() + TC_HELLO_MS;

    for (;;) {
        struct hv__tc_event ev;
        unsigned char c;
        size_t used;
        long k = get_by(fd, &c, 1, end, stop);
        int r;

        if (k < 0)
            return (int)k;
        if ((r = hv__tc_next(d, &c, 1, &used, &ev)) < 0)
            return r;
        if (ev.kind == HV__TC_HELLO_OK)
            return 0;
    }
}

/* ------------------------------------------------ the listener's end */

/* This process's own failure, err, for the tool (hv_child_exit's own,
 * through note), then its end with status code. */
static void fail(int note, int err, int code)
{
    (void)put_all(note, &err, sizeof err, -1);
    _exit(code);
}

static void set_size(int m, unsigned cols, unsigned rows)
{
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_col = (unsigned short)cols;
    ws.ws_row = (unsigned short)rows;
    (void)ioctl(m, TIOCSWINSZ, &ws);
}

/* The client's hello and its first frame, a window size, each within
 * TC_HELLO_MS; 0 or an error: HV_EHANDSHAKE for a client that does not
 * speak the protocol, which is told so on its terminal. */
static int serve_start(int sock, int m, struct hv__tc_dec *d)
{
    unsigned char b[HV__TC_HEADER + 4];
    struct hv__tc_event ev;
    size_t got = 0, used;
    int r = await_hello(sock, d, -1);
    long end = ms_now() + TC_HELLO_MS;

    while (r == 0 && got < sizeof b) {
        long k = get_by(sock, b + got, sizeof b - got, end, -1);
        if (k < 0)
            r = (int)k;
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
        static const char msg[] = "\r\nhvlisten: this service needs hvcat "
                                  "--raw --term-control\r\n";
        (void)put_all(sock, msg, sizeof msg - 1, -1);
        r = HV_EHANDSHAKE;
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
 * terminal closed (1: the frames still in o are for the caller to send),
 * the client left (0) or sent a malformed frame (HV_EBADDATA). Both ways
 * are written without blocking: the terminal is read only once o is out,
 * and the client only once its last bytes are in the terminal, so a
 * command that writes while its input is full, or a client that sends
 * while we do, is never stuck behind us. */
static int serve_loop(int sock, int m, struct hv__tc_dec *d,
                      struct tc_out *o)
{
    unsigned char in[TC_CHUNK];
    const unsigned char *pend = NULL; /* decoded, not yet in */
    size_t npend = 0, have = 0, at = 0; /* in[at..have) not decoded */

    (void)fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
    (void)fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);
    for (;;) {
        struct pollfd pf[2];
        int busy = o->n > 0;
        ssize_t k;

        /* a side with nothing asked is not watched: its hang-up would
         * wake the poll again and again */
        pf[0].fd = npend && !busy ? -1 : sock;
        pf[0].events = (short)((npend ? 0 : POLLIN) | (busy ? POLLOUT : 0));
        pf[1].fd = busy && !npend ? -1 : m;
        pf[1].events = (short)((busy ? 0 : POLLIN) | (npend ? POLLOUT : 0));
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        if (busy && (pf[0].revents & (POLLOUT | POLLHUP | POLLERR)) &&
            send_some(sock, o) < 0)
            return 0;
        if (!busy && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            k = read(m, o->b + HV__TC_HEADER, TC_CHUNK);
            if (k > 0) {
                o->n = hv__tc_header(HV__TC_DATA, (size_t)k, o->b) +
                       (size_t)k;
                if (send_some(sock, o) < 0)
                    return 0;
            }
            if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
                return 1; /* EIO: every process let go of the slave */
        }
        if (npend && to_term(m, &pend, &npend) < 0)
            return 1;
        if (!npend && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            k = read(sock, in, sizeof in);
            if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
                return 0;
            have = k > 0 ? (size_t)k : 0;
            at = 0;
        }
        while (npend == 0 && at < have) {
            struct hv__tc_event ev;
            size_t used;
            if (hv__tc_next(d, in + at, have - at, &used, &ev) < 0)
                return HV_EBADDATA; /* a malformed frame from the client */
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

/* The command's process, once started (0 before): a SIGTERM for us goes
 * to its group (it has a session of its own), and we go on until it
 * ends; before, it ends us. */
static volatile sig_atomic_t g_cmd;

static void on_term(int sig)
{
    int e = errno;
    pid_t pid = (pid_t)g_cmd;

    if (pid <= 0) {
        (void)signal(sig, SIG_DFL);
        (void)raise(sig);
    } else if (kill(-pid, sig) < 0) {
        (void)kill(pid, sig); /* its setsid is still to come */
    }
    errno = e;
}

/* close_range(2) of lo..hi (Linux 5.9, its system call: glibc 2.34
 * has the wrapper); -1 where the system lacks it, for the caller's loop. */
static int close_span(unsigned lo, unsigned hi)
{
#ifdef HV__HAVE_CLOSE_RANGE
    return (int)syscall(SYS_close_range, lo, hi, 0u);
#else
    (void)lo;
    (void)hi;
    return -1;
#endif
}

/* Close every descriptor but keep[0..n), which is sorted. */
static void close_others(const int *keep, int n)
{
    struct rlimit rl;
    int i, lo = 0, fd;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > 1048576)
        rl.rlim_cur = 1048576;
    for (i = 0; i <= n; i++) {
        int hi = i < n ? keep[i] - 1 : (int)rl.rlim_cur - 1;
        if (hi >= lo && close_span((unsigned)lo, i < n ? (unsigned)hi : ~0u) < 0)
            for (fd = lo; fd <= hi; fd++)
                (void)close(fd);
        if (i < n)
            lo = keep[i] + 1;
    }
}

/* Exit as the command did: killed by sig (no core of ours), or code. */
static void exit_as(int signaled, int code)
{
    struct sigaction sa;
    struct rlimit rl;
    sigset_t set;

    if (signaled) {
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL; /* hvlisten's SIGPIPE is ignored */
        sigemptyset(&sa.sa_mask);
        (void)sigaction(code, &sa, NULL);
        rl.rlim_cur = rl.rlim_max = 0;
        (void)setrlimit(RLIMIT_CORE, &rl);
        sigemptyset(&set);
        sigaddset(&set, code);
        (void)sigprocmask(SIG_UNBLOCK, &set, NULL);
        (void)kill(getpid(), code); /* the same end, for the tool to say */
        code += 128;
    }
    _exit(code);
}

void hv__tc_serve(int sock, int note, int m, int sl, const char *cmd,
                  char **envp,
                  void (*child)(int fd, const char *cmd, char **envp))
{
    static struct tc_out o;
    struct hv__tc_dec d;
    struct sigaction sa;
    sigset_t term, old;
    unsigned char f[HV__TC_HEADER + 2];
    int st = 0, how, code, keep[4], i, j, r;
    pid_t pid;

    /* the tool's handlers write into the tool's wake pipes: not here */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGCHLD, &sa, NULL);
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGHUP, &sa, NULL);
    (void)sigaction(SIGURG, &sa, NULL);
    sa.sa_handler = on_term;
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)setpgid(0, 0);
    /* nothing of the tool's stays open here (its other connections would
     * not end while this runs): a forked copy, without exec */
    keep[0] = note;
    keep[1] = sock;
    keep[2] = m;
    keep[3] = sl;
    for (i = 1; i < 4; i++)
        for (j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
            int t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    close_others(keep, 4);
    memset(&d, 0, sizeof d);
    if ((r = put_all(sock, HV__TC_HELLO, HV__TC_HELLO_LEN, -1)) < 0 ||
        (r = serve_start(sock, m, &d)) < 0)
        fail(note, r, 74);
    /* a SIGTERM between the fork and g_cmd waits, then finds the command */
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    (void)sigprocmask(SIG_BLOCK, &term, &old);
    pid = fork();
    r = pid < 0 ? hv__err_from_os(errno) : 0;
    if (pid == 0) {
        close(sock);
        close(m);
        close(note);
        (void)sigprocmask(SIG_SETMASK, &old, NULL);
        child(sl, cmd, envp);
    }
    if (pid > 0)
        g_cmd = pid;
    (void)sigprocmask(SIG_SETMASK, &old, NULL);
    close(sl);
    if (pid < 0)
        fail(note, r, 71);
    if ((i = serve_loop(sock, m, &d, &o)) <= 0) {
        close(m); /* the client left: the terminal hangs up */
        (void)kill(pid, SIGHUP);
        r = i;
    } else {
        (void)put_all(sock, o.b + o.at, o.n - o.at, -1);
    }
    while ((i = (int)waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    if (i < 0) { /* how it ended is unknown: not a clean 0 */
        r = hv__err_from_os(errno);
        st = 71 << 8;
    }
    how = WIFSIGNALED(st) ? HV__TC_SIGNALED : HV__TC_EXITED;
    code = how == HV__TC_SIGNALED ? WTERMSIG(st) : WEXITSTATUS(st);
    (void)put_all(sock, f, hv__tc_exit((unsigned)how, (unsigned)code, f), -1);
    (void)shutdown(sock, SHUT_WR);
    if (r < 0)
        fail(note, r, 71);
    exit_as(how == HV__TC_SIGNALED, code);
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
        if (ev.kind == HV__TC_BYTES &&
            (r = put_all(1, ev.data, ev.len, hv__wake_fd(HV__WAKE_STOP))) < 0)
            return r;
        if (ev.kind == HV__TC_END) {
            end->signaled = ev.how == HV__TC_SIGNALED;
            end->code = ev.status;
            *ended = 1;
        }
    }
    return 0;
}

/* Typed bytes (the escape's hang-up sets *hangup) as a data frame into
 * the empty o: 0, or an HV_E* code (stdin's end: HV_EIO). */
static int from_terminal(struct hv__escape *esc, struct tc_out *o,
                         int *hangup)
{
    char typed[TC_CHUNK / 2], out[TC_CHUNK / 2 + 1];
    ssize_t k = read(0, typed, sizeof typed);
    size_t n;

    if (k < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (k <= 0)
        return k == 0 ? HV_EIO : hv__err_from_os(errno);
    n = esc ? hv__escape_scan(esc, typed, (size_t)k, out)
            : (memcpy(out, typed, (size_t)k), (size_t)k);
    if (n > 0) {
        o->n += hv__tc_header(HV__TC_DATA, n, o->b + o->n);
        memcpy(o->b + o->n, out, n);
        o->n += n;
    }
    *hangup = esc && esc->hangup;
    return 0;
}

/* The session's loop after the hellos: 0 (the command's end came, then
 * the connection's), HV_ECONNABORTED (it ended before that), 1 (the
 * escape), or an HV_E* code. The connection is written without blocking
 * and read all along: while frames wait in o, the terminal and SIGWINCH
 * wait, so a listener that sends while we do is never stuck behind us. */
static int client_loop(int sock, struct hv__tc_dec *d,
                       struct hv__escape *esc, struct hv_child_exit *end)
{
    static struct tc_out o;
    unsigned char in[TC_CHUNK];
    int ended = 0, hangup = 0, r;

    o.at = o.n = 0;
    for (;;) {
        struct pollfd pf[4];
        int idle = o.n == 0;
        ssize_t k;

        pf[0].fd = sock;
        pf[0].events = (short)(POLLIN | (idle ? 0 : POLLOUT));
        /* after the end, nothing more to send */
        pf[1].fd = ended || !idle ? -1 : 0;
        pf[2].fd = idle ? g_winch[0] : -1;
        pf[3].fd = hv__wake_fd(HV__WAKE_STOP);
        pf[1].events = pf[2].events = pf[3].events = POLLIN;
        pf[1].revents = pf[2].revents = 0;
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
            o.n = size_frame(o.b);
        }
        if (pf[1].revents && (r = from_terminal(esc, &o, &hangup)) < 0)
            return r;
        if (o.n > 0 && (r = send_some(sock, &o)) < 0) {
            if (!ended)
                return r;
            o.at = o.n = 0; /* the command ended: nothing more goes */
        }
        /* the escape is the way out of a stuck session too: what the
         * connection did not take of the typed line before it is dropped */
        if (hangup)
            return 1;
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
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

int hv_term_control_available(void)
{
    return 0;
}

int hv_term_session(struct hv_sock *s, int escape, struct hv_child_exit *end)
{
    struct hv__tc_dec d;
    struct hv__escape esc;
    struct sigaction sa, old;
    unsigned char f[HV__TC_HEADER + 4];
    int r, stop = hv__wake_fd(HV__WAKE_STOP), fl = fcntl(s->fd, F_GETFL);

    memset(&d, 0, sizeof d);
    memset(&esc, 0, sizeof esc);
    esc.ch = (unsigned char)escape;
    memset(end, 0, sizeof *end);
    /* the listener's hello first: until then nothing of ours is sent */
    if ((r = await_hello(s->fd, &d, stop)) < 0)
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
    (void)fcntl(s->fd, F_SETFL, fl | O_NONBLOCK);
    /* the size after the handler is in: a change between is not lost */
    if ((r = put_all(s->fd, HV__TC_HELLO, HV__TC_HELLO_LEN, stop)) == 0 &&
        (r = put_all(s->fd, f, size_frame(f), stop)) == 0)
        r = client_loop(s->fd, &d, escape ? &esc : NULL, end);
    (void)fcntl(s->fd, F_SETFL, fl);
    (void)sigaction(SIGWINCH, &old, NULL);
    close(g_winch[0]);
    close(g_winch[1]);
    g_winch[0] = g_winch[1] = -1;
    return r;
}
