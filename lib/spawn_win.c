/* spawn_win.c: running a command on a connection (-e) on Windows:
 * CreateProcessW of cmd.exe /d /s /c "CMD" with the socket as the child's
 * standard input and output. The socket must be non-overlapped (see
 * hv_sock_spawnable) for the child's ReadFile/WriteFile on it. Only the
 * socket and a copy of standard error are inherited: the handle list
 * attribute keeps every other inheritable handle of this process out. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "platform.h"

struct hv_child {
    HANDLE process;
    int done;
    struct hv_child_exit st;
};

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
static wchar_t *command_line(const wchar_t *shell, const char *cmd)
{
    static const wchar_t mid[] = L"\" /d /s /c \"";
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, cmd, -1, NULL, 0);
    size_t len;
    wchar_t *line;

    if (n <= 0)
        return NULL;
    len = 1 + wcslen(shell) + wcslen(mid) + (size_t)n + 2;
    line = malloc(len * sizeof *line);
    if (line == NULL)
        return NULL;
    wcscpy(line, L"\"");
    wcscat(line, shell);
    wcscat(line, mid);
    MultiByteToWideChar(CP_UTF8, 0, cmd, -1, line + wcslen(line), n);
    wcscat(line, L"\"");
    return line;
}

int hv_spawn_with_sock(struct hv_sock *s, const char *cmd,
                       struct hv_child **out)
{
    STARTUPINFOEXW si;
    PROCESS_INFORMATION pi;
    LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
    SIZE_T asize = 0;
    HANDLE sock = (HANDLE)s->s, err = NULL, list[2];
    DWORD nlist = 0, flags = 0;
    struct hv_child *c;
    wchar_t *shell = NULL, *line = NULL;
    BOOL ok;
    int r = 0;

    if (cmd == NULL || *cmd == '\0')
        return HV_EINVAL;
    c = calloc(1, sizeof *c);
    shell = shell_path();
    if (c == NULL || shell == NULL) {
        r = c == NULL ? HV_ENOMEM : hv__err_from_os((long)GetLastError());
        goto out;
    }
    line = command_line(shell, cmd);
    if (line == NULL) {
        r = GetLastError() == ERROR_NO_UNICODE_TRANSLATION ? HV_EINVAL
                                                            : HV_ENOMEM;
        goto out;
    }

    /* an inheritable copy of our standard error, if there is one */
    {
        HANDLE e = GetStdHandle(STD_ERROR_HANDLE);
        if (e != NULL && e != INVALID_HANDLE_VALUE &&
            !DuplicateHandle(GetCurrentProcess(), e, GetCurrentProcess(), &err,
                             0, TRUE, DUPLICATE_SAME_ACCESS))
            err = NULL;
    }
    if (!SetHandleInformation(sock, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT)) {
        r = hv__err_from_os((long)GetLastError());
        goto out;
    }
    list[nlist++] = sock;
    if (err != NULL)
        list[nlist++] = err;

    memset(&si, 0, sizeof si);
    si.StartupInfo.cb = sizeof si.StartupInfo;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = sock;
    si.StartupInfo.hStdOutput = sock;
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
    ok = CreateProcessW(shell, line, NULL, NULL, TRUE, flags, NULL, NULL,
                        &si.StartupInfo, &pi);
    if (!ok)
        r = hv__err_from_os((long)GetLastError());
    (void)SetHandleInformation(sock, HANDLE_FLAG_INHERIT, 0);
    if (si.lpAttributeList)
        DeleteProcThreadAttributeList(attrs);
    if (ok) {
        CloseHandle(pi.hThread);
        c->process = pi.hProcess;
        *out = c;
        c = NULL;
    }
out:
    free(attrs);
    if (err != NULL)
        CloseHandle(err);
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

void hv_child_free(struct hv_child *c)
{
    if (c == NULL)
        return;
    CloseHandle(c->process);
    free(c);
}
