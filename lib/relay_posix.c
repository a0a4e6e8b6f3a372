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
 * are open. This file is the loop alone; the pairs' life, the timers and
 * the acts at a way's end are in the files relay_posix.h names. */
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

/* Whether the pair has reached its end by the rules of its options and
 * of time, and the gone-peer rule's, told whether what a gave is still to
 * be sent; b is asked about its peer when the rule book says so. */
static void check_end(struct pair *p, uint64_t now)
{
    int act, g;

    if (p->done)
        return;
    pair_lock(p);
    hv__rules_tick(&p->ru, now);
    act = hv__rules_gone_check(&p->ru, p->s[0]->rx.count != 0, now);
    ended(p);
    pair_unlock(p);
    if (act != HV__DO_ASK)
        return;
    g = hv__stream_peer_gone(p->s[1]);
    pair_lock(p);
    hv__rules_gone_answer(&p->ru, g);
    ended(p);
    pair_unlock(p);
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
    if (w->on && w->want == 0 && p->s[1]->wfd == w->fd)
        b_watched(p, (re & HV__HUP) != 0);
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
    if (b_watch_wanted(p))
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
    t = earlier(t, hv__rules_gone_due(&p->ru, p->s[0]->rx.count != 0));
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
        int wait, k, j, accept, child, gone;

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
        accept = child = gone = 0;
        for (j = 0; j < k; j++) {
            struct hv__watch *w = r->ev[j].w;
            if (w == &r->lw) {
                accept = 1;
            } else if (w == &r->ow) {
                gone = 1; /* a pipe's writer is told only an error */
            } else if (w == &r->cw) {
                child = 1;
            } else if (w != &r->sw) { /* the stop: seen at the top */
                struct pair *p = w->owner;
                pair_events(p, w, r->ev[j].ev);
                enqueue(r, p);
            }
        }
        /* before a client that came meanwhile: it would have nowhere to
         * send what it sends */
        if (gone) {
            ev->kind = HV_RELAY_STDOUT_GONE;
            return 0;
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
    /* stdout is looked at anew each call: a session may have let go of
     * it (the null device in its place) since the last */
    if (r->watch_out && hv__stdout_watchable()) {
        r->ow.fd = 1;
        if ((e = hv__poller_set(r->pl, &r->ow, 1, 0)) < 0) {
            if (l)
                (void)hv__poller_set(r->pl, &r->lw, 0, 0);
            return e;
        }
    }
    e = run(r, l != NULL, until, ev);
    if (l)
        (void)hv__poller_set(r->pl, &r->lw, 0, 0);
    (void)hv__poller_set(r->pl, &r->ow, 0, 0);
    return e;
}

void hv_relay_watch_stdout(struct hv_relay *r, int on)
{
    r->watch_out = on;
}
