/* relay_win.c: the relay engine on Windows. WSAPoll cannot wait on pipes
 * or consoles, so each way of a pair runs in its own thread doing
 * blocking reads and writes (stream_win.c makes them overlapped where it
 * can, so a pair that ends can cancel them), and hv_relay_run is the
 * control loop: it sleeps on one event that the threads set when a way
 * changes state, the listener's event, the stop event (stop_win.c), the
 * event of a command's end (spawn_win.c) and the nearest deadline, and
 * collects the pairs that have ended. With none of these due it waits
 * without a timeout.
 *
 * The engine only moves bytes: every rule about how a pair goes on and
 * ends is the rule book's (rules.c), which the threads and the control
 * loop tell each event under the relay's lock and whose answer they do,
 * as relay_posix.c does. What the rule book knows of the ends comes from
 * the streams' properties (ends_of), never their kind. Two facts of the
 * transports stay here: a named pipe's EOF is its peer's complete close
 * (the gone-peer rule ends at once), and a socket's clean EOF that a
 * reset follows means what we send may be lost (hv__stream_watch_reset). */
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "rules.h"

#define BUF_MIN (16u * 1024u)   /* a direction's buffer when idle */
#define SHRINK_AFTER 16         /* small reads before it shrinks back */
#define THREAD_STACK (64u * 1024u)
#define JOIN_MS 200             /* before a stuck write is cancelled */
#define CANCEL_EVERY_MS 100     /* a cancel that found nothing, again */
#define LET_GO_MS 1000          /* before a stuck thread may be let go */
#define RETRY_FIRST_MS 50       /* a connect short of sockets or buffers */
#define RETRY_MAX_MS 1000       /* waits this long, doubling, at most */
#define PROGRESS_MAX 16         /* progress calls one round makes */

/* ---------------------------------------------------------------- pairs */

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
};

static void relay_release(struct hv_relay *r)
{
    if (InterlockedDecrement(&r->refs) != 0)
        return;
    DeleteCriticalSection(&r->lock);
    CloseHandle(r->wake);
    free(r);
}

static void stream_free(struct pair *p)
{
    if (p->own) {
        hv_stream_close(p->a);
        hv_stream_close(p->b);
    }
}

static void pair_release(struct pair *p)
{
    struct hv_relay *r = p->r;
    int i;
    if (InterlockedDecrement(&p->refs) != 0)
        return;
    stream_free(p);
    for (i = 0; i < 2; i++) {
        if (p->d[i].ev)
            CloseHandle(p->d[i].ev);
        free(p->d[i].buf);
    }
    if (p->cancel)
        CloseHandle(p->cancel);
    if (p->retry)
        CloseHandle(p->retry);
    free(p);
    relay_release(r);
}

/* What the rule book knows of a pair's ends, from its streams' properties
 * (b NULL: not connected yet). */
static unsigned ends_of(const struct hv_stream *a, const struct hv_stream *b)
{
    unsigned e = hv__relay_ends_a(a);
    if (a->gone == HV__GONE_EOF)
        e |= HV__ENDS_A_FULL;
    if (a->eof_closes)
        e |= HV__ENDS_A_CLOSES;
    if (b == NULL)
        return e;
    if (a->stdio && b->rst_unread)
        e |= HV__ENDS_B_DRAIN;
    if (b->eof_closes)
        e |= HV__ENDS_B_CLOSES;
    return e;
}

static void signal_state(struct pair *p)
{
    SetEvent(p->r->wake);
}

static int cancelled(struct pair *p)
{
    return WaitForSingleObject(p->cancel, 0) == WAIT_OBJECT_0;
}

/* Grow under load, shrink back when reads have come in small for a while
 * (not at the first: a fresh large buffer costs page faults and zeroing,
 * and bulk reads vary in size). The buffer is empty here: no copy. */
