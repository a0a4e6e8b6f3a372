/* spawn_win.c: running a command on a connection (-e) on Windows:
 * CreateProcessW of cmd.exe /d /s /c "CMD" with pipes as its standard
 * input and output, which the caller relays to the connection (a socket
 * handle as a child's stdio serialises its reads and writes, so a command
 * that reads and writes at once would stall). Our
 * ends of the pipes are overlapped (the relay cancels their I/O); the
 * command's are ordinary synchronous handles. Only those and a copy of
 * standard error are inherited: the handle list attribute keeps every
 * other inheritable handle of this process out. A command's end sets
 * one event (hv__child_event) that the relay waits on.
 *
 * Each command runs in a job object of its own that ends every process
 * in it when its last handle closes (JOBOBJECT_BASIC_LIMIT_INFORMATION,
 * LimitFlags: JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE): cmd.exe is made
 * suspended and put in the job before it runs a single instruction, so
 * whatever it starts is in the job too (Job Objects: "child processes
 * are associated with the job by default"), and the end of the session
 * (hv_child_kill, hv_child_free, or this process's own end, which closes
 * the handle) ends the whole tree, not cmd.exe alone. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "platform_win.h"

struct hv_child {
    HANDLE process;
    HANDLE job;  /* the command's tree (see above), or NULL */
    HANDLE wait; /* the registered wait that tells of its end, or NULL */
    int done;
    struct hv_child_exit st;
};

/* ---------------------------------------------------------------- ends */

/* A command's end is an event (hv_child_events): a wait registered on
 * each process sets one manual-reset event for the process, which
 * hv_relay_run watches beside its own and resets when it reports it, so
 * that an end while nobody waits stays news until someone looks. A
 * process that ended before its wait was registered signals at once. */
static INIT_ONCE child_once = INIT_ONCE_STATIC_INIT;
static HANDLE child_ev;
static volatile LONG child_no_event; /* a wait could not be registered */

HANDLE hv__child_event(void)
{
    (void)InitOnceExecuteOnce(&child_once, hv__event_once, &child_ev, NULL);
    return child_ev;
}

/* Runs in the thread pool's wait thread (WT_EXECUTEINWAITTHREAD: a short
 * task), once (WT_EXECUTEONLYONCE). */
static VOID CALLBACK child_ended(PVOID ctx, BOOLEAN timed_out)
{
    (void)ctx;
    (void)timed_out;
    SetEvent(child_ev);
}

/* Have c's end set the event; where that cannot be, hv_child_events says
 * 0 from now on and the caller looks every so often instead. */
static void child_watch(struct hv_child *c)
{
    if (hv__child_event() == NULL ||
        !RegisterWaitForSingleObject(&c->wait, c->process, child_ended, NULL,
                                     INFINITE,
                                     WT_EXECUTEONLYONCE |
                                         WT_EXECUTEINWAITTHREAD)) {
        c->wait = NULL;
        InterlockedExchange(&child_no_event, 1);
    }
}

/* %ComSpec%, else the system directory's cmd.exe; NULL when neither. */
static wchar_t *shell_path(void)
{
    static const wchar_t tail[] = L"\\cmd.exe";
    DWORD n = GetEnvironmentVariableW(L"ComSpec", NULL, 0);
    wchar_t *p;

    if (n > 1) {
        p = malloc(n * sizeof *p);
        if (p && GetEnvironmentVariableW(L"ComSpec", p, n) == n - 1)
            return p;
        free(p);
    }
    n = GetSystemDirectoryW(NULL, 0);
    if (n == 0)
        return NULL;
    p = malloc((n + wcslen(tail)) * sizeof *p);
    if (p == NULL)
        return NULL;
    if (GetSystemDirectoryW(p, n) == 0) {
        free(p);
        return NULL;
    }
    wcscat(p, tail);
    return p;
}

/* "SHELL" /d /s /c "CMD": with /s cmd.exe strips the first and the last
 * quote and runs what is between exactly as written, quotes and all, so
 * CMD needs no escaping here. /d skips AutoRun commands. */
static int command_line(const wchar_t *shell, const char *cmd,
                        wchar_t **out)
{
    static const wchar_t mid[] = L"\" /d /s /c \"";
    wchar_t *wcmd, *line;
    size_t len;
    int r;

    *out = NULL;
    if ((r = hv__utf8_to_wide(cmd, &wcmd)) < 0)
        return r;
    len = 1 + wcslen(shell) + wcslen(mid) + wcslen(wcmd) + 2;
    line = malloc(len * sizeof *line);
    if (line == NULL) {
        free(wcmd);
        return HV_ENOMEM;
    }
    wcscpy(line, L"\"");
    wcscat(line, shell);
    wcscat(line, mid);
    wcscat(line, wcmd);
    wcscat(line, L"\"");
    free(wcmd);
    *out = line;
    return 0;
}

