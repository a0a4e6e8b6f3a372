/* relay_win.c: the relay engine on Windows, its control loop and the
 * end of a pair. WSAPoll cannot wait on pipes or consoles, so each way of
 * a pair runs in its own thread (relay_way_win.c), and hv_relay_run
 * sleeps on one event that the threads set when a way changes state, the
 * listener's event, the stop event (stop_win.c), the event of a command's
 * end (spawn_win.c) and the nearest deadline, and collects the pairs that
 * have ended. With none of these due it waits without a timeout. A pair
 * that ends has its threads cancelled and waited for, or let go where
 * nothing they touch is freed (pair_stop).
 *
 * The engine only moves bytes: every rule about how a pair goes on and
 * ends is the rule book's (rules.c), which the threads and the control
 * loop tell each event under the relay's lock and whose answer they do,
 * as relay_posix.c does. What the rule book knows of the ends comes from
 * the streams' properties (hv__relay_ends, relay.c), never their kind. */
#include <string.h>

#include "relay_win.h"

#define JOIN_MS 200             /* before a stuck write is cancelled */
#define CANCEL_EVERY_MS 100     /* a cancel that found nothing, again */
#define LET_GO_MS 1000          /* before a stuck thread may be let go */
#define PROGRESS_MAX 16         /* progress calls one round makes */

static int relay_add(struct hv_relay *r, struct hv_stream *a,
                     struct hv_stream *b, const struct hv_relay_opts *o,
                     void *tag, int own)
{
    struct pair *p;
    int e = 0;

    if ((p = hv__pair_new(r, a, b, o, tag, own, &e)) == NULL)
        return e;
    hv__pair_link(r, p);
    EnterCriticalSection(&r->lock);
    hv__pair_begin(p);
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

/* ---------------------------------------------------------------- the end */

/* Whether something read from a is still to be sent (stdin's queue
 * included): the gone-peer rule waits for it to be written, or to fail
 * (74); the write wakes the loop. */
static int a_held(struct pair *p)
{
    return p->d[0].held || hv__stream_held(p->a);
}

/* The gone-peer rule (rules.c), told what a holds (caller holds the
 * lock). No Windows stream is asked (HV__ENDS_B_ASK): a named pipe's
 * close is its EOF, a socket's cannot be told from a half-close. a's
 * reader may be blocked on stdin (a pipe, a console) meanwhile: the pair
 * ends as at -q or a console's EOF_ENDS, the reader thread staying behind
 * (stream_win.c), and what it reads later stays queued for a next
 * session. */
static void check_gone(struct pair *p, uint64_t t)
{
    if (hv__rules_gone_applies(&p->ru))
        (void)hv__rules_gone_check(&p->ru, a_held(p), t);
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
        hv__way_empty(&p->d[i]);
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
    if (hv__rules_gone_applies(&p->ru))
        t = earlier(t, hv__rules_gone_due(&p->ru, a_held(p)));
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
    hv__relay_wake_starved(r);
    LeaveCriticalSection(&r->lock);
    hv__pair_release(p);
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

/* Whether stdout's reader has gone is something to ask, never an event:
 * a pipe's functions signal only I/O (ReadFile, WriteFile and
 * ConnectNamedPipe complete; "Synchronous and Overlapped Input and Output"
 * and "Named Pipe Operations" name no other), and the one I/O that would
 * tell without data, a write of zero bytes, reaches the reader: "If the
 * lpNumberOfBytesRead parameter is zero when ReadFile returns TRUE on a
 * pipe, the other end of the pipe called the WriteFile function with
 * nNumberOfBytesToWrite set to zero" (ReadFile, Remarks), which readers
 * take for the end of the data. So a pipe whose state can be asked is
 * asked at every wake and at least this often; a console, a file or NUL
 * has no reader to leave, and a pipe that cannot be asked shows its
 * reader's leaving only at a write: those are not watched, and the wait
 * sleeps until something else comes. */
#define STDOUT_CHECK_MS 1000u

/* hv_relay_watch_stdout's look: 1 when stdout's reader has gone; else 0,
 * with *due brought forward to the next look where there is one. */
static int stdout_gone(uint64_t t, uint64_t *due)
{
    int g = hv__stdout_reader_gone();
    if (g == 0)
        *due = earlier(*due, t + STDOUT_CHECK_MS);
    return g == 1;
}

void hv_relay_watch_stdout(struct hv_relay *r, int on)
{
    r->watch_out = on;
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
        /* before a client that came meanwhile: it would have nowhere to
         * send what it sends */
        if (r->watch_out && stdout_gone(t, &due)) {
            ev->kind = HV_RELAY_STDOUT_GONE;
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
        hv__pair_release(p);
    }
    hv__relay_release(r);
}
