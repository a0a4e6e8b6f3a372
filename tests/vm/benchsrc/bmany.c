/* bmany: many connections at once through a relay, for tests/vm/bench.
 *
 *   bmany CID PORT N BYTES PID [BUSY]
 *
 * Opens N vsock connections (one after another), lets them sit idle for a
 * moment and reads the resident memory of process PID and its descendants
 * (Rss from /proc/PID/smaps_rollup, summed), then sends BYTES of the
 * pattern on every connection at once, half-closes each when done and waits
 * for the relay to pass back the far end's EOF on each, sampling that
 * memory every 10 ms (the peak is the largest sample). With BUSY, only the
 * first BUSY connections send (BYTES each); the others stay open and idle
 * until those are done, which ends the timing, and then close.
 * Prints "IDLE_KIB PEAK_KIB NS OWN_NS": NS is the guest time from the
 * first byte sent to the last EOF (under icount, instructions), OWN_NS the
 * CPU time PID and its descendants took meanwhile (the relay's own work,
 * without this sender and the sink, which poll over every connection
 * themselves): a process's schedstat run time while it has one thread,
 * else its utime + stime, which count the threads that ended too (in clock
 * ticks). With BMANY_ANON set in the environment, it also says on stderr
 * how much of the idle figure is anonymous memory ("bmany: idle anonymous
 * N KiB", Anonymous of smaps_rollup): the rest is file-backed, the pages of
 * the programs themselves. */
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

/* CPU time of process pid so far, ns: its main thread's run time from
 * schedstat into *sched, utime + stime (every thread's, the ended ones
 * too, in clock ticks) into *ticks; returns its thread count. */
static long cpu_ns(long pid, uint64_t *sched, uint64_t *ticks)
{
    char path[64], buf[1024], *p;
    unsigned long long ns = 0, ut = 0, st = 0;
    long threads = field_kib(pid, "status", "Threads:");
    size_t n;
    FILE *f;
    int i;

    snprintf(path, sizeof path, "/proc/%ld/schedstat", pid);
    f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%llu", &ns) == 1)
            *sched += ns;
        fclose(f);
    }
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (!f)
        return threads; /* gone meanwhile */
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    p = strrchr(buf, ')');
    if (!p)
        bench_fail("bmany: /proc/PID/stat");
    /* ") S" then fields 4..13; utime and stime are fields 14 and 15 */
    p += 2;
    for (i = 3; i < 14 && p; i++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    if (!p || sscanf(p, "%llu %llu", &ut, &st) != 2)
        bench_fail("bmany: utime/stime");
    *ticks += (ut + st) * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
    return threads;
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

/* root and every descendant into out[MAXPROC]; their number */
static int tree(long root, long *out)
{
    static long pids[MAXPROC], ppids[MAXPROC];
    static char in[MAXPROC];
    int n = 0, i, k = 0, grew = 1;
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
            out[k++] = pids[i];
    return k;
}

/* resident memory of root and every descendant, KiB: Rss from
 * smaps_rollup, which walks the page tables. Not VmRSS: on 6.1 each thread
 * batches its RSS counter updates (up to 64 page faults) before the process
 * total sees them, so VmRSS of a process with many threads lags by up to
 * 256 KiB a thread. */
static long tree_kib(long root, const char *key)
{
    static long pids[MAXPROC];
    int n = tree(root, pids), i;
    long sum = 0;
    for (i = 0; i < n; i++)
        sum += field_kib(pids[i], "smaps_rollup", key);
    return sum;
}

/* CPU time of root and every descendant so far (root is timeout(1) here,
 * the relay its child), as cpu_ns's two sums; *multi set if one of them
 * has more than one thread */
static void tree_ns(long root, uint64_t *sched, uint64_t *ticks, int *multi)
{
    static long pids[MAXPROC];
    int n = tree(root, pids), i;
    *sched = *ticks = 0;
    for (i = 0; i < n; i++)
        if (cpu_ns(pids[i], sched, ticks) > 1)
            *multi = 1;
}

int main(int argc, char **argv)
{
    const unsigned char *pat;
    struct pollfd *p;
    uint64_t *sent, bytes, t0, next, s0, s1, k0, k1, took = 0;
    int multi = 0;
    long busy, busy_left;
    unsigned cid, port;
    long n, i, left, root, idle, peak;
    const size_t chunk = 64 * 1024;
    struct timespec pause = { 0, 200 * 1000 * 1000 };
    if (argc != 6 && argc != 7)
        bench_fail("usage: bmany CID PORT N BYTES PID [BUSY]");
    cid = bench_port(argv[1]);
    port = bench_port(argv[2]);
    n = (long)bench_size(argv[3]);
    bytes = bench_size(argv[4]);
    root = (long)bench_size(argv[5]);
    busy = argc == 7 ? (long)bench_size(argv[6]) : n;
    if (busy < 1 || busy > n)
        bench_fail("bmany: BUSY 1..N");
    pat = bench_pattern(chunk);
    p = calloc((size_t)n, sizeof *p);
    sent = calloc((size_t)n, sizeof *sent);
    if (!p || !sent || n < 1)
        bench_fail("bmany: N");
    for (i = 0; i < n; i++) {
        p[i].fd = bench_vs_connect(cid, port, 0);
        bench_nonblock(p[i].fd);
        p[i].events = i < busy ? POLLOUT : 0;
    }
    nanosleep(&pause, NULL);
    idle = tree_kib(root, "Rss:");
    if (getenv("BMANY_ANON"))
        fprintf(stderr, "bmany: idle anonymous %ld KiB\n", tree_kib(root, "Anonymous:"));
    peak = idle;
    tree_ns(root, &s0, &k0, &multi);
    t0 = bench_now_ns();
    next = t0 + 10 * 1000 * 1000;
    left = n;
    busy_left = busy;
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
                uint64_t want = i < busy ? bytes : 0;
                size_t k = (size_t)(want - sent[i] < chunk ? want - sent[i] : chunk);
                ssize_t w = k ? send(p[i].fd, pat + sent[i] % BENCH_PERIOD, k, MSG_NOSIGNAL) : 0;
                if (w < 0 && errno != EAGAIN && errno != EINTR)
                    bench_die("send");
                if (w > 0)
                    sent[i] += (uint64_t)w;
                if (sent[i] == want) {
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
                    if (i < busy)
                        busy_left--;
                }
            }
        }
        if (busy_left == 0 && took == 0) {
            /* the busy ones are done: the timing ends; the idle ones
             * close now */
            took = bench_now_ns() - t0;
            tree_ns(root, &s1, &k1, &multi);
            for (i = busy; i < n; i++)
                p[i].events = POLLOUT;
        }
        if (bench_now_ns() >= next) {
            long k = tree_kib(root, "Rss:");
            if (k > peak)
                peak = k;
            next = bench_now_ns() + 10 * 1000 * 1000;
        }
    }
    t0 = took;
    /* the precise figure while every process had one thread */
    printf("%ld %ld %llu %llu\n", idle, peak, (unsigned long long)t0,
           (unsigned long long)(multi ? k1 - k0 : s1 - s0));
    return 0;
}