static void dir_resize(struct dir *d, size_t got)
{
    size_t want = d->size;
    char *nb;
    if (d->in_place)
        return; /* written from stdin's own slots: d->buf is not used */
    if (got == d->size && d->size < d->max)
        want = d->size * 2 > d->max ? d->max : d->size * 2;
    if (got < d->size / 4 && d->size > BUF_MIN) {
        if (++d->small >= SHRINK_AFTER)
            want = BUF_MIN;
    } else {
        d->small = 0;
    }
    if (want == d->size)
        return;
    d->small = 0;
    nb = malloc(want);
    if (nb == NULL)
        return; /* keep the buffer we have */
    free(d->buf);
    d->buf = nb;
    d->size = want;
}

/* ---------------------------------------------------------------- a way */

/* Way d holds nothing: pass its finished source's EOF on, as the rule
 * book says (caller holds the lock). The half-close is made under it, so
 * that no end is decided before its result is in; it never blocks (a
 * socket's shutdown, a pipe handle closed, stdout replaced by NUL while
 * nobody writes it: d's own thread is not writing). */
static void dir_empty(struct dir *d)
{
    struct pair *p = d->p;
    int e;

    if (d->held || p->ru.done ||
        hv__rules_empty(&p->ru, d->i, hv_now_ms()) != HV__DO_SHUTDOWN)
        return;
    e = hv__stream_half_close(d->dst);
    hv__rules_shut_done(&p->ru, d->i, e < 0 ? e : 0, hv_now_ms());
}

/* What a way's thread does next. */
#define NEXT_READ 0
#define NEXT_WRITE 1
#define NEXT_STOP 2
#define NEXT_EOF 3 /* stop after src's clean EOF */

/* One read of d's source; stdin's bytes are written from its reader's
 * slot, not copied. */
static int dir_read(struct dir *d, const char **data, size_t *got)
{
    *data = d->buf;
    if (d->in_place)
        return hv__stream_peek(d->src, data, d->max, got, d->p->cancel);
    return hv__stream_read(d->src, d->buf, d->size, got, d->p->cancel, d->ev);
}

/* The read gave e and got bytes: tell the rule book (caller holds the
 * lock). Nothing is held across a read: a read error ends the way at once.
 * A read that returns after its way stopped being read (-q, the pair's
 * end) is not taken: stdin keeps its bytes for a next session. */
static int dir_got(struct dir *d, int e, size_t got)
{
    struct hv__rules *ru = &d->p->ru;

    if (!hv__rules_reading(ru, d->i))
        return NEXT_STOP;
    if (e == HV__EHANGUP) {
        hv__rules_hangup(ru, d->i, 0);
        return NEXT_STOP;
    }
    if (e < 0) {
        hv__rules_read_err(ru, d->i, e, 0);
        return NEXT_STOP;
    }
    if (got == 0) {
        hv__rules_eof(ru, d->i);
        dir_empty(d);
        return NEXT_EOF;
    }
    hv__rules_moved(ru, d->i, hv_now_ms());
    if (ru->way[d->i] == HV__WAY_DISCARD) {
        hv__stream_consume(d->src, got);
        return NEXT_READ;
    }
    d->held = 1;
    return NEXT_WRITE;
}

/* Writing got bytes ended with e (0, HV__IO_GONE or an HV_E* code): tell
 * the rule book (caller holds the lock). After a failed write the way
 * reads on and drops only where the rule book says so (HV__WAY_DISCARD:
 * stdout failed, a command closed its input). */
static int dir_wrote(struct dir *d, int e, size_t got)
{
    struct hv__rules *ru = &d->p->ru;
    uint64_t now = hv_now_ms();

    d->held = 0;
    if (e == 0) {
        d->bytes += got;
        hv__rules_moved(ru, d->i, now);
    } else if (e == HV__IO_GONE) {
        hv__rules_write_gone(ru, d->i, now);
    } else {
        hv__rules_write_err(ru, d->i, e, now);
    }
    /* what failed stays with stdin for a next session, unless dropped */
    if (e == 0 || ru->way[d->i] == HV__WAY_DISCARD)
        hv__stream_consume(d->src, got);
    if (hv__rules_reading(ru, d->i))
        return NEXT_READ;
    dir_empty(d); /* -q ended the way while this was written */
    return NEXT_STOP;
}

