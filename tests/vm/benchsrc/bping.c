/* bping: small-message latency, for tests/vm/bench.
 *
 *   bping pp SIZE COUNT CMD [ARG...]   run CMD with pipes on its stdin and
 *                                      stdout; after one round trip to warm
 *                                      up, time COUNT round trips of SIZE
 *                                      bytes through it
 *   bping raw SIZE COUNT CID PORT      the same on a vsock socket itself
 *   bping once COUNT CMD [ARG...]      COUNT times: start CMD, write 1 byte,
 *                                      close its stdin, read to EOF (must be
 *                                      that byte), wait for it to exit
 *   bping idle N SIZE COUNT ROUNDS CID PORT
 *                                      open N connections (one byte echoed
 *                                      on each), which then stay idle; on
 *                                      one more, ROUNDS rounds of COUNT
 *                                      round trips as raw does; then one
 *                                      byte again on each idle one (a
 *                                      relay must not have ended them)
 *
 * Prints the mean microseconds per round trip (or per run of CMD); idle
 * prints one mean a round, on one line. once with BPING_FAULTS set in the
 * environment also says on stderr how many page faults a run of CMD took
 * ("bping: faults N a run", minor and major, getrusage of the children). The other end is an echo server
 * (becho echo, or becho sink -E behind a relay for idle). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

struct child {
    pid_t pid;
    int in, out; /* we write to in, read from out */
};

static void spawn(struct child *c, char **argv)
{
    int a[2], b[2];
    if (pipe(a) < 0 || pipe(b) < 0)
        bench_die("pipe");
    c->pid = fork();
    if (c->pid < 0)
        bench_die("fork");
    if (c->pid == 0) {
        dup2(a[0], 0);
        dup2(b[1], 1);
        close(a[0]);
        close(a[1]);
        close(b[0]);
        close(b[1]);
        execvp(argv[0], argv);
        bench_die(argv[0]);
    }
    close(a[0]);
    close(b[1]);
    c->in = a[1];
    c->out = b[0];
}

static void reap(const struct child *c)
{
    int st;
    while (waitpid(c->pid, &st, 0) < 0)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        bench_fail("the client did not exit 0 (status %d)", st);
}

static void round_trip(int in, int out, char *msg, char *back, size_t n)
{
    size_t got = 0;
    bench_write_all(in, msg, n);
    while (got < n) {
        size_t k = bench_read(out, back + got, n - got);
        if (k == 0)
            bench_fail("EOF after %zu of %zu bytes", got, n);
        got += k;
    }
    if (memcmp(msg, back, n) != 0)
        bench_fail("the echo differs");
}

static double pingpong(int in, int out, size_t size, long count)
{
    char *msg = malloc(size), *back = malloc(size);
    uint64_t t0;
    long i;
    if (!msg || !back)
        bench_die("malloc");
    for (i = 0; i < (long)size; i++)
        msg[i] = (char)('a' + i % 26);
    round_trip(in, out, msg, back, size);
    t0 = bench_now_ns();
    for (i = 0; i < count; i++)
        round_trip(in, out, msg, back, size);
    t0 = bench_now_ns() - t0;
    free(msg);
    free(back);
    return (double)t0 / 1000.0 / (double)count;
}

/* page faults of the reaped children so far */
static long child_faults(void)
{
    struct rusage u;
    if (getrusage(RUSAGE_CHILDREN, &u) != 0)
        bench_die("getrusage");
    return u.ru_minflt + u.ru_majflt;
}

static double once(long count, char **argv)
{
    uint64_t total = 0;
    long i, f0 = child_faults();
    for (i = 0; i < count; i++) {
        uint64_t t0 = bench_now_ns();
        struct child c;
        char b[8];
        size_t got = 0, k;
        spawn(&c, argv);
        bench_write_all(c.in, "x", 1);
        close(c.in);
        while ((k = bench_read(c.out, b + got, sizeof b - got)) > 0)
            got += k;
        close(c.out);
        reap(&c);
        total += bench_now_ns() - t0;
        if (got != 1 || b[0] != 'x')
            bench_fail("once: got %zu bytes back, expected the 1 sent", got);
    }
    if (getenv("BPING_FAULTS"))
        fprintf(stderr, "bping: faults %.1f a run\n", (double)(child_faults() - f0) / (double)count);
    return (double)total / 1000.0 / (double)count;
}

/* one byte there and back on fd, the i-th idle connection */
static void idle_echo(int fd, long i)
{
    char b = 'i', back = 0;
    bench_write_all(fd, &b, 1);
    if (bench_read(fd, &back, 1) != 1 || back != b)
        bench_fail("idle connection %ld: no echo (ended by the relay?)", i);
}

static void idle(long n, size_t size, long count, long rounds, unsigned cid,
                 unsigned port)
{
    int *fds = malloc((size_t)n * sizeof *fds), fd;
    long i;
    if (!fds)
        bench_die("malloc");
    bench_nofile((unsigned long)n + 64);
    for (i = 0; i < n; i++) {
        fds[i] = bench_vs_connect(cid, port, 0);
        idle_echo(fds[i], i);
    }
    fd = bench_vs_connect(cid, port, 0);
    for (i = 0; i < rounds; i++)
        printf("%s%.2f", i ? " " : "", pingpong(fd, fd, size, count));
    printf("\n");
    close(fd);
    for (i = 0; i < n; i++) {
        idle_echo(fds[i], i);
        close(fds[i]);
    }
    free(fds);
}

int main(int argc, char **argv)
{
    double us;
    if (argc >= 5 && strcmp(argv[1], "pp") == 0) {
        struct child c;
        char drain[4096];
        spawn(&c, argv + 4);
        us = pingpong(c.in, c.out, (size_t)bench_size(argv[2]), (long)bench_size(argv[3]));
        close(c.in);
        while (bench_read(c.out, drain, sizeof drain) > 0)
            ;
        close(c.out);
        reap(&c);
    } else if (argc == 6 && strcmp(argv[1], "raw") == 0) {
        int fd = bench_vs_connect(bench_port(argv[4]), bench_port(argv[5]), 0);
        us = pingpong(fd, fd, (size_t)bench_size(argv[2]), (long)bench_size(argv[3]));
        close(fd);
    } else if (argc >= 4 && strcmp(argv[1], "once") == 0) {
        us = once((long)bench_size(argv[2]), argv + 3);
    } else if (argc == 8 && strcmp(argv[1], "idle") == 0) {
        idle((long)bench_size(argv[2]), (size_t)bench_size(argv[3]),
             (long)bench_size(argv[4]), (long)bench_size(argv[5]),
             bench_port(argv[6]), bench_port(argv[7]));
        return 0;
    } else {
        bench_fail("usage: bping pp SIZE COUNT CMD... | raw SIZE COUNT CID PORT | once COUNT CMD... | idle N SIZE COUNT ROUNDS CID PORT");
        return 64;
    }
    printf("%.2f\n", us);
    return 0;
}
