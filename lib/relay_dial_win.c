/* relay_dial_win.c: hv_relay_add_connect on Windows: b of a pair is
 * connected by a thread of the pair's own, so that a slow or stuck
 * backend delays only its pair; short of sockets it tries again after a
 * back-off, and at once when another pair ends. */
#include "relay_win.h"

#define RETRY_FIRST_MS 50       /* a connect short of sockets or buffers */
#define RETRY_MAX_MS 1000       /* waits this long, doubling, at most */

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
        if (hv__pair_cancelled(p))
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
    if (hv__pair_cancelled(p)) {
        LeaveCriticalSection(&r->lock);
        if (b) {
            hv__stream_abort(b);
            hv_stream_close(b);
        }
        hv__pair_release(p);
        return 0;
    }
    if (b) {
        p->b = b;
        p->connecting = 0;
        hv__pair_begin(p); /* -i and -q count from here */
    } else {
        hv__rules_end(&p->ru, e < 0 ? e : HV_EINTERNAL, HV_SIDE_B_CONNECT);
    }
    LeaveCriticalSection(&r->lock);
    SetEvent(r->wake);
    hv__pair_release(p);
    return 0;
}

int hv_relay_add_connect(struct hv_relay *r, struct hv_stream *a,
                         const struct hv_addr *to,
                         const struct hv_connect_opts *co,
                         const struct hv_relay_opts *o, void *tag)
{
    struct pair *p;
    int e = 0;

    if ((p = hv__pair_new(r, a, NULL, o, tag, 1, &e)) == NULL)
        return e;
    p->to = *to;
    if (co)
        p->co = *co;
    p->connecting = 1;
    if ((p->retry = CreateEventW(NULL, FALSE, FALSE, NULL)) == NULL) {
        e = hv__err_from_os((long)GetLastError());
        hv__pair_release(p);
        return e;
    }
    hv__pair_link(r, p);
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
void hv__relay_wake_starved(struct hv_relay *r)
{
    struct pair *p;
    for (p = r->pairs; p; p = p->next)
        if (p->starved)
            SetEvent(p->retry);
}
