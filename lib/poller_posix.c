/* poller_posix.c: what the relay engine waits on. epoll on Linux: a wait
 * costs what is ready, not what is watched, so hundreds of quiet pairs
 * cost nothing per round (poll walks every descriptor, in the kernel too,
 * at every wait). poll(2) elsewhere, and where CMake's HV_POLLER_POLL asks
 * for it (the sanitizer build, so that the suite runs both). Both are
 * level-triggered: an event is reported for as long as it holds, since
 * stdio is read without O_NONBLOCK and may be left unread. */
#include <poll.h>
#include <stdlib.h>

#include "platform_posix.h"

#ifdef HV__HAVE_EPOLL
#include <sys/epoll.h>

struct hv__poller {
    int ep;
};

int hv__poller_new(struct hv__poller **out)
{
    struct hv__poller *pl = malloc(sizeof *pl);
    if (pl == NULL)
        return HV_ENOMEM;
    pl->ep = epoll_create1(EPOLL_CLOEXEC);
    if (pl->ep < 0) {
        int e = hv__err_from_os(errno);
        free(pl);
        return e;
    }
    *out = pl;
    return 0;
}

void hv__poller_free(struct hv__poller *pl)
{
    if (pl == NULL)
        return;
    close(pl->ep);
    free(pl);
}

static uint32_t os_events(unsigned want)
{
    uint32_t ev = 0;
    if (want & HV__IN)
        ev |= EPOLLIN;
    if (want & HV__OUT)
        ev |= EPOLLOUT;
    return ev; /* errors and hang-ups are always reported */
}

int hv__poller_set(struct hv__poller *pl, struct hv__watch *w, int on,
                   unsigned want)
{
    struct epoll_event ev;
    int op;

    if (w->never)
        return 1;
    if (!on) {
        if (w->on) {
            /* fails only for a descriptor already closed, which epoll
             * dropped with it */
            (void)epoll_ctl(pl->ep, EPOLL_CTL_DEL, w->fd, NULL);
            w->on = 0;
        }
        return 0;
    }
    op = w->on ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    ev.events = os_events(want);
    ev.data.ptr = w;
    if (epoll_ctl(pl->ep, op, w->fd, &ev) < 0) {
        /* a regular file (or /dev/null) cannot be waited on: it is
         * always ready, as poll says of it */
        if (errno == EPERM) {
            w->never = 1;
            return 1;
        }
        return hv__err_from_os(errno);
    }
    w->on = 1;
    w->want = want;
    return 0;
}

int hv__poller_wait(struct hv__poller *pl, struct hv__pevent *ev, int max,
                    int ms)
{
    struct epoll_event got[HV__POLLER_MAX];
    int k, j;

    if (max > HV__POLLER_MAX)
        max = HV__POLLER_MAX;
    k = epoll_wait(pl->ep, got, max, ms);
    if (k < 0)
        return errno == EINTR ? HV__EAGAIN : hv__err_from_os(errno);
    for (j = 0; j < k; j++) {
        uint32_t e = got[j].events;
        unsigned re = 0;
        if (e & EPOLLIN)
            re |= HV__IN;
        if (e & EPOLLOUT)
            re |= HV__OUT;
        if (e & EPOLLERR)
            re |= HV__ERR;
        if (e & EPOLLHUP)
            re |= HV__HUP;
        ev[j].w = got[j].data.ptr;
        ev[j].ev = re;
    }
    return k;
}

#else /* poll(2) */

struct hv__poller {
    struct pollfd *pfd;
    struct hv__watch **who; /* the watch of each pollfd */
    size_t n, cap;
};

int hv__poller_new(struct hv__poller **out)
{
    struct hv__poller *pl = calloc(1, sizeof *pl);
    if (pl == NULL)
        return HV_ENOMEM;
    *out = pl;
    return 0;
}

void hv__poller_free(struct hv__poller *pl)
{
    if (pl == NULL)
        return;
    free(pl->pfd);
    free(pl->who);
    free(pl);
}

static short os_events(unsigned want)
{
    short ev = 0;
    if (want & HV__IN)
        ev |= POLLIN;
    if (want & HV__OUT)
        ev |= POLLOUT;
    return ev;
}

static int reserve(struct hv__poller *pl)
{
    struct pollfd *pf;
    struct hv__watch **who;
    size_t cap;

    if (pl->n < pl->cap)
        return 0;
    cap = pl->cap ? 2 * pl->cap : 8;
    pf = realloc(pl->pfd, cap * sizeof *pf);
    if (pf == NULL)
        return HV_ENOMEM;
    pl->pfd = pf;
    who = realloc(pl->who, cap * sizeof *who);
    if (who == NULL)
        return HV_ENOMEM;
    pl->who = who;
    pl->cap = cap;
    return 0;
}

int hv__poller_set(struct hv__poller *pl, struct hv__watch *w, int on,
                   unsigned want)
{
    if (!on) {
        if (w->on) {
            /* the last entry takes the freed slot */
            size_t last = --pl->n;
            pl->pfd[w->slot] = pl->pfd[last];
            pl->who[w->slot] = pl->who[last];
            pl->who[w->slot]->slot = w->slot;
            w->on = 0;
        }
        return 0;
    }
    if (!w->on) {
        if (reserve(pl) < 0)
            return HV_ENOMEM;
        w->slot = pl->n++;
        pl->pfd[w->slot].fd = w->fd;
        pl->pfd[w->slot].revents = 0;
        pl->who[w->slot] = w;
        w->on = 1;
    }
    pl->pfd[w->slot].events = os_events(want);
    w->want = want;
    return 0;
}

int hv__poller_wait(struct hv__poller *pl, struct hv__pevent *ev, int max,
                    int ms)
{
    size_t j;
    int k, got = 0;

    k = poll(pl->pfd, (nfds_t)pl->n, ms);
    if (k < 0)
        return errno == EINTR ? HV__EAGAIN : hv__err_from_os(errno);
    /* more than max ready: the rest are reported again at the next wait */
    for (j = 0; j < pl->n && got < k && got < max; j++) {
        short e = pl->pfd[j].revents;
        unsigned re = 0;
        if (e == 0)
            continue;
        if (e & POLLIN)
            re |= HV__IN;
        if (e & POLLOUT)
            re |= HV__OUT;
        if (e & POLLERR)
            re |= HV__ERR;
        if (e & POLLHUP)
            re |= HV__HUP;
        if (e & POLLNVAL)
            re |= HV__ERR | HV__HUP;
        ev[got].w = pl->who[j];
        ev[got].ev = re;
        got++;
    }
    return got;
}
#endif
