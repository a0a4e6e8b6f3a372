/* cli.c: messages, usage errors and common option parsing for the tools. */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *cli_prog = "hvsock";

void cli_init(const char *prog)
{
    cli_prog = prog;
#ifdef SIGPIPE
    /* a closed stdout or socket is an error to report, not a kill */
    signal(SIGPIPE, SIG_IGN);
#endif
}

static void vwarn(const char *fmt, va_list ap, const char *tail)
{
    fprintf(stderr, "%s: ", cli_prog);
    vfprintf(stderr, fmt, ap);
    if (tail)
        fprintf(stderr, ": %s", tail);
    fputc('\n', stderr);
    fflush(stderr);
}

void cli_warnx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap, NULL);
    va_end(ap);
}

void cli_warn(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap, hv_strerror(err));
    va_end(ap);
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    if (fmt) {
        va_start(ap, fmt);
        vwarn(fmt, ap, NULL);
        va_end(ap);
    }
    fputs(usage, stderr);
    return 64;
}

int cli_help(const char *usage, const char *help)
{
    fputs(usage, stdout);
    fputs(help, stdout);
    return 0;
}

int cli_version(void)
{
    printf("%s (%s) %s\n", cli_prog, HV_PACKAGE, HV_VERSION);
    return 0;
}

int cli_parse_timeout(const char *s, unsigned *ms)
{
    uint32_t v;
    int r = hv_parse_u32(s, 1, HV_TIMEOUT_MAX_MS / 1000u, &v);
    if (r < 0)
        return r;
    *ms = (unsigned)v * 1000u;
    return 0;
}

int cli_addr_error(int err, const char *what, const char *text,
                   const char *hint)
{
    /* the hint says more than the table's message, except for names */
    if (hint && *hint && (err == HV_EAMBIGUOUS || err == HV_ENOVM))
        cli_warnx("%s '%s': %s: %s", what, text, hv_strerror(err), hint);
    else if (hint && *hint)
        cli_warnx("%s '%s': %s", what, text, hint);
    else
        cli_warnx("%s '%s': %s", what, text, hv_strerror(err));
    return err == HV_EUSAGE ? 64 : hv_exitcode(err);
}

const char *cli_child_how(const struct hv_child_exit *st, char *buf, size_t n)
{
    snprintf(buf, n, "%s %lu", st->signaled ? "killed by signal" : "exit status",
             st->code);
    return buf;
}

int cli_child_status(const char *where, const char *cmd,
                     const struct hv_child_exit *st)
{
    const char *how = st->signaled ? "was killed by signal" : "exited with status";
    if (!st->signaled && st->code == 0)
        return 0;
    if (where)
        cli_warnx("%s: command '%s' %s %lu", where, cmd, how, st->code);
    else
        cli_warnx("command '%s' %s %lu", cmd, how, st->code);
    return hv_exitcode(HV_ECMDFAIL);
}

int cli_parse_addr(struct hv_addr *a, int tcp, const char *vm,
                   const char *service, int flags)
{
    char hint[HV_ADDR_STRLEN];
    enum hv_addr_part bad;
    int r = hv_addr_parse(a, tcp ? HV_FAMILY_TCP : hv_native_family(), vm,
                          service, flags, &bad, hint, sizeof hint);
    if (r == 0)
        return 0;
    if (bad == HV_PART_VM)
        return cli_addr_error(r,
                              !tcp ? "VM"
                              : (flags & HV_ADDR_LISTEN) ? "address"
                                                         : "host",
                              vm, hint);
    return cli_addr_error(r, tcp ? "port" : "service", service, hint);
}

int cli_net_start(int exec)
{
    int r = hv_net_init();
    (void)exec;
    if (r < 0) {
        cli_warn(r, "network start-up");
        return hv_exitcode(r);
    }
    return 0;
}

