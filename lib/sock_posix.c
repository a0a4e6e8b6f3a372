/* sock_posix.c: stream sockets on POSIX: AF_VSOCK (the native transport of
 * a Linux guest) and TCP through getaddrinfo. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "platform.h"

enum hv_family hv_native_family(void)
{
    return HV_FAMILY_VSOCK;
}

int hv_net_init(void)
{
    return 0;
}

static int sock_new(int fd, enum hv_family fam, struct hv_sock **out)
{
    struct hv_sock *s = malloc(sizeof *s);
    if (s == NULL) {
        close(fd);
        return HV_ENOMEM;
    }
    s->fd = fd;
    s->family = fam;
    *out = s;
    return 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* connect() with an optional deadline: non-blocking connect, then poll. */
static int connect_fd(int fd, const struct sockaddr *sa, socklen_t len,
                      uint32_t timeout_ms)
{
    int flags, err = 0;
    socklen_t elen = sizeof err;
    uint64_t deadline;

    if (timeout_ms == 0) {
        if (connect(fd, sa, len) == 0)
            return 0;
        if (errno != EINTR)
            return -errno;
        /* interrupted: the connection goes on; wait for it below */
        timeout_ms = 0xFFFFFFFFu;
    } else {
        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
            return -errno;
        if (connect(fd, sa, len) == 0) {
            fcntl(fd, F_SETFL, flags);
            return 0;
        }
        if (errno != EINPROGRESS && errno != EINTR)
            return -errno;
        fcntl(fd, F_SETFL, flags);
    }
    deadline = now_ms() + timeout_ms;
    for (;;) {
        struct pollfd p;
        uint64_t t = now_ms();
        int left = t >= deadline ? 0
                   : (deadline - t > 0x7FFFFFFF ? -1 : (int)(deadline - t));
        int r;
        p.fd = fd;
        p.events = POLLOUT;
        p.revents = 0;
        r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return -ETIMEDOUT;
        break;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
        return -errno;
    return err ? -err : 0;
}

#ifdef HV__HAVE_VSOCK
static void vsock_sa(struct sockaddr_vm *sa, uint32_t cid, uint32_t port)
{
    memset(sa, 0, sizeof *sa);
    sa->svm_family = AF_VSOCK;
    sa->svm_cid = cid;
    sa->svm_port = port;
}

/* Larger than the 256 KiB default: the peer's credit then rarely stops a
 * 256 KiB pump write half-way. virtio and loopback honour it (accepted
 * sockets inherit the listener's); hv_sock ignores it. */
#define VSOCK_BUFFER (1024ull * 1024ull)

static int vsock_socket(int *fd)
{
    unsigned long long size = VSOCK_BUFFER;
    *fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*fd < 0)
        return errno == EAFNOSUPPORT ? HV_ENOVSOCK : hv__err_from_os(errno);
    /* best effort: the maximum first, or the size is refused */
    (void)setsockopt(*fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_MAX_SIZE, &size,
                     sizeof size);
    (void)setsockopt(*fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &size,
                     sizeof size);
    return 0;
}

int hv__sock_native_connect(const struct hv_addr *a,
                         const struct hv_connect_opts *o, struct hv_sock **out)
{
    struct sockaddr_vm sa;
    int fd, r;

    if ((r = vsock_socket(&fd)) < 0)
        return r;
    if (o && o->timeout_ms) {
        struct timeval tv;
        tv.tv_sec = (time_t)(o->timeout_ms / 1000u);
        tv.tv_usec = (suseconds_t)((o->timeout_ms % 1000u) * 1000u);
        /* older kernels lack the option; the poll deadline still holds */
        (void)setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, &tv,
                         sizeof tv);
    }
    vsock_sa(&sa, a->cid, a->port);
    r = connect_fd(fd, (struct sockaddr *)&sa, sizeof sa,
                   o ? o->timeout_ms : 0);
    if (r < 0) {
        close(fd);
        /* vsock answers a port nobody listens on with a reset */
        if (r == -ECONNRESET)
            return HV_ECONNREFUSED;
        return hv__err_from_os(-r);
    }
    return sock_new(fd, HV_FAMILY_VSOCK, out);
}

int hv__sock_native_listen(const struct hv_addr *a, int backlog,
                        struct hv_sock **out)
{
    struct sockaddr_vm sa;
    int fd, r;

    if ((r = vsock_socket(&fd)) < 0)
        return r;
    vsock_sa(&sa, a->cid, a->port);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(fd, backlog) < 0) {
        r = hv__err_from_os(errno);
        close(fd);
        return r;
    }
    return sock_new(fd, HV_FAMILY_VSOCK, out);
}
#else
/* a POSIX system without AF_VSOCK: only TCP */
int hv__sock_native_connect(const struct hv_addr *a,
                            const struct hv_connect_opts *o,
                            struct hv_sock **out)
{
    (void)a;
    (void)o;
    (void)out;
    return HV_ENOVSOCK;
}

