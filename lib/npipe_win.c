/* npipe_win.c: Windows named pipes (\\.\pipe\NAME) as connections.
 *
 * A client opens the pipe with CreateFileW, waiting with WaitNamedPipeW
 * while every instance is busy (as long as -w allows; without -w a moment,
 * then it is refused: see hv__sock_npipe_connect). A listener keeps one
 * instance with an overlapped ConnectNamedPipe pending and queues the
 * connected ones for hv_sock_accept (struct hv__npipe_listener), so each
 * client gets its own instance (PIPE_UNLIMITED_INSTANCES), -k serves
 * several at once, and the name never lacks a listening instance while
 * the listener is open and its backlog has room. All handles are
 * overlapped, for the relay (stream_win.c).
 *
 * Every instance gets the listener's security descriptor: with none, a
 * pipe's default DACL grants Everyone and Anonymous read access
 * (CreateNamedPipeW, lpSecurityAttributes), so by default ours grants
 * SYSTEM, Administrators and the user running the listener only. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "platform_win.h"

#include <sddl.h> /* after <windows.h> */

#define PIPE_BUF_SIZE (64u * 1024u)
/* Without -w: how long every instance may stay busy before the connect is
 * refused. A server that serves more than one client makes its next
 * instance within milliseconds of a connect (ours before it hands the
 * connection over); one whose instances stay busy has stopped listening
 * (hvlisten without -k once it has its client) or serves as many clients
 * as it will: nothing listens for us, as for a refused connection. */
#define BUSY_GRACE_MS 250u
#define SLICE_MS 100u

static int sock_of_pipe(HANDLE h, const char *name, struct hv_sock **out)
{
    struct hv_sock *s = calloc(1, sizeof *s);
    if (s == NULL) {
        CloseHandle(h);
        return HV_ENOMEM;
    }
    s->s = INVALID_SOCKET;
    s->pipe = h;
    s->family = HV_FAMILY_NPIPE;
    if (name) {
        s->path = malloc(strlen(name) + 1);
        if (s->path)
            strcpy(s->path, name);
    }
    *out = s;
    return 0;
}

int hv__sock_npipe_connect(const struct hv_addr *a,
                           const struct hv_connect_opts *o,
                           struct hv_sock **out)
{
    int wait = o && o->timeout_ms; /* -w: wait for an instance that long */
    uint64_t deadline =
        GetTickCount64() + (wait ? o->timeout_ms : BUSY_GRACE_MS);
    wchar_t *name = hv__wide(a->path);
    HANDLE h;
    int r;

    if (name == NULL)
        return HV_EINVAL;
    for (;;) {
        DWORD e;
        uint64_t t;
        /* SECURITY_IDENTIFICATION: the server may learn who we are, not
         * act as us */
        h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                        OPEN_EXISTING,
                        FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT |
                            SECURITY_IDENTIFICATION,
                        NULL);
        if (h != INVALID_HANDLE_VALUE)
            break;
        e = GetLastError();
        t = GetTickCount64();
        /* A pipe name exists while any instance of it does, a connected
         * one too; a client finds it busy while none is listening
         * (ERROR_PIPE_BUSY: "All pipe instances are busy", and WaitNamedPipe
         * waits for one: learn.microsoft.com/windows/win32/ipc/
         * named-pipe-client). No client can tell a server that will listen
         * again from one that stopped: a moment's wait, then refused. */
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND)
            r = HV_ECONNREFUSED; /* nobody serves that name */
        else if (e == ERROR_PIPE_BUSY && t >= deadline)
            r = wait ? HV_ETIMEDOUT : HV_ECONNREFUSED;
        else if (e == ERROR_PIPE_BUSY)
            r = 0;
        else
            r = hv__err_from_os((long)e);
        if (r == 0 && hv_stopped())
            r = HV_ESTOPPED;
        if (r < 0) {
            free(name);
            return r;
        }
        /* every instance is busy: wait for one, in slices (hv_stop) */
        (void)WaitNamedPipeW(name, (DWORD)(deadline - t > SLICE_MS
                                               ? SLICE_MS
                                               : deadline - t));
    }
    free(name);
    return sock_of_pipe(h, a->path, out);
}

