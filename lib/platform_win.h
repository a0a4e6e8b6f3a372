/* platform_win.h: internal to the Windows files of libhvsock (*_win.c):
 * the OS includes, the socket handle, streams, stop and console events. */
#ifndef HV_PLATFORM_WIN_H
#define HV_PLATFORM_WIN_H

#include "platform.h"

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#ifndef AF_HYPERV
#define AF_HYPERV 34
#endif
/* the OS's own "family not supported" codes, for tests of hv__err_from_os */
#define HV__OS_EAFNOSUPPORT WSAEAFNOSUPPORT
#define HV__OS_EPFNOSUPPORT WSAEPFNOSUPPORT

/* The socket handle behind the public opaque struct hv_sock. */
struct hv_sock {
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
    enum hv_family family;
};

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
/* Wait up to timeout_ms for a connection on listener l: 1 when one is
 * waiting (hv_sock_accept will not block), 0 on timeout, or an HV_E* code
 * (HV_ESTOPPED after hv_stop()). */
int hv__sock_wait_accept(struct hv_sock *l, uint32_t timeout_ms);

/* npipe_win.c: the named-pipe side of sock_win.c's hv_sock_* calls. */
int hv__npipe_accept(struct hv_sock *l, struct hv_sock **out,
                     struct hv_addr *peer);
int hv__npipe_accept_ready(struct hv_sock *l);
HANDLE hv__npipe_accept_event(struct hv_sock *l, int *err);
void hv__npipe_close(struct hv_sock *s);
/* Force the client of a pipe instance we serve off it now (a reset: its
 * next read fails); nothing on a client's own handle. */
void hv__npipe_disconnect(struct hv_sock *s);
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
    unsigned char disc_resets; /* ERROR_PIPE_NOT_CONNECTED is a reset: the
                                * server forced us off (a pipe's client):
                                * a write's always, a read's only before
                                * any byte came (read_any) */
    unsigned char read_any;    /* a read gave bytes (its thread's alone) */
    unsigned char wkeep;  /* its writing side outlives a session (stdout):
                           * let go of only when the relay is told so
                           * (HV_RELAY_CLOSE_A) */
    unsigned char gone;   /* how a complete close of the peer shows
                           * (HV__GONE_*, platform.h) */
    unsigned char lasts;  /* outlives every pair: never freed (stdio),
                           * so a relay thread may be left in a call on it */
    unsigned char peeks;  /* read in place (hv__stream_peek: stdin's queue) */
    unsigned char wfail_drains; /* a failed write into it leaves its peer
                                 * read and dropped, not reset (stdout:
                                 * HV__ENDS_B_DRAIN with a rst_unread b) */
};
/* Results of the stream calls below besides 0 and HV_E* codes. */
#define HV__IO_GONE 1 /* write: the reader of this end went away quietly */
/* read of stdin: the escape that ends the session came (~.), after what
 * earlier reads gave */
#define HV__EHANGUP (-2)
/* console_win.c: 1 while stdin's console is raw (hv_console_raw until
 * hv_console_restore), else 0: its reader (stream_win.c) converts
 * accordingly */
int hv__console_is_raw(void);
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
/* What stdout says of its reader: 1 gone (a write failed for it, or the
 * pipe says so), 0 there, -1 it cannot be asked (a console, a file, NUL, a
 * socket, or a pipe that does not say). */
int hv__stdout_reader_gone(void);
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
