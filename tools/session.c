/* session.c: the session controls hvcat and hvlisten share (session.h):
 * options, the stdio relay with its progress and summary lines, -e's
 * options and the way out on a signal. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

#define SESSION_STDIO_BUFSIZE (1024u * 1024u)
/* After the peer's EOF, stdin idle this long ends a TCP session (where a
 * peer's close and half-close look alike): socat's default, and within
 * the second that nc and ncat take. */
#define SESSION_GONE_MS 500u

void session_opts_init(struct session_opts *so)
{
    memset(so, 0, sizeof *so);
    so->quit_ms = HV_RELAY_NO_QUIT;
    so->pty.cols = 80;
    so->pty.rows = 24;
    so->pty.term = SESSION_PTY_TERM;
}

/* COLSxROWS, each from 1 to 65535. */
static int parse_size(const char *s, struct hv_pty_opts *po)
{
    char part[8];
    const char *x = strchr(s, 'x');
    uint32_t c, r;

    if (x == NULL || (size_t)(x - s) >= sizeof part)
        return -1;
    memcpy(part, s, (size_t)(x - s));
    part[x - s] = '\0';
    if (hv_parse_u32(part, 1, 65535u, &c) < 0 ||
        hv_parse_u32(x + 1, 1, 65535u, &r) < 0)
        return -1;
    po->cols = (unsigned short)c;
    po->rows = (unsigned short)r;
    return 0;
}

int session_option(struct session_opts *so, int c, const char *arg)
{
    char want[48];

    switch (c) {
    case 'e':
        so->exec = arg;
        return 1;
    case 'w':
        /* hvcat's connect, hvlisten's --to connect and --ready wait */
        if (hv_parse_secs(arg, 1, HV_TIMEOUT_MAX_MS / 1000u,
                          &so->timeout_ms) < 0) {
            snprintf(want, sizeof want, "seconds from 1 to %lu",
                     (unsigned long)(HV_TIMEOUT_MAX_MS / 1000u));
            return cli_value_error("-w/--timeout", arg, want);
        }
        return 1;
    case 'd':
    case OPT_RECV_ONLY:
        so->recv_only = 1;
        return 1;
    case OPT_SEND_ONLY:
        so->send_only = 1;
        return 1;
    case OPT_NO_SHUTDOWN:
        so->no_shutdown = 1;
        return 1;
    case OPT_PROGRESS:
        so->progress = 1;
        return 1;
    case 'v':
        so->verbose = 1;
        log_set_verbose(1); /* the event lines go to stderr too */
        return 1;
    case 't':
        so->tcp = 1;
        return 1;
    case 'U':
        so->unix_path = arg;
        return 1;
    case OPT_NPIPE:
        so->npipe = arg;
        return 1;
    case OPT_HYBRID:
        so->hybrid = arg;
        return 1;
    case OPT_KEEP_ON_PAUSE:
        so->keep_on_pause = 1;
        return 1;
    case OPT_WAIT_STDIN:
        so->wait_stdin = 1;
        return 1;
    case OPT_NO_HINTS:
        so->no_hints = 1;
        return 1;
    case 'o':
        so->dump_raw = arg;
        return 1;
    case 'x':
        so->dump_hex = arg;
        return 1;
    case OPT_PTY:
        so->use_pty = 1;
        return 1;
    case OPT_TERM_CONTROL:
        so->pty.control = 1;
        return 1;
    case OPT_PTY_TERM:
        if (*arg == '\0' || strlen(arg) > 64 || strpbrk(arg, "= \t\n"))
            return cli_value_error("--pty-term", arg,
                                   "a terminal type such as vt100");
        so->pty.term = arg;
        return 1;
    case OPT_PTY_SIZE:
        if (parse_size(arg, &so->pty) < 0)
            return cli_value_error("--pty-size", arg,
                                   "COLSxROWS, each from 1 to 65535");
        return 1;
    case 'i':
        if (hv_parse_secs(arg, 1, 86400u, &so->idle_ms) < 0)
            return cli_value_error("-i/--idle-timeout", arg,
                                   "seconds from 1 to 86400");
        return 1;
    case 'q':
        if (hv_parse_secs(arg, 0, 86400u, &so->quit_ms) < 0)
            return cli_value_error("-q/--quit-after", arg,
                                   "seconds from 0 to 86400");
        return 1;
    default:
        return 0;
    }
}

