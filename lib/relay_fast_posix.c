/* relay_fast_posix.c: the fast paths of the POSIX relay engine, beside
 * its event loop (relay_posix.c), for a lone pair (hv_relay_pair) with no
 * timer: blocking calls and no wait. One way left moves in this thread
 * (by splice, connection -> pipe, where it serves); both ways move in two
 * threads, as a plain relay does. Each event goes to the same rule book
 * (rules.h) as the loop's, through relay_posix.h's helpers; what needs a
 * timer, or the loop's watch on a while b's peer may be gone, is handed
 * back to the loop, which goes on from where the fast path stopped. */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relay_posix.h"

/* dir_work (relay_dir_posix.h): the same copy loop as the event loop's */
#define DIR_WORK dir_work
#define DIR_DUMP 0
#include "relay_dir_posix.h"
#undef DIR_WORK
#undef DIR_DUMP

/* Whether fast paths may be taken: HV_NO_FAST_PATH=1 in the environment
 * turns them off (the tests hold the plain path to the same results). */
static int fast_paths(void)
{
    static int on = -1;
    if (on < 0) {
        const char *e = getenv("HV_NO_FAST_PATH");
        on = !(e && *e && strcmp(e, "0") != 0);
    }
    return on;
}

/* Whether a fast path may serve pair p at all: it has not ended, no rule
 * of time runs (the rule book's clocks: -i, -q, a failed stdout's drain),
 * nor the engine's own progress report, it has no dump, and fast paths
 * are on. */
static int fast_allowed(const struct pair *p)
{
    return !p->done && hv__rules_due(&p->ru) == 0 && !p->o.progress &&
           !p->o.dump && fast_paths();
}

/* The direction that is all a lone pair has left to do, when it may be
 * moved with blocking calls and no wait: the other way is done, no timer
 * runs, and its source reports trouble itself (a socket, whose reset a
 * read returns) or never waits (a regular file). A pipe or terminal on
 * stdin stays in the event loop: while it idles, a reset of the
 * connection must still end the session. -1 when there is none. */
static int lone_dir(const struct pair *p)
{
    int i;

    for (i = 0; i < 2; i++) {
        const struct hv_stream *src = p->s[i];
        /* a source that may idle while the gone-peer rule watches b */
        if (i == 0 && gone_waits(p))
            continue;
        if (way(p, !i) == HV__WAY_SHUT && way(p, i) == HV__WAY_COPY &&
            src->rblock)
            return i;
    }
    return -1;
}

/* Direction i with blocking calls (its streams' block set) until all of it
 * is out and its EOF passed on, it fails, the pair ends or a stop comes. */
static void block_dir(struct pair *p, int i)
{
    /* a failed stdout's drain has a timer: the event loop keeps it */
    while (!p->halt && way(p, i) != HV__WAY_SHUT &&
           way(p, i) != HV__WAY_DISCARD && !hv_stopped()) {
        p->s[i]->rready = p->s[!i]->wready = 1;
        dir_work(p, i, hv_now_ms());
    }
}

/* Whether direction i may go by splice now: nothing read is held, its
 * source may be spliced from and its destination into (the streams'
 * properties), and it copies. */
static int splice_serves(const struct pair *p, int i)
{
    return !p->s[i]->rx.count && p->s[i]->splice_from &&
           p->s[!i]->splice_into && way(p, i) == HV__WAY_COPY;
}

/* Direction i by splice, connection -> pipe: 1 when it ran (to the
 * source's end, a failure or a stop), 0 when splice does not serve this
 * pair (then read and write move it; nothing is lost, as splice took
 * nothing). The source is non-blocking meanwhile: splice waits in poll
 * (stream_posix.c). */
static int lone_splice(struct pair *p, int i)
{
    struct hv_stream *src = p->s[i], *dst = p->s[!i];
    size_t n = p->o.bufsize ? p->o.bufsize : HV_RELAY_BUFSIZE, k;
    int e, ran = 1;

    if (!splice_serves(p, i) || hv__stream_nonblock(src, 1) < 0)
        return 0;
    while (!p->done && way(p, i) == HV__WAY_COPY && !hv_stopped()) {
        e = hv__stream_splice(src, dst, n, &k);
        if (e == HV_ENOTSUP) {
            ran = 0;
            break;
        }
        if (e == HV__EAGAIN)
            continue; /* the loop sees the stop */
        /* each end as the copy loop's (relay_dir_posix.h): nothing is
         * held, as splice keeps nothing between the two */
        if (e == HV_EPIPE) {
            (void)hv__dir_write_gone(p, i, hv_now_ms());
        } else if (e < 0) {
            (void)hv__dir_read_err(p, i, e, 0);
        } else if (k == 0) {
            hv__dir_eof(p, i);
        } else {
            p->d[i].bytes += k;
            dir_moved(p, i, hv_now_ms());
        }
    }
    (void)hv__stream_nonblock(src, 0);
    return ran;
}

