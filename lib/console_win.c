/* console_win.c: a Windows command line as the tools expect it: argv as
 * UTF-8 (re-read from the UTF-16 command line, since the ANSI argv loses
 * what the code page cannot hold), binary stdio (no CR/LF translation, no
 * ^Z), text to a console as UTF-16 (hv_console_write: everything the
 * tools print, and the relay's output), what each standard handle is
 * (hv__stdio_kind), and Ctrl+C / Ctrl+Break as hv_stop() (the tool ends
 * with 130). The console's code page is never changed: it belongs to the
 * console, not the process (SetConsoleOutputCP sets the one "used by the
 * console associated with the calling process"), so every process
 * attached to that console would see it changed, and a tool ended by
 * TerminateProcess could not put it back. */
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>

#include "platform_win.h"

#include <shellapi.h> /* after <windows.h> */
#include <winternl.h>

/* Kept for the life of the process: argv points into it. */
static char **utf8_argv;

#define STOP_GRACE_MS 3000  /* for the tool to end by itself after Ctrl+C */
#define CLOSE_GRACE_MS 4500 /* the same at a close: the system allows 5 s */

/* Set once the tool is on its way out (the last atexit handler): what it
 * ends and removes at its end (-e commands, a unix socket's file) is
 * done by then. */
static HANDLE exit_ev;

static void mark_exit(void)
{
    if (exit_ev)
        SetEvent(exit_ev);
}

int hv__ctrl_action(unsigned long type, int has_console)
{
    switch (type) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
        return HV__CTRL_STOP;
    case CTRL_CLOSE_EVENT:
    case CTRL_SHUTDOWN_EVENT:
        return HV__CTRL_END;
    case CTRL_LOGOFF_EVENT:
        /* sent to every process without a console (a service) when any
         * user logs off, which is no reason for a listener of the system
         * to end; an interactive one is ended with its session anyway
         * (HandlerRoutine callback function, CTRL_LOGOFF_EVENT) */
        return has_console ? HV__CTRL_END : HV__CTRL_PASS;
    default:
        return HV__CTRL_PASS;
    }
}

/* Runs in a thread of its own. Ctrl+C and Ctrl+Break stop the library's
 * blocking calls and the tool returns 130; one that has not ended after
 * STOP_GRACE_MS is ended by the default handler. A close, a logoff or a
 * shutdown stops it too, and the handler returns only once the tool has
 * done its cleanup (its -e commands ended, a unix socket's file removed)
 * or the time is up, since the process ends when it returns (a console
 * closed: 5 s at most; HandlerRoutine callback function, Remarks). The
 * console's modes go back first, since ExitProcess runs no atexit
 * handler. */
static BOOL WINAPI on_ctrl(DWORD type)
{
    int act = hv__ctrl_action(type, GetConsoleWindow() != NULL);
    DWORD ms = act == HV__CTRL_END ? CLOSE_GRACE_MS : STOP_GRACE_MS;

    hv_console_restore(); /* the console closing, Ctrl+Break: modes back */
    if (act != HV__CTRL_PASS) {
        hv_stop();
        /* once the tool is on its way out, its own ExitProcess (with its
         * exit status) ends this thread: the default handler's
         * ExitProcess must not come first */
        if (exit_ev == NULL || WaitForSingleObject(exit_ev, ms) != WAIT_TIMEOUT)
            Sleep(ms);
    }
    return FALSE;
}

/* FILE_MODE_INFORMATION of the WDK (ntifs.h), which the user-mode headers
 * lack: the FILE_SYNCHRONOUS_IO_* bits a handle was opened with. */
#define FILE_MODE_INFO_CLASS ((FILE_INFORMATION_CLASS)16)
typedef NTSTATUS(NTAPI *query_info_fn)(HANDLE, PIO_STATUS_BLOCK, PVOID, ULONG,
                                       FILE_INFORMATION_CLASS);

static INIT_ONCE stdio_once = INIT_ONCE_STATIC_INIT;
static struct {
    HANDLE h;
    enum hv__stdio_kind kind;
} stdio[3];

