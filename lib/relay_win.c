/* relay_win.c: the relay engine on Windows, and hv_stop(). WSAPoll cannot
 * wait on pipes or consoles, so each direction of a pair runs in its own
 * thread doing blocking reads and writes (stream_win.c makes them
 * overlapped where it can, so a pair that ends can cancel them), and
 * hv_relay_run is the control loop: it sleeps on one event that the
 * threads set when a direction changes state, the listener's event, the
 * stop event, the event of a command's end (spawn_win.c) and the nearest
 * deadline (idle, quit, progress, gone), and decides when a pair has
 * ended. With none of these due it waits without a timeout.
 *
 * Per direction: src's EOF, after everything before it was written, half-
 * closes dst (a named pipe has no half-close: nothing is done; stdout is
 * let go of only with HV_RELAY_CLOSE_A, since it serves the sessions to
 * come). a's EOF on a named pipe ends the pair, since nothing can be
 * written to it any more; b's is a complete close, which the gone-peer
 * rule (o.gone_ms) ends the pair at, as it ends it at a TCP or AF_HYPERV
 * peer's EOF once a -> b has idled. A write that fails is an error; the
 * reader of a's output going away (stdout | head) is a quiet end. The same
 * rules as relay_posix.c. */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#define BUF_MIN (16u * 1024u)   /* a direction's buffer when idle */
#define SHRINK_AFTER 16         /* small reads before it shrinks back */
#define THREAD_STACK (64u * 1024u)
#define JOIN_MS 200             /* before a stuck write is cancelled */
#define DETACH_MS 1000          /* before a stuck thread is left behind */
#define RETRY_FIRST_MS 50       /* a connect short of sockets or buffers */
#define RETRY_MAX_MS 1000       /* waits this long, doubling, at most */

/* ---------------------------------------------------------------- stop */

static INIT_ONCE stop_once = INIT_ONCE_STATIC_INIT;
static HANDLE stop_ev;
static volatile LONG stop_flag;

static BOOL CALLBACK stop_init(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once;
    (void)param;
    (void)ctx;
    stop_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    return TRUE;
}

HANDLE hv__stop_event(void)
{
    (void)InitOnceExecuteOnce(&stop_once, stop_init, NULL, NULL);
    return stop_ev;
}

void hv_stop(void)
{
    HANDLE ev;
    InterlockedExchange(&stop_flag, 1);
    if ((ev = hv__stop_event()) != NULL)
        SetEvent(ev);
}

int hv_stopped(void)
{
    return InterlockedCompareExchange(&stop_flag, 0, 0) != 0;
}

void hv_stop_defer(void)
{
    HANDLE ev;
    /* the flag first: a Ctrl+C from now on sets it and the event again */
    InterlockedExchange(&stop_flag, 0);
    if ((ev = hv__stop_event()) != NULL)
        ResetEvent(ev);
    if (hv_stopped() && ev != NULL)
        SetEvent(ev); /* one came meanwhile: keep it */
}

/* ---------------------------------------------------------------- pairs */

struct pair;

struct dir {
    struct pair *p;
    struct hv_stream *src, *dst;
    int ab;        /* 1: a -> b; 0: b -> a */
    HANDLE thread; /* NULL when not started */
    HANDLE ev;     /* for the streams' overlapped I/O */
    char *buf;
    size_t size, max;
    unsigned small; /* reads in a row that used under a quarter of buf */
    int discard;    /* stdout failed: what b still sends is dropped */
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
    int connecting; /* b is not there yet: nothing is read from a */
    int starved;    /* the connect waits for sockets or buffers */
    int ab_done, ba_done;
    int ab_by_eof;     /* ab_done came from a's EOF (quit_ms applies) */
    int a_gone;        /* a's EOF was its peer's close (a named pipe):
                        * nothing more can go into it */
    int ba_by_eof;     /* ba_done came from b's EOF, written out (the
                        * gone-peer rule applies) */
    int ab_held;       /* a -> b holds bytes read from a, not yet written */
    int a_closed;
    int err;
    enum hv_side side;
    int late_err;          /* stdout failed: the error to end with once */
    enum hv_side late_side; /* both ways are done */
    uint64_t ab, ba;
    uint64_t last_io, ab_done_at, next_progress;
    uint64_t ba_done_at, ab_moved_at; /* b's EOF out; a -> b last wrote */
};

