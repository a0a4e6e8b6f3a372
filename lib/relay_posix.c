/* relay_posix.c: the relay engine on POSIX: one event loop over every
 * pair of streams (poller_posix.c: epoll on Linux, poll elsewhere). Each
 * direction of a pair copies through the ring of its source (ring.h)
 * after OpenBSD nc's readwrite(): short writes and EINTR loop, a source's
 * EOF is passed on as a half-close once its data is out, and the pair
 * ends when both directions are done (or an option ends it). I/O is tried
 * first and the poller is asked only after EAGAIN, so a busy pair costs no
 * wait per chunk; a round visits only the pairs with something to do (the
 * ready list) or whose timer is due (a heap by due time), so idle pairs
 * cost nothing, timers or not. A backend connection the relay makes
 * itself (hv_relay_add_connect) is a pair whose b is still connecting:
 * its socket is waited on like any, so a slow backend stalls only its
 * own client.
 * hv_stop() (from a signal handler) makes hv_relay_run return
 * HV_ESTOPPED: the handler interrupts the wait. A lone
 * pair (hv_relay_pair) with no timer takes the fast paths further down
 * instead: blocking calls, in two threads while both ways are open. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform_posix.h"
#include "rules.h"

/* One direction: s[i] -> s[!i] (i = 0: a -> b); its state is the rule
 * book's (ru.way[i]). */
struct dir {
    uint64_t bytes; /* written to the destination */
};

struct pair {
    struct hv_stream *s[2];
    struct dir d[2];
    struct hv_relay_opts o;
    struct hv__rules ru; /* the rules of its life and end (rules.c) */
    void *tag;
    int borrowed;     /* the caller owns the streams */
    int watch_b;      /* b has nothing to read: still poll it for errors */
    uint64_t progress_at;
    /* the gone-peer rule (o.gone_ms), once b's EOF is out and a sends on:
     * when to ask b's transport again whether its peer has closed, and
     * whether b hung up (a unix peer's complete close) */
    uint64_t ask_at;
    uint32_t ask_step;
    int b_hup;
    _Atomic int done;
    _Atomic int halt; /* blocking calls give up: done, or the two-way
                       * fast path hands the pair back to the loop */
    /* the two-way fast path: a thread runs a -> b meanwhile, and the
     * pair's state changes under mu */
    int mt;
    int no_duplex; /* tried once already */
    unsigned polls; /* wait rounds so far (up to DUPLEX_AFTER) */
    pthread_mutex_t mu;
    struct hv_relay_result res;
    /* its distinct descriptors, as the poller watches them */
    struct hv__watch w[4];
    int nw;
    /* hv_relay_add_connect: b's connection, until it is made (w[0] is its
     * socket meanwhile, s[1] NULL); the attempt's deadline (0: none), when
     * to try again after a retry, and whether it waits for descriptors */
    struct hv__dial *dial;
    uint64_t dial_until, dial_at;
    int dial_in; /* w[0] waits to read (a name lookup), not to write */
    int starved;
    /* its nearest timer (-i, -q, progress, gone, discard, connect), and
     * 1 + its place in the relay's heap of timers (0: none) */
    uint64_t due;
    size_t hidx;
    int queued; /* on the ready list */
    struct pair *next, *rnext;
};

struct hv_relay {
    struct pair *pairs;
    size_t count;
    struct pair *ready; /* to visit: new, woken, or with work in hand */
    /* the pairs with a timer, a binary heap by due time: a round visits
     * only those whose time has come, beside the ones with events */
    struct pair **heap;
    size_t hn, hcap;
    size_t starved; /* connecting pairs short of descriptors */
    struct hv__poller *pl;
    struct hv__watch lw; /* the listener, during hv_relay_run */
    struct hv__watch sw; /* the stop's pipe (wake_posix.c) */
    struct hv__watch cw; /* the commands' ends (SIGCHLD), once any ran */
    struct hv__pevent ev[HV__POLLER_MAX];
};

uint32_t hv_relay_pairs_max(void)
{
    return 100000u;
}

int hv_relay_new(struct hv_relay **out)
{
    struct hv_relay *r = calloc(1, sizeof *r);
    int e;
    if (r == NULL)
        return HV_ENOMEM;
    if ((e = hv__poller_new(&r->pl)) < 0) {
        free(r);
        return e;
    }
    *out = r;
    return 0;
}

static void enqueue(struct hv_relay *r, struct pair *p)
{
    if (p->queued)
        return;
    p->queued = 1;
    p->rnext = r->ready;
    r->ready = p;
}

size_t hv_relay_count(const struct hv_relay *r)
{
    return r->count;
}

size_t hv_relay_starved(const struct hv_relay *r)
{
    return r->starved;
}

/* ---------------------------------------------------------------- timers */

static void heap_put(struct hv_relay *r, size_t i, struct pair *p)
{
    r->heap[i] = p;
    p->hidx = i + 1;
}

