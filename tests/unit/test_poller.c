/* test_poller.c: unit cases for poller_posix.c, the relay's waits (POSIX
 * only), and the relay's watch on stdout that rests on them. The ordinary
 * build runs them against epoll on Linux, the sanitizer build against
 * poll (HV_POLLER_POLL): both must answer alike. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform_posix.h"
#include "ut.h"

#define NPIPES 300

/* The events of watch w in one wait of up to ms; -1 if it was not
 * reported. *count: how many watches were. */
static int events_of(struct hv__poller *pl, const struct hv__watch *w,
                     int ms, int *count)
{
    struct hv__pevent ev[HV__POLLER_MAX];
    int k, j, got = -1;

    k = hv__poller_wait(pl, ev, HV__POLLER_MAX, ms);
    UT_CHECK(k >= 0);
    for (j = 0; j < k; j++)
        if (ev[j].w == w)
            got = (int)ev[j].ev;
    if (count)
        *count = k;
    return got;
}

UT_CASE(poller_level_triggered)
{
    struct hv__poller *pl;
    struct hv__watch w;
    int p[2], n;
    char c = 'x';

    UT_EQ_INT(pipe(p), 0);
    UT_EQ_INT(hv__poller_new(&pl), 0);
    memset(&w, 0, sizeof w);
    w.fd = p[0];
    UT_EQ_INT(hv__poller_set(pl, &w, 1, HV__IN), 0);
    UT_EQ_INT(events_of(pl, &w, 0, &n), -1);
    UT_EQ_INT(n, 0);
    UT_EQ_INT(write(p[1], &c, 1), 1);
    UT_EQ_INT(events_of(pl, &w, 1000, &n), (int)HV__IN);
    UT_EQ_INT(n, 1);
    /* not read: reported again */
    UT_EQ_INT(events_of(pl, &w, 0, NULL), (int)HV__IN);
    /* no longer wanted: not reported, though still readable */
    UT_EQ_INT(hv__poller_set(pl, &w, 1, 0), 0);
    UT_EQ_INT(events_of(pl, &w, 0, &n), -1);
    UT_EQ_INT(hv__poller_set(pl, &w, 0, 0), 0);
    UT_EQ_INT(w.on, 0);
    UT_EQ_INT(events_of(pl, &w, 0, &n), -1);
    UT_EQ_INT(n, 0);
    hv__poller_free(pl);
    close(p[0]);
    close(p[1]);
}

UT_CASE(poller_errors_always)
{
    struct hv__poller *pl;
    struct hv__watch w;
    int p[2], e;

    UT_EQ_INT(pipe(p), 0);
    UT_EQ_INT(hv__poller_new(&pl), 0);
    memset(&w, 0, sizeof w);
    w.fd = p[1];
    UT_EQ_INT(hv__poller_set(pl, &w, 1, HV__OUT), 0);
    UT_EQ_INT(events_of(pl, &w, 0, NULL), (int)HV__OUT);
    /* errors only: a writable pipe is no event, a gone reader is */
    UT_EQ_INT(hv__poller_set(pl, &w, 1, 0), 0);
    UT_EQ_INT(events_of(pl, &w, 0, NULL), -1);
    close(p[0]);
    e = events_of(pl, &w, 1000, NULL);
    UT_CHECK(e > 0 && (e & (int)HV__ERR));
    UT_CHECK(!(e & (int)HV__OUT));
    UT_EQ_INT(hv__poller_set(pl, &w, 0, 0), 0);
    hv__poller_free(pl);
    close(p[1]);
}

UT_CASE(poller_regular_file)
{
    struct hv__poller *pl;
    struct hv__watch w;
    char path[] = "/tmp/hvpoll.XXXXXX";
    int fd, r;

    fd = mkstemp(path);
    UT_CHECK(fd >= 0);
    unlink(path);
    UT_EQ_INT(hv__poller_new(&pl), 0);
    memset(&w, 0, sizeof w);
    w.fd = fd;
    r = hv__poller_set(pl, &w, 1, HV__IN);
    /* epoll cannot wait on a file: "always ready"; poll says ready */
    if (r == 1) {
        UT_CHECK(w.never);
        UT_EQ_INT(w.on, 0);
    } else {
        UT_EQ_INT(r, 0);
        UT_EQ_INT(events_of(pl, &w, 0, NULL) & (int)HV__IN, (int)HV__IN);
        UT_EQ_INT(hv__poller_set(pl, &w, 0, 0), 0);
    }
    hv__poller_free(pl);
    close(fd);
}

