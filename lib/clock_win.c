/* clock_win.c: the monotonic clock every timeout is measured on. */
#include "platform.h"

uint64_t hv_now_ms(void)
{
    return (uint64_t)GetTickCount64();
}
