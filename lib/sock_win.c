/* sock_win.c: stream sockets on Windows: AF_HYPERV (the native transport:
 * a VM GUID and a service GUID), TCP through GetAddrInfoW, and AF_UNIX
 * (Windows 10 1803+). Sockets are overlapped, so the relay can cancel
 * their I/O; accept, close, shutdown and the local address serve named
 * pipes too (npipe_win.c). Winsock is started once, in hv_net_init(). */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "platform_win.h"

/* From <hvsocket.h>, which MinGW-w64 ships only since its version 7 and
 * older Windows SDKs lack. */
#ifndef HV_PROTOCOL_RAW
#define HV_PROTOCOL_RAW 1
#endif
#ifndef HVSOCKET_CONNECT_TIMEOUT
#define HVSOCKET_CONNECT_TIMEOUT 0x01
#endif
#ifndef HVSOCKET_CONNECTED_SUSPEND
#define HVSOCKET_CONNECTED_SUSPEND 0x04
#endif

#define BACKLOG_DEFAULT 64
#define SLICE_MS 100 /* a blocking wait looks at hv_stop() this often */

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
    if (net_status == 0 && hv__stop_event() == NULL)
        return hv__err_from_os((long)GetLastError());
    return net_status;
}

/* Overlapped (the relay cancels its I/O), and not inherited by child
 * processes, like SOCK_CLOEXEC on POSIX: a command of -e gets pipes
 * (spawn_win.c), never a socket. */
static SOCKET new_socket(int af, int type, int proto)
{
    return WSASocketW(af, type, proto, NULL, 0,
                      WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
}

static int sock_new(SOCKET fd, enum hv_family fam, struct hv_sock **out)
{
    struct hv_sock *s = calloc(1, sizeof *s);
    if (s == NULL) {
        closesocket(fd);
        return HV_ENOMEM;
    }
    s->s = fd;
    s->family = fam;
    *out = s;
    return 0;
}

static int listener_new(SOCKET fd, enum hv_family fam, struct hv_sock **out)
{
    int r = sock_new(fd, fam, out);
    if (r == 0)
        (*out)->listener = 1;
    return r;
}

static int backlog_of(const struct hv_listen_opts *o)
{
    return o && o->backlog > 0 ? o->backlog : BACKLOG_DEFAULT;
}

/* A Hyper-V socket option that must hold: a failure is reported, not
 * ignored. */
static int hv_option(SOCKET fd, int name, ULONG v)
{
    if (setsockopt(fd, HV_PROTOCOL_RAW, name, (const char *)&v, sizeof v) != 0)
        return hv__err_from_os(WSAGetLastError());
    return 0;
}

/* ---------------------------------------------------------------- AF_HYPERV */

static int connect_sock(SOCKET fd, const struct sockaddr *sa, int len,
                        uint32_t timeout_ms);

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
    /* the caller keeps the timeout within HVSOCKET_CONNECT_TIMEOUT_MAX */
    if ((o && o->timeout_ms &&
         (r = hv_option(fd, HVSOCKET_CONNECT_TIMEOUT, o->timeout_ms)) < 0) ||
        (o && o->keep_on_pause &&
         (r = hv_option(fd, HVSOCKET_CONNECTED_SUSPEND, 1)) < 0)) {
        closesocket(fd);
        return r;
    }
    /* the service's own timeout bounds the wait; ours only watches the
     * stop, so that Ctrl+C during a long -w ends it at once */
    if ((r = connect_sock(fd, (struct sockaddr *)&ss, len, 0)) != 0) {
        closesocket(fd);
        return r < 0 ? HV_ESTOPPED : hv__err_from_os(r);
    }
    return sock_new(fd, HV_FAMILY_HYPERV, out);
}

int hv__sock_native_listen(const struct hv_addr *a,
                           const struct hv_listen_opts *o,
                           struct hv_sock **out)
{
    struct sockaddr_storage ss;
    SOCKET fd;
    int r, len;

