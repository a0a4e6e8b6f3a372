/* stream_win.c: the ends of a relay on Windows (see relay_win.c).
 *
 * Sockets and named pipes are read and written with overlapped I/O, each
 * call waiting on its completion or on the pair's cancel event, so a pair
 * that ends can always stop its threads. Standard input is read by one
 * thread per process that lives as long as the process (a read from a
 * console or an anonymous pipe cannot be relied on to be cancellable): it
 * fills a two-slot queue, and what a session read but did not deliver, and
 * stdin's EOF, stay for the next session (hvlisten -k). A console is read
 * as UTF-16 and passed on as UTF-8 with LF line ends (hv__console_text).
 * What each standard handle is (none, a console, synchronous, overlapped)
 * is decided once per process (hv__stdio_kind, console_win.c) before the
 * reader starts; one opened for overlapped I/O (a socket a service
 * manager hands over as stdin and stdout) is read and written with
 * overlapped calls.
 * Standard output is written synchronously, one writer at a time, and let
 * go of (replaced by NUL) once the last session's peer has sent its EOF;
 * whether its reader has gone is asked here (hv__stdout_reader_gone) by
 * the relay's wait for a client to serve on stdio (hv_relay_watch_stdout).
 *
 * What the relay's rule book needs to know of an end (rules.h's
 * HV__ENDS_*) is set here as properties where each stream is made:
 * stdio, cmd, rst_unread, eof_closes, wkeep, gone, lasts, peeks and
 * wfail_drains (platform_win.h). */
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform_win.h"

#include <winternl.h>

#define IO_MAX 0x40000000u     /* one call's bytes, at most */
#define STDIN_SLOT (128u * 1024u)
#define CONSOLE_READ_MAX 16384 /* bytes; a console rejects huge buffers */
#define WATCH_MS 200

/* ---------------------------------------------------------------- stdin */

static INIT_ONCE io_once = INIT_ONCE_STATIC_INIT;
static CRITICAL_SECTION in_lock;
static CONDITION_VARIABLE in_space; /* the reader waits for a free slot */
static HANDLE in_ready;             /* manual-reset: data, EOF or error */
static CRITICAL_SECTION out_lock;   /* one stdout writer at a time */
static volatile LONG out_gone;

static struct {
    int started;
    char *slot[2];
    size_t len[2], off[2];
    int head, count; /* oldest filled slot; filled slots */
    int eof;         /* stdin ended (after the queued data) */
    int hangup;      /* the escape ended it (after the queued data) */
    DWORD oserr;     /* stdin failed with this error (after the data) */
} in;

static struct hv__escape *in_esc; /* hvcat --raw's escape, or NULL */
static char *esc_tmp;             /* the console's text before the scan */

static BOOL CALLBACK io_init(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once;
    (void)param;
    (void)ctx;
    InitializeCriticalSection(&in_lock);
    InitializeCriticalSection(&out_lock);
    InitializeConditionVariable(&in_space);
    in_ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    return in_ready != NULL;
}

static struct hv__console_state con;

static int recv_eof_error(DWORD e);

/* A console read that gives some bytes: the count, 0 at the end of the
 * input, or -1 with *e set. Ctrl+C interrupts ReadConsoleW with 0 units
 * and ERROR_OPERATION_ABORTED: not the end; hv_stop() does the rest. */
static long console_read(HANDLE h, uint16_t *wbuf, DWORD wmax, char *out,
                         DWORD *e)
{
    for (;;) {
        DWORD got = 0;
        size_t k;

        if (con.eof)
            return 0;
        SetLastError(0);
        if (!ReadConsoleW(h, wbuf, wmax, &got, NULL)) {
            *e = GetLastError();
            if (*e == ERROR_OPERATION_ABORTED)
                continue;
            return -1;
        }
        if (got == 0 && GetLastError() == ERROR_OPERATION_ABORTED) {
            Sleep(10); /* the control handler runs meanwhile */
            continue;
        }
        /* converted as the console is now: raw or as it was */
        con.raw = (unsigned char)(hv__console_is_raw() != 0);
        /* a read of nothing is the end, as with ReadFile */
        if (in_esc != NULL && esc_tmp != NULL) {
            k = hv__console_text(&con, wbuf, got, esc_tmp, got == 0);
            k = hv__escape_scan(in_esc, esc_tmp, k, out);
            if (in_esc->hangup && k == 0)
                return -2;
        } else {
            k = hv__console_text(&con, wbuf, got, out, got == 0);
        }
        if (k > 0)
            return (long)k;
        if (got == 0)
            return 0;
    }
}

