/* test_stream.c: unit cases for stream_posix.c (POSIX only): the
 * properties each kind of stream is made with, which the relay engine
 * asks instead of the kind, and the readiness its reads and writes leave. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "platform_posix.h"
#include "ut.h"

/* A stream over one end of a unix socket pair; *peer gets the other. */
static struct hv_stream *conn_stream(int *peer)
{
    struct hv_sock *s;
    struct hv_stream *st = NULL;
    int sv[2];

    UT_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    UT_EQ_INT(hv__sock_from_fd(sv[0], HV_FAMILY_UNIX, &s), 0);
    UT_EQ_INT(hv_stream_from_sock(s, &st), 0);
    *peer = sv[1];
    return st;
}

UT_CASE(stream_conn_properties)
{
    int peer;
    struct hv_stream *st = conn_stream(&peer);
    char buf[64];
    size_t k;

    /* never blocks, read alone, has resets; spliced from where the
     * system has splice */
    UT_EQ_INT(st->rtry, 1);
    UT_EQ_INT(st->wtry, 1);
    UT_EQ_INT(st->rblock, 1);
    UT_EQ_INT(st->rst_unread, 1);
    UT_EQ_INT(st->splice_into, 0);
#ifdef SPLICE_F_MOVE
    UT_EQ_INT(st->splice_from, 1);
#endif
    /* less than asked: empty for now, poll's word wanted */
    UT_EQ_INT(write(peer, "abc", 3), 3);
    UT_EQ_INT(hv__stream_read(st, buf, sizeof buf, &k), 0);
    UT_EQ_INT((int)k, 3);
    UT_EQ_INT(st->rready, 0);
    /* a write leaves it ready */
    UT_EQ_INT(hv__stream_write(st, "x", 1, &k), 0);
    UT_EQ_INT(st->wready, 1);
    hv_stream_close(st);
    close(peer);
}

/* A pseudo-terminal's master, unlocked; *slave gets its slave, opened.
 * -1 when that fails. */
static int pty_pair(int *slave)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0)
        return -1;
    if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname(m) == NULL ||
        (*slave = open(ptsname(m), O_RDWR | O_NOCTTY)) < 0) {
        close(m);
        return -1;
    }
    return m;
}

UT_CASE(stream_tty_properties)
{
    struct hv_stream *st;
    int slave, m = pty_pair(&slave);

    UT_CHECK(m >= 0);
    if (m < 0)
        return;
    UT_EQ_INT(hv__stream_tty(m, &st), 0);
    /* a command's terminal, non-blocking (ours alone): tried at once
     * after blocking use, like a socket, but never read alone */
    UT_EQ_INT(st->rtry, 1);
    UT_EQ_INT(st->wtry, 1);
    UT_EQ_INT(st->rblock, 0);
    UT_EQ_INT(st->splice_from, 0);
    UT_EQ_INT(st->splice_into, 0);
    UT_EQ_INT(st->rst_unread, 0);
    UT_CHECK((fcntl(m, F_GETFL) & O_NONBLOCK) != 0);
    hv_stream_close(st);
    close(slave);
}

UT_CASE(stream_stdio_properties)
{
    static char big[1 << 20];
    struct hv_stream *st;
    int sv[2], saved[2], slave, m = pty_pair(&slave), e;
    size_t k = 0;

    UT_CHECK(m >= 0);
    if (m < 0)
        return;
    /* stdin a socket (inetd), stdout a terminal; made once a process */
    UT_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    saved[0] = dup(0);
    saved[1] = dup(1);
    UT_CHECK(saved[0] >= 0 && saved[1] >= 0);
    UT_EQ_INT(dup2(sv[0], 0), 0);
    UT_EQ_INT(dup2(slave, 1), 1);
    UT_EQ_INT(hv_stream_stdio(&st), 0);
    UT_EQ_INT(dup2(saved[0], 0), 0);
    UT_EQ_INT(dup2(saved[1], 1), 1);

    /* the socket is shared with other processes: never made
     * non-blocking, so never spliced from; still read at once
     * (MSG_DONTWAIT) and alone */
    UT_EQ_INT(st->splice_from, 0);
    UT_EQ_INT(st->rtry, 1);
    UT_EQ_INT(st->rblock, 1);
    UT_EQ_INT(st->rst_unread, 0);
    UT_EQ_INT(hv__stream_splice(st, st, 4096, &k), HV_ENOTSUP);

    /* the terminal: written through a description of our own, which
     * does not block; the shared one keeps its flags */
    UT_CHECK(st->wfd != 1 && st->wfd != slave);
    UT_EQ_INT(st->wtry, 1);
    UT_EQ_INT(st->wready, 1);
    UT_EQ_INT(fcntl(slave, F_GETFL) & O_NONBLOCK, 0);
    UT_CHECK((fcntl(st->wfd, F_GETFL) & O_NONBLOCK) != 0);
    /* stopped (Ctrl+S) and unread: a write comes back short, never
     * waits (the alarm ends a write that would) */
    memset(big, 'x', sizeof big);
    UT_EQ_INT(tcflow(slave, TCOOFF), 0);
    alarm(20);
    e = hv__stream_write(st, big, sizeof big, &k);
    alarm(0);
    UT_CHECK(e == HV__EAGAIN || (e == 0 && k < sizeof big));
    UT_EQ_INT(tcflow(slave, TCOON), 0);
    close(saved[0]);
    close(saved[1]);
    close(sv[0]);
    close(sv[1]);
    close(slave);
    close(m);
}

UT_CASE(stream_stdio_master_kept)
{
    struct hv_stream *st;
    int saved, slave, m = pty_pair(&slave);

    UT_CHECK(m >= 0);
    if (m < 0)
        return;
    /* stdout a terminal's master (a harness that reads our output so):
     * its name is the multiplexer, whose open would make a new master
     * nobody reads, so it is written through descriptor 1 itself */
    saved = dup(1);
    UT_CHECK(saved >= 0);
    UT_EQ_INT(dup2(m, 1), 1);
    UT_EQ_INT(hv_stream_stdio(&st), 0);
    UT_EQ_INT(dup2(saved, 1), 1);
    UT_EQ_INT(st->wfd, 1);
    close(saved);
    close(slave);
    close(m);
}