    if ((len = hyperv_sa(a, &ss)) < 0)
        return len;
    if ((r = hyperv_socket(&fd)) < 0)
        return r;
    /* accepted connections take the listener's options */
    if (o && o->keep_on_pause &&
        (r = hv_option(fd, HVSOCKET_CONNECTED_SUSPEND, 1)) < 0) {
        closesocket(fd);
        return r;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
        listen(fd, backlog_of(o)) != 0) {
        r = hv__err_from_os(WSAGetLastError());
        closesocket(fd);
        return r;
    }
    return listener_new(fd, HV_FAMILY_HYPERV, out);
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
    wchar_t *host = NULL, port[16];
    int r;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    if (a->host[0] && (r = hv__utf8_to_wide(a->host, &host)) < 0)
        return r == HV_ENOMEM ? r : HV_ENOHOST;
    {
        char p[16];
        int i;
        hv__fmt(p, sizeof p, "%lu", (unsigned long)a->port);
        for (i = 0; p[i]; i++)
            port[i] = (wchar_t)p[i];
        port[i] = 0;
    }
    r = GetAddrInfoW(host, port, &hints, res);
    free(host);
    return r ? gai_err(r) : 0;
}

/* connect() with an optional deadline (timeout_ms 0: the system's own),
 * asleep until it completes or hv_stop(): FD_CONNECT on an event of its
 * own, waited for beside the stop event (WSAEventSelect makes the socket
 * non-blocking; it goes back to blocking after). For every family: a
 * Hyper-V connect may wait up to HVSOCKET_CONNECT_TIMEOUT_MAX (5 min).
 * Returns 0, a WSA error code, or -1 when stopped. */
static int connect_sock(SOCKET fd, const struct sockaddr *sa, int len,
                        uint32_t timeout_ms)
{
    u_long off = 0;
    WSAEVENT hs[2];
    WSANETWORKEVENTS ne;
    DWORD w;
    int e = 0;

    if ((hs[0] = WSACreateEvent()) == WSA_INVALID_EVENT)
        return WSAGetLastError();
    hs[1] = hv__stop_event();
    if (WSAEventSelect(fd, hs[0], FD_CONNECT) != 0) {
        e = WSAGetLastError();
        WSACloseEvent(hs[0]);
        return e;
    }
    if (connect(fd, sa, len) != 0 &&
        (e = WSAGetLastError()) == WSAEWOULDBLOCK) {
        e = 0;
        w = WSAWaitForMultipleEvents(hs[1] ? 2 : 1, hs, FALSE,
                                     timeout_ms ? timeout_ms : WSA_INFINITE,
                                     FALSE);
        if (w == WSA_WAIT_EVENT_0 + 1 || hv_stopped())
            e = -1;
        else if (w == WSA_WAIT_TIMEOUT)
            e = WSAETIMEDOUT;
        else if (w != WSA_WAIT_EVENT_0)
            e = WSAGetLastError();
        else if (WSAEnumNetworkEvents(fd, hs[0], &ne) != 0)
            e = WSAGetLastError();
        else if (ne.lNetworkEvents & FD_CONNECT)
            e = ne.iErrorCode[FD_CONNECT_BIT];
    }
    (void)WSAEventSelect(fd, NULL, 0);
    (void)ioctlsocket(fd, FIONBIO, &off);
    WSACloseEvent(hs[0]);
    return e;
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
        last = r < 0 ? HV_ESTOPPED : hv__err_from_os(r);
        closesocket(fd);
        fd = INVALID_SOCKET;
        if (r < 0)
            break; /* stopped: no further address */
    }
    FreeAddrInfoW(res);
    if (fd == INVALID_SOCKET)
        return last;
    return sock_new(fd, HV_FAMILY_TCP, out);
}

int hv__sock_tcp_listen(const struct hv_addr *a,
                        const struct hv_listen_opts *o, struct hv_sock **out)
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
            listen(fd, backlog_of(o)) == 0)
            break;
        last = hv__err_from_os(WSAGetLastError());
        closesocket(fd);
        fd = INVALID_SOCKET;
    }
    FreeAddrInfoW(res);
    if (fd == INVALID_SOCKET)
        return last;
    return listener_new(fd, HV_FAMILY_TCP, out);
}