static void heap_up(struct hv_relay *r, size_t i)
{
    struct pair *p = r->heap[i];
    while (i > 0 && r->heap[(i - 1) / 2]->due > p->due) {
        heap_put(r, i, r->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_put(r, i, p);
}

static void heap_down(struct hv_relay *r, size_t i)
{
    struct pair *p = r->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= r->hn)
            break;
        if (c + 1 < r->hn && r->heap[c + 1]->due < r->heap[c]->due)
            c++;
        if (r->heap[c]->due >= p->due)
            break;
        heap_put(r, i, r->heap[c]);
        i = c;
    }
    heap_put(r, i, p);
}

/* Room in the heap for every pair, taken when a pair is added, so that
 * setting a timer never fails. */
static int heap_reserve(struct hv_relay *r)
{
    struct pair **h;
    size_t n;
    if (r->count + 1 <= r->hcap)
        return 0;
    n = r->hcap ? r->hcap * 2 : 16;
    h = realloc(r->heap, n * sizeof *h);
    if (h == NULL)
        return HV_ENOMEM;
    r->heap = h;
    r->hcap = n;
    return 0;
}

/* Pair p's timer is now due (0: it has none). */
static void heap_set(struct hv_relay *r, struct pair *p, uint64_t due)
{
    size_t i;
    if (due == 0) {
        if (p->hidx) {
            i = p->hidx - 1;
            p->hidx = 0;
            if (i != --r->hn) {
                /* the last one takes the place, and finds its own */
                struct pair *q = r->heap[r->hn];
                heap_put(r, i, q);
                heap_up(r, i);
                heap_down(r, q->hidx - 1);
            }
        }
        p->due = 0;
        return;
    }
    p->due = due;
    if (p->hidx == 0) {
        heap_put(r, r->hn++, p);
        heap_up(r, r->hn - 1);
    } else {
        i = p->hidx - 1;
        heap_up(r, i);
        heap_down(r, p->hidx - 1);
    }
}

/* Pair p's descriptors out of the poller (before they close, or while a
 * fast path waits in blocking calls instead). */
static void unwatch(struct hv_relay *r, struct pair *p)
{
    int i;
    for (i = 0; i < p->nw; i++)
        (void)hv__poller_set(r->pl, &p->w[i], 0, 0);
}

static void pair_free(struct hv_relay *r, struct pair *p)
{
    /* a broken or cut pair passes the break on as a reset (the rules) */
    unsigned resets = hv__rules_resets(&p->ru);
    int i;

    unwatch(r, p);
    heap_set(r, p, 0);
    if (p->starved)
        r->starved--;
    if (p->dial) {
        hv__dial_free(p->dial);
        free(p->dial);
    }
    for (i = 0; i < 2; i++) {
        if (p->s[i] && (resets & (1u << i)))
            hv__stream_abort(p->s[i]);
    }
    for (i = 0; i < 2; i++) {
        if (p->s[i] == NULL)
            continue; /* b, never connected */
        if (p->borrowed)
            hv__ring_trim(&p->s[i]->rx);
        else
            hv_stream_close(p->s[i]);
    }
    free(p);
}

/* The source of direction i is done: at its EOF, or never read. */
static int src_done(const struct pair *p, int i)
{
    return hv__rules_src_done(&p->ru, i);
}

/* Way i's state in the rule book. */
static enum hv__way way(const struct pair *p, int i)
{
    return p->ru.way[i];
}

static void pair_lock(struct pair *p)
{
    if (p->mt)
        pthread_mutex_lock(&p->mu);
}

static void pair_unlock(struct pair *p)
{
    if (p->mt)
        pthread_mutex_unlock(&p->mu);
}

/* The rule book said the end (caller holds the lock): the blocking calls
 * give up. */
static void ended(struct pair *p)
{
    if (p->ru.done && !p->done) {
        p->done = 1; /* the byte counts are taken in pair_take */
        p->halt = 1;
    }
}

static void pair_end(struct pair *p, int err, enum hv_side side)
{
    pair_lock(p);
    hv__rules_end(&p->ru, err, side);
    ended(p);
    pair_unlock(p);
}

/* b failed (a reset) after its EOF while a still sends: the rule book
 * decides whether that ends the pair (hv__rules_b_reset). */
static void b_reset(struct pair *p, int e)
{
    pair_lock(p);
    hv__rules_b_reset(&p->ru, e);
    ended(p);
    pair_unlock(p);
}

static enum hv_side side_of(int stream, int write)
{
    if (stream == 0)
        return write ? HV_SIDE_A_WRITE : HV_SIDE_A_READ;
    return write ? HV_SIDE_B_WRITE : HV_SIDE_B_READ;
}

/* What the rules know of the pair's ends, from its streams. */
static unsigned ends_of(const struct pair *p)
{
    const struct hv_stream *a = p->s[0], *b = p->s[1];
    unsigned e = hv__relay_ends_a(a);
    if (b && a->stdio && b->sock)
        e |= HV__ENDS_B_DRAIN;
    if (a->full)
        e |= HV__ENDS_A_FULL;
    return e;
}

/* One watch for each distinct descriptor of the pair (a socket is read
 * and written through one). */
