/* service.c: the portable rules of a Windows service (hvlisten
 * --install-service, --remove-service, --service): the command line the
 * service control manager runs, quoted as CommandLineToArgvW reads it back;
 * which service names it takes; what its error numbers mean; what a
 * control asks; and which exit code a stopped service reports. Kept free
 * of Windows headers so that every platform's tests check them; the calls
 * themselves are in service_win.c. */
#include <stdlib.h>
#include <string.h>

#include "hvsock_int.h"
#include "platform.h"

/* The Win32 numbers this file decides on (winerror.h, winsvc.h). */
#define W_ERROR_ACCESS_DENIED 5u
#define W_ERROR_INVALID_NAME 123u
#define W_ERROR_SERVICE_DOES_NOT_EXIST 1060u
#define W_ERROR_FAILED_SERVICE_CONTROLLER_CONNECT 1063u
#define W_ERROR_SERVICE_SPECIFIC_ERROR 1066u
#define W_ERROR_SERVICE_MARKED_FOR_DELETE 1072u
#define W_ERROR_SERVICE_EXISTS 1073u
#define W_ERROR_DUPLICATE_SERVICE_NAME 1078u
#define W_CTRL_LOGOFF_EVENT 5u
#define W_CTRL_SHUTDOWN_EVENT 6u
#define W_SERVICE_CONTROL_STOP 1u
#define W_SERVICE_CONTROL_INTERROGATE 4u
#define W_SERVICE_CONTROL_SHUTDOWN 5u

/* Append one argument to out (NULL: only count), quoted so that
 * CommandLineToArgvW gives it back as it is ("Parsing C++ command-line
 * arguments", Microsoft Learn): an argument with a blank or a quote, or an
 * empty one, goes in quotes; inside them a quote is \" and the backslashes
 * just before a quote (or before the closing one) are doubled; other
 * backslashes stand for themselves. Returns the bytes it takes. */
static size_t quote_arg(const char *s, char *out)
{
    size_t n = 0, bs = 0, k;
    const char *p;

#define PUT(c) (out ? (void)(out[n] = (c)) : (void)0, n++)
    if (*s != '\0' && strpbrk(s, " \t\n\v\"") == NULL) {
        for (p = s; *p; p++)
            PUT(*p);
        return n;
    }
    PUT('"');
    for (p = s;; p++) {
        if (*p == '\\') {
            bs++;
            continue;
        }
        if (*p == '\0' || *p == '"') {
            /* the run of backslashes doubled, then \" or the closing " */
            for (k = 0; k < bs * 2; k++)
                PUT('\\');
            bs = 0;
            if (*p == '\0')
                break;
            PUT('\\');
            PUT('"');
            continue;
        }
        for (; bs > 0; bs--)
            PUT('\\');
        PUT(*p);
    }
    PUT('"');
#undef PUT
    return n;
}

/* Put the bytes of s at buf + at (buf NULL: only count); the new at. */
static size_t put(char *buf, size_t at, const char *s, size_t n)
{
    if (buf)
        memcpy(buf + at, s, n);
    return at + n;
}

int hv_service_cmdline(const char *exe, const char *name, int argc,
                       char *const *argv, char **out)
{
    size_t at = 0;
    char *buf = NULL;
    int i, pass;

    *out = NULL;
    /* the program's own name is read up to the next quote with no
     * escapes (CommandLineToArgvW, Remarks): a path cannot hold one */
    if (strchr(exe, '"') != NULL)
        return HV_EINVAL;
    for (pass = 0; pass < 2; pass++) {
        if (pass == 1 && (buf = malloc(at + 1)) == NULL)
            return HV_ENOMEM;
        /* always quoted: an unquoted path with a blank would be read as
         * C:\Program run with Files\... as its argument */
        at = put(buf, 0, "\"", 1);
        at = put(buf, at, exe, strlen(exe));
        at = put(buf, at, "\" --service ", 12);
        at += quote_arg(name, buf ? buf + at : NULL);
        for (i = 0; i < argc; i++) {
            at = put(buf, at, " ", 1);
            at += quote_arg(argv[i], buf ? buf + at : NULL);
        }
    }
    buf[at] = '\0';
    *out = buf;
    return 0;
}

int hv_winsvc_name_check(const char *name)
{
    /* CreateServiceW, lpServiceName: at most 256 characters; '/' and '\'
     * are not allowed. Control characters would only hide in listings. */
    size_t n = 0;
    const unsigned char *p;

    for (p = (const unsigned char *)name; *p; p++) {
        if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f)
            return HV_EINVAL;
        if ((*p & 0xc0) != 0x80) /* one character per lead byte */
            n++;
    }
    return n == 0 || n > 256 ? HV_EINVAL : 0;
}

int hv__service_error(unsigned long code, const char *name, char *why,
                      size_t n)
{
    switch (code) {
    case W_ERROR_ACCESS_DENIED:
        hv__fmt(why, n, "the service control manager refused (access "
                        "denied): run it from an elevated prompt "
                        "(as Administrator)");
        return HV_EACCES;
    case W_ERROR_SERVICE_EXISTS:
        hv__fmt(why, n, "a service named '%s' exists already", name);
        return HV_EEXIST;
    case W_ERROR_DUPLICATE_SERVICE_NAME:
        hv__fmt(why, n, "'%s' is already another service's display name",
                name);
        return HV_EEXIST;
    case W_ERROR_SERVICE_MARKED_FOR_DELETE:
        hv__fmt(why, n, "the service '%s' is marked for deletion: it goes "
                        "once nothing holds it open (close the Services "
                        "console)", name);
        return HV_EEXIST;
    case W_ERROR_SERVICE_DOES_NOT_EXIST:
        hv__fmt(why, n, "no service named '%s'", name);
        return HV_ENOTFOUND;
    case W_ERROR_INVALID_NAME:
        hv__fmt(why, n, "'%s' is not a valid service name", name);
        return HV_EINVAL;
    case W_ERROR_FAILED_SERVICE_CONTROLLER_CONNECT:
        hv__fmt(why, n, "not started by the service control manager: "
                        "--service is how a service installed with "
                        "--install-service runs (start it with 'sc start "
                        "%s')", name);
        return HV_EUSAGE;
    default:
        hv__fmt(why, n, "%s", "");
        return 0;
    }
}

int hv__service_control(unsigned long control)
{
    switch (control) {
    case W_SERVICE_CONTROL_STOP:
    case W_SERVICE_CONTROL_SHUTDOWN:
        return HV__SVC_STOP;
    case W_SERVICE_CONTROL_INTERROGATE:
        return HV__SVC_ANSWER;
    default:
        return HV__SVC_UNHANDLED;
    }
}

int hv__service_console(unsigned long type)
{
    /* HandlerRoutine callback function (Microsoft Learn): a service gets
     * CTRL_LOGOFF_EVENT at every user's logoff, and the default handler
     * would end the process (ExitProcess) */
    return type == W_CTRL_LOGOFF_EVENT || type == W_CTRL_SHUTDOWN_EVENT;
}

int hv__service_exit(int code, int stop_asked, unsigned long *win32,
                     unsigned long *specific)
{
    /* a stop the manager asked for is a clean end, not an error */
    if (code == 0 || (stop_asked && code == hv_exitcode(HV_ESTOPPED))) {
        *win32 = 0;
        *specific = 0;
        return 0;
    }
    *win32 = W_ERROR_SERVICE_SPECIFIC_ERROR;
    *specific = (unsigned long)code;
    return code;
}