/* ---------------------------------------------------------------- AF_UNIX */

/* SOCKADDR_UN of <afunix.h> (Windows 10 1803+), spelled out here since not
 * every toolchain ships the header. */
#define UNIX_PATH_MAX 108
struct unix_sa {
    ADDRESS_FAMILY sun_family;
    char sun_path[UNIX_PATH_MAX];
};
/* afunix.h's WSAIoctl code that returns the connected peer's process id
 * (a ULONG); Windows 10 1803 and later */
#ifndef SIO_AF_UNIX_GETPEERPID
#define SIO_AF_UNIX_GETPEERPID _WSAIOR(IOC_VENDOR, 256)
#endif

static int unix_socket(SOCKET *fd)
{
    int e;
    *fd = new_socket(AF_UNIX, SOCK_STREAM, 0);
    if (*fd != INVALID_SOCKET)
        return 0;
    e = WSAGetLastError();
    /* before Windows 10 1803, and under Wine: no such family */
    if (e == WSAEAFNOSUPPORT || e == WSAEPFNOSUPPORT ||
        e == WSAEPROTONOSUPPORT || e == WSAESOCKTNOSUPPORT || e == WSAEINVAL)
        return HV_ENOUNIX;
    return hv__err_from_os(e);
}

static int unix_sa_of(const struct hv_addr *a, struct unix_sa *sa)
{
    size_t n = strlen(a->path);
    if (n == 0 || n >= UNIX_PATH_MAX)
        return HV_EINVAL;
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, a->path, n);
    return (int)sizeof *sa;
}

/* Whether path names no file at all (so nothing can listen there). */
static int unix_missing(const char *path)
{
    wchar_t *w = hv__wide(path);
    DWORD attr, e;
    if (w == NULL)
        return 0;
    attr = GetFileAttributesW(w);
    e = GetLastError();
    free(w);
    return attr == INVALID_FILE_ATTRIBUTES &&
           (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND);
}

int hv__sock_unix_connect(const struct hv_addr *a,
                          const struct hv_connect_opts *o,
                          struct hv_sock **out)
{
    struct unix_sa sa;
    SOCKET fd;
    int r, len;

    if ((r = unix_socket(&fd)) < 0)
        return r;
    if ((len = unix_sa_of(a, &sa)) < 0) {
        closesocket(fd);
        return len;
    }
    r = connect_sock(fd, (struct sockaddr *)&sa, len, o ? o->timeout_ms : 0);
    if (r != 0) {
        closesocket(fd);
        if (r < 0)
            return HV_ESTOPPED;
        /* No socket file: nothing listens there, as on POSIX. Windows
         * answers a missing path with WSAECONNREFUSED (dotnet/runtime's
         * UnixDomainSocketTest, ..._NotServer, expects ConnectionRefused
         * on Windows; older builds gave WSAEINVAL), which alone would not
         * say why; the file is looked for instead. Wine has no AF_UNIX:
         * this path is read, not run, in the suite. */
        if (unix_missing(a->path))
            return HV_ENOLISTENER;
        return hv__err_from_os(r);
    }
    return sock_new(fd, HV_FAMILY_UNIX, out);
}

#ifndef IO_REPARSE_TAG_AF_UNIX
#define IO_REPARSE_TAG_AF_UNIX 0x80000023L
#endif

/* The file at a unix listener's path, before the bind: a stale socket
 * file of ours (a listener that died) is removed; what else is there stays,
 * by the rule POSIX keeps too (hv__unix_stale_rule). Windows makes a unix
 * socket file a reparse point of its own tag (IO_REPARSE_TAG_AF_UNIX,
 * "AF_UNIX comes to Windows"); nothing here runs under Wine, which has no
 * AF_UNIX, but the file functions it uses are tested there on plain
 * files. Windows has no lock beside the file as POSIX does: a live
 * listener whose queue is full may answer the probe with a refusal too
 * (connect, WSAECONNREFUSED: "the target computer actively refused it"
 * covers a full backlog), so the probe waits a second before it counts. */
