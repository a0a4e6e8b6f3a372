/* platform.h: internal to libhvsock. OS includes, and the hv__* functions
 * that portable files call and that every platform's files define. */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include "hvsock.h"
#include "hvsock_int.h"

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#ifndef AF_HYPERV
#define AF_HYPERV 34
#endif
#define HV__WINDOWS 1
/* the OS's own "family not supported" codes, for tests of hv__err_from_os */
#define HV__OS_EAFNOSUPPORT WSAEAFNOSUPPORT
#define HV__OS_EPFNOSUPPORT WSAEPFNOSUPPORT
#else
#include <errno.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <unistd.h>
#define HV__POSIX 1
#define HV__OS_EAFNOSUPPORT EAFNOSUPPORT
#define HV__OS_EPFNOSUPPORT EAFNOSUPPORT
#ifdef __linux__
/* AF_VSOCK: Linux guests (Hyper-V's hv_sock, KVM, Firecracker) */
#include <linux/vm_sockets.h>
#define HV__HAVE_VSOCK 1
#endif
#endif

/* HV_PRINTF(f, a) on a function whose argument f is a printf format and
 * whose arguments from a on are its values (a = 0 for a va_list): the
 * compiler checks every call. MinGW's printf is the CRT's or its own
 * (__USE_MINGW_ANSI_STDIO), and it names which; MSVC has no such check. */
#if defined(__MINGW32__) && defined(__MINGW_PRINTF_FORMAT)
#define HV_PRINTF(f, a) __attribute__((format(__MINGW_PRINTF_FORMAT, f, a)))
#elif defined(__GNUC__) || defined(__clang__)
#define HV_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define HV_PRINTF(f, a)
#endif

/* The socket handle behind the public opaque struct hv_sock. */
struct hv_sock {
#ifdef HV__WINDOWS
    SOCKET s;
#else
    int fd;
#endif
    enum hv_family family;
};

/* sock_<platform>.c: the two transports behind hv_sock_connect and
 * hv_sock_listen (sock.c): TCP, and the native one (vsock or AF_HYPERV). */
int hv__sock_tcp_connect(const struct hv_addr *a,
                         const struct hv_connect_opts *o, struct hv_sock **out);
int hv__sock_tcp_listen(const struct hv_addr *a, int backlog,
                        struct hv_sock **out);
int hv__sock_native_connect(const struct hv_addr *a,
                            const struct hv_connect_opts *o,
                            struct hv_sock **out);
int hv__sock_native_listen(const struct hv_addr *a, int backlog,
                           struct hv_sock **out);

/* err_<platform>.c: map an OS error number (errno; WSA or Win32 code on
 * Windows) to an HV_E* code. */
int hv__err_from_os(long oserr);

/* vmid_<platform>.c: resolve a VM display name (or "wsl") to its id.
 * HV_ENOVM when unknown, HV_EAMBIGUOUS (hint lists the matches),
 * HV_ENOTSUP where names cannot be resolved. */
int hv__vm_by_name(const char *name, struct hv_guid *out, char *hint,
                   size_t hintlen);

/* reg_<platform>.c: resolve a registered service friendly name to its GUID.
 * HV_ENOTFOUND, HV_EAMBIGUOUS (hint lists them), HV_ENOTSUP. */
int hv__service_by_name(const char *name, struct hv_guid *out, char *hint,
                        size_t hintlen);

/* rand_<platform>.c: fill buf with n bytes from the OS's cryptographic
 * random source; 0 or an HV_E* code (HV_ENOTSUP where there is none). */
int hv__random_bytes(void *buf, size_t n);

#ifdef HV__WINDOWS
/* wide_win.c: UTF-8 <-> UTF-16 for the Windows API (Windows only).
 * hv__utf8_to_wide: a malloc'd NUL-terminated copy; 0, HV_EINVAL (not
 * UTF-8) or HV_ENOMEM. hv__wide_to_utf8: wlen units (-1: up to the NUL) as
 * a malloc'd NUL-terminated copy, its length in *len (may be NULL); 0,
 * HV_EBADDATA or HV_ENOMEM. hv__wide_to_utf8_buf: the same into buf[n],
 * cut at a character boundary to fit; the length, or an HV_E* code (buf
 * then ""). */
int hv__utf8_to_wide(const char *s, wchar_t **out);
int hv__wide_to_utf8(const wchar_t *w, int wlen, char **out, size_t *len);
int hv__wide_to_utf8_buf(const wchar_t *w, int wlen, char *buf, size_t n);
/* GetProcAddress's FARPROC to a real prototype, through the generic
 * function pointer type the compilers accept without a warning. */
typedef void (*hv__any_fn)(void);
/* vmid_win.c: the compute systems HCS lists (for wsl_win.c too); 0 or an
 * HV_E* code, why says what failed. */
int hv__hcs_list(struct hv_vms *vms, char *why, size_t whylen);
#endif

/* file_<platform>.c: rename a file over another (replacing it), remove
 * one; names in UTF-8. 0 or the HV_E* codes of hv_file_create. */
int hv__file_rename(const char *from, const char *to);
int hv__file_remove(const char *path);

/* console.c: a Windows console's UTF-16 input as the UTF-8 a pipe would carry.
 * CR LF becomes LF (a lone CR stays), a surrogate pair split between two
 * reads stays whole (an unpaired half becomes U+FFFD), and ^Z (0x1A) first
 * on a line ends the input. The state starts zeroed and carries what one
 * read leaves pending into the next. */
struct hv__console_state {
    uint16_t high;         /* a high surrogate awaiting its low half, or 0 */
    unsigned char cr;      /* a CR awaiting the next unit (LF or not) */
    unsigned char midline; /* the last unit did not end a line */
    unsigned char eof;     /* ^Z seen at the start of a line: input over */
};
/* Room hv__console_text needs in out for n units. */
#define HV__CONSOLE_TEXT_MAX(n) (3 * (size_t)(n) + 3)
/* Convert n UTF-16 units into out (HV__CONSOLE_TEXT_MAX(n) bytes); returns
 * the bytes written. end: the input ends here, so write out what is pending.
 * After ^Z (t->eof) the rest of in, and every later call, gives nothing. */
size_t hv__console_text(struct hv__console_state *t, const uint16_t *in,
                        size_t n, char *out, int end);

/* utf.c: the UTF-8 walker. hv__utf8_decode: the sequence at s (NUL-
 * terminated, so a truncated one stops at the NUL) into *cp; its length
 * (1-4), or 0 when it is not UTF-8 (overlong, a surrogate, past U+10FFFF,
 * cut short). hv__utf8_encode: code point c (at most U+10FFFF, not a
 * surrogate) into out[4]; the length. */
size_t hv__utf8_decode(const unsigned char *s, uint32_t *cp);
size_t hv__utf8_encode(char *out, uint32_t c);

/* Portable helpers (str.c). */
int hv__strcaseeq(const char *a, const char *b);
/* snprintf that never fails loudly: returns bytes written, truncated. */
size_t hv__fmt(char *buf, size_t n, const char *fmt, ...) HV_PRINTF(3, 4);

#endif