/* One ReadFile or WriteFile on a standard handle opened for overlapped
 * I/O (a socket a service manager handed over): such a handle needs an
 * OVERLAPPED structure, without one a call may report completion before
 * it is done (ReadFile and WriteFile, Remarks). *pos is the file offset
 * (an overlapped handle keeps none), or NULL to append (both offsets
 * 0xFFFFFFFF: WriteFile, Remarks); a pipe or socket ignores it. cancel
 * (may be NULL) set: the call is cancelled and ERROR_OPERATION_ABORTED
 * reported. */
static BOOL stdio_overlapped(HANDLE h, int wr, char *buf, DWORD n,
                             DWORD *done, uint64_t *pos, HANDLE cancel)
{
    OVERLAPPED ov;
    HANDLE hs[2];
    DWORD e;
    BOOL ok;

    memset(&ov, 0, sizeof ov);
    ov.Offset = pos ? (DWORD)*pos : 0xFFFFFFFFu;
    ov.OffsetHigh = pos ? (DWORD)(*pos >> 32) : 0xFFFFFFFFu;
    if ((ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL)
        return FALSE;
    *done = 0;
    ok = wr ? WriteFile(h, buf, n, NULL, &ov) : ReadFile(h, buf, n, NULL, &ov);
    if (!ok && GetLastError() == ERROR_IO_PENDING) {
        hs[0] = ov.hEvent;
        hs[1] = cancel;
        if (WaitForMultipleObjects(cancel ? 2 : 1, hs, FALSE, INFINITE) !=
            WAIT_OBJECT_0)
            (void)CancelIoEx(h, &ov);
        ok = TRUE;
    }
    if (ok)
        ok = GetOverlappedResult(h, &ov, done, TRUE);
    e = GetLastError();
    CloseHandle(ov.hEvent);
    if (ok && pos)
        *pos += *done;
    SetLastError(e);
    return ok;
}

static DWORD WINAPI stdin_reader(LPVOID arg)
{
    HANDLE h;
    enum hv__stdio_kind kind = hv__stdio_kind(0, &h);
    DWORD wmax = 0;
    int console = kind == HV__STDIO_CONSOLE;
    uint64_t pos = 0; /* an overlapped file's offset */
    uint16_t *wbuf = NULL;
    (void)arg;

    if (console) {
        /* UTF-16 units whose UTF-8 fits a slot */
        wmax = CONSOLE_READ_MAX / sizeof *wbuf;
        /* (one byte more: a held escape character) */
        if (HV__CONSOLE_TEXT_MAX(wmax) + 1 > STDIN_SLOT)
            wmax = (DWORD)((STDIN_SLOT - 4) / 3);
        wbuf = malloc(wmax * sizeof *wbuf);
        if (in_esc != NULL)
            esc_tmp = malloc(HV__CONSOLE_TEXT_MAX(wmax));
    }
    for (;;) {
        DWORD n = 0, e = 0;
        int idx;
        BOOL ok;

        EnterCriticalSection(&in_lock);
        while (in.count == 2)
            SleepConditionVariableCS(&in_space, &in_lock, INFINITE);
        idx = (in.head + in.count) % 2;
        LeaveCriticalSection(&in_lock);

        if (kind == HV__STDIO_NONE) {
            ok = TRUE; /* no stdin at all: an empty one */
        } else if (console) {
            long k = wbuf ? console_read(h, wbuf, wmax, in.slot[idx], &e) : -1;
            if (wbuf == NULL)
                e = ERROR_NOT_ENOUGH_MEMORY;
            if (k == -2) {
                EnterCriticalSection(&in_lock);
                in.hangup = 1;
                SetEvent(in_ready);
                LeaveCriticalSection(&in_lock);
                break;
            }
            ok = k >= 0;
            n = ok ? (DWORD)k : 0;
        } else {
            ok = kind == HV__STDIO_OVERLAPPED
                     ? stdio_overlapped(h, 0, in.slot[idx], STDIN_SLOT, &n,
                                        &pos, NULL)
                     : ReadFile(h, in.slot[idx], STDIN_SLOT, &n, NULL);
            if (!ok)
                e = GetLastError();
        }

        EnterCriticalSection(&in_lock);
        if (ok && n > 0) {
            in.len[idx] = n;
            in.off[idx] = 0;
            in.count++;
        } else if (ok || recv_eof_error(e) || e == ERROR_HANDLE_EOF ||
                   e == ERROR_INVALID_HANDLE) {
            /* a pipe whose writer closed is at its end, as is a socket
             * (a command of -e) whose peer went away after its data; a
             * closed stdin (an invalid handle) is an empty one, as on
             * POSIX */
            in.eof = 1;
        } else {
            in.oserr = e ? e : ERROR_READ_FAULT;
        }
        SetEvent(in_ready);
        LeaveCriticalSection(&in_lock);
        if (!(ok && n > 0))
            break;
    }
    free(wbuf);
    free(esc_tmp);
    esc_tmp = NULL;
    return 0;
}

/* Start the reader once per process (caller holds in_lock). */
static int stdin_start(void)
{
    HANDLE t;
    if (in.started)
        return 0;
    in.slot[0] = malloc(STDIN_SLOT);
    in.slot[1] = malloc(STDIN_SLOT);
    if (in.slot[0] == NULL || in.slot[1] == NULL) {
        free(in.slot[0]);
        free(in.slot[1]);
        in.slot[0] = in.slot[1] = NULL;
        return HV_ENOMEM;
    }
    t = CreateThread(NULL, 0, stdin_reader, NULL, 0, NULL);
    if (t == NULL) {
        int r = hv__err_from_os((long)GetLastError());
        free(in.slot[0]); /* the next session tries afresh */
        free(in.slot[1]);
        in.slot[0] = in.slot[1] = NULL;
        return r;
    }
    CloseHandle(t); /* it runs until stdin ends or the process exits */
    in.started = 1;
    return 0;
}

/* The queued bytes at the front, without taking them off the queue: copied
 * to buf, or (buf NULL) pointed at in place through *at. The reader fills
 * only the other slot meanwhile, so the bytes stay put until
 * stdin_consume. */
static int stdin_read(char *buf, const char **at, size_t n, size_t *got,
                      HANDLE cancel)
{
    for (;;) {
        HANDLE hs[2];
        int r;

        EnterCriticalSection(&in_lock);
        if ((r = stdin_start()) < 0) {
            LeaveCriticalSection(&in_lock);
            return r;
        }
        if (in.count > 0) {
            int s = in.head;
            size_t k = in.len[s] - in.off[s];
            if (k > n)
                k = n;
            if (buf != NULL)
                memcpy(buf, in.slot[s] + in.off[s], k);
            else
                *at = in.slot[s] + in.off[s];
            *got = k;
            LeaveCriticalSection(&in_lock);
            return 0;
        }
        if (in.hangup) {
            LeaveCriticalSection(&in_lock);
            return HV__EHANGUP;
        }
        if (in.eof) {
            *got = 0;
            LeaveCriticalSection(&in_lock);
            return 0;
        }
        if (in.oserr) {
            r = hv__err_from_os((long)in.oserr);
            LeaveCriticalSection(&in_lock);
            return r;
        }
        ResetEvent(in_ready);
        LeaveCriticalSection(&in_lock);
        hs[0] = in_ready;
        hs[1] = cancel;
        if (WaitForMultipleObjects(2, hs, FALSE, INFINITE) != WAIT_OBJECT_0)
            return HV_ESTOPPED;
    }
}

static void stdin_consume(size_t n)
{
    EnterCriticalSection(&in_lock);
    if (in.count > 0) {
        int s = in.head;
        in.off[s] += n;
        if (in.off[s] >= in.len[s]) {
            in.off[s] = in.len[s] = 0;
            in.head = (s + 1) % 2;
            in.count--;
            WakeConditionVariable(&in_space);
        }
    }
    LeaveCriticalSection(&in_lock);
}

/* ---------------------------------------------------------------- stdout */

/* The reader of stdout has gone: a pipe being closed (Windows), a pipe
 * not connected (Wine, a Unix pipe without a reader), and a socket as
 * stdout (a command of -e) that its peer reset or closed. */
static int out_gone_error(DWORD e)
{
    switch (e) {
    case ERROR_NO_DATA:
    case ERROR_BROKEN_PIPE:
    case ERROR_PIPE_NOT_CONNECTED:
    case ERROR_NETNAME_DELETED:
    case ERROR_CONNECTION_ABORTED:
    case ERROR_GRACEFUL_DISCONNECT:
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case WSAESHUTDOWN:
    case WSAEDISCON:
        return 1;
    default:
        return 0;
    }
}

static struct hv__console_out out_con; /* under out_lock */

static int stdout_write(const char *buf, size_t n, HANDLE cancel)
{
    HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE), seen;
    enum hv__stdio_kind kind = hv__stdio_kind(1, &seen);
    /* one let go of (NUL in its place) is synchronous */
    int ov = kind == HV__STDIO_OVERLAPPED && h == seen;
    int r = 0;

    if (h == NULL || h == INVALID_HANDLE_VALUE)
        return 0; /* no stdout at all: like NUL */
    EnterCriticalSection(&out_lock);
    if (kind == HV__STDIO_CONSOLE && h == seen) {
        if (hv__console_write(h, &out_con, buf, n) < 0) {
            DWORD e = GetLastError();
            r = WaitForSingleObject(cancel, 0) == WAIT_OBJECT_0 ? HV_ESTOPPED
                : e ? hv__err_from_os((long)e)
                    : HV_EIO;
            if (r == HV_EOS)
                r = HV_EIO;
        }
        n = 0;
    }
    while (n > 0) {
        DWORD k = 0, want = (DWORD)(n > IO_MAX ? IO_MAX : n);
        if (!(ov ? stdio_overlapped(h, 1, (char *)buf, want, &k, NULL, cancel)
                 : WriteFile(h, buf, want, &k, NULL))) {
            DWORD e = GetLastError();
            if (WaitForSingleObject(cancel, 0) == WAIT_OBJECT_0)
                r = HV_ESTOPPED; /* CancelSynchronousIo */
            else if (out_gone_error(e)) {
                InterlockedExchange(&out_gone, 1);
                r = HV__IO_GONE;
            } else {
                r = hv__err_from_os((long)e);
                if (r == HV_EOS)
                    r = HV_EIO;
            }
            break;
        }
        buf += k;
        n -= k;
    }
    LeaveCriticalSection(&out_lock);
    return r;
}

