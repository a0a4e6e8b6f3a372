/* relay_posix.h: internal to the POSIX relay engine's files. A relay is
 * a set of pairs of streams; the event loop (relay_posix.c) visits them,
 * the fast paths (relay_fast_posix.c) move a lone pair with blocking
 * calls, and the rest do one thing each for both: a pair's life from its
 * start to its end and its connect (relay_pair_posix.c), the heap of
 * timers (relay_timer_posix.c), and what the engine does when the rule
 * book ends a way (relay_ends_posix.c). Both kinds of run tell the same
 * rule book (rules.h) every event, through the small helpers below, under
 * the pair's lock while two threads run it. Files call only downwards,
 * never back: the loop calls the fast paths, both call the pairs' and the
 * ends' files, and the loop and the pairs' file call the timers'. */
#ifndef HV_RELAY_POSIX_H
#define HV_RELAY_POSIX_H

#include <pthread.h>

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
    _Atomic int done;
    _Atomic int halt; /* blocking calls give up: done, or the two-way
                       * fast path hands the pair back to the loop */
    /* the two-way fast path: a thread runs a -> b meanwhile, and the
     * pair's state changes under mu */
    int mt;
    int no_duplex; /* tried once already */
    unsigned polls; /* wait rounds so far (up to HV__DUPLEX_AFTER) */
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
    int starved; /* on the relay's list of starved connects (snext) */
    /* its nearest timer (-i, -q, progress, gone, discard, connect), and
     * 1 + its place in the relay's heap of timers (0: none) */
    uint64_t due;
    size_t hidx;
    int queued; /* on the ready list */
    /* the relay's pairs (next, prev), its ready list (rnext), its
     * starved connects (snext, sprev): each left in one step */
    struct pair *next, *prev, *rnext, *snext, *sprev;
};

struct hv_relay {
    struct pair *pairs;
    size_t count;
    struct pair *ready; /* to visit: new, woken, or with work in hand */
    /* the pairs with a timer, a binary heap by due time: a round visits
     * only those whose time has come, beside the ones with events */
    struct pair **heap;
    size_t hn, hcap;
    size_t starved; /* connecting pairs short of descriptors, */
    struct pair *shead, *stail; /* ... oldest first */
    struct hv__poller *pl;
    struct hv__watch lw; /* the listener, during hv_relay_run */
    struct hv__watch sw; /* the stop's pipe (wake_posix.c) */
    struct hv__watch cw; /* the commands' ends (SIGCHLD), once any ran */
    /* stdout's pipe, while the caller waits for a client to serve on
     * stdio (hv_relay_watch_stdout): its reader leaving is an event */
    int watch_out;
    struct hv__watch ow;
    struct hv__pevent ev[HV__POLLER_MAX];
};

/* Poll rounds, or bytes, a lone pair moves before it takes two threads:
 * a session that ends within a few (a one-shot request) does not pay for
 * starting a thread; one that goes on (a dialogue, bulk both ways) soon
 * saves more than that. The loop counts the rounds. */
#define HV__DUPLEX_AFTER 8
#define HV__DUPLEX_AFTER_BYTES (256u * 1024u)

/* Put p on r's ready list: visited in the next round. */
static inline void enqueue(struct hv_relay *r, struct pair *p)
{
    if (p->queued)
        return;
    p->queued = 1;
    p->rnext = r->ready;
    r->ready = p;
}

/* The source of direction i is done: at its EOF, or never read. */
static inline int src_done(const struct pair *p, int i)
{
    return hv__rules_src_done(&p->ru, i);
}

/* Way i's state in the rule book. */
static inline enum hv__way way(const struct pair *p, int i)
{
    return p->ru.way[i];
}

static inline void pair_lock(struct pair *p)
{
    if (p->mt)
        pthread_mutex_lock(&p->mu);
}

static inline void pair_unlock(struct pair *p)
{
    if (p->mt)
        pthread_mutex_unlock(&p->mu);
}

/* The rule book said the end (caller holds the lock): the blocking calls
 * give up. */
static inline void ended(struct pair *p)
{
    if (p->ru.done && !p->done) {
        p->done = 1; /* the byte counts are taken in hv__pair_take */
        p->halt = 1;
    }
}

static inline void pair_end(struct pair *p, int err, enum hv_side side)
{
    pair_lock(p);
    hv__rules_end(&p->ru, err, side);
    ended(p);
    pair_unlock(p);
}

/* b failed (a reset) after its EOF while a still sends: the rule book
 * decides whether that ends the pair (hv__rules_b_reset). */