int session_check(const struct session_opts *so, const char *usage,
                  const char *to)
{
    const char *exec = so->exec;
    int transports = (so->tcp != 0) + (so->unix_path != NULL) +
                     (so->npipe != NULL) + (so->hybrid != NULL);
    if (transports > 1)
        return cli_usage_error(usage, "use only one of -t, -U, --npipe and "
                                      "--hybrid");
    if (so->send_only && so->recv_only)
        return cli_usage_error(usage, "cannot use --send-only with -d "
                                      "(--recv-only)");
    if (exec && to)
        return cli_usage_error(usage, "cannot use -e with --to");
    if (exec || to) {
        const char *what = exec ? "-e" : "--to";
        if (so->recv_only)
            return cli_usage_error(usage, "cannot use %s with -d", what);
        if (so->send_only)
            return cli_usage_error(usage, "cannot use %s with --send-only",
                                   what);
        if (so->no_shutdown)
            return cli_usage_error(usage, "cannot use %s with --no-shutdown",
                                   what);
        if (so->wait_stdin)
            return cli_usage_error(usage, "cannot use %s with --wait-stdin",
                                   what);
        if (exec && *exec == '\0')
            return cli_usage_error(usage, "-e: empty command");
    }
    if (so->use_pty && !exec)
        return cli_usage_error(usage, "--pty needs -e");
    return 0;
}

int session_addr(const struct session_opts *so, struct hv_addr *a, int argc,
                 char **argv, int listen, const char *usage)
{
    char hint[HV_ADDR_STRLEN];
    const char *path = so->unix_path ? so->unix_path : so->npipe;
    int r;

    if (path) {
        if (argc > 0)
            return cli_usage_error(usage, "unexpected operand '%s'", argv[0]);
        r = so->unix_path ? hv_addr_unix(a, path, hint, sizeof hint)
                          : hv_addr_npipe(a, path, hint, sizeof hint);
        if (r < 0)
            return cli_addr_error(r, so->unix_path ? "socket path" : "pipe",
                                  path, hint);
        return 0;
    }
    if (so->hybrid) {
        if (argc != 1)
            return cli_usage_error(usage, argc ? "unexpected operand '%s'"
                                               : "missing PORT operand%s",
                                   argc ? argv[1] : "");
        r = hv_addr_hybrid(a, so->hybrid, argv[0], hint, sizeof hint);
        if (r < 0)
            return cli_addr_error(r, "--hybrid", argv[0], hint);
        return 0;
    }
    /* one word, as --to takes it and -v prints it (tcp:HOST:PORT, ...) */
    if (argc == 1 && !so->tcp && hv_target_is_word(argv[0])) {
        r = hv_target_parse(a, argv[0], listen ? HV_ADDR_LISTEN : 0, hint,
                            sizeof hint);
        if (r < 0)
            return cli_addr_error(r, "address", argv[0], hint);
        return 0;
    }
    if (argc < (listen ? 1 : 2))
        return cli_usage_error(usage, "missing %s operand",
                               argc == 0 && !listen ? "VM" : "SERVICE");
    if (argc > 2)
        return cli_usage_error(usage, "unexpected operand '%s'", argv[2]);
    if (listen)
        return cli_parse_addr(a, so->tcp, argc == 2 ? argv[0] : NULL,
                              argv[argc - 1], HV_ADDR_LISTEN);
    return cli_parse_addr(a, so->tcp, argv[0], argv[1], 0);
}

void session_signals(void)
{
    int r = hv_stop_on_signals();
    if (r < 0)
        cli_warn(r, "signal handlers");
}