static void watches_init(struct pair *p)
{
    int fd[4], i, j;

    fd[0] = p->s[0]->rfd;
    fd[1] = p->s[0]->wfd;
    fd[2] = p->s[1]->rfd;
    fd[3] = p->s[1]->wfd;
    for (i = 0; i < 4; i++) {
        for (j = 0; j < p->nw && p->w[j].fd != fd[i]; j++)
            ;
        if (j == p->nw) {
            p->w[j].fd = fd[i];
            p->w[j].owner = p;
            p->nw++;
        }
    }
}

/* A new pair of r for stream a, with options o and tag; NULL when out of
 * memory. */
static struct pair *pair_new(struct hv_relay *r, struct hv_stream *a,
                             const struct hv_relay_opts *o, void *tag)
{
    struct pair *p;

    if (heap_reserve(r) < 0 || (p = calloc(1, sizeof *p)) == NULL)
        return NULL;
    if (o)
        p->o = *o;
    else
        hv_relay_opts_init(&p->o);
    p->s[0] = a;
    p->tag = tag;
    hv__rules_init(&p->ru, &p->o, ends_of(p), hv_now_ms());
    p->next = r->pairs;
    r->pairs = p;
    r->count++;
    enqueue(r, p); /* tried before anything is waited for */
    return p;
}

/* Pair p has both its streams (b now): its clocks start. */
static void pair_start(struct pair *p, struct hv_stream *b)
{
    size_t max = p->o.bufsize ? p->o.bufsize : HV_RELAY_BUFSIZE;
    int i;

    p->s[1] = b;
    p->ru.ends = ends_of(p);
    p->ru.last_io = hv_now_ms();
    for (i = 0; i < 2; i++) {
        /* stdin's ring may hold what an earlier session left */
        if (p->s[i]->rx.max < max)
            p->s[i]->rx.max = max;
        /* and it may have ended in an earlier session */
        if (p->s[i]->rd_eof && !p->ru.off[i])
            hv__rules_eof(&p->ru, i);
    }
    if (p->o.progress_ms && p->o.progress)
        p->progress_at = p->ru.last_io + p->o.progress_ms;
    memset(p->w, 0, sizeof p->w);
    p->nw = 0;
    watches_init(p);
}

static int add_pair(struct hv_relay *r, struct hv_stream *a,
                    struct hv_stream *b, const struct hv_relay_opts *o,
                    void *tag, int borrowed)
{
    struct pair *p = pair_new(r, a, o, tag);

    if (p == NULL) {
        if (!borrowed) {
            hv_stream_close(a);
            hv_stream_close(b);
        }
        return HV_ENOMEM;
    }
    p->borrowed = borrowed;
    pair_start(p, b);
    return 0;
}

int hv_relay_add_connect(struct hv_relay *r, struct hv_stream *a,
                         const struct hv_addr *to,
                         const struct hv_connect_opts *co,
                         const struct hv_relay_opts *o, void *tag)
{
    struct hv__dial *d = malloc(sizeof *d);
    struct pair *p;
    int e;

    /* a client whose backend cannot even be tried (a name that does not
     * resolve) got nothing: a reset, as for a failed connect */
    if (d == NULL) {
        hv__stream_abort(a);
        hv_stream_close(a);
        return HV_ENOMEM;
    }
    if ((e = hv__dial_start(d, to, co)) < 0 ||
        (p = pair_new(r, a, o, tag)) == NULL) {
        hv__dial_free(d);
        free(d);
        hv__stream_abort(a);
        hv_stream_close(a);
        return e < 0 ? e : HV_ENOMEM;
    }
    p->dial = d;
    if (d->timeout_ms)
        p->dial_until = hv_now_ms() + d->timeout_ms;
    return 0;
}

int hv_relay_add(struct hv_relay *r, struct hv_stream *a, struct hv_stream *b,
                 const struct hv_relay_opts *o, void *tag)
{
    return add_pair(r, a, b, o, tag, 0);
}

int hv__relay_add_borrowed(struct hv_relay *r, struct hv_stream *a,
                           struct hv_stream *b, const struct hv_relay_opts *o,
                           void *tag)
{
    return add_pair(r, a, b, o, tag, 1);
}

/* Writing direction i failed (a reset, a full disk): the rule book says
 * whether its source is still read and dropped (stdout failed while the
 * connection sends) or not; what it holds is dropped either way. */
static void dir_fail(struct pair *p, int i, int e)
{
    struct hv__ring *rg = &p->s[i]->rx;

    pair_lock(p);
    hv__rules_write_err(&p->ru, i, e, hv_now_ms());
    ended(p);
    pair_unlock(p);
    if (way(p, i) == HV__WAY_DISCARD) {
        hv__ring_take(rg, rg->count);
        return;
    }
    hv__ring_free(rg);
    p->s[i]->rready = 0;
}

/* Bytes of direction i moved at now (the clocks of -i and the gone-peer
 * rule; not kept while the two-way fast path's thread runs). */
static void dir_moved(struct pair *p, int i, uint64_t now)
{
    if (!p->mt)
        hv__rules_moved(&p->ru, i, now);
}

/* Direction i holds nothing: pass a finished source's EOF on, or end
 * after a broken source's data, as the rule book says. */
