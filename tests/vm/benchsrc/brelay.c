/* brelay: the plain C relay the bench holds the tools against: blocking
 * read/write with 256 KiB buffers, one thread per direction, no poll.
 *
 *   brelay [-d] c CID PORT     connect; stdin -> socket, socket -> stdout
 *   brelay [-d] l PORT         the same, accepting one connection
 *   brelay f PORT TCPPORT      accept vsock connections one after another
 *                              and relay each to 127.0.0.1:TCPPORT
 *
 * -d: do not read stdin (half-close at once). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define BUF (256 * 1024)

/* copy from one fd to another until EOF, then half-close the target if it
 * is a socket */
static void copy(int from, int to, int to_is_sock)
{
    char *b = malloc(BUF);
    size_t n;
    if (!b)
        bench_die("malloc");
    while ((n = bench_read(from, b, BUF)) > 0)
        bench_write_all(to, b, n);
    free(b);
    if (to_is_sock)
        shutdown(to, SHUT_WR);
}

struct half {
    int from, to, to_is_sock;
    struct pair *pair;
};

struct pair {
    pthread_mutex_t lock;
    int left, a, b;
    struct half h[2];
};

static void *half_run(void *arg)
{
    struct half *h = arg;
    struct pair *p = h->pair;
    int last;
    copy(h->from, h->to, h->to_is_sock);
    if (!p)
        return NULL;
    pthread_mutex_lock(&p->lock);
    last = --p->left == 0;
    pthread_mutex_unlock(&p->lock);
    if (last) {
        close(p->a);
        close(p->b);
        pthread_mutex_destroy(&p->lock);
        free(p);
    }
    return NULL;
}

static void stdio_relay(int fd, int no_stdin)
{
    pthread_t t;
    struct half up;
    up.from = 0;
    up.to = fd;
    up.to_is_sock = 1;
    up.pair = NULL;
    if (no_stdin)
        shutdown(fd, SHUT_WR);
    else if (pthread_create(&t, NULL, half_run, &up) != 0)
        bench_fail("pthread_create");
    copy(fd, 1, 0);
    if (!no_stdin)
        pthread_join(t, NULL);
    close(fd);
}

static void forward(unsigned port, unsigned tcpport)
{
    int l = bench_vs_listen(port, 0);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    for (;;) {
        struct pair *p = malloc(sizeof *p);
        pthread_t t;
        int i;
        if (!p)
            bench_die("malloc");
        p->a = bench_accept(l);
        p->b = bench_tcp_connect(tcpport);
        p->left = 2;
        pthread_mutex_init(&p->lock, NULL);
        for (i = 0; i < 2; i++) {
            p->h[i].from = i ? p->b : p->a;
            p->h[i].to = i ? p->a : p->b;
            p->h[i].to_is_sock = 1;
            p->h[i].pair = p;
        }
        for (i = 0; i < 2; i++)
            if (pthread_create(&t, &at, half_run, &p->h[i]) != 0)
                bench_fail("pthread_create");
    }
}

int main(int argc, char **argv)
{
    int no_stdin = 0;
    signal(SIGPIPE, SIG_IGN);
    if (argc > 1 && strcmp(argv[1], "-d") == 0) {
        no_stdin = 1;
        argc--;
        argv++;
    }
    if (argc == 4 && strcmp(argv[1], "c") == 0) {
        stdio_relay(bench_vs_connect(bench_port(argv[2]), bench_port(argv[3]), 0), no_stdin);
    } else if (argc == 3 && strcmp(argv[1], "l") == 0) {
        int l = bench_vs_listen(bench_port(argv[2]), 0), fd = bench_accept(l);
        close(l);
        stdio_relay(fd, no_stdin);
    } else if (argc == 4 && strcmp(argv[1], "f") == 0) {
        forward(bench_port(argv[2]), bench_port(argv[3]));
    } else {
        bench_fail("usage: brelay [-d] c CID PORT | l PORT | f PORT TCPPORT");
    }
    return 0;
}
