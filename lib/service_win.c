/* service_win.c: hvlisten as a Windows service. Installing and removing
 * (CreateServiceW, DeleteServiceW) and running under the service control
 * manager: StartServiceCtrlDispatcherW gives the process's main thread to
 * the manager, which calls service_main in a thread of its own; that
 * thread runs the tool, and a STOP or SHUTDOWN control reaches the same
 * hv_stop() that Ctrl+C calls. The states reported follow "Service State
 * Transitions" (Microsoft Learn): START_PENDING at once, RUNNING once the
 * tool listens, STOP_PENDING when a stop is asked, STOPPED last. */
#include <stdlib.h>
#include <string.h>

#include "hvsock_int.h"
#include "platform_win.h"

/* how long a removal waits for the service to stop */
#define REMOVE_STOP_WAIT_MS 30000
/* the wait hints reported: the manager's estimate of a pending state */
#define START_HINT_MS 30000
#define STOP_HINT_MS 30000
/* while stopping (hvlisten --drain may take long) the checkpoint moves on
 * this often, well within the hint: "SERVICE_STATUS structure",
 * dwCheckPoint and dwWaitHint (Microsoft Learn) */
#define STOP_BEAT_MS 5000

static struct {
    CRITICAL_SECTION lock; /* SetServiceStatus from two threads */
    SERVICE_STATUS_HANDLE h;
    SERVICE_STATUS st;
    volatile LONG stop_asked;
    const char *name;
    wchar_t *wname;
    hv_service_fn *fn;
    void *ctx;
    int code;
    int err; /* RegisterServiceCtrlHandlerExW failed: its HV_E* code */
    HANDLE beat; /* the timer that moves STOP_PENDING's checkpoint on */
} svc;

/* The manager's error for name as an HV_E* code, why said. */
static int scm_error(DWORD e, const char *name, char *why, size_t n)
{
    int r = hv__service_error(e, name, why, n);
    if (r != 0)
        return r;
    return hv__err_from_os((long)e);
}

/* Report state; a pending state counts its checkpoint up. */
static void report(DWORD state, DWORD win32, DWORD specific, DWORD hint_ms)
{
    EnterCriticalSection(&svc.lock);
    /* once STOPPED, nothing more: the process may be gone any moment */
    if (svc.st.dwCurrentState != SERVICE_STOPPED) {
        svc.st.dwCurrentState = state;
        svc.st.dwWin32ExitCode = win32;
        svc.st.dwServiceSpecificExitCode = specific;
        svc.st.dwWaitHint = hint_ms;
        svc.st.dwCheckPoint = state == SERVICE_START_PENDING ||
                                      state == SERVICE_STOP_PENDING
                                  ? svc.st.dwCheckPoint + 1
                                  : 0;
        /* controls only while running: a stop during the start waits
         * for RUNNING (Service ControlHandler Function, Remarks) */
        svc.st.dwControlsAccepted =
            state == SERVICE_RUNNING
                ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN
                : 0;
        (void)SetServiceStatus(svc.h, &svc.st);
    }
    LeaveCriticalSection(&svc.lock);
}

/* The stop's heartbeat: STOP_PENDING again, its checkpoint one on (report
 * does nothing once STOPPED). */
static VOID CALLBACK stop_beat(PVOID ctx, BOOLEAN fired)
{
    (void)ctx;
    (void)fired;
    report(SERVICE_STOP_PENDING, NO_ERROR, 0, STOP_HINT_MS);
}

/* HandlerEx: runs in the dispatcher's thread (the process's main one);
 * it must answer at once, so it only asks for the stop. */