/* NTSTATUS codes and pipe states of the WDK (ntstatus.h, ntifs.h's
 * FILE_PIPE_LOCAL_INFORMATION), which the user-mode headers lack. */
#define ST_PIPE_DISCONNECTED ((NTSTATUS)0xC00000B0L)
#define ST_PIPE_CLOSING ((NTSTATUS)0xC00000B1L)
#define ST_PIPE_BROKEN ((NTSTATUS)0xC000014BL)
#define PIPE_STATE_DISCONNECTED 1u
#define PIPE_STATE_CLOSING 4u

typedef NTSTATUS(NTAPI *query_file_fn)(HANDLE, PIO_STATUS_BLOCK, PVOID, ULONG,
                                       FILE_INFORMATION_CLASS);

/* What a pipe as stdout says of its reader: 1 gone, 0 there, -1 it cannot
 * be asked (not a pipe, a socket, or a handle without the right to read
 * the pipe's attributes: the write end of CreatePipe has GENERIC_WRITE
 * only, "Anonymous Pipe Security and Access Rights"; a Unix pipe under
 * Wine). The local end's NamedPipeState (FilePipeLocalInformation,
 * NtQueryInformationFile) is "closing" once the other end has closed. */
static int stdout_pipe_reader(void)
{
    HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE), seen, inh;
    enum hv__stdio_kind kind = hv__stdio_kind(1, &seen);
    FILE_PIPE_LOCAL_INFORMATION pli;
    IO_STATUS_BLOCK io;
    query_file_fn q;
    NTSTATUS st;
    int type = 0, len = (int)sizeof type;

    /* only the handle decided on at the start (not a console, not the NUL
     * put in its place), and never a synchronous one that is stdin too
     * (one pipe opened for both): the stdin reader's ReadFile may be
     * pending on it, and a query on a synchronous handle waits until that
     * read completes (ReadFile, Remarks; stdio_detect in console_win.c),
     * so this wait would stall until the next line came in */
    if (h != seen || kind == HV__STDIO_NONE || kind == HV__STDIO_CONSOLE ||
        (kind == HV__STDIO_SYNC &&
         hv__stdio_kind(0, &inh) == HV__STDIO_SYNC && inh == h))
        return -1;
    if (GetFileType(h) != FILE_TYPE_PIPE)
        return -1;
    /* a socket is a "pipe" to GetFileType; its reader is its peer, whose
     * leaving only a send shows (as on POSIX, not watched) */
    if (getsockopt((SOCKET)h, SOL_SOCKET, SO_TYPE, (char *)&type, &len) == 0)
        return -1;
    q = (query_file_fn)(hv__any_fn)GetProcAddress(
        GetModuleHandleW(L"ntdll.dll"), "NtQueryInformationFile");
    if (q == NULL)
        return -1;
    memset(&pli, 0, sizeof pli);
    st = q(h, &io, &pli, (ULONG)sizeof pli, FilePipeLocalInformation);
    if (st == ST_PIPE_CLOSING || st == ST_PIPE_BROKEN ||
        st == ST_PIPE_DISCONNECTED)
        return 1;
    if (!NT_SUCCESS(st))
        return -1;
    return pli.NamedPipeState == PIPE_STATE_CLOSING ||
           pli.NamedPipeState == PIPE_STATE_DISCONNECTED;
}

