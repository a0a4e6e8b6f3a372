/* hvmux: a hybrid vsock muxer for the tests, written from what the VMMs
 * document (Firecracker docs/vsock.md, Cloud Hypervisor docs/vsock.md,
 * OpenVMM's guide), bridging to a transport this machine has instead of
 * a guest's vsock device.
 *
 *   hvmux host UDS tcp|vsock [--vmm fc|ch|openvmm] [--never] [--merge]
 *              [--bad TEXT]
 *     listen on UDS; each client writes "CONNECT PORT\n" and the muxer
 *     connects to guest port PORT: 127.0.0.1:PORT (tcp) or vsock CID 1
 *     PORT (vsock). Refused: the unix connection is closed without an
 *     answer. Else "OK N\n" (N counts from 2^30, as Firecracker's host
 *     ports), then the bytes both ways with half-closes.
 *       --vmm fc       the verb read case-insensitively (default)
 *       --vmm ch       "CONNECT " or "connect " only
 *       --vmm openvmm  "CONNECT ", and PORT may be a service GUID (the
 *                      vsock template's GUIDs map to their port here)
 *       --never        read the request, never answer
 *       --never-first  so for the first client only
 *       --merge        OK and the guest's first bytes in one write
 *       --bad TEXT     answer TEXT (\n, \r, \xNN escapes) and close
 *       --raw PORT     no handshake: each client is bridged to guest port
 *                      PORT at once (a plain unix socket bridge, the
 *                      bench's -U row beside its hybrid one)
 *   hvmux guest UDS PORT tcp|vsock
 *     the guest's connects to host port PORT: listen on 127.0.0.1:0 (tcp,
 *     its port printed) or vsock port PORT, and bridge each connection to
 *     the unix socket UDS_PORT (nothing there: the connection is closed).
 *
 * Prints "hvmux: ready [PORT]" on stdout once it listens. One process
 * per connection. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/vm_sockets.h>
#endif

enum vmm { FC, CH, OPENVMM };

static enum vmm vmm = FC;
static int never, never_first, merge;
static const char *bad;
static long raw_port = -1;
static int use_vsock;

static void die(const char *what)
{
    fprintf(stderr, "hvmux: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Both ways until both have ended, each EOF passed on as a half-close;
 * non-blocking with a buffer per way, so that a peer that echoes never
 * waits on us while we wait on it. */
struct way {
    int from, to;
    char buf[256 * 1024];
    size_t len, off;
    int eof, done;
};

static void way_step(struct way *w)
{
    ssize_t k;
    if (w->len == 0 && !w->eof) {
        k = recv(w->from, w->buf, sizeof w->buf, MSG_DONTWAIT);
        if (k > 0) {
            w->len = (size_t)k;
            w->off = 0;
        } else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
            w->eof = 1;
        }
    }
    while (w->off < w->len) {
        k = send(w->to, w->buf + w->off, w->len - w->off,
                 MSG_DONTWAIT | MSG_NOSIGNAL);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (k < 0)
            exit(1);
        w->off += (size_t)k;
    }
    w->len = w->off = 0;
    if (w->eof && !w->done) {
        shutdown(w->to, SHUT_WR);
        w->done = 1;
    }
}

static void pump(int a, int b)
{
    static struct way w[2];
    w[0].from = w[1].to = a;
    w[0].to = w[1].from = b;
    while (!w[0].done || !w[1].done) {
        struct pollfd p[4];
        nfds_t n = 0;
        int i;
        for (i = 0; i < 2; i++) {
            if (w[i].done)
                continue;
            p[n].fd = w[i].len ? w[i].to : w[i].from;
            p[n].events = w[i].len ? POLLOUT : POLLIN;
            p[n++].revents = 0;
        }
        if (poll(p, n, -1) < 0 && errno != EINTR)
            die("poll");
        for (i = 0; i < 2; i++)
            if (!w[i].done)
                way_step(&w[i]);
    }
}

/* A unix socket, and path as its address in *sa. */
static int unix_socket(const char *path, struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket");
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    snprintf(sa->sun_path, sizeof sa->sun_path, "%s", path);
    return fd;
}

