/* pipesrv.c: a test peer for tests/windows/relay_cases.sh (Windows only).
 *
 *   pipesrv answer NAME       serve one client of \\.\pipe\NAME: read a
 *                             line, answer "answer: LINE", keep the pipe
 *                             open until the client closes it, then print
 *                             "closed" on stdout
 *   pipesrv sink NAME SIZE    read SIZE bytes from a client onto stdout,
 *                             then close the pipe
 *   pipesrv source NAME       send stdin to a client, then close the pipe
 *   pipesrv source-disc NAME  the same, but end as Microsoft's pipe server
 *                             sample does: FlushFileBuffers (it returns
 *                             once the client has read everything), then
 *                             DisconnectNamedPipe, then the close
 *   pipesrv greet             (a command for -e) write "hello\n", then
 *                             copy stdin to stdout until its end
 *   pipesrv duplex OUT IN     (a command for -e) at once: file OUT to
 *                             stdout, stdin into file IN
 *   pipesrv watch CMDLINE     run CMDLINE with our stdin and stderr and its
 *                             stdout a pipe we read, copying it to our
 *                             stdout; "watch: eof" on stderr the moment
 *                             the pipe ends (the command may run on), then
 *                             "watch: exit N" when it ends, and exit N;
 *                             the command ends with us (a job object)
 *                             Under Wine a Unix stdout stays open in the
 *                             process that closed its handle; a pipe from
 *                             a Windows parent shows the close at once
 *   pipesrv leave MS CMDLINE  run CMDLINE with our stdin and stderr and its
 *                             stdout a pipe we never read; after MS ms our
 *                             end is closed ("leave: closed" on stderr),
 *                             then "leave: exit N" when it ends, and exit N
 *   pipesrv linger MS CODE    (a command for -e) wait MS ms, say "linger:
 *                             exit" on stderr and exit with CODE
 *   pipesrv tree MS           (a command for -e) start "pipesrv linger MS
 *                             0" with only our stderr (as "start /b"
 *                             would, outside any job of ours), say "tree:
 *                             started" on stdout, exit 0 at stdin's end
 *   pipesrv noctrlc CMDLINE   run CMDLINE with our standard handles and
 *                             Ctrl+C ignored, as a parent that disables it
 *                             leaves it to its children
 *                             (SetConsoleCtrlHandler(NULL, TRUE)); exit
 *                             with its exit status
 *   pipesrv knock NAME N      open \\.\pipe\NAME as a client and close it
 *                             at once, N times (a busy pipe is waited for),
 *                             as a probe or a port scanner would; prints
 *                             "knocked K" on stdout, K the opens that
 *                             succeeded; exit 0 when all N did
 *   pipesrv ovstdio CMDLINE   run CMDLINE with stdin and stdout one handle
 *                             opened for overlapped I/O (the client end of
 *                             a duplex pipe, as a service manager hands a
 *                             socket); write "hello\n" into it, copy what
 *                             comes back to our stdout up to a newline or
 *                             its end, close it; exit with the command's
 *                             status
 *   pipesrv whoami            print this process's user as SID text
 *                             (its token's TokenUser), for rules by SID
 *
 * The pipe servers print "ready" on stderr once the pipe exists. Every
 * mode gives up after 120 s (exit 3); exit 0 on success, 1 on an error. */
#include <windows.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static DWORD WINAPI watchdog(LPVOID arg)
{
    (void)arg;
    Sleep(120000);
    fprintf(stderr, "pipesrv: timed out\n");
    ExitProcess(3);
    return 0;
}

static int die(const char *what)
{
    fprintf(stderr, "pipesrv: %s: error %lu\n", what,
            (unsigned long)GetLastError());
    return 1;
}

static int write_all(HANDLE h, const char *p, DWORD n)
{
    while (n > 0) {
        DWORD w = 0;
        if (!WriteFile(h, p, n, &w, NULL))
            return -1;
        p += w;
        n -= w;
    }
    return 0;
}

/* Copy from until its end (a broken pipe is an end) into to. */
static int copy(HANDLE from, HANDLE to)
{
    char buf[65536];
    for (;;) {
        DWORD n = 0;
        if (!ReadFile(from, buf, sizeof buf, &n, NULL))
            return GetLastError() == ERROR_BROKEN_PIPE ? 0 : -1;
        if (n == 0)
            return 0;
        if (write_all(to, buf, n) < 0)
            return -1;
    }
}

