/* relay_pair_win.c: the Windows relay's objects (relay_win.h): a relay
 * and its pairs made, counted and freed. */
#include <stdlib.h>

#include "relay_win.h"

void hv__relay_release(struct hv_relay *r)
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

void hv__pair_release(struct pair *p)
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
    hv__relay_release(r);
}

void hv__pair_wake(struct pair *p)
{
    SetEvent(p->r->wake);
}

int hv__pair_cancelled(struct pair *p)
{
    return WaitForSingleObject(p->cancel, 0) == WAIT_OBJECT_0;
}

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

/* A pair, its options and cancel event set up, not yet in the relay;
 * NULL and *err on failure (own streams closed). b may be NULL (to be
 * connected). */
struct pair *hv__pair_new(struct hv_relay *r, struct hv_stream *a,
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
    hv__rules_init(&p->ru, &p->o, hv__relay_ends(a, b), hv_now_ms());
    if (p->o.progress && p->o.progress_ms)
        p->next_progress = p->ru.last_io + p->o.progress_ms;
    if ((p->cancel = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL) {
        *err = hv__err_from_os((long)GetLastError());
        hv__pair_release(p);
        return NULL;
    }
    return p;
}

void hv__pair_link(struct hv_relay *r, struct pair *p)
{
    EnterCriticalSection(&r->lock);
    p->next = r->pairs;
    r->pairs = p;
    r->count++;
    LeaveCriticalSection(&r->lock);
}
