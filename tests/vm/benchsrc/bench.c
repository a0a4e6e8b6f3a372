/* bench.c: see bench.h. */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

void bench_die(const char *what)
{
    fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

void bench_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_size(const char *s)
{
    char *end;
    unsigned long long v;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s)
        bench_fail("not a size: %s", s);
    switch (*end) {
    case 'G': v <<= 10; /* fall through */
    case 'M': v <<= 10; /* fall through */
    case 'K': v <<= 10; end++; break;
    default: break;
    }
    if (*end)
        bench_fail("not a size: %s", s);
    return v;
}

unsigned bench_port(const char *s)
{
    uint64_t v = bench_size(s);
    if (v > 0xffffffffu)
        bench_fail("not a port: %s", s);
    return (unsigned)v;
}

static unsigned char pat_byte(uint32_t i)
{
    return (unsigned char)((i * 2654435761u) >> 24 ^ i);
}

const unsigned char *bench_pattern(size_t chunk)
{
    static unsigned char *pat;
    static size_t have;
    size_t i, len = BENCH_PERIOD + chunk;
    if (pat && have >= len)
        return pat;
    free(pat);
    pat = malloc(len);
    if (!pat)
        bench_die("malloc");
    for (i = 0; i < BENCH_PERIOD; i++)
        pat[i] = pat_byte((uint32_t)i);
    for (i = BENCH_PERIOD; i < len; i += BENCH_PERIOD)
        memcpy(pat + i, pat, len - i < BENCH_PERIOD ? len - i : BENCH_PERIOD);
    have = len;
    return pat;
}

int bench_check(const unsigned char *p, size_t n, uint64_t off)
{
    const unsigned char *pat = bench_pattern(BENCH_PERIOD);
    while (n > 0) {
        size_t o = (size_t)(off % BENCH_PERIOD);
        size_t k = n < BENCH_PERIOD ? n : BENCH_PERIOD;
        if (memcmp(p, pat + o, k) != 0)
            return 1;
        p += k;
        n -= k;
        off += k;
    }
    return 0;
}

void bench_vs_buffer(int fd, uint64_t buf)
{
    unsigned long long v = buf;
    if (buf == 0)
        return;
    if (setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_MAX_SIZE, &v, sizeof v) < 0)
        bench_die("SO_VM_SOCKETS_BUFFER_MAX_SIZE");
    if (setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &v, sizeof v) < 0)
        bench_die("SO_VM_SOCKETS_BUFFER_SIZE");
}

/* a vsock socket with its buffer set, and the address CID:PORT */
static int vs_socket(unsigned cid, unsigned port, uint64_t buf, struct sockaddr_vm *a)
{
    int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        bench_die("socket(AF_VSOCK)");
    bench_vs_buffer(fd, buf);
    memset(a, 0, sizeof *a);
    a->svm_family = AF_VSOCK;
    a->svm_cid = cid;
    a->svm_port = port;
    return fd;
}

int bench_vs_listen(unsigned port, uint64_t buf)
{
    struct sockaddr_vm a;
    int fd = vs_socket(VMADDR_CID_ANY, port, buf, &a);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
        bench_die("bind vsock");
    if (listen(fd, 512) < 0)
        bench_die("listen");
    fprintf(stderr, "bench: listening on vsock port %u\n", port);
    return fd;
}

int bench_vs_connect(unsigned cid, unsigned port, uint64_t buf)
{
    struct sockaddr_vm a;
    int fd = vs_socket(cid, port, buf, &a);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        bench_die("connect vsock");
    return fd;
}

static void tcp_addr(struct sockaddr_in *a, unsigned port)
{
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

int bench_tcp_listen(unsigned port)
{
    struct sockaddr_in a;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        bench_die("socket(AF_INET)");
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    tcp_addr(&a, port);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
        bench_die("bind tcp");
    if (listen(fd, 512) < 0)
        bench_die("listen");
    fprintf(stderr, "bench: listening on tcp port %u\n", port);
    return fd;
}

int bench_tcp_try(int fd, unsigned port)
{
    struct sockaddr_in a;
    tcp_addr(&a, port);
    return connect(fd, (struct sockaddr *)&a, sizeof a);
}

int bench_tcp_connect(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        bench_die("socket(AF_INET)");
    if (bench_tcp_try(fd, port) < 0)
        bench_die("connect tcp");
    return fd;
}

int bench_accept(int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0)
            return fd;
        if (errno != EINTR && errno != ECONNABORTED)
            bench_die("accept");
    }
}

void bench_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t k = write(fd, c, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            bench_die("write");
        }
        c += k;
        n -= (size_t)k;
    }
}

size_t bench_read(int fd, void *p, size_t n)
{
    for (;;) {
        ssize_t k = read(fd, p, n);
        if (k >= 0)
            return (size_t)k;
        if (errno != EINTR)
            bench_die("read");
    }
}

void bench_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        bench_die("fcntl O_NONBLOCK");
}

void bench_nofile(unsigned long n)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        bench_die("getrlimit");
    if (rl.rlim_cur >= (rlim_t)n)
        return;
    rl.rlim_cur = (rlim_t)n;
    if (rl.rlim_max < rl.rlim_cur)
        rl.rlim_max = rl.rlim_cur;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        bench_die("setrlimit RLIMIT_NOFILE");
}
