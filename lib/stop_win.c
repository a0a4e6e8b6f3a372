/* stop_win.c: the stop on Windows. There are no POSIX signals: Ctrl+C and
 * Ctrl+Break reach hv_stop() through the console control handler that
 * hv_console_init installs (console_win.c), and the tool ends with exit
 * status 130. hv_stop() sets a flag and one manual-reset event
 * (hv__stop_event) that every wait of the library watches: the relay's
 * control loop, accepts and connects (relay_win.c, sock_win.c,
 * npipe_win.c), and the one-time making of such an event
 * (hv__event_once, spawn_win.c's too). This file calls no other file of
 * the library, so that those can all call it. */
#include "platform_win.h"

static INIT_ONCE stop_once = INIT_ONCE_STATIC_INIT;
static HANDLE stop_ev;
static volatile LONG stop_flag;

BOOL CALLBACK hv__event_once(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once;
    (void)ctx;
    *(HANDLE *)param = CreateEventW(NULL, TRUE, FALSE, NULL);
    return TRUE;
}

HANDLE hv__stop_event(void)
{
    (void)InitOnceExecuteOnce(&stop_once, hv__event_once, &stop_ev, NULL);
    return stop_ev;
}

void hv_stop(void)
{
    HANDLE ev;
    InterlockedExchange(&stop_flag, 1);
    if ((ev = hv__stop_event()) != NULL)
        SetEvent(ev);
}

int hv_stopped(void)
{
    return InterlockedCompareExchange(&stop_flag, 0, 0) != 0;
}

void hv_stop_defer(void)
{
    HANDLE ev;
    /* the flag first: a Ctrl+C from now on sets it and the event again */
    InterlockedExchange(&stop_flag, 0);
    if ((ev = hv__stop_event()) != NULL)
        ResetEvent(ev);
    if (hv_stopped() && ev != NULL)
        SetEvent(ev); /* one came meanwhile: keep it */
}

int hv_stop_on_signals(void)
{
    return 0;
}

int hv_stop_signal(void)
{
    return 0;
}

int hv_sleep_ms(uint32_t ms)
{
    HANDLE ev = hv__stop_event();

    if (hv_stopped())
        return HV_ESTOPPED;
    /* the stop's manual-reset event ends the wait at once */
    if (ev != NULL)
        (void)WaitForSingleObject(ev, ms);
    else
        Sleep(ms);
    return hv_stopped() ? HV_ESTOPPED : 0;
}
