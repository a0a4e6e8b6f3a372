/* pump_win.c: the stdio <-> socket pump on Windows. WSAPoll cannot wait on
 * pipes or consoles, so each direction runs in its own thread:
 *
 *   stdin reader (one per process) -> two-slot queue -> sender -> socket
 *   socket -> receiver -> stdout
 *
 * The stdin reader lives as long as the process: a read from a pipe or a
 * console cannot be relied on to be cancellable, and a reader that outlives
 * a session keeps what it read queued for the next one (hvlisten -k), so no
 * byte is lost and no stale thread writes into a later connection. The
 * session's own threads only ever block for a bounded time on the socket
 * (non-blocking I/O plus select with a short timeout), so the session can
 * always stop them; the receiver may also block in a stdout write, which is
 * cancelled, or left behind once it can no longer touch the socket.
 *
 * Results match pump_posix.c: the session ends when both directions are
 * done (stdin's EOF sent and the sending side shut down, the peer's EOF
 * written out), or at the peer's EOF with eof_ends or no_shutdown; a closed
 * stdout ends it quietly (stdout_closed); errors say which side failed. */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#define WAIT_SLICE_MS 100
#define CONSOLE_READ_MAX 16384 /* bytes; a console rejects huge buffers */

/* One lock and one condition variable for everything below: state changes
 * are rare next to the I/O, and one wait covers every condition. */
static CRITICAL_SECTION g_lock;
static CONDITION_VARIABLE g_cond;
static INIT_ONCE g_once = INIT_ONCE_STATIC_INIT;

/* The process-wide stdin reader and its queue (under g_lock). */
struct stdin_queue {
    int started;
    char *slot[2];
    size_t len[2], off[2];
    size_t size;
    int head, count; /* oldest filled slot; filled slots */
    int eof;         /* stdin ended (after the queued data) */
    DWORD oserr;     /* stdin failed with this error (after the data) */
};
static struct stdin_queue g_in;

/* One session (under g_lock); freed by whoever lets go of it last, since
 * the receiver may outlive hv_pump_stdio() while blocked on stdout. */
struct session {
    LONG refs;
    SOCKET s;
    struct hv_pump_opts o;
    int stop;           /* the session is over: threads leave */
    int up_done;        /* stdin's EOF sent, sending side shut down */
    int down_done;      /* the peer's EOF reached, its data written out */
    int stdout_closed;
    int err, err_side;
    int down_exited, down_in_write;
    uint64_t sent, received;
    char *dbuf;
    size_t dsize;
};

static BOOL CALLBACK init_globals(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once;
    (void)param;
    (void)ctx;
    InitializeCriticalSection(&g_lock);
    InitializeConditionVariable(&g_cond);
    return TRUE;
}

static void session_release(struct session *ss)
{
    if (InterlockedDecrement(&ss->refs) == 0) {
        free(ss->dbuf);
        free(ss);
    }
}

/* Record the first failure only (caller holds g_lock). */
static void session_fail(struct session *ss, int err, int side)
{
    if (ss->err == 0 && !ss->stdout_closed) {
        ss->err = err;
        ss->err_side = side;
    }
    WakeAllConditionVariable(&g_cond);
}

static int stopped(struct session *ss)
{
    int r;
    EnterCriticalSection(&g_lock);
    r = ss->stop;
    LeaveCriticalSection(&g_lock);
    return r;
}

int hv_stdin_is_tty(void)
{
    DWORD mode;
    HANDLE h = GetStdHandle(STD_INPUT_HANDLE);
    return h != NULL && h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode);
}

/* ---------------------------------------------------------------- stdin */

/* A console is read as UTF-16 (ReadConsoleW) and passed on as UTF-8 with
 * LF line ends, like the text a pipe carries; ReadFile would give the ANSI
 * code page and CR LF. What one read leaves pending (half a surrogate pair,
 * a CR) waits in the state for the next. Reads until some bytes are ready:
 * the count (> 0), 0 at the end of the input, or -1 with *e set. */
