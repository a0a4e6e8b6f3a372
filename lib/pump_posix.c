/* pump_posix.c: the stdio <-> socket pump on POSIX, after OpenBSD nc's
 * readwrite(): one poll loop over stdin, the socket and stdout, a ring
 * buffer per direction, short writes and EINTR handled. The session ends
 * when both directions are done: stdin's EOF was sent (and the sending side
 * shut down), and the peer's EOF was written out. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "platform.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

#define PIPE_WANT (1024 * 1024)

struct ring {
    char *buf;
    size_t size, start, count;
};

/* Contiguous free space after the data. */
static size_t ring_space(const struct ring *r, char **p)
{
    size_t end = (r->start + r->count) % r->size;
    size_t n = end >= r->start ? r->size - end : r->start - end;
    if (r->count == r->size)
        n = 0;
    *p = r->buf + end;
    return n;
}

/* Contiguous data at the front. */
static size_t ring_data(const struct ring *r, char **p)
{
    size_t n = r->size - r->start;
    if (n > r->count)
        n = r->count;
    *p = r->buf + r->start;
    return n;
}

static void ring_put(struct ring *r, size_t n)
{
    r->count += n;
}

static void ring_take(struct ring *r, size_t n)
{
    r->start = (r->start + n) % r->size;
    r->count -= n;
    if (r->count == 0)
        r->start = 0;
}

/* Pipes and sockets on stdio become non-blocking so that a slow reader on
 * one side never stalls the other direction; flags are restored at the end.
 * Terminals and files are left as they are. Pipes are grown to 1 MiB where
 * allowed: that alone makes piped transfers about 1.5x faster. */
struct stdio_fd {
    int fd;
    int old_flags;
    int changed;
};

static void stdio_prepare(struct stdio_fd *s, int fd)
{
    struct stat st;
    s->fd = fd;
    s->changed = 0;
    s->old_flags = fcntl(fd, F_GETFL);
    if (s->old_flags < 0 || fstat(fd, &st) < 0)
        return;
    if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
        return;
#ifdef F_SETPIPE_SZ
    if (S_ISFIFO(st.st_mode) && fcntl(fd, F_GETPIPE_SZ) < PIPE_WANT)
        (void)fcntl(fd, F_SETPIPE_SZ, PIPE_WANT);
#endif
    if (!(s->old_flags & O_NONBLOCK) &&
        fcntl(fd, F_SETFL, s->old_flags | O_NONBLOCK) == 0)
        s->changed = 1;
}

static void stdio_restore(struct stdio_fd *s)
{
    if (s->changed)
        (void)fcntl(s->fd, F_SETFL, s->old_flags);
}