/* A listener's instances. One listens (ConnectNamedPipe pending) at all
 * times while fewer than the backlog's count of connected ones wait for
 * hv_sock_accept: a client that finds none listening is refused
 * (hv__sock_npipe_connect), and the tool may not accept for a while (a -k
 * session runs meanwhile), so a thread of the listener's own moves each
 * connected instance to the queue and makes the next one at once. */
struct hv__npipe_listener {
    CRITICAL_SECTION lock;
    wchar_t *name;
    HANDLE pending;    /* the listening instance, or NULL */
    int armed;         /* its ConnectNamedPipe has been issued */
    int connected;     /* ... and found a client there already */
    OVERLAPPED ov;     /* that ConnectNamedPipe */
    HANDLE ov_ev;      /* ov's event */
    HANDLE *queue;     /* connected instances, oldest first */
    size_t count, cap; /* cap: the backlog */
    int err;           /* making an instance failed: for the next accept */
    HANDLE ready;      /* manual-reset: set while count > 0 or err */
    HANDLE kick;       /* auto-reset: the queue has room again */
    HANDLE quit;       /* manual-reset: the thread ends */
    HANDLE thread;
    SECURITY_ATTRIBUTES sa; /* lpSecurityDescriptor: LocalAlloc'd */
};

#define BACKLOG_DEFAULT 64

/* A new instance of q's name, not yet listening (q->lock held, or no
 * thread yet). */
static int instance_make(struct hv__npipe_listener *q, int first)
{
    HANDLE h;
    DWORD e;

    h = CreateNamedPipeW(q->name,
                         PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED |
                             (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0),
                         PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                             PIPE_REJECT_REMOTE_CLIENTS,
                         PIPE_UNLIMITED_INSTANCES, PIPE_BUF_SIZE,
                         PIPE_BUF_SIZE, 0, &q->sa);
    if (h == INVALID_HANDLE_VALUE) {
        e = GetLastError();
        /* the name is another server's */
        if (e == ERROR_ACCESS_DENIED || e == ERROR_PIPE_BUSY)
            return HV_EADDRINUSE;
        if (e == ERROR_INVALID_NAME || e == ERROR_BAD_PATHNAME)
            return HV_EINVAL;
        return hv__err_from_os((long)e);
    }
    q->pending = h;
    q->armed = 0;
    q->connected = 0;
    return 0;
}

/* A client that came and went: ConnectNamedPipe answers ERROR_NO_DATA
 * when "a client connects before the function is called but closes its
 * handle" (ConnectNamedPipe, Remarks), and the others when it closed
 * meanwhile. Nobody's failure: the next client is served. */
static int came_and_went(DWORD e)
{
    return e == ERROR_NO_DATA || e == ERROR_BROKEN_PIPE ||
           e == ERROR_PIPE_NOT_CONNECTED;
}

/* The pending instance is spent (its client came and went): a new one
 * takes its place before it is closed, so the name never goes away
 * between clients, where a client would find nothing (refused) or
 * another program could make the name its own. The new one is not yet
 * listening (q->lock held). 0, or the error of making it (none pending). */
static int instance_renew(struct hv__npipe_listener *q)
{
    HANDLE spent = q->pending;
    int r;

    q->pending = NULL;
    r = instance_make(q, 0);
    DisconnectNamedPipe(spent);
    CloseHandle(spent);
    return r;
}

/* Listen on the pending instance (the thread, q->lock held: a thread's
 * pending I/O ends with it, so the thread that waits issues it). */
static int instance_arm(struct hv__npipe_listener *q)
{
    DWORD e;
    int r;

    for (;;) {
        memset(&q->ov, 0, sizeof q->ov);
        q->ov.hEvent = q->ov_ev;
        ResetEvent(q->ov_ev);
        q->armed = 1;
        if (ConnectNamedPipe(q->pending, &q->ov))
            return 0;
        e = GetLastError();
        if (e == ERROR_IO_PENDING)
            return 0;
        if (e == ERROR_PIPE_CONNECTED) {
            /* a client came before the call: connected */
            q->connected = 1;
            SetEvent(q->ov_ev);
            return 0;
        }
        if (!came_and_went(e)) {
            CloseHandle(q->pending);
            q->pending = NULL;
            return hv__err_from_os((long)e);
        }
        /* listen on the new one instead */
        if ((r = instance_renew(q)) != 0)
            return r;
    }
}