static struct hv__console_state g_con;
static uint16_t *g_wbuf;
static size_t g_wmax;

static long console_read(HANDLE h, char *out, DWORD *e)
{
    for (;;) {
        DWORD got = 0;
        size_t k;

        if (g_con.eof)
            return 0;
        if (!ReadConsoleW(h, g_wbuf, (DWORD)g_wmax, &got, NULL)) {
            *e = GetLastError();
            return -1;
        }
        /* a read of nothing is the end, as with ReadFile */
        k = hv__console_text(&g_con, g_wbuf, got, out, got == 0);
        if (k > 0)
            return (long)k;
        if (got == 0)
            return 0;
    }
}

static DWORD WINAPI stdin_reader(LPVOID arg)
{
    HANDLE h = GetStdHandle(STD_INPUT_HANDLE);
    DWORD mode, want;
    int console = h != NULL && h != INVALID_HANDLE_VALUE &&
                  GetConsoleMode(h, &mode);
    (void)arg;

    want = (DWORD)(g_in.size > 0x40000000u ? 0x40000000u : g_in.size);
    if (console) {
        /* UTF-16 units whose UTF-8 fits a slot; a console rejects huge
         * buffers */
        g_wmax = (g_in.size - 3) / 3;
        if (g_wmax > CONSOLE_READ_MAX / sizeof *g_wbuf)
            g_wmax = CONSOLE_READ_MAX / sizeof *g_wbuf;
        g_wbuf = malloc(g_wmax * sizeof *g_wbuf);
        if (g_wbuf == NULL) {
            EnterCriticalSection(&g_lock);
            g_in.oserr = ERROR_NOT_ENOUGH_MEMORY;
            WakeAllConditionVariable(&g_cond);
            LeaveCriticalSection(&g_lock);
            return 0;
        }
    }
    for (;;) {
        DWORD n = 0, e = 0;
        int idx;
        BOOL ok;

        EnterCriticalSection(&g_lock);
        while (g_in.count == 2)
            SleepConditionVariableCS(&g_cond, &g_lock, INFINITE);
        idx = (g_in.head + g_in.count) % 2;
        LeaveCriticalSection(&g_lock);

        if (h == NULL || h == INVALID_HANDLE_VALUE) {
            ok = TRUE; /* no stdin at all: an empty one */
        } else if (console) {
            long k = console_read(h, g_in.slot[idx], &e);
            ok = k >= 0;
            n = ok ? (DWORD)k : 0;
        } else {
            ok = ReadFile(h, g_in.slot[idx], want, &n, NULL);
            if (!ok)
                e = GetLastError();
        }

        EnterCriticalSection(&g_lock);
        if (ok && n > 0) {
            g_in.len[idx] = n;
            g_in.off[idx] = 0;
            g_in.count++;
        } else if (ok || e == ERROR_BROKEN_PIPE || e == ERROR_HANDLE_EOF ||
                   e == ERROR_INVALID_HANDLE) {
            /* a pipe whose writer closed is at its end; a closed stdin (an
             * invalid handle) is an empty one, as on POSIX */
            g_in.eof = 1;
        } else {
            g_in.oserr = e ? e : ERROR_READ_FAULT;
        }
        WakeAllConditionVariable(&g_cond);
        LeaveCriticalSection(&g_lock);
        if (!(ok && n > 0))
            break;
    }
    free(g_wbuf);
    g_wbuf = NULL;
    return 0;
}

