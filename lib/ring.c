/* ring.c: the growing byte ring of a relay direction (ring.h). */
#include <stdlib.h>
#include <string.h>

#include "ring.h"

size_t hv__ring_space(struct hv__ring *r, char **p, int *nomem)
{
    size_t end, n;

    if (r->buf == NULL) {
        size_t first = r->max < HV__RING_FIRST ? r->max : HV__RING_FIRST;
        r->buf = malloc(first);
        if (r->buf == NULL) {
            *nomem = 1;
            return 0;
        }
        r->size = first;
        r->start = r->count = 0;
    }
    if (r->count == r->size)
        return 0;
    end = (r->start + r->count) % r->size;
    n = end >= r->start ? r->size - end : r->start - end;
    *p = r->buf + end;
    return n;
}

size_t hv__ring_data(const struct hv__ring *r, char **p)
{
    size_t n;
    if (r->count == 0)
        return 0;
    n = r->size - r->start;
    if (n > r->count)
        n = r->count;
    *p = r->buf + r->start;
    return n;
}

void hv__ring_put(struct hv__ring *r, size_t n)
{
    r->count += n;
}

void hv__ring_take(struct hv__ring *r, size_t n)
{
    r->start = (r->start + n) % r->size;
    r->count -= n;
    if (r->count == 0)
        r->start = 0;
}

static void grow_to(struct hv__ring *r, size_t want)
{
    size_t old = r->size;
    char *b;

    /* an empty ring is not realloc'ed: realloc copies the whole old block
     * (from the heap to a fresh mapping, touching every page of both),
     * though it holds nothing; a new block is touched only where data
     * lands (one page for a one-byte request) */
    if (r->count == 0) {
        b = malloc(want);
        if (b == NULL)
            return;
        free(r->buf);
        r->buf = b;
        r->size = want;
        r->start = 0;
        return;
    }
    /* realloc, not malloc and copy: a large block is remapped in place
     * (mremap), so growing touches only the new pages, not a fresh copy
     * of the old ones (page faults and zeroing cost as much as the data
     * under some kernels) */
    b = realloc(r->buf, want);
    if (b == NULL)
        return;
    /* data that wrapped keeps its front part at the start; the part
     * from start to the old end moves to the new end */
    if (r->start + r->count > old) {
        size_t head = old - r->start;
        memmove(b + want - head, b + r->start, head);
        r->start = want - head;
    }
    r->buf = b;
    r->size = want;
}

void hv__ring_grow(struct hv__ring *r)
{
    size_t want = r->size * 2;

    if (r->buf == NULL || r->size >= r->max)
        return;
    grow_to(r, want > r->max ? r->max : want);
}

void hv__ring_grow_max(struct hv__ring *r)
{
    /* an unallocated ring (empty, size 0) is allocated as any empty one */
    if (r->size < r->max)
        grow_to(r, r->max);
}

void hv__ring_trim(struct hv__ring *r)
{
    if (r->count == 0)
        hv__ring_free(r);
}

void hv__ring_free(struct hv__ring *r)
{
    free(r->buf);
    r->buf = NULL;
    r->size = r->start = r->count = 0;
}
