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
 * HV_ESTOPPED: the handler interrupts the wait. A lone pair
 * (hv_relay_pair) with no timer takes the fast paths instead
 * (relay_fast_posix.c): blocking calls, in two threads while both ways
 * are open. */
#include <stdlib.h>
#include <string.h>

#include "relay_posix.h"

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
        hv__timer_set(r, p, due);
}


/* Visit the pairs whose timer is due and those on the ready list: 1 when
 * one of them ended (*ev says which; the rest wait for the next round). */
static int visit(struct hv_relay *r, uint64_t now, struct hv_relay_event *ev)
{
    struct pair *p, *todo;
    int k;

    while (r->hn && r->heap[0]->due <= now) {
        p = r->heap[0];
        hv__timer_set(r, p, 0);
        enqueue(r, p);
    }
    todo = r->ready;
    r->ready = NULL;
    while ((p = todo) != NULL) {
        todo = p->rnext;
        p->queued = 0;
        if (p->dial)
            hv__pair_dial(r, p, now);
        else
            pair_work(p, now);
        sync_timed(r, p);
        k = 0;
        if (p->dial && !p->done)
            k = hv__pair_dial_interest(r, p);
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
            hv__pair_take(r, p, ev);
            return 1;
        }
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
            hv__relay_fast(r))
            continue;
        wait = r->ready ? 0 : -1;
        if (r->hn && wait)
            wait = ms_until(r->heap[0]->due, now, wait);
        if (until)
            wait = ms_until(until, now, wait);
        k = hv__poller_wait(r->pl, r->ev, HV__POLLER_MAX, wait);
        if (r->count == 1 && r->pairs->polls < HV__DUPLEX_AFTER)
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
int hv__timer_reserve(struct hv_relay *r)
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
void hv__timer_set(struct hv_relay *r, struct pair *p, uint64_t due)
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

/* ------------------------------------------------------------ the ends */

/* Reading direction i's source failed with e (relay_posix.h). */
int hv__dir_read_err(struct pair *p, int i, int e, size_t held)
{
    /* what came before a reset is good data: it goes out first, then
     * the error ends the pair */
    pair_lock(p);
    if (e == HV__EHANGUP)
        hv__rules_hangup(&p->ru, i, held != 0);
    else
        hv__rules_read_err(&p->ru, i, e, held != 0);
    ended(p);
    pair_unlock(p);
    return p->done;
}

/* Writing direction i failed (a reset, a full disk): the rule book says
 * whether its source is still read and dropped (stdout failed while the
 * connection sends) or not; what it holds is dropped either way. */
void hv__dir_fail(struct pair *p, int i, int e)
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

/* Direction i holds nothing: pass a finished source's EOF on, or end
 * after a broken source's data, as the rule book says. */
void hv__dir_empty(struct pair *p, int i, uint64_t now)
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
        hv__dir_fail(p, i, e);
        return;
    }
    pair_lock(p);
    hv__rules_shut_done(&p->ru, i, 0, now);
    pair_unlock(p);
}

/* ------------------------------------------------------------- the pairs */

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

size_t hv_relay_count(const struct hv_relay *r)
{
    return r->count;
}

size_t hv_relay_starved(const struct hv_relay *r)
{
    return r->starved;
}

/* Pair p's descriptors out of the poller (before they close, or while a
 * fast path waits in blocking calls instead). */
void hv__pair_unwatch(struct hv_relay *r, struct pair *p)
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

    hv__pair_unwatch(r, p);
    hv__timer_set(r, p, 0);
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

    if (hv__timer_reserve(r) < 0 || (p = calloc(1, sizeof *p)) == NULL)
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

void hv__pair_take(struct hv_relay *r, struct pair *p,
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

/* A connecting pair's visit: the next step of its connect, unless it waits
 * for a retry; once made, b is the connection and the pair relays. */
void hv__pair_dial(struct hv_relay *r, struct pair *p, uint64_t now)
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
    hv__pair_unwatch(r, p);
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
int hv__pair_dial_interest(struct hv_relay *r, struct pair *p)
{
    struct hv__watch *w = &p->w[0];
    unsigned want = p->dial_in ? HV__IN : HV__OUT;
    int e;
    if (p->nw == 0 || (w->on && w->want == want))
        return 0;
    e = hv__poller_set(r->pl, w, 1, want);
    return e < 0 ? e : 0;
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
