/* sock_win.c: stream sockets on Windows: AF_HYPERV (the native transport:
 * a VM GUID and a service GUID) and TCP through GetAddrInfoW. Winsock is
 * started once, in hv_net_init(). */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

/* From <hvsocket.h>, which not every toolchain ships (../shared/FACTS.md). */
#ifndef HV_PROTOCOL_RAW
#define HV_PROTOCOL_RAW 1
#endif
#ifndef HVSOCKET_CONNECT_TIMEOUT
#define HVSOCKET_CONNECT_TIMEOUT 0x01
#endif

enum hv_family hv_native_family(void)
{
    return HV_FAMILY_HYPERV;
}

static INIT_ONCE net_once = INIT_ONCE_STATIC_INIT;
static int net_status;

static BOOL CALLBACK net_start(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    WSADATA wd;
    int r = WSAStartup(MAKEWORD(2, 2), &wd);
    (void)once;
    (void)param;
    (void)ctx;
    net_status = r ? hv__err_from_os(r) : 0;
    return TRUE;
}

int hv_net_init(void)
{
    if (!InitOnceExecuteOnce(&net_once, net_start, NULL, NULL))
        return HV_EINTERNAL;
    return net_status;
}

/* Overlapped unless sockets are for commands (hv_sock_spawnable): a child
 * that reads its standard input with ReadFile needs a non-overlapped one. */
static DWORD overlapped_flag = WSA_FLAG_OVERLAPPED;

void hv_sock_spawnable(int on)
{
    overlapped_flag = on ? 0 : WSA_FLAG_OVERLAPPED;
}

/* Not inherited by child processes, like SOCK_CLOEXEC on POSIX (a spawned
 * command gets its socket explicitly, see spawn_win.c). */
static SOCKET new_socket(int af, int type, int proto)
{
    return WSASocketW(af, type, proto, NULL, 0,
                      overlapped_flag | WSA_FLAG_NO_HANDLE_INHERIT);
}

static int sock_new(SOCKET fd, enum hv_family fam, struct hv_sock **out)
{
    struct hv_sock *s = malloc(sizeof *s);
    if (s == NULL) {
        closesocket(fd);
        return HV_ENOMEM;
    }
    s->s = fd;
    s->family = fam;
    *out = s;
    return 0;
}

/* ---------------------------------------------------------------- AF_HYPERV */

static int hyperv_socket(SOCKET *fd)
{
    int e;
    *fd = new_socket(AF_HYPERV, SOCK_STREAM, HV_PROTOCOL_RAW);
    if (*fd != INVALID_SOCKET)
        return 0;
    e = WSAGetLastError();
    /* Windows Home, Hyper-V off, Wine: the family (or its protocol) is unknown */
    if (e == WSAEAFNOSUPPORT || e == WSAEPFNOSUPPORT ||
        e == WSAEPROTONOSUPPORT || e == WSAESOCKTNOSUPPORT)
        return HV_ENOHVSOCK;
    return hv__err_from_os(e);
}

static int hyperv_sa(const struct hv_addr *a, struct sockaddr_storage *ss)
{
    uint8_t b[HV_SOCKADDR_HV_LEN];
    int n = hv_addr_to_sockaddr_hv(a, b);
    if (n < 0)
        return n;
    memset(ss, 0, sizeof *ss);
    memcpy(ss, b, (size_t)n);
    return n;
}

int hv__sock_native_connect(const struct hv_addr *a,
                          const struct hv_connect_opts *o, struct hv_sock **out)
{
    struct sockaddr_storage ss;
    SOCKET fd;
    int r, len;

    if ((len = hyperv_sa(a, &ss)) < 0)
        return len;
    if ((r = hyperv_socket(&fd)) < 0)
        return r;
    if (o && o->timeout_ms) {
        /* the caller keeps it within HVSOCKET_CONNECT_TIMEOUT_MAX; a build
         * without the option connects with its default, as vsock does */
        ULONG ms = o->timeout_ms;
        (void)setsockopt(fd, HV_PROTOCOL_RAW, HVSOCKET_CONNECT_TIMEOUT,
                         (const char *)&ms, sizeof ms);
    }
    if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
        r = hv__err_from_os(WSAGetLastError());
        closesocket(fd);
        return r;
    }
    return sock_new(fd, HV_FAMILY_HYPERV, out);
}

int hv__sock_native_listen(const struct hv_addr *a, int backlog,
                         struct hv_sock **out)
{
    struct sockaddr_storage ss;
    SOCKET fd;
    int r, len;

