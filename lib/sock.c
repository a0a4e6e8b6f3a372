/* sock.c: which transport serves an address. TCP and unix sockets
 * anywhere the OS has them; named pipes on Windows; the native family of
 * the build (vsock on Linux, AF_HYPERV on Windows) through the platform's
 * sock file; hybrid vsock over unix sockets (hybrid.c); any other family
 * is not supported here. */
#include "platform.h"

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
        return hv__hybrid_connect(a, o, out);
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
        return hv__hybrid_listen(a, o, out);
    default:
        break;
    }
    if (a->family == hv_native_family())
        return hv__sock_native_listen(a, o, out);
    return HV_ENOTSUP;
}

int hv__unix_stale_rule(int kind, int owned, int probe)
{
    if (kind == HV__UNIX_FILE_NONE)
        return 0;
    if (kind != HV__UNIX_FILE_SOCKET)
        return HV_ENOTSOCK; /* any other file stays */
    if (owned != 1)
        return owned < 0 ? owned : HV_EADDRINUSE; /* not ours to take */
    if (probe == 0)
        return HV_ELISTENING;
    if (probe == HV_ENOLISTENER)
        return 0; /* gone meanwhile */
    if (probe == HV_ECONNREFUSED)
        return 1; /* ours, and nobody listens: stale */
    return probe; /* unknown: it stays */
}