static inline void b_reset(struct pair *p, int e)
{
    pair_lock(p);
    hv__rules_b_reset(&p->ru, e);
    ended(p);
    pair_unlock(p);
}

/* Whether b is watched for a reset while it is neither read nor written:
 * its source is done, a still sends, b has resets (rst_unread: one shows
 * to the poller), and the watch has not seen one already (watch_b). */
static inline int b_watch_wanted(const struct pair *p)
{
    return src_done(p, 1) && way(p, 0) != HV__WAY_SHUT &&
           p->s[1]->rst_unread && !p->watch_b;
}

/* b's watch reported an error or a hang-up (hup): a pending reset goes to
 * the rule book; either ends the watch (gone without an error: the next
 * send tells, or, where a hang-up means the peer closed it all, the
 * gone-peer rule). */
static inline void b_watched(struct pair *p, int hup)
{
    int e = hv__stream_pending_error(p->s[1]);
    if (e < 0) {
        b_reset(p, e);
        p->watch_b = 1;
    } else if (hup) {
        p->watch_b = 1;
        pair_lock(p);
        hv__rules_b_hup(&p->ru); /* it counts where b's ends say so */
        pair_unlock(p);
    }
}

static inline enum hv_side side_of(int stream, int write)
{
    if (stream == 0)
        return write ? HV_SIDE_A_WRITE : HV_SIDE_A_READ;
    return write ? HV_SIDE_B_WRITE : HV_SIDE_B_READ;
}

/* Bytes of direction i moved at now (the clocks of -i and the gone-peer
 * rule; not kept while the two-way fast path's thread runs). */
static inline void dir_moved(struct pair *p, int i, uint64_t now)
{
    if (!p->mt)
        hv__rules_moved(&p->ru, i, now);
}

/* Whether the rule may have to act while a's source waits: then a -> b
 * stays in the event loop (a regular file never waits for more). */
static inline int gone_waits(const struct pair *p)
{
    return p->o.gone_ms != HV_RELAY_NO_QUIT && !p->ru.off[1] &&
           !p->s[0]->rsure;
}

/* relay_fast_posix.c: the fast paths of a lone pair (hv_relay_pair) with
 * no timer: 1 when one ran (to the pair's end, a stop, or until the event
 * loop must take over again; the pair is on the ready list), 0 when none
 * serves it now. */
int hv__relay_fast(struct hv_relay *r);

/* relay_pair_posix.c: a pair's life. */
/* Pair p's descriptors out of the poller (before they close, or while a
 * fast path waits in blocking calls instead). */
void hv__pair_unwatch(struct hv_relay *r, struct pair *p);
/* Pair p has ended: out of r, its result in ev, freed. */
void hv__pair_take(struct hv_relay *r, struct pair *p,
                   struct hv_relay_event *ev);
/* A connecting pair's visit at now: the next step of its connect; and
 * what it waits on after it (0 or an HV_E* code). */
void hv__pair_dial(struct hv_relay *r, struct pair *p, uint64_t now);
int hv__pair_dial_interest(struct hv_relay *r, struct pair *p);

/* relay_timer_posix.c: the heap of pairs with a timer. Room for one pair
 * more (taken when a pair is added, so that setting a timer never fails):
 * 0 or HV_ENOMEM. Pair p's timer is now due (0: it has none). */
int hv__timer_reserve(struct hv_relay *r);
void hv__timer_set(struct hv_relay *r, struct pair *p, uint64_t due);

/* relay_ends_posix.c: what the engine does at the rule book's ends.
 * Direction i's source reached its EOF: the rule book learns it. */
void hv__dir_eof(struct pair *p, int i);
/* Writing direction i failed with e: what it holds is dropped. */
void hv__dir_fail(struct pair *p, int i, int e);
/* Direction i holds nothing: a finished source's EOF passed on, or the
 * end after a broken source's data, as the rule book says. */
void hv__dir_empty(struct pair *p, int i, uint64_t now);
/* Reading direction i's source gave e, the escape that ends the session
 * (HV__EHANGUP) or an error, while `held` bytes it gave are still to be
 * written: the rule book learns it. 1 when the pair has ended by it (the
 * copy loop stops), else 0. */
int hv__dir_read_err(struct pair *p, int i, int e, size_t held);
/* Writing direction i found no reader any more (EPIPE): the rule book
 * learns it; 1 when the copy loop stops, else 0 with what the way held
 * dropped (it has nowhere to go). */
int hv__dir_write_gone(struct pair *p, int i, uint64_t now);

#endif