static int unix_clear_stale(const struct hv_addr *a)
{
    wchar_t *w = hv__wide(a->path);
    WIN32_FIND_DATAW fd;
    HANDLE f;
    struct hv__file_id id;
    struct hv_connect_opts co;
    struct hv_sock *s;
    int kind = HV__UNIX_FILE_NONE, owned = 0, probe = 0, r;

    /* FindFirstFileW takes wildcards: a name with one is not looked up */
    if (w == NULL || wcspbrk(w, L"*?") != NULL) {
        free(w);
        return HV_EADDRINUSE;
    }
    f = FindFirstFileW(w, &fd);
    free(w);
    if (f != INVALID_HANDLE_VALUE) {
        FindClose(f);
        /* FindFirstFileW gives a reparse point's tag in dwReserved0
         * (WIN32_FIND_DATAW) */
        kind = (fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) &&
                       fd.dwReserved0 == (DWORD)IO_REPARSE_TAG_AF_UNIX
                   ? HV__UNIX_FILE_SOCKET
                   : HV__UNIX_FILE_OTHER;
    }
    if (kind == HV__UNIX_FILE_SOCKET) {
        if ((r = hv__file_id(a->path, &id)) < 0)
            return r == HV_ENOENT ? 0 : r;
        owned = hv__file_owned(a->path);
        if (owned == 1) {
            memset(&co, 0, sizeof co);
            co.timeout_ms = 1000;
            probe = hv__sock_unix_connect(a, &co, &s);
            if (probe == 0)
                hv_sock_close(s); /* someone listens: in use */
        }
    }
    r = hv__unix_stale_rule(kind, owned, probe);
    if (r != 1)
        return r;
    /* only the file probed: one put there since stays */
    r = hv__file_remove_same(a->path, &id);
    if (r == 1)
        return HV_EADDRINUSE;
    return r == HV_ENOENT ? 0 : r;
}

/* Close what a failed listen made: the socket and the lock. */
static int unix_listen_fail(SOCKET fd, HANDLE lock, int r)
{
    closesocket(fd);
    if (lock != INVALID_HANDLE_VALUE)
        CloseHandle(lock);
    return r;
}

int hv__sock_unix_listen(const struct hv_addr *a,
                         const struct hv_listen_opts *o, struct hv_sock **out)
{
    struct unix_sa sa;
    char lockpath[HV_PATH_MAX + sizeof ".lock"];
    HANDLE lock = INVALID_HANDLE_VALUE;
    SOCKET fd;
    int r, len, tries;

    /* a unix socket file takes the ACL its directory hands down; no
     * mode bits to give it */
    if (o->unix_mode)
        return HV_EUNIXMODE;
    if ((r = unix_socket(&fd)) < 0)
        return r;
    if ((len = unix_sa_of(a, &sa)) < 0)
        return unix_listen_fail(fd, lock, len);
    /* a listener of ours holds PATH.lock: a second one says so at once,
     * without a probe that the first would take as its client */
    hv__fmt(lockpath, sizeof lockpath, "%s.lock", a->path);
    if ((r = hv__file_lock_take(lockpath, &lock)) < 0)
        return unix_listen_fail(fd, lock, r);
    for (tries = 0;; tries++) {
        if (bind(fd, (struct sockaddr *)&sa, len) == 0)
            break;
        r = WSAGetLastError();
        if (r != WSAEADDRINUSE || tries > 0)
            return unix_listen_fail(fd, lock, hv__err_from_os(r));
        if ((r = unix_clear_stale(a)) < 0)
            return unix_listen_fail(fd, lock, r);
    }
    if (listen(fd, backlog_of(o)) != 0)
        return unix_listen_fail(fd, lock,
                                hv__err_from_os(WSAGetLastError()));
    if ((r = listener_new(fd, HV_FAMILY_UNIX, out)) < 0) {
        CloseHandle(lock);
        return r;
    }
    (*out)->lock = lock;
    (*out)->path = malloc(strlen(a->path) + 1);
    if ((*out)->path)
        strcpy((*out)->path, a->path);
    /* the file made, so that only it is removed at the close */
    (*out)->fid_ok = hv__file_id(a->path, &(*out)->fid) == 0;
    return 0;
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
    if (sa->sa_family == AF_UNIX) {
        const struct unix_sa *u = (const struct unix_sa *)sa;
        size_t n = 0, max = (size_t)len > sizeof u->sun_family
                                ? (size_t)len - sizeof u->sun_family
                                : 0;
        if (max > UNIX_PATH_MAX)
            max = UNIX_PATH_MAX;
        while (n < max && n + 1 < sizeof out->path && u->sun_path[n])
            n++;
        memcpy(out->path, u->sun_path, n);
        out->path[n] = '\0';
        out->port = HV_UID_UNKNOWN; /* Windows users are SIDs (host) */
        return 0;
    }
    return HV_ENOTSUP;
}