/* One pipe: ours (overlapped, not inherited) and the command's (an
 * ordinary inheritable handle). inbound: we read what the command writes. */
static int child_pipe(int inbound, HANDLE *ours, HANDLE *theirs)
{
    wchar_t name[96];
    SECURITY_ATTRIBUTES sa;
    DWORD e;

    hv__npipe_private_name(name, sizeof name / sizeof name[0]);
    *ours = CreateNamedPipeW(name,
                             (inbound ? PIPE_ACCESS_INBOUND
                                      : PIPE_ACCESS_OUTBOUND) |
                                 FILE_FLAG_OVERLAPPED |
                                 FILE_FLAG_FIRST_PIPE_INSTANCE,
                             PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                                 PIPE_REJECT_REMOTE_CLIENTS,
                             1, 64 * 1024, 64 * 1024, 0, NULL);
    if (*ours == INVALID_HANDLE_VALUE) {
        *ours = NULL;
        return hv__err_from_os((long)GetLastError());
    }
    memset(&sa, 0, sizeof sa);
    sa.nLength = sizeof sa;
    sa.bInheritHandle = TRUE;
    /* the attribute rights let the command query and set its pipe's mode,
     * as it could with CreatePipe's handles */
    *theirs = CreateFileW(name,
                          inbound ? GENERIC_WRITE | FILE_READ_ATTRIBUTES
                                  : GENERIC_READ | FILE_WRITE_ATTRIBUTES,
                          0, &sa, OPEN_EXISTING, 0, NULL);
    if (*theirs == INVALID_HANDLE_VALUE) {
        e = GetLastError();
        CloseHandle(*ours);
        *ours = *theirs = NULL;
        return hv__err_from_os((long)e);
    }
    return 0;
}

static int env_cmp(const void *x, const void *y)
{
    const wchar_t *a = *(const wchar_t *const *)x;
    const wchar_t *b = *(const wchar_t *const *)y;
    size_t na = wcscspn(a, L"="), nb = wcscspn(b, L"=");
    int r = CompareStringOrdinal(a, (int)na, b, (int)nb, TRUE);
    return r == CSTR_LESS_THAN ? -1 : r == CSTR_GREATER_THAN ? 1 : 0;
}

/* Our environment with env's "NAME=value" strings set (replacing a
 * variable of the same name, in any case), as the sorted UTF-16 block
 * CreateProcessW takes; NULL and *err on failure. */
static wchar_t *env_block(const char *const *env, int *err)
{
    wchar_t *cur = GetEnvironmentStringsW(), *p, **v = NULL, **mine = NULL,
            *blk = NULL;
    size_t n = 0, nadd = 0, i, k, total = 1;

    *err = HV_ENOMEM;
    if (cur == NULL) {
        *err = hv__err_from_os((long)GetLastError());
        return NULL;
    }
    for (p = cur; *p; p += wcslen(p) + 1)
        n++;
    while (env && env[nadd])
        nadd++;
    v = calloc(n + nadd + 1, sizeof *v);
    mine = calloc(nadd + 1, sizeof *mine);
    if (v == NULL || mine == NULL)
        goto out;
    k = 0;
    for (p = cur; *p; p += wcslen(p) + 1)
        v[k++] = p;
    for (i = 0; i < nadd; i++) {
        wchar_t *w = hv__wide(env[i]);
        size_t j, len;
        mine[i] = w;
        if (w == NULL || wcschr(w, L'=') == NULL || w[0] == L'=') {
            *err = HV_EINVAL;
            goto out;
        }
        len = wcscspn(w, L"=");
        for (j = 0; j < k; j++) {
            if (wcscspn(v[j], L"=") == len &&
                CompareStringOrdinal(v[j], (int)len, w, (int)len, TRUE) ==
                    CSTR_EQUAL)
                break;
        }
        if (j < k)
            v[j] = w; /* replaces ours, or an earlier one of env */
        else
            v[k++] = w;
    }
    qsort(v, k, sizeof *v, env_cmp);
    for (i = 0; i < k; i++)
        total += wcslen(v[i]) + 1;
    blk = malloc(total * sizeof *blk);
    if (blk) {
        wchar_t *q = blk;
        for (i = 0; i < k; i++) {
            size_t len = wcslen(v[i]) + 1;
            memcpy(q, v[i], len * sizeof *q);
            q += len;
        }
        *q = 0;
        *err = 0;
    }
out:
    for (i = 0; mine && i < nadd; i++)
        free(mine[i]);
    free(mine);
    free(v);
    FreeEnvironmentStringsW(cur);
    return blk;
}

