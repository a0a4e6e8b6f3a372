/* err_posix.c: errno onto the library's error table. */
#include <errno.h>
#include <string.h>

#include "platform_posix.h"

static int map(long e)
{
    switch (e) {
    case 0:
        return HV_EINTERNAL;
    case EINVAL:
        return HV_EINVAL;
    case ERANGE:
        return HV_ERANGE;
    case ECONNREFUSED:
        return HV_ECONNREFUSED;
    case ENETUNREACH:
        return HV_ENETUNREACH;
    case EHOSTUNREACH:
        return HV_EHOSTUNREACH;
    case ENETDOWN:
        return HV_ENETDOWN;
    case ENODEV:
        return HV_ENODEV;
    case EADDRINUSE:
        return HV_EADDRINUSE;
    case EADDRNOTAVAIL:
        return HV_EADDRNOTAVAIL;
    case EAFNOSUPPORT:
        /* vsock_socket() in sock_posix.c says HV_ENOVSOCK for AF_VSOCK;
         * anywhere else (an IPv6 address without IPv6) it is just this */
        return HV_EAFNOSUPPORT;
    case EOPNOTSUPP:
        return HV_ENOTSUP;
    case ENOENT:
        return HV_ENOTFOUND;
    case EMFILE:
    case ENFILE:
        return HV_EMFILE;
    case ENOMEM:
    case ENOBUFS:
        return HV_ENOMEM;
    case ECONNRESET:
    case ENETRESET:
        return HV_ECONNRESET;
    case ECONNABORTED:
        return HV_ECONNABORTED;
    case EPIPE:
    case ENOTCONN: /* as err_win.c maps WSAENOTCONN and WSAESHUTDOWN */
#ifdef ESHUTDOWN
    case ESHUTDOWN:
#endif
        return HV_EPIPE;
    case EIO:
    case ENOSPC: /* as err_win.c maps ERROR_DISK_FULL */
        return HV_EIO;
    case EEXIST:
        return HV_EEXIST;
    case EPROTONOSUPPORT:
#ifdef ESOCKTNOSUPPORT
    case ESOCKTNOSUPPORT:
#endif
        return HV_ENOTSUP;
    case ETIMEDOUT:
        return HV_ETIMEDOUT;
    case EACCES:
    case EPERM:
        return HV_EACCES;
    default:
        return HV_EOS;
    }
}

int hv__err_from_os(long e)
{
    int r = map(e);
    hv__err_note(e, r);
    return r;
}

size_t hv__os_text(long oserr, char *buf, size_t n)
{
    /* strerror is not thread-safe everywhere, but the tools print from one
     * thread on POSIX */
    return hv__fmt(buf, n, "%s", strerror((int)oserr));
}
