/* gaishim.c: an LD_PRELOAD stand-in for a name server that answers late,
 * for the relay cases. getaddrinfo of the name in HV_GAI_NAME answers as
 * for 127.0.0.1 (with the call's own service and hints); its calls from
 * the HV_GAI_HOLD-th on (1 the first) answer only once the file
 * HV_GAI_RELEASE exists, each creating the file HV_GAI_HELD first, so a
 * case knows that a lookup waits. A numeric-only call (AI_NUMERICHOST) and
 * every other name go to the C library as they came. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *,
                      struct addrinfo **);

static void touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
}

int getaddrinfo(const char *node, const char *service,
                const struct addrinfo *hints, struct addrinfo **res)
{
    static int calls;
    const char *name = getenv("HV_GAI_NAME");
    const char *hold = getenv("HV_GAI_HOLD");
    const char *held = getenv("HV_GAI_HELD");
    const char *release = getenv("HV_GAI_RELEASE");
    void *sym = dlsym(RTLD_NEXT, "getaddrinfo");
    gai_fn real;
    int n, i;

    if (sym == NULL)
        return EAI_SYSTEM;
    memcpy(&real, &sym, sizeof real);
    if (node == NULL || name == NULL || strcmp(node, name) != 0 ||
        (hints && (hints->ai_flags & AI_NUMERICHOST)))
        return real(node, service, hints, res);
    n = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
    if (hold && release && n >= atoi(hold)) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        if (held)
            touch(held);
        /* at most 60 s: a case that never releases must not hang */
        for (i = 0; i < 6000 && access(release, F_OK) != 0; i++)
            nanosleep(&ts, NULL);
    }
    return real("127.0.0.1", service, hints, res);
}
