/* relay_win.h: what the files of the Windows relay engine share (and only
 * they): a pair, its two ways and the relay, and the calls between the
 * files. relay_win.c is the control loop and a pair's end,
 * relay_pair_win.c makes and frees relays and pairs, relay_way_win.c runs
 * a way's thread, relay_dial_win.c connects a pair's b (--to). Calls go
 * from the loop down to the others and from the way and dial files to the
 * pair file, never back.
 *
 * A pair and its relay are counted references (InterlockedDecrement, the
 * last one frees): the relay's, and one per running thread. What a
 * thread touches is the pair's (its events, its buffers, its streams
 * when it owns them), or a stream that outlives every pair (stdio,
 * lasts); anything else of the caller's it touches only under the
 * relay's lock while the pair is not let go (left, pair_stop). */
#ifndef HV_RELAY_WIN_H
#define HV_RELAY_WIN_H

#include "platform_win.h"
#include "rules.h"

struct pair;

/* One way of a pair: src -> dst (i = 0: a -> b); its state is the rule
 * book's (ru.way[i]). */
struct dir {
    struct pair *p;
    int i;
    struct hv_stream *src, *dst;
    HANDLE thread; /* NULL when not started */
    HANDLE ev;     /* for the streams' overlapped I/O */
    unsigned char in_place; /* src is read in place (hv__stream_peek) */
    char *buf;
    size_t size, max;
    unsigned small; /* reads in a row that used under a quarter of buf */
    /* under r->lock */
    int held;       /* read from src, not yet written or dropped */
    uint64_t bytes; /* written to dst */
};

struct pair {
    LONG refs; /* the relay, and each running thread */
    struct hv_relay *r;
    struct hv_stream *a, *b;
    int own;
    struct hv_relay_opts o;
    void *tag;
    HANDLE cancel; /* set when the pair ends: every wait of its threads */
    struct dir d[2]; /* [0] a -> b, [1] b -> a */
    struct pair *next;
    /* hv_relay_add_connect: b is being connected by the dial thread */
    struct hv_addr to;
    struct hv_connect_opts co;
    HANDLE dial;  /* the dial thread, never waited for (see pair_stop) */
    HANDLE retry; /* auto-reset: another pair ended, a starved connect
                   * tries again at once */
    /* under r->lock */
    struct hv__rules ru; /* the rules of its life and end (rules.c) */
    int connecting; /* b is not there yet: nothing is read from a */
    int left;       /* its end is past: a thread still running touches
                     * nothing but what its reference keeps (pair_stop) */
    int starved;    /* the connect waits for sockets or buffers */
    uint64_t next_progress;
};

/* The relay lives while hv_relay_free has not run or a pair still has a
 * reference: a thread left behind (a stuck write, a connect that takes
 * its time) may still take the lock and set wake after the free. */
struct hv_relay {
    LONG refs; /* the caller's, and one per pair */
    CRITICAL_SECTION lock;
    HANDLE wake; /* auto-reset: a way changed state */
    struct pair *pairs;
    size_t count;
    int watch_out; /* hv_relay_watch_stdout: the caller's thread only */
};

/* relay_pair_win.c */
void hv__relay_release(struct hv_relay *r);
/* Drop one reference to p; the last closes what it owns and frees it. */
void hv__pair_release(struct pair *p);
/* A way changed state: the control loop looks. */
void hv__pair_wake(struct pair *p);
/* Whether p has ended (its cancel event is set). */
int hv__pair_cancelled(struct pair *p);
/* A pair, its options and cancel event set up, not yet in the relay;
 * NULL and *err on failure (own streams closed). b may be NULL (to be
 * connected). */
struct pair *hv__pair_new(struct hv_relay *r, struct hv_stream *a,
                          struct hv_stream *b, const struct hv_relay_opts *o,
                          void *tag, int own, int *err);
void hv__pair_link(struct hv_relay *r, struct pair *p);

/* relay_way_win.c */
/* b is there: the ways' threads start (caller holds r->lock). */
void hv__pair_begin(struct pair *p);
/* Way d holds nothing: pass its finished source's EOF on, as the rule
 * book says (caller holds the lock). */
void hv__way_empty(struct dir *d);

/* relay_dial_win.c */
/* A pair ended and its sockets are free: the starved connects try again
 * now (caller holds r->lock). */
void hv__relay_wake_starved(struct hv_relay *r);

#endif
