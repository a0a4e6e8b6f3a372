/* log.c: the events of a tool with their time, for a log that outlives the
 * terminal (hvlisten --log FILE, --syslog, --log-format json; a Windows
 * service's event log). An event is
 * the line -v prints; the log gets it with an RFC 3339 UTC time, or as one
 * JSON object. Every error or warning line on stderr goes to the log too.
 * A log that cannot be written is said at once at the start, and later
 * once, and then makes the exit status 74. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"

static struct {
    int verbose;
    FILE *f;
    const char *path;
    /* the system's logs, set when opened: write_event calls them through
     * these, so that a tool that never opens one (hvcat) does not link
     * them; syslog(3) brings localtime, strftime and scanf with it, about
     * 100 KB of a static tool */
    void (*syslog_write)(int error, const char *text);
    void (*eventlog_write)(int error, const char *text);
    enum log_format fmt;
    int failed;       /* a write failed (said once) */
    uint64_t last_ms; /* the time of the last line: never earlier again */
    int busy;         /* writing a line: lines said meanwhile are not ours */
} lg;

void log_set_verbose(int verbose)
{
    lg.verbose = verbose;
}

/* ms since 1970 as 2026-12-07T13:10:00.123Z into buf (at least 25 bytes);
 * the days to a civil date by H. Hinnant's days_from_civil inverse. */
static void rfc3339(uint64_t ms, char *buf, size_t n)
{
    uint64_t secs = ms / 1000u, z = secs / 86400u + 719468u;
    unsigned sod = (unsigned)(secs % 86400u);
    uint64_t era = z / 146097u;
    unsigned doe = (unsigned)(z - era * 146097u);
    unsigned yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
    unsigned doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
    unsigned mp = (5u * doy + 2u) / 153u;
    unsigned d = doy - (153u * mp + 2u) / 5u + 1u;
    unsigned m = mp < 10u ? mp + 3u : mp - 9u;
    unsigned long long y = (unsigned long long)(yoe + era * 400u) + (m <= 2u);

    snprintf(buf, n, "%04llu-%02u-%02uT%02u:%02u:%02u.%03uZ", y, m, d,
             sod / 3600u, sod / 60u % 60u, sod % 60u,
             (unsigned)(ms % 1000u));
}

/* A growing line (NULL buf: out of memory, the line is lost and said). */
struct line {
    char *buf;
    size_t len, cap;
};