static HANDLE serve(const char *name)
{
    char full[300];
    HANDLE h;
    snprintf(full, sizeof full, "\\\\.\\pipe\\%s", name);
    h = CreateNamedPipeA(full, PIPE_ACCESS_DUPLEX,
                         PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, 1,
                         65536, 65536, 0, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return NULL;
    fprintf(stderr, "ready\n");
    fflush(stderr);
    if (!ConnectNamedPipe(h, NULL) && GetLastError() != ERROR_PIPE_CONNECTED) {
        CloseHandle(h);
        return NULL;
    }
    return h;
}

static int mode_answer(const char *name)
{
    HANDLE h = serve(name), out = GetStdHandle(STD_OUTPUT_HANDLE);
    char line[256], ans[300];
    size_t n = 0;
    DWORD k;

    if (h == NULL)
        return die("pipe");
    while (n < sizeof line - 1) {
        if (!ReadFile(h, line + n, 1, &k, NULL) || k == 0)
            return die("request");
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    snprintf(ans, sizeof ans, "answer: %s\n", line);
    if (write_all(h, ans, (DWORD)strlen(ans)) < 0)
        return die("answer");
    /* the pipe stays open: whatever else comes is shown, until the
     * client closes its end */
    if (copy(h, out) < 0)
        return die("after the answer");
    write_all(out, "closed\n", 7);
    CloseHandle(h);
    return 0;
}

static int mode_sink(const char *name, const char *size)
{
    HANDLE h = serve(name), out = GetStdHandle(STD_OUTPUT_HANDLE);
    unsigned long long left = strtoull(size, NULL, 10);
    char buf[65536];

    if (h == NULL)
        return die("pipe");
    while (left > 0) {
        DWORD n = 0, want = left < sizeof buf ? (DWORD)left : sizeof buf;
        if (!ReadFile(h, buf, want, &n, NULL) || n == 0)
            return die("read");
        if (write_all(out, buf, n) < 0)
            return die("stdout");
        left -= n;
    }
    CloseHandle(h);
    return 0;
}

static int mode_source(const char *name, int disconnect)
{
    HANDLE h = serve(name);
    if (h == NULL)
        return die("pipe");
    if (copy(GetStdHandle(STD_INPUT_HANDLE), h) < 0)
        return die("send");
    FlushFileBuffers(h); /* until the client has read it all */
    if (disconnect && !DisconnectNamedPipe(h))
        return die("disconnect");
    CloseHandle(h);
    return 0;
}

static int mode_greet(void)
{
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    if (write_all(out, "hello\n", 6) < 0)
        return die("greeting");
    return copy(GetStdHandle(STD_INPUT_HANDLE), out) < 0 ? die("echo") : 0;
}

static DWORD WINAPI duplex_in(LPVOID arg)
{
    return copy(GetStdHandle(STD_INPUT_HANDLE), (HANDLE)arg) < 0;
}

static int mode_duplex(const char *outf, const char *inf)
{
    HANDLE src = CreateFileA(outf, GENERIC_READ, FILE_SHARE_READ, NULL,
                             OPEN_EXISTING, 0, NULL);
    HANDLE dst = CreateFileA(inf, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0,
                             NULL);
    HANDLE t;
    DWORD rc = 1;
    int r;

    if (src == INVALID_HANDLE_VALUE || dst == INVALID_HANDLE_VALUE)
        return die("files");
    t = CreateThread(NULL, 0, duplex_in, dst, 0, NULL);
    if (t == NULL)
        return die("thread");
    r = copy(src, GetStdHandle(STD_OUTPUT_HANDLE));
    CloseHandle(GetStdHandle(STD_OUTPUT_HANDLE)); /* our output's end */
    WaitForSingleObject(t, INFINITE);
    GetExitCodeThread(t, &rc);
    CloseHandle(dst);
    return r < 0 || rc ? die("duplex") : 0;
}

/* An inheritable copy of one of our standard handles. */
static HANDLE inheritable(DWORD which)
{
    HANDLE h = GetStdHandle(which), dup = NULL;
    if (h == NULL || h == INVALID_HANDLE_VALUE ||
        !DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0,
                         TRUE, DUPLICATE_SAME_ACCESS))
        return NULL;
    return dup;
}

/* Run cmdline with our stdin and stderr and its stdout a pipe whose
 * reading end is *rd; the command ends with us (a job object: a killed
 * test, the watchdog). 0, or -1 having said why. */
static int run_piped(char *cmdline, HANDLE *rd, PROCESS_INFORMATION *pi)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    STARTUPINFOA si;
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
    HANDLE wr, job;

    if (!CreatePipe(rd, &wr, &sa, 0))
        return die("pipe"), -1;
    SetHandleInformation(*rd, HANDLE_FLAG_INHERIT, 0);
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = inheritable(STD_INPUT_HANDLE);
    si.hStdOutput = wr;
    si.hStdError = inheritable(STD_ERROR_HANDLE);
    job = CreateJobObjectA(NULL, NULL);
    memset(&lim, 0, sizeof lim);
    lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (job == NULL ||
        !SetInformationJobObject(job, JobObjectExtendedLimitInformation, &lim,
                                 sizeof lim))
        return die("job"), -1;
    if (!CreateProcessA(NULL, cmdline, NULL, NULL, TRUE, CREATE_SUSPENDED,
                        NULL, NULL, &si, pi))
        return die("run"), -1;
    if (!AssignProcessToJobObject(job, pi->hProcess))
        return die("job of the command"), -1;
    ResumeThread(pi->hThread);
    /* the command holds the only writing end now */
    CloseHandle(wr);
    if (si.hStdInput)
        CloseHandle(si.hStdInput);
    if (si.hStdError)
        CloseHandle(si.hStdError);
    return 0;
}

