/* stream_posix.c: relay endpoints on POSIX. A connection is one socket
 * read and written with MSG_DONTWAIT; stdio is descriptors 0 and 1, whose
 * file status flags are never changed (other processes share them: a
 * killed tool must not leave them non-blocking), so they are read only
 * when poll says so and written at most what fits. What the relay engine
 * needs to know of a stream is set here, where it is made, as properties
 * (platform_posix.h: rtry, wtry, rblock, splice_from, splice_into, stdio,
 * cmd, wkeep, gone, rst_unread, wfail_drains): the engine asks those,
 * never the kind, and so do the calls here that serve them. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "platform_posix.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

/* splice(2) (hv__stream_splice): whether a stream may be spliced at all */
#ifdef SPLICE_F_MOVE
#define CAN_SPLICE 1
#else
#define CAN_SPLICE 0
#endif

/* The relay's memory per connection is measured (scripts/bench.sh): a
 * stream stays within its 120 bytes on 64-bit systems. */
_Static_assert(sizeof(void *) != 8 || sizeof(struct hv_stream) <= 120,
               "struct hv_stream grew");

/* Pipes on stdio are grown to this where allowed: a relay whose stdin
 * and stdout are both pipes was measured 1.4-1.6x faster for it (Linux
 * 6.1, vsock loopback). */
#define PIPE_WANT (1024 * 1024)

int hv_stream_from_sock(struct hv_sock *s, struct hv_stream **out)
{
    struct hv_stream *st = calloc(1, sizeof *st);
    if (st == NULL) {
        hv_sock_close(s);
        return HV_ENOMEM;
    }
    st->rfd = st->wfd = s->fd;
    st->rsock = st->wsock = 1;
    st->rready = st->wready = 1;
    st->rtry = st->wtry = st->rblock = st->rst_unread = 1;
    st->splice_from = CAN_SPLICE;
    st->sock = s;
    /* a unix socket whose peer has closed it reports a hang-up (both
     * ways shut); a vsock peer's close shows only to a send (the socket
     * stays writable to poll); a TCP peer's FIN is a close and a
     * half-close alike */
    if (s->family == HV_FAMILY_UNIX)
        st->gone = HV__GONE_HUP;
    else if (s->family == HV_FAMILY_VSOCK)
        st->gone = HV__GONE_ASK;
    *out = st;
    return 0;
}

int hv__stream_tty(int master, struct hv_stream **out)
{
    struct hv_stream *st;
    int fl = fcntl(master, F_GETFL);

    /* ours alone: a full terminal never blocks the relay's loop */
    if (fl < 0 || fcntl(master, F_SETFL, fl | O_NONBLOCK) < 0 ||
        (st = calloc(1, sizeof *st)) == NULL) {
        int e = fl < 0 ? errno : ENOMEM;
        close(master);
        return hv__err_from_os(e);
    }
    st->rfd = st->wfd = master;
    st->cmd = st->tty = 1;
    st->gone = HV__GONE_EOF; /* no half-close: its EOF is its end */
    /* non-blocking: tried again at once after blocking use; but never
     * read alone (rblock): the command may idle while a reset of the
     * connection must still end the session */
    st->rready = st->wready = st->rtry = st->wtry = 1;
    *out = st;
    return 0;
}

/* stdout that is a terminal (sb: its status): a description of our own
 * for it, opened again by its name with O_NONBLOCK and close-on-exec, so
 * that a terminal that takes no more (Ctrl+S, a reader that stalls) makes
 * a write come back short (EAGAIN) instead of blocking the relay, which
 * serves the other way and every other pair meanwhile; descriptor 1's
 * flags stay as they are (other processes share its description). -1
 * where it cannot be opened, or the name now means another device, or it
 * is a name whose open can give another terminal of the same device
 * numbers: /dev/tty (the controlling terminal, not necessarily this one)
 * and a pty master's multiplexer, ptmx (a new master). */