/* Start the reader once per process (caller holds g_lock). */
static int stdin_start(size_t size)
{
    HANDLE t;
    if (g_in.started)
        return 0;
    if (size < 64)
        size = 64; /* room for a console read's UTF-8 (stdin_reader) */
    g_in.slot[0] = malloc(size);
    g_in.slot[1] = malloc(size);
    if (g_in.slot[0] == NULL || g_in.slot[1] == NULL) {
        free(g_in.slot[0]);
        free(g_in.slot[1]);
        g_in.slot[0] = g_in.slot[1] = NULL;
        return HV_ENOMEM;
    }
    g_in.size = size;
    t = CreateThread(NULL, 0, stdin_reader, NULL, 0, NULL);
    if (t == NULL) {
        int r = hv__err_from_os((long)GetLastError());
        free(g_in.slot[0]); /* the next session tries afresh */
        free(g_in.slot[1]);
        g_in.slot[0] = g_in.slot[1] = NULL;
        return r;
    }
    CloseHandle(t); /* it runs until stdin ends or the process exits */
    g_in.started = 1;
    return 0;
}

/* ---------------------------------------------------------------- socket */

/* Wait until the socket is ready for reading (or writing), in slices, so a
 * stop is seen soon. 1 ready, 0 stopped, or a WSA error code as negative. */
static int sock_wait(struct session *ss, int for_write)
{
    for (;;) {
        fd_set set, ex;
        struct timeval tv;
        int r;

        if (stopped(ss))
            return 0;
        FD_ZERO(&set);
        FD_ZERO(&ex);
        FD_SET(ss->s, &set);
        FD_SET(ss->s, &ex);
        tv.tv_sec = 0;
        tv.tv_usec = WAIT_SLICE_MS * 1000;
        r = select(0, for_write ? NULL : &set, for_write ? &set : NULL, &ex,
                   &tv);
        if (r == SOCKET_ERROR) {
            int e = WSAGetLastError();
            if (e != WSAEINTR)
                return -e;
        } else if (r > 0) {
            return 1; /* ready, or an error the next call will report */
        }
    }
}

/* A socket error during the session. A peer that went away shows as an
 * abort on Windows where POSIX says reset: same meaning, same report. */
static int net_error(int e)
{
    if (e == WSAECONNABORTED || e == WSAESHUTDOWN)
        return HV_ECONNRESET;
    return hv__err_from_os(e);
}

/* stdin -> socket: take queued chunks, send them, then shut down. */
static DWORD WINAPI sender(LPVOID arg)
{
    struct session *ss = arg;
    int done = 0;

    while (!done) {
        char *p = NULL;
        size_t n = 0, sent = 0;
        int slot;

        EnterCriticalSection(&g_lock);
        while (!ss->stop && g_in.count == 0 && !g_in.eof && !g_in.oserr)
            SleepConditionVariableCS(&g_cond, &g_lock, INFINITE);
        if (ss->stop) {
            LeaveCriticalSection(&g_lock);
            break;
        }
        slot = g_in.head;
        if (g_in.count > 0) {
            p = g_in.slot[slot] + g_in.off[slot];
            n = g_in.len[slot] - g_in.off[slot];
        } else if (g_in.oserr) {
            int r = hv__err_from_os((long)g_in.oserr);
            session_fail(ss, r, 1);
            LeaveCriticalSection(&g_lock);
            break;
        }
        LeaveCriticalSection(&g_lock);

        if (p == NULL) {
            /* stdin's end, and everything before it sent */
            if (!ss->o.no_shutdown && shutdown(ss->s, SD_SEND) != 0 &&
                WSAGetLastError() != WSAENOTCONN) {
                int e = WSAGetLastError();
                EnterCriticalSection(&g_lock);
                session_fail(ss, hv__err_from_os(e), 2);
                LeaveCriticalSection(&g_lock);
                break;
            }
            EnterCriticalSection(&g_lock);
            ss->up_done = 1;
            WakeAllConditionVariable(&g_cond);
            LeaveCriticalSection(&g_lock);
            break;
        }

        while (sent < n) {
            int chunk = n - sent > 0x40000000u ? 0x40000000 : (int)(n - sent);
            int k = send(ss->s, p + sent, chunk, 0);
            if (k > 0) {
                sent += (size_t)k;
                continue;
            }
            {
                int e = WSAGetLastError(), w;
                if (e == WSAEWOULDBLOCK) {
                    w = sock_wait(ss, 1);
                    if (w > 0)
                        continue;
                    if (w < 0)
                        e = -w;
                }
                EnterCriticalSection(&g_lock);
                if (e != WSAEWOULDBLOCK)
                    session_fail(ss, net_error(e), 2);
                LeaveCriticalSection(&g_lock);
                done = 1;
                break;
            }
        }

        /* account for what went out; a stopped session leaves the rest of
         * the chunk queued for the next one */
        EnterCriticalSection(&g_lock);
        ss->sent += sent;
        g_in.off[slot] += sent;
        if (g_in.off[slot] == g_in.len[slot]) {
            g_in.off[slot] = g_in.len[slot] = 0;
            g_in.head = (slot + 1) % 2;
            g_in.count--;
            WakeAllConditionVariable(&g_cond);
        }
        LeaveCriticalSection(&g_lock);
    }
    session_release(ss);
    return 0;
}