/* Each standard handle asked once, before any reader thread runs: a
 * console query (GetConsoleMode) or a pipe query on a synchronous handle
 * waits until a read pending on it completes (ReadFile, Remarks:
 * "synchronous" handles serialise their I/O), so a later query, from a
 * second session of hvlisten -k, would stall until the next line. The
 * mode (NtQueryInformationFile, FileModeInformation) tells a handle opened
 * for overlapped I/O, such as a socket that a service manager handed as
 * stdin and stdout, from a synchronous one. */
static BOOL CALLBACK stdio_detect(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    static const DWORD which[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
                                   STD_ERROR_HANDLE};
    query_info_fn q = (query_info_fn)(hv__any_fn)GetProcAddress(
        GetModuleHandleW(L"ntdll.dll"), "NtQueryInformationFile");
    int i;
    (void)once;
    (void)param;
    (void)ctx;
    for (i = 0; i < 3; i++) {
        HANDLE h = GetStdHandle(which[i]);
        int valid = h != NULL && h != INVALID_HANDLE_VALUE;
        DWORD cmode = 0;
        ULONG mode = 0;
        IO_STATUS_BLOCK io;
        int console = valid && GetConsoleMode(h, &cmode);
        int known = valid && !console && q != NULL &&
                    q(h, &io, &mode, (ULONG)sizeof mode,
                      FILE_MODE_INFO_CLASS) >= 0;
        stdio[i].h = h;
        stdio[i].kind = hv__stdio_kind_of(valid, console, known, mode);
    }
    return TRUE;
}

enum hv__stdio_kind hv__stdio_kind(int which, HANDLE *h)
{
    (void)InitOnceExecuteOnce(&stdio_once, stdio_detect, NULL, NULL);
    if (h)
        *h = stdio[which].h;
    return stdio[which].kind;
}

#define CONSOLE_OUT_CHUNK 4096 /* bytes converted at a time */

/* Text to a console goes out as UTF-16 (WriteConsoleW), which shows every
 * character whatever the console's code page (WriteConsoleW, Remarks: the
 * wide version takes Unicode text regardless of the code page); the code
 * page is shared by every process on the console. */
int hv__console_write(HANDLE h, struct hv__console_out *t, const char *buf,
                      size_t n)
{
    uint16_t w[HV__CONSOLE_OUT_MAX(CONSOLE_OUT_CHUNK)];
    while (n > 0) {
        size_t take = n > CONSOLE_OUT_CHUNK ? CONSOLE_OUT_CHUNK : n;
        size_t units = hv__console_out_text(t, buf, take, w), off = 0;
        while (off < units) {
            DWORD k = 0;
            if (!WriteConsoleW(h, w + off, (DWORD)(units - off), &k, NULL) ||
                k == 0)
                return -1;
            off += k;
        }
        buf += take;
        n -= take;
    }
    return 0;
}

int hv_console_write(int which, const char *s, size_t n)
{
    static const DWORD std[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
                                 STD_ERROR_HANDLE};
    struct hv__console_out t = {{0}, 0};
    HANDLE seen;
    if (which < 1 || which > 2 ||
        hv__stdio_kind(which, &seen) != HV__STDIO_CONSOLE ||
        GetStdHandle(std[which]) != seen)
        return 0;
    return hv__console_write(seen, &t, s, n) == 0;
}

int hv_stdin_is_tty(void)
{
    return hv__stdio_kind(0, NULL) == HV__STDIO_CONSOLE;
}

int hv_stderr_is_tty(void)
{
    return hv__stdio_kind(2, NULL) == HV__STDIO_CONSOLE;
}

static int read_argv(int *argc, char ***argv)
{
    wchar_t **wargv;
    char **v;
    int n, i;

    wargv = CommandLineToArgvW(GetCommandLineW(), &n);
    if (wargv == NULL)
        return hv__err_from_os((long)GetLastError());
    v = calloc((size_t)n + 1, sizeof *v);
    if (v == NULL) {
        LocalFree(wargv);
        return HV_ENOMEM;
    }
    for (i = 0; i < n; i++) {
        if (hv__wide_to_utf8(wargv[i], -1, &v[i], NULL) < 0) {
            while (i > 0)
                free(v[--i]);
            free(v);
            LocalFree(wargv);
            return HV_ENOMEM;
        }
    }
    LocalFree(wargv);
    utf8_argv = v;
    *argc = n;
    *argv = v;
    return 0;
}

