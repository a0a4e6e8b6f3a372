/* braw: the raw transport and the levers, for tests/vm/bench.
 *
 *   braw gen BYTES                  the pattern (bench.h) to stdout
 *   braw check BYTES                stdin must be BYTES bytes of the pattern
 *   braw send [o] CID PORT BYTES    BYTES of the pattern from memory
 *   braw recv [o] PORT              accept one connection, take it to EOF
 *   braw fsend [o] CID PORT         stdin (a regular file) to the socket
 *   braw psend [o] CID PORT         stdin (a pipe) to the socket
 *   braw both-c [o] CID PORT BYTES  send the pattern and receive at once
 *                                   (-m file: send stdin, a regular file)
 *   braw both-l [o] PORT BYTES      the same, listening
 *   braw fwd [o] PORT TCPPORT       connect to 127.0.0.1:TCPPORT (retrying
 *                                   for a second), then accept one vsock
 *                                   connection on PORT and copy it to TCP
 *   braw once CID PORT              connect, 1 byte there and back (then to
 *                                   stdout), exit
 *
 * Options [o]: -b BYTES  SO_VM_SOCKETS_BUFFER_SIZE on both ends (default:
 * the kernel's); -c BYTES chunk (default 256K); -p block|poll|try: a
 * blocking socket, poll before every send/recv, or a non-blocking socket
 * polled only on EAGAIN; -m: recv discard|write|splice (to stdout), fsend
 * rw|sendfile|mmap|mmapp (mmapp: with MAP_POPULATE), psend rw|splice, fwd
 * rw|splice (through a pipe); -V BYTES: recv/both check that the stream is
 * BYTES bytes of the pattern (exit 1 if not). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

enum { P_BLOCK, P_POLL, P_TRY };

struct opt {
    uint64_t buf, chunk, verify;
    int how;
    const char *mode;
};

static void wait_for(int fd, short ev)
{
    struct pollfd p;
    p.fd = fd;
    p.events = ev;
    while (poll(&p, 1, -1) < 0)
        if (errno != EINTR)
            bench_die("poll");
}

static void send_all(int fd, const unsigned char *p, size_t n, int how)
{
    while (n > 0) {
        ssize_t k;
        if (how == P_POLL)
            wait_for(fd, POLLOUT);
        k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                wait_for(fd, POLLOUT);
                continue;
            }
            bench_die("send");
        }
        p += k;
        n -= (size_t)k;
    }
}

static size_t recv_some(int fd, unsigned char *p, size_t n, int how)
{
    for (;;) {
        ssize_t k;
        if (how == P_POLL)
            wait_for(fd, POLLIN);
        k = recv(fd, p, n, 0);
        if (k >= 0)
            return (size_t)k;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN) {
            wait_for(fd, POLLIN);
            continue;
        }
        bench_die("recv");
    }
}

static void prepare(int fd, const struct opt *o)
{
    if (o->how != P_BLOCK)
        bench_nonblock(fd);
}

/* after the last byte: half-close and wait for the peer's EOF, so that no
 * data is still in flight when the process ends */
static void finish(int fd, const struct opt *o)
{
    unsigned char b[4096];
    if (shutdown(fd, SHUT_WR) < 0)
        bench_die("shutdown");
    while (recv_some(fd, b, sizeof b, o->how) > 0)
        ;
    close(fd);
}

static void send_pattern(int fd, uint64_t bytes, const struct opt *o)
{
    const unsigned char *pat = bench_pattern(o->chunk);
    uint64_t off = 0;
    while (off < bytes) {
        size_t n = (size_t)(bytes - off < o->chunk ? bytes - off : o->chunk);
        send_all(fd, pat + off % BENCH_PERIOD, n, o->how);
        off += n;
    }
}

/* receive to EOF: discard, check, write to stdout or splice to stdout */
static void take(int fd, const struct opt *o)
{
    unsigned char *b = malloc(o->chunk);
    uint64_t off = 0;
    const char *m = o->mode ? o->mode : "discard";
    int splice_out = strcmp(m, "splice") == 0, write_out = strcmp(m, "write") == 0;
    if (!b)
        bench_die("malloc");
    if (!splice_out && !write_out && strcmp(m, "discard") != 0)
        bench_fail("recv: -m discard|write|splice");
    for (;;) {
        size_t n;
        if (splice_out) {
            ssize_t k;
            if (o->how == P_POLL)
                wait_for(fd, POLLIN);
            k = splice(fd, NULL, 1, NULL, o->chunk, SPLICE_F_MOVE);
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0 && errno == EAGAIN) {
                wait_for(fd, POLLIN);
                continue;
            }
            if (k < 0)
                bench_die("splice socket -> stdout");
            n = (size_t)k;
        } else {
            n = recv_some(fd, b, o->chunk, o->how);
            if (n > 0 && o->verify && bench_check(b, n, off))
                bench_fail("data differs near offset %llu", (unsigned long long)off);
            if (n > 0 && write_out)
                bench_write_all(1, b, n);
        }
        if (n == 0)
            break;
        off += n;
    }
    if (o->verify && off != o->verify)
        bench_fail("received %llu bytes, expected %llu", (unsigned long long)off,
                   (unsigned long long)o->verify);
    free(b);
}