HANDLE hv__sock_accept_event(struct hv_sock *l, int *err)
{
    if (l->family == HV_FAMILY_NPIPE)
        return hv__npipe_accept_event(l, err);
    if (l->ev == NULL) {
        l->ev = WSACreateEvent();
        if (l->ev == WSA_INVALID_EVENT) {
            l->ev = NULL;
            *err = hv__err_from_os(WSAGetLastError());
            return NULL;
        }
        /* this also makes the listener non-blocking (hv_sock_accept) */
        if (WSAEventSelect(l->s, l->ev, FD_ACCEPT) != 0) {
            *err = hv__err_from_os(WSAGetLastError());
            WSACloseEvent(l->ev);
            l->ev = NULL;
            return NULL;
        }
    }
    return l->ev;
}

/* Is a connection waiting? FD_ACCEPT is signalled once until the next
 * accept(): select says what is true now, and the event is reset only
 * when nothing waits, before looking once more. */
int hv__sock_accept_ready(struct hv_sock *l)
{
    int pass;
    if (l->family == HV_FAMILY_NPIPE)
        return hv__npipe_accept_ready(l);
    for (pass = 0; pass < 2; pass++) {
        fd_set set;
        struct timeval tv = {0, 0};
        FD_ZERO(&set);
        FD_SET(l->s, &set);
        if (select(0, &set, NULL, NULL, &tv) > 0)
            return 1;
        if (pass == 0 && l->ev)
            WSAResetEvent(l->ev);
    }
    return 0;
}

int hv__sock_wait_accept(struct hv_sock *l, uint32_t timeout_ms)
{
    uint64_t deadline = hv_now_ms() + timeout_ms;
    HANDLE hs[2];
    int e = 0;

    if ((hs[0] = hv__sock_accept_event(l, &e)) == NULL)
        return e;
    hs[1] = hv__stop_event();
    for (;;) {
        uint64_t t;
        DWORD w;
        if (hv_stopped())
            return HV_ESTOPPED;
        if (hv__sock_accept_ready(l))
            return 1;
        t = hv_now_ms();
        if (t >= deadline)
            return 0;
        w = WaitForMultipleObjects(2, hs, FALSE, (DWORD)(deadline - t));
        if (w == WAIT_FAILED)
            return hv__err_from_os((long)GetLastError());
    }
}

/* An AF_UNIX peer's user, for --allow/--deny: SIO_AF_UNIX_GETPEERPID
 * (declared in the Windows SDK's afunix.h) gives the peer process's id,
 * and that process's token its user. Left empty (unknown) when either
 * cannot be had. Wine has no AF_UNIX: this was never run here, only
 * built. */
