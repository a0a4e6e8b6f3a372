/* platform.h: internal to libhvsock. The hv__* functions that portable
 * files call and that every platform's files define, and the compiler's
 * attributes. What one platform's files share among themselves is in
 * platform_posix.h or platform_win.h, which include this one. */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include "hvsock.h"
#include "hvsock_int.h"

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

/* Storage of one per thread (err.c's last OS error): C11's keyword, or
 * MSVC's own spelling, which older MSVC versions need. */
#if defined(_MSC_VER)
#define HV__THREAD __declspec(thread)
#else
#define HV__THREAD _Thread_local
#endif

/* a file's identity (file_<platform>.c: hv__file_id) */
struct hv__file_id {
    uint64_t dev, ino;
};

/* sock_<platform>.c: the transports behind hv_sock_connect and
 * hv_sock_listen (sock.c): TCP, the native one (vsock or AF_HYPERV) and
 * unix sockets; npipe_<platform>.c (npipe_none.c: HV_ENONPIPE): named
 * pipes. A listen's o may be NULL (the defaults). */
int hv__sock_tcp_connect(const struct hv_addr *a,
                         const struct hv_connect_opts *o, struct hv_sock **out);
int hv__sock_tcp_listen(const struct hv_addr *a,
                        const struct hv_listen_opts *o, struct hv_sock **out);
int hv__sock_native_connect(const struct hv_addr *a,
                            const struct hv_connect_opts *o,
                            struct hv_sock **out);
int hv__sock_native_listen(const struct hv_addr *a,
                           const struct hv_listen_opts *o,
                           struct hv_sock **out);
int hv__sock_unix_connect(const struct hv_addr *a,
                          const struct hv_connect_opts *o,
                          struct hv_sock **out);
int hv__sock_unix_listen(const struct hv_addr *a,
                         const struct hv_listen_opts *o, struct hv_sock **out);
int hv__sock_npipe_connect(const struct hv_addr *a,
                           const struct hv_connect_opts *o,
                           struct hv_sock **out);
int hv__sock_npipe_listen(const struct hv_addr *a,
                          const struct hv_listen_opts *o,
                          struct hv_sock **out);

/* sock_<platform>.c: send all n bytes on connection s (blocking). */
int hv__sock_send(struct hv_sock *s, const char *p, size_t n);

/* hybrid.c: hybrid vsock's handshake. The reader takes the answer's
 * bytes until its newline: feed returns 0 (more wanted; *used = n), 1
 * (OK: h->ok holds its text; *used stops after the newline, the rest is
 * the stream's) or HV_EHANDSHAKE (the answer is noted for hv_errtext);
 * eof: HV_ECONNREFUSED before any answer, else HV_EHANDSHAKE. */
#define HV__HYBRID_LINE_MAX 64
struct hv__hybrid {
    char line[HV__HYBRID_LINE_MAX];
    size_t len;
    char ok[HV__HYBRID_LINE_MAX];
    size_t ok_len;
};
void hv__hybrid_init(struct hv__hybrid *h);
int hv__hybrid_feed(struct hv__hybrid *h, const char *p, size_t n,
                    size_t *used);
int hv__hybrid_eof(const struct hv__hybrid *h);
/* "CONNECT PORT\n" for a into buf[n]; its length. */
size_t hv__hybrid_request(const struct hv_addr *a, char *buf, size_t n);
/* The unix socket of a: the VMM's (listen 0), or PATH_PORT (listen 1). */
int hv__hybrid_unix(const struct hv_addr *a, int listen, struct hv_addr *u);
/* Keep h's OK text on s (hv_sock_hybrid_answer); 0 or HV_ENOMEM. */
int hv__hybrid_keep(struct hv_sock *s, const struct hv__hybrid *h);

/* relay_<platform>.c: hv_relay_add for a pair the caller keeps owning:
 * the streams are not closed when the pair ends (hv_relay_pair,
 * relay_one.c). */
int hv__relay_add_borrowed(struct hv_relay *r, struct hv_stream *a,
                           struct hv_stream *b, const struct hv_relay_opts *o,
                           void *tag);
/* A stream's property `gone`, which every platform's struct hv_stream
 * has, set where the stream is made: how its peer closing it completely
 * (not a half-close) shows. */
#define HV__GONE_UNSEEN 0 /* not at all: a FIN is both (TCP, AF_HYPERV) */
#define HV__GONE_EOF 1    /* as its EOF: it has no half-close (a named
                           * pipe, a terminal), and an EOF passed into it
                           * does nothing */
#define HV__GONE_HUP 2    /* as a hang-up from the poller (a unix socket) */
#define HV__GONE_ASK 3    /* only by asking it (vsock: a send fails) */
/* relay.c: what the rule book knows of pair a <-> b (rules.h's
 * HV__ENDS_*), from the properties every platform's streams have (b NULL:
 * not connected yet); both engines ask this, never a kind. */
