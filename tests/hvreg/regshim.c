/* regshim.c: a Windows test helper that stands in for reg.exe when it is
 * copied as reg.exe into the directory an exported .cmd script runs in
 * (cmd looks in the current directory before PATH). It answers the one
 * query that lists the registered services as a reg that cannot be
 * started does (exit 9009, nothing printed) and runs the system's reg.exe
 * with the same arguments for everything else, exiting with its status.
 * The case wine_cmd_query_fails shows that the script then stops with
 * nothing changed. */
#include <windows.h>
#include <shellapi.h>
#include <stdio.h>
#include <wchar.h>

#define PARENT L"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\" \
               L"Virtualization\\GuestCommunicationServices"

/* The command line after the program's own name (argv[0], quoted or not). */
static const wchar_t *args_of(const wchar_t *cl)
{
    if (*cl == L'"') {
        cl++;
        while (*cl && *cl != L'"')
            cl++;
        if (*cl)
            cl++;
    } else {
        while (*cl && *cl != L' ' && *cl != L'\t')
            cl++;
    }
    return cl;
}

int main(void)
{
    const wchar_t *cl = GetCommandLineW();
    wchar_t sysdir[MAX_PATH], *line;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 1;
    size_t n;
    int argc;
    wchar_t **argv = CommandLineToArgvW(cl, &argc);

    if (argv != NULL && argc >= 3 && _wcsicmp(argv[1], L"query") == 0 &&
        _wcsicmp(argv[2], PARENT) == 0)
        return 9009;
    LocalFree(argv);
    if (GetSystemDirectoryW(sysdir, MAX_PATH) == 0)
        return 1;
    n = wcslen(sysdir) + wcslen(cl) + 16;
    line = malloc(n * sizeof *line);
    if (line == NULL)
        return 1;
    _snwprintf(line, n, L"\"%ls\\reg.exe\"%ls", sysdir, args_of(cl));
    line[n - 1] = 0;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessW(NULL, line, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
        fprintf(stderr, "regshim: CreateProcess: error %lu\n",
                (unsigned long)GetLastError());
        return 1;
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    free(line);
    return (int)code;
}