static void send_file(int fd, const struct opt *o)
{
    const char *m = o->mode ? o->mode : "rw";
    if (strcmp(m, "rw") == 0) {
        unsigned char *b = malloc(o->chunk);
        size_t n;
        if (!b)
            bench_die("malloc");
        while ((n = bench_read(0, b, o->chunk)) > 0)
            send_all(fd, b, n, o->how);
        free(b);
    } else if (strcmp(m, "sendfile") == 0 || strcmp(m, "splice") == 0) {
        int sf = m[1] == 'e';
        for (;;) {
            ssize_t k;
            if (o->how == P_POLL)
                wait_for(fd, POLLOUT);
            k = sf ? sendfile(fd, 0, NULL, o->chunk)
                   : splice(0, NULL, fd, NULL, o->chunk, SPLICE_F_MOVE | SPLICE_F_MORE);
            if (k == 0)
                break;
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0 && errno == EAGAIN) {
                wait_for(fd, POLLOUT);
                continue;
            }
            if (k < 0)
                bench_die(sf ? "sendfile" : "splice stdin -> socket");
        }
    } else if (strcmp(m, "mmap") == 0 || strcmp(m, "mmapp") == 0) {
        const int flags = MAP_SHARED | (m[4] == 'p' ? MAP_POPULATE : 0);
        const uint64_t win = 8u * 1024 * 1024;
        struct stat st;
        uint64_t at = 0;
        if (fstat(0, &st) < 0)
            bench_die("fstat stdin");
        while (at < (uint64_t)st.st_size) {
            uint64_t len = (uint64_t)st.st_size - at < win ? (uint64_t)st.st_size - at : win;
            uint64_t o2 = 0;
            unsigned char *p = mmap(NULL, len, PROT_READ, flags, 0, (off_t)at);
            if (p == MAP_FAILED)
                bench_die("mmap stdin");
            while (o2 < len) {
                size_t n = (size_t)(len - o2 < o->chunk ? len - o2 : o->chunk);
                send_all(fd, p + o2, n, o->how);
                o2 += n;
            }
            munmap(p, len);
            at += len;
        }
    } else {
        bench_fail("fsend/psend: -m rw|sendfile|mmap|splice");
    }
}

struct both {
    int fd;
    uint64_t bytes;
    const struct opt *o;
};

static void *both_sender(void *arg)
{
    struct both *b = arg;
    if (b->o->mode && strcmp(b->o->mode, "file") == 0) {
        /* stdin, a regular file, read and sent as fsend -m rw does */
        struct opt rw = *b->o;
        rw.mode = "rw";
        send_file(b->fd, &rw);
    } else {
        send_pattern(b->fd, b->bytes, b->o);
    }
    if (shutdown(b->fd, SHUT_WR) < 0)
        bench_die("shutdown");
    return NULL;
}

static void both(int fd, uint64_t bytes, struct opt *o)
{
    pthread_t t;
    struct both b;
    b.fd = fd;
    b.bytes = bytes;
    b.o = o;
    /* made here, before the threads share it (a larger one later would
     * replace it under the sender) */
    bench_pattern(o->chunk > BENCH_PERIOD ? o->chunk : BENCH_PERIOD);
    if (pthread_create(&t, NULL, both_sender, &b) != 0)
        bench_fail("pthread_create");
    {
        struct opt discard = *o; /* -m file is the sender's */
        discard.mode = NULL;
        take(fd, &discard);
    }
    pthread_join(t, NULL);
    close(fd);
}

/* the byte that came back goes to stdout, for bping once to see */
static void once(unsigned cid, unsigned port)
{
    unsigned char c = 'x';
    int fd = bench_vs_connect(cid, port, 0);
    bench_write_all(fd, &c, 1);
    if (bench_read(fd, &c, 1) != 1 || c != 'x')
        bench_fail("once: no echo");
    close(fd);
    bench_write_all(1, &c, 1);
}

static int accept_one(unsigned port, const struct opt *o)
{
    int l = bench_vs_listen(port, o->buf), fd = bench_accept(l);
    close(l);
    bench_vs_buffer(fd, o->buf);
    prepare(fd, o);
    return fd;
}

static int connect_to(const char *cid, const char *port, const struct opt *o)
{
    int fd = bench_vs_connect(bench_port(cid), bench_port(port), o->buf);
    prepare(fd, o);
    return fd;
}

/* one direction of a relay, vsock -> TCP: read/write through a buffer, or
 * splice into a pipe and from it to the TCP socket; then pass the EOF on */