/* After a fast path's blocking calls, what the event loop may try before
 * poll says so: a descriptor shared with other processes (stdio) keeps
 * its blocking flag, so it is read only once poll says it is readable,
 * and a terminal without a description of our own (stream_posix.c,
 * tty_own) written only once it is writable (the rules hv__stream_read
 * and hv__stream_write keep after each call); a socket, a file, a pipe
 * asked for its room and a terminal of our own never block. */
static void loop_again(struct hv_stream *st)
{
    st->rready = st->rtry;
    st->wready = st->wtry;
}

/* Move direction i with blocking calls until its source ends, it fails or
 * a stop is asked for (the signal interrupts the blocked call). A chunk
 * then costs a read and a write (or one splice), not a poll round as
 * well. */
static void lone_run(struct pair *p, int i)
{
    struct hv_stream *src = p->s[i], *dst = p->s[!i];

    src->block = dst->block = 1;
    if (!lone_splice(p, i)) {
        /* one stream, bulk data: the whole buffer from the first read */
        hv__ring_grow_max(&src->rx);
        block_dir(p, i);
    }
    src->block = dst->block = 0;
    loop_again(src);
    loop_again(dst);
}

/* ------------------------------------------------ the two-way fast path */

/* Both ways of a lone pair moved with blocking calls, as a plain relay
 * does: this thread carries b -> a, a helper thread a -> b, and neither
 * polls (a round trip through stdio then costs what it costs a
 * relay of two threads, not two poll rounds more). Taken when no timer
 * runs; either thread that ends the pair interrupts the other's blocked
 * call with SIGURG (handled, without SA_RESTART, only while this runs),
 * and the stop signals come to this thread. */
struct duplex {
    struct pair *p;
    pthread_t main;
    _Atomic int main_out, helper_out; /* set under mu, then cv told */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int wake[2]; /* the helper's "done" for a poll on this side (one
                  * byte: its ends need not block) */
};

static void on_wake_signal(int sig)
{
    (void)sig; /* only there to interrupt a blocked call */
}

static int duplex_ok(const struct pair *p)
{
    /* a -> b still to carry; b -> a too, or done (its EOF is out: then
     * this thread only watches b for a reset while the helper sends, the
     * case of a pipe or terminal on stdin that lone_dir leaves); and no
     * -q: its clock would start in the helper, at a's EOF, where nothing
     * looks at it */
    return !p->no_duplex &&
           (p->polls >= HV__DUPLEX_AFTER ||
            p->d[0].bytes + p->d[1].bytes >= HV__DUPLEX_AFTER_BYTES) &&
           p->ru.quit_ms == HV_RELAY_NO_QUIT && way(p, 0) == HV__WAY_COPY &&
           (way(p, 1) == HV__WAY_SHUT ? !gone_waits(p)
                                      : way(p, 1) == HV__WAY_COPY);
}

/* Signal thread t until *out says it has left its blocking calls: again
 * every millisecond, for a signal that came just before the call, and
 * not a moment longer than it takes (no sleep: a wait that its end cuts
 * short). */
static void interrupt(struct duplex *x, pthread_t t, const _Atomic int *out)
{
    pthread_mutex_lock(&x->mu);
    while (!*out) {
        struct timespec at;
        (void)pthread_kill(t, SIGURG);
        clock_gettime(CLOCK_REALTIME, &at);
        at.tv_nsec += 1000000;
        if (at.tv_nsec >= 1000000000) {
            at.tv_sec++;
            at.tv_nsec -= 1000000000;
        }
        (void)pthread_cond_timedwait(&x->cv, &x->mu, &at);
    }
    pthread_mutex_unlock(&x->mu);
}

/* This thread has left its blocking calls: say so to one waiting above. */
static void leave(struct duplex *x, _Atomic int *out)
{
    pthread_mutex_lock(&x->mu);
    *out = 1;
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
}

static void *duplex_helper(void *arg)
{
    struct duplex *x = arg;
    struct pair *p = x->p;
    char c = 0;

    block_dir(p, 0);
    /* a's way done may be the pair's end (a without half-close,
     * HV__ENDS_A_FULL), which only the rules of both ways together say */
    pair_lock(p);
    hv__rules_tick(&p->ru, hv_now_ms());
    ended(p);
    pair_unlock(p);
    if (p->done) /* ended here: b -> a may be blocked */
        interrupt(x, x->main, &x->main_out);
    leave(x, &x->helper_out);
    (void)write(x->wake[1], &c, 1);
    return NULL;
}

/* b's EOF is out and a still sends: wait for the helper, watching b for a
 * reset meanwhile as the event loop does (b_watch_wanted, b_watched):
 * what a sends may then be lost. */