    if ((len = hyperv_sa(a, &ss)) < 0)
        return len;
    if ((r = hyperv_socket(&fd)) < 0)
        return r;
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
        listen(fd, backlog) != 0) {
        r = hv__err_from_os(WSAGetLastError());
        closesocket(fd);
        return r;
    }
    return sock_new(fd, HV_FAMILY_HYPERV, out);
}

/* ---------------------------------------------------------------- TCP */

static int gai_err(int e)
{
    switch (e) {
    case WSAHOST_NOT_FOUND:
    case WSATRY_AGAIN:
    case WSANO_RECOVERY:
    case WSANO_DATA:
        return HV_ENOHOST;
    case WSA_NOT_ENOUGH_MEMORY:
        return HV_ENOMEM;
    default:
        return HV_EINVAL;
    }
}

/* Host names arrive as UTF-8; the wide resolver takes them as they are. */
static int tcp_resolve(const struct hv_addr *a, int passive, ADDRINFOW **res)
{
    ADDRINFOW hints;
    wchar_t host[HV_HOST_MAX], port[16];
    int r;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    if (a->host[0] && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS,
                                          a->host, -1, host, HV_HOST_MAX) == 0)
        return HV_ENOHOST;
    {
        char p[16];
        int i;
        hv__fmt(p, sizeof p, "%lu", (unsigned long)a->port);
        for (i = 0; p[i]; i++)
            port[i] = (wchar_t)p[i];
        port[i] = 0;
    }
    r = GetAddrInfoW(a->host[0] ? host : NULL, port, &hints, res);
    return r ? gai_err(r) : 0;
}

static uint64_t now_ms(void)
{
    return GetTickCount64();
}

/* connect() with an optional deadline: non-blocking connect, then select.
 * Returns 0 or a WSA error code. */
static int connect_sock(SOCKET fd, const struct sockaddr *sa, int len,
                        uint32_t timeout_ms)
{
    u_long on = 1, off = 0;
    uint64_t deadline;
    int e, err = 0, elen = sizeof err;

    if (timeout_ms == 0)
        return connect(fd, sa, len) == 0 ? 0 : WSAGetLastError();
    if (ioctlsocket(fd, FIONBIO, &on) != 0)
        return WSAGetLastError();
    if (connect(fd, sa, len) == 0) {
        ioctlsocket(fd, FIONBIO, &off);
        return 0;
    }
    e = WSAGetLastError();
    if (e != WSAEWOULDBLOCK && e != WSAEINPROGRESS) {
        ioctlsocket(fd, FIONBIO, &off);
        return e;
    }
    deadline = now_ms() + timeout_ms;
    for (;;) {
        fd_set wr, ex;
        struct timeval tv;
        uint64_t t = now_ms(), left = t >= deadline ? 0 : deadline - t;
        int r;

        FD_ZERO(&wr);
        FD_ZERO(&ex);
        FD_SET(fd, &wr);
        FD_SET(fd, &ex); /* Winsock reports a failed connect here */
        tv.tv_sec = (long)(left / 1000u);
        tv.tv_usec = (long)((left % 1000u) * 1000u);
        r = select(0, NULL, &wr, &ex, &tv);
        if (r == SOCKET_ERROR) {
            e = WSAGetLastError();
            if (e == WSAEINTR)
                continue;
            ioctlsocket(fd, FIONBIO, &off);
            return e;
        }
        if (r == 0) {
            ioctlsocket(fd, FIONBIO, &off);
            return WSAETIMEDOUT;
        }
        break;
    }
    ioctlsocket(fd, FIONBIO, &off);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, (char *)&err, &elen) != 0)
        return WSAGetLastError();
    return err;
}

int hv__sock_tcp_connect(const struct hv_addr *a, const struct hv_connect_opts *o,
                       struct hv_sock **out)
{
    ADDRINFOW *res, *ai;
    SOCKET fd = INVALID_SOCKET;
    int r, last = HV_ECONNREFUSED;

    if ((r = tcp_resolve(a, 0, &res)) < 0)
        return r;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = new_socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd == INVALID_SOCKET) {
            last = hv__err_from_os(WSAGetLastError());
            continue;
        }
        r = connect_sock(fd, ai->ai_addr, (int)ai->ai_addrlen,
                         o ? o->timeout_ms : 0);
        if (r == 0)
            break;
        last = hv__err_from_os(r);
        closesocket(fd);
        fd = INVALID_SOCKET;
    }
    FreeAddrInfoW(res);
    if (fd == INVALID_SOCKET)
        return last;
    return sock_new(fd, HV_FAMILY_TCP, out);
}