/* A job that ends its processes when its last handle closes; NULL where
 * the system refuses one. */
static HANDLE tree_job(void)
{
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
    HANDLE job = CreateJobObjectW(NULL, NULL);

    if (job == NULL)
        return NULL;
    memset(&lim, 0, sizeof lim);
    /* no JOB_OBJECT_LIMIT_BREAKAWAY_OK: nothing the command starts leaves */
    lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &lim,
                                 sizeof lim)) {
        CloseHandle(job);
        return NULL;
    }
    return job;
}

DWORD hv__spawn_flags(int has_console)
{
    /* A console program started by a process that has no console gets a
     * console window of its own, one per connection for a listener run
     * by a service manager; CREATE_NO_WINDOW gives it a console without
     * a window (Process Creation Flags, CREATE_NO_WINDOW). With a
     * console, the command shares it, as it always did. */
    DWORD f = CREATE_UNICODE_ENVIRONMENT | CREATE_SUSPENDED;
    if (!has_console)
        f |= CREATE_NO_WINDOW;
    return f;
}

int hv_spawn(struct hv_sock *s, const char *cmd, const char *const *env,
             struct hv_child **out, struct hv_stream **io)
{
    STARTUPINFOEXW si;
    PROCESS_INFORMATION pi;
    LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
    SIZE_T asize = 0;
    HANDLE err = NULL, list[3], in_ours = NULL, in_theirs = NULL,
           out_ours = NULL, out_theirs = NULL;
    DWORD nlist = 0, flags = hv__spawn_flags(GetConsoleWindow() != NULL);
    struct hv_child *c;
    wchar_t *shell = NULL, *line = NULL, *envblk = NULL;
    BOOL ok;
    int r = 0;

    (void)s; /* the caller relays *io to it */
    *io = NULL;
    if (cmd == NULL || *cmd == '\0')
        return HV_EINVAL;
    c = calloc(1, sizeof *c);
    shell = shell_path();
    if (c == NULL || shell == NULL) {
        r = c == NULL ? HV_ENOMEM : hv__err_from_os((long)GetLastError());
        goto out;
    }
    if ((r = command_line(shell, cmd, &line)) < 0)
        goto out;
    if ((envblk = env_block(env, &r)) == NULL)
        goto out;
    /* the command's stdin (we write) and stdout (we read) */
    if ((r = child_pipe(0, &in_ours, &in_theirs)) < 0 ||
        (r = child_pipe(1, &out_ours, &out_theirs)) < 0)
        goto out;

    /* an inheritable copy of our standard error, if there is one */
    {
        HANDLE e = GetStdHandle(STD_ERROR_HANDLE);
        if (e != NULL && e != INVALID_HANDLE_VALUE &&
            !DuplicateHandle(GetCurrentProcess(), e, GetCurrentProcess(), &err,
                             0, TRUE, DUPLICATE_SAME_ACCESS))
            err = NULL;
    }
    list[nlist++] = in_theirs;
    list[nlist++] = out_theirs;
    if (err != NULL)
        list[nlist++] = err;

    memset(&si, 0, sizeof si);
    si.StartupInfo.cb = sizeof si.StartupInfo;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = in_theirs;
    si.StartupInfo.hStdOutput = out_theirs;
    si.StartupInfo.hStdError = err;
    /* limit inheritance to those handles where the system can */
    (void)InitializeProcThreadAttributeList(NULL, 1, 0, &asize);
    if (asize > 0 && (attrs = malloc(asize)) != NULL) {
        if (InitializeProcThreadAttributeList(attrs, 1, 0, &asize)) {
            if (UpdateProcThreadAttribute(attrs, 0,
                                          PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
                                          list, nlist * sizeof list[0], NULL,
                                          NULL)) {
                si.StartupInfo.cb = sizeof si;
                si.lpAttributeList = attrs;
                flags |= EXTENDED_STARTUPINFO_PRESENT;
            } else {
                /* an initialised list is deleted before it is freed */
                DeleteProcThreadAttributeList(attrs);
            }
        }
    }
    ok = CreateProcessW(shell, line, NULL, NULL, TRUE, flags, envblk, NULL,
                        &si.StartupInfo, &pi);
    if (!ok)
        r = hv__err_from_os((long)GetLastError());
    if (si.lpAttributeList)
        DeleteProcThreadAttributeList(attrs);
    if (ok) {
        /* into its job while suspended; a system that refuses (a job of
         * ours that forbids nesting: before Windows 8) still runs it, and
         * only cmd.exe is ended then */
        if ((c->job = tree_job()) != NULL &&
            !AssignProcessToJobObject(c->job, pi.hProcess)) {
            CloseHandle(c->job);
            c->job = NULL;
        }
        (void)ResumeThread(pi.hThread);
        CloseHandle(pi.hThread);
        c->process = pi.hProcess;
        child_watch(c);
        /* the command's ends are its own now: its EOF is ours */
        r = hv__stream_child(out_ours, in_ours, io);
        out_ours = in_ours = NULL;
        *out = c;
        c = NULL;
    }
out:
    free(attrs);
    if (err != NULL)
        CloseHandle(err);
    if (in_theirs)
        CloseHandle(in_theirs);
    if (out_theirs)
        CloseHandle(out_theirs);
    if (in_ours)
        CloseHandle(in_ours);
    if (out_ours)
        CloseHandle(out_ours);
    free(envblk);
    free(line);
    free(shell);
    free(c);
    return r;
}

