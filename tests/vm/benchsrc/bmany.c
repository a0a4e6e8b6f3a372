/* bmany: many connections at once through a relay, for tests/vm/bench.
 *
 *   bmany CID PORT N BYTES PID
 *
 * Opens N vsock connections (one after another), lets them sit idle for a
 * moment and reads the resident memory of process PID and its descendants
 * (Rss from /proc/PID/smaps_rollup, summed), then sends BYTES of the
 * pattern on every connection at once, half-closes each when done and waits
 * for the relay to pass back the far end's EOF on each, sampling that
 * memory every 10 ms (the peak is the largest sample).
 * Prints "IDLE_KIB PEAK_KIB NS": NS is the guest time from the first byte
 * sent to the last EOF (under icount, instructions). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAXPROC 8192

/* a "Key:   N kB" line of /proc/PID/FILE */
static long field_kib(long pid, const char *file, const char *key)
{
    char path[64], line[256];
    size_t kl = strlen(key);
    long v = 0;
    FILE *f;
    snprintf(path, sizeof path, "/proc/%ld/%s", pid, file);
    f = fopen(path, "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, kl) == 0) {
            v = strtol(line + kl, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static long parent_of(long pid)
{
    char path[64], buf[512], *p;
    size_t n;
    FILE *f;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    p = strrchr(buf, ')');
    if (!p)
        return -1;
    return strtol(p + 4, NULL, 10); /* ") S PPID" */
}

/* resident memory of root and every descendant, KiB: Rss from
 * smaps_rollup, which walks the page tables. Not VmRSS: on 6.1 each thread
 * batches its RSS counter updates (up to 64 page faults) before the process
 * total sees them, so VmRSS of a process with many threads lags by up to
 * 256 KiB a thread. */
static long tree_kib(long root)
{
    static long pids[MAXPROC], ppids[MAXPROC];
    static char in[MAXPROC];
    int n = 0, i, grew = 1;
    long sum = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    if (!d)
        bench_die("/proc");
    while ((e = readdir(d)) && n < MAXPROC) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        pids[n] = pid;
        ppids[n] = parent_of(pid);
        in[n] = pid == root;
        n++;
    }
    closedir(d);
    while (grew) {
        grew = 0;
        for (i = 0; i < n; i++) {
            int j;
            if (in[i])
                continue;
            for (j = 0; j < n; j++)
                if (in[j] && pids[j] == ppids[i]) {
                    in[i] = 1;
                    grew = 1;
                    break;
                }
        }
    }
    for (i = 0; i < n; i++)
        if (in[i])
            sum += field_kib(pids[i], "smaps_rollup", "Rss:");
    return sum;
}

int main(int argc, char **argv)
{
    const unsigned char *pat;
    struct pollfd *p;
    uint64_t *sent, bytes, t0, next;
    unsigned cid, port;
    long n, i, left, root, idle, peak;
    const size_t chunk = 64 * 1024;
    struct timespec pause = { 0, 200 * 1000 * 1000 };
    if (argc != 6)
        bench_fail("usage: bmany CID PORT N BYTES PID");
    cid = bench_port(argv[1]);
    port = bench_port(argv[2]);
    n = (long)bench_size(argv[3]);
    bytes = bench_size(argv[4]);
    root = (long)bench_size(argv[5]);
    pat = bench_pattern(chunk);
    p = calloc((size_t)n, sizeof *p);
    sent = calloc((size_t)n, sizeof *sent);
    if (!p || !sent || n < 1)
        bench_fail("bmany: N");
    for (i = 0; i < n; i++) {
        p[i].fd = bench_vs_connect(cid, port, 0);
        bench_nonblock(p[i].fd);
        p[i].events = POLLOUT;
    }
    nanosleep(&pause, NULL);
    idle = tree_kib(root);
    peak = idle;
    t0 = bench_now_ns();
    next = t0 + 10 * 1000 * 1000;
    left = n;
    while (left > 0) {
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            bench_die("poll");
        }
        for (i = 0; i < n; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            if (p[i].events == POLLOUT) {
                size_t k = (size_t)(bytes - sent[i] < chunk ? bytes - sent[i] : chunk);
                ssize_t w = k ? send(p[i].fd, pat + sent[i] % BENCH_PERIOD, k, MSG_NOSIGNAL) : 0;
                if (w < 0 && errno != EAGAIN && errno != EINTR)
                    bench_die("send");
                if (w > 0)
                    sent[i] += (uint64_t)w;
                if (sent[i] == bytes) {
                    shutdown(p[i].fd, SHUT_WR);
                    p[i].events = POLLIN;
                }
            } else {
                char b[4096];
                ssize_t r = recv(p[i].fd, b, sizeof b, 0);
                if (r < 0 && errno != EAGAIN && errno != EINTR)
                    bench_die("recv");
                if (r == 0) {
                    close(p[i].fd);
                    p[i].fd = -1;
                    left--;
                }
            }
        }
        if (bench_now_ns() >= next) {
            long k = tree_kib(root);
            if (k > peak)
                peak = k;
            next = bench_now_ns() + 10 * 1000 * 1000;
        }
    }
    t0 = bench_now_ns() - t0;
    printf("%ld %ld %llu\n", idle, peak, (unsigned long long)t0);
    return 0;
}