static void unix_peer_user(SOCKET fd, struct hv_addr *peer)
{
    ULONG pid = 0;
    DWORD got = 0;
    peer->host[0] = '\0';
    if (WSAIoctl(fd, SIO_AF_UNIX_GETPEERPID, NULL, 0, &pid, sizeof pid, &got,
                 NULL, NULL) == 0 &&
        got == sizeof pid)
        (void)hv__pid_user_sid(pid, peer->host, sizeof peer->host);
}

int hv_sock_accept(struct hv_sock *l, struct hv_sock **out,
                   struct hv_addr *peer)
{
    struct sockaddr_storage ss;
    SOCKET fd;
    int len, e;
    u_long off = 0;

    if (l->family == HV_FAMILY_NPIPE)
        return hv__npipe_accept(l, out, peer);
    for (;;) {
        len = (int)sizeof ss;
        fd = accept(l->s, (struct sockaddr *)&ss, &len);
        if (fd != INVALID_SOCKET)
            break;
        e = WSAGetLastError();
        if (e == WSAEWOULDBLOCK) {
            /* the listener is non-blocking once it has an event */
            int r = hv__sock_wait_accept(l, SLICE_MS * 10);
            if (r < 0)
                return r;
            continue;
        }
        /* a connection that died in the queue is not the listener's fault */
        if (e != WSAEINTR && e != WSAECONNRESET && e != WSAECONNABORTED)
            return hv__err_from_os(e);
    }
    /* accept() copies the listener's attributes: no event selection, back
     * to blocking, and kept out of children */
    if (l->ev) {
        (void)WSAEventSelect(fd, NULL, 0);
        (void)ioctlsocket(fd, FIONBIO, &off);
    }
    (void)SetHandleInformation((HANDLE)fd, HANDLE_FLAG_INHERIT, 0);
    if (peer && addr_from_sa(l->family, (struct sockaddr *)&ss, len, peer) < 0) {
        memset(peer, 0, sizeof *peer);
        peer->family = l->family;
    }
    if (peer && ss.ss_family == AF_UNIX)
        unix_peer_user(fd, peer);
    return sock_new(fd, l->family, out);
}

int hv_sock_recv(struct hv_sock *s, void *buf, size_t n, uint32_t timeout_ms)
{
    uint64_t deadline = hv_now_ms() + timeout_ms;
    WSAEVENT ev;
    HANDLE hs[2];
    u_long off = 0;
    int got, e, r = 0;

    if (s->family == HV_FAMILY_NPIPE)
        return HV_ENOTSUP;
    if (n > 0x7FFFFFFF)
        n = 0x7FFFFFFF;
    /* asleep until data, the peer's end or the stop: the event makes the
     * socket non-blocking, which is undone before returning */
    if ((ev = WSACreateEvent()) == WSA_INVALID_EVENT)
        return hv__err_from_os(WSAGetLastError());
    if (WSAEventSelect(s->s, ev, FD_READ | FD_CLOSE) == SOCKET_ERROR) {
        e = WSAGetLastError();
        WSACloseEvent(ev);
        return hv__err_from_os(e);
    }
    hs[0] = ev;
    hs[1] = hv__stop_event();
    for (;;) {
        uint64_t now;
        DWORD w;
        if (hv_stopped()) {
            r = HV_ESTOPPED;
            break;
        }
        /* reset before the recv: data arriving after it signals again */
        WSAResetEvent(ev);
        got = recv(s->s, buf, (int)n, 0);
        if (got >= 0) {
            r = got;
            break;
        }
        e = WSAGetLastError();
        if (e != WSAEWOULDBLOCK && e != WSAEINTR) {
            r = hv__err_from_os(e);
            break;
        }
        now = hv_now_ms();
        if (timeout_ms != 0xFFFFFFFFu && now >= deadline) {
            r = HV_ETIMEDOUT;
            break;
        }
        w = WaitForMultipleObjects(hs[1] ? 2 : 1, hs, FALSE,
                                   timeout_ms == 0xFFFFFFFFu
                                       ? INFINITE
                                       : (DWORD)(deadline - now));
        if (w == WAIT_FAILED) {
            r = hv__err_from_os((long)GetLastError());
            break;
        }
    }
    (void)WSAEventSelect(s->s, NULL, 0);
    (void)ioctlsocket(s->s, FIONBIO, &off);
    WSACloseEvent(ev);
    return r;
}