static DWORD WINAPI control(DWORD ctl, DWORD type, LPVOID data, LPVOID ctx)
{
    (void)type;
    (void)data;
    (void)ctx;
    switch (hv__service_control(ctl)) {
    case HV__SVC_STOP:
        if (InterlockedExchange(&svc.stop_asked, 1) == 0 &&
            !CreateTimerQueueTimer(&svc.beat, NULL, stop_beat, NULL,
                                   STOP_BEAT_MS, STOP_BEAT_MS,
                                   WT_EXECUTEDEFAULT))
            svc.beat = NULL;
        report(SERVICE_STOP_PENDING, NO_ERROR, 0, STOP_HINT_MS);
        hv_stop();
        return NO_ERROR;
    case HV__SVC_ANSWER:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

/* A console control handler of the service's own, called before the
 * tool's (the last one added runs first): a user's logoff must not end
 * the service, and the shutdown comes as the SHUTDOWN control. */
static BOOL WINAPI console_event(DWORD type)
{
    return hv__service_console(type) ? TRUE : FALSE;
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv)
{
    unsigned long win32, specific;

    /* the arguments of a start (sc start NAME ARGS) are not ours: the
     * service's command line is what --install-service wrote */
    (void)argc;
    (void)argv;
    svc.h = RegisterServiceCtrlHandlerExW(svc.wname, control, NULL);
    if (svc.h == NULL) {
        svc.err = scm_error(GetLastError(), svc.name, NULL, 0);
        return;
    }
    svc.st.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    report(SERVICE_START_PENDING, NO_ERROR, 0, START_HINT_MS);
    svc.code = svc.fn(svc.ctx);
    svc.code = hv__service_exit(hv_service_code(svc.code), 0, &win32,
                                &specific);
    /* the heartbeat ends (and its last call has returned) first */
    if (svc.beat != NULL)
        (void)DeleteTimerQueueTimer(NULL, svc.beat, INVALID_HANDLE_VALUE);
    report(SERVICE_STOPPED, (DWORD)win32, (DWORD)specific, 0);
}

int hv_service_run(const char *name, hv_service_fn *fn, void *ctx, int *code,
                   char *why, size_t n)
{
    SERVICE_TABLE_ENTRYW table[2];
    int r;

    hv__fmt(why, n, "%s", "");
    *code = 0;
    if (fn == NULL)
        return 0;
    if ((r = hv_winsvc_name_check(name)) < 0) {
        hv__fmt(why, n, "'%s' is not a valid service name", name);
        return r;
    }
    InitializeCriticalSection(&svc.lock);
    svc.name = name;
    svc.fn = fn;
    svc.ctx = ctx;
    if ((svc.wname = hv__wide(name)) == NULL)
        return HV_ENOMEM;
    (void)SetConsoleCtrlHandler(console_event, TRUE);
    memset(table, 0, sizeof table);
    table[0].lpServiceName = svc.wname;
    table[0].lpServiceProc = service_main;
    /* returns once the service has reported STOPPED */
    if (!StartServiceCtrlDispatcherW(table))
        r = scm_error(GetLastError(), name, why, n);
    else if (svc.err < 0)
        r = svc.err;
    else
        *code = svc.code;
    free(svc.wname);
    svc.wname = NULL;
    return r;
}

void hv_service_running(void)
{
    if (svc.h == NULL)
        return;
    EnterCriticalSection(&svc.lock);
    if (svc.st.dwCurrentState == SERVICE_START_PENDING)
        report(SERVICE_RUNNING, NO_ERROR, 0, 0);
    LeaveCriticalSection(&svc.lock);
}

int hv_service_code(int code)
{
    unsigned long win32, specific;
    if (svc.h == NULL)
        return code;
    return hv__service_exit(code,
                            InterlockedCompareExchange(&svc.stop_asked, 0,
                                                       0) != 0,
                            &win32, &specific);
}

/* This program's absolute path, UTF-8 (malloc'd), or NULL. */
static char *own_path(void)
{
    wchar_t buf[32768];
    DWORD len = GetModuleFileNameW(NULL, buf, sizeof buf / sizeof buf[0]);
    char *out = NULL;

    if (len == 0 || len >= sizeof buf / sizeof buf[0])
        return NULL;
    if (hv__wide_to_utf8(buf, (int)len, &out, NULL) < 0)
        return NULL;
    return out;
}

/* The key that registers the event source name (the Application log) */
static wchar_t *source_key(const wchar_t *wname)
{
    static const wchar_t base[] =
        L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\";
    size_t n = wcslen(base) + wcslen(wname) + 1;
    wchar_t *k = malloc(n * sizeof *k);
    if (k != NULL) {
        wcscpy(k, base);
        wcscat(k, wname);
    }
    return k;
}

/* Register the event source name with this program's message table
 * (tools/eventmsg.rc), so that Event Viewer shows each event's text
 * ("Event Sources", Microsoft Learn: EventMessageFile, TypesSupported).
 * Best effort: without it the events are written all the same. */
static void source_add(const wchar_t *wname)
{
    wchar_t exe[32768], *k = source_key(wname);
    DWORD len = GetModuleFileNameW(NULL, exe, sizeof exe / sizeof exe[0]);
    DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE |
                  EVENTLOG_INFORMATION_TYPE;
    HKEY h;

    if (k == NULL || len == 0 || len >= sizeof exe / sizeof exe[0] ||
        RegCreateKeyExW(HKEY_LOCAL_MACHINE, k, 0, NULL, 0,
                        KEY_SET_VALUE | KEY_WOW64_64KEY, NULL, &h,
                        NULL) != ERROR_SUCCESS) {
        free(k);
        return;
    }
    (void)RegSetValueExW(h, L"EventMessageFile", 0, REG_EXPAND_SZ,
                         (const BYTE *)exe, (len + 1) * sizeof exe[0]);
    (void)RegSetValueExW(h, L"TypesSupported", 0, REG_DWORD,
                         (const BYTE *)&types, sizeof types);
    RegCloseKey(h);
    free(k);
}

static void source_remove(const wchar_t *wname)
{
    wchar_t *k = source_key(wname);
    if (k != NULL)
        (void)RegDeleteKeyExW(HKEY_LOCAL_MACHINE, k, KEY_WOW64_64KEY, 0);
    free(k);
}

int hv_service_install(const char *name, int argc, char *const *argv,
                       char *why, size_t n)
{
    SC_HANDLE m, s;
    SERVICE_DESCRIPTIONW desc;
    wchar_t *wname = NULL, *wcmd = NULL;
    char *exe = NULL, *cmd = NULL;
    int r;

    hv__fmt(why, n, "%s", "");
    if ((r = hv_winsvc_name_check(name)) < 0) {
        hv__fmt(why, n, "'%s' is not a valid service name (1 to 256 "
                        "characters, no '/' or '\\')", name);
        return r;
    }
    if ((exe = own_path()) == NULL)
        return hv__err_from_os((long)GetLastError());
    r = hv_service_cmdline(exe, name, argc, argv, &cmd);
    if (r == 0 && ((wname = hv__wide(name)) == NULL ||
                   (wcmd = hv__wide(cmd)) == NULL))
        r = HV_ENOMEM;
    if (r < 0)
        goto out;
    m = OpenSCManagerW(NULL, NULL, SC_MANAGER_CREATE_SERVICE);
    if (m == NULL) {
        r = scm_error(GetLastError(), name, why, n);
        goto out;
    }
    /* own process, started on demand, as LocalSystem (lpServiceStartName
     * NULL): sc config NAME start= auto obj= ... changes both */
    s = CreateServiceW(m, wname, wname, SERVICE_CHANGE_CONFIG,
                       SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START,
                       SERVICE_ERROR_NORMAL, wcmd, NULL, NULL, NULL, NULL,
                       NULL);
    if (s == NULL) {
        r = scm_error(GetLastError(), name, why, n);
    } else {
        desc.lpDescription = wcmd;
        /* the description only helps a reader of services.msc */
        (void)ChangeServiceConfig2W(s, SERVICE_CONFIG_DESCRIPTION, &desc);
        CloseServiceHandle(s);
        source_add(wname);
    }
    CloseServiceHandle(m);
out:
    free(wcmd);
    free(wname);
    free(cmd);
    free(exe);
    return r;
}

/* Wait up to ms for s to be STOPPED: 0, HV_ETIMEDOUT or an error. */
static int wait_stopped(SC_HANDLE s, DWORD ms)
{
    SERVICE_STATUS st;
    uint64_t end = hv_now_ms() + ms;

    for (;;) {
        if (!QueryServiceStatus(s, &st))
            return hv__err_from_os((long)GetLastError());
        if (st.dwCurrentState == SERVICE_STOPPED)
            return 0;
        if (hv_now_ms() >= end)
            return HV_ETIMEDOUT;
        Sleep(100);
    }
}

int hv_service_remove(const char *name, int *was_running, char *why,
                      size_t n)
{
    SC_HANDLE m, s;
    SERVICE_STATUS st;
    wchar_t *wname;
    int r = 0;

    hv__fmt(why, n, "%s", "");
    *was_running = 0;
    if (hv_winsvc_name_check(name) < 0) {
        hv__fmt(why, n, "'%s' is not a valid service name", name);
        return HV_EINVAL;
    }
    if ((wname = hv__wide(name)) == NULL)
        return HV_ENOMEM;
    m = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    if (m == NULL) {
        r = scm_error(GetLastError(), name, why, n);
        free(wname);
        return r;
    }
    s = OpenServiceW(m, wname, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE);
    if (s == NULL) {
        r = scm_error(GetLastError(), name, why, n);
        CloseServiceHandle(m);
        free(wname);
        return r;
    }
    if (QueryServiceStatus(s, &st) && st.dwCurrentState != SERVICE_STOPPED) {
        *was_running = 1;
        /* a service still starting takes no control yet: the wait
         * below covers both */
        (void)ControlService(s, SERVICE_CONTROL_STOP, &st);
        if ((r = wait_stopped(s, REMOVE_STOP_WAIT_MS)) == HV_ETIMEDOUT)
            hv__fmt(why, n, "the service '%s' did not stop within %u s: "
                            "it is deleted once it stops", name,
                    REMOVE_STOP_WAIT_MS / 1000u);
    }
    if (!DeleteService(s)) {
        DWORD e = GetLastError();
        /* deleted already by someone else: it goes all the same */
        if (e != ERROR_SERVICE_MARKED_FOR_DELETE && r == 0)
            r = scm_error(e, name, why, n);
    }
    if (r == 0)
        source_remove(wname);
    free(wname);
    CloseServiceHandle(s);
    CloseServiceHandle(m);
    return r;
}