static void duplex_wait(struct duplex *x)
{
    struct pair *p = x->p;
    struct pollfd pf[3];
    int watch;

    while (!x->helper_out && !p->done && !hv_stopped()) {
        pair_lock(p); /* the helper changes a's way meanwhile */
        watch = b_watch_wanted(p);
        pair_unlock(p);
        pf[0].fd = x->wake[0];
        pf[0].events = POLLIN;
        /* the stop's pipe: a signal that came just before the poll */
        pf[1].fd = hv__wake_fd(HV__WAKE_STOP);
        pf[1].events = POLLIN;
        pf[2].fd = p->s[1]->wfd;
        pf[2].events = 0;
        pf[0].revents = pf[1].revents = pf[2].revents = 0;
        if (poll(pf, watch ? 3 : 2, -1) < 0)
            continue; /* EINTR: the loop looks at the stop */
        if (watch && pf[2].revents)
            b_watched(p, (pf[2].revents & (POLLHUP | POLLNVAL)) != 0);
    }
}

/* Run both ways in two threads until one way is left (or the pair ends,
 * or a stop); this thread's b -> a then waits for the helper. */
static void duplex_go(struct duplex *x, pthread_t t)
{
    struct pair *p = x->p;

    block_dir(p, 1);
    if (!p->done && !hv_stopped() && way(p, 1) == HV__WAY_SHUT) {
        /* whether b's EOF ends the session is the rule book's to say, as
         * the event loop asks it */
        pair_lock(p);
        hv__rules_tick(&p->ru, hv_now_ms());
        ended(p);
        pair_unlock(p);
        if (p->done) {
            ; /* ended: the helper is interrupted below */
        } else if (gone_waits(p)) {
            /* the gone-peer rule needs the event loop's timers and its
             * wait on a: the helper gives up its blocking calls (what it
             * read stays in a's ring) and the loop goes on from here */
            p->halt = 1;
        } else {
            duplex_wait(x);
        }
    } else if (!p->done) {
        /* a stop, or a failed stdout whose drain has a timer: the helper
         * gives up too, and the loop goes on */
        p->halt = 1;
    }
    leave(x, &x->main_out);
    interrupt(x, t, &x->helper_out);
    pthread_join(t, NULL);
}

/* 0 when it ran (to the pair's end, a stop, or one way left), -1 when it
 * could not start (the event loop carries on). */
static int duplex_run(struct pair *p)
{
    struct duplex x;
    struct sigaction sa, old_sa;
    sigset_t stops, old_mask;
    pthread_t t;
    int i, ran = 0;

    memset(&x, 0, sizeof x);
    x.p = p;
    x.main = pthread_self();
    p->no_duplex = 1; /* once: if it cannot start, it will not later */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_wake_signal;
    sigemptyset(&sa.sa_mask);
    if (hv__pipe_own(x.wake) < 0)
        return -1;
    if (pthread_mutex_init(&p->mu, NULL) != 0)
        goto no_mu;
    if (pthread_mutex_init(&x.mu, NULL) != 0)
        goto no_xmu;
    if (pthread_cond_init(&x.cv, NULL) != 0)
        goto no_cv;
    if (sigaction(SIGURG, &sa, &old_sa) < 0)
        goto no_sig;
    p->mt = 1;
    for (i = 0; i < 2; i++) {
        p->s[i]->block = 1;
        p->s[i]->quit = &p->halt;
    }
    /* the helper blocks the stop signals: they interrupt this thread */
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stops, &old_mask);
    ran = pthread_create(&t, NULL, duplex_helper, &x) == 0;
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    if (ran)
        duplex_go(&x, t);
    p->mt = 0;
    p->halt = p->done;
    for (i = 0; i < 2; i++) {
        p->s[i]->block = 0;
        p->s[i]->quit = NULL;
        loop_again(p->s[i]);
    }
    (void)sigaction(SIGURG, &old_sa, NULL);
no_sig:
    pthread_cond_destroy(&x.cv);
no_cv:
    pthread_mutex_destroy(&x.mu);
no_xmu:
    pthread_mutex_destroy(&p->mu);
no_mu:
    close(x.wake[0]);
    close(x.wake[1]);
    return ran ? 0 : -1;
}

/* A lone pair (hv_relay_pair): blocking calls, no wait, while no timer
 * runs; one way left in this thread, both ways in two. Its descriptors
 * leave the poller meanwhile: a watched one costs a callback at every
 * wake-up (about 1 us a round trip under icount); the next visit
 * registers what it waits on again. 1 when it ran. */
int hv__relay_fast(struct hv_relay *r)
{
    struct pair *p = r->pairs;
    int k;

    if (!fast_allowed(p))
        return 0;
    if ((k = lone_dir(p)) >= 0) {
        hv__pair_unwatch(r, p);
        lone_run(p, k);
        enqueue(r, p);
        return 1;
    }
    if (duplex_ok(p)) {
        hv__pair_unwatch(r, p);
        (void)duplex_run(p); /* tried once, run or not */
        enqueue(r, p);
        return 1;
    }
    return 0;
}