int hv__stdout_reader_gone(void)
{
    /* a failed write told, or the pipe says so now */
    if (InterlockedCompareExchange(&out_gone, 0, 0) != 0)
        return 1;
    return stdout_pipe_reader();
}

/* Let go of stdout, so that its reader sees the end while we still send
 * stdin: the handle is closed and NUL takes its place, both as the
 * standard handle (stdout_write's) and as the C runtime's descriptor 1,
 * so nothing written later goes into a closed handle, or into whatever
 * took its value. A socket (a parent's, as with ncat -e) is half-closed
 * first, as on POSIX: closing our handle alone would not end it. */
static int stdout_let_go(void)
{
    HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE), nul, crt;
    int type = 0, len = (int)sizeof type, fd, r = 0;

    if (h == NULL || h == INVALID_HANDLE_VALUE)
        return 0; /* no stdout at all: nothing to let go of */
    EnterCriticalSection(&out_lock);
    if (getsockopt((SOCKET)h, SOL_SOCKET, SO_TYPE, (char *)&type, &len) == 0) {
        /* a socket is half-closed and kept: stdin may be the same one
         * (an inetd-style start), and its reader still needs it */
        (void)shutdown((SOCKET)h, SD_SEND);
        LeaveCriticalSection(&out_lock);
        return 0;
    }
    /* one handle for stdout and stdin or stderr (a parent that passed
     * stderr=stdout): closing it would take the other away; our end of
     * it stays, and nothing more is written to it as stdout */
    if (h == GetStdHandle(STD_INPUT_HANDLE) ||
        h == GetStdHandle(STD_ERROR_HANDLE)) {
        LeaveCriticalSection(&out_lock);
        return 0;
    }
    nul = CreateFileW(L"NUL", GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                      NULL, OPEN_EXISTING, 0, NULL);
    if (nul == INVALID_HANDLE_VALUE) {
        r = hv__err_from_os((long)GetLastError());
        LeaveCriticalSection(&out_lock);
        return r == HV_EOS ? HV_EIO : r;
    }
    /* _fileno is -2 without a standard handle, and descriptor calls on
     * it end the process under UCRT (console_win.c): then the standard
     * handle alone */
    if (_fileno(stdout) != 1) {
        (void)SetStdHandle(STD_OUTPUT_HANDLE, nul);
        CloseHandle(h);
        LeaveCriticalSection(&out_lock);
        return 0;
    }
    (void)fflush(stdout);
    crt = (HANDLE)_get_osfhandle(1);
    fd = _open_osfhandle((intptr_t)nul, _O_WRONLY | _O_BINARY);
    if (fd < 0) {
        CloseHandle(nul);
        LeaveCriticalSection(&out_lock);
        return HV_EIO;
    }
    /* _dup2 closes descriptor 1's handle, and the runtime makes the copy
     * of NUL the standard handle too (a console program's descriptors
     * 0-2); where it did not, or held a handle of its own, the same by
     * hand */
    if (_dup2(fd, 1) != 0)
        r = HV_EIO;
    (void)_close(fd); /* nul; descriptor 1 has its own copy */
    if (r == 0) {
        if (GetStdHandle(STD_OUTPUT_HANDLE) == h)
            (void)SetStdHandle(STD_OUTPUT_HANDLE, (HANDLE)_get_osfhandle(1));
        if (crt != h)
            CloseHandle(h);
    }
    LeaveCriticalSection(&out_lock);
    return r;
}

