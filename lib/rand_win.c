/* rand_win.c: random bytes from the CRT's rand_s, which draws on the
 * system's cryptographic generator (RtlGenRandom) and needs no extra
 * library. _CRT_RAND_S must come before the first <stdlib.h>. */
#define _CRT_RAND_S
#include <stdlib.h>
#include <string.h>

#include "platform_win.h"

int hv__random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        unsigned int v;
        size_t k = n < sizeof v ? n : sizeof v;
        if (rand_s(&v) != 0)
            return HV_EOS;
        memcpy(p, &v, k);
        p += k;
        n -= k;
    }
    return 0;
}