/* The pending instance's ConnectNamedPipe has completed (the thread). */
static void instance_done(struct hv__npipe_listener *q)
{
    DWORD n, e;

    EnterCriticalSection(&q->lock);
    if (q->connected || GetOverlappedResult(q->pending, &q->ov, &n, FALSE)) {
        q->queue[q->count++] = q->pending; /* made only with room */
        SetEvent(q->ready);
    } else if ((e = GetLastError()) == ERROR_IO_INCOMPLETE) {
        ResetEvent(q->ov_ev); /* not yet: its completion sets it again */
        LeaveCriticalSection(&q->lock);
        return;
    } else if (came_and_went(e)) {
        q->connected = 0;
        if ((q->err = instance_renew(q)) != 0)
            SetEvent(q->ready);
        LeaveCriticalSection(&q->lock);
        return;
    } else {
        CloseHandle(q->pending);
        q->err = hv__err_from_os((long)e);
        SetEvent(q->ready);
    }
    q->pending = NULL;
    q->connected = 0;
    LeaveCriticalSection(&q->lock);
}

static DWORD WINAPI listener_main(LPVOID arg)
{
    struct hv__npipe_listener *q = arg;

    for (;;) {
        HANDLE hs[3];
        DWORD nh = 0, w;

        EnterCriticalSection(&q->lock);
        if (q->pending == NULL && q->count < q->cap && q->err == 0)
            q->err = instance_make(q, 0);
        if (q->pending && !q->armed && q->err == 0)
            q->err = instance_arm(q);
        if (q->err)
            SetEvent(q->ready); /* the next accept reports it */
        hs[nh++] = q->quit;
        hs[nh++] = q->kick;
        if (q->pending && q->armed)
            hs[nh++] = q->ov_ev;
        LeaveCriticalSection(&q->lock);
        w = WaitForMultipleObjects(nh, hs, FALSE, INFINITE);
        if (w == WAIT_OBJECT_0 || w == WAIT_FAILED)
            break;
        if (w == WAIT_OBJECT_0 + 2)
            instance_done(q);
    }
    return 0;
}

/* Force the client of a served instance off: "forces that end of the
 * named pipe closed. The client receives an error the next time it
 * attempts to access the pipe", and what it has not read is discarded
 * (DisconnectNamedPipe, Remarks). Under Wine its reads and writes then
 * fail with ERROR_PIPE_NOT_CONNECTED, where a plain close gives
 * ERROR_BROKEN_PIPE after the data: a reset, not the clean end. Fails
 * harmlessly on a client's handle. */
static void force_off(HANDLE h)
{
    (void)DisconnectNamedPipe(h);
}

/* End q's thread and close every instance: clients still queued are
 * forced off (a reset), as a closed TCP listener resets its backlog. */
static void listener_free(struct hv__npipe_listener *q)
{
    size_t i;
    DWORD n;

    if (q->thread) {
        SetEvent(q->quit);
        WaitForSingleObject(q->thread, INFINITE);
        CloseHandle(q->thread);
    }
    if (q->pending) {
        if (q->armed && !q->connected) {
            (void)CancelIoEx(q->pending, &q->ov);
            /* completed before the cancel: a client came */
            if (GetOverlappedResult(q->pending, &q->ov, &n, TRUE))
                force_off(q->pending);
        } else if (q->connected) {
            force_off(q->pending); /* a client there, not yet queued */
        }
        CloseHandle(q->pending);
    }
    for (i = 0; i < q->count; i++) {
        force_off(q->queue[i]); /* never served: reset, not ended */
        CloseHandle(q->queue[i]);
    }
    if (q->ov_ev)
        CloseHandle(q->ov_ev);
    if (q->ready)
        CloseHandle(q->ready);
    if (q->kick)
        CloseHandle(q->kick);
    if (q->quit)
        CloseHandle(q->quit);
    DeleteCriticalSection(&q->lock);
    if (q->sa.lpSecurityDescriptor)
        LocalFree(q->sa.lpSecurityDescriptor);
    free(q->queue);
    free(q->name);
    free(q);
}

