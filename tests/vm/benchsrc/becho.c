/* becho: the servers the bench's clients talk to.
 *
 *   becho echo PORT              vsock: accept connections one after another
 *                                and send back what comes in; at the peer's
 *                                EOF half-close and take the next one
 *   becho sink [-n N] [-V BYTES] TCPPORT
 *                                TCP on 127.0.0.1: take any number of
 *                                connections at once and discard what comes
 *                                in; close each at its EOF; with -n exit
 *                                after N connections ended (1 if -V found a
 *                                connection that was not BYTES bytes of the
 *                                pattern)
 *   becho mecho TCPPORT          TCP on 127.0.0.1: any number of connections
 *                                at once, each sending back what comes in
 *                                (closed at its EOF); epoll, so that a byte
 *                                on one costs the same however many others
 *                                stay open */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

static void echo(unsigned port)
{
    static char b[256 * 1024];
    int l = bench_vs_listen(port, 0);
    for (;;) {
        int fd = bench_accept(l);
        size_t n;
        while ((n = bench_read(fd, b, sizeof b)) > 0)
            bench_write_all(fd, b, n);
        shutdown(fd, SHUT_WR);
        close(fd);
    }
}

#define MAXC 4096

static void sink(unsigned port, long want, uint64_t verify)
{
    static struct pollfd p[MAXC + 1];
    static uint64_t got[MAXC + 1];
    static unsigned char b[256 * 1024];
    int n = 1, bad = 0, i;
    long done = 0;
    p[0].fd = bench_tcp_listen(port);
    p[0].events = POLLIN;
    bench_nonblock(p[0].fd);
    while (want < 0 || done < want) {
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            bench_die("poll");
        }
        if (p[0].revents & POLLIN) {
            int fd;
            while (n <= MAXC && (fd = accept4(p[0].fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                p[n].fd = fd;
                p[n].events = POLLIN;
                p[n].revents = 0;
                got[n] = 0;
                n++;
            }
        }
        for (i = 1; i < n; i++) {
            ssize_t k;
            if (!p[i].revents)
                continue;
            k = recv(p[i].fd, b, sizeof b, 0);
            if (k < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (k > 0) {
                if (verify && bench_check(b, (size_t)k, got[i]))
                    bad = 1;
                got[i] += (uint64_t)k;
                continue;
            }
            if (verify && got[i] != verify)
                bad = 1;
            close(p[i].fd);
            done++;
            p[i] = p[n - 1];
            got[i] = got[n - 1];
            n--;
            i--;
        }
    }
    if (bad)
        bench_fail("sink: a connection did not carry %llu bytes of the pattern",
                   (unsigned long long)verify);
}

static void mecho(unsigned port)
{
    static unsigned char b[64 * 1024];
    struct epoll_event ev, evs[64];
    int l, ep, n, i;
    bench_nofile(16384);
    l = bench_tcp_listen(port);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        bench_die("epoll_create1");
    bench_nonblock(l);
    ev.events = EPOLLIN;
    ev.data.fd = l;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) < 0)
        bench_die("epoll_ctl");
    for (;;) {
        n = epoll_wait(ep, evs, 64, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            bench_die("epoll_wait");
        for (i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            ssize_t k;
            if (fd == l) {
                while ((fd = accept4(l, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
                    ev.events = EPOLLIN;
                    ev.data.fd = fd;
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
                        bench_die("epoll_ctl");
                }
                continue;
            }
            /* a blocking connection: the reply to a small message fits
             * in its send buffer */
            k = recv(fd, b, sizeof b, 0);
            if (k < 0 && errno == EINTR)
                continue;
            if (k > 0) {
                bench_write_all(fd, b, (size_t)k);
                continue;
            }
            close(fd);
        }
    }
}

int main(int argc, char **argv)
{
    long want = -1;
    uint64_t verify = 0;
    int c;
    if (argc == 3 && strcmp(argv[1], "echo") == 0) {
        echo(bench_port(argv[2]));
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "mecho") == 0) {
        mecho(bench_port(argv[2]));
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "sink") != 0)
        bench_fail("usage: becho echo PORT | sink [-n N] [-V BYTES] TCPPORT | mecho TCPPORT");
    argc--;
    argv++;
    while ((c = getopt(argc, argv, "+n:V:")) != -1) {
        switch (c) {
        case 'n': want = (long)bench_size(optarg); break;
        case 'V': verify = bench_size(optarg); break;
        default: return 64;
        }
    }
    if (optind != argc - 1)
        bench_fail("usage: becho sink [-n N] [-V BYTES] TCPPORT");
    sink(bench_port(argv[optind]), want, verify);
    return 0;
}