static void put(struct line *l, const char *s, size_t n)
{
    char *nb;
    if (l->buf == NULL && l->cap != 0)
        return;
    if (l->len + n + 1 > l->cap) {
        size_t cap = (l->len + n + 1) * 2;
        if ((nb = realloc(l->buf, cap)) == NULL) {
            free(l->buf);
            l->buf = NULL;
            l->cap = 1;
            return;
        }
        l->buf = nb;
        l->cap = cap;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
    l->buf[l->len] = '\0';
}

static void puts_(struct line *l, const char *s)
{
    put(l, s, strlen(s));
}

/* ,"key":"value" (JSON-quoted) when s is known */
static void put_str(struct line *l, const char *key, const char *s)
{
    char small[256], *big = NULL;
    const char *q = small;
    size_t n;

    if (s == NULL)
        return;
    n = hv_json_quote(s, small, sizeof small);
    if (n >= sizeof small) {
        if ((big = malloc(n + 1)) == NULL)
            return;
        hv_json_quote(s, big, n + 1);
        q = big;
    }
    puts_(l, ",\"");
    puts_(l, key);
    puts_(l, "\":");
    put(l, q, n);
    free(big);
}

static void put_num(struct line *l, const char *key, unsigned long long v)
{
    char num[32];
    snprintf(num, sizeof num, ",\"%s\":%llu", key, v);
    puts_(l, num);
}

/* Write one event to the log (not to stderr). */
static void write_event(const char *event, const struct log_fields *f,
                        const char *text, int error)
{
    struct line l = {NULL, 0, 0};
    char when[40];
    uint64_t now;
    int r;

    if ((lg.f == NULL && !lg.syslog_write && !lg.eventlog_write) || lg.busy)
        return;
    lg.busy = 1;
    if (lg.syslog_write)
        lg.syslog_write(error, text);
    if (lg.eventlog_write)
        lg.eventlog_write(error, text);
    if (lg.f == NULL) {
        lg.busy = 0;
        return;
    }
    /* one order for the lines: a clock set back repeats the last time */
    now = hv_wall_ms();
    if (now < lg.last_ms)
        now = lg.last_ms;
    lg.last_ms = now;
    rfc3339(now, when, sizeof when);
    if (lg.fmt == LOG_FORMAT_JSON) {
        puts_(&l, "{\"time\":\"");
        puts_(&l, when);
        puts_(&l, "\"");
        put_str(&l, "event", event);
        put_str(&l, "message", text);
        if (f) {
            put_str(&l, "peer", f->peer);
            put_str(&l, "local", f->local);
            if (f->have_bytes) {
                put_num(&l, "sent", f->sent);
                put_num(&l, "received", f->received);
            }
            put_str(&l, "error", f->error);
            if (f->have_exit)
                put_num(&l, "exit", (unsigned long long)f->exit_code);
        }
        puts_(&l, "}\n");
    } else {
        /* one event, one line: control characters (a newline in a unix
         * socket's path) as \xNN, as in messages */
        size_t n = strlen(text) * 4 + 1;
        char *esc = malloc(n);
        puts_(&l, when);
        puts_(&l, " ");
        if (esc) {
            cli_shown(text, esc, n);
            puts_(&l, esc);
            free(esc);
        } else {
            l.cap = 1; /* out of memory: the line is lost, and said */
            free(l.buf);
            l.buf = NULL;
        }
        puts_(&l, "\n");
    }
    r = 0;
    clearerr(lg.f);
    if (l.buf == NULL)
        r = HV_ENOMEM;
    else if (fwrite(l.buf, 1, l.len, lg.f) != l.len || fflush(lg.f) != 0)
        r = hv_file_error();
    free(l.buf);
    if (r < 0 && !lg.failed) {
        lg.failed = 1;
        cli_warn(r, "write log %s", lg.path);
    }
    lg.busy = 0;
}

/* cli.c's lines on stderr: errors, warnings and hints */
static void line_hook(const char *text)
{
    struct log_fields f;
    const char *event = "error";

    if (strncmp(text, "warning: ", 9) == 0)
        event = "warning";
    else if (strncmp(text, "hint: ", 6) == 0)
        event = "hint";
    memset(&f, 0, sizeof f);
    f.error = text;
    write_event(event, &f, text, 1);
}

void log_error_line(const char *text)
{
    line_hook(text);
}

int log_use_eventlog(const char *source)
{
    int r = hv_eventlog_open(source);
    if (r < 0) {
        cli_warn(r, "event log (source %s)", source);
        return r;
    }
    lg.eventlog_write = hv_eventlog_write;
    return 0;
}

int log_open(const char *path, int syslog, enum log_format fmt)
{
    char text[128];
    int r;

    lg.fmt = fmt;
    if (syslog) {
        if ((r = hv_syslog_open(cli_prog)) < 0) {
            cli_warn(r, "--syslog");
            return r;
        }
        lg.syslog_write = hv_syslog_write;
    }
    if (path) {
        if ((r = hv_file_append(path, &lg.f)) < 0) {
            cli_warn(r, "log %s", path);
            return r;
        }
        lg.path = path;
    }
    cli_set_line_hook(line_hook);
    snprintf(text, sizeof text, "Starting %s (%s) %s", cli_prog, HV_PACKAGE,
             HV_VERSION);
    write_event("start", NULL, text, 0);
    /* the first line could not be written: nothing is served unlogged */
    if (lg.failed) {
        fclose(lg.f);
        lg.f = NULL;
        return HV_EIO;
    }
    return 0;
}

void log_event(const char *event, const struct log_fields *f,
               const char *fmt, ...)
{
    char text[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (lg.verbose) {
        /* said here, logged below: not through the hook */
        lg.busy++;
        cli_warnx("%s", text);
        lg.busy--;
    }
    write_event(event, f, text, 0);
}

int log_close(int code)
{
    struct log_fields f;

    if (lg.f == NULL && !lg.syslog_write && !lg.eventlog_write)
        return code;
    memset(&f, 0, sizeof f);
    f.have_exit = 1;
    f.exit_code = code;
    /* not on stderr: the shell has the status */
    {
        char text[64];
        snprintf(text, sizeof text, "Exit status %d", code);
        write_event("exit", &f, text, code != 0);
    }
    cli_set_line_hook(NULL);
    if (lg.f && fclose(lg.f) != 0 && !lg.failed) {
        lg.failed = 1;
        cli_warn(hv_file_error(), "write log %s", lg.path);
    }
    lg.f = NULL;
    if (lg.syslog_write)
        hv_syslog_close();
    lg.syslog_write = NULL;
    if (lg.eventlog_write)
        hv_eventlog_close();
    lg.eventlog_write = NULL;
    return code == 0 && lg.failed ? hv_exitcode(HV_EIO) : code;
}
