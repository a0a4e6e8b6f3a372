/* clock_win.c: the monotonic clock every timeout is measured on, and the
 * wall clock of log lines. */
#include "platform_win.h"

uint64_t hv_now_ms(void)
{
    return (uint64_t)GetTickCount64();
}

uint64_t hv_wall_ms(void)
{
    FILETIME ft;
    uint64_t t;
    GetSystemTimeAsFileTime(&ft);
    /* 100 ns since 1601-01-01; 11644473600 s from then to 1970 */
    t = (uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime;
    t /= 10000u;
    return t < 11644473600000ull ? 0 : t - 11644473600000ull;
}
