/* ring.h: internal to libhvsock. The byte ring of one relay direction:
 * what was read from a stream and not yet written to the other. It starts
 * unallocated, is allocated small on first use and grows (up to max) only
 * while reads fill it, so an idle connection pins next to nothing. */
#ifndef HV_RING_H
#define HV_RING_H

#include <stddef.h>

struct hv__ring {
    char *buf;
    size_t size, start, count;
    size_t max; /* the size it may grow to; 0 until first use */
};

#define HV__RING_FIRST (16u * 1024u)

/* Contiguous free space after the data (allocating the buffer on first
 * use): its length, and *p. 0 when full, or when allocation failed
 * (*nomem then set to 1). */
size_t hv__ring_space(struct hv__ring *r, char **p, int *nomem);
/* Contiguous data at the front: its length, and *p. */
size_t hv__ring_data(const struct hv__ring *r, char **p);
/* n bytes were written into the space / taken from the data. */
void hv__ring_put(struct hv__ring *r, size_t n);
void hv__ring_take(struct hv__ring *r, size_t n);
/* A read filled all the space offered: double the buffer (up to max) so
 * the next read can take more. Keeps the data; no-op at max or on ENOMEM. */
void hv__ring_grow(struct hv__ring *r);
/* Grow (or allocate) the buffer to max at once: for a stream that will
 * carry bulk data (the engine's one-way fast path). Keeps the data; no-op
 * on ENOMEM. */
void hv__ring_grow_max(struct hv__ring *r);
/* Free the buffer when the ring is empty (an idle or finished side). */
void hv__ring_trim(struct hv__ring *r);
void hv__ring_free(struct hv__ring *r);

#endif