int hv__sock_native_listen(const struct hv_addr *a, int backlog,
                           struct hv_sock **out)
{
    (void)a;
    (void)backlog;
    (void)out;
    return HV_ENOVSOCK;
}
#endif

static int gai_err(int e)
{
    switch (e) {
    case EAI_NONAME:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
    case EAI_FAIL:
    case EAI_AGAIN:
        return HV_ENOHOST;
    case EAI_MEMORY:
        return HV_ENOMEM;
    case EAI_SYSTEM:
        return hv__err_from_os(errno);
    default:
        return HV_EINVAL;
    }
}

static int tcp_resolve(const struct hv_addr *a, int passive,
                       struct addrinfo **res)
{
    struct addrinfo hints;
    char port[16];
    int r;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    hv__fmt(port, sizeof port, "%lu", (unsigned long)a->port);
    r = getaddrinfo(a->host[0] ? a->host : NULL, port, &hints, res);
    return r ? gai_err(r) : 0;
}

int hv__sock_tcp_connect(const struct hv_addr *a, const struct hv_connect_opts *o,
                       struct hv_sock **out)
{
    struct addrinfo *res, *ai;
    int r, fd = -1, last = HV_ECONNREFUSED;

    if ((r = tcp_resolve(a, 0, &res)) < 0)
        return r;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            last = hv__err_from_os(errno);
            continue;
        }
        r = connect_fd(fd, ai->ai_addr, ai->ai_addrlen, o ? o->timeout_ms : 0);
        if (r == 0)
            break;
        last = hv__err_from_os(-r);
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return last;
    return sock_new(fd, HV_FAMILY_TCP, out);
}

int hv__sock_tcp_listen(const struct hv_addr *a, int backlog,
                      struct hv_sock **out)
{
    struct addrinfo *res, *ai;
    int r, fd = -1, last = HV_EADDRNOTAVAIL, one = 1;

    if ((r = tcp_resolve(a, 1, &res)) < 0)
        return r;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            last = hv__err_from_os(errno);
            continue;
        }
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, backlog) == 0)
            break;
        last = hv__err_from_os(errno);
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return last;
    return sock_new(fd, HV_FAMILY_TCP, out);
}

/* A sockaddr from the kernel into a struct hv_addr. */
static int addr_from_sa(enum hv_family fam, const struct sockaddr *sa,
                        socklen_t len, struct hv_addr *out)
{
    memset(out, 0, sizeof *out);
    out->family = fam;
#ifdef HV__HAVE_VSOCK
    if (sa->sa_family == AF_VSOCK) {
        const struct sockaddr_vm *vm = (const struct sockaddr_vm *)sa;
        out->cid = vm->svm_cid;
        out->port = vm->svm_port;
        return 0;
    }
#endif
    if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
        char port[16];
        int r = getnameinfo(sa, len, out->host, sizeof out->host, port,
                            sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
        if (r)
            return gai_err(r);
        return hv_parse_u32(port, 0, 65535, &out->port);
    }
    return HV_ENOTSUP;
}

int hv_sock_accept(struct hv_sock *l, struct hv_sock **out,
                   struct hv_addr *peer)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd;

    for (;;) {
        len = sizeof ss;
        fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
        if (fd >= 0)
            break;
        /* a connection that died in the queue is not the listener's fault */
        if (errno != EINTR && errno != ECONNABORTED)
            return hv__err_from_os(errno);
    }
    if (peer && addr_from_sa(l->family, (struct sockaddr *)&ss, len, peer) < 0) {
        memset(peer, 0, sizeof *peer);
        peer->family = l->family;
    }
    return sock_new(fd, l->family, out);
}

int hv_sock_wait_accept(struct hv_sock *l, uint32_t timeout_ms)
{
    struct pollfd p;
    int r;

    p.fd = l->fd;
    p.events = POLLIN;
    p.revents = 0;
    r = poll(&p, 1, timeout_ms > 0x7FFFFFFFu ? -1 : (int)timeout_ms);
    if (r < 0)
        return errno == EINTR ? 0 : hv__err_from_os(errno);
    return r > 0;
}

/* Every socket here can become a child's stdin and stdout as it is. */
void hv_sock_spawnable(int on)
{
    (void)on;
}

int hv_sock_local(struct hv_sock *s, struct hv_addr *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(s->fd, (struct sockaddr *)&ss, &len) < 0)
        return hv__err_from_os(errno);
    return addr_from_sa(s->family, (struct sockaddr *)&ss, len, out);
}

int hv_sock_shutdown_send(struct hv_sock *s)
{
    if (shutdown(s->fd, SHUT_WR) < 0 && errno != ENOTCONN)
        return hv__err_from_os(errno);
    return 0;
}

void hv_sock_close(struct hv_sock *s)
{
    if (s == NULL)
        return;
    close(s->fd);
    free(s);
}
