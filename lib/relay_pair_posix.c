/* relay_pair_posix.c: the life of a pair of the POSIX relay engine: the
 * relay that holds the pairs, a pair's start (its rules, its clocks, its
 * watches), its connect when the relay makes b itself
 * (hv_relay_add_connect: the steps of sock_posix.c's dial, waited for in
 * the event loop like any descriptor), and its end (its result taken, its
 * streams closed or reset as the rule book says, and the connects that
 * waited for descriptors woken). */
#include <stdlib.h>
#include <string.h>

#include "relay_posix.h"

uint32_t hv_relay_pairs_max(void)
{
    return 100000u;
}

int hv_relay_new(struct hv_relay **out)
{
    struct hv_relay *r = calloc(1, sizeof *r);
    int e;
    if (r == NULL)
        return HV_ENOMEM;
    if ((e = hv__poller_new(&r->pl)) < 0) {
        free(r);
        return e;
    }
    *out = r;
    return 0;
}

size_t hv_relay_count(const struct hv_relay *r)
{
    return r->count;
}

size_t hv_relay_starved(const struct hv_relay *r)
{
    return r->starved;
}

/* Pair p's descriptors out of the poller (before they close, or while a
 * fast path waits in blocking calls instead). */
void hv__pair_unwatch(struct hv_relay *r, struct pair *p)
{
    int i;
    for (i = 0; i < p->nw; i++)
        (void)hv__poller_set(r->pl, &p->w[i], 0, 0);
}

/* Connecting pair p is short of descriptors: last on the starved list. */
static void starve(struct hv_relay *r, struct pair *p)
{
    p->starved = 1;
    p->snext = NULL;
    p->sprev = r->stail;
    if (r->stail)
        r->stail->snext = p;
    else
        r->shead = p;
    r->stail = p;
    r->starved++;
}

/* Pair p off the starved list, if on it. */
static void unstarve(struct hv_relay *r, struct pair *p)
{
    if (!p->starved)
        return;
    if (p->sprev)
        p->sprev->snext = p->snext;
    else
        r->shead = p->snext;
    if (p->snext)
        p->snext->sprev = p->sprev;
    else
        r->stail = p->sprev;
    p->snext = p->sprev = NULL;
    p->starved = 0;
    r->starved--;
}

static void pair_free(struct hv_relay *r, struct pair *p)
{
    /* a broken or cut pair passes the break on as a reset (the rules) */
    unsigned resets = hv__rules_resets(&p->ru);
    int i;

    hv__pair_unwatch(r, p);
    hv__timer_set(r, p, 0);
    unstarve(r, p);
    if (p->dial) {
        hv__dial_free(p->dial);
        free(p->dial);
    }
    for (i = 0; i < 2; i++) {
        if (p->s[i] && (resets & (1u << i)))
            hv__stream_abort(p->s[i]);
    }
    for (i = 0; i < 2; i++) {
        if (p->s[i] == NULL)
            continue; /* b, never connected */
        if (p->borrowed)
            hv__ring_trim(&p->s[i]->rx);
        else
            hv_stream_close(p->s[i]);
    }
    free(p);
}

/* One watch for each distinct descriptor of the pair (a socket is read
 * and written through one). */
static void watches_init(struct pair *p)
{
    int fd[4], i, j;

    fd[0] = p->s[0]->rfd;
    fd[1] = p->s[0]->wfd;
    fd[2] = p->s[1]->rfd;
    fd[3] = p->s[1]->wfd;
    for (i = 0; i < 4; i++) {
        for (j = 0; j < p->nw && p->w[j].fd != fd[i]; j++)
            ;
        if (j == p->nw) {
            p->w[j].fd = fd[i];
            p->w[j].owner = p;
            p->nw++;
        }
    }
}

/* A new pair of r for stream a, with options o and tag; NULL when out of
 * memory. */
