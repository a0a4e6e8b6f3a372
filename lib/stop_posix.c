/* stop_posix.c: ending cleanly on a signal. The handlers only record the
 * signal, set a flag and post to the stop's pipe (wake_posix.c): every
 * wait of the library watches that pipe (and is interrupted by the signal
 * as well), sees the flag and returns HV_ESTOPPED, and the tool undoes
 * what it changed before it ends by that same signal. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "platform_posix.h"

/* atomics, not volatile sig_atomic_t: the relay's helper thread reads the
 * flag too (a lock-free atomic is as safe in a handler) */
static _Atomic int g_stop;
static _Atomic int g_signal;

void hv_stop(void)
{
    g_stop = 1;
    hv__wake_post(HV__WAKE_STOP);
}

int hv_stopped(void)
{
    return g_stop != 0;
}

void hv_stop_defer(void)
{
    /* the flag first: a signal from now on sets it again, and a wait
     * that missed the pipe's byte (drained below) sees the flag first */
    g_stop = 0;
    hv__wake_drain(HV__WAKE_STOP);
}

static void on_signal(int sig)
{
    int none = 0;
    (void)atomic_compare_exchange_strong(&g_signal, &none, sig);
    g_stop = 1;
    /* a wait that looked at the flag just before is woken all the same */
    hv__wake_post(HV__WAKE_STOP);
}

int hv_stop_on_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa;
    size_t i;
    int r;

    /* before any handler: the signal must find its pipe */
    if ((r = hv__wake_open(HV__WAKE_STOP)) < 0)
        return r;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* no SA_RESTART: a blocking call must come back and see the flag */
    sa.sa_flags = 0;
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        /* a signal the shell ignored for us (nohup, background jobs)
         * stays ignored */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        if (sigaction(sigs[i], &sa, NULL) < 0)
            return hv__err_from_os(errno);
    }
    return 0;
}

int hv_stop_signal(void)
{
    return (int)g_signal;
}

int hv_sleep_ms(uint32_t ms)
{
    uint64_t end = hv_now_ms() + ms, now;
    struct pollfd p;

    /* the stop's pipe wakes the wait, also for a signal that came just
     * after the flag was looked at; a missing pipe (no handlers) is
     * skipped by poll */
    p.fd = hv__wake_fd(HV__WAKE_STOP);
    p.events = POLLIN;
    while (!hv_stopped()) {
        now = hv_now_ms();
        if (now >= end)
            return 0;
        p.revents = 0;
        (void)poll(&p, 1, end - now > INT_MAX ? INT_MAX : (int)(end - now));
    }
    return HV_ESTOPPED;
}
