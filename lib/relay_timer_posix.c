/* relay_timer_posix.c: the POSIX relay's timers: the pairs with one (-i,
 * -q, progress, the gone-peer rule, a failed stdout's drain, a connect's
 * retry or deadline) in a binary heap by due time, so that a round of the
 * event loop finds the due ones at the top and idle pairs cost nothing. */
#include <stdlib.h>

#include "relay_posix.h"

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