static void fwd(unsigned port, unsigned tcpport, const struct opt *o)
{
    const char *m = o->mode ? o->mode : "rw";
    struct timespec pause = { 0, 10 * 1000 * 1000 };
    int t = -1, i, fd;
    for (i = 0; i < 100 && t < 0; i++) {
        t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (t < 0)
            bench_die("socket");
        if (bench_tcp_try(t, tcpport) < 0) {
            close(t);
            t = -1;
            nanosleep(&pause, NULL);
        }
    }
    if (t < 0)
        bench_die("connect tcp");
    fd = accept_one(port, o);
    if (strcmp(m, "rw") == 0) {
        unsigned char *b = malloc(o->chunk);
        size_t n;
        if (!b)
            bench_die("malloc");
        while ((n = recv_some(fd, b, o->chunk, o->how)) > 0)
            bench_write_all(t, b, n);
        free(b);
    } else if (strcmp(m, "splice") == 0) {
        int pp[2];
        if (pipe(pp) < 0)
            bench_die("pipe");
        fcntl(pp[0], F_SETPIPE_SZ, (int)o->chunk);
        for (;;) {
            ssize_t k = splice(fd, NULL, pp[1], NULL, o->chunk, SPLICE_F_MOVE);
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0)
                bench_die("splice vsock -> pipe");
            if (k == 0)
                break;
            while (k > 0) {
                ssize_t w = splice(pp[0], NULL, t, NULL, (size_t)k, SPLICE_F_MOVE | SPLICE_F_MORE);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0)
                    bench_die("splice pipe -> tcp");
                k -= w;
            }
        }
    } else {
        bench_fail("fwd: -m rw|splice");
    }
    finish(t, o);
    shutdown(fd, SHUT_WR);
    close(fd);
}

static void gen(uint64_t bytes)
{
    const unsigned char *pat = bench_pattern(BENCH_MAXCHUNK);
    uint64_t off = 0;
    while (off < bytes) {
        size_t n = (size_t)(bytes - off < BENCH_MAXCHUNK ? bytes - off : BENCH_MAXCHUNK);
        bench_write_all(1, pat + off % BENCH_PERIOD, n);
        off += n;
    }
}

static void check(uint64_t bytes)
{
    unsigned char *b = malloc(1u << 20);
    uint64_t off = 0;
    size_t n;
    if (!b)
        bench_die("malloc");
    while ((n = bench_read(0, b, 1u << 20)) > 0) {
        if (bench_check(b, n, off))
            bench_fail("check: differs near offset %llu", (unsigned long long)off);
        off += n;
    }
    if (off != bytes)
        bench_fail("check: %llu bytes, expected %llu", (unsigned long long)off,
                   (unsigned long long)bytes);
    free(b);
}

int main(int argc, char **argv)
{
    struct opt o = { 0, 256 * 1024, 0, P_BLOCK, NULL };
    const char *cmd;
    int c, n;
    if (argc < 2)
        bench_fail("usage: braw gen|check|send|recv|fsend|psend|both-c|both-l|once ...");
    cmd = argv[1];
    argc--;
    argv++;
    while ((c = getopt(argc, argv, "+b:c:m:p:V:")) != -1) {
        switch (c) {
        case 'b': o.buf = bench_size(optarg); break;
        case 'c': o.chunk = bench_size(optarg); break;
        case 'm': o.mode = optarg; break;
        case 'V': o.verify = bench_size(optarg); break;
        case 'p':
            if (strcmp(optarg, "block") == 0)
                o.how = P_BLOCK;
            else if (strcmp(optarg, "poll") == 0)
                o.how = P_POLL;
            else if (strcmp(optarg, "try") == 0)
                o.how = P_TRY;
            else
                bench_fail("-p block|poll|try");
            break;
        default: return 64;
        }
    }
    if (o.chunk == 0 || o.chunk > BENCH_MAXCHUNK)
        bench_fail("-c: 1 to 1M");
    argv += optind;
    n = argc - optind;
    if (strcmp(cmd, "gen") == 0 && n == 1) {
        gen(bench_size(argv[0]));
    } else if (strcmp(cmd, "check") == 0 && n == 1) {
        check(bench_size(argv[0]));
    } else if (strcmp(cmd, "send") == 0 && n == 3) {
        int fd = connect_to(argv[0], argv[1], &o);
        send_pattern(fd, bench_size(argv[2]), &o);
        finish(fd, &o);
    } else if (strcmp(cmd, "recv") == 0 && n == 1) {
        int fd = accept_one(bench_port(argv[0]), &o);
        take(fd, &o);
        close(fd);
    } else if ((strcmp(cmd, "fsend") == 0 || strcmp(cmd, "psend") == 0) && n == 2) {
        int fd = connect_to(argv[0], argv[1], &o);
        send_file(fd, &o);
        finish(fd, &o);
    } else if (strcmp(cmd, "both-c") == 0 && n == 3) {
        both(connect_to(argv[0], argv[1], &o), bench_size(argv[2]), &o);
    } else if (strcmp(cmd, "both-l") == 0 && n == 2) {
        both(accept_one(bench_port(argv[0]), &o), bench_size(argv[1]), &o);
    } else if (strcmp(cmd, "fwd") == 0 && n == 2) {
        fwd(bench_port(argv[0]), bench_port(argv[1]), &o);
    } else if (strcmp(cmd, "once") == 0 && n == 2) {
        once(bench_port(argv[0]), bench_port(argv[1]));
    } else {
        bench_fail("braw %s: wrong operands", cmd);
    }
    return 0;
}
