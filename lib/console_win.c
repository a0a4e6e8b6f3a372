/* console_win.c: a Windows command line as the tools expect it: argv as
 * UTF-8 (re-read from the UTF-16 command line, since the ANSI argv loses
 * what the code page cannot hold), binary stdio (no CR/LF translation, no
 * ^Z), and UTF-8 console output for messages. */
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>

#include "platform.h"

#include <shellapi.h> /* after <windows.h> */

/* Kept for the life of the process: argv points into it. */
static char **utf8_argv;
static UINT saved_output_cp;

static void restore_output_cp(void)
{
    /* the console outlives us; leave its code page as we found it */
    if (saved_output_cp)
        SetConsoleOutputCP(saved_output_cp);
}

static char *to_utf8(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s;
    if (n <= 0)
        return NULL;
    s = malloc((size_t)n);
    if (s && WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) <= 0) {
        free(s);
        s = NULL;
    }
    return s;
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
        if ((v[i] = to_utf8(wargv[i])) == NULL) {
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
    UINT cp;

    (void)_setmode(_fileno(stdin), _O_BINARY);
    (void)_setmode(_fileno(stdout), _O_BINARY);
    (void)_setmode(_fileno(stderr), _O_BINARY);
    cp = GetConsoleOutputCP();
    if (cp != 0 && cp != CP_UTF8 && SetConsoleOutputCP(CP_UTF8)) {
        saved_output_cp = cp;
        atexit(restore_output_cp);
    }
    if (argc && argv)
        r = read_argv(argc, argv);
    return r;
}
