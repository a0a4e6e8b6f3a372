/* sock.c: which transport serves an address. TCP and unix sockets
 * anywhere the OS has them; named pipes on Windows; the native family of
 * the build (vsock on Linux, AF_HYPERV on Windows) through the platform's
 * sock file; hybrid vsock's blocking connect over unix sockets (here,
 * with hybrid.c's handshake); any other family is not supported here. */
#include "platform.h"

/* hybrid vsock, blocking: the VMM's unix socket, "CONNECT PORT\n", and its
 * answer a byte at a time (the stream's first bytes stay unread). */
static int hybrid_connect(const struct hv_addr *a,
                          const struct hv_connect_opts *o,
                          struct hv_sock **out)
{
    struct hv_connect_opts uo = *o;
    struct hv__hybrid h;
    struct hv_addr u;
    struct hv_sock *s;
    char req[64];
    uint32_t bound = o->timeout_ms ? o->timeout_ms : HV_HYBRID_TIMEOUT_MS;
    uint64_t deadline = hv_now_ms() + bound;
    size_t used;
    int r;

    hv__hybrid_unix(a, 0, &u);
    uo.timeout_ms = bound;
    if ((r = hv__sock_unix_connect(&u, &uo, &s)) < 0)
        return r;
    r = hv__sock_send(s, req, hv__hybrid_request(a, req, sizeof req));
    hv__hybrid_init(&h);
    while (r == 0) {
        uint64_t now = hv_now_ms();
        char c;
        if (now >= deadline) {
            r = HV_ETIMEDOUT;
            break;
        }
        /* one byte at a time: the stream's first bytes stay unread */
        r = hv_sock_recv(s, &c, 1, (uint32_t)(deadline - now));
        if (r == 0 || (r == HV_ECONNRESET && h.len == 0))
            r = hv__hybrid_eof(&h);
        else if (r > 0 && (r = hv__hybrid_feed(&h, &c, 1, &used)) == 1)
            r = hv__hybrid_keep(s, &h) < 0 ? HV_ENOMEM : 1;
    }
    if (r < 0) {
        hv_sock_close(s);
        return r;
    }
    *out = s;
    return 0;
}

static int hybrid_listen(const struct hv_addr *a,
                         const struct hv_listen_opts *o, struct hv_sock **out)
{
    struct hv_addr u;
    int r = hv__hybrid_unix(a, 1, &u);
    return r < 0 ? r : hv__sock_unix_listen(&u, o, out);
}

int hv_sock_connect(const struct hv_addr *a, const struct hv_connect_opts *o,
                    struct hv_sock **out)
{
    struct hv_connect_opts none = {0, 0};
    if (o == NULL)
        o = &none;
    switch (a->family) {
    case HV_FAMILY_TCP:
        return hv__sock_tcp_connect(a, o, out);
    case HV_FAMILY_UNIX:
        return hv__sock_unix_connect(a, o, out);
    case HV_FAMILY_NPIPE:
        return hv__sock_npipe_connect(a, o, out);
    case HV_FAMILY_HYBRID:
        return hybrid_connect(a, o, out);
    default:
        break;
    }
    if (a->family == hv_native_family())
        return hv__sock_native_connect(a, o, out);
    return HV_ENOTSUP;
}

int hv_sock_listen(const struct hv_addr *a, const struct hv_listen_opts *o,
                   struct hv_sock **out)
{
    struct hv_listen_opts defaults = {0, 0, 0, NULL};
    if (o == NULL)
        o = &defaults;
    switch (a->family) {
    case HV_FAMILY_TCP:
        return hv__sock_tcp_listen(a, o, out);
    case HV_FAMILY_UNIX:
        return hv__sock_unix_listen(a, o, out);
    case HV_FAMILY_NPIPE:
        return hv__sock_npipe_listen(a, o, out);
    case HV_FAMILY_HYBRID:
        return hybrid_listen(a, o, out);
    default:
        break;
    }
    if (a->family == hv_native_family())
        return hv__sock_native_listen(a, o, out);
    return HV_ENOTSUP;
}
