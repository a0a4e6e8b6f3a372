/* sock.c: which transport serves an address. TCP anywhere; the native
 * family of the build (vsock on Linux, AF_HYPERV on Windows) through the
 * platform's sock file; any other family is not supported here. */
#include "platform.h"

int hv_sock_connect(const struct hv_addr *a, const struct hv_connect_opts *o,
                    struct hv_sock **out)
{
    if (a->family == HV_FAMILY_TCP)
        return hv__sock_tcp_connect(a, o, out);
    if (a->family == hv_native_family())
        return hv__sock_native_connect(a, o, out);
    return HV_ENOTSUP;
}

int hv_sock_listen(const struct hv_addr *a, int backlog, struct hv_sock **out)
{
    if (a->family == HV_FAMILY_TCP)
        return hv__sock_tcp_listen(a, backlog, out);
    if (a->family == hv_native_family())
        return hv__sock_native_listen(a, backlog, out);
    return HV_ENOTSUP;
}