/* The SDDL of the default DACL, with "extra" ACEs after ours: protected
 * (P: nothing inherited), full access for SYSTEM (SY), Administrators
 * (BA) and the user of this process's token (Security Descriptor String
 * Format; ACE Strings). NULL when the user cannot be had. */
static wchar_t *default_sddl(const wchar_t *extra)
{
    HANDLE tok;
    union {
        TOKEN_USER tu;
        char buf[256];
    } u;
    DWORD n = 0;
    wchar_t *sid = NULL, *s = NULL;
    size_t len;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return NULL;
    if (GetTokenInformation(tok, TokenUser, &u, sizeof u, &n) &&
        ConvertSidToStringSidW(u.tu.User.Sid, &sid)) {
        len = wcslen(sid) + wcslen(extra) + 64;
        if ((s = malloc(len * sizeof *s)) != NULL)
            swprintf(s, len, L"D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;%ls)%ls",
                     sid, extra);
        LocalFree(sid);
    }
    CloseHandle(tok);
    return s;
}

/* q->sa for the access asked for (hv_listen_opts.pipe_access). */
static int pipe_security(struct hv__npipe_listener *q, const char *access)
{
    int given = access != NULL && strcmp(access, "everyone") != 0;
    int r = 0;
    wchar_t *sddl;

    q->sa.nLength = sizeof q->sa;
    q->sa.bInheritHandle = FALSE;
    if (given && strncmp(access, "D:", 2) != 0)
        return HV_EINVAL;
    if (given)
        sddl = hv__wide(access);
    else
        /* "everyone": read and write for every account of this machine
         * (WD: World); remote clients are refused anyway
         * (PIPE_REJECT_REMOTE_CLIENTS) */
        sddl = default_sddl(access ? L"(A;;FRFW;;;WD)" : L"");
    if (sddl != NULL &&
        !ConvertStringSecurityDescriptorToSecurityDescriptorW(
            sddl, SDDL_REVISION_1, &q->sa.lpSecurityDescriptor, NULL))
        q->sa.lpSecurityDescriptor = NULL;
    if (q->sa.lpSecurityDescriptor == NULL)
        r = given ? HV_EINVAL : hv__err_from_os((long)GetLastError());
    free(sddl);
    return r;
}

/* Does a server have instances of this name? FILE_FLAG_FIRST_PIPE_INSTANCE
 * refuses a second server on Windows; Wine does not, so ask first too. */
static int npipe_exists(const char *path)
{
    wchar_t *name = hv__wide(path);
    int r;
    if (name == NULL)
        return 0;
    r = WaitNamedPipeW(name, 1) || GetLastError() != ERROR_FILE_NOT_FOUND;
    free(name);
    return r;
}

int hv__sock_npipe_listen(const struct hv_addr *a,
                          const struct hv_listen_opts *o,
                          struct hv_sock **out)
{
    struct hv__npipe_listener *q;
    struct hv_sock *l = NULL;
    int r;

    if (npipe_exists(a->path))
        return HV_EADDRINUSE;
    if ((q = calloc(1, sizeof *q)) == NULL)
        return HV_ENOMEM;
    InitializeCriticalSection(&q->lock);
    q->cap = o && o->backlog > 0 ? (size_t)o->backlog : BACKLOG_DEFAULT;
    q->name = hv__wide(a->path);
    q->queue = calloc(q->cap, sizeof *q->queue);
    q->ov_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    q->ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    q->kick = CreateEventW(NULL, FALSE, FALSE, NULL);
    q->quit = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (q->name == NULL || q->queue == NULL)
        r = HV_ENOMEM;
    else if (!q->ov_ev || !q->ready || !q->kick || !q->quit)
        r = hv__err_from_os((long)GetLastError());
    else if ((r = pipe_security(q, o ? o->pipe_access : NULL)) == 0)
        r = instance_make(q, 1); /* here, for its error */
    if (r == 0 && (q->thread = CreateThread(NULL, 0, listener_main, q, 0,
                                            NULL)) == NULL)
        r = hv__err_from_os((long)GetLastError());
    if (r == 0)
        r = sock_of_pipe(NULL, a->path, &l);
    if (r == 0 && l->path == NULL) {
        hv__npipe_close(l);
        r = HV_ENOMEM;
    }
    if (r < 0) {
        listener_free(q);
        return r;
    }
    l->listener = 1;
    l->npl = q;
    *out = l;
    return 0;
}