/* the process's dump (one for all its sessions), for session_exit */
static struct hv_dump *dump_open;

static void dump_failed(void *ctx, const char *path, int err)
{
    (void)ctx;
    cli_warn(err, "dump '%s' stopped (the relay goes on)",
             path);
}

int session_dump_open(struct session_opts *so)
{
    const char *path[2] = {so->dump_raw, so->dump_hex};
    int i, r;

    if (path[0] == NULL && path[1] == NULL)
        return 0;
    if ((r = hv_dump_new(&so->dump)) < 0) {
        cli_warn(r, "dump");
        return r;
    }
    dump_open = so->dump;
    hv_dump_on_error(so->dump, dump_failed, NULL);
    for (i = 0; i < 2; i++) {
        if (path[i] && (r = hv_dump_open(so->dump, path[i], i)) < 0) {
            cli_warn(r, "%s '%s'", i ? "-x" : "-o", path[i]);
            return r;
        }
    }
    return 0;
}

int session_exit(int code)
{
    int sig = hv_stop_signal(), r;
    /* said when it happened (dump_failed): here only the exit status */
    if ((r = hv_dump_close(dump_open)) < 0 && code == 0)
        code = hv_exitcode(HV_EIO);
    dump_open = NULL;
    if (sig == 0)
        return code;
    /* end by the signal that stopped us, now that all is undone */
    fflush(stdout);
    signal(sig, SIG_DFL);
    raise(sig);
    return 128 + sig;
}

unsigned session_dump_next(const struct session_opts *so)
{
    static unsigned conns;

    return so->dump && so->dump_named ? ++conns : 0;
}

/* -o, -x: the dump, and under -k each connection's number in it */
static void dump_opts(const struct session_opts *so, struct hv_relay_opts *ro)
{
    ro->dump = so->dump;
    ro->dump_conn = session_dump_next(so);
}

/* -e's relay: the timers, the dump, and with --pty the gone-peer rule */
static void exec_opts(const struct session_opts *so, struct hv_relay_opts *ro)
{
    hv_relay_opts_init(ro);
    ro->idle_ms = so->idle_ms;
    ro->quit_ms = so->quit_ms;
    if (so->use_pty)
        ro->gone_ms = SESSION_GONE_MS;
    ro->dump = so->dump;
}

int session_exec(const struct session_opts *so, struct hv_sock *s,
                 const struct hv_addr *peer, const struct hv_addr *local,
                 struct hv_relay_opts *ro, struct hv_exec *x)
{
    struct hv_exec_opts xo;

    exec_opts(so, ro);
    memset(&xo, 0, sizeof xo);
    xo.peer = peer;
    xo.local = local;
    xo.pty = so->use_pty ? &so->pty : NULL;
    xo.relay = ro;
    return hv_exec_start(s, so->exec, &xo, x);
}

void session_relay_opts(const struct session_opts *so,
                        struct hv_relay_opts *ro, int a_is_stdio)
{
    hv_relay_opts_init(ro);
    /* one transfer: chunks of up to 1 MiB move a third more per
     * instruction over vsock than 256 KiB ones (tests/vm/bench --levers);
     * relays of many connections keep the smaller default */
    if (a_is_stdio)
        ro->bufsize = SESSION_STDIO_BUFSIZE;
    ro->idle_ms = so->idle_ms;
    ro->quit_ms = so->quit_ms;
    if (so->no_shutdown)
        ro->flags |= HV_RELAY_NO_SHUTDOWN;
    if (so->send_only)
        ro->flags |= HV_RELAY_A_TO_B_ONLY;
    if (so->recv_only)
        ro->flags |= HV_RELAY_B_TO_A_ONLY;
    /* a person at a terminal ends with the peer, not with ^D */
    if (a_is_stdio && !so->recv_only && hv_stdin_is_tty())
        ro->flags |= HV_RELAY_EOF_ENDS;
    /* a peer that has gone ends the session though stdin stays open */
    if (a_is_stdio && !so->wait_stdin)
        ro->gone_ms = SESSION_GONE_MS;
    dump_opts(so, ro);
}

