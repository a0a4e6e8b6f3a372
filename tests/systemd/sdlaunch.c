/* sdlaunch: the smallest stand-in for systemd's socket activation
 * (Accept=no), for where systemd-socket-activate is not (the vm tests'
 * busybox guest) or cannot do what a case needs (a listener before any
 * client: the notify cases). It does what sd_listen_fds(3) describes and
 * nothing more: make one listening stream socket, put it at descriptor 3,
 * set LISTEN_PID (its own pid, which the command keeps across execvp),
 * LISTEN_FDS=1 and LISTEN_FDNAMES, say where it listens, and become the
 * command.
 *
 *   sdlaunch vsock:PORT|tcp:HOST:PORT|unix:PATH CMD [ARG...]
 *
 * PORT 0 picks a free port; stderr gets "sdlaunch: listening on ADDR as 3"
 * with the port the kernel gave. Exits 64 on bad usage, 71 when the
 * socket cannot be made, 127 when CMD cannot be run. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/vm_sockets.h>
#endif

static int die(int code, const char *what)
{
    fprintf(stderr, "sdlaunch: %s: %s\n", what, strerror(errno));
    return code;
}

static unsigned long number(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0')
        return (unsigned long)-1;
    return v;
}

/* Bind and listen on addr; the descriptor, or -1 with errno set (EINVAL
 * for an address this program does not know). */
static int listen_on(const char *addr, char *shown, size_t n)
{
    int fd = -1;

    if (strncmp(addr, "unix:", 5) == 0) {
        struct sockaddr_un sa;
        memset(&sa, 0, sizeof sa);
        sa.sun_family = AF_UNIX;
        if (strlen(addr + 5) >= sizeof sa.sun_path) {
            errno = ENAMETOOLONG;
            return -1;
        }
        strcpy(sa.sun_path, addr + 5);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
            return -1;
        snprintf(shown, n, "%s", addr);
    } else if (strncmp(addr, "tcp:", 4) == 0) {
        struct sockaddr_in sa;
        socklen_t len = sizeof sa;
        char host[64];
        const char *colon = strrchr(addr + 4, ':');
        unsigned long port = colon ? number(colon + 1) : (unsigned long)-1;
        size_t hl = colon ? (size_t)(colon - (addr + 4)) : 0;
        int one = 1;
        if (port > 65535 || hl == 0 || hl >= sizeof host) {
            errno = EINVAL;
            return -1;
        }
        memcpy(host, addr + 4, hl);
        host[hl] = '\0';
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons((unsigned short)port);
        if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
            errno = EINVAL;
            return -1;
        }
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return -1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
            getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
            return -1;
        snprintf(shown, n, "tcp:%s:%u", host, (unsigned)ntohs(sa.sin_port));
#ifdef __linux__
    } else if (strncmp(addr, "vsock:", 6) == 0) {
        struct sockaddr_vm sa;
        socklen_t len = sizeof sa;
        unsigned long port = number(addr + 6);
        if (port > 0xFFFFFFFFul) {
            errno = EINVAL;
            return -1;
        }
        memset(&sa, 0, sizeof sa);
        sa.svm_family = AF_VSOCK;
        sa.svm_cid = VMADDR_CID_ANY;
        sa.svm_port = port == 0 ? VMADDR_PORT_ANY : (unsigned)port;
        fd = socket(AF_VSOCK, SOCK_STREAM, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
            getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
            return -1;
        snprintf(shown, n, "vsock:any:%u", sa.svm_port);
#endif
    } else {
        errno = EINVAL;
        return -1;
    }
    if (listen(fd, SOMAXCONN) < 0)
        return -1;
    return fd;
}

int main(int argc, char **argv)
{
    char shown[256], pid[32];
    int fd;

    if (argc < 3) {
        fprintf(stderr, "usage: sdlaunch vsock:PORT|tcp:HOST:PORT|unix:PATH "
                        "CMD [ARG...]\n");
        return 64;
    }
    if ((fd = listen_on(argv[1], shown, sizeof shown)) < 0)
        return die(71, argv[1]);
    if (fd != 3) {
        if (dup2(fd, 3) < 0)
            return die(71, "dup2");
        close(fd);
    }
    /* passed on: no close-on-exec (dup2 clears it; say so anyway) */
    if (fcntl(3, F_SETFD, 0) < 0)
        return die(71, "fcntl");
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    if (setenv("LISTEN_PID", pid, 1) < 0 || setenv("LISTEN_FDS", "1", 1) < 0 ||
        setenv("LISTEN_FDNAMES", "sdlaunch", 1) < 0)
        return die(71, "setenv");
    fprintf(stderr, "sdlaunch: listening on %s as 3\n", shown);
    execvp(argv[2], argv + 2);
    return die(127, argv[2]);
}
