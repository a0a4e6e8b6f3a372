/* relay_way_win.c: one way of a pair on Windows (src -> dst), in a thread
 * of its own doing blocking reads and writes (stream_win.c makes them
 * overlapped where it can, so a pair that ends can cancel them). The
 * thread tells the rule book each event under the relay's lock and does
 * what it answers; the thread's loop is relay_dir_win.h, included twice
 * (without and with a dump). */
#include <stdlib.h>

#include "relay_win.h"

#define BUF_MIN (16u * 1024u)   /* a direction's buffer when idle */
#define SHRINK_AFTER 16         /* small reads before it shrinks back */
#define THREAD_STACK (64u * 1024u)

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
void hv__way_empty(struct dir *d)
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
        hv__way_empty(d);
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
    hv__way_empty(d); /* -q ended the way while this was written */
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
    hv__pair_wake(p);
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

/* Way i's buffer, its event and its thread, which holds a reference to
 * p from here until it returns. */
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

/* b is there: the rule book learns what it is, its clocks start, a way
 * that is never read passes its EOF on at once (receive-only half-closes
 * b), and the threads of the others start (caller holds r->lock). A
 * failure ends the pair at the next hv_relay_run, with its error. */
void hv__pair_begin(struct pair *p)
{
    int i, e = 0;

    p->ru.ends = hv__relay_ends(p->a, p->b);
    p->ru.last_io = hv_now_ms();
    if (p->o.flags & HV_RELAY_NO_SHUTDOWN)
        hv__stream_no_shutdown(p->b);
    for (i = 0; i < 2; i++) {
        p->d[i].p = p;
        p->d[i].i = i;
        p->d[i].src = i == 0 ? p->a : p->b;
        p->d[i].dst = i == 0 ? p->b : p->a;
        p->d[i].in_place = p->d[i].src->peeks;
    }
    for (i = 0; i < 2 && e == 0; i++) {
        if (hv__rules_reading(&p->ru, i))
            e = dir_start(p, i);
        else
            hv__way_empty(&p->d[i]);
    }
    if (e < 0)
        hv__rules_end(&p->ru, e, HV_SIDE_NONE);
    SetEvent(p->r->wake);
}