static void dir_empty(struct pair *p, int i, uint64_t now)
{
    int act, e;

    pair_lock(p);
    act = hv__rules_empty(&p->ru, i, now);
    ended(p);
    pair_unlock(p);
    if (act != HV__DO_SHUTDOWN)
        return;
    hv__ring_trim(&p->s[i]->rx);
    e = hv__stream_shutdown(p->s[!i]);
    if (e < 0) {
        dir_fail(p, i, e);
        return;
    }
    pair_lock(p);
    hv__rules_shut_done(&p->ru, i, 0, now);
    pair_unlock(p);
}

/* dir_work, and dir_work_dump for a pair with a dump (relay_dir_posix.h) */
#define DIR_WORK dir_work
#define DIR_DUMP 0
#include "relay_dir_posix.h"
#undef DIR_WORK
#undef DIR_DUMP
#define DIR_WORK dir_work_dump
#define DIR_DUMP 1
#include "relay_dir_posix.h"
#undef DIR_WORK
#undef DIR_DUMP

/* How often a vsock connection is asked whether its peer has closed it
 * completely, while the gone-peer rule waits (the close shows to a send
 * only, no poll event tells of it). The first question comes at b's EOF,
 * where a close() shows at once; a peer that half-closes and closes a
 * moment later (the usual order of a client that is done) is asked about
 * again after 50 ms, then at twice the interval each time, up to every
 * 500 ms for a peer that stays half-closed. */
#define GONE_ASK_FIRST_MS 50u
#define GONE_ASK_MS 500u

/* Whether the gone-peer rule (o.gone_ms) applies now: b's EOF is written
 * out and a still sends. */
static int gone_rule(const struct pair *p)
{
    return hv__rules_gone_applies(&p->ru);
}

/* Whether the rule may have to act while a's source waits: then a -> b
 * stays in the event loop (a regular file never waits for more). */
static int gone_waits(const struct pair *p)
{
    return p->o.gone_ms != HV_RELAY_NO_QUIT && !p->ru.off[1] &&
           !p->s[0]->rsure;
}

/* When the gone-peer rule must look again without an event (0: never). */
static uint64_t gone_due(const struct pair *p)
{
    /* not before the rule applies, nor while what a gave is still to be
     * sent (the write's readiness wakes the pair) */
    if (p->ru.gone_since == 0 || p->done || !gone_rule(p) ||
        p->s[0]->rx.count)
        return 0;
    if (p->s[1]->gone == HV__GONE_ASK)
        return p->ask_at;
    if (p->s[1]->gone == HV__GONE_HUP)
        return 0; /* the poller reports the hang-up */
    return hv__rules_gone_due(&p->ru);
}

/* The end of the gone-peer rule: clean, or with a failed write's error. */
static void gone_end(struct pair *p)
{
    pair_lock(p);
    hv__rules_end_late(&p->ru);
    ended(p);
    pair_unlock(p);
}

/* The gone-peer rule: b's peer sent its EOF and a sends on. Where b's
 * transport shows a complete close (a unix hang-up, a vsock send that
 * fails), the pair ends at once; where a close and a half-close look
 * alike (TCP), it ends once a -> b has been idle for gone_ms (socat's
 * rule, with socat's 0.5 s as the tools' default). Never while something
 * read from a is still to be sent: that is written, or fails (74). */
static void check_gone(struct pair *p, uint64_t now)
{
    struct hv_stream *b = p->s[1];
    int g;

    if (!gone_rule(p))
        return;
    if (p->ru.gone_since == 0) {
        hv__rules_gone_start(&p->ru, now);
        p->ask_at = now;
    }
    if (p->s[0]->rx.count)
        return;
    switch (b->gone) {
    case HV__GONE_HUP:
        if (p->b_hup)
            gone_end(p);
        break;
    case HV__GONE_ASK:
        if (now < p->ask_at)
            break;
        p->ask_step = p->ask_step ? p->ask_step * 2 : GONE_ASK_FIRST_MS;
        if (p->ask_step > GONE_ASK_MS)
            p->ask_step = GONE_ASK_MS;
        p->ask_at = now + p->ask_step;
        g = hv__stream_peer_gone(b);
        if (g < 0)
            pair_end(p, g, HV_SIDE_B_WRITE);
        else if (g > 0)
            gone_end(p);
        break;
    default:
        if (now >= gone_due(p))
            gone_end(p);
        break;
    }
}

/* Whether the pair has reached its end by the rules of its options and
 * of time. */
static void check_end(struct pair *p, uint64_t now)
{
    if (p->done)
        return;
    pair_lock(p);
    hv__rules_tick(&p->ru, now);
    ended(p);
    pair_unlock(p);
    if (!p->done)
        check_gone(p, now);
}

/* pair_work's moves for a pair with a dump */
static void pair_dump_work(struct pair *p, uint64_t now)
{
    dir_work_dump(p, 0, now);
    if (!p->done)
        dir_work_dump(p, 1, now);
    if (!p->done)
        dir_work_dump(p, 0, now);
}