const char *session_summary(const struct hv_relay_result *res, char *buf,
                            size_t n)
{
    snprintf(buf, n, "sent %llu bytes, received %llu bytes%s",
             (unsigned long long)res->ab, (unsigned long long)res->ba,
             res->a_closed ? " (stdout closed)" : "");
    return buf;
}

static int hints_off(const struct session_opts *so)
{
    const char *e = getenv("HV_NO_HINTS");
    return so->no_hints || (e != NULL && *e != '\0' && strcmp(e, "0") != 0);
}

/* A reset of the connection before any of its data came: how a listener
 * turns away a client it does not admit (hvlisten's hv_sock_abort) */
static int reset_at_once(const struct hv_relay_result *res)
{
    return res->err == HV_ECONNRESET && res->ba == 0 &&
           (res->side == HV_SIDE_B_READ || res->side == HV_SIDE_B_WRITE);
}

/* Report a failed relay ("prog: read stdin: ...", "prog: WHERE: ...");
 * returns its error. */
static int session_error(const struct session_opts *so,
                         const struct hv_relay_result *res, const char *where,
                         int a_is_stdio)
{
    if (so->dialed && reset_at_once(res)) {
        cli_warnx("%s: %s before any data (refused by the listener?)", where,
                  hv_strerror(res->err));
        if (!hints_off(so))
            cli_warnx("hint: hvlisten resets a client its --allow/--deny "
                      "refuses or its --to target turned away; its -v log "
                      "says which ('Refused' or the connect's error)");
    } else if (res->err == HV_EIDLE)
        cli_warnx("%s: %s", where, hv_strerror(res->err));
    else if (a_is_stdio && res->side == HV_SIDE_A_READ)
        cli_warn(res->err, "read stdin");
    else if (a_is_stdio && res->side == HV_SIDE_A_WRITE)
        cli_warn(res->err, "write stdout");
    else
        cli_warn(res->err, "%s", where);
    return res->err;
}

const char *session_hint(const struct hv_addr *a, int err)
{
    /* a listener's socket file: what is missing is its directory */
    if (err == HV_ENOENT &&
        (a->family == HV_FAMILY_UNIX || a->family == HV_FAMILY_HYBRID))
        return " (no such directory)";
    return "";
}

/* ---------------------------------------------------------------- hints */

void session_hints(const struct session_opts *so, const struct hv_addr *a,
                   enum hv_diag_op op, int err)
{
    struct hv_hints h;
    char buf[CLI_LINE_MAX];
    size_t i;

    if (hints_off(so))
        return;
    hv_diag_hints(a, op, err, NULL, &h);
    /* the texts may hold names from the system (VMs, the user) */
    for (i = 0; i < h.n; i++)
        cli_warnx("%s: %s",
                  h.h[i].flags & HV_HINT_WARNING ? "warning" : "hint",
                  cli_shown(h.h[i].text, buf, sizeof buf));
}

/* ---------------------------------------------------------------- progress */

#define PROGRESS_TTY_MS 250u
#define PROGRESS_LOG_MS 5000u

struct progress {
    int tty;
    int drawn; /* the width of the line on the terminal now, or 0 */
    double start;
    const struct session_opts *so;
    uint64_t next; /* --progress: when the next line is due */
    uint32_t every;
};

static double seconds(void)
{
    return (double)hv_now_ms() / 1000.0;
}

static void human(uint64_t v, char *buf, size_t n)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double d = (double)v;
    int u = 0;
    while (d >= 1024.0 && u < 4) {
        d /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, n, "%llu B", (unsigned long long)v);
    else
        snprintf(buf, n, "%.1f %s", d, units[u]);
}

