/* test_service.c: the portable rules of hvlisten's Windows service
 * (lib/service.c): the command line the service control manager runs,
 * the names it takes, what its error numbers become, which controls stop
 * the service, and the exit code a stopped service reports. These are the
 * decisions Wine cannot show: it runs everything elevated, has no
 * SHUTDOWN, and takes any control. */
#include <stdlib.h>
#include <string.h>

#include "hvsock_int.h"
#include "ut.h"

/* hv_service_cmdline of argv under the name relay; the text, freed by
 * the caller. */
static char *cmdline(const char *exe, int argc, char *const *argv)
{
    char *out = NULL;
    UT_EQ_INT(hv_service_cmdline(exe, "relay", argc, argv, &out), 0);
    return out;
}

UT_CASE(service_cmdline_quoting)
{
    /* "Parsing C++ command-line arguments" (Microsoft Learn): quotes
     * around a blank, \" for a quote, backslashes doubled only before a
     * quote; the program's path always in quotes */
    char *const argv[] = {"-k",        "a b",      "",
                          "C:\\dir\\", "C:\\my dir\\", "say \"hi\"",
                          "a\\\"b",    "tab\there", "\\\\srv\\x"};
    char *s = cmdline("C:\\Program Files\\hv\\hvlisten.exe",
                      (int)(sizeof argv / sizeof argv[0]), argv);
    UT_EQ_STR(s, "\"C:\\Program Files\\hv\\hvlisten.exe\" --service relay "
                 "-k \"a b\" \"\" C:\\dir\\ \"C:\\my dir\\\\\" "
                 "\"say \\\"hi\\\"\" \"a\\\\\\\"b\" \"tab\there\" "
                 "\\\\srv\\x");
    free(s);
}

UT_CASE(service_cmdline_plain)
{
    char *const argv[] = {"-k", "-t", "127.0.0.1", "5000", "--to",
                          "npipe:openssh-ssh-agent"};
    char *s = cmdline("C:\\hv\\hvlisten.exe", 6, argv);
    UT_EQ_STR(s, "\"C:\\hv\\hvlisten.exe\" --service relay -k -t 127.0.0.1 "
                 "5000 --to npipe:openssh-ssh-agent");
    free(s);
    s = cmdline("C:\\hv\\hvlisten.exe", 0, NULL);
    UT_EQ_STR(s, "\"C:\\hv\\hvlisten.exe\" --service relay");
    free(s);
}

UT_CASE(service_cmdline_name_quoted)
{
    char *out = NULL;
    UT_EQ_INT(hv_service_cmdline("C:\\x.exe", "my relay", 0, NULL, &out), 0);
    UT_EQ_STR(out, "\"C:\\x.exe\" --service \"my relay\"");
    free(out);
    /* no quote can be in a program's path: it could not be read back */
    UT_EQ_INT(hv_service_cmdline("C:\\a\"b.exe", "x", 0, NULL, &out),
              HV_EINVAL);
    UT_CHECK(out == NULL);
}

UT_CASE(service_names)
{
    char longest[257 + 1];
    memset(longest, 'n', 256);
    longest[256] = '\0';
    UT_EQ_INT(hv_winsvc_name_check("hvrelay"), 0);
    UT_EQ_INT(hv_winsvc_name_check("ssh agent"), 0);
    UT_EQ_INT(hv_winsvc_name_check("r\xc3\xa9lais"), 0);
    UT_EQ_INT(hv_winsvc_name_check(longest), 0);
    longest[256] = 'n';
    longest[257] = '\0';
    UT_EQ_INT(hv_winsvc_name_check(longest), HV_EINVAL);
    UT_EQ_INT(hv_winsvc_name_check(""), HV_EINVAL);
    UT_EQ_INT(hv_winsvc_name_check("a/b"), HV_EINVAL);
    UT_EQ_INT(hv_winsvc_name_check("a\\b"), HV_EINVAL);
    UT_EQ_INT(hv_winsvc_name_check("a\tb"), HV_EINVAL);
}

/* The exit code and that a reason was given, for a Win32 error. */
static int code_of(unsigned long e)
{
    char why[256];
    int r = hv__service_error(e, "relay", why, sizeof why);
    if (r != 0)
        UT_CHECK(why[0] != '\0');
    return r == 0 ? 0 : hv_exitcode(r);
}

UT_CASE(service_errors)
{
    /* not elevated: OpenSCManagerW, Return value (ERROR_ACCESS_DENIED);
     * Wine runs everything as an administrator */
    UT_EQ_INT(code_of(5), 77);
    UT_EQ_INT(code_of(1073), 65); /* ERROR_SERVICE_EXISTS */
    UT_EQ_INT(code_of(1078), 65); /* ERROR_DUPLICATE_SERVICE_NAME */
    UT_EQ_INT(code_of(1072), 65); /* ERROR_SERVICE_MARKED_FOR_DELETE */
    UT_EQ_INT(code_of(1060), 68); /* ERROR_SERVICE_DOES_NOT_EXIST */
    UT_EQ_INT(code_of(123), 65);  /* ERROR_INVALID_NAME */
    /* StartServiceCtrlDispatcherW from a console */
    UT_EQ_INT(code_of(1063), 64);
    UT_EQ_INT(code_of(2), 0); /* not the manager's: mapped as any error */
}

UT_CASE(service_controls)
{
    /* HandlerEx, dwControl (Microsoft Learn): SHUTDOWN gives a service
     * about 20 s at a system shutdown; it ends as a STOP does */
    UT_EQ_INT(hv__service_control(1), HV__SVC_STOP);     /* STOP */
    UT_EQ_INT(hv__service_control(5), HV__SVC_STOP);     /* SHUTDOWN */
    UT_EQ_INT(hv__service_control(4), HV__SVC_ANSWER);   /* INTERROGATE */
    UT_EQ_INT(hv__service_control(2), HV__SVC_UNHANDLED); /* PAUSE */
    UT_EQ_INT(hv__service_control(3), HV__SVC_UNHANDLED); /* CONTINUE */
    UT_EQ_INT(hv__service_control(15), HV__SVC_UNHANDLED); /* PRESHUTDOWN */
}

UT_CASE(service_console_events)
{
    /* a user's logoff (5) and the shutdown (6) do not end the service
     * (HandlerRoutine callback function, Microsoft Learn); Ctrl+C (0),
     * Ctrl+Break (1) and the console's close (2) stay the tool's */
    UT_EQ_INT(hv__service_console(5), 1);
    UT_EQ_INT(hv__service_console(6), 1);
    UT_EQ_INT(hv__service_console(0), 0);
    UT_EQ_INT(hv__service_console(1), 0);
    UT_EQ_INT(hv__service_console(2), 0);
}

UT_CASE(service_exit_codes)
{
    unsigned long w, s;
    UT_EQ_INT(hv__service_exit(0, 0, &w, &s), 0);
    UT_CHECK(w == 0 && s == 0);
    /* stopped by the manager: the 130 of an interrupted wait is clean */
    UT_EQ_INT(hv__service_exit(130, 1, &w, &s), 0);
    UT_CHECK(w == 0 && s == 0);
    /* the same 130 with no stop asked is an error of its own */
    UT_EQ_INT(hv__service_exit(130, 0, &w, &s), 130);
    UT_CHECK(w == 1066 && s == 130);
    /* a failure during a stop keeps its code */
    UT_EQ_INT(hv__service_exit(74, 1, &w, &s), 74);
    UT_CHECK(w == 1066 && s == 74);
    UT_EQ_INT(hv__service_exit(69, 0, &w, &s), 69);
    UT_CHECK(w == 1066 && s == 69);
}