static struct pair *pair_new(struct hv_relay *r, struct hv_stream *a,
                             const struct hv_relay_opts *o, void *tag)
{
    struct pair *p;

    if (hv__timer_reserve(r) < 0 || (p = calloc(1, sizeof *p)) == NULL)
        return NULL;
    if (o)
        p->o = *o;
    else
        hv_relay_opts_init(&p->o);
    p->s[0] = a;
    p->tag = tag;
    hv__rules_init(&p->ru, &p->o, hv__relay_ends(p->s[0], p->s[1]), hv_now_ms());
    p->next = r->pairs;
    if (r->pairs)
        r->pairs->prev = p;
    r->pairs = p;
    r->count++;
    enqueue(r, p); /* tried before anything is waited for */
    return p;
}

/* Pair p has both its streams (b now): its clocks start. */
static void pair_start(struct pair *p, struct hv_stream *b)
{
    size_t max = p->o.bufsize ? p->o.bufsize : HV_RELAY_BUFSIZE;
    int i;

    p->s[1] = b;
    p->ru.ends = hv__relay_ends(p->s[0], p->s[1]);
    p->ru.last_io = hv_now_ms();
    for (i = 0; i < 2; i++) {
        /* stdin's ring may hold what an earlier session left */
        if (p->s[i]->rx.max < max)
            p->s[i]->rx.max = max;
        /* and it may have ended in an earlier session */
        if (p->s[i]->rd_eof && !p->ru.off[i])
            hv__rules_eof(&p->ru, i);
    }
    if (p->o.progress_ms && p->o.progress)
        p->progress_at = p->ru.last_io + p->o.progress_ms;
    memset(p->w, 0, sizeof p->w);
    p->nw = 0;
    watches_init(p);
}

static int add_pair(struct hv_relay *r, struct hv_stream *a,
                    struct hv_stream *b, const struct hv_relay_opts *o,
                    void *tag, int borrowed)
{
    struct pair *p = pair_new(r, a, o, tag);

    if (p == NULL) {
        if (!borrowed) {
            hv_stream_close(a);
            hv_stream_close(b);
        }
        return HV_ENOMEM;
    }
    p->borrowed = borrowed;
    pair_start(p, b);
    return 0;
}

int hv_relay_add_connect(struct hv_relay *r, struct hv_stream *a,
                         const struct hv_addr *to,
                         const struct hv_connect_opts *co,
                         const struct hv_relay_opts *o, void *tag)
{
    struct hv__dial *d = malloc(sizeof *d);
    struct pair *p;
    int e;

    /* a client whose backend cannot even be tried (a name that does not
     * resolve) got nothing: a reset, as for a failed connect */
    if (d == NULL) {
        hv__stream_abort(a);
        hv_stream_close(a);
        return HV_ENOMEM;
    }
    if ((e = hv__dial_start(d, to, co)) < 0 ||
        (p = pair_new(r, a, o, tag)) == NULL) {
        hv__dial_free(d);
        free(d);
        hv__stream_abort(a);
        hv_stream_close(a);
        return e < 0 ? e : HV_ENOMEM;
    }
    p->dial = d;
    if (d->timeout_ms)
        p->dial_until = hv_now_ms() + d->timeout_ms;
    return 0;
}

int hv_relay_add(struct hv_relay *r, struct hv_stream *a, struct hv_stream *b,
                 const struct hv_relay_opts *o, void *tag)
{
    return add_pair(r, a, b, o, tag, 0);
}

int hv__relay_add_borrowed(struct hv_relay *r, struct hv_stream *a,
                           struct hv_stream *b, const struct hv_relay_opts *o,
                           void *tag)
{
    return add_pair(r, a, b, o, tag, 1);
}

/* A pair has ended: the descriptors it held (two connections') are
 * free, so as many connects that waited for one, the oldest first, try
 * again now; each stays counted as starved until its try, so that no
 * client is accepted into the place meanwhile. The others keep their
 * back-off (at most 250 ms, sock_posix.c). */