HANDLE hv__npipe_accept_event(struct hv_sock *l, int *err)
{
    (void)err;
    return l->npl->ready;
}

int hv__npipe_accept_ready(struct hv_sock *l)
{
    struct hv__npipe_listener *q = l->npl;
    int r;
    EnterCriticalSection(&q->lock);
    r = q->count > 0 || q->err != 0;
    if (!r)
        ResetEvent(q->ready);
    LeaveCriticalSection(&q->lock);
    return r;
}

/* The client's user, for --allow/--deny: its process (the pid the pipe
 * reports, GetNamedPipeClientProcessId) and that process's token. Left
 * empty (unknown) when the process cannot be asked: it may have ended,
 * or belong to another user (opened only by an elevated listener). */
static void peer_user(HANDLE h, struct hv_addr *peer)
{
    ULONG pid = 0;
    if (GetNamedPipeClientProcessId(h, &pid))
        (void)hv__pid_user_sid(pid, peer->host, sizeof peer->host);
}

int hv__npipe_accept(struct hv_sock *l, struct hv_sock **out,
                     struct hv_addr *peer)
{
    struct hv__npipe_listener *q = l->npl;

    for (;;) {
        HANDLE hs[2], h = NULL;
        DWORD w;
        int r = 0;

        EnterCriticalSection(&q->lock);
        if (q->count > 0) {
            h = q->queue[0];
            q->count--;
            memmove(q->queue, q->queue + 1, q->count * sizeof *q->queue);
        } else if (q->err) {
            r = q->err;
            q->err = 0;
        }
        if (q->count == 0 && q->err == 0)
            ResetEvent(q->ready);
        LeaveCriticalSection(&q->lock);
        if (h != NULL || r < 0) {
            SetEvent(q->kick); /* room for an instance again */
            if (r < 0)
                return r;
            if ((r = sock_of_pipe(h, l->path, out)) < 0)
                return r;
            if (peer) {
                memset(peer, 0, sizeof *peer);
                peer->family = HV_FAMILY_NPIPE;
                hv__fmt(peer->path, sizeof peer->path, "%s", l->path);
                peer_user(h, peer);
            }
            return 0;
        }
        hs[0] = q->ready;
        hs[1] = hv__stop_event();
        w = WaitForMultipleObjects(2, hs, FALSE, INFINITE);
        if (w == WAIT_OBJECT_0 + 1)
            return HV_ESTOPPED;
        if (w != WAIT_OBJECT_0)
            return hv__err_from_os((long)GetLastError());
    }
}

void hv__npipe_close(struct hv_sock *s)
{
    if (s->npl)
        listener_free(s->npl);
    /* no DisconnectNamedPipe at a normal end: the client may still read
     * what was written before the close */
    if (s->pipe)
        CloseHandle(s->pipe);
    free(s->path);
    free(s);
}

void hv__npipe_disconnect(struct hv_sock *s)
{
    if (s->pipe && !s->listener)
        force_off(s->pipe);
}

void hv__npipe_private_name(wchar_t *buf, size_t n)
{
    static volatile LONG counter;
    unsigned char rnd[8] = {0};
    unsigned long long x = 0;
    int i;
    (void)hv__random_bytes(rnd, sizeof rnd);
    for (i = 0; i < 8; i++)
        x = (x << 8) | rnd[i];
    _snwprintf(buf, n, L"\\\\.\\pipe\\hvsock-%lu-%ld-%016llx",
               (unsigned long)GetCurrentProcessId(),
               (long)InterlockedIncrement(&counter), x);
    buf[n - 1] = 0;
}