/* hv_relay_watch_stdout: a pipe on stdout whose reader leaves is an event
 * of the relay's wait (HV_RELAY_STDOUT_GONE); while the reader is there,
 * or without the watch, the wait times out. (That it is told before a
 * listener's client of the same round is run()'s order, not shown here.) */
UT_CASE(relay_watch_stdout)
{
    struct hv_relay *r;
    struct hv_relay_event ev;
    int p[2], saved;
    uint64_t t0;

    fflush(stdout);
    saved = dup(1);
    UT_CHECK(saved >= 0);
    UT_EQ_INT(pipe(p), 0);
    UT_CHECK(dup2(p[1], 1) == 1);
    close(p[1]);
    UT_EQ_INT(hv_relay_new(&r), 0);
    hv_relay_watch_stdout(r, 1);
    UT_EQ_INT(hv_relay_run(r, NULL, 50, &ev), 0);
    UT_EQ_INT(ev.kind, HV_RELAY_TIMEOUT);
    close(p[0]);
    hv_relay_watch_stdout(r, 0);
    UT_EQ_INT(hv_relay_run(r, NULL, 50, &ev), 0);
    UT_EQ_INT(ev.kind, HV_RELAY_TIMEOUT);
    hv_relay_watch_stdout(r, 1);
    /* an event: long before the 20 s */
    t0 = hv_now_ms();
    UT_EQ_INT(hv_relay_run(r, NULL, 20000, &ev), 0);
    UT_EQ_INT(ev.kind, HV_RELAY_STDOUT_GONE);
    UT_CHECK(hv_now_ms() - t0 < 10000);
    hv_relay_free(r);
    UT_CHECK(dup2(saved, 1) == 1);
    close(saved);
}

/* Many watches, some removed (the poll back end moves its last entry into
 * the freed slot): exactly the written ones are reported, each with its
 * own watch. */
UT_CASE(poller_many)
{
    struct hv__poller *pl;
    struct hv__watch *w = calloc(NPIPES, sizeof *w);
    struct hv__pevent ev[HV__POLLER_MAX];
    int(*p)[2] = calloc(NPIPES, sizeof *p);
    int i, k, j, seen[3] = {0, 0, 0};
    const int hot[3] = {7, 150, NPIPES - 1};
    char c = 'y';

    UT_CHECK(w != NULL && p != NULL);
    if (w == NULL || p == NULL)
        return;
    UT_EQ_INT(hv__poller_new(&pl), 0);
    for (i = 0; i < NPIPES; i++) {
        UT_EQ_INT(pipe(p[i]), 0);
        w[i].fd = p[i][0];
        w[i].owner = &p[i];
        UT_EQ_INT(hv__poller_set(pl, &w[i], 1, HV__IN), 0);
    }
    for (i = 0; i < NPIPES; i += 3)
        if (i != 150)
            UT_EQ_INT(hv__poller_set(pl, &w[i], 0, 0), 0);
    UT_EQ_INT(write(p[0][1], &c, 1), 1); /* removed: not reported */
    for (j = 0; j < 3; j++)
        UT_EQ_INT(write(p[hot[j]][1], &c, 1), 1);
    k = hv__poller_wait(pl, ev, HV__POLLER_MAX, 1000);
    UT_EQ_INT(k, 3);
    for (i = 0; i < k && i < HV__POLLER_MAX; i++) {
        UT_EQ_INT(ev[i].ev, HV__IN);
        for (j = 0; j < 3; j++)
            if (ev[i].w == &w[hot[j]] && ev[i].w->owner == &p[hot[j]])
                seen[j]++;
    }
    for (j = 0; j < 3; j++)
        UT_EQ_INT(seen[j], 1);
    for (i = 0; i < NPIPES; i++) {
        UT_EQ_INT(hv__poller_set(pl, &w[i], 0, 0), 0);
        close(p[i][0]);
        close(p[i][1]);
    }
    hv__poller_free(pl);
    free(w);
    free(p);
}