/* Wait for the command, say "MODE: exit N" and return N. */
static int reaped(const char *mode, PROCESS_INFORMATION *pi)
{
    DWORD rc = 1;
    WaitForSingleObject(pi->hProcess, INFINITE);
    GetExitCodeProcess(pi->hProcess, &rc);
    fprintf(stderr, "%s: exit %lu\n", mode, (unsigned long)rc);
    fflush(stderr);
    return (int)rc;
}

static int mode_watch(char *cmdline)
{
    PROCESS_INFORMATION pi;
    HANDLE rd, out = GetStdHandle(STD_OUTPUT_HANDLE);
    char buf[65536];

    if (run_piped(cmdline, &rd, &pi) < 0)
        return 1;
    for (;;) {
        DWORD n = 0;
        if (!ReadFile(rd, buf, sizeof buf, &n, NULL) || n == 0)
            break;
        if (write_all(out, buf, n) < 0)
            return die("stdout");
    }
    fprintf(stderr, "watch: eof\n");
    fflush(stderr);
    return reaped("watch", &pi);
}

/* CMDLINE's reader goes away without reading: its stdout's end, seen
 * from its side, while it waits for something else. */
static int mode_leave(const char *ms, char *cmdline)
{
    PROCESS_INFORMATION pi;
    HANDLE rd;

    if (run_piped(cmdline, &rd, &pi) < 0)
        return 1;
    Sleep((DWORD)atoi(ms));
    CloseHandle(rd);
    fprintf(stderr, "leave: closed\n");
    fflush(stderr);
    return reaped("leave", &pi);
}

static int mode_knock(const char *name, const char *times)
{
    char path[300];
    int n = atoi(times), i, ok = 0;

    snprintf(path, sizeof path, "\\\\.\\pipe\\%s", name);
    for (i = 0; i < n; i++) {
        HANDLE h;
        int tries;
        for (tries = 0; tries < 200; tries++) {
            h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                            OPEN_EXISTING, 0, NULL);
            if (h != INVALID_HANDLE_VALUE)
                break;
            if (GetLastError() == ERROR_PIPE_BUSY)
                WaitNamedPipeA(path, 100);
            else
                Sleep(10);
        }
        if (h == INVALID_HANDLE_VALUE) {
            fprintf(stderr, "knock %d: error %lu\n", i,
                    (unsigned long)GetLastError());
            continue;
        }
        CloseHandle(h);
        ok++;
    }
    printf("knocked %d\n", ok);
    return ok == n ? 0 : 1;
}

static int mode_tree(const char *ms)
{
    char self[MAX_PATH], line[MAX_PATH + 64];
    STARTUPINFOEXA si;
    PROCESS_INFORMATION pi;
    HANDLE err = inheritable(STD_ERROR_HANDLE);
    SIZE_T size = 0;

    if (err == NULL || GetModuleFileNameA(NULL, self, sizeof self) == 0)
        return die("stderr or module name");
    snprintf(line, sizeof line, "\"%s\" linger %s 0", self, ms);
    memset(&si, 0, sizeof si);
    si.StartupInfo.cb = sizeof si;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdError = err;
    /* only stderr: whatever else we inherited (our stdout's pipe) stays
     * ours, so that the session's end is ours */
    InitializeProcThreadAttributeList(NULL, 1, 0, &size);
    si.lpAttributeList = malloc(size);
    if (si.lpAttributeList == NULL ||
        !InitializeProcThreadAttributeList(si.lpAttributeList, 1, 0, &size) ||
        !UpdateProcThreadAttribute(si.lpAttributeList, 0,
                                   PROC_THREAD_ATTRIBUTE_HANDLE_LIST, &err,
                                   sizeof err, NULL, NULL))
        return die("attributes");
    if (!CreateProcessA(self, line, NULL, NULL, TRUE,
                        EXTENDED_STARTUPINFO_PRESENT, NULL, NULL,
                        &si.StartupInfo, &pi))
        return die("run");
    printf("tree: started\n");
    fflush(stdout);
    while (fread(line, 1, sizeof line, stdin) > 0)
        ;
    return 0;
}