unsigned hv__relay_ends(const struct hv_stream *a, const struct hv_stream *b);

/* user_<platform>.c: a user name's uid, for unix-socket peer rules.
 * HV_ENOTFOUND when unknown, HV_ENOTSUP where uids do not exist. */
int hv__uid_by_name(const char *name, uint32_t *uid);
/* 1 where users are numbered (POSIX uids), 0 where they are not (Windows:
 * names and SIDs), so that a uid:N rule would never match. */
int hv__uids_exist(void);
/* Windows accounts as the canonical text of their SID (S-1-5-...), for
 * peer rules on named pipes and unix sockets; HV_SID_MAX bytes hold any. */
#define HV_SID_MAX 192
/* The SID of a user name (is_sid 0: LookupAccountNameW; HV_ENOTFOUND when
 * unknown or not a user) or of a SID's text (is_sid 1: made canonical;
 * HV_EINVAL when it is none), into out (n bytes). HV_ENOTSUP on POSIX. */
int hv__user_sid(const char *name, int is_sid, char *out, size_t n);
/* 1 when two SID texts name the same SID (EqualSid); 0 when not, when
 * either is empty (a peer whose user is unknown), and on POSIX. */
int hv__sid_same(const char *a, const char *b);

/* err_<platform>.c: map an OS error number (errno; WSA or Win32 code on
 * Windows) to an HV_E* code. */
int hv__err_from_os(long oserr);

/* vmname_<platform>.c: resolve a VM display name (or "wsl") to its id.
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

/* file_<platform>.c: rename a file over another (replacing it), remove
 * one; names in UTF-8. 0 or the HV_E* codes of hv_file_create. */
int hv__file_rename(const char *from, const char *to);
int hv__file_remove(const char *path);
/* file_<platform>.c: which file a name stands for now (not followed if a
 * link or reparse point): device or volume, and inode or file index, so a
 * file can be told from another put at its name meanwhile; 0 or HV_ENOENT
 * (none there) or another HV_E* code. Remove the file at path only if it
 * is still id: 0 removed, 1 another file is there (kept), HV_ENOENT none
 * is there, or another HV_E* code. Owned: whether the file at path
 * belongs to this process's user (POSIX: the effective uid; Windows: the
 * owner this process gives new objects, or its user): 1, 0, or an HV_E*
 * code. */
int hv__file_id(const char *path, struct hv__file_id *id);
int hv__file_remove_same(const char *path, const struct hv__file_id *id);
int hv__file_owned(const char *path);

/* file.c: the rule for a file already at a unix listener's path, from
 * what was found there: kind (HV__UNIX_FILE_NONE, _SOCKET, _OTHER), owned
 * (1 when this process's user owns it), probe (a connect to it: 0 it
 * answered, HV_ECONNREFUSED nobody listens, HV_ENOLISTENER the file went
 * meanwhile, another HV_E* code: unknown). 1: a stale socket of ours, to
 * remove; 0: nothing there, bind; or the error that keeps it. */
#define HV__UNIX_FILE_NONE 0
#define HV__UNIX_FILE_SOCKET 1
#define HV__UNIX_FILE_OTHER 2
int hv__unix_stale_rule(int kind, int owned, int probe);

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
    unsigned char raw;     /* a raw console (hvcat --raw): CR and ^Z are
                            * bytes like any other */
};
/* console.c: how a standard handle is driven on Windows, decided once per
 * process before any thread reads it (a console or pipe query on a
 * synchronous handle waits behind a read pending on it). valid: the
 * handle exists; console: GetConsoleMode succeeded; mode_known and mode:
 * its FILE_MODE_INFORMATION (NtQueryInformationFile), whose
 * HV__FILE_SYNC_IO bits say it was opened for synchronous I/O. A handle
 * without them was opened overlapped (a socket of socket(), a pipe
 * created with FILE_FLAG_OVERLAPPED) and takes overlapped calls (ReadFile,
 * Remarks: such a handle needs an OVERLAPPED structure). */
enum hv__stdio_kind {
    HV__STDIO_NONE = 0,      /* no handle: stdin empty, stdout discarded */
    HV__STDIO_CONSOLE = 1,   /* ReadConsoleW, WriteConsoleW (UTF-16) */
    HV__STDIO_SYNC = 2,      /* ReadFile, WriteFile, synchronous */
    HV__STDIO_OVERLAPPED = 3 /* ReadFile, WriteFile with an OVERLAPPED */
};
#define HV__FILE_SYNC_IO 0x30ul /* FILE_SYNCHRONOUS_IO_ALERT | _NONALERT */
enum hv__stdio_kind hv__stdio_kind_of(int valid, int console, int mode_known,
                                      unsigned long mode);
