/* rand_posix.c: random bytes from /dev/urandom (every POSIX system we
 * target has it; it never blocks once the system has booted). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "platform_posix.h"

int hv__random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0)
        return hv__err_from_os(errno);
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? hv__err_from_os(errno) : HV_EIO;
            close(fd);
            return e;
        }
        p += r;
        n -= (size_t)r;
    }
    close(fd);
    return 0;
}
