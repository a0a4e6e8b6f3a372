/* platform_posix.h: internal to the POSIX files of libhvsock (*_posix.c):
 * the OS includes, the socket handle, streams, the relay's waits. */
#ifndef HV_PLATFORM_POSIX_H
#define HV_PLATFORM_POSIX_H

#include "platform.h"

#include <errno.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
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
/* pipe2(2): a pipe made with its flags in one call (hv__pipe_own) */
#define HV__HAVE_PIPE2 1
#endif
/* close_range(2) as a system call (Linux 5.9; glibc 2.34 has the
 * wrapper): termctl_posix.c closes a span of descriptors in one call */
#ifdef __linux__
#include <sys/syscall.h>
#ifdef SYS_close_range
#define HV__HAVE_CLOSE_RANGE 1
#endif
#endif

/* The socket handle behind the public opaque struct hv_sock. */
struct hv_sock {
    int fd;
    int unlink_path;        /* a unix listener that made its socket file */
    dev_t dev;              /* ... that file, to remove only it */
    ino_t ino;
    char path[HV_PATH_MAX]; /* unix listener: the file to remove at close */
    int lock_fd;            /* ... and path.lock, locked (flock), or -1 */
    dev_t lock_dev;         /* ... that lock file, to remove only it */
    ino_t lock_ino;
    char *hybrid_ok;        /* a hybrid vsock connection: its OK's text */
    enum hv_family family;
};

#include "ring.h"
/* stream_posix.c: every POSIX stream is a descriptor pair, read with
 * read or recv and written with write or send; relay_posix.c polls them. A
 * descriptor the process shares (stdio) keeps its flags: it is read only
 * after poll said so, and a pipe is written no more than it has room for;
 * sockets use MSG_DONTWAIT per call instead of O_NONBLOCK. */
struct hv_stream {
    int rfd, wfd;
    unsigned char rsock, wsock;   /* recv/send with MSG_DONTWAIT */
    unsigned char rsure;          /* its reads never wait (a file,
                                   * /dev/null) */
    unsigned char wpipe;          /* a pipe: write what fits */
    unsigned char stdio;          /* the process's stdin and stdout */
    unsigned char cmd;            /* a command's input and output (-e) */
    unsigned char rready, wready; /* worth a try without poll */
    unsigned char wpolled;        /* poll said writable since the last write */
    unsigned char block;          /* calls may block (the engine's fast
                                   * paths): no MSG_DONTWAIT, no room
                                   * asked; only a stop, or *quit set,
                                   * ends a wait its signal interrupted */
    /* what the relay engine asks, set where the stream is made (the
     * engine never asks the kind, nor do the calls below that serve
     * these; they fill what the alignment of the pointers around them
     * leaves free) */
    unsigned char rtry, wtry;     /* its reads (writes) never block
                                   * (MSG_DONTWAIT, a file, a descriptor
                                   * of ours made non-blocking; a pipe
                                   * asked for its room): ready again
                                   * without poll's word, after blocking
                                   * use and after a full read or any
                                   * write */
    unsigned char rblock;         /* may be read alone in blocking calls,
                                   * no watch beside: a read reports its
                                   * trouble itself (a socket's reset) or
                                   * never waits (a file) */
    unsigned char splice_from;    /* may be spliced from: a connection of
                                   * ours (hv__stream_nonblock serves it),
                                   * where the system has splice */
    unsigned char splice_into;    /* may be spliced into (a pipe), where
                                   * the system has splice */
    const _Atomic int *quit;      /* block: the pair's end (or NULL) */
    unsigned char wkeep;          /* its writing side outlives a session
                                   * (stdout): shut only when the relay
                                   * is told so (HV_RELAY_CLOSE_A) */
    unsigned char gone;           /* how a complete close of the peer
                                   * shows (HV__GONE_*, platform.h) */
    unsigned char tty;            /* a terminal's master (-e --pty): EIO
                                   * is the end of its slave (a read's
                                   * EOF, a write's lost reader); its
                                   * descriptor is non-blocking (ours
                                   * alone), so a blocking use polls, as
                                   * for stdout's terminal, written
                                   * through a description of our own */
    /* and, asked by the relay engine likewise: */
    unsigned char rst_unread;     /* a connection with resets: its close
                                   * with unread input is one, which may
                                   * destroy what we sent it, and one it
                                   * gets shows to the poller while it is
                                   * neither read nor written (POLLERR) */
    unsigned char eof_closes;     /* an EOF passed into it can only be its
                                   * close (none on POSIX: a named pipe
                                   * we serve, on Windows) */
    unsigned char wfail_drains;   /* a failed write into it leaves its
                                   * peer read and dropped, not reset
                                   * (stdout: HV__ENDS_B_DRAIN with a
                                   * rst_unread b) */
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
/* HV__GONE_ASK (platform.h): 1 when st's peer has closed the connection completely (a send would
 * fail), 0 when it has not or that cannot be told, HV_ECONNRESET when it
 * reset it. Sends nothing. */
int hv__stream_peer_gone(struct hv_stream *st);

/* spawn_posix.c, for pty_posix.c: the command's environment (malloc'd,
 * NULL when out of memory), the child's way to /bin/sh -c CMD with the
 * tool's signal settings undone (never returns), and a handle for a
 * started child (note: -1, or a socket whose other end that process
 * writes its own failure to, an HV_E* int, before it exits; taken). */
char **hv__spawn_env(const char *const *env);
void hv__child_exec(const char *cmd, char **envp);
struct hv_child *hv__child_new(pid_t pid, int note);
/* The stream over fd, our end of the socket pair started child *c has the
 * other end of (fd taken); when that fails, *c is ended and freed. */
int hv__spawn_pair_stream(int fd, struct hv_child **c, struct hv_stream **io);
/* stream_posix.c: a stream over a terminal's master descriptor (taken;
 * closed when this fails). */
int hv__stream_tty(int master, struct hv_stream **out);
/* stream_posix.c: 1 when stdout (descriptor 1) is a pipe, whose reader
 * leaving shows to the poller as an error on it (hv_relay_watch_stdout),
 * else 0: another kind of stdout has no reader that can leave (a socket's
 * errors are its own). */
int hv__stdout_watchable(void);

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
/* resolve_posix.c: getaddrinfo's code as an HV_E* code */
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
/* A pipe of our own: both ends non-blocking and close-on-exec (pipe2
 * where HV__HAVE_PIPE2 says the system has it). 0 or an HV_E* code. */
int hv__pipe_own(int p[2]);

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
