/* rand_none.c: no known random source on this platform. */
#include "platform.h"

int hv__random_bytes(void *buf, size_t n)
{
    (void)buf;
    (void)n;
    return HV_ENOTSUP;
}
