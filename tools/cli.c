/* cli.c: messages, usage errors and common option parsing for the tools. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "platform.h" /* hv__utf8_decode (cli_put_bytes) */

const char *cli_prog = "hvsock";
static void (*line_hook)(const char *text);

void cli_set_line_hook(void (*hook)(const char *text))
{
    line_hook = hook;
}

void cli_init(const char *prog)
{
    /* a closed stdout or socket is an error to report, not a kill: the
     * library's hv_console_init sees to SIGPIPE */
    cli_prog = prog;
}

/* "prog: TEXT[: tail]\n" formatted whole and written with one fwrite on
 * the unbuffered stderr, so that the lines of processes sharing stderr do
 * not interleave. A line longer than the buffer is cut. */
static void vwarn(const char *fmt, va_list ap, const char *tail)
    CLI_PRINTF(1, 0);
static void vwarn(const char *fmt, va_list ap, const char *tail)
{
    char line[CLI_LINE_MAX];
    size_t n = 0, room = sizeof line - 1; /* one byte kept for the newline */
    int r;

    r = snprintf(line, room, "%s: ", cli_prog);
    n = r < 0 ? 0 : (size_t)r < room ? (size_t)r : room - 1;
    r = vsnprintf(line + n, room - n, fmt, ap);
    n += r < 0 ? 0 : (size_t)r < room - n ? (size_t)r : room - n - 1;
    if (tail && n + 1 < room) {
        r = snprintf(line + n, room - n, ": %s", tail);
        n += r < 0 ? 0 : (size_t)r < room - n ? (size_t)r : room - n - 1;
    }
    line[n++] = '\n';
    cli_write(stderr, line, n);
    fflush(stderr);
    if (line_hook) {
        size_t p = strlen(cli_prog) + 2;
        line[n - 1] = '\0';
        if (p < n)
            line_hook(line + p);
    }
}

void cli_write(FILE *f, const char *s, size_t n)
{
    int which = f == stdout ? 1 : f == stderr ? 2 : 0;
    if (n == 0 || (which != 0 && hv_console_write(which, s, n)))
        return;
    fwrite(s, 1, n, f); /* an error shows in ferror(f) (cli_flush_stdout) */
}

void cli_fputs(const char *s, FILE *f)
{
    cli_write(f, s, strlen(s));
}

int cli_fprintf(FILE *f, const char *fmt, ...)
{
    char small[CLI_LINE_MAX], *big;
    va_list ap, again;
    int r;

    va_start(ap, fmt);
    va_copy(again, ap);
    r = vsnprintf(small, sizeof small, fmt, ap);
    if (r >= 0 && (size_t)r < sizeof small) {
        cli_write(f, small, (size_t)r);
    } else if (r >= 0 && (big = malloc((size_t)r + 1)) != NULL) {
        (void)vsnprintf(big, (size_t)r + 1, fmt, again);
        cli_write(f, big, (size_t)r);
        free(big);
    } else {
        r = vfprintf(f, fmt, again); /* never cut: the bytes as they are */
    }
    va_end(again);
    va_end(ap);
    return r;
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
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap, hv_errtext(err, text, sizeof text));
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
    cli_fputs(usage, stderr);
    return HV_EUSAGE;
}

/* The entry of longopts that the option argument arg ("--name" or
 * "--name=value") names: the one of that name, else the only one whose
 * name it begins (getopt_long takes unique abbreviations). NULL when
 * there is none; *many set when several names begin with it. */
static const struct option *long_named(const char *arg,
                                       const struct option *longopts,
                                       int *many)
{
    const struct option *o, *found = NULL;
    size_t n = strcspn(arg + 2, "=");
    int count = 0;
    for (o = longopts; o && o->name; o++) {
        if (strncmp(o->name, arg + 2, n) != 0)
            continue;
        if (strlen(o->name) == n)
            return o;
        found = o;
        count++;
    }
    *many = count > 1;
    return count == 1 ? found : NULL;
}

int cli_getopt(int argc, char **argv, const char *optstring,
               const struct option *longopts)
{
    const struct option *lo = NULL;
    const char *last, *spec;
    int c, many = 0;

    opterr = 0; /* the messages below name the program, not argv[0] */
    c = getopt_long(argc, argv, optstring, longopts, NULL);
    if (c != '?' && c != ':')
        return c;
    /* the argument getopt_long stopped at (it has stepped past it) */
    last = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    if (strncmp(last, "--", 2) == 0 && last[2] != '\0')
        lo = long_named(last, longopts, &many);
    if (many) {
        cli_warnx("option '%.*s' is ambiguous", (int)strcspn(last, "="), last);
    } else if (optopt == 0) {
        cli_warnx("unrecognized option '%s'", last);
    } else if (lo && lo->val == optopt) {
        if (lo->has_arg == required_argument)
            cli_warnx("option '--%s' requires an argument", lo->name);
        else
            cli_warnx("option '--%s' doesn't allow an argument", lo->name);
    } else {
        spec = optopt > 0 && optopt < 128 && optopt != ':'
                   ? strchr(optstring, optopt)
                   : NULL;
        if (spec && spec[1] == ':')
            cli_warnx("option requires an argument -- '%c'", optopt);
        else if (optopt > 0 && optopt < 128)
            cli_warnx("invalid option -- '%c'", optopt);
        else
            cli_warnx("invalid option '%s'", last);
    }
    return '?';
}