int hv_sock_local(struct hv_sock *s, struct hv_addr *out)
{
    struct sockaddr_storage ss;
    int len = (int)sizeof ss;
    if (s->family == HV_FAMILY_NPIPE) {
        memset(out, 0, sizeof *out);
        out->family = HV_FAMILY_NPIPE;
        if (s->path)
            hv__fmt(out->path, sizeof out->path, "%s", s->path);
        return 0;
    }
    if (getsockname(s->s, (struct sockaddr *)&ss, &len) != 0)
        return hv__err_from_os(WSAGetLastError());
    return addr_from_sa(s->family, (struct sockaddr *)&ss, len, out);
}

int hv_sock_shutdown_send(struct hv_sock *s)
{
    if (s->family == HV_FAMILY_NPIPE)
        return 0; /* a pipe has no half-close */
    if (shutdown(s->s, SD_SEND) != 0) {
        int e = WSAGetLastError();
        /* a connected socket that is no longer connected was reset */
        if (e == WSAENOTCONN || e == WSAECONNRESET || e == WSAECONNABORTED ||
            e == WSAESHUTDOWN)
            return HV_ECONNRESET;
        return hv__err_from_os(e);
    }
    return 0;
}

void hv_sock_close(struct hv_sock *s)
{
    if (s == NULL)
        return;
    if (s->family == HV_FAMILY_NPIPE) {
        hv__npipe_close(s);
        return;
    }
    if (s->ev) {
        (void)WSAEventSelect(s->s, NULL, 0);
        WSACloseEvent(s->ev);
    }
    /* a normal end: half-close first, so data in flight is not dropped
     * at the peer; an error here only means it was too late */
    if (!s->listener && !s->no_shutdown)
        (void)shutdown(s->s, SD_SEND);
    closesocket(s->s);
    if (s->listener && s->family == HV_FAMILY_UNIX && s->path && s->fid_ok)
        (void)hv__file_remove_same(s->path, &s->fid);
    if (s->lock)
        CloseHandle(s->lock); /* the lock file goes with it */
    free(s->path);
    free(s->hybrid_ok);
    free(s);
}

void hv_sock_abort(struct hv_sock *s)
{
    struct linger lg;
    if (s == NULL)
        return;
    if (s->family == HV_FAMILY_NPIPE) {
        hv__npipe_disconnect(s);
        hv__npipe_close(s);
        return;
    }
    /* no shutdown, whose FIN the peer would read as the clean end; a
     * zero linger time makes closesocket "a hard or abortive close"
     * (closesocket, Remarks; SO_LINGER) */
    s->no_shutdown = 1;
    lg.l_onoff = 1;
    lg.l_linger = 0;
    (void)setsockopt(s->s, SOL_SOCKET, SO_LINGER, (const char *)&lg,
                     (int)sizeof lg);
    hv_sock_close(s);
}

int hv__sock_send(struct hv_sock *s, const char *p, size_t n)
{
    while (n > 0) {
        int k = send(s->s, p, n > 0x7FFFFFFF ? 0x7FFFFFFF : (int)n, 0);
        if (k == SOCKET_ERROR)
            return hv__err_from_os(WSAGetLastError());
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* vsock CIDs are a Linux guest's; a Windows host has none. */
int hv_vsock_local_cid(uint32_t *cid)
{
    (void)cid;
    return HV_ENOTSUP;
}

/* A Windows socket cannot travel as SCM_RIGHTS (WSADuplicateSocket needs
 * the receiver's process id and its own protocol): no --fdpass. */
int hv_stdout_passes_fds(void)
{
    return HV_ENOTSUP;
}

int hv_sock_pass_stdout(struct hv_sock *s)
{
    (void)s;
    return HV_ENOTSUP;
}