/* After b's clean EOF while a still sends: a reset that follows it means
 * what a sent may be lost, which ends the pair with that error. */
static void dir_watch(struct dir *d)
{
    struct pair *p = d->p;

    if (d->src->reset_seen ||
        hv__stream_watch_reset(d->src, p->cancel, d->ev) != 1)
        return;
    EnterCriticalSection(&p->r->lock);
    hv__rules_b_reset(&p->ru, HV_ECONNRESET);
    LeaveCriticalSection(&p->r->lock);
    signal_state(p);
}

/* dir_main, and dir_main_dump for a pair with a dump (relay_dir_win.h) */
#define DIR_MAIN dir_main
#define DIR_DUMP 0
#include "relay_dir_win.h"
#undef DIR_MAIN
#undef DIR_DUMP
#define DIR_MAIN dir_main_dump
#define DIR_DUMP 1
#include "relay_dir_win.h"
#undef DIR_MAIN
#undef DIR_DUMP

/* ---------------------------------------------------------------- relay */

/* Each pair runs a thread per way (a third while --to dials), and a
 * thread holds a kernel stack, a TEB and the committed part of its user
 * stack (THREAD_STACK is only reserved) besides each way's buffer of up to
 * HV_RELAY_BUFSIZE: 2048 pairs are 4096 threads and up to 1 GiB of
 * buffers, which a 64-bit process with a few GiB to spare bears; the
 * number of threads is bounded by memory alone (CreateThread, Remarks;
 * Thread Stack Size). ncat, which waits with select, stops at 60 here. */
uint32_t hv_relay_pairs_max(void)
{
    return HV_RELAY_PAIRS_MAX_WIN;
}

int hv_relay_new(struct hv_relay **out)
{
    struct hv_relay *r = calloc(1, sizeof *r);
    if (r == NULL)
        return HV_ENOMEM;
    r->refs = 1;
    if (hv__stop_event() == NULL ||
        (r->wake = CreateEventW(NULL, FALSE, FALSE, NULL)) == NULL) {
        int e = hv__err_from_os((long)GetLastError());
        free(r);
        return e;
    }
    InitializeCriticalSection(&r->lock);
    *out = r;
    return 0;
}

size_t hv_relay_count(const struct hv_relay *r)
{
    return r->count;
}