static void pair_work(struct pair *p, uint64_t now)
{
    if (p->o.dump) {
        pair_dump_work(p, now);
    } else {
        dir_work(p, 0, now);
        if (!p->done)
            dir_work(p, 1, now);
        if (!p->done)
            dir_work(p, 0, now); /* what b -> a freed may let a -> b go on */
    }
    check_end(p, now);
    if (!p->done && p->o.progress && p->progress_at && now >= p->progress_at) {
        p->o.progress(p->o.progress_ctx, p->d[0].bytes, p->d[1].bytes);
        p->progress_at = now + p->o.progress_ms;
    }
}

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

/* The direction that is all a lone pair has left to do, when it may be
 * moved with blocking calls and no wait: the other way is done, no timer
 * runs, and its source reports trouble itself (a socket, whose reset a
 * read returns) or never waits (a regular file). A pipe or terminal on
 * stdin stays in the event loop: while it idles, a reset of the
 * connection must still end the session. -1 when there is none. */
static int lone_dir(const struct pair *p)
{
    int i;

    if (p->done || p->o.idle_ms || p->o.progress || p->ru.quit_at ||
        p->o.dump || !fast_paths())
        return -1;
    for (i = 0; i < 2; i++) {
        const struct hv_stream *src = p->s[i];
        /* a source that may idle while the gone-peer rule watches b */
        if (i == 0 && gone_waits(p))
            continue;
        if (way(p, !i) == HV__WAY_SHUT && way(p, i) == HV__WAY_COPY &&
            (src->rsock || (src->rsure && src->stdio)))
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

/* Direction i by splice, connection -> pipe: 1 when it ran (to the
 * source's end, a failure or a stop), 0 when splice does not serve this
 * pair (then read and write move it; nothing is lost, as splice took
 * nothing). */
static int lone_splice(struct pair *p, int i)
{
    struct hv_stream *src = p->s[i], *dst = p->s[!i];
    size_t n = p->o.bufsize ? p->o.bufsize : HV_RELAY_BUFSIZE, k;
    int e;

    if (src->rx.count || !src->rsock || !dst->wpipe ||
        way(p, i) != HV__WAY_COPY)
        return 0;
    while (!p->done && way(p, i) == HV__WAY_COPY && !hv_stopped()) {
        e = hv__stream_splice(src, dst, n, &k);
        if (e == HV_ENOTSUP)
            return 0;
        if (e == HV__EAGAIN)
            continue; /* the loop sees the stop */
        if (e == HV_EPIPE) {
            /* no reader any more (| head; a command's input) */
            hv__rules_write_gone(&p->ru, i, hv_now_ms());
            ended(p);
        } else if (e < 0) {
            pair_end(p, e, side_of(i, 0));
        } else if (k == 0) {
            src->rd_eof = 1;
            hv__rules_eof(&p->ru, i);
        } else {
            p->d[i].bytes += k;
            hv__rules_moved(&p->ru, i, hv_now_ms());
        }
    }
    return 1;
}

/* After a fast path's blocking calls, what the event loop may try before
 * poll says so: a descriptor shared with other processes (stdio) keeps
 * its blocking flag, so it is read only once poll says it is readable,
 * and a terminal written only once it is writable (the rules
 * hv__stream_read and hv__stream_write keep after each call); a socket, a
 * file and a pipe asked for its room never block. */
static void loop_again(struct hv_stream *st)
{
    st->rready = st->rsock || st->rsure;
    st->wready = st->wsock || st->wsure || st->wpipe;
}

/* Move direction i with blocking calls until its source ends, it fails or
 * a stop is asked for (the signal interrupts the blocked call). A chunk
 * then costs a read and a write (or one splice), not a poll round as
 * well. */
static void lone_run(struct pair *p, int i)
{
    struct hv_stream *src = p->s[i], *dst = p->s[!i];
    int spliced = 0;

    src->block = dst->block = 1;
    /* splice waits in poll on a non-blocking socket (stream_posix.c) */
    if (hv__stream_nonblock(src, 1) == 0) {
        spliced = lone_splice(p, i);
        (void)hv__stream_nonblock(src, 0);
    }
    if (!spliced) {
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
    int wake[2]; /* the helper's "done" for a poll on this side */
};

static void on_wake_signal(int sig)
{
    (void)sig; /* only there to interrupt a blocked call */
}

/* Poll rounds, or bytes, a lone pair moves before it takes two threads:
 * a session that ends within a few (a one-shot request) does not pay for
 * starting a thread; one that goes on (a dialogue, bulk both ways) soon
 * saves more than that. */
#define DUPLEX_AFTER 8
#define DUPLEX_AFTER_BYTES (256u * 1024u)

static int duplex_ok(const struct pair *p)
{
    /* a -> b still to carry; b -> a too, or done (its EOF is out: then
     * this thread only watches b for a reset while the helper sends, the
     * case of a pipe or terminal on stdin that lone_dir leaves) */
    return !p->done && !p->no_duplex &&
           (p->polls >= DUPLEX_AFTER ||
            p->d[0].bytes + p->d[1].bytes >= DUPLEX_AFTER_BYTES) &&
           !p->o.idle_ms && !p->o.progress && !p->o.dump &&
           p->o.quit_ms == HV_RELAY_NO_QUIT && way(p, 0) == HV__WAY_COPY &&
           (way(p, 1) == HV__WAY_SHUT ? !gone_waits(p)
                                      : way(p, 1) == HV__WAY_COPY) &&
           fast_paths();
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
 * reset meanwhile (what a sends may then be lost). */
static void duplex_wait(struct duplex *x)
{
    struct pair *p = x->p;
    struct pollfd pf[3];
    int watch = 1;

    while (!x->helper_out && !p->done && !hv_stopped()) {
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
        if (watch && pf[2].revents) {
            int e = hv__stream_pending_error(p->s[1]);
            if (e < 0)
                b_reset(p, e);
            if (e < 0 || (pf[2].revents & (POLLHUP | POLLNVAL)))
                watch = 0; /* seen; or gone without an error: the next
                            * send tells */
        }
    }
}

/* Run both ways in two threads until one way is left (or the pair ends,
 * or a stop); this thread's b -> a then waits for the helper. */
static void duplex_go(struct duplex *x, pthread_t t)
{
    struct pair *p = x->p;

    block_dir(p, 1);
    if (!p->done && !hv_stopped() && way(p, 1) == HV__WAY_SHUT) {
        if (!p->ru.off[1] &&
            (p->o.flags & (HV_RELAY_EOF_ENDS | HV_RELAY_NO_SHUTDOWN))) {
            gone_end(p); /* b's EOF ends this session */
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
    if (pipe2(x.wake, O_CLOEXEC) < 0)
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

/* Add events ev on descriptor fd to what pair p waits for. */
static void want_fd(const struct pair *p, unsigned *want, int *need, int fd,
                    unsigned ev)
{
    int j;
    for (j = 0; j < p->nw; j++) {
        if (p->w[j].fd == fd) {
            want[j] |= ev;
            need[j] = 1;
            return;
        }
    }
}

static void pair_events(struct pair *p, const struct hv__watch *w,
                        unsigned re)
{
    int i;

    if (re == 0 || p->dial)
        return; /* connecting: the visit asks the socket itself */
    for (i = 0; i < 2; i++) {
        struct hv_stream *st = p->s[i];
        if (st->rfd == w->fd && (re & (HV__IN | HV__ERR | HV__HUP)))
            st->rready = 1;
        if (st->wfd == w->fd && (re & (HV__OUT | HV__ERR | HV__HUP)))
            st->wready = st->wpolled = 1;
    }
    if (w->on && w->want == 0 && p->s[1]->wfd == w->fd) {
        int e = hv__stream_pending_error(p->s[1]);
        if (e < 0) {
            b_reset(p, e);
            p->watch_b = 1; /* seen: not watched again */
        } else if (re & HV__HUP) {
            /* gone without an error: the next send tells, or, where a
             * hang-up means the peer closed it all, the gone-peer rule */
            p->watch_b = 1;
            p->b_hup = p->s[1]->gone == HV__GONE_HUP;
        }
    }
}

/* Tell the poller what pair p waits on now (a change costs a call, an
 * unchanged wait none); 1 when it needs no wait to go on (something is
 * ready now), 0, or an HV_E* code. */
static int pair_interest(struct hv_relay *r, struct pair *p)
{
    unsigned want[4] = {0, 0, 0, 0};
    int need[4] = {0, 0, 0, 0};
    int i, j, e, busy = 0;

    for (i = 0; i < 2; i++) {
        struct hv_stream *src = p->s[i], *dst = p->s[!i];
        int want_read = !src_done(p, i) &&
                        (src->rx.buf == NULL || src->rx.count < src->rx.size);
        /* an EOF to pass on needs no I/O to wait for */
        if ((way(p, i) == HV__WAY_DRAIN || way(p, i) == HV__WAY_DRAIN_ERR) &&
            src->rx.count == 0)
            busy = 1;
        if (want_read) {
            if (src->rready)
                busy = 1;
            else
                want_fd(p, want, need, src->rfd, HV__IN);
        }
        if (src->rx.count) {
            if (dst->wready || way(p, i) == HV__WAY_DISCARD)
                busy = 1;
            else
                want_fd(p, want, need, dst->wfd, HV__OUT);
        }
    }
    /* b's side has nothing to read, but a reset of it must still be seen
     * while a still sends (the peer closed, or was killed) */
    if (src_done(p, 1) && way(p, 0) != HV__WAY_SHUT && p->s[1]->sock &&
        !p->watch_b)
        want_fd(p, want, need, p->s[1]->wfd, 0);
    for (j = 0; j < p->nw; j++) {
        struct hv__watch *w = &p->w[j];
        if (need[j] == w->on && (!need[j] || want[j] == w->want))
            continue;
        e = hv__poller_set(r->pl, w, need[j], want[j]);
        if (e < 0)
            return e;
        if (e > 0 && need[j]) {
            /* never waited on: ready now, as poll says of a file */
            pair_events(p, w, HV__IN | HV__OUT);
            busy = 1;
        }
    }
    return busy;
}

static int ms_until(uint64_t at, uint64_t now, int cur)
{
    uint64_t d;
    if (at == 0)
        return cur;
    d = at > now ? at - now : 0;
    if (d > 0x7FFFFFFF)
        d = 0x7FFFFFFF;
    return (cur < 0 || (int)d < cur) ? (int)d : cur;
}

/* A pair has ended: the descriptors it held are free, so the connects
 * that waited for some try again now. */
static void wake_starved(struct hv_relay *r)
{
    struct pair *p;
    if (r->starved == 0)
        return;
    for (p = r->pairs; p; p = p->next) {
        if (p->starved) {
            p->dial_at = 0;
            enqueue(r, p);
        }
    }
}

static void pair_take(struct hv_relay *r, struct pair *p,
                      struct hv_relay_event *ev)
{
    struct pair **pp;
    for (pp = &r->pairs; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    for (pp = &r->ready; p->queued && *pp; pp = &(*pp)->rnext) {
        if (*pp == p) {
            *pp = p->rnext;
            break;
        }
    }
    r->count--;
    p->res.err = p->ru.err;
    p->res.side = p->ru.side;
    p->res.a_closed = p->ru.a_closed;
    p->res.ab = p->d[0].bytes;
    p->res.ba = p->d[1].bytes;
    ev->kind = HV_RELAY_DONE;
    ev->tag = p->tag;
    ev->res = p->res;
    pair_free(r, p);
    wake_starved(r);
}

static uint64_t earlier(uint64_t t, uint64_t u)
{
    return t == 0 || (u != 0 && u < t) ? u : t;
}

/* When pair p must be visited without an event (0: never): its options'
 * clocks (-i, -q, progress), the gone-peer rule, the bounded drain of a
 * failed stdout, a connect's retry and deadline. */
static uint64_t pair_due(const struct pair *p)
{
    uint64_t t = 0;

    if (p->done)
        return 0;
    if (p->dial)
        return earlier(p->dial_at, p->dial_until);
    t = hv__rules_due(&p->ru);
    t = earlier(t, p->progress_at);
    t = earlier(t, gone_due(p));
    return t;
}

/* After a visit: pair p's place in the heap of timers. */
static void sync_timed(struct hv_relay *r, struct pair *p)
{
    uint64_t due = pair_due(p);
    if (due != p->due || (due != 0) != (p->hidx != 0))
        heap_set(r, p, due);
}

/* A connecting pair's visit: the next step of its connect, unless it waits
 * for a retry; once made, b is the connection and the pair relays. */
static void dial_work(struct hv_relay *r, struct pair *p, uint64_t now)
{
    struct hv_sock *sock = NULL;
    struct hv_stream *b;
    int k;

    if (p->dial_until && now >= p->dial_until) {
        pair_end(p, HV_ETIMEDOUT, HV_SIDE_B_CONNECT);
        return;
    }
    if (p->dial_at && now < p->dial_at)
        return;
    /* the step may close the socket, or open another */
    unwatch(r, p);
    p->nw = 0;
    p->dial_at = 0;
    if (p->starved) {
        p->starved = 0;
        r->starved--;
    }
    k = hv__dial_step(p->dial, &sock);
    if (k == HV__DIAL_WAIT) {
        memset(&p->w[0], 0, sizeof p->w[0]);
        p->w[0].fd = hv__dial_wait_fd(p->dial, &p->dial_in);
        p->w[0].owner = p;
        p->nw = 1;
        return;
    }
    if (k == HV__DIAL_RETRY) {
        p->dial_at = now + p->dial->retry_ms;
        if (p->dial->starved) {
            p->starved = 1;
            r->starved++;
        }
        return;
    }
    hv__dial_free(p->dial);
    free(p->dial);
    p->dial = NULL;
    if (k < 0) {
        pair_end(p, k, HV_SIDE_B_CONNECT);
        return;
    }
    if ((k = hv_stream_from_sock(sock, &b)) < 0) {
        pair_end(p, k, HV_SIDE_B_CONNECT);
        return;
    }
    pair_start(p, b);
    enqueue(r, p); /* a may have sent meanwhile */
}

/* What a connecting pair waits on: its socket writable, while a connect
 * is in progress; readable, while its backend's name is looked up or a
 * hybrid vsock answer is awaited. */
static int dial_interest(struct hv_relay *r, struct pair *p)
{
    struct hv__watch *w = &p->w[0];
    unsigned want = p->dial_in ? HV__IN : HV__OUT;
    int e;
    if (p->nw == 0 || (w->on && w->want == want))
        return 0;
    e = hv__poller_set(r->pl, w, 1, want);
    return e < 0 ? e : 0;
}

/* Visit the pairs whose timer is due and those on the ready list: 1 when
 * one of them ended (*ev says which; the rest wait for the next round). */
static int visit(struct hv_relay *r, uint64_t now, struct hv_relay_event *ev)
{
    struct pair *p, *todo;
    int k;

    while (r->hn && r->heap[0]->due <= now) {
        p = r->heap[0];
        heap_set(r, p, 0);
        enqueue(r, p);
    }
    todo = r->ready;
    r->ready = NULL;
    while ((p = todo) != NULL) {
        todo = p->rnext;
        p->queued = 0;
        if (p->dial)
            dial_work(r, p, now);
        else
            pair_work(p, now);
        sync_timed(r, p);
        k = 0;
        if (p->dial && !p->done)
            k = dial_interest(r, p);
        else if (!p->done)
            k = pair_interest(r, p);
        if (k > 0)
            enqueue(r, p);
        else if (k < 0)
            pair_end(p, k, HV_SIDE_NONE);
        if (p->done) {
            while (todo) {
                struct pair *q = todo;
                todo = q->rnext;
                q->queued = 0;
                enqueue(r, q);
            }
            pair_take(r, p, ev);
            return 1;
        }
    }
    return 0;
}

/* A lone pair (hv_relay_pair): blocking calls, no wait, while no timer
 * runs; one way left in this thread, both ways in two. Its descriptors
 * leave the poller meanwhile: a watched one costs a callback at every
 * wake-up (about 1 us a round trip under icount); the next visit
 * registers what it waits on again. 1 when it ran. */
static int lone(struct hv_relay *r)
{
    struct pair *p = r->pairs;
    int k;

    if ((k = lone_dir(p)) >= 0) {
        unwatch(r, p);
        lone_run(p, k);
        enqueue(r, p);
        return 1;
    }
    if (duplex_ok(p)) {
        unwatch(r, p);
        (void)duplex_run(p); /* tried once, run or not */
        enqueue(r, p);
        return 1;
    }
    return 0;
}

static int run(struct hv_relay *r, int listening, uint64_t until,
               struct hv_relay_event *ev)
{
    for (;;) {
        uint64_t now = hv_now_ms();
        int wait, k, j, accept, child;

        if (hv_stopped())
            return HV_ESTOPPED;
        if (visit(r, now, ev))
            return 0;
        if (r->count == 1 && !listening && until == 0 && !r->pairs->dial &&
            lone(r))
            continue;
        wait = r->ready ? 0 : -1;
        if (r->hn && wait)
            wait = ms_until(r->heap[0]->due, now, wait);
        if (until)
            wait = ms_until(until, now, wait);
        k = hv__poller_wait(r->pl, r->ev, HV__POLLER_MAX, wait);
        if (r->count == 1 && r->pairs->polls < DUPLEX_AFTER)
            r->pairs->polls++;
        if (k == HV__EAGAIN)
            continue;
        if (k < 0)
            return k;
        accept = child = 0;
        for (j = 0; j < k; j++) {
            struct hv__watch *w = r->ev[j].w;
            if (w == &r->lw) {
                accept = 1;
            } else if (w == &r->cw) {
                child = 1;
            } else if (w != &r->sw) { /* the stop: seen at the top */
                struct pair *p = w->owner;
                pair_events(p, w, r->ev[j].ev);
                enqueue(r, p);
            }
        }
        if (accept) {
            ev->kind = HV_RELAY_ACCEPT;
            return 0;
        }
        if (child) {
            hv__wake_drain(HV__WAKE_CHILD);
            ev->kind = HV_RELAY_CHILD;
            return 0;
        }
        if (until && hv_now_ms() >= until) {
            ev->kind = HV_RELAY_TIMEOUT;
            return 0;
        }
    }
}

int hv_relay_run(struct hv_relay *r, struct hv_sock *l, uint32_t timeout_ms,
                 struct hv_relay_event *ev)
{
    uint64_t until = timeout_ms == HV_RELAY_NO_QUIT ? 0
                                                    : hv_now_ms() + timeout_ms;
    int e;

    memset(ev, 0, sizeof *ev);
    /* news from signal handlers: a stop, a command's end (a wait that
     * checked the stop flag just before the signal wakes all the same) */
    if (!r->sw.on && hv__wake_fd(HV__WAKE_STOP) >= 0) {
        r->sw.fd = hv__wake_fd(HV__WAKE_STOP);
        if ((e = hv__poller_set(r->pl, &r->sw, 1, HV__IN)) < 0)
            return e;
    }
    if (!r->cw.on && hv__wake_fd(HV__WAKE_CHILD) >= 0) {
        r->cw.fd = hv__wake_fd(HV__WAKE_CHILD);
        if ((e = hv__poller_set(r->pl, &r->cw, 1, HV__IN)) < 0)
            return e;
    }
    /* the listener is watched for this call only: the caller may close
     * it, or pass another, before the next */
    if (l) {
        r->lw.fd = l->fd;
        if ((e = hv__poller_set(r->pl, &r->lw, 1, HV__IN)) < 0)
            return e;
    }
    e = run(r, l != NULL, until, ev);
    if (l)
        (void)hv__poller_set(r->pl, &r->lw, 0, 0);
    return e;
}

void hv_relay_free(struct hv_relay *r)
{
    struct pair *p, *next;
    if (r == NULL)
        return;
    for (p = r->pairs; p; p = next) {
        next = p->next;
        pair_free(r, p);
    }
    hv__poller_free(r->pl);
    free(r->heap);
    free(r);
}