static int again(int e)
{
    return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

enum { P_STDIN, P_NET, P_STDOUT, P_COUNT };

/* stdin belongs to the process, not to one session: what was read from it
 * but not sent when a session ended (the peer closed first) goes to the
 * next one (hvlisten -k), and its EOF stays seen. As pump_win.c does. */
static struct ring g_up;
static int g_stdin_eof;

int hv_pump_stdio(struct hv_sock *s, const struct hv_pump_opts *o,
                  struct hv_pump_result *res)
{
    struct hv_pump_opts defaults;
    struct hv_pump_result dummy;
    struct ring *up = &g_up, down; /* up: stdin -> net; down: net -> stdout */
    struct stdio_fd in, out;
    int in_eof, in_prepared, net_eof = 0, shut = 0, err = 0, sock_flags;
    size_t size;

    if (o == NULL) {
        memset(&defaults, 0, sizeof defaults);
        o = &defaults;
    }
    if (res == NULL)
        res = &dummy;
    memset(res, 0, sizeof *res);
    size = o->bufsize ? o->bufsize : HV_PUMP_BUFSIZE;
    if (up->buf == NULL) {
        up->buf = malloc(size);
        if (up->buf == NULL)
            return HV_ENOMEM;
        up->size = size;
    }
    memset(&down, 0, sizeof down);
    down.size = size;
    down.buf = malloc(size);
    if (down.buf == NULL)
        return HV_ENOMEM;
    sock_flags = fcntl(s->fd, F_GETFL);
    if (sock_flags >= 0)
        (void)fcntl(s->fd, F_SETFL, sock_flags | O_NONBLOCK);
    in_eof = o->no_stdin || g_stdin_eof;
    in_prepared = !in_eof;
    if (in_prepared)
        stdio_prepare(&in, 0);
    stdio_prepare(&out, 1);

    for (;;) {
        struct pollfd p[P_COUNT];
        char *ptr;
        size_t n;
        ssize_t k;

        /* stdin is done and all of it sent: tell the peer */
        if (in_eof && up->count == 0 && !shut && !o->no_shutdown) {
            int r = hv_sock_shutdown_send(s);
            if (r < 0) {
                err = r;
                res->err_side = 2;
                break;
            }
            shut = 1;
        }
        if (net_eof && down.count == 0) {
            if (in_eof && up->count == 0)
                break; /* both directions done */
            if (o->eof_ends || o->no_shutdown)
                break; /* the peer's EOF ends an interactive session */
        }

        p[P_STDIN].fd = (!in_eof && up->count < up->size) ? 0 : -1;
        p[P_STDIN].events = POLLIN;
        p[P_NET].fd = s->fd;
        p[P_NET].events = (short)(((!net_eof && down.count < down.size) ? POLLIN : 0) |
                                  (up->count ? POLLOUT : 0));
        if (p[P_NET].events == 0)
            p[P_NET].fd = -1;
        p[P_STDOUT].fd = down.count ? 1 : -1;
        p[P_STDOUT].events = POLLOUT;
        p[P_STDIN].revents = p[P_NET].revents = p[P_STDOUT].revents = 0;

        if (poll(p, P_COUNT, -1) < 0) {
            if (errno == EINTR)
                continue;
            err = hv__err_from_os(errno);
            break;
        }

        if (p[P_STDIN].revents) {
            n = ring_space(up, &ptr);
            k = read(0, ptr, n);
            if (k > 0) {
                ring_put(up, (size_t)k);
            } else if (k == 0) {
                in_eof = g_stdin_eof = 1;
            } else if (!again(errno)) {
                err = errno == EIO ? HV_EIO : hv__err_from_os(errno);
                res->err_side = 1;
                break;
            }
        }
        /* Write whatever is buffered without waiting for another poll
         * round: the socket and piped stdout are non-blocking, so a full
         * one costs an EAGAIN, and a ready one saves a poll per chunk. */
        if (up->count) {
            n = ring_data(up, &ptr);
            k = send(s->fd, ptr, n, MSG_NOSIGNAL);
            if (k > 0) {
                ring_take(up, (size_t)k);
                res->sent += (uint64_t)k;
            } else if (k < 0 && !again(errno)) {
                err = errno == EPIPE ? HV_ECONNRESET : hv__err_from_os(errno);
                res->err_side = 2;
                break;
            }
        }
        if (p[P_NET].revents & (POLLIN | POLLERR | POLLHUP) && !net_eof &&
            down.count < down.size) {
            n = ring_space(&down, &ptr);
            k = recv(s->fd, ptr, n, 0);
            if (k > 0) {
                ring_put(&down, (size_t)k);
            } else if (k == 0) {
                net_eof = 1;
            } else if (!again(errno)) {
                err = hv__err_from_os(errno);
                res->err_side = 2;
                break;
            }
        }
        if (down.count) {
            n = ring_data(&down, &ptr);
            k = write(1, ptr, n);
            if (k > 0) {
                ring_take(&down, (size_t)k);
                res->received += (uint64_t)k;
            } else if (k < 0 && (errno == EPIPE || errno == ECONNRESET)) {
                /* the reader of stdout is gone (| head): end quietly */
                res->stdout_closed = 1;
                break;
            } else if (k < 0 && !again(errno)) {
                err = hv__err_from_os(errno);
                if (err == HV_EOS)
                    err = HV_EIO;
                res->err_side = 3;
                break;
            }
        }
    }

    if (in_prepared)
        stdio_restore(&in);
    stdio_restore(&out);
    if (sock_flags >= 0)
        (void)fcntl(s->fd, F_SETFL, sock_flags);
    free(down.buf);
    return err;
}