/* ---------------------------------------------------------------- overlapped */

/* A receive that fails with one of these met the peer's plain end: a
 * pipe whose other end closed, a socket's graceful disconnect. */
static int recv_end_error(DWORD e)
{
    return e == ERROR_BROKEN_PIPE || e == ERROR_PIPE_NOT_CONNECTED ||
           e == WSAESHUTDOWN || e == WSAEDISCON ||
           e == ERROR_GRACEFUL_DISCONNECT;
}

/* ... and these a reset: WSAECONNRESET as Winsock reports it, and as the
 * file functions do (ERROR_NETNAME_DELETED), or the connection aborted
 * here (WSAECONNABORTED, ERROR_CONNECTION_ABORTED: a keep-alive that
 * failed, a timeout). */
static int recv_reset_error(DWORD e)
{
    return e == WSAECONNRESET || e == WSAECONNABORTED ||
           e == ERROR_NETNAME_DELETED || e == ERROR_CONNECTION_ABORTED;
}

/* stdin that is a socket or a pipe (a parent's): whatever ends its peer
 * ends the input, a reset included, as a local end. */
static int recv_eof_error(DWORD e)
{
    return recv_end_error(e) || recv_reset_error(e);
}

/* One overlapped read or write on a socket (sock) or a pipe handle (h),
 * waiting for it or for cancel. 0 and *done, HV_ESTOPPED, or -1 and *oserr. */
