/* resolve_posix.c: a TCP host name resolved on a thread of its own, so
 * that the relay's event loop never waits in getaddrinfo (a name server
 * that answers late would freeze every pair for as long). The thread's end
 * is told on a descriptor the loop watches: its half of a socket pair is
 * closed, which makes the waiter's half readable. Numeric addresses are
 * parsed at once, with no thread. */
#define _GNU_SOURCE /* AI_NUMERICSERV, socketpair's SOCK_CLOEXEC */
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "platform_posix.h"

/* Names being resolved at once, at most: one more waits (the dial's
 * back-off), as a connect short of descriptors does. */
#define RESOLVE_MAX_AT_ONCE 64

struct hv__resolve {
    pthread_mutex_t mu;
    int refs;               /* the waiter and the thread */
    int done;               /* the thread stored its answer */
    int fd[2];              /* [0] the waiter's, [1] the thread's */
    struct addrinfo *res;   /* the answer, until taken */
    int err;                /* getaddrinfo's code, 0 when it answered */
    int sys;                /* errno, for EAI_SYSTEM */
    char port[16];
    char host[];
};

static pthread_mutex_t at_once_mu = PTHREAD_MUTEX_INITIALIZER;
static int at_once;

static void lookup_hints(struct addrinfo *h, int numeric)
{
    memset(h, 0, sizeof *h);
    h->ai_family = AF_UNSPEC;
    h->ai_socktype = SOCK_STREAM;
    h->ai_flags = AI_NUMERICSERV | (numeric ? AI_NUMERICHOST : 0);
}

/* Drop one reference; the last frees what is left. */
static void drop(struct hv__resolve *r)
{
    int last;

    pthread_mutex_lock(&r->mu);
    last = --r->refs == 0;
    pthread_mutex_unlock(&r->mu);
    if (!last)
        return;
    if (r->res)
        freeaddrinfo(r->res);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static void *lookup(void *arg)
{
    struct hv__resolve *r = arg;
    struct addrinfo hints, *res = NULL;
    int e;

    lookup_hints(&hints, 0);
    e = getaddrinfo(r->host, r->port, &hints, &res);
    pthread_mutex_lock(&r->mu);
    r->err = e;
    r->sys = errno;
    r->res = e == 0 ? res : NULL;
    r->done = 1;
    pthread_mutex_unlock(&r->mu);
    close(r->fd[1]); /* the waiter's half reads EOF: the answer is in */
    pthread_mutex_lock(&at_once_mu);
    at_once--;
    pthread_mutex_unlock(&at_once_mu);
    drop(r);
    return NULL;
}

int hv__resolve_start(const char *host, uint32_t port, struct addrinfo **now,
                      struct hv__resolve **out)
{
    struct addrinfo hints;
    struct hv__resolve *r;
    size_t n = strlen(host);
    pthread_attr_t attr;
    sigset_t all, old;
    pthread_t t;
    char ps[16];
    int e;

    *now = NULL;
    *out = NULL;
    hv__fmt(ps, sizeof ps, "%lu", (unsigned long)port);
    /* a numeric address (or none: the loopback) needs no name server */
    lookup_hints(&hints, 1);
    e = getaddrinfo(n ? host : NULL, ps, &hints, now);
    if (e != EAI_NONAME)
        return e ? hv__gai_err(e) : 0;
    pthread_mutex_lock(&at_once_mu);
    e = at_once < RESOLVE_MAX_AT_ONCE;
    if (e)
        at_once++;
    pthread_mutex_unlock(&at_once_mu);
    if (!e)
        return HV__DIAL_RETRY;
    r = calloc(1, sizeof *r + n + 1);
    if (r == NULL)
        goto starved;
    memcpy(r->host, host, n + 1);
    memcpy(r->port, ps, sizeof ps);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, r->fd) < 0) {
        free(r);
        goto starved;
    }
    pthread_mutex_init(&r->mu, NULL);
    r->refs = 2;
    /* the thread takes no signal: they are the main thread's (the stop,
     * SIGCHLD), whose handlers post to descriptors the loop watches */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    e = pthread_attr_init(&attr);
    if (e == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        e = pthread_create(&t, &attr, lookup, r);
        pthread_attr_destroy(&attr);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        close(r->fd[0]);
        close(r->fd[1]);
        pthread_mutex_destroy(&r->mu);
        free(r);
        goto starved;
    }
    *out = r;
    return 0;
starved:
    pthread_mutex_lock(&at_once_mu);
    at_once--;
    pthread_mutex_unlock(&at_once_mu);
    return HV__DIAL_RETRY;
}

int hv__resolve_fd(const struct hv__resolve *r)
{
    return r->fd[0];
}

int hv__resolve_take(struct hv__resolve *r, struct addrinfo **res)
{
    int done, e, sys;

    pthread_mutex_lock(&r->mu);
    done = r->done;
    e = r->err;
    sys = r->sys;
    *res = r->res;
    r->res = NULL;
    pthread_mutex_unlock(&r->mu);
    if (!done)
        return HV__DIAL_WAIT;
    if (e == EAI_SYSTEM)
        return hv__err_from_os(sys);
    return e ? hv__gai_err(e) : 0;
}

void hv__resolve_free(struct hv__resolve *r)
{
    if (r == NULL)
        return;
    close(r->fd[0]);
    drop(r);
}

int hv__gai_err(int e)
{
    switch (e) {
    case EAI_NONAME:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
    case EAI_FAIL:
    case EAI_AGAIN:
        return HV_ENOHOST;
    case EAI_MEMORY:
        return HV_ENOMEM;
    case EAI_SYSTEM:
        return hv__err_from_os(errno);
    default:
        return HV_EINVAL;
    }
}
