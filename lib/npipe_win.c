/* npipe_win.c: Windows named pipes (\\.\pipe\NAME) as connections.
 *
 * A client opens the pipe with CreateFileW, waiting with WaitNamedPipeW
 * while every instance is busy. A listener is one pipe instance with an
 * overlapped ConnectNamedPipe pending on it; accepting hands that instance
 * over as the connection and makes a new one, so each client gets its own
 * instance (PIPE_UNLIMITED_INSTANCES) and -k serves several at once. All
 * handles are overlapped, for the relay (stream_win.c). */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#define PIPE_BUF_SIZE (64u * 1024u)
#define CONNECT_DEFAULT_MS 30000u /* while every instance is busy */
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
    uint32_t ms = o && o->timeout_ms ? o->timeout_ms : CONNECT_DEFAULT_MS;
    uint64_t deadline = GetTickCount64() + ms;
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
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND)
            r = HV_ECONNREFUSED; /* nobody serves that name */
        else if (e == ERROR_PIPE_BUSY)
            r = t >= deadline ? HV_ETIMEDOUT : 0;
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

/* A new instance on l, with ConnectNamedPipe pending (or done). */
static int npipe_instance(struct hv_sock *l, int first)
{
    wchar_t *name = hv__wide(l->path);
    HANDLE h;
    DWORD e;

    if (name == NULL)
        return HV_ENOMEM;
    h = CreateNamedPipeW(name,
                         PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED |
                             (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0),
                         PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                             PIPE_REJECT_REMOTE_CLIENTS,
                         PIPE_UNLIMITED_INSTANCES, PIPE_BUF_SIZE,
                         PIPE_BUF_SIZE, 0, NULL);
    e = GetLastError();
    free(name);
    if (h == INVALID_HANDLE_VALUE) {
        /* the name is another server's */
        if (e == ERROR_ACCESS_DENIED || e == ERROR_PIPE_BUSY)
            return HV_EADDRINUSE;
        if (e == ERROR_INVALID_NAME || e == ERROR_BAD_PATHNAME)
            return HV_EINVAL;
        return hv__err_from_os((long)e);
    }
    memset(&l->ov, 0, sizeof l->ov);
    l->ov.hEvent = l->ev;
    ResetEvent(l->ev);
    l->connected = 0;
    if (!ConnectNamedPipe(h, &l->ov)) {
        e = GetLastError();
        if (e == ERROR_PIPE_CONNECTED) {
            /* a client came between the two calls: connected */
            l->connected = 1;
            SetEvent(l->ev);
        } else if (e != ERROR_IO_PENDING) {
            CloseHandle(h);
            return hv__err_from_os((long)e);
        }
    }
    l->pipe = h;
    return 0;
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
    struct hv_sock *l;
    int r;

    (void)o; /* one instance per client: no backlog */
    if (npipe_exists(a->path))
        return HV_EADDRINUSE;
    if ((r = sock_of_pipe(NULL, a->path, &l)) < 0)
        return r;
    l->listener = 1;
    l->ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (l->ev == NULL || l->path == NULL) {
        r = l->ev == NULL ? hv__err_from_os((long)GetLastError()) : HV_ENOMEM;
        hv__npipe_close(l);
        return r;
    }
    if ((r = npipe_instance(l, 1)) < 0) {
        hv__npipe_close(l);
        return r;
    }
    *out = l;
    return 0;
}

HANDLE hv__npipe_accept_event(struct hv_sock *l, int *err)
{
    if (l->pipe == NULL && (*err = npipe_instance(l, 0)) < 0)
        return NULL;
    return l->ev;
}

int hv__npipe_accept_ready(struct hv_sock *l)
{
    if (l->pipe == NULL)
        return 0;
    return l->connected || WaitForSingleObject(l->ev, 0) == WAIT_OBJECT_0;
}

int hv__npipe_accept(struct hv_sock *l, struct hv_sock **out,
                     struct hv_addr *peer)
{
    for (;;) {
        HANDLE hs[2];
        DWORD n, w;
        int r;

        if (l->pipe == NULL && (r = npipe_instance(l, 0)) < 0)
            return r;
        hs[0] = l->ev;
        hs[1] = hv__stop_event();
        w = WaitForMultipleObjects(2, hs, FALSE, INFINITE);
        if (w == WAIT_OBJECT_0 + 1)
            return HV_ESTOPPED;
        if (w != WAIT_OBJECT_0)
            return hv__err_from_os((long)GetLastError());
        if (!l->connected && !GetOverlappedResult(l->pipe, &l->ov, &n, FALSE)) {
            /* a client that came and went: serve the next one */
            DWORD e = GetLastError();
            if (e == ERROR_IO_INCOMPLETE)
                continue;
            CloseHandle(l->pipe);
            l->pipe = NULL;
            if (e != ERROR_NO_DATA && e != ERROR_BROKEN_PIPE &&
                e != ERROR_PIPE_NOT_CONNECTED)
                return hv__err_from_os((long)e);
            continue;
        }
        /* the connected instance is the connection; a new one listens */
        r = sock_of_pipe(l->pipe, l->path, out);
        l->pipe = NULL;
        l->connected = 0;
        ResetEvent(l->ev);
        if (r < 0)
            return r;
        if (peer) {
            memset(peer, 0, sizeof *peer);
            peer->family = HV_FAMILY_NPIPE;
            hv__fmt(peer->path, sizeof peer->path, "%s", l->path);
        }
        /* an error here shows at the next accept */
        (void)npipe_instance(l, 0);
        return 0;
    }
}

void hv__npipe_close(struct hv_sock *s)
{
    if (s->pipe) {
        if (s->listener) {
            DWORD n;
            (void)CancelIoEx(s->pipe, &s->ov);
            (void)GetOverlappedResult(s->pipe, &s->ov, &n, TRUE);
        }
        /* no DisconnectNamedPipe: the client may still read what was
         * written before the close */
        CloseHandle(s->pipe);
    }
    if (s->ev)
        CloseHandle(s->ev);
    free(s->path);
    free(s);
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