static int mode_noctrlc(char *cmdline)
{
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;

    if (!SetConsoleCtrlHandler(NULL, TRUE))
        return die("ctrl handler");
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessA(NULL, cmdline, NULL, NULL, TRUE, 0, NULL, NULL, &si,
                        &pi))
        return die("run");
    return reaped("noctrlc", &pi);
}

static int mode_ovstdio(char *cmdline)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    PROCESS_INFORMATION pi;
    STARTUPINFOA si;
    char path[300], c;
    HANDLE srv, cli, out = GetStdHandle(STD_OUTPUT_HANDLE);
    DWORD n;

    snprintf(path, sizeof path, "\\\\.\\pipe\\hvt-ovstdio-%lu",
             (unsigned long)GetCurrentProcessId());
    srv = CreateNamedPipeA(path, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE, 1, 65536,
                           65536, 0, NULL);
    if (srv == INVALID_HANDLE_VALUE)
        return die("pipe");
    cli = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, &sa,
                      OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
    if (cli == INVALID_HANDLE_VALUE)
        return die("pipe client");
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = cli;
    si.hStdOutput = cli;
    si.hStdError = inheritable(STD_ERROR_HANDLE);
    if (!CreateProcessA(NULL, cmdline, NULL, NULL, TRUE, 0, NULL, NULL, &si,
                        &pi))
        return die("run");
    CloseHandle(cli);
    if (write_all(srv, "hello\n", 6) < 0)
        return die("write");
    do {
        if (!ReadFile(srv, &c, 1, &n, NULL) || n == 0)
            break;
        if (write_all(out, &c, 1) < 0)
            return die("stdout");
    } while (c != '\n');
    CloseHandle(srv);
    return reaped("ovstdio", &pi);
}

static int mode_whoami(void)
{
    union {
        TOKEN_USER user;
        BYTE bytes[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } tu;
    HANDLE tok;
    DWORD len;
    char *text;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok) ||
        !GetTokenInformation(tok, TokenUser, &tu, sizeof tu, &len) ||
        !ConvertSidToStringSidA(tu.user.User.Sid, &text))
        return die("token user");
    printf("%s\n", text);
    LocalFree(text);
    CloseHandle(tok);
    return 0;
}

int main(int argc, char **argv)
{
    CloseHandle(CreateThread(NULL, 0, watchdog, NULL, 0, NULL));
    if (argc == 3 && strcmp(argv[1], "answer") == 0)
        return mode_answer(argv[2]);
    if (argc == 4 && strcmp(argv[1], "sink") == 0)
        return mode_sink(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "source") == 0)
        return mode_source(argv[2], 0);
    if (argc == 3 && strcmp(argv[1], "source-disc") == 0)
        return mode_source(argv[2], 1);
    if (argc == 2 && strcmp(argv[1], "greet") == 0)
        return mode_greet();
    if (argc == 4 && strcmp(argv[1], "duplex") == 0)
        return mode_duplex(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "watch") == 0)
        return mode_watch(argv[2]);
    if (argc == 4 && strcmp(argv[1], "leave") == 0)
        return mode_leave(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "knock") == 0)
        return mode_knock(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "noctrlc") == 0)
        return mode_noctrlc(argv[2]);
    if (argc == 3 && strcmp(argv[1], "ovstdio") == 0)
        return mode_ovstdio(argv[2]);
    if (argc == 2 && strcmp(argv[1], "whoami") == 0)
        return mode_whoami();
    if (argc == 3 && strcmp(argv[1], "tree") == 0)
        return mode_tree(argv[2]);
    if (argc == 4 && strcmp(argv[1], "linger") == 0) {
        Sleep((DWORD)atoi(argv[2]));
        fprintf(stderr, "linger: exit\n");
        fflush(stderr);
        return atoi(argv[3]);
    }
    fprintf(stderr,
            "usage: pipesrv answer|sink|source|greet|duplex|watch|leave|"
            "linger|knock|tree|noctrlc|whoami|ovstdio ...\n");
    return 2;
}