/* console.c: UTF-8 bytes as the UTF-16 units WriteConsoleW takes, a
 * chunk at a time: a sequence split between two chunks is held until its
 * end comes; what is not UTF-8 becomes U+FFFD. The state starts zeroed. */
struct hv__console_out {
    unsigned char held[4]; /* the start of a sequence cut by a chunk's end */
    unsigned char nheld;
};
/* Room hv__console_out_text needs in out for n bytes. */
#define HV__CONSOLE_OUT_MAX(n) ((size_t)(n) + 4)
size_t hv__console_out_text(struct hv__console_out *t, const char *in,
                            size_t n, uint16_t *out);
/* Room hv__console_text needs in out for n units. */
#define HV__CONSOLE_TEXT_MAX(n) (3 * (size_t)(n) + 3)
/* Convert n UTF-16 units into out (HV__CONSOLE_TEXT_MAX(n) bytes); returns
 * the bytes written. end: the input ends here, so write out what is pending.
 * After ^Z (t->eof) the rest of in, and every later call, gives nothing. */
size_t hv__console_text(struct hv__console_state *t, const uint16_t *in,
                        size_t n, char *out, int end);

/* spawn_posix.c, spawn_win.c: a started command that never got its
 * connection (a failure right after its start) is ended at once, without
 * a chance to ignore it (SIGKILL to it and its group; its job
 * terminated), then reaped and freed, so the wait is short. (With
 * --term-control the process is ours, between the terminal and the
 * connection: the command under it gets its terminal's hang-up.) */
void hv__child_discard(struct hv_child *c);

/* pty.c: env (NULL, or "NAME=value" strings ending with NULL) with
 * "TERM=term" written into buf[n] and added last (it wins over a TERM of
 * env); malloc'd (the strings are not copied), NULL when out of memory. */
const char **hv__pty_env(const char *const *env, const char *term, char *buf,
                         size_t n);

/* escape.c: the escape of a raw terminal session (hvcat --raw), as ssh
 * has it: the escape character first on a line (at the start, or after CR
 * or LF) is held; then "." ends the session, the escape character again
 * sends one, anything else sends both. The state starts with ch set, the
 * rest zeroed (at the start of a line). */
struct hv__escape {
    unsigned char ch;      /* the escape character */
    unsigned char midline; /* the last byte did not end a line */
    unsigned char held;    /* an escape character waits for the next */
    unsigned char hangup;  /* "." came: nothing more is read */
};
/* Scan n bytes typed into out (room for n + 1: a held escape character
 * may come out first); returns the bytes to send. After the hangup the
 * rest of in, and every later call, gives nothing. */
size_t hv__escape_scan(struct hv__escape *e, const char *in, size_t n,
                       char *out);

/* utf.c: the UTF-8 walker. hv__utf8_decode: the sequence at s (NUL-
 * terminated, so a truncated one stops at the NUL) into *cp; its length
 * (1-4), or 0 when it is not UTF-8 (overlong, a surrogate, past U+10FFFF,
 * cut short). hv__utf8_encode: code point c (at most U+10FFFF, not a
 * surrogate) into out[4]; the length. */
size_t hv__utf8_decode(const unsigned char *s, uint32_t *cp);
size_t hv__utf8_encode(char *out, uint32_t c);

/* The canonical keyword entry of a well-known VM id, or NULL
 * (keywords.c). */
const struct hv_keyword *hv__keyword_by_guid(const struct hv_guid *g);

/* Portable helpers (str.c). */
int hv__strcaseeq(const char *a, const char *b);
/* The value of a hex digit, or -1 (GUIDs, IPv6 addresses). */
int hv__hexval(char c);
/* snprintf that never fails loudly: returns bytes written, truncated. */
size_t hv__fmt(char *buf, size_t n, const char *fmt, ...) HV_PRINTF(3, 4);

/* err_note.c: remember the OS error behind the HV_E* code it was mapped
 * to, so that hv_errtext can say what the OS said (err_<platform>.c call it
 * from hv__err_from_os). Per thread. */
void hv__err_note(long oserr, int mapped);
/* err_note.c: the code last noted on this thread, and its OS error into
 * *oserr (0: none). */
int hv__err_noted(long *oserr);
/* err.c: words hv_errtext adds to the message of err (per thread, until
 * the next detail). */
void hv__err_detail(int err, const char *text);
/* err_<platform>.c: the OS's own text for oserr into buf[n] (strerror,
 * FormatMessage), one line; returns its length (0: none). */
size_t hv__os_text(long oserr, char *buf, size_t n);

#endif