#define WAKE_PER_END 2

static void wake_starved(struct hv_relay *r)
{
    struct pair *p;
    int k;
    for (k = 0; k < WAKE_PER_END && r->shead; k++) {
        p = r->shead;
        /* to the end of the list, so that the next end wakes another */
        unstarve(r, p);
        starve(r, p);
        p->dial_at = 0;
        enqueue(r, p);
    }
}

void hv__pair_take(struct hv_relay *r, struct pair *p,
                      struct hv_relay_event *ev)
{
    struct pair **pp;
    if (p->prev)
        p->prev->next = p->next;
    else
        r->pairs = p->next;
    if (p->next)
        p->next->prev = p->prev;
    for (pp = &r->ready; p->queued && *pp; pp = &(*pp)->rnext) {
        if (*pp == p) {
            *pp = p->rnext;
            break;
        }
    }
    r->count--;
    p->res.err = p->ru.err;
    p->res.side = p->ru.side;
    p->res.a_closed = p->ru.a_closed;
    p->res.ab = p->d[0].bytes;
    p->res.ba = p->d[1].bytes;
    ev->kind = HV_RELAY_DONE;
    ev->tag = p->tag;
    ev->res = p->res;
    pair_free(r, p);
    wake_starved(r);
}

/* A connecting pair's visit: the next step of its connect, unless it waits
 * for a retry; once made, b is the connection and the pair relays. */
void hv__pair_dial(struct hv_relay *r, struct pair *p, uint64_t now)
{
    struct hv_sock *sock = NULL;
    struct hv_stream *b;
    int k;

    if (p->dial_until && now >= p->dial_until) {
        pair_end(p, HV_ETIMEDOUT, HV_SIDE_B_CONNECT);
        return;
    }
    if (p->dial_at && now < p->dial_at)
        return;
    /* the step may close the socket, or open another */
    hv__pair_unwatch(r, p);
    p->nw = 0;
    p->dial_at = 0;
    unstarve(r, p);
    k = hv__dial_step(p->dial, &sock);
    if (k == HV__DIAL_WAIT) {
        memset(&p->w[0], 0, sizeof p->w[0]);
        p->w[0].fd = hv__dial_wait_fd(p->dial, &p->dial_in);
        p->w[0].owner = p;
        p->nw = 1;
        return;
    }
    if (k == HV__DIAL_RETRY) {
        p->dial_at = now + p->dial->retry_ms;
        if (p->dial->starved)
            starve(r, p);
        return;
    }
    hv__dial_free(p->dial);
    free(p->dial);
    p->dial = NULL;
    if (k < 0) {
        pair_end(p, k, HV_SIDE_B_CONNECT);
        return;
    }
    if ((k = hv_stream_from_sock(sock, &b)) < 0) {
        pair_end(p, k, HV_SIDE_B_CONNECT);
        return;
    }
    pair_start(p, b);
    enqueue(r, p); /* a may have sent meanwhile */
}

/* What a connecting pair waits on: its socket writable, while a connect
 * is in progress; readable, while its backend's name is looked up or a
 * hybrid vsock answer is awaited. */
int hv__pair_dial_interest(struct hv_relay *r, struct pair *p)
{
    struct hv__watch *w = &p->w[0];
    unsigned want = p->dial_in ? HV__IN : HV__OUT;
    int e;
    if (p->nw == 0 || (w->on && w->want == want))
        return 0;
    e = hv__poller_set(r->pl, w, 1, want);
    return e < 0 ? e : 0;
}

void hv_relay_free(struct hv_relay *r)
{
    struct pair *p, *next;
    if (r == NULL)
        return;
    for (p = r->pairs; p; p = next) {
        next = p->next;
        pair_free(r, p);
    }
    hv__poller_free(r->pl);
    free(r->heap);
    free(r);
}