static int tty_own(int fd, const struct stat *sb)
{
    const char *name = ttyname(fd), *base;
    struct stat ob;
    int own;

    if (name == NULL || strcmp(name, "/dev/tty") == 0)
        return -1;
    base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (strcmp(base, "ptmx") == 0 ||
        (own = open(name, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0)
        return -1;
    if (fstat(own, &ob) < 0 || ob.st_rdev != sb->st_rdev ||
        !S_ISCHR(ob.st_mode)) {
        close(own);
        return -1;
    }
    return own;
}

/* Classify descriptor fd for reading (w = 0) or writing (w = 1). */
static void stdio_kind(struct hv_stream *st, int fd, int w)
{
    struct stat sb;
    int sure = 0, sock = 0, pipe = 0, own = -1;

    if (fstat(fd, &sb) == 0) {
        sock = S_ISSOCK(sb.st_mode);
        pipe = S_ISFIFO(sb.st_mode);
        sure = S_ISREG(sb.st_mode) || (S_ISCHR(sb.st_mode) && !isatty(fd));
        if (w && S_ISCHR(sb.st_mode) && !sure)
            own = tty_own(fd, &sb);
    }
#ifdef F_SETPIPE_SZ
    if (pipe && fcntl(fd, F_GETPIPE_SZ) < PIPE_WANT)
        (void)fcntl(fd, F_SETPIPE_SZ, PIPE_WANT);
#endif
    if (w) {
        st->wsock = (unsigned char)sock;
        st->wpipe = (unsigned char)pipe;
        st->wready = (unsigned char)(sure || sock || pipe || own >= 0);
        st->wtry = st->wready;
        if (own >= 0)
            st->wfd = own; /* a terminal written without blocking */
        st->splice_into = (unsigned char)(pipe && CAN_SPLICE);
        st->pipe_size = 4096;
#ifdef F_GETPIPE_SZ
        if (pipe) {
            int n = fcntl(fd, F_GETPIPE_SZ);
            if (n > 0)
                st->pipe_size = (size_t)n;
        }
#endif
    } else {
        st->rsock = (unsigned char)sock;
        st->rsure = (unsigned char)sure;
        st->rready = (unsigned char)(sure || sock);
        st->rtry = st->rblock = st->rready;
        /* a socket on stdin is shared: never made non-blocking, so never
         * spliced from (splice would wait inside, holding the pipe) */
    }
}

static struct hv_stream g_stdio;
static int g_stdio_ready;

int hv_stream_stdio(struct hv_stream **out)
{
    if (!g_stdio_ready) {
        g_stdio.rfd = 0;
        g_stdio.wfd = 1;
        g_stdio.stdio = 1;
        g_stdio.wkeep = 1; /* stdout serves the sessions to come */
        g_stdio.wfail_drains = 1;
        stdio_kind(&g_stdio, 0, 0);
        stdio_kind(&g_stdio, 1, 1);
        g_stdio_ready = 1;
    }
    *out = &g_stdio;
    return 0;
}

void hv_stream_escape(struct hv_stream *st, unsigned char ch)
{
    static struct hv__escape esc;
    esc.ch = ch;
    st->esc = &esc;
}

void hv_stream_close(struct hv_stream *st)
{
    if (st == NULL)
        return;
    if (st->stdio) {
        /* stays for the next session; only the empty buffer goes */
        hv__ring_trim(&st->rx);
        return;
    }
    hv__ring_free(&st->rx);
    if (st->tty)
        close(st->rfd); /* the slave's hang-up, for what still runs */
    hv_sock_close(st->sock);
    free(st);
}

int hv__stdout_watchable(void)
{
    struct stat sb;
    return fstat(1, &sb) == 0 && S_ISFIFO(sb.st_mode);
}

/* A failed read or write: an I/O error (74) whatever the OS's reason (a
 * full disk, a closed descriptor), with that reason kept for the message. */
static int io_error(int e)
{
    int r = hv__err_from_os(e);
    if (r == HV_EOS || r == HV_EINVAL) {
        r = HV_EIO;
        hv__err_note(e, r);
    }
    return r;
}

/* A call came back with EINTR: try again, unless it may block and a stop
 * was asked for, or its pair has ended (the signal interrupted it for
 * that). */
static int retry_eintr(const struct hv_stream *st)
{
    return !(st->block && (hv_stopped() || (st->quit && *st->quit)));
}

/* A non-blocking descriptor (a terminal's master, stdout's terminal of
 * our own) in blocking use (the fast paths): wait in poll until it is
 * ready for events (POLLOUT: the writing one), or a stop, or the pair's
 * end (0 or HV__EAGAIN). */
static int block_wait(const struct hv_stream *st, short events)
{
    struct pollfd pf[2];
    nfds_t n = 1;

    pf[0].fd = events == POLLOUT ? st->wfd : st->rfd;
    pf[0].events = events;
    if (hv__wake_fd(HV__WAKE_STOP) >= 0) {
        pf[1].fd = hv__wake_fd(HV__WAKE_STOP);
        pf[1].events = POLLIN;
        n = 2;
    }
    for (;;) {
        pf[0].revents = n > 1 ? (pf[1].revents = 0) : 0;
        if (poll(pf, n, -1) >= 0)
            return hv_stopped() ? HV__EAGAIN : 0;
        if (errno != EINTR || !retry_eintr(st))
            return HV__EAGAIN;
    }
}

/* After a failed call (errno set): 1 to make it again (EINTR, or a call
 * in blocking use whose descriptor does not block (only such a one says
 * EAGAIN) and that is now ready for events), 0 to report errno, or
 * HV__EAGAIN (a stop, or the pair's end). */
static int call_again(const struct hv_stream *st, short events)
{
    if (errno == EINTR)
        return retry_eintr(st) ? 1 : HV__EAGAIN;
    if (st->block && (errno == EAGAIN || errno == EWOULDBLOCK))
        return block_wait(st, events) < 0 ? HV__EAGAIN : 1;
    return 0;
}

/* stdin through the escape scan (hvcat --raw): a terminal's reads are a
 * few bytes, taken into a small buffer first, since a held escape
 * character may come out before them. */
static ssize_t escape_read(struct hv_stream *st, char *p, size_t n)
{
    char in[512];
    size_t m = n - 1 < sizeof in ? n - 1 : sizeof in, k;
    ssize_t r;

    if (st->esc->hangup) {
        errno = 0;
        return -2;
    }
    r = read(st->rfd, in, m > 0 ? m : 1);
    if (r <= 0)
        return r;
    k = hv__escape_scan(st->esc, in, (size_t)r, p);
    if (k == 0 && st->esc->hangup) {
        errno = 0;
        return -2;
    }
    if (k == 0) {
        errno = EAGAIN; /* all held: nothing to send yet */
        return -1;
    }
    return (ssize_t)k;
}

int hv__stream_read(struct hv_stream *st, char *p, size_t n, size_t *got)
{
    ssize_t k;
    int again;
    for (;;) {
        if (st->rsock)
            k = recv(st->rfd, p, n, st->block ? 0 : MSG_DONTWAIT);
        else if (st->esc)
            k = escape_read(st, p, n);
        else
            k = read(st->rfd, p, n);
        if (k >= 0 || (again = call_again(st, POLLIN)) == 0)
            break;
        if (again < 0)
            return again;
    }
    if (k > 0) {
        *got = (size_t)k;
        /* a blocking descriptor may be read again only after poll; one
         * that never blocks but may wait (a socket) and gave less than
         * asked is empty for now, and asking again would only cost an
         * EAGAIN (a round trip's latency) */
        if (!st->block &&
            (!st->rtry || (!st->rsure && (size_t)k < n)))
            st->rready = 0;
        return 0;
    }
    if (k == 0) {
        *got = 0;
        return 0;
    }
    if (k == -2)
        return HV__EHANGUP;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        st->rready = 0;
        return HV__EAGAIN;
    }
    /* a command that ended without reading all its input closed its end
     * of the socket pair: that is its EOF, not a broken connection */
    if ((st->cmd && errno == ECONNRESET) || (st->tty && errno == EIO)) {
        *got = 0;
        return 0;
    }
    return io_error(errno);
}

/* How much a blocking pipe takes now without blocking: its capacity less
 * what is queued in it (a page less, for the page a short write may still
 * occupy); 0 when that is not sure to be a page. */
static size_t pipe_room(const struct hv_stream *st)
{
    int queued = 0;
    if (ioctl(st->wfd, FIONREAD, &queued) < 0 || queued < 0)
        return 0;
    if ((size_t)queued + 2 * 4096 > st->pipe_size)
        return 0;
    return st->pipe_size - (size_t)queued - 4096;
}

int hv__stream_write(struct hv_stream *st, const char *p, size_t n,
                     size_t *put)
{
    ssize_t k;
    int again;
    /* a pipe is asked how much it takes (an ioctl costs less than a poll
     * round, which a round trip would pay at every write), and only when
     * what it said last is used up: the reader only ever makes room. A
     * page always fits once poll said it is writable. */
    if (st->wpipe && !st->block) {
        if (n > st->wroom) {
            st->wroom = pipe_room(st);
            if (st->wroom < 4096 && st->wpolled)
                st->wroom = 4096;
        }
        if (st->wroom == 0) {
            st->wready = 0;
            return HV__EAGAIN;
        }
        if (n > st->wroom)
            n = st->wroom;
    }
    for (;;) {
        if (st->wsock)
            k = send(st->wfd, p, n,
                     (st->block ? 0 : MSG_DONTWAIT) | MSG_NOSIGNAL);
        else
            k = write(st->wfd, p, n);
        if (k >= 0 || (again = call_again(st, POLLOUT)) == 0)
            break;
        if (again < 0)
            return again;
    }
    if (k >= 0) {
        *put = (size_t)k;
        st->wpolled = 0;
        /* what a write took of a pipe's room: whole pages, as a write
         * that does not merge into the last page starts a new one */
        if (st->wpipe) {
            size_t used = ((size_t)k + 4095) / 4096 * 4096;
            st->wroom = st->wroom > used ? st->wroom - used : 0;
        }
        /* blocking descriptors (a terminal) wait for poll again */
        if (!st->block && !st->wtry)
            st->wready = 0;
        return 0;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        st->wready = 0;
        return HV__EAGAIN;
    }
    /* no reader any more: stdout's, or a command's input (which the rule
     * book takes quietly); a connection's peer reset it */
    if (errno == EPIPE || errno == ECONNRESET || (st->tty && errno == EIO))
        return st->stdio || st->cmd ? HV_EPIPE : HV_ECONNRESET;
    return io_error(errno);
}

int hv__stream_nonblock(struct hv_stream *st, int on)
{
    int fl;
    /* only a connection of ours: stdio's descriptions are shared */
    if (st->sock == NULL || st->stdio)
        return HV_ENOTSUP;
    fl = fcntl(st->rfd, F_GETFL);
    if (fl < 0)
        return hv__err_from_os(errno);
    if (fcntl(st->rfd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) < 0)
        return hv__err_from_os(errno);
    return 0;
}

/* Wait until src has something to read (or an end or error) and dst room
 * (or an error): 0, or HV__EAGAIN when a stop, or the pair's end,
 * interrupted the wait. */
static int splice_wait(struct hv_stream *src, struct hv_stream *dst)
{
    int ready[2] = {0, 0}; /* the socket has data, the pipe room */
    for (;;) {
        struct pollfd pf[3];
        nfds_t n = 0, k;
        /* one ready, the other not: wait on for the other alone */
        if (!ready[0]) {
            pf[n].fd = src->rfd;
            pf[n++].events = POLLIN;
        }
        if (!ready[1]) {
            pf[n].fd = dst->wfd;
            pf[n++].events = POLLOUT;
        }
        if (n == 0)
            return 0;
        /* the stop's pipe: a signal that came just before the poll */
        if (hv__wake_fd(HV__WAKE_STOP) >= 0) {
            pf[n].fd = hv__wake_fd(HV__WAKE_STOP);
            pf[n++].events = POLLIN;
        }
        for (k = 0; k < n; k++)
            pf[k].revents = 0;
        if (poll(pf, n, -1) < 0) {
            if (errno != EINTR)
                return hv__err_from_os(errno);
            if (!retry_eintr(src))
                return HV__EAGAIN;
            continue;
        }
        if (hv_stopped())
            return HV__EAGAIN;
        for (k = 0; k < n; k++)
            if (pf[k].revents && pf[k].fd != hv__wake_fd(HV__WAKE_STOP))
                ready[pf[k].fd == src->rfd ? 0 : 1] = 1;
    }
}

int hv__stream_splice(struct hv_stream *src, struct hv_stream *dst, size_t n,
                      size_t *moved)
{
#ifdef SPLICE_F_MOVE
    ssize_t k;
    int e, idle = 0;
    /* a connection into a pipe: the kernel copies the data once, into the
     * pipe's pages, where recv and write copy it twice (about 5% faster
     * over vsock). Never waiting inside splice: Linux holds the pipe's
     * lock for as long as splice waits for the socket, so the pipe's
     * reader could not take what is in the pipe already, and would sleep
     * uninterruptibly meanwhile. The socket is non-blocking
     * (hv__stream_nonblock) and the pipe is not waited for
     * (SPLICE_F_NONBLOCK, which changes nothing shared): poll waits. */
    if (!src->splice_from || !dst->splice_into)
        return HV_ENOTSUP;
    for (;;) {
        k = splice(src->rfd, NULL, dst->wfd, NULL, n,
                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (k >= 0)
            break;
        if (errno == EINTR) {
            if (!retry_eintr(src))
                return HV__EAGAIN;
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            break;
        /* ready by poll and still nothing twice in a row: splice will not
         * serve this pair (read and write will; nothing was taken) */
        if (++idle > 2)
            return HV_ENOTSUP;
        if ((e = splice_wait(src, dst)) < 0)
            return e;
    }
    if (k >= 0) {
        *moved = (size_t)k;
        dst->wroom = 0; /* the pipe took pages we did not count */
        return 0;
    }
    if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)
        return HV_ENOTSUP;
    if (errno == EPIPE)
        return HV_EPIPE; /* the reader of stdout has gone */
    return io_error(errno);
#else
    (void)src;
    (void)dst;
    (void)n;
    (void)moved;
    return HV_ENOTSUP;
#endif
}

int hv__stream_shutdown(struct hv_stream *st)
{
    int fd;
    if (st->sock != NULL)
        return hv_sock_shutdown_send(st->sock);
    if (!st->stdio)
        return 0;
    /* stdout's last session has ended: a socket (inetd) is half-closed;
     * anything else is let go of, so that a reader downstream sees its
     * end while we still send stdin. The descriptor we write (1, or our
     * own description of a terminal, which has no reader to wait for an
     * end) then names the null device: no file opened later can take its
     * number. */
    if (st->wsock)
        return shutdown(st->wfd, SHUT_WR) < 0 && errno != ENOTCONN
                   ? io_error(errno)
                   : 0;
    fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return io_error(errno);
    if (fd != st->wfd) {
        if (dup2(fd, st->wfd) < 0) {
            int e = errno;
            close(fd);
            return io_error(e);
        }
        close(fd);
    }
    return 0;
}

int hv__stream_peer_gone(struct hv_stream *st)
{
    if (st->sock == NULL || st->gone == HV__GONE_UNSEEN)
        return 0;
    /* a send of nothing moves nothing, and fails once the peer can take
     * no more (it shut down its reading side, or closed) */
    if (send(st->wfd, "", 0, MSG_DONTWAIT | MSG_NOSIGNAL) == 0)
        return 0;
    if (errno == EPIPE || errno == ENOTCONN)
        return 1;
    if (errno == ECONNRESET)
        return HV_ECONNRESET;
    return 0;
}

void hv__stream_abort(struct hv_stream *st)
{
    struct linger lg;
    if (st->sock == NULL)
        return;
    /* close with a reset, so that the peer learns the stream broke */
    lg.l_onoff = 1;
    lg.l_linger = 0;
    (void)setsockopt(st->sock->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

/* The error a socket has pending (after POLLERR), as an HV_E* code; 0. */
int hv__stream_pending_error(struct hv_stream *st)
{
    int e = 0;
    socklen_t n = sizeof e;
    if (!st->wsock || getsockopt(st->wfd, SOL_SOCKET, SO_ERROR, &e, &n) < 0)
        return 0;
    if (e == 0)
        return 0;
    if (e == EPIPE || e == ECONNRESET)
        return HV_ECONNRESET;
    return hv__err_from_os(e);
}