static int unix_connect(const char *path)
{
    struct sockaddr_un sa;
    int fd = unix_socket(path, &sa);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

#ifdef __linux__
/* A vsock socket, and (cid, port) as its address in *sv. */
static int vsock_socket(unsigned cid, unsigned long port,
                        struct sockaddr_vm *sv)
{
    int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket vsock");
    memset(sv, 0, sizeof *sv);
    sv->svm_family = AF_VSOCK;
    sv->svm_cid = cid;
    sv->svm_port = (unsigned)port;
    return fd;
}
#endif

/* The guest's side: 127.0.0.1:port, or vsock CID 1 port. */
static int guest_connect(unsigned long port)
{
    int fd;
    if (use_vsock) {
#ifdef __linux__
        struct sockaddr_vm sv;
        fd = vsock_socket(1, port, &sv);
        if (connect(fd, (struct sockaddr *)&sv, sizeof sv) == 0)
            return fd;
#else
        errno = EAFNOSUPPORT;
        return -1;
#endif
    } else {
        struct sockaddr_in si;
        if (port > 65535)
            return -1;
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            die("socket tcp");
        memset(&si, 0, sizeof si);
        si.sin_family = AF_INET;
        si.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        si.sin_port = htons((unsigned short)port);
        if (connect(fd, (struct sockaddr *)&si, sizeof si) == 0)
            return fd;
    }
    close(fd);
    return -1;
}

/* "P-facb-11e6-bd58-64006a7986d3": the vsock template's GUID of port P. */
static int guid_port(const char *s, unsigned long *port)
{
    static const char tail[] = "-facb-11e6-bd58-64006a7986d3";
    char *end;
    if (strlen(s) != 36 || strcasecmp(s + 8, tail) != 0)
        return -1;
    *port = strtoul(s, &end, 16);
    return end == s + 8 ? 0 : -1;
}

/* The request: "VERB PORT\n", read a byte at a time up to 64 bytes (the
 * guest's bytes come only after our answer). 0 and *port, or -1. */
static int read_request(int fd, unsigned long *port)
{
    char line[65], *sp, *end;
    size_t n = 0;
    for (;;) {
        ssize_t k = recv(fd, line + n, 1, 0);
        if (k <= 0)
            return -1;
        if (line[n] == '\n')
            break;
        if (++n == sizeof line - 1)
            return -1;
    }
    line[n] = '\0';
    sp = strchr(line, ' ');
    if (sp == NULL)
        return -1;
    *sp = '\0';
    switch (vmm) {
    case FC:
        if (strcasecmp(line, "connect") != 0)
            return -1;
        break;
    case CH:
    case OPENVMM:
        if (strcmp(line, "CONNECT") != 0 &&
            (vmm == OPENVMM || strcmp(line, "connect") != 0))
            return -1;
        break;
    }
    if (vmm == OPENVMM && guid_port(sp + 1, port) == 0)
        return 0;
    if (!isdigit((unsigned char)sp[1]))
        return -1;
    errno = 0;
    *port = strtoul(sp + 1, &end, 10);
    return *end == '\0' && errno == 0 ? 0 : -1;
}

/* TEXT with \n, \r, \\ and \xNN into buf; the length. */
static size_t unescape(const char *s, char *buf, size_t n)
{
    size_t k = 0;
    while (*s && k < n) {
        if (s[0] == '\\' && s[1] == 'n') {
            buf[k++] = '\n';
            s += 2;
        } else if (s[0] == '\\' && s[1] == 'r') {
            buf[k++] = '\r';
            s += 2;
        } else if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3]) {
            char hex[3] = {s[2], s[3], 0};
            buf[k++] = (char)strtoul(hex, NULL, 16);
            s += 4;
        } else {
            buf[k++] = *s++;
        }
    }
    return k;
}

static void serve_host(int c, unsigned long local)
{
    int silent = never || (never_first && local == (1ul << 30));
    static char buf[64 * 1024 + 64];
    unsigned long port;
    int g;
    size_t n;

    if (raw_port >= 0) {
        if ((g = guest_connect((unsigned long)raw_port)) < 0)
            exit(0);
        pump(c, g);
        exit(0);
    }
    if (read_request(c, &port) < 0)
        exit(0); /* a request the VMM does not take: closed */
    if (silent) {
        /* hold the connection, answer nothing (a VMM after a restore) */
        while (recv(c, buf, sizeof buf, 0) > 0)
            ;
        exit(0);
    }
    if (bad) {
        n = unescape(bad, buf, sizeof buf);
        write_all(c, buf, n);
        exit(0);
    }
    if ((g = guest_connect(port)) < 0)
        exit(0); /* nothing listens on that guest port: no answer */
    n = (size_t)snprintf(buf, 64, "OK %lu\n", local);
    if (merge) {
        /* the guest's first bytes behind OK, in one write */
        ssize_t k = recv(g, buf + n, sizeof buf - n, 0);
        if (k > 0)
            n += (size_t)k;
    }
    if (write_all(c, buf, n) < 0)
        exit(1);
    pump(c, g);
    exit(0);
}