static void progress_line(struct progress *pg, uint64_t ab, uint64_t ba,
                          const char *label, char *line, size_t n)
{
    double t = seconds() - pg->start;
    char rate[32];
    if (t < 0.001)
        t = 0.001;
    human((uint64_t)((double)(ab + ba) / t), rate, sizeof rate);
    snprintf(line, n,
             "%s: sent %llu bytes, received %llu bytes, %s/s, %.1f s", label,
             (unsigned long long)ab, (unsigned long long)ba, rate, t);
}

static void on_progress(void *ctx, uint64_t ab, uint64_t ba)
{
    struct progress *pg = ctx;
    char line[200];
    progress_line(pg, ab, ba, "Progress", line, sizeof line);
    if (pg->tty) {
        /* one line, redrawn in place; blanks over what a longer line left
         * (no escape sequences: a Windows console may not take them) */
        int w = cli_fprintf(stderr, "\r%s: %s", cli_prog, line) - 1;
        if (w < pg->drawn)
            cli_fprintf(stderr, "%*s", pg->drawn - w, "");
        fflush(stderr);
        if (w > pg->drawn)
            pg->drawn = w;
    } else {
        cli_warnx("%s", line);
    }
}

/* The relay's one timer callback: the tick (so->tick) each time, and a
 * --progress line each time one is due. */
static void on_timer(void *ctx, uint64_t ab, uint64_t ba)
{
    struct progress *pg = ctx;
    uint64_t now;

    if (pg->so->tick)
        pg->so->tick(pg->so->tick_ctx);
    if (!pg->so->progress)
        return;
    now = hv_now_ms();
    if (now < pg->next)
        return;
    pg->next = now + pg->every;
    on_progress(pg, ab, ba);
}

int session_stdio(struct hv_sock *s, const struct session_opts *so,
                  const char *peer, int last, int *stdout_gone)
{
    struct hv_stream *io, *net;
    struct hv_relay_opts ro;
    struct hv_relay_result res;
    struct progress pg;
    char line[HV_ADDR_STRLEN + 200];
    int r;

    if (stdout_gone)
        *stdout_gone = 0;
    hv_stream_stdio(&io);
    if ((r = hv_stream_from_sock(s, &net)) < 0) {
        cli_warn(r, "%s", peer);
        return r;
    }
    session_relay_opts(so, &ro, 1);
    if (last)
        ro.flags |= HV_RELAY_CLOSE_A;
    memset(&pg, 0, sizeof pg);
    pg.so = so;
    if (so->progress) {
        pg.tty = hv_stderr_is_tty();
        pg.start = seconds();
        pg.every = pg.tty ? PROGRESS_TTY_MS : PROGRESS_LOG_MS;
        pg.next = hv_now_ms() + pg.every;
        ro.progress_ms = pg.every;
    }
    /* the tick too rides on the progress timer (which keeps the relay in
     * its event loop: the fast paths have no timer) */
    if (so->tick && so->tick_ms) {
        if (ro.progress_ms == 0 || so->tick_ms < ro.progress_ms)
            ro.progress_ms = so->tick_ms;
        ro.progress = on_timer;
    } else if (so->progress) {
        ro.progress = on_progress;
    }
    ro.progress_ctx = &pg;
    r = hv_relay_pair(io, net, &ro, &res);
    /* the stream owned the connection: close it, but not the caller's
     * struct, which goes with it */
    hv_stream_close(net);
    hv_stream_close(io);
    if (pg.drawn) {
        /* clear the line for what comes after */
        cli_fprintf(stderr, "\r%*s\r", pg.drawn, "");
        fflush(stderr);
    }
    if (so->progress) {
        progress_line(&pg, res.ab, res.ba, "Transferred", line, sizeof line);
        cli_warnx("%s", line);
    }
    if (stdout_gone)
        *stdout_gone = res.a_closed;
    if (r == HV_ESTOPPED)
        return r;
    if (r < 0)
        return session_error(so, &res, peer, 1);
    log_event("closed",
              &(struct log_fields){.peer = peer, .have_bytes = 1,
                                   .sent = res.ab, .received = res.ba},
              "Closed %s: %s", peer, session_summary(&res, line, sizeof line));
    return 0;
}