static int ov_io(SOCKET sock, HANDLE h, int write, char *buf, DWORD n,
                 DWORD *done, HANDLE cancel, HANDLE ev, DWORD *oserr)
{
    OVERLAPPED ov;
    DWORD flags = 0;
    BOOL ok;
    int pending = 0;

    memset(&ov, 0, sizeof ov);
    ov.hEvent = ev;
    ResetEvent(ev);
    *done = 0;
    if (sock != INVALID_SOCKET) {
        WSABUF wb;
        int r;
        wb.buf = buf;
        wb.len = n;
        r = write ? WSASend(sock, &wb, 1, NULL, 0, &ov, NULL)
                  : WSARecv(sock, &wb, 1, NULL, &flags, &ov, NULL);
        if (r != 0) {
            int e = WSAGetLastError();
            if (e != WSA_IO_PENDING) {
                *oserr = (DWORD)e;
                return -1;
            }
        }
        pending = 1; /* the result comes from WSAGetOverlappedResult */
    } else {
        ok = write ? WriteFile(h, buf, n, NULL, &ov)
                   : ReadFile(h, buf, n, NULL, &ov);
        if (!ok) {
            DWORD e = GetLastError();
            if (e != ERROR_IO_PENDING) {
                *oserr = e;
                return -1;
            }
        }
        pending = 1;
    }
    if (pending) {
        HANDLE hs[2];
        DWORD w;
        hs[0] = ev;
        hs[1] = cancel;
        w = WaitForMultipleObjects(2, hs, FALSE, INFINITE);
        if (w != WAIT_OBJECT_0) {
            (void)CancelIoEx(sock != INVALID_SOCKET ? (HANDLE)sock : h, &ov);
            if (sock != INVALID_SOCKET)
                (void)WSAGetOverlappedResult(sock, &ov, done, TRUE, &flags);
            else
                (void)GetOverlappedResult(h, &ov, done, TRUE);
            return HV_ESTOPPED;
        }
    }
    if (sock != INVALID_SOCKET) {
        if (!WSAGetOverlappedResult(sock, &ov, done, FALSE, &flags)) {
            *oserr = (DWORD)WSAGetLastError();
            return -1;
        }
    } else if (!GetOverlappedResult(h, &ov, done, FALSE)) {
        *oserr = GetLastError();
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- streams */

/* stdout serves the sessions to come (wkeep); the one stdio stream is
 * never freed (lasts); stdin is read from its reader's slots (peeks) */
static struct hv_stream stdio_stream = {.kind = HV__STREAM_STDIO,
                                        .stdio = 1,
                                        .wkeep = 1,
                                        .lasts = 1,
                                        .peeks = 1,
                                        .wfail_drains = 1};

int hv_stream_stdio(struct hv_stream **out)
{
    if (!InitOnceExecuteOnce(&io_once, io_init, NULL, NULL))
        return HV_EINTERNAL;
    *out = &stdio_stream;
    return 0;
}

int hv_stream_from_sock(struct hv_sock *s, struct hv_stream **out)
{
    struct hv_stream *st = calloc(1, sizeof *st);
    if (st == NULL) {
        hv_sock_close(s);
        return HV_ENOMEM;
    }
    st->sock = s;
    if (s->family == HV_FAMILY_NPIPE) {
        DWORD flags = 0;
        st->kind = HV__STREAM_PIPE;
        st->rd = st->wr = s->pipe;
        st->gone = HV__GONE_EOF; /* no half-close: the EOF is a close */
        /* our instance of a pipe we serve: "PIPE_SERVER_END: The handle
         * refers to the server end of a named pipe instance"
         * (GetNamedPipeInfo); its client reads until we close it */
        if (GetNamedPipeInfo(s->pipe, &flags, NULL, NULL, NULL) &&
            (flags & PIPE_SERVER_END))
            st->eof_closes = 1;
        else
            /* a server's plain close reads as ERROR_BROKEN_PIPE after its
             * data; DisconnectNamedPipe "forces that end of the named pipe
             * closed" and discards what we had not read (Remarks): before
             * any byte of the server's it is a reset (hv_sock_abort's, a
             * refused client's); after, it is also how a server ends a
             * session that lost nothing (FlushFileBuffers, which returns
             * once we have read all, then DisconnectNamedPipe: Remarks,
             * and the "Multithreaded Pipe Server" sample), so a read takes
             * it for the end there; a write's data is lost either way */
            st->disc_resets = 1;
    } else {
        /* Winsock's recv gives 0 at the peer's shutdown(SD_SEND) and at
         * its close alike (TCP's FIN). AF_HYPERV is "a Windows Socket
         * with a new address family", stream only (learn.microsoft.com/
         * virtualization/hyper-v-on-windows/user-guide/
         * make-integration-service), with the same recv; Wine has no
         * AF_HYPERV and no AF_UNIX to show otherwise. */
        st->kind = HV__STREAM_SOCK;
        st->gone = HV__GONE_UNSEEN;
        /* a TCP close with input still unread sends a reset (RFC 1122,
         * 4.2.2.13), which may destroy what the peer has not read yet;
         * taken alike for the other families. A pipe's close destroys
         * nothing its peer has not read. */
        st->rst_unread = 1;
        /* A Hyper-V socket's peer that closes without a half-close (a
         * plain close, or an older host or guest whose shutdown did not
         * reach us) is met by our receive as a reset after its data,
         * where TCP's would be a FIN; the Hyper-V socket libraries of
         * other projects (linuxkit's virtsock, mirage's ocaml-hvsock)
         * take it for the end for that reason. Microsoft's Hyper-V
         * socket documentation ("Make your own integration services")
         * says nothing of a close; a reset of TCP or AF_UNIX is an error
         * (74), as on POSIX. Wine has no AF_HYPERV to show either. */
        st->rst_eof = s->family == HV_FAMILY_HYPERV;
    }
    *out = st;
    return 0;
}

int hv__stream_child(HANDLE rd, HANDLE wr, struct hv_stream **out)
{
    struct hv_stream *st = calloc(1, sizeof *st);
    if (st == NULL) {
        CloseHandle(rd);
        CloseHandle(wr);
        return HV_ENOMEM;
    }
    st->kind = HV__STREAM_CHILD;
    st->cmd = 1;
    st->rd = rd;
    st->wr = wr;
    *out = st;
    return 0;
}

int hv__stream_tty(HANDLE rd, HANDLE wr, struct hv_stream **out)
{
    int r = hv__stream_child(rd, wr, out);
    if (r == 0) {
        (*out)->gone = HV__GONE_EOF; /* no half-close */
    }
    return r;
}

void hv_stream_close(struct hv_stream *st)
{
    if (st == NULL || st->kind == HV__STREAM_STDIO)
        return;
    if (st->kind == HV__STREAM_CHILD) {
        if (st->rd)
            CloseHandle(st->rd);
        if (st->wr)
            CloseHandle(st->wr);
    } else {
        hv_sock_close(st->sock);
    }
    free(st);
}

void hv__stream_no_shutdown(struct hv_stream *st)
{
    if (st->sock)
        st->sock->no_shutdown = 1;
}

void hv__stream_abort(struct hv_stream *st)
{
    struct linger lg;
    if (st == NULL || st->sock == NULL)
        return;
    if (st->sock->family == HV_FAMILY_NPIPE) {
        /* a pipe we serve: its client forced off now, as a socket's
         * linger time is set now (the close may come only with the
         * process's exit, from a thread that holds the pair last) */
        if (st->eof_closes)
            hv__npipe_disconnect(st->sock);
        return;
    }
    if (st->sock->s == INVALID_SOCKET)
        return;
    /* a shutdown would send a FIN first, which the peer reads as the
     * clean end before the reset: none, and a close that resets
     * (closesocket with a zero linger time is "a hard or abortive close",
     * Microsoft's closesocket and SO_LINGER documentation) */
    st->sock->no_shutdown = 1;
    lg.l_onoff = 1;
    lg.l_linger = 0;
    (void)setsockopt(st->sock->s, SOL_SOCKET, SO_LINGER, (const char *)&lg,
                     (int)sizeof lg);
}

int hv__stream_peek(struct hv_stream *st, const char **at, size_t n,
                    size_t *got, HANDLE cancel)
{
    *got = 0;
    if (st->kind != HV__STREAM_STDIO)
        return HV_ENOTSUP;
    return stdin_read(NULL, at, n, got, cancel);
}

int hv__stream_read(struct hv_stream *st, char *buf, size_t n, size_t *got,
                    HANDLE cancel, HANDLE ev)
{
    DWORD want = (DWORD)(n > IO_MAX ? IO_MAX : n), done, e = 0;
    int r;

    *got = 0;
    if (st->kind == HV__STREAM_STDIO)
        return stdin_read(buf, NULL, n, got, cancel);
    for (;;) {
        if (st->kind == HV__STREAM_SOCK)
            r = ov_io(st->sock->s, NULL, 0, buf, want, &done, cancel, ev, &e);
        else if (st->rd == NULL)
            return 0; /* closed already */
        else
            r = ov_io(INVALID_SOCKET, st->rd, 0, buf, want, &done, cancel, ev,
                      &e);
        if (r == HV_ESTOPPED)
            return r;
        if (r < 0) {
            if (st->disc_resets && !st->read_any &&
                e == ERROR_PIPE_NOT_CONNECTED)
                return HV_ECONNRESET;
            if (recv_end_error(e))
                return 0;
            if (recv_reset_error(e)) {
                if (!st->rst_eof)
                    return HV_ECONNRESET;
                st->reset_seen = 1;
                return 0; /* a Hyper-V peer's plain close */
            }
            if (e == ERROR_MORE_DATA) /* a message pipe: take it in parts */
                done = want;
            else
                return hv__err_from_os((long)e);
        }
        if (done > 0 || st->kind == HV__STREAM_SOCK) {
            *got = done;
            if (done > 0)
                st->read_any = 1;
            return 0;
        }
        /* a pipe's zero-byte write is not the end: read again */
    }
}

void hv__stream_consume(struct hv_stream *st, size_t n)
{
    if (st->kind == HV__STREAM_STDIO)
        stdin_consume(n);
}

int hv__stream_write(struct hv_stream *st, const char *buf, size_t n,
                     HANDLE cancel, HANDLE ev)
{
    if (st->kind == HV__STREAM_STDIO)
        return stdout_write(buf, n, cancel);
    while (n > 0) {
        DWORD want = (DWORD)(n > IO_MAX ? IO_MAX : n), done = 0, e = 0;
        int r;
        if (st->kind == HV__STREAM_SOCK)
            r = ov_io(st->sock->s, NULL, 1, (char *)buf, want, &done, cancel,
                      ev, &e);
        else if (st->wr == NULL)
            return HV__IO_GONE; /* a command's input we closed */
        else
            r = ov_io(INVALID_SOCKET, st->wr, 1, (char *)buf, want, &done,
                      cancel, ev, &e);
        if (r == HV_ESTOPPED)
            return r;
        if (r < 0) {
            /* a command that closed its input: it reads no more */
            if (st->kind == HV__STREAM_CHILD &&
                (e == ERROR_NO_DATA || e == ERROR_BROKEN_PIPE ||
                 e == ERROR_PIPE_NOT_CONNECTED))
                return HV__IO_GONE;
            r = hv__err_from_os((long)e);
            /* what a reset peer is called on POSIX */
            if (e == WSAECONNABORTED || e == WSAESHUTDOWN || e == WSAEDISCON ||
                e == ERROR_NETNAME_DELETED || e == ERROR_CONNECTION_ABORTED ||
                (st->disc_resets && e == ERROR_PIPE_NOT_CONNECTED))
                r = HV_ECONNRESET;
            return r == HV_EOS ? HV_EIO : r;
        }
        buf += done;
        n -= done;
    }
    return 0;
}

int hv__stream_half_close(struct hv_stream *st)
{
    switch (st->kind) {
    case HV__STREAM_SOCK:
        return hv_sock_shutdown_send(st->sock);
    case HV__STREAM_CHILD:
        /* the command reads its input's end; a pseudo console has none */
        if (st->wr && st->gone != HV__GONE_EOF) {
            CloseHandle(st->wr);
            st->wr = NULL;
        }
        return 0;
    case HV__STREAM_STDIO:
        return stdout_let_go(); /* the relay asks only at the last */
    default:
        return 0; /* a named pipe has no half-close */
    }
}

int hv__stream_held(struct hv_stream *st)
{
    int held;
    if (st->kind != HV__STREAM_STDIO)
        return 0;
    EnterCriticalSection(&in_lock);
    held = in.count > 0;
    LeaveCriticalSection(&in_lock);
    return held;
}

int hv__stream_watch_reset(struct hv_stream *st, HANDLE cancel, HANDLE ev)
{
    /* after the FIN a receive returns 0 at once, after a reset it fails:
     * look again every WATCH_MS (only while a still sends) */
    for (;;) {
        char c;
        DWORD done = 0, e = 0;
        int r;
        if (st->kind != HV__STREAM_SOCK)
            return 0;
        r = ov_io(st->sock->s, NULL, 0, &c, 1, &done, cancel, ev, &e);
        if (r == HV_ESTOPPED || (r == 0 && done > 0))
            return 0;
        if (r < 0)
            return e == WSAECONNRESET || e == WSAECONNABORTED ||
                   e == ERROR_NETNAME_DELETED ||
                   e == ERROR_CONNECTION_ABORTED;
        if (WaitForSingleObject(cancel, WATCH_MS) != WAIT_TIMEOUT)
            return 0;
    }
}

void hv_stream_escape(struct hv_stream *st, unsigned char ch)
{
    static struct hv__escape esc;
    (void)st; /* stdin is one per process */
    esc.ch = ch;
    in_esc = &esc; /* before the reader starts: the first read */
}
