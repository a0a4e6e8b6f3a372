/* test_service_win.c: the service's command line read back by Windows'
 * own parser: every argument hv_service_cmdline quotes comes back from
 * CommandLineToArgvW as it went in (under Wine: Wine's parser, which
 * follows the same rules). */
#include <winsock2.h>
#include <windows.h>

#include <shellapi.h>
#include <stdlib.h>
#include <string.h>

#include "hvsock.h"
#include "ut.h"

/* UTF-8 s as a malloc'd UTF-16 string */
static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w = malloc((size_t)n * sizeof *w);
    UT_CHECK(w != NULL);
    MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

/* the UTF-16 argument back as UTF-8, compared with want */
static void same(const wchar_t *got, const char *want)
{
    char buf[512];
    UT_CHECK(WideCharToMultiByte(CP_UTF8, 0, got, -1, buf, sizeof buf, NULL,
                                 NULL) > 0);
    UT_EQ_STR(buf, want);
}

UT_CASE(service_message_table)
{
    /* the event log formats an event of id 1 with the source's message
     * file (hvlisten.exe; here this test, built with the same table):
     * the text of the event, then CR LF */
    wchar_t buf[256];
    const wchar_t *args[1] = {L"Listening on tcp:127.0.0.1:5000"};
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE |
                                 FORMAT_MESSAGE_ARGUMENT_ARRAY,
                             GetModuleHandleW(NULL), 1, 0, buf,
                             sizeof buf / sizeof buf[0], (va_list *)args);
    UT_CHECK(n > 0);
    same(buf, "Listening on tcp:127.0.0.1:5000\r\n");
}

UT_CASE(service_cmdline_round_trip)
{
    char *const argv[] = {"-k",          "a b",        "",
                          "C:\\dir\\",   "C:\\my dir\\", "say \"hi\"",
                          "a\\\"b",      "tab\there",  "\\\\srv\\x",
                          "\"",          "\\",         "a\\\\\"\\\\",
                          "end\\\\",     "x\\ y",      "r\xc3\xa9lais \"q\""};
    int n = (int)(sizeof argv / sizeof argv[0]), got, i;
    char *line = NULL;
    wchar_t *w, **back;

    UT_EQ_INT(hv_service_cmdline("C:\\Program Files\\hv\\hvlisten.exe",
                                 "my relay", n, argv, &line),
              0);
    w = wide(line);
    back = CommandLineToArgvW(w, &got);
    UT_CHECK(back != NULL);
    UT_EQ_INT(got, n + 3);
    same(back[0], "C:\\Program Files\\hv\\hvlisten.exe");
    same(back[1], "--service");
    same(back[2], "my relay");
    for (i = 0; i < n; i++)
        same(back[i + 3], argv[i]);
    LocalFree(back);
    free(w);
    free(line);
}
