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
#include <sys/un.h>
#include <unistd.h>
#define HV__POSIX 1
#define HV__OS_EAFNOSUPPORT EAFNOSUPPORT
#define HV__OS_EPFNOSUPPORT EAFNOSUPPORT
#ifdef __linux__
/* AF_VSOCK: Linux guests (Hyper-V's hv_sock, KVM, Firecracker) */
#include <linux/vm_sockets.h>
#define HV__HAVE_VSOCK 1
/* the relay waits with epoll (poller_posix.c), unless CMake's
 * HV_POLLER_POLL asks for poll(2) */
#ifndef HV_POLLER_POLL
#define HV__HAVE_EPOLL 1
#endif
/* pipe2(2): a pipe made with its flags in one call (wake_posix.c) */
#define HV__HAVE_PIPE2 1
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

/* Storage of one per thread (err.c's last OS error): C11's keyword, or
 * MSVC's own spelling, which older MSVC versions need. */
#if defined(_MSC_VER)
#define HV__THREAD __declspec(thread)
#else
#define HV__THREAD _Thread_local
#endif

/* The socket handle behind the public opaque struct hv_sock. */
/* a file's identity (file_<platform>.c: hv__file_id) */
struct hv__file_id {
    uint64_t dev, ino;
};

struct hv_sock {
#ifdef HV__WINDOWS
    /* ---- Windows (sock_win.c, npipe_win.c) ---- */
    SOCKET s;         /* a socket; INVALID_SOCKET for a named pipe */
    HANDLE pipe;      /* a named pipe (overlapped); NULL for a socket and
                       * a named-pipe listener */
    HANDLE ev;        /* socket listeners: signalled while a client waits
                       * (WSAEventSelect FD_ACCEPT) */
    struct hv__npipe_listener *npl; /* named-pipe listener: its instances
                                     * (npipe_win.c) */
    char *path;       /* named pipe: its name; unix listener: the file it
                       * made (removed on close); UTF-8, or NULL */
    struct hv__file_id fid; /* unix listener: that file, to remove only it */
    int fid_ok;
    HANDLE lock;      /* unix listener: PATH.lock, held while it listens,
                       * or NULL */
    int listener;
    int no_shutdown;  /* hv_sock_close closes without shutdown(SD_SEND) */
    char *hybrid_ok;  /* a hybrid vsock connection: its OK's text */
#else
    int fd;
    int unlink_path;        /* a unix listener that made its socket file */
    dev_t dev;              /* ... that file, to remove only it */
    ino_t ino;
    char path[HV_PATH_MAX]; /* unix listener: the file to remove at close */
    int lock_fd;            /* ... and path.lock, locked (flock), or -1 */
    dev_t lock_dev;         /* ... that lock file, to remove only it */
    ino_t lock_ino;
    char *hybrid_ok;        /* a hybrid vsock connection: its OK's text */
#endif
    enum hv_family family;
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
int hv__hybrid_connect(const struct hv_addr *a,
                       const struct hv_connect_opts *o, struct hv_sock **out);
int hv__hybrid_listen(const struct hv_addr *a, const struct hv_listen_opts *o,
                      struct hv_sock **out);

/* relay_<platform>.c: hv_relay_add for a pair the caller keeps owning:
 * the streams are not closed when the pair ends (hv_relay_pair, relay.c). */
int hv__relay_add_borrowed(struct hv_relay *r, struct hv_stream *a,
                           struct hv_stream *b, const struct hv_relay_opts *o,
                           void *tag);
/* relay.c: what the rule book (rules.h's HV__ENDS_*) learns of a pair's
 * a from the properties every platform's streams have (stdio, wkeep,
 * cmd); each engine adds what its own streams tell. */
unsigned hv__relay_ends_a(const struct hv_stream *a);

#ifdef HV__POSIX
#include "ring.h"
/* stream_posix.c: every POSIX stream is a descriptor pair, read with
 * read or recv and written with write or send; relay_posix.c polls them. A
 * descriptor the process shares (stdio) keeps its flags: it is read only
 * after poll said so, and a pipe is written no more than it has room for;
 * sockets use MSG_DONTWAIT per call instead of O_NONBLOCK. */
struct hv_stream {
    int rfd, wfd;
    unsigned char rsock, wsock;   /* recv/send with MSG_DONTWAIT */
    unsigned char rsure, wsure;   /* never blocks (a file, /dev/null) */
    unsigned char wpipe;          /* a pipe: write what fits */
    unsigned char stdio;          /* the process's stdin and stdout */
    unsigned char cmd;            /* a command's input and output (-e) */
    unsigned char rready, wready; /* worth a try without poll */
    unsigned char wpolled;        /* poll said writable since the last write */
    unsigned char block;          /* calls may block (the engine's fast
                                   * paths): no MSG_DONTWAIT, no room
                                   * asked; only a stop, or *quit set,
                                   * ends a wait its signal interrupted */
    const _Atomic int *quit;      /* block: the pair's end (or NULL) */
    unsigned char wkeep;          /* its writing side outlives a session
                                   * (stdout): shut only when the relay
                                   * is told so (HV_RELAY_CLOSE_A) */
    unsigned char gone;           /* how a complete close of the peer
                                   * shows (HV__GONE_*) */
    unsigned char tty;            /* a terminal's master (-e --pty): EIO
                                   * is the end of its slave (a read's
                                   * EOF, a write's lost reader); its
                                   * descriptor is non-blocking (ours
                                   * alone), so a blocking use polls */
    unsigned char full;           /* no half-close: its EOF is the end of
                                   * all of it (HV__ENDS_A_FULL), and an
                                   * EOF passed into it does nothing */
    struct hv__escape *esc;       /* stdin read through the escape scan
                                   * (hvcat --raw), or NULL */
    int rd_eof;                   /* the read side has ended */
    size_t pipe_size;             /* wpipe: its capacity */
    size_t wroom;                 /* wpipe: bytes sure to fit without
                                   * asking the pipe again */
    struct hv__ring rx;           /* read from here, not yet written on */
    struct hv_sock *sock;         /* the connection this stream owns */
};
/* Stream I/O for the engine. 0 (with *got or *put set; *got = 0 is EOF),
 * HV__EAGAIN (try after poll), or an HV_E* code. A write to stdout whose
 * reader has gone gives HV_EPIPE; to a connection, HV_ECONNRESET. */
#define HV__EAGAIN (-1)
/* A read of stdin met the escape that ends the session (~.): what came
 * before it was returned by earlier reads. */
#define HV__EHANGUP (-2)
int hv__stream_read(struct hv_stream *st, char *p, size_t n, size_t *got);
/* Up to n bytes from src (a connection of ours, made non-blocking with
 * hv__stream_nonblock) straight into dst (a pipe), waiting in poll, never
 * in splice; 0 with *moved (0: src's EOF), HV__EAGAIN (a stop, or the
 * pair's end, interrupted the wait), HV_EPIPE (the pipe's reader has
 * gone), HV_ENOTSUP (not for this pair or system: read and write instead;
 * nothing was taken), or src's error. */
int hv__stream_nonblock(struct hv_stream *st, int on);
int hv__stream_splice(struct hv_stream *src, struct hv_stream *dst, size_t n,
                      size_t *moved);
int hv__stream_write(struct hv_stream *st, const char *p, size_t n,
                     size_t *put);
/* Pass an EOF on: half-close a connection; stdio's stdout (wkeep) is let
 * go of (a socket half-closed, else replaced by the null device). 0 or an
 * HV_E* code (HV_ECONNRESET: the connection was reset). */
int hv__stream_shutdown(struct hv_stream *st);
int hv__stream_pending_error(struct hv_stream *st);
/* Make the coming close a reset (a relay pair that broke). */
void hv__stream_abort(struct hv_stream *st);
/* How a connection's peer closing it completely (not a half-close) can be
 * seen: not at all (TCP: a FIN is both), as a hang-up from the poller
 * (unix sockets), or only by asking (vsock: hv__stream_peer_gone). */
#define HV__GONE_UNSEEN 0
#define HV__GONE_HUP 1
#define HV__GONE_ASK 2
/* 1 when st's peer has closed the connection completely (a send would
 * fail), 0 when it has not or that cannot be told, HV_ECONNRESET when it
 * reset it. Sends nothing. */
int hv__stream_peer_gone(struct hv_stream *st);

/* spawn_posix.c, for pty_posix.c: the command's environment (malloc'd,
 * NULL when out of memory), the child's way to /bin/sh -c CMD with the
 * tool's signal settings undone (never returns), and a handle for a
 * started child. */
char **hv__spawn_env(const char *const *env);
void hv__child_exec(const char *cmd, char **envp);
struct hv_child *hv__child_new(pid_t pid);
/* stream_posix.c: a stream over a terminal's master descriptor (taken;
 * closed when this fails). */
int hv__stream_tty(int master, struct hv_stream **out);

/* sock_posix.c: an hv_sock over descriptor fd of family fam (closed when
 * this fails). */
int hv__sock_from_fd(int fd, enum hv_family fam, struct hv_sock **out);

/* sock_posix.c: a connect made in steps, for the relay's event loop
 * (hv_relay_add_connect): never blocks (a TCP host name is looked up on a
 * thread: resolve_posix.c). Start, then step whenever the descriptor
 * hv__dial_wait_fd names is ready or the retry time has come:
 * HV__DIAL_DONE with *out, HV__DIAL_WAIT (wait until that descriptor is
 * readable (*in 1: a name being looked up) or writable (a connect in
 * progress)), HV__DIAL_RETRY (try again after retry_ms: a unix backlog
 * full, or starved: no descriptor, buffer or thread), or an HV_E* code
 * (the attempt failed; nothing is left to free but by hv__dial_free). The
 * caller bounds the whole attempt by its deadline: timeout_ms once
 * started (hybrid vsock: HV_HYBRID_TIMEOUT_MS when the caller gave none,
 * as its answer may never come). A hybrid vsock dial waits for its
 * answer with *in 1 too. */
struct hv__resolve;
struct hv__dial {
    /* where to (not the whole hv_addr: a connecting pair holds this
     * meanwhile, and the relay's memory per connection is measured) */
    enum hv_family family;
    uint32_t cid, port;   /* vsock */
    struct sockaddr_un un; /* unix: the name, made at the start */
    socklen_t un_len;
    uint32_t timeout_ms;  /* the transport's own bound (vsock), if any */
    struct addrinfo *res; /* TCP: the addresses, and the one tried */
    struct addrinfo *ai;
    struct hv__resolve *rs; /* TCP: the host name being looked up */
    char *host;           /* TCP: a name to look up after the back-off */
    int fd;               /* being connected, or -1 */
    int last;             /* the error of the last address tried */
    int starved;          /* the last step was short of descriptors */
    uint32_t retry_ms;
    struct hv__dial_hybrid *hy; /* hybrid vsock: its handshake, after the
                                 * unix connect (sock_posix.c) */
    unsigned char want_in; /* HV__DIAL_WAIT: until fd is readable (the
                            * handshake's answer), not writable */
};
#define HV__DIAL_DONE 0
#define HV__DIAL_WAIT 1
#define HV__DIAL_RETRY 2
int hv__dial_start(struct hv__dial *d, const struct hv_addr *to,
                   const struct hv_connect_opts *o);
int hv__dial_step(struct hv__dial *d, struct hv_sock **out);
int hv__dial_wait_fd(const struct hv__dial *d, int *in);
void hv__dial_free(struct hv__dial *d);

/* resolve_posix.c: a TCP host name looked up on a thread of its own.
 * Start: 0 with *now (a numeric address, parsed at once) or with *out
 * (being looked up: its descriptor turns readable when the answer is
 * in), HV__DIAL_RETRY (too many at once, or no thread: later), or an HV_E*
 * code. Take: HV__DIAL_WAIT (not yet), 0 with *res, or the lookup's
 * HV_E* code. Free whenever (the thread frees what it still holds). */
int hv__resolve_start(const char *host, uint32_t port, struct addrinfo **now,
                      struct hv__resolve **out);
int hv__resolve_fd(const struct hv__resolve *r);
int hv__resolve_take(struct hv__resolve *r, struct addrinfo **res);
void hv__resolve_free(struct hv__resolve *r);
/* sock_posix.c: getaddrinfo's code as an HV_E* code */
int hv__gai_err(int e);

/* wake_posix.c: news from signal handlers as readable descriptors, for
 * every wait to watch: the stop (stop_posix.c posts it) and a command's
 * end (SIGCHLD, once hv__wake_on_child ran). Open makes the pipe (0 or an
 * HV_E* code); post is async-signal-safe; fd is -1 until opened; drain
 * empties it (the stop is never drained: it holds until the exit). */
#define HV__WAKE_STOP 0
#define HV__WAKE_CHILD 1
#define HV__WAKE_KINDS 2
int hv__wake_open(int kind);
void hv__wake_post(int kind);
int hv__wake_fd(int kind);
void hv__wake_drain(int kind);
int hv__wake_on_child(void);

/* poller_posix.c: the descriptors the relay waits on (epoll on Linux,
 * poll elsewhere), level-triggered. A watch is the caller's: one
 * descriptor, registered from hv__poller_set(on = 1) until
 * hv__poller_set(on = 0), which must come before the descriptor closes.
 * want: HV__IN, HV__OUT, or 0 for errors and hang-ups only (those are
 * always reported). */
#define HV__IN 1u
#define HV__OUT 2u
#define HV__ERR 4u
#define HV__HUP 8u
#define HV__POLLER_MAX 64 /* events one wait reports at most */
struct hv__watch {
    int fd;
    unsigned want;
    int on;       /* registered */
    int never;    /* cannot be waited on (a regular file): always ready */
    size_t slot;  /* the poll back end's index */
    void *owner;  /* the caller's */
};
struct hv__poller;
struct hv__pevent {
    struct hv__watch *w;
    unsigned ev; /* HV__IN | HV__OUT | HV__ERR | HV__HUP */
};
int hv__poller_new(struct hv__poller **out);
void hv__poller_free(struct hv__poller *pl);
/* 0; 1 when w's descriptor cannot be waited on (w->never: always ready,
 * as poll says of a regular file); or an HV_E* code. */
int hv__poller_set(struct hv__poller *pl, struct hv__watch *w, int on,
                   unsigned want);
/* Wait up to ms (-1: without limit); up to max events into ev. The count
 * (0: the time ran out), HV__EAGAIN (a signal interrupted the wait), or an
 * HV_E* code. */
int hv__poller_wait(struct hv__poller *pl, struct hv__pevent *ev, int max,
                    int ms);
#endif

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

#ifdef HV__WINDOWS
/* ================================================================ Windows
 * Internal to the Windows files: relay_win.c, stream_win.c, sock_win.c,
 * npipe_win.c, spawn_win.c, console_win.c, stop_win.c. */

/* stop_win.c: the manual-reset event hv_stop() sets (never NULL once
 * hv_net_init or any relay call has run; created on first use). It calls
 * no other file of the library: every wait may watch it. */
HANDLE hv__stop_event(void);
/* console_win.c: how standard handle which (0 stdin, 1 stdout, 2 stderr)
 * is driven, and the handle that was seen (*h, may be NULL): decided once
 * per process, at the first call (hv_console_init makes it), so that no
 * thread queries a handle another thread may be reading. */
enum hv__stdio_kind hv__stdio_kind(int which, HANDLE *h);
struct hv__console_out;
/* console_win.c: n bytes of UTF-8 text written to console h as UTF-16
 * (WriteConsoleW), t carrying a sequence cut between calls: 0, or -1 with
 * GetLastError set. */
int hv__console_write(HANDLE h, struct hv__console_out *t, const char *buf,
                      size_t n);
/* user_win.c: the SID text of process pid's user (its token's TokenUser)
 * into out (n bytes; "" on failure): 0, or HV_EACCES when the process is
 * another user's and this one is not elevated. */
int hv__pid_user_sid(unsigned long pid, char *out, size_t n);
/* stop_win.c: InitOnceExecuteOnce's callback that makes a manual-reset
 * event once, into the HANDLE that param points at (NULL on failure). */
BOOL CALLBACK hv__event_once(PINIT_ONCE once, PVOID param, PVOID *ctx);
/* spawn_win.c: the manual-reset event set when a command of hv_spawn has
 * ended (a wait registered on its process); created on first use, NULL
 * only when it cannot be. hv_relay_run reports it (HV_RELAY_CHILD) and
 * resets it. */
HANDLE hv__child_event(void);
/* console_win.c: what a console control event (CTRL_*_EVENT) does to a
 * tool with or without a console: nothing (HV__CTRL_PASS), a stop with
 * 130 (HV__CTRL_STOP: Ctrl+C, Ctrl+Break), or a stop whose cleanup the
 * handler waits for, since the process ends when it returns
 * (HV__CTRL_END: close, shutdown, and logoff where there is a console). */
enum { HV__CTRL_PASS, HV__CTRL_STOP, HV__CTRL_END };
int hv__ctrl_action(unsigned long type, int has_console);
/* spawn_win.c: the creation flags of a command of hv_spawn, for a tool
 * with or without a console of its own. */
DWORD hv__spawn_flags(int has_console);

/* sock_win.c: a listener's "client waiting" event, set up on first use
 * (NULL and *err on failure), and a check that does not block: 1 when
 * hv_sock_accept will not block, 0 (the event reset) when not. */
HANDLE hv__sock_accept_event(struct hv_sock *l, int *err);
int hv__sock_accept_ready(struct hv_sock *l);

/* npipe_win.c: the named-pipe side of sock_win.c's hv_sock_* calls. */
int hv__npipe_accept(struct hv_sock *l, struct hv_sock **out,
                     struct hv_addr *peer);
int hv__npipe_accept_ready(struct hv_sock *l);
HANDLE hv__npipe_accept_event(struct hv_sock *l, int *err);
void hv__npipe_close(struct hv_sock *s);
/* A unique name for a private pipe (spawn_win.c's child pipes). */
void hv__npipe_private_name(wchar_t *buf, size_t n);
/* hv__utf8_to_wide as a plain malloc'd copy: NULL on failure or bad UTF-8
 * (wide_win.c). */
wchar_t *hv__wide(const char *s);

/* A stream (stream_win.c): one end of a relay. Its I/O is overlapped where
 * it can be, so that a pair that ends can cancel what its threads wait on. */
enum hv__stream_kind {
    HV__STREAM_SOCK,  /* a socket: recv/send, half-close = shutdown */
    HV__STREAM_PIPE,  /* a named pipe: no half-close; its EOF ends both */
    HV__STREAM_CHILD, /* a command's pipes: read its stdout, write its
                       * stdin; half-close = close its stdin */
    HV__STREAM_STDIO  /* the process's stdin and stdout (one per process) */
};
struct hv_stream {
    enum hv__stream_kind kind;
    struct hv_sock *sock; /* SOCK, PIPE: owned */
    HANDLE rd, wr;        /* PIPE: sock->pipe twice; CHILD: our ends */
    int reset_seen;       /* a receive ended with a reset (taken as EOF) */
    /* its properties, set where it is made; the relay asks these, never
     * the kind */
    unsigned char stdio;  /* the process's stdin and stdout: read through
                           * hv__stream_peek; its failure is not the
                           * connection's */
    unsigned char cmd;    /* a command's input and output (-e) */
    unsigned char rst_unread; /* a connection whose close with unread
                               * input is a reset, which may destroy what
                               * we sent it (a socket) */
    unsigned char rst_eof; /* a reset that a receive meets is its peer's
                            * plain end, not an error (AF_HYPERV) */
    unsigned char eof_closes; /* an EOF passed into it can only be its
                               * close (a named pipe we serve) */
    unsigned char wkeep;  /* its writing side outlives a session (stdout):
                           * let go of only when the relay is told so
                           * (HV_RELAY_CLOSE_A) */
    unsigned char gone;   /* what its EOF says of the peer (HV__GONE_*) */
    unsigned char full;   /* no half-close (a pseudo console): an EOF
                           * passed into it does nothing */
};
/* What a stream's EOF says of its peer: maybe only a half-close (TCP,
 * AF_HYPERV, AF_UNIX: a FIN is both), or a complete close (a named pipe,
 * which has no half-close: its EOF is the peer's close). */
#define HV__GONE_UNSEEN 0
#define HV__GONE_EOF 1
/* Results of the stream calls below besides 0 and HV_E* codes. */
#define HV__IO_GONE 1 /* write: the reader of this end went away quietly */
/* read of stdin: the escape that ends the session came (~.), after what
 * earlier reads gave */
#define HV__EHANGUP (-2)
/* console_win.c: stdin's console is raw (1) or back as it was (0): its
 * reader (stream_win.c) converts accordingly */
void hv__stdin_console_raw(int on);
/* Read up to n bytes; *got 0 means the end of the input (a reset too
 * where rst_eof says so, else HV_ECONNRESET). cancel (a manual-reset
 * event) set: HV_ESTOPPED. ev: an event the call may use. */
int hv__stream_read(struct hv_stream *st, char *buf, size_t n, size_t *got,
                    HANDLE cancel, HANDLE ev);
/* stdin only (else HV_ENOTSUP): as hv__stream_read, but *at points at the
 * bytes where stdin's reader put them, valid until hv__stream_consume: the
 * hand-off from the reader thread costs no copy. */
int hv__stream_peek(struct hv_stream *st, const char **at, size_t n,
                    size_t *got, HANDLE cancel);
/* The n bytes the last read returned were delivered (stdin's queue keeps
 * them until then, for the next session). */
void hv__stream_consume(struct hv_stream *st, size_t n);
/* Write all n bytes: 0, HV__IO_GONE, HV_ESTOPPED or an HV_E* code. */
int hv__stream_write(struct hv_stream *st, const char *buf, size_t n,
                     HANDLE cancel, HANDLE ev);
/* Half-close the write side: 0 or an HV_E* code (HV_ECONNRESET: the peer
 * reset the connection). A named pipe does nothing; stdout (wkeep) is let
 * go of: a socket half-closed, and the handle (the C runtime's descriptor
 * 1 with it) replaced by NUL, so that a reader downstream sees its end. */
int hv__stream_half_close(struct hv_stream *st);
/* 1 while st holds bytes read from its source that no hv__stream_consume
 * has taken yet (stdin's queue), else 0. */
int hv__stream_held(struct hv_stream *st);
/* After a clean EOF on a socket: wait for what follows it; 1 when the peer
 * reset the connection, 0 when cancelled or it closed cleanly. */
int hv__stream_watch_reset(struct hv_stream *st, HANDLE cancel, HANDLE ev);
/* spawn_win.c, for pty_win.c: what hv_spawn makes before it starts the
 * command (the shell, its command line, the environment block, the
 * command's pipes: ours overlapped, theirs plain), and a child for a
 * process started from them (its end an event, as hv_spawn's). */
struct hv__spawn_parts {
    wchar_t *shell, *line, *env;
    HANDLE in_ours, in_theirs, out_ours, out_theirs;
};
int hv__spawn_parts(const char *cmd, const char *const *env,
                    struct hv__spawn_parts *p);
void hv__spawn_parts_free(struct hv__spawn_parts *p);
struct hv_child *hv__child_adopt(HANDLE process);
/* A stream over a command's pipes (spawn_win.c), owning both handles. */
int hv__stream_child(HANDLE rd, HANDLE wr, struct hv_stream **out);
/* The same over a pseudo console's pipes (pty_win.c): no half-close, and
 * its EOF (the console closed) ends the pair once its output is out. */
int hv__stream_tty(HANDLE rd, HANDLE wr, struct hv_stream **out);
/* Never close a half-closed socket with another shutdown (relay: the
 * HV_RELAY_NO_SHUTDOWN flag also covers the close). */
void hv__stream_no_shutdown(struct hv_stream *st);
/* Make the coming close of a socket a reset (a pair cut short): no
 * shutdown first, SO_LINGER {1, 0}. A pipe has no reset: nothing. */
void hv__stream_abort(struct hv_stream *st);
#endif

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
/* The same, waiting at most ms for HCS's answer (the diagnosis). */
int hv__hcs_list_within(struct hv_vms *vms, unsigned long ms, char *why,
                        size_t whylen);
/* file_win.c: the lock of a unix listener's path (PATH.lock): 0 and
 * *out, its handle (closing it removes the file), HV_ELISTENING while
 * another holds it, or another HV_E* code. */
int hv__file_lock_take(const char *path, HANDLE *out);
/* wsl_win.c: the WSL2 VM's id from the --vm-id of the running
 * wslhost.exe processes (no elevation needed): 1 found (*out), 0 none,
 * HV_EAMBIGUOUS when they name different VMs; why says what was seen. */
int hv__wsl_from_processes(struct hv_guid *out, char *why, size_t whylen);
#endif

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

/* sock.c: the rule for a file already at a unix listener's path, from
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

/* err.c: remember the OS error behind the HV_E* code it was mapped to, so
 * that hv_errtext can say what the OS said (err_<platform>.c call it from
 * hv__err_from_os). Per thread. */
void hv__err_note(long oserr, int mapped);
/* err.c: words hv_errtext adds to the message of err (per thread, until
 * the next detail). */
void hv__err_detail(int err, const char *text);
/* err_<platform>.c: the OS's own text for oserr into buf[n] (strerror,
 * FormatMessage), one line; returns its length (0: none). */
size_t hv__os_text(long oserr, char *buf, size_t n);

#endif