/* Wait up to ms for the process: 1 ended, 0 running, or an HV_E* code. */
static int reap(struct hv_child *c, DWORD ms)
{
    DWORD w, code;

    if (c->done)
        return 1;
    w = WaitForSingleObject(c->process, ms);
    if (w == WAIT_TIMEOUT)
        return 0;
    if (w != WAIT_OBJECT_0 || !GetExitCodeProcess(c->process, &code))
        return hv__err_from_os((long)GetLastError());
    c->st.signaled = 0;
    c->st.code = code;
    c->done = 1;
    return 1;
}

int hv_child_wait(struct hv_child *c, struct hv_child_exit *st)
{
    int r = reap(c, INFINITE);
    if (r < 0)
        return r;
    *st = c->st;
    return 0;
}

int hv_child_poll(struct hv_child *c, struct hv_child_exit *st)
{
    int r = reap(c, 0);
    if (r == 1)
        *st = c->st;
    return r;
}

int hv_child_events(void)
{
    return hv__child_event() != NULL &&
           InterlockedCompareExchange(&child_no_event, 0, 0) == 0;
}

void hv_child_kill(struct hv_child *c)
{
    if (c == NULL)
        return;
    /* the tree too: what cmd.exe started may run on after cmd.exe */
    if (c->job)
        (void)TerminateJobObject(c->job, 1);
    else if (!c->done)
        (void)TerminateProcess(c->process, 1);
}

void hv__child_discard(struct hv_child *c)
{
    /* TerminateJobObject/TerminateProcess cannot be refused by the
     * command, so the wait after it is short */
    hv_child_kill(c);
    (void)reap(c, INFINITE);
    hv_child_free(c);
}

void hv_child_free(struct hv_child *c)
{
    if (c == NULL)
        return;
    /* a wait that fired once must still be unregistered; this one also
     * waits for its callback to return, so none runs after the free */
    if (c->wait)
        (void)UnregisterWaitEx(c->wait, INVALID_HANDLE_VALUE);
    /* the last handle of the job: what still runs of the tree ends */
    if (c->job)
        CloseHandle(c->job);
    CloseHandle(c->process);
    free(c);
}

/* The command has pipes here always, which the caller relays: the same as
 * hv_spawn. */
int hv_spawn_relayed(struct hv_sock *s, const char *cmd,
                     const char *const *env, struct hv_child **out,
                     struct hv_stream **io)
{
    return hv_spawn(s, cmd, env, out, io);
}

/* ------------------------------------------- for pty_win.c (--pty) */

int hv__spawn_parts(const char *cmd, const char *const *env,
                    struct hv__spawn_parts *p)
{
    int r = 0;

    memset(p, 0, sizeof *p);
    if ((p->shell = shell_path()) == NULL)
        return hv__err_from_os((long)GetLastError());
    if ((r = command_line(p->shell, cmd, &p->line)) < 0 ||
        (p->env = env_block(env, &r)) == NULL ||
        (r = child_pipe(0, &p->in_ours, &p->in_theirs)) < 0 ||
        (r = child_pipe(1, &p->out_ours, &p->out_theirs)) < 0) {
        hv__spawn_parts_free(p);
        return r;
    }
    return 0;
}

void hv__spawn_parts_free(struct hv__spawn_parts *p)
{
    HANDLE *h[4];
    int i;

    h[0] = &p->in_ours;
    h[1] = &p->in_theirs;
    h[2] = &p->out_ours;
    h[3] = &p->out_theirs;
    for (i = 0; i < 4; i++) {
        if (*h[i])
            CloseHandle(*h[i]);
        *h[i] = NULL;
    }
    free(p->shell);
    free(p->line);
    free(p->env);
    p->shell = p->line = p->env = NULL;
}

struct hv_child *hv__child_adopt(HANDLE process)
{
    struct hv_child *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->process = process;
    child_watch(c);
    return c;
}
