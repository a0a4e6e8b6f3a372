/* err_win.c: Winsock (WSA*), Win32 (ERROR_*, also registry LSTATUS) codes
 * onto the library's error table. The two ranges do not overlap: Winsock
 * codes start at 10000. */
#include "platform_win.h"

static int from_wsa(long e)
{
    switch (e) {
    case WSAECONNREFUSED:
        return HV_ECONNREFUSED;
    case WSAETIMEDOUT:
        return HV_ETIMEDOUT;
    case WSAENETUNREACH:
        return HV_ENETUNREACH; /* no such VM, or it is not running */
    case WSAEHOSTUNREACH:
        return HV_EHOSTUNREACH;
    case WSAENETDOWN:
        return HV_ENETDOWN; /* the VM is rebooting */
    case WSAEACCES:
        return HV_EACCES;
    case WSAEAFNOSUPPORT:
    case WSAEPFNOSUPPORT:
        /* hyperv_socket() in sock_win.c says HV_ENOHVSOCK for AF_HYPERV;
         * anywhere else (an IPv6 address without IPv6) it is just this */
        return HV_EAFNOSUPPORT;
    case WSAEPROTONOSUPPORT:
    case WSAESOCKTNOSUPPORT:
    case WSAEOPNOTSUPP:
        return HV_ENOTSUP;
    case WSAEADDRINUSE:
        return HV_EADDRINUSE;
    case WSAEADDRNOTAVAIL:
        return HV_EADDRNOTAVAIL;
    case WSAECONNRESET:
    case WSAENETRESET:
    case WSAEDISCON:
        return HV_ECONNRESET;
    case WSAECONNABORTED:
        return HV_ECONNABORTED;
    case WSAESHUTDOWN:
    case WSAENOTCONN:
        return HV_EPIPE;
    case WSAEINVAL:
    case WSAEFAULT:
        return HV_EINVAL;
    case WSAEMFILE:
        return HV_EMFILE; /* as EMFILE on POSIX: no socket to be had */
    case WSAENOBUFS:
    case WSA_NOT_ENOUGH_MEMORY:
        return HV_ENOMEM;
    case WSAHOST_NOT_FOUND:
    case WSATRY_AGAIN:
    case WSANO_RECOVERY:
    case WSANO_DATA:
        return HV_ENOHOST;
    case WSASYSNOTREADY:
    case WSAVERNOTSUPPORTED:
    case WSANOTINITIALISED:
        return HV_ENOTSUP;
    default:
        return HV_EOS;
    }
}

static int from_win32(long e)
{
    switch (e) {
    case ERROR_BROKEN_PIPE:
    case ERROR_NO_DATA: /* the pipe is being closed */
    case ERROR_PIPE_NOT_CONNECTED:
        return HV_EPIPE;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
        return HV_EACCES;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        return HV_ENOTFOUND;
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS:
        return HV_EEXIST;
    case ERROR_TOO_MANY_OPEN_FILES:
        return HV_EMFILE;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return HV_ENOMEM;
    case ERROR_INVALID_PARAMETER:
    case ERROR_INVALID_DATA:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:
        return HV_EINVAL;
    case ERROR_NOT_SUPPORTED:
    case ERROR_CALL_NOT_IMPLEMENTED:
    case ERROR_PROC_NOT_FOUND:
    case ERROR_MOD_NOT_FOUND:
        return HV_ENOTSUP;
    case ERROR_TIMEOUT:
    case ERROR_SEM_TIMEOUT:
    case WAIT_TIMEOUT:
        return HV_ETIMEDOUT;
    case ERROR_CONNECTION_REFUSED:
        return HV_ECONNREFUSED;
    case ERROR_NETWORK_UNREACHABLE:
        return HV_ENETUNREACH;
    case ERROR_HOST_UNREACHABLE:
        return HV_EHOSTUNREACH;
    case ERROR_NETNAME_DELETED:
    case ERROR_GRACEFUL_DISCONNECT:
        return HV_ECONNRESET;
    case ERROR_CONNECTION_ABORTED:
    case ERROR_OPERATION_ABORTED:
        return HV_ECONNABORTED;
    case ERROR_READ_FAULT:
    case ERROR_WRITE_FAULT:
    case ERROR_GEN_FAILURE:
    case ERROR_CRC:
    case ERROR_HANDLE_DISK_FULL:
    case ERROR_DISK_FULL:
        return HV_EIO;
    default:
        return HV_EOS;
    }
}

int hv__err_from_os(long e)
{
    int r;
    if (e == 0)
        return HV_EINTERNAL;
    if (e >= WSABASEERR && e < WSABASEERR + 2000)
        r = from_wsa(e);
    else
        r = from_win32(e);
    hv__err_note(e, r);
    return r;
}

size_t hv__os_text(long oserr, char *buf, size_t n)
{
    wchar_t w[512];
    DWORD k = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM |
                                 FORMAT_MESSAGE_IGNORE_INSERTS |
                                 FORMAT_MESSAGE_MAX_WIDTH_MASK,
                             NULL, (DWORD)oserr, 0, w, 512, NULL);
    int m;
    /* one line, without the trailing dot and blanks */
    while (k > 0 && (w[k - 1] == L' ' || w[k - 1] == L'.' ||
                     w[k - 1] == L'\r' || w[k - 1] == L'\n'))
        k--;
    if (k == 0 || n == 0)
        return 0;
    /* cut at a character's end when buf is short */
    m = hv__wide_to_utf8_buf(w, (int)k, buf, n);
    return m > 0 ? (size_t)m : 0;
}