static int dir_start(struct pair *p, int i)
{
    struct dir *d = &p->d[i];
    d->max = p->o.bufsize ? p->o.bufsize : HV_RELAY_BUFSIZE;
    if (d->max < 1024)
        d->max = 1024;
    d->size = d->max < BUF_MIN ? d->max : BUF_MIN;
    d->buf = malloc(d->size);
    if (d->buf == NULL)
        return HV_ENOMEM;
    d->ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (d->ev == NULL)
        return hv__err_from_os((long)GetLastError());
    InterlockedIncrement(&p->refs);
    d->thread = CreateThread(NULL, THREAD_STACK,
                             p->o.dump ? dir_main_dump : dir_main, d,
                             STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (d->thread == NULL) {
        InterlockedDecrement(&p->refs);
        return hv__err_from_os((long)GetLastError());
    }
    return 0;
}

/* A pair, its options and cancel event set up, not yet in the relay;
 * NULL and *err on failure (own streams closed). b may be NULL (to be
 * connected). */
static struct pair *pair_new(struct hv_relay *r, struct hv_stream *a,
                             struct hv_stream *b, const struct hv_relay_opts *o,
                             void *tag, int own, int *err)
{
    struct pair *p = calloc(1, sizeof *p);

    if (p == NULL) {
        if (own) {
            hv_stream_close(a);
            hv_stream_close(b);
        }
        *err = HV_ENOMEM;
        return NULL;
    }
    p->refs = 1;
    p->r = r;
    InterlockedIncrement(&r->refs); /* released with the pair */
    p->a = a;
    p->b = b;
    p->own = own;
    p->tag = tag;
    if (o)
        p->o = *o;
    else
        hv_relay_opts_init(&p->o);
    hv__rules_init(&p->ru, &p->o, ends_of(a, b), hv_now_ms());
    if (p->o.progress && p->o.progress_ms)
        p->next_progress = p->ru.last_io + p->o.progress_ms;
    if ((p->cancel = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL) {
        *err = hv__err_from_os((long)GetLastError());
        pair_release(p);
        return NULL;
    }
    return p;
}

static void pair_link(struct hv_relay *r, struct pair *p)
{
    EnterCriticalSection(&r->lock);
    p->next = r->pairs;
    r->pairs = p;
    r->count++;
    LeaveCriticalSection(&r->lock);
}

/* b is there: the rule book learns what it is, its clocks start, a way
 * that is never read passes its EOF on at once (receive-only half-closes
 * b), and the threads of the others start (caller holds r->lock). A
 * failure ends the pair at the next hv_relay_run, with its error. */
static void pair_begin(struct pair *p)
{
    int i, e = 0;

    p->ru.ends = ends_of(p->a, p->b);
    p->ru.last_io = hv_now_ms();
    if (p->o.flags & HV_RELAY_NO_SHUTDOWN)
        hv__stream_no_shutdown(p->b);
    for (i = 0; i < 2; i++) {
        p->d[i].p = p;
        p->d[i].i = i;
        p->d[i].src = i == 0 ? p->a : p->b;
        p->d[i].dst = i == 0 ? p->b : p->a;
        p->d[i].in_place = p->d[i].src->stdio;
    }
    for (i = 0; i < 2 && e == 0; i++) {
        if (hv__rules_reading(&p->ru, i))
            e = dir_start(p, i);
        else
            dir_empty(&p->d[i]);
    }
    if (e < 0)
        hv__rules_end(&p->ru, e, HV_SIDE_NONE);
    SetEvent(p->r->wake);
}

static int relay_add(struct hv_relay *r, struct hv_stream *a,
                     struct hv_stream *b, const struct hv_relay_opts *o,
                     void *tag, int own)
{
    struct pair *p;
    int e = 0;

    if ((p = pair_new(r, a, b, o, tag, own, &e)) == NULL)
        return e;
    pair_link(r, p);
    EnterCriticalSection(&r->lock);
    pair_begin(p);
    LeaveCriticalSection(&r->lock);
    return 0;
}

int hv_relay_add(struct hv_relay *r, struct hv_stream *a, struct hv_stream *b,
                 const struct hv_relay_opts *o, void *tag)
{
    return relay_add(r, a, b, o, tag, 1);
}

int hv__relay_add_borrowed(struct hv_relay *r, struct hv_stream *a,
                           struct hv_stream *b, const struct hv_relay_opts *o,
                           void *tag)
{
    return relay_add(r, a, b, o, tag, 0);
}

/* ---------------------------------------------------------------- connect */

/* Too few sockets or buffers for a new connection (WSAEMFILE, WSAENOBUFS
 * and memory): a shortage that another pair's end may lift, not an
 * answer of the peer. */
static int starving(int e)
{
    return e == HV_EMFILE || e == HV_ENOMEM;
}

/* The pair's own thread for hv_relay_add_connect: hv_sock_connect may
 * block for the whole timeout (a peer that never answers), which only
 * this pair waits for. Short of sockets it tries again after a back-off
 * (sooner when another pair ends), within co.timeout_ms. Once connected
 * the two directions start as for hv_relay_add; a pair ended meanwhile
 * (hv_relay_free, a stop) gets nothing: the new connection is reset. */
static DWORD WINAPI dial_main(LPVOID arg)
{
    struct pair *p = arg;
    struct hv_relay *r = p->r;
    struct hv_connect_opts co = p->co;
    uint64_t deadline = hv_now_ms() + p->co.timeout_ms;
    uint32_t backoff = RETRY_FIRST_MS;
    struct hv_sock *s = NULL;
    struct hv_stream *b = NULL;
    int e = 0;

    for (;;) {
        uint64_t t = hv_now_ms();
        HANDLE hs[2];
        DWORD w;

        if (p->co.timeout_ms)
            co.timeout_ms = t >= deadline ? 1 : (uint32_t)(deadline - t);
        if (cancelled(p))
            break;
        e = hv_sock_connect(&p->to, &co, &s);
        if (e == 0 || !starving(e) ||
            (p->co.timeout_ms && hv_now_ms() + backoff >= deadline))
            break;
        EnterCriticalSection(&r->lock);
        p->starved = 1;
        LeaveCriticalSection(&r->lock);
        hs[0] = p->cancel;
        hs[1] = p->retry;
        w = WaitForMultipleObjects(2, hs, FALSE, backoff);
        EnterCriticalSection(&r->lock);
        p->starved = 0;
        LeaveCriticalSection(&r->lock);
        if (w == WAIT_OBJECT_0)
            break;
        backoff = backoff * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : backoff * 2;
    }
    if (s && (e = hv_stream_from_sock(s, &b)) < 0)
        b = NULL; /* s is closed */
    EnterCriticalSection(&r->lock);
    if (cancelled(p)) {
        LeaveCriticalSection(&r->lock);
        if (b) {
            hv__stream_abort(b);
            hv_stream_close(b);
        }
        pair_release(p);
        return 0;
    }
    if (b) {
        p->b = b;
        p->connecting = 0;
        pair_begin(p); /* -i and -q count from here */
    } else {
        hv__rules_end(&p->ru, e < 0 ? e : HV_EINTERNAL, HV_SIDE_B_CONNECT);
    }
    LeaveCriticalSection(&r->lock);
    SetEvent(r->wake);
    pair_release(p);
    return 0;
}

int hv_relay_add_connect(struct hv_relay *r, struct hv_stream *a,
                         const struct hv_addr *to,
                         const struct hv_connect_opts *co,
                         const struct hv_relay_opts *o, void *tag)
{
    struct pair *p;
    int e = 0;

    if ((p = pair_new(r, a, NULL, o, tag, 1, &e)) == NULL)
        return e;
    p->to = *to;
    if (co)
        p->co = *co;
    p->connecting = 1;
    if ((p->retry = CreateEventW(NULL, FALSE, FALSE, NULL)) == NULL) {
        e = hv__err_from_os((long)GetLastError());
        pair_release(p);
        return e;
    }
    pair_link(r, p);
    /* the thread's reference; the stack as the process's default (name
     * resolution is no place for a small one) */
    InterlockedIncrement(&p->refs);
    EnterCriticalSection(&r->lock);
    p->dial = CreateThread(NULL, 0, dial_main, p, 0, NULL);
    if (p->dial == NULL) {
        InterlockedDecrement(&p->refs);
        hv__rules_end(&p->ru, hv__err_from_os((long)GetLastError()),
                      HV_SIDE_B_CONNECT);
        SetEvent(r->wake);
    }
    LeaveCriticalSection(&r->lock);
    return 0;
}

size_t hv_relay_starved(const struct hv_relay *r)
{
    struct hv_relay *w = (struct hv_relay *)r; /* the lock is not the data */
    const struct pair *p;
    size_t n = 0;

    EnterCriticalSection(&w->lock);
    for (p = w->pairs; p; p = p->next)
        n += p->starved != 0;
    LeaveCriticalSection(&w->lock);
    return n;
}

/* A pair ended and its sockets are free: the starved connects try again
 * now (caller holds r->lock). */
static void wake_starved(struct hv_relay *r)
{
    struct pair *p;
    for (p = r->pairs; p; p = p->next)
        if (p->starved)
            SetEvent(p->retry);
}

/* ---------------------------------------------------------------- the end */

/* Whether something read from a is still to be sent (stdin's queue
 * included): the gone-peer rule waits for it to be written, or to fail
 * (74); the write wakes the loop. */
static int a_held(struct pair *p)
{
    return p->d[0].held || hv__stream_held(p->a);
}

/* The gone-peer rule (o.gone_ms): b's EOF is passed on and a still sends
 * (caller holds the lock). Where b's EOF is its peer's complete close (a
 * named pipe) the pair ends at once; else (TCP, AF_HYPERV: a close and a
 * half-close look alike) when the rule book's time is due.
 *
 * a's reader may be blocked on stdin (a pipe, a console) meanwhile: the
 * pair ends as at -q or a console's EOF_ENDS, the reader thread staying
 * behind (stream_win.c), and what it reads later stays queued for a next
 * session. */
static void check_gone(struct pair *p, uint64_t t)
{
    if (!hv__rules_gone_applies(&p->ru))
        return;
    hv__rules_gone_start(&p->ru, t);
    if (a_held(p))
        return;
    if (p->b->gone == HV__GONE_EOF || t >= hv__rules_gone_due(&p->ru))
        hv__rules_end_late(&p->ru);
}

/* Has p ended at t (caller holds the lock)? The rule book's clocks, a way
 * whose source the clock ended while its thread held nothing (-q: its
 * EOF is passed on here), and the gone-peer rule. A pair still connecting
 * ends only by its connect. */
static int pair_ended(struct pair *p, uint64_t t)
{
    int i;
    if (p->connecting || p->ru.done)
        return p->ru.done;
    hv__rules_tick(&p->ru, t);
    for (i = 0; i < 2; i++)
        dir_empty(&p->d[i]);
    hv__rules_tick(&p->ru, t);
    if (!p->ru.done)
        check_gone(p, t);
    return p->ru.done;
}

static uint64_t earlier(uint64_t t, uint64_t u)
{
    return t == 0 || (u != 0 && u < t) ? u : t;
}

/* When p must be looked at without an event (0: never; caller holds the
 * lock): the rule book's clocks, progress, the gone-peer rule. */
static uint64_t pair_due(struct pair *p)
{
    uint64_t t = p->next_progress;
    if (p->connecting)
        return t;
    t = earlier(t, hv__rules_due(&p->ru));
    if (hv__rules_gone_applies(&p->ru) && !a_held(p))
        t = earlier(t, hv__rules_gone_due(&p->ru));
    return t;
}

/* Whether p's threads that still run may be let go (under the lock, which
 * marks them so): nothing they can still touch is freed when we return.
 * So where the pair owns its streams (the last reference, maybe a
 * thread's own, frees them), or where a thread is in a write to a stream
 * that outlives every pair (stdout): up to its next look at p->left, which
 * comes first after that write, it touches only that stream, its buffer
 * and the pair's events, all kept by its reference. */
static int let_go(struct pair *p, HANDLE th[2], struct dir *dv[2], DWORD n)
{
    DWORD i;
    int ok = 1;

    EnterCriticalSection(&p->r->lock);
    for (i = 0; i < n; i++)
        if (WaitForSingleObject(th[i], 0) == WAIT_TIMEOUT && !p->own &&
            !(dv[i]->held && dv[i]->dst->lasts))
            ok = 0;
    if (ok)
        p->left = 1;
    LeaveCriticalSection(&p->r->lock);
    return ok;
}

/* End p's threads, so that none touches what the caller frees next. The
 * cancel event ends their waits (overlapped I/O, stdin's queue); a
 * synchronous write (stdout) is cancelled with CancelSynchronousIo, again
 * every CANCEL_EVERY_MS: a cancel that comes before the thread enters its
 * call finds nothing ("If this function cannot find a request to cancel,
 * the return value is 0 (zero), and GetLastError returns
 * ERROR_NOT_FOUND", CancelSynchronousIo), and a call may ignore it
 * ("There is no guarantee that underlying drivers correctly support
 * cancellation", CancelSynchronousIo, Remarks; under Wine a write into a
 * full Unix fifo does). After LET_GO_MS a thread still running is let go
 * where let_go allows: it holds its own reference and returns when its
 * call does (or with the process). Else the cancels and the wait go on
 * without a bound: the thread waits on the cancel event, and what keeps
 * it is a cancelled overlapped request's completion, which the driver
 * gives once it has cancelled or finished it (CancelIoEx, Remarks: "other
 * operations can continue toward completion before they are actually
 * canceled"). */
static void pair_stop(struct pair *p)
{
    HANDLE th[2];
    struct dir *dv[2];
    DWORD n = 0, i, w;
    uint64_t since;

    /* under the lock: a dial thread starts the directions under it too,
     * so they are either seen here or never started */
    EnterCriticalSection(&p->r->lock);
    SetEvent(p->cancel);
    for (i = 0; i < 2; i++) {
        if (p->d[i].thread) {
            dv[n] = &p->d[i];
            th[n++] = p->d[i].thread;
        }
    }
    /* a connect in progress is not waited for: its thread holds its own
     * references and gives up what it gets (dial_main) */
    if (p->dial) {
        CloseHandle(p->dial);
        p->dial = NULL;
    }
    LeaveCriticalSection(&p->r->lock);
    since = hv_now_ms();
    w = n ? WaitForMultipleObjects(n, th, TRUE, JOIN_MS) : WAIT_OBJECT_0;
    while (w == WAIT_TIMEOUT) {
        for (i = 0; i < n; i++)
            if (WaitForSingleObject(th[i], 0) == WAIT_TIMEOUT)
                (void)CancelSynchronousIo(th[i]);
        w = WaitForMultipleObjects(n, th, TRUE, CANCEL_EVERY_MS);
        if (w == WAIT_TIMEOUT && hv_now_ms() - since >= LET_GO_MS &&
            let_go(p, th, dv, n))
            break;
    }
    for (i = 0; i < 2; i++) {
        if (p->d[i].thread)
            CloseHandle(p->d[i].thread);
        p->d[i].thread = NULL;
    }
}

/* The streams the rule book says are closed with a reset (resets: bit 0
 * a, bit 1 b), once no thread of p uses them. */
static void pair_resets(struct pair *p, unsigned resets)
{
    if (resets & 1u)
        hv__stream_abort(p->a);
    if (resets & 2u)
        hv__stream_abort(p->b);
}

static void unlink_pair(struct hv_relay *r, struct pair *p)
{
    struct pair **pp;
    for (pp = &r->pairs; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            r->count--;
            return;
        }
    }
}

/* A pair's progress, called from the control loop's thread with the lock
 * released. */
struct progress {
    struct pair *p;
    uint64_t ab, ba;
};

/* One look at every pair (caller holds the lock): the first that has
 * ended is unlinked and returned; the progress due is put in prog (*np of
 * them), and the nearest deadline of the rest in *due (0: none). */
static struct pair *scan(struct hv_relay *r, uint64_t t,
                         struct progress *prog, size_t *np, uint64_t *due)
{
    struct pair *p, *done = NULL;

    *np = 0;
    *due = 0;
    for (p = r->pairs; p; p = p->next) {
        if (done == NULL && pair_ended(p, t)) {
            done = p;
            continue;
        }
        if (p->next_progress && t >= p->next_progress &&
            *np < PROGRESS_MAX) {
            prog[*np].p = p;
            prog[*np].ab = p->d[0].bytes;
            prog[*np].ba = p->d[1].bytes;
            (*np)++;
            p->next_progress = t + p->o.progress_ms;
        }
        *due = earlier(*due, pair_due(p));
    }
    if (done)
        unlink_pair(r, done);
    return done;
}

/* p has ended: its threads stop, its result goes into *ev, and what the
 * rule book says is reset is reset. */
static void pair_finish(struct hv_relay *r, struct pair *p,
                        struct hv_relay_event *ev)
{
    pair_stop(p);
    EnterCriticalSection(&r->lock);
    ev->kind = HV_RELAY_DONE;
    ev->tag = p->tag;
    ev->res.ab = p->d[0].bytes;
    ev->res.ba = p->d[1].bytes;
    ev->res.err = p->ru.err;
    ev->res.side = p->ru.err ? p->ru.side : HV_SIDE_NONE;
    ev->res.a_closed = p->ru.a_closed;
    pair_resets(p, hv__rules_resets(&p->ru));
    wake_starved(r);
    LeaveCriticalSection(&r->lock);
    pair_release(p);
}

/* Wait until a way changes state, a stop, a client at l's event (lev), a
 * command's end (cev), or `due` (0: no deadline). */
static int wait_news(struct hv_relay *r, HANDLE lev, HANDLE cev, uint64_t due)
{
    HANDLE hs[4];
    DWORD nh = 0, ms = INFINITE;
    uint64_t t = hv_now_ms();

    if (due && due <= t)
        ms = 0;
    else if (due && due - t < INFINITE)
        ms = (DWORD)(due - t);
    else if (due)
        ms = INFINITE - 1;
    hs[nh++] = r->wake;
    hs[nh++] = hv__stop_event();
    if (lev)
        hs[nh++] = lev;
    if (cev)
        hs[nh++] = cev;
    if (WaitForMultipleObjects(nh, hs, FALSE, ms) == WAIT_FAILED)
        return hv__err_from_os((long)GetLastError());
    return 0;
}

int hv_relay_run(struct hv_relay *r, struct hv_sock *l, uint32_t timeout_ms,
                 struct hv_relay_event *ev)
{
    uint64_t until = timeout_ms == HV_RELAY_NO_QUIT ? 0
                                                    : hv_now_ms() + timeout_ms;
    HANDLE lev = NULL, cev = hv__child_event();
    int e;

    memset(ev, 0, sizeof *ev);
    if (l && (lev = hv__sock_accept_event(l, &e)) == NULL)
        return e;
    for (;;) {
        struct progress prog[PROGRESS_MAX];
        struct pair *done;
        size_t np, i;
        uint64_t t = hv_now_ms(), due;

        if (hv_stopped())
            return HV_ESTOPPED;
        EnterCriticalSection(&r->lock);
        done = scan(r, t, prog, &np, &due);
        LeaveCriticalSection(&r->lock);
        for (i = 0; i < np; i++)
            prog[i].p->o.progress(prog[i].p->o.progress_ctx, prog[i].ab,
                                  prog[i].ba);
        if (done) {
            pair_finish(r, done, ev);
            return 0;
        }
        if (l && hv__sock_accept_ready(l)) {
            ev->kind = HV_RELAY_ACCEPT;
            return 0;
        }
        /* a command ended, maybe while nobody was in here: the event
         * stayed set; reset before the caller looks, so an end after its
         * look sets it again */
        if (cev && WaitForSingleObject(cev, 0) == WAIT_OBJECT_0) {
            ResetEvent(cev);
            ev->kind = HV_RELAY_CHILD;
            return 0;
        }
        if (until && t >= until) {
            ev->kind = HV_RELAY_TIMEOUT;
            return 0;
        }
        if ((e = wait_news(r, lev, cev, earlier(due, until))) < 0)
            return e;
    }
}

void hv_relay_free(struct hv_relay *r)
{
    struct pair *p;
    unsigned resets;

    if (r == NULL)
        return;
    for (;;) {
        EnterCriticalSection(&r->lock);
        p = r->pairs;
        if (p)
            unlink_pair(r, p);
        /* a pair that had not reached its end (a stop) was cut short: the
         * rule book resets it, so that no peer takes a cut stream for a
         * complete one; decided before the threads are stopped */
        if (p && !p->connecting)
            hv__rules_tick(&p->ru, hv_now_ms());
        resets = p ? hv__rules_resets(&p->ru) : 0;
        LeaveCriticalSection(&r->lock);
        if (p == NULL)
            break;
        pair_stop(p);
        EnterCriticalSection(&r->lock);
        pair_resets(p, resets);
        /* a connect may outlast us (dial_main): a's peer is told now */
        if (p->connecting && p->own) {
            hv_stream_close(p->a);
            p->a = NULL;
        }
        LeaveCriticalSection(&r->lock);
        pair_release(p);
    }
    relay_release(r);
}