int hv__sock_tcp_listen(const struct hv_addr *a, int backlog,
                      struct hv_sock **out)
{
    ADDRINFOW *res, *ai;
    SOCKET fd = INVALID_SOCKET;
    int r, last = HV_EADDRNOTAVAIL;
    BOOL one = TRUE;

    if ((r = tcp_resolve(a, 1, &res)) < 0)
        return r;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = new_socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd == INVALID_SOCKET) {
            last = hv__err_from_os(WSAGetLastError());
            continue;
        }
        /* On Windows SO_REUSEADDR would let another process steal the
         * port; exclusive use is the safe equivalent of the POSIX flag. */
        (void)setsockopt(fd, SOL_SOCKET, SO_EXCLUSIVEADDRUSE,
                         (const char *)&one, sizeof one);
        /* Windows lists :: before 0.0.0.0 for the wildcard and makes IPv6
         * sockets IPv6-only: take IPv4 clients too, as the 0.0.0.0 that
         * glibc lists first does on Linux */
        if (ai->ai_family == AF_INET6) {
            DWORD v6only = 0;
            (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
                             (const char *)&v6only, sizeof v6only);
        }
        if (bind(fd, ai->ai_addr, (int)ai->ai_addrlen) == 0 &&
            listen(fd, backlog) == 0)
            break;
        last = hv__err_from_os(WSAGetLastError());
        closesocket(fd);
        fd = INVALID_SOCKET;
    }
    FreeAddrInfoW(res);
    if (fd == INVALID_SOCKET)
        return last;
    return sock_new(fd, HV_FAMILY_TCP, out);
}

/* ---------------------------------------------------------------- common */

/* A sockaddr from Winsock into a struct hv_addr. */
static int addr_from_sa(enum hv_family fam, const struct sockaddr *sa, int len,
                        struct hv_addr *out)
{
    memset(out, 0, sizeof *out);
    out->family = fam;
    if (sa->sa_family == AF_HYPERV)
        return hv_addr_from_sockaddr_hv((const uint8_t *)sa, (size_t)len, out);
    if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
        char port[16];
        int r = getnameinfo(sa, (socklen_t)len, out->host, sizeof out->host,
                            port, sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
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
    SOCKET fd;
    int len, e;

    for (;;) {
        len = (int)sizeof ss;
        fd = accept(l->s, (struct sockaddr *)&ss, &len);
        if (fd != INVALID_SOCKET)
            break;
        e = WSAGetLastError();
        /* a connection that died in the queue is not the listener's fault */
        if (e != WSAEINTR && e != WSAECONNRESET && e != WSAECONNABORTED)
            return hv__err_from_os(e);
    }
    /* accept() copies the listener's attributes; keep it out of children */
    (void)SetHandleInformation((HANDLE)fd, HANDLE_FLAG_INHERIT, 0);
    if (peer && addr_from_sa(l->family, (struct sockaddr *)&ss, len, peer) < 0) {
        memset(peer, 0, sizeof *peer);
        peer->family = l->family;
    }
    return sock_new(fd, l->family, out);
}

int hv_sock_wait_accept(struct hv_sock *l, uint32_t timeout_ms)
{
    fd_set set;
    struct timeval tv;
    int r;

    FD_ZERO(&set);
    FD_SET(l->s, &set);
    tv.tv_sec = (long)(timeout_ms / 1000u);
    tv.tv_usec = (long)((timeout_ms % 1000u) * 1000u);
    r = select(0, &set, NULL, NULL, &tv);
    if (r == SOCKET_ERROR) {
        int e = WSAGetLastError();
        return e == WSAEINTR ? 0 : hv__err_from_os(e);
    }
    return r > 0;
}

int hv_sock_local(struct hv_sock *s, struct hv_addr *out)
{
    struct sockaddr_storage ss;
    int len = (int)sizeof ss;
    if (getsockname(s->s, (struct sockaddr *)&ss, &len) != 0)
        return hv__err_from_os(WSAGetLastError());
    return addr_from_sa(s->family, (struct sockaddr *)&ss, len, out);
}

int hv_sock_shutdown_send(struct hv_sock *s)
{
    if (shutdown(s->s, SD_SEND) != 0) {
        int e = WSAGetLastError();
        if (e != WSAENOTCONN)
            return hv__err_from_os(e);
    }
    return 0;
}

void hv_sock_close(struct hv_sock *s)
{
    if (s == NULL)
        return;
    closesocket(s->s);
    free(s);
}