/* Write all of buf to stdout: 0, 1 when stdout's reader has gone, or a
 * Win32 error code as negative. */
static int stdout_write(HANDLE h, const char *buf, size_t n)
{
    while (n > 0) {
        DWORD k = 0, want = (DWORD)(n > 0x40000000u ? 0x40000000u : n);
        if (!WriteFile(h, buf, want, &k, NULL)) {
            DWORD e = GetLastError();
            /* Windows says the pipe is being closed; Wine, for a Unix
             * pipe without a reader, says it is not connected */
            if (e == ERROR_NO_DATA || e == ERROR_BROKEN_PIPE ||
                e == ERROR_PIPE_NOT_CONNECTED)
                return 1;
            return -(int)e;
        }
        buf += k;
        n -= k;
    }
    return 0;
}

/* socket -> stdout, until the peer's EOF. */
static DWORD WINAPI receiver(LPVOID arg)
{
    struct session *ss = arg;
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);

    for (;;) {
        int k, w;

        /* checked before every socket call: once stopped, the socket may
         * already be closed (and its handle reused) */
        if (stopped(ss))
            break;
        k = recv(ss->s, ss->dbuf, ss->dsize > 0x40000000u ? 0x40000000
                                                          : (int)ss->dsize, 0);
        if (k > 0) {
            EnterCriticalSection(&g_lock);
            ss->down_in_write = 1;
            LeaveCriticalSection(&g_lock);
            w = stdout_write(out, ss->dbuf, (size_t)k);
            EnterCriticalSection(&g_lock);
            ss->down_in_write = 0;
            if (w == 0) {
                ss->received += (uint64_t)k;
            } else if (w > 0) {
                /* the reader of stdout is gone (| head): end quietly */
                if (ss->err == 0)
                    ss->stdout_closed = 1;
            } else {
                int r = hv__err_from_os(-w);
                session_fail(ss, r == HV_EOS ? HV_EIO : r, 3);
            }
            WakeAllConditionVariable(&g_cond);
            LeaveCriticalSection(&g_lock);
            if (w != 0)
                break;
        } else if (k == 0) {
            EnterCriticalSection(&g_lock);
            ss->down_done = 1;
            WakeAllConditionVariable(&g_cond);
            LeaveCriticalSection(&g_lock);
            break;
        } else {
            int e = WSAGetLastError();
            if (e == WSAEWOULDBLOCK) {
                w = sock_wait(ss, 0);
                if (w >= 0)
                    continue;
                e = -w;
            }
            EnterCriticalSection(&g_lock);
            session_fail(ss, net_error(e), 2);
            LeaveCriticalSection(&g_lock);
            break;
        }
    }
    EnterCriticalSection(&g_lock);
    ss->down_exited = 1;
    WakeAllConditionVariable(&g_cond);
    LeaveCriticalSection(&g_lock);
    session_release(ss);
    return 0;
}

/* ---------------------------------------------------------------- session */

static int ended(const struct session *ss)
{
    if (ss->err || ss->stdout_closed)
        return 1;
    if (ss->down_done && ss->up_done)
        return 1; /* both directions done */
    /* the peer's EOF ends an interactive session */
    return ss->down_done && (ss->o.eof_ends || ss->o.no_shutdown);
}