static int unix_listen(const char *path)
{
    struct sockaddr_un sa;
    int fd = unix_socket(path, &sa);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 128) < 0)
        die(path);
    return fd;
}

static int guest_listen(unsigned long port, unsigned *bound)
{
    int fd, one = 1;
    if (use_vsock) {
#ifdef __linux__
        struct sockaddr_vm sv;
        fd = vsock_socket(VMADDR_CID_ANY, port, &sv);
        if (bind(fd, (struct sockaddr *)&sv, sizeof sv) < 0 ||
            listen(fd, 128) < 0)
            die("vsock listen");
        *bound = (unsigned)port;
        return fd;
#else
        errno = EAFNOSUPPORT;
        die("vsock");
#endif
    } else {
        struct sockaddr_in si;
        socklen_t len = sizeof si;
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            die("socket tcp");
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        memset(&si, 0, sizeof si);
        si.sin_family = AF_INET;
        si.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(fd, (struct sockaddr *)&si, sizeof si) < 0 ||
            listen(fd, 128) < 0 ||
            getsockname(fd, (struct sockaddr *)&si, &len) < 0)
            die("tcp listen");
        *bound = ntohs(si.sin_port);
        return fd;
    }
}

static int transport(const char *s)
{
    if (strcmp(s, "vsock") == 0)
        return 1;
    if (strcmp(s, "tcp") == 0)
        return 0;
    fprintf(stderr, "hvmux: transport is tcp or vsock, not '%s'\n", s);
    exit(2);
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    unsigned long local = 1ul << 30, port = 0;
    unsigned bound = 0;
    char path[sizeof ((struct sockaddr_un *)0)->sun_path];
    int l, i, guest;

    if (argc < 4) {
        fprintf(stderr, "usage: hvmux host UDS tcp|vsock [options]\n"
                        "       hvmux guest UDS PORT tcp|vsock\n");
        return 2;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = SA_NOCLDWAIT;
    sigaction(SIGCHLD, &sa, NULL);
    guest = strcmp(argv[1], "guest") == 0;
    if (guest) {
        if (argc != 5)
            return 2;
        port = strtoul(argv[3], NULL, 10);
        use_vsock = transport(argv[4]);
        snprintf(path, sizeof path, "%s_%lu", argv[2], port);
        l = guest_listen(port, &bound);
    } else {
        use_vsock = transport(argv[3]);
        for (i = 4; i < argc; i++) {
            if (strcmp(argv[i], "--vmm") == 0 && i + 1 < argc) {
                i++;
                vmm = strcmp(argv[i], "ch") == 0        ? CH
                      : strcmp(argv[i], "openvmm") == 0 ? OPENVMM
                                                        : FC;
            } else if (strcmp(argv[i], "--never") == 0) {
                never = 1;
            } else if (strcmp(argv[i], "--never-first") == 0) {
                never_first = 1;
            } else if (strcmp(argv[i], "--merge") == 0) {
                merge = 1;
            } else if (strcmp(argv[i], "--raw") == 0 && i + 1 < argc) {
                raw_port = strtol(argv[++i], NULL, 10);
            } else if (strcmp(argv[i], "--bad") == 0 && i + 1 < argc) {
                bad = argv[++i];
            } else {
                fprintf(stderr, "hvmux: unknown option '%s'\n", argv[i]);
                return 2;
            }
        }
        l = unix_listen(argv[2]);
    }
    printf("hvmux: ready %u\n", bound);
    fflush(stdout);
    for (;;) {
        int c = accept(l, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die("accept");
        }
        local++;
        if (fork() == 0) {
            close(l);
            if (guest) {
                int u = unix_connect(path);
                if (u < 0)
                    exit(0); /* nothing at UDS_PORT: refused */
                pump(c, u);
                exit(0);
            }
            serve_host(c, local - 1);
        }
        close(c);
    }
}
