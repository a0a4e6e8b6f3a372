/* btime: guest-clock timing for tests/vm/bench.
 *
 *   btime -o FILE [-w PID]... CMD [ARG...]
 *
 * Runs CMD, waits for it and then for every PID (not a child: through a
 * pidfd) to end, and writes the nanoseconds from just before CMD started to
 * the last of these exits to FILE. Exits 1 if CMD did not exit 0. Under
 * qemu's -icount the guest clock counts instructions. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define MAXW 16

static void wait_pid(long pid)
{
    struct pollfd p;
    int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    if (fd < 0) {
        if (errno == ESRCH)
            return; /* already gone */
        bench_die("pidfd_open");
    }
    p.fd = fd;
    p.events = POLLIN;
    while (poll(&p, 1, -1) < 0)
        if (errno != EINTR)
            bench_die("poll pidfd");
    close(fd);
}

int main(int argc, char **argv)
{
    long w[MAXW];
    int nw = 0, c, st, i;
    const char *out = NULL;
    uint64_t t0;
    pid_t pid;
    FILE *f;
    while ((c = getopt(argc, argv, "+o:w:")) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'w':
            if (nw == MAXW)
                bench_fail("btime: too many -w");
            w[nw++] = (long)bench_size(optarg);
            break;
        default: return 64;
        }
    }
    if (!out || optind >= argc)
        bench_fail("usage: btime -o FILE [-w PID]... CMD [ARG...]");
    t0 = bench_now_ns();
    pid = fork();
    if (pid < 0)
        bench_die("fork");
    if (pid == 0) {
        execvp(argv[optind], argv + optind);
        bench_die(argv[optind]);
    }
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            bench_die("waitpid");
    for (i = 0; i < nw; i++)
        wait_pid(w[i]);
    t0 = bench_now_ns() - t0;
    f = fopen(out, "w");
    if (!f)
        bench_die(out);
    fprintf(f, "%llu\n", (unsigned long long)t0);
    fclose(f);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