int cli_flush_stdout(void)
{
    /* both: fflush reports only what it wrote now, ferror what failed
     * before */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_warn(HV_EIO, "write stdout");
        return HV_EIO;
    }
    return 0;
}

int cli_help(const char *usage, const char *help)
{
    cli_fputs(usage, stdout);
    cli_fputs(help, stdout);
    return cli_flush_stdout();
}

int cli_version(void)
{
    cli_fprintf(stdout, "%s (%s) %s\n", cli_prog, HV_PACKAGE, HV_VERSION);
    return cli_flush_stdout();
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
    return err;
}

/* What ended a session whose own process failed (hv_child_exit's own). */
static const char *own_text(int own)
{
    if (own == HV_EHANDSHAKE)
        return "--term-control: the client does not speak it (no hello "
               "from hvcat --raw --term-control)";
    if (own == HV_EBADDATA)
        return "--term-control: malformed frame from the client";
    return hv_strerror(own);
}

const char *cli_child_how(const struct hv_child_exit *st, char *buf, size_t n)
{
    if (st->own == HV_EHANDSHAKE)
        snprintf(buf, n, "no --term-control from the client");
    else if (st->own == HV_EBADDATA)
        snprintf(buf, n, "malformed --term-control frame");
    else if (st->own)
        snprintf(buf, n, "%s", hv_strerror(st->own));
    else
        snprintf(buf, n, "%s %lu",
                 st->signaled ? "killed by signal" : "exit status", st->code);
    return buf;
}

int cli_child_status(const char *where, const char *cmd,
                     const struct hv_child_exit *st)
{
    const char *how = st->signaled ? "was killed by signal" : "exited with status";
    if (st->own) {
        if (where)
            cli_warnx("%s: %s", where, own_text(st->own));
        else
            cli_warnx("%s", own_text(st->own));
        return st->own;
    }
    if (!st->signaled && st->code == 0)
        return 0;
    if (where)
        cli_warnx("%s: command '%s' %s %lu", where, cmd, how, st->code);
    else
        cli_warnx("command '%s' %s %lu", cmd, how, st->code);
    return HV_ECMDFAIL;
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

int cli_net_start(void)
{
    int r = hv_net_init();
    if (r < 0) {
        cli_warn(r, "network start-up");
        return r;
    }
    return 0;
}

const char *cli_shown(const char *s, char *buf, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
        size_t k = (c < 0x20 || c == 0x7f) ? 4 : 1;
        if (k == 1)
            e[0] = (char)c;
        if (o + k < n)
            memcpy(buf + o, e, k);
        else if (o < n)
            n = o + 1; /* cut here: never half an escape */
        o += k;
    }
    if (n)
        buf[o < n ? o : n - 1] = '\0';
    return buf;
}

/* Write what quote(s, buf, n) makes, through a heap buffer when it is
 * long; "null" when even that fails. */
static void put_quoted(const char *s, size_t (*quote)(const char *, char *,
                                                      size_t))
{
    char small[512], *big;
    size_t n = quote(s, small, sizeof small);
    if (n < sizeof small) {
        cli_fputs(small, stdout);
        return;
    }
    if ((big = malloc(n + 1)) == NULL) {
        cli_fputs("null", stdout);
        return;
    }
    quote(s, big, n + 1);
    cli_fputs(big, stdout);
    free(big);
}

void cli_put_bytes(const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, plain = 0, k; /* u[plain..i) is text not yet written */
    uint32_t cp;

    while (i < n) {
        k = hv__utf8_decode(u + i, &cp);
        if (k == 0 || i + k > n)
            k = 1, cp = 0; /* not UTF-8: this byte escaped */
        /* C0, DEL and C1 (U+0080 to U+009F: a terminal's CSI among them) */
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            cli_write(stdout, s + plain, i - plain);
            for (; k > 0; k--, i++) {
                char e[4] = {'\\', 'x', hex[u[i] >> 4], hex[u[i] & 15]};
                cli_write(stdout, e, sizeof e);
            }
            plain = i;
        } else {
            i += k;
        }
    }
    cli_write(stdout, s + plain, i - plain);
}

void cli_put_text(const char *s)
{
    /* an escape is 4 bytes for 1: room for all of s */
    char small[512], *big;
    size_t n = s ? 4 * strlen(s) + 1 : 1;
    if (n <= sizeof small) {
        cli_fputs(cli_shown(s, small, sizeof small), stdout);
        return;
    }
    if ((big = malloc(n)) == NULL) {
        cli_fputs("null", stdout);
        return;
    }
    cli_fputs(cli_shown(s, big, n), stdout);
    free(big);
}

void cli_put_json(const char *s, int null_if_empty)
{
    if (null_if_empty && (s == NULL || *s == '\0'))
        cli_fputs("null", stdout);
    else
        put_quoted(s, hv_json_quote);
}

int cli_value_error(const char *opt, const char *arg, const char *want)
{
    cli_warnx("%s '%s': expected %s", opt, arg, want);
    return HV_EINVAL;
}
