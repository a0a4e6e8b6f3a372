/* notify_posix.c: telling the service manager how the service does
 * (systemd's notification protocol, sd_notify(3)): newline-separated
 * KEY=VALUE lines, one datagram each time, to the unix datagram socket
 * that NOTIFY_SOCKET names (a path, or @name in the abstract namespace),
 * and the watchdog's period from WATCHDOG_USEC. Written here rather than
 * linked from libsystemd, so that the static tools of a guest need
 * nothing more. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "platform_posix.h"

struct hv_notify {
    int fd;
    struct sockaddr_un sa;
    socklen_t len;
};

/* WATCHDOG_USEC: a whole decimal count of microseconds, above 0 and
 * within 64 bits; 0 or -1. */
static int parse_usec(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (s == NULL || *s == '\0')
        return -1;
    for (; *s; s++) {
        unsigned d;
        if (*s < '0' || *s > '9')
            return -1;
        d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10u)
            return -1;
        v = v * 10u + d;
    }
    if (v == 0)
        return -1;
    *out = v;
    return 0;
}

/* The watchdog's period: half of WATCHDOG_USEC (systemd's advice), when
 * it is meant for this process; 0 when there is none. */
static uint32_t watchdog_period(void)
{
    const char *pid_s = getenv("WATCHDOG_PID");
    uint64_t usec, ms;
    uint32_t pid;

    if (parse_usec(getenv("WATCHDOG_USEC"), &usec) < 0)
        return 0;
    if (pid_s && (hv_parse_u32(pid_s, 1, 0x7FFFFFFFu, &pid) < 0 ||
                  (pid_t)pid != getpid()))
        return 0;
    ms = usec / 2000u;
    if (ms == 0)
        ms = 1;
    return ms > 0x7FFFFFFFu ? 0x7FFFFFFFu : (uint32_t)ms;
}

int hv_notify_open(struct hv_notify **out, uint32_t *watchdog_ms, char *why,
                   size_t n)
{
    const char *e = getenv("NOTIFY_SOCKET");
    struct hv_notify *nt;
    size_t len;
    int r;

    *out = NULL;
    *watchdog_ms = 0;
    hv__fmt(why, n, "%s", "");
    if (e == NULL || *e == '\0') {
        r = 0;
        goto done;
    }
    len = strlen(e);
    if ((e[0] != '/' && e[0] != '@') || len < 2 ||
        len >= sizeof nt->sa.sun_path) {
        hv__fmt(why, n, "NOTIFY_SOCKET '%.200s' is not a unix socket path "
                        "or @name", e);
        r = HV_EINVAL;
        goto done;
    }
    if ((nt = malloc(sizeof *nt)) == NULL) {
        r = HV_ENOMEM;
        goto done;
    }
    memset(nt, 0, sizeof *nt);
    nt->sa.sun_family = AF_UNIX;
    memcpy(nt->sa.sun_path, e, len);
    if (e[0] == '@') {
        /* the abstract namespace: a leading NUL, and no NUL at the end */
        nt->sa.sun_path[0] = '\0';
        nt->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    } else {
        nt->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
    }
    nt->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (nt->fd < 0) {
        r = hv__err_from_os(errno);
        free(nt);
        goto done;
    }
    *watchdog_ms = watchdog_period();
    *out = nt;
    r = 0;
done:
    /* the service is this process, not the commands it starts */
    (void)unsetenv("NOTIFY_SOCKET");
    (void)unsetenv("WATCHDOG_USEC");
    (void)unsetenv("WATCHDOG_PID");
    return r;
}

/* Never waits: a manager that reads no more (its queue full) loses a
 * line, and the relay goes on (HV_E* for EAGAIN, said by the caller). */
int hv_notify_send(struct hv_notify *nt, const char *text)
{
    ssize_t w;
    if (nt == NULL)
        return 0;
    do {
        w = sendto(nt->fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT,
                   (const struct sockaddr *)&nt->sa, nt->len);
    } while (w < 0 && errno == EINTR);
    return w < 0 ? hv__err_from_os(errno) : 0;
}

void hv_notify_close(struct hv_notify *nt)
{
    if (nt == NULL)
        return;
    close(nt->fd);
    free(nt);
}