/* The relay lives while hv_relay_free has not run or a pair still has a
 * reference: a thread left behind (a stuck write, a connect that takes
 * its time) may still take the lock and set wake after the free. */
struct hv_relay {
    LONG refs; /* the caller's, and one per pair */
    CRITICAL_SECTION lock;
    HANDLE wake; /* auto-reset: a direction changed state */
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

/* Record the first failure (caller holds the lock). */
static void pair_fail(struct pair *p, int err, enum hv_side side)
{
    if (p->err == 0 && !p->a_closed) {
        p->err = err;
        p->side = side;
    }
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
static int dir_resize(struct dir *d, size_t got)
{
    size_t want = d->size;
    char *nb;
    if (d->src->kind == HV__STREAM_STDIO)
        return 0; /* written from stdin's own slots: d->buf is not used */
    if (got == d->size && d->size < d->max)
        want = d->size * 2 > d->max ? d->max : d->size * 2;
    if (got < d->size / 4 && d->size > BUF_MIN) {
        if (++d->small >= SHRINK_AFTER)
            want = BUF_MIN;
    } else {
        d->small = 0;
    }
    if (want == d->size)
        return 0;
    d->small = 0;
    nb = malloc(want);
    if (nb == NULL)
        return 0; /* keep the buffer we have */
    free(d->buf);
    d->buf = nb;
    d->size = want;
    return 0;
}

/* The direction finished at src's EOF (caller holds the lock). */
static void dir_done(struct dir *d)
{
    struct pair *p = d->p;
    if (d->ab) {
        p->ab_done = 1;
        p->ab_by_eof = 1;
        p->ab_done_at = hv_now_ms();
        if (d->src->gone == HV__GONE_EOF)
            p->a_gone = 1;
    } else {
        p->ba_done = 1;
        p->ba_by_eof = 1;
        p->ba_done_at = hv_now_ms();
    }
}

static DWORD WINAPI dir_main(LPVOID arg)
{
    struct dir *d = arg;
    struct pair *p = d->p;
    struct hv_relay *r = p->r;
    enum hv_side rside = d->ab ? HV_SIDE_A_READ : HV_SIDE_B_READ;
    enum hv_side wside = d->ab ? HV_SIDE_B_WRITE : HV_SIDE_A_WRITE;
    uint64_t moved = 0;

    for (;;) {
        size_t got = 0;
        const char *data = d->buf;
        int e, wake = 0;

        if (cancelled(p))
            break;
        /* stdin's bytes are written from its reader's slot, not copied */
        if (d->src->kind == HV__STREAM_STDIO)
            e = hv__stream_peek(d->src, &data, d->max, &got, p->cancel);
        else
            e = hv__stream_read(d->src, d->buf, d->size, &got, p->cancel,
                                d->ev);
        if (e == HV_ESTOPPED)
            break;
        if (e < 0) {
            EnterCriticalSection(&r->lock);
            pair_fail(p, e, rside);
            LeaveCriticalSection(&r->lock);
            signal_state(p);
            break;
        }
        if (got == 0) {
            /* src's EOF, everything before it written: half-close dst;
             * stdout (wkeep) only when this is its last session */
            int half = !(d->ab && (p->o.flags & HV_RELAY_NO_SHUTDOWN)) &&
                       !(d->dst->wkeep && !(p->o.flags & HV_RELAY_CLOSE_A));
            if (half && (e = hv__stream_half_close(d->dst)) < 0 &&
                !(e == HV_ECONNRESET && moved == 0)) {
                /* a reset may have dropped what we sent: not a clean end;
                 * what the other way still brings is delivered first,
                 * then this error ends the pair (relay_posix.c alike) */
                EnterCriticalSection(&r->lock);
                if (p->late_err == 0) {
                    p->late_err = e;
                    p->late_side = wside;
                }
                dir_done(d);
                LeaveCriticalSection(&r->lock);
                signal_state(p);
                break;
            }
            EnterCriticalSection(&r->lock);
            dir_done(d);
            LeaveCriticalSection(&r->lock);
            signal_state(p);
            /* b's clean EOF while a still sends: a reset that follows it
             * means what a sends may be lost (issue 11, defect 0) */
            if (!d->ab && d->src->kind == HV__STREAM_SOCK &&
                !d->src->reset_seen &&
                hv__stream_watch_reset(d->src, p->cancel, d->ev) == 1) {
                EnterCriticalSection(&r->lock);
                if (!p->ab_done && p->ab > 0)
                    pair_fail(p, HV_ECONNRESET, HV_SIDE_B_WRITE);
                LeaveCriticalSection(&r->lock);
                signal_state(p);
            }
            break;
        }
        if (d->discard) {
            hv__stream_consume(d->src, got);
            continue;
        }
        if (d->ab && p->o.gone_ms != HV_RELAY_NO_QUIT) {
            /* the gone-peer rule waits while this is unsent */
            EnterCriticalSection(&r->lock);
            p->ab_held = 1;
            LeaveCriticalSection(&r->lock);
        }
        e = hv__stream_write(d->dst, data, got, p->cancel, d->ev);
        if (e == HV_ESTOPPED)
            break;
        if (e == HV__IO_GONE) {
            /* the reader of a's output went away: a quiet end (stdout); a
             * command that closed its input ends only this direction */
            EnterCriticalSection(&r->lock);
            if (d->dst->kind == HV__STREAM_STDIO) {
                if (p->err == 0)
                    p->a_closed = 1;
            } else {
                p->ba_done = 1;
            }
            LeaveCriticalSection(&r->lock);
            signal_state(p);
            break;
        }
        if (e < 0 && !d->ab && d->dst->kind == HV__STREAM_STDIO &&
            d->src->kind == HV__STREAM_SOCK) {
            /* stdout failed (a bad handle, a full disk): stdin still goes
             * out whole, and what the connection still sends is read to
             * its EOF and dropped, as NUL would take it; the error ends
             * the pair once both ways are done (relay_posix.c alike) */
            EnterCriticalSection(&r->lock);
            if (p->late_err == 0) {
                p->late_err = e;
                p->late_side = wside;
            }
            LeaveCriticalSection(&r->lock);
            d->discard = 1;
            hv__stream_consume(d->src, got);
            continue;
        }
        if (e < 0) {
            EnterCriticalSection(&r->lock);
            pair_fail(p, e, wside);
            LeaveCriticalSection(&r->lock);
            signal_state(p);
            break;
        }
        hv__stream_consume(d->src, got);
        moved += got;
        EnterCriticalSection(&r->lock);
        p->last_io = hv_now_ms();
        if (d->ab) {
            p->ab += got;
            p->ab_held = 0;
            p->ab_moved_at = p->last_io;
            /* after b's EOF the control loop times a -> b's idling */
            wake = p->ba_by_eof;
        } else {
            p->ba += got;
        }
        LeaveCriticalSection(&r->lock);
        if (wake)
            signal_state(p);
        dir_resize(d, got);
    }
    pair_release(p);
    return 0;
}

/* ---------------------------------------------------------------- relay */

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

static int dir_start(struct pair *p, int i, struct hv_stream *src,
                     struct hv_stream *dst)
{
    struct dir *d = &p->d[i];
    d->p = p;
    d->src = src;
    d->dst = dst;
    d->ab = i == 0;
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
    d->thread = CreateThread(NULL, THREAD_STACK, dir_main, d,
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
    p->last_io = hv_now_ms();
    if (p->o.progress && p->o.progress_ms)
        p->next_progress = p->last_io + p->o.progress_ms;
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

/* b is there: apply the options that act on it (half_close: b is not
 * half-closed yet for HV_RELAY_B_TO_A_ONLY) and start the threads (caller
 * holds r->lock). A failure ends the pair at the next hv_relay_run, with
 * its error. */
static void pair_begin(struct pair *p, int half_close)
{
    struct hv_relay *r = p->r;
    int e = 0;

    if (p->o.flags & HV_RELAY_NO_SHUTDOWN)
        hv__stream_no_shutdown(p->b);
    if (p->o.flags & HV_RELAY_B_TO_A_ONLY) {
        p->ab_done = 1; /* never read a; half-close b at once */
        if (half_close && !(p->o.flags & HV_RELAY_NO_SHUTDOWN) &&
            (e = hv__stream_half_close(p->b)) < 0 && e != HV_ECONNRESET) {
            pair_fail(p, e, HV_SIDE_B_WRITE);
            SetEvent(r->wake);
            return;
        }
        e = 0;
    }
    if (p->o.flags & HV_RELAY_A_TO_B_ONLY)
        p->ba_done = 1; /* never read b */
    if (!p->ab_done)
        e = dir_start(p, 0, p->a, p->b);
    if (e == 0 && !p->ba_done)
        e = dir_start(p, 1, p->b, p->a);
    if (e < 0) {
        pair_fail(p, e, HV_SIDE_NONE);
        SetEvent(r->wake);
    }
}

static int relay_add(struct hv_relay *r, struct hv_stream *a,
                     struct hv_stream *b, const struct hv_relay_opts *o,
                     void *tag, int own)
{
    struct pair *p;
    int e = 0;

    if ((p = pair_new(r, a, b, o, tag, own, &e)) == NULL)
        return e;
    if (p->o.flags & HV_RELAY_NO_SHUTDOWN)
        hv__stream_no_shutdown(b);
    /* a half-close that fails at once is this call's error */
    if ((p->o.flags & HV_RELAY_B_TO_A_ONLY) &&
        !(p->o.flags & HV_RELAY_NO_SHUTDOWN) &&
        (e = hv__stream_half_close(b)) < 0 && e != HV_ECONNRESET) {
        pair_release(p);
        return e;
    }
    pair_link(r, p);
    EnterCriticalSection(&r->lock);
    pair_begin(p, 0);
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
        p->last_io = hv_now_ms(); /* -i counts from here */
        pair_begin(p, 1);
    } else {
        pair_fail(p, e < 0 ? e : HV_EINTERNAL, HV_SIDE_B_CONNECT);
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
        pair_fail(p, hv__err_from_os((long)GetLastError()), HV_SIDE_B_CONNECT);
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

/* The gone-peer rule (o.gone_ms): b's EOF is written out and a still
 * sends. When the pair may end by it (caller holds the lock): at once
 * where b's EOF is its peer's complete close (a named pipe), else (TCP,
 * AF_HYPERV: a close and a half-close look alike) once a -> b has idled
 * gone_ms since then; never while something read from a is unsent (it is
 * written, or fails: 74), so a deadline waits for the write, which wakes
 * the loop. UINT64_MAX: not now. As relay_posix.c's check_gone.
 *
 * a's reader may be blocked on stdin (a pipe, a console) meanwhile: the
 * pair ends as at -q or a console's EOF_ENDS, the reader thread staying
 * behind (stream_win.c), and what it reads later stays queued for a next
 * session. Only bytes its blocking read returns in the instant the pair
 * ends are read and not sent: no read can be taken back. */
static uint64_t gone_at(const struct pair *p)
{
    uint64_t t;
    if (p->o.gone_ms == HV_RELAY_NO_QUIT || !p->ba_by_eof || p->ab_done ||
        p->ab_held || hv__stream_held(p->a))
        return UINT64_MAX;
    if (p->b->gone == HV__GONE_EOF)
        return p->ba_done_at;
    t = p->ab_moved_at > p->ba_done_at ? p->ab_moved_at : p->ba_done_at;
    return t + p->o.gone_ms;
}

/* Has p ended (caller holds the lock)? Sets p->err for a timeout. */
static int pair_ended(struct pair *p, uint64_t t)
{
    unsigned f = p->o.flags;
    int end;
    if (p->err || p->a_closed || p->a_gone)
        return 1;
    if (p->connecting)
        return 0; /* the connect's own bound holds meanwhile */
    end = (p->ab_done && p->ba_done) ||
          (p->ba_done && (f & (HV_RELAY_EOF_ENDS | HV_RELAY_NO_SHUTDOWN))) ||
          /* -q: a clean end */
          (p->ab_done && p->ab_by_eof && p->o.quit_ms != HV_RELAY_NO_QUIT &&
           t - p->ab_done_at >= p->o.quit_ms) ||
          /* the peer has gone, and a's side idles: a clean end */
          t >= gone_at(p);
    if (end) {
        /* an error that waited for both ways (a failed stdout or
         * half-close) is the result */
        if (p->late_err) {
            p->err = p->late_err;
            p->side = p->late_side;
        }
        return 1;
    }
    if (p->o.idle_ms && t - p->last_io >= p->o.idle_ms) {
        p->err = HV_EIDLE;
        p->side = HV_SIDE_NONE;
        return 1;
    }
    return 0;
}

/* Milliseconds until p's next deadline (caller holds the lock). */
static uint64_t pair_next(const struct pair *p, uint64_t t)
{
    uint64_t w = UINT64_MAX, at;
    if (p->connecting)
        return p->next_progress ? (p->next_progress > t ? p->next_progress - t
                                                        : 0)
                                : UINT64_MAX;
    if (p->ab_done && p->ab_by_eof && p->o.quit_ms != HV_RELAY_NO_QUIT) {
        at = p->ab_done_at + p->o.quit_ms;
        w = at > t ? at - t : 0;
    }
    if (p->o.idle_ms) {
        at = p->last_io + p->o.idle_ms;
        at = at > t ? at - t : 0;
        if (at < w)
            w = at;
    }
    if (p->next_progress) {
        at = p->next_progress > t ? p->next_progress - t : 0;
        if (at < w)
            w = at;
    }
    if ((at = gone_at(p)) != UINT64_MAX) {
        at = at > t ? at - t : 0;
        if (at < w)
            w = at;
    }
    return w;
}

/* End p's threads: cancel what they wait on; a write to stdout that does
 * not return is cancelled, and a thread that still does not end is left
 * behind (it holds its own reference and touches nothing else). */
static void pair_stop(struct pair *p)
{
    HANDLE th[2];
    DWORD n = 0, i;

    /* under the lock: a dial thread starts the directions under it too,
     * so they are either seen here or never started */
    EnterCriticalSection(&p->r->lock);
    SetEvent(p->cancel);
    for (i = 0; i < 2; i++)
        if (p->d[i].thread)
            th[n++] = p->d[i].thread;
    /* a connect in progress is not waited for: its thread holds its own
     * references and gives up what it gets (dial_main) */
    if (p->dial) {
        CloseHandle(p->dial);
        p->dial = NULL;
    }
    LeaveCriticalSection(&p->r->lock);
    if (n && WaitForMultipleObjects(n, th, TRUE, JOIN_MS) == WAIT_TIMEOUT) {
        for (i = 0; i < n; i++)
            if (WaitForSingleObject(th[i], 0) == WAIT_TIMEOUT)
                (void)CancelSynchronousIo(th[i]);
        (void)WaitForMultipleObjects(n, th, TRUE, DETACH_MS);
    }
    for (i = 0; i < 2; i++) {
        if (p->d[i].thread)
            CloseHandle(p->d[i].thread);
        p->d[i].thread = NULL;
    }
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

int hv_relay_run(struct hv_relay *r, struct hv_sock *l, uint32_t timeout_ms,
                 struct hv_relay_event *ev)
{
    uint64_t start = hv_now_ms();
    HANDLE lev = NULL, cev = hv__child_event();
    int e;

    memset(ev, 0, sizeof *ev);
    if (l && (lev = hv__sock_accept_event(l, &e)) == NULL)
        return e;
    for (;;) {
        struct pair *p, *done = NULL;
        struct { struct pair *p; uint64_t ab, ba; } prog[16];
        size_t np = 0, i;
        uint64_t t = hv_now_ms(), wait = UINT64_MAX;
        HANDLE hs[4];
        DWORD nh = 0, w;

        if (hv_stopped())
            return HV_ESTOPPED;
        EnterCriticalSection(&r->lock);
        for (p = r->pairs; p; p = p->next) {
            if (done == NULL && pair_ended(p, t)) {
                done = p;
                continue;
            }
            if (p->next_progress && t >= p->next_progress && np < 16) {
                prog[np].p = p;
                prog[np].ab = p->ab;
                prog[np].ba = p->ba;
                np++;
                p->next_progress = t + p->o.progress_ms;
            }
            if (pair_next(p, t) < wait)
                wait = pair_next(p, t);
        }
        if (done)
            unlink_pair(r, done);
        LeaveCriticalSection(&r->lock);

        /* progress from this thread, with the lock released */
        for (i = 0; i < np; i++)
            prog[i].p->o.progress(prog[i].p->o.progress_ctx, prog[i].ab,
                                  prog[i].ba);
        if (done) {
            pair_stop(done);
            ev->kind = HV_RELAY_DONE;
            ev->tag = done->tag;
            EnterCriticalSection(&r->lock);
            ev->res.ab = done->ab;
            ev->res.ba = done->ba;
            ev->res.err = done->err;
            ev->res.side = done->err ? done->side : HV_SIDE_NONE;
            ev->res.a_closed = done->a_closed;
            wake_starved(r);
            LeaveCriticalSection(&r->lock);
            /* a got nothing: a reset tells its peer so, not a clean end */
            if (ev->res.side == HV_SIDE_B_CONNECT)
                hv__stream_abort(done->a);
            pair_release(done);
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
        if (timeout_ms != HV_RELAY_NO_QUIT) {
            uint64_t left = t - start >= timeout_ms ? 0
                                                    : timeout_ms - (t - start);
            if (left == 0) {
                ev->kind = HV_RELAY_TIMEOUT;
                return 0;
            }
            if (left < wait)
                wait = left;
        }
        hs[nh++] = r->wake;
        hs[nh++] = hv__stop_event();
        if (lev)
            hs[nh++] = lev;
        if (cev)
            hs[nh++] = cev;
        w = WaitForMultipleObjects(nh, hs, FALSE,
                                   wait == UINT64_MAX ? INFINITE
                                   : wait >= INFINITE ? INFINITE - 1
                                                      : (DWORD)wait);
        if (w == WAIT_FAILED)
            return hv__err_from_os((long)GetLastError());
    }
}

void hv_relay_free(struct hv_relay *r)
{
    struct pair *p;
    int cut;
    if (r == NULL)
        return;
    for (;;) {
        EnterCriticalSection(&r->lock);
        p = r->pairs;
        if (p)
            unlink_pair(r, p);
        LeaveCriticalSection(&r->lock);
        if (p == NULL)
            break;
        /* a pair that had not reached its end (a stop) was cut short: a
         * reset, so that no peer takes a cut stream for a complete one;
         * decided before the threads are stopped, whose cancelled calls
         * may record errors of their own */
        EnterCriticalSection(&r->lock);
        cut = !pair_ended(p, hv_now_ms()) || p->connecting ||
              p->side == HV_SIDE_B_CONNECT;
        LeaveCriticalSection(&r->lock);
        pair_stop(p);
        EnterCriticalSection(&r->lock);
        if (cut) {
            hv__stream_abort(p->a);
            hv__stream_abort(p->b);
        }
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