int hv_pump_stdio(struct hv_sock *s, const struct hv_pump_opts *o,
                  struct hv_pump_result *res)
{
    struct hv_pump_result dummy;
    struct session *ss;
    HANDLE up = NULL, down = NULL;
    u_long on = 1, off = 0;
    int err;

    if (res == NULL)
        res = &dummy;
    memset(res, 0, sizeof *res);
    if (!InitOnceExecuteOnce(&g_once, init_globals, NULL, NULL))
        return HV_EINTERNAL;
    ss = calloc(1, sizeof *ss);
    if (ss == NULL)
        return HV_ENOMEM;
    if (o)
        ss->o = *o;
    ss->s = s->s;
    ss->dsize = ss->o.bufsize ? ss->o.bufsize : HV_PUMP_BUFSIZE;
    ss->dbuf = malloc(ss->dsize);
    ss->refs = 1;
    if (ss->dbuf == NULL) {
        session_release(ss);
        return HV_ENOMEM;
    }

    if (ss->o.no_stdin) {
        ss->up_done = 1;
        if (!ss->o.no_shutdown && (err = hv_sock_shutdown_send(s)) < 0) {
            res->err_side = 2;
            session_release(ss);
            return err;
        }
    } else {
        EnterCriticalSection(&g_lock);
        err = stdin_start(ss->dsize);
        LeaveCriticalSection(&g_lock);
        if (err < 0) {
            res->err_side = 1;
            session_release(ss);
            return err;
        }
    }

    if (ioctlsocket(ss->s, FIONBIO, &on) != 0) {
        err = hv__err_from_os(WSAGetLastError());
        res->err_side = 2;
        session_release(ss);
        return err;
    }
    ss->refs++;
    down = CreateThread(NULL, 0, receiver, ss, 0, NULL);
    if (down == NULL) {
        ss->refs--;
        ss->down_exited = 1;
        ss->err = hv__err_from_os((long)GetLastError());
    }
    if (!ss->o.no_stdin && ss->err == 0) {
        InterlockedIncrement(&ss->refs);
        up = CreateThread(NULL, 0, sender, ss, 0, NULL);
        if (up == NULL) {
            int r = hv__err_from_os((long)GetLastError());
            InterlockedDecrement(&ss->refs);
            EnterCriticalSection(&g_lock);
            session_fail(ss, r, 1);
            LeaveCriticalSection(&g_lock);
        }
    }

    /* wait for the end, then tell the threads */
    EnterCriticalSection(&g_lock);
    while (!ended(ss))
        SleepConditionVariableCS(&g_cond, &g_lock, INFINITE);
    ss->stop = 1;
    WakeAllConditionVariable(&g_cond);
    LeaveCriticalSection(&g_lock);

    /* the sender only waits on the queue or, briefly, on the socket */
    if (up) {
        WaitForSingleObject(up, INFINITE);
        CloseHandle(up);
    }
    if (down) {
        /* the receiver leaves at its next check unless stdout holds it */
        EnterCriticalSection(&g_lock);
        while (!ss->down_exited && !ss->down_in_write)
            SleepConditionVariableCS(&g_cond, &g_lock, INFINITE);
        LeaveCriticalSection(&g_lock);
        if (WaitForSingleObject(down, 0) != WAIT_OBJECT_0) {
            CancelSynchronousIo(down);
            /* past its write it sees the stop and never touches the socket */
            WaitForSingleObject(down, 1000);
        }
        CloseHandle(down);
    }
    (void)ioctlsocket(ss->s, FIONBIO, &off);

    EnterCriticalSection(&g_lock);
    res->sent = ss->sent;
    res->received = ss->received;
    res->stdout_closed = ss->stdout_closed;
    res->err_side = ss->err ? ss->err_side : 0;
    err = ss->err;
    LeaveCriticalSection(&g_lock);
    session_release(ss);
    return err;
}