int hv_console_init(int *argc, char ***argv)
{
    int r = 0;
    FILE *std[3];
    int i, fd;

    /* without a standard handle (DETACHED_PROCESS) _fileno gives -2, and
     * _setmode(-2) ends the process under UCRT */
    std[0] = stdin;
    std[1] = stdout;
    std[2] = stderr;
    for (i = 0; i < 3; i++)
        if ((fd = _fileno(std[i])) >= 0)
            (void)_setmode(fd, _O_BINARY);
    (void)hv__stop_event(); /* made now, not in the handler */
    (void)hv__stdio_kind(0, NULL); /* before any thread reads stdin */
    if ((exit_ev = CreateEventW(NULL, TRUE, FALSE, NULL)) != NULL)
        atexit(mark_exit); /* before the tool's own: it runs after them */
    /* a parent may have started us with Ctrl+C ignored
     * (CREATE_NEW_PROCESS_GROUP, or its own SetConsoleCtrlHandler(NULL,
     * TRUE), which children inherit): take it back, so that Ctrl+C ends
     * the tool as it says */
    (void)SetConsoleCtrlHandler(NULL, FALSE);
    (void)SetConsoleCtrlHandler(on_ctrl, TRUE);
    if (argc && argv)
        r = read_argv(argc, argv);
    return r;
}

/* hvcat --raw: the console's modes before, to put back */
static DWORD saved_in_mode, saved_out_mode;
static volatile LONG raw_on;

#ifndef ENABLE_VIRTUAL_TERMINAL_INPUT
#define ENABLE_VIRTUAL_TERMINAL_INPUT 0x0200
#endif
#ifndef ENABLE_VIRTUAL_TERMINAL_PROCESSING
#define ENABLE_VIRTUAL_TERMINAL_PROCESSING 0x0004
#endif
#ifndef DISABLE_NEWLINE_AUTO_RETURN
#define DISABLE_NEWLINE_AUTO_RETURN 0x0008
#endif

int hv__console_is_raw(void)
{
    return raw_on != 0;
}

int hv_console_raw(void)
{
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    DWORD m;

    if (!hv_stdin_is_tty() || !GetConsoleMode(in, &saved_in_mode))
        return HV_EINVAL;
    /* keys as virtual-terminal sequences, Ctrl+C a byte (no processed
     * input), no echo, no line editing ("Console Virtual Terminal
     * Sequences", input modes; "SetConsoleMode") */
    m = (saved_in_mode & ~(DWORD)(ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT |
                                  ENABLE_PROCESSED_INPUT)) |
        ENABLE_VIRTUAL_TERMINAL_INPUT;
    if (!SetConsoleMode(in, m))
        return hv__err_from_os((long)GetLastError()); /* before 1809 */
    /* the peer's sequences drawn, not shown (a stdout that is no console
     * stays as it is) */
    saved_out_mode = 0;
    if (GetConsoleMode(out, &saved_out_mode) &&
        !SetConsoleMode(out, saved_out_mode |
                                 ENABLE_VIRTUAL_TERMINAL_PROCESSING |
                                 DISABLE_NEWLINE_AUTO_RETURN))
        (void)SetConsoleMode(out, saved_out_mode |
                                      ENABLE_VIRTUAL_TERMINAL_PROCESSING);
    InterlockedExchange(&raw_on, 1);
    return 0;
}

void hv_console_restore(void)
{
    DWORD m;
    HANDLE in;
    if (InterlockedExchange(&raw_on, 0) == 0)
        return;
    /* the mode is the input buffer's ("SetConsoleMode": "the input mode of
     * a console's input buffer"), and CONIN$ opens that same buffer
     * ("Console Handles"): set through a handle of its own, not through
     * stdin's, on which the reader's ReadConsoleW may still be pending
     * when the Ctrl handler or hvcat's end calls this; a call on a
     * synchronous handle waits behind a read pending on it (ReadFile,
     * Remarks), and one on another handle does not depend on that */
    in = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE,
                     FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                     0, NULL);
    if (in != INVALID_HANDLE_VALUE) {
        (void)SetConsoleMode(in, saved_in_mode);
        CloseHandle(in);
    } else {
        (void)SetConsoleMode(GetStdHandle(STD_INPUT_HANDLE), saved_in_mode);
    }
    if (GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &m))
        (void)SetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), saved_out_mode);
}
