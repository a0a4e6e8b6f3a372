/* hvcat: connect to a Hyper-V socket (or vsock, TCP, unix socket, named
 * pipe) service and pipe stdin/stdout over the stream, or (-e) hand the
 * connection to a command, or (-z) only see whether something listens. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "session.h"

static const char usage[] =
    "usage: hvcat [-dhtvVz] [-e CMD] [-i SECS] [-q SECS] [-w SECS] [--wait SECS]\n"
    "             [--send-only] [--no-shutdown] [--progress] [--wait-stdin]\n"
    "             [-o FILE] [-x FILE] [--fdpass]\n"
    "             [--pty [--pty-term TERM] [--pty-size COLSxROWS]]\n"
    "             [--raw [--escape CHAR|none]] [--term-control] VM SERVICE\n"
    "       hvcat -t [options] HOST PORT\n"
    "       hvcat -U PATH [options]\n"
    "       hvcat --npipe NAME [options]\n"
    "       hvcat --hybrid PATH [options] PORT\n"
    "       hvcat [options] ADDRESS\n";

static const char help[] =
    "Connect to SERVICE in VM and copy stdin to it and it to stdout.\n"
    "\n"
    "  VM       a keyword (parent/host, loopback/local, children, broadcast,\n"
    "           silohost), a VM GUID or name (Windows), a CID (vsock)\n"
    "  SERVICE  a vsock port (decimal or 0x hex) or a service GUID; on Windows\n"
    "           also a registered service name\n"
    "  ADDRESS  one word, as -v prints it: hv:VM:SERVICE, vsock:CID:PORT,\n"
    "           tcp:HOST:PORT, unix:PATH, npipe:NAME, hybrid:PATH:PORT\n"
    "\n"
    "  -d, --recv-only     do not read stdin; half-close at once (--no-stdin)\n"
    "      --send-only     do not read the connection; end after stdin's EOF\n"
    "  -e, --exec CMD      run CMD (through the shell) on the connection instead\n"
    "                      (its stdin and stdout; HV_PEER_* and HV_LOCAL_* set)\n"
    "      --escape CHAR   --raw's escape character (default ~), or none\n"
    "      --hybrid PATH   hybrid vsock (Firecracker, Cloud Hypervisor, OpenVMM):\n"
    "                      connect to the VMM's socket PATH, then to the guest's\n"
    "                      PORT (a vsock port or service GUID) with CONNECT\n"
    "      --fdpass        pass the connection to stdout, a unix socket, and exit\n"
    "                      (ssh's ProxyCommand with ProxyUseFdpass yes)\n"
    "  -i, --idle-timeout SECS  end (exit 75) when no byte moved for SECS\n"
    "      --keep-alive-on-pause  keep the connection while the VM is paused\n"
    "                      (Hyper-V)\n"
    "      --no-hints      print no hints under an error (also HV_NO_HINTS=1)\n"
    "      --no-shutdown   do not half-close after stdin's EOF; the peer's EOF\n"
    "                      ends the session\n"
    "      --npipe NAME    connect to the Windows named pipe NAME (\\\\.\\pipe\\NAME)\n"
    "      --progress      show bytes, rate and time on stderr\n"
    "  -o, --output FILE   write every byte relayed, both ways, to FILE too\n"
    "      --pty           run -e's CMD on a new pseudo-terminal (a pseudo console\n"
    "                      on Windows), in a session of its own\n"
    "      --pty-size COLSxROWS  the pseudo-terminal's size (default 80x24)\n"
    "      --pty-term TERM  TERM for CMD (default " SESSION_PTY_TERM ")\n"
    "  -q, --quit-after SECS  after stdin's EOF wait at most SECS for the\n"
    "                      peer's EOF, then end (0: at once)\n"
    "      --raw           the terminal on stdin in raw mode while connected;\n"
    "                      ~. first on a line disconnects, ~~ sends ~\n"
    "  -t, --tcp           use TCP: VM is a host name or address, SERVICE a port\n"
    "      --term-control  with --raw: send the window size, exit with the\n"
    "                      remote command's status (hvlisten --pty\n"
    "                      --term-control); with --pty: serve it; not with\n"
    "                      -o or -x, nor with --raw and -i, -q, --progress,\n"
    "                      --no-shutdown\n"
    "  -U, --unix PATH     connect to the unix domain socket PATH\n"
    "  -v, --verbose       report the connection on stderr\n"
    "  -w, --timeout SECS  give up each connect after SECS seconds (1-300;\n"
    "                      --hybrid: 5 s for the VMM's answer by default)\n"
    "      --wait SECS     retry a refused or unreachable connect until SECS\n"
    "                      have passed (the VM is booting)\n"
    "      --wait-stdin    after the peer's EOF, send stdin to its end however\n"
    "                      long it idles (default: the session ends once the\n"
    "                      peer has closed, on TCP once stdin idles 0.5 s)\n"
    "  -x, --hex-dump FILE write a hex dump of both ways to FILE ('>' sent,\n"
    "                      '<' received)\n"
    "  -z, --zero          connect and close: exit 0 if something listens\n"
    "  -h, --help          print this help and exit\n"
    "  -V, --version       print the version and exit\n"
    "\n"
    CLI_HELP_EXIT_STATUS
    "With -e, 74 also when CMD failed.\n";

enum { OPT_FDPASS = 768 };

static const struct option longopts[] = {
    {"recv-only", no_argument, NULL, 'd'},
    {"no-stdin", no_argument, NULL, 'd'},
    {"send-only", no_argument, NULL, OPT_SEND_ONLY},
    {"exec", required_argument, NULL, 'e'},
    {"hybrid", required_argument, NULL, OPT_HYBRID},
    {"fdpass", no_argument, NULL, OPT_FDPASS},
    {"idle-timeout", required_argument, NULL, 'i'},
    {"keep-alive-on-pause", no_argument, NULL, OPT_KEEP_ON_PAUSE},
    {"no-hints", no_argument, NULL, OPT_NO_HINTS},
    {"no-shutdown", no_argument, NULL, OPT_NO_SHUTDOWN},
    {"npipe", required_argument, NULL, OPT_NPIPE},
    {"output", required_argument, NULL, 'o'},
    {"hex-dump", required_argument, NULL, 'x'},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"quit-after", required_argument, NULL, 'q'},
    {"tcp", no_argument, NULL, 't'},
    {"unix", required_argument, NULL, 'U'},
    {"verbose", no_argument, NULL, 'v'},
    {"timeout", required_argument, NULL, 'w'},
    {"wait", required_argument, NULL, OPT_WAIT},
    {"wait-stdin", no_argument, NULL, OPT_WAIT_STDIN},
    {"zero", no_argument, NULL, 'z'},
    {"pty", no_argument, NULL, OPT_PTY},
    {"pty-term", required_argument, NULL, OPT_PTY_TERM},
    {"pty-size", required_argument, NULL, OPT_PTY_SIZE},
    {"term-control", no_argument, NULL, OPT_TERM_CONTROL},
    {"raw", no_argument, NULL, OPT_RAW},
    {"escape", required_argument, NULL, OPT_ESCAPE},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

struct opts {
    struct session_opts so; /* -e and -w too */
    uint32_t wait_ms;
    int wait;
    int zero;
    int fdpass; /* --fdpass */
    int raw, escape; /* --raw; --escape: the character, or -1 none */
};

/* Connect errors worth another try while a VM boots or a service starts. */
static int retryable(int err)
{
    return err == HV_ECONNREFUSED || err == HV_ENETUNREACH ||
           err == HV_EHOSTUNREACH || err == HV_ENETDOWN ||
           err == HV_ETIMEDOUT || err == HV_ENOLISTENER || err == HV_ENODEV ||
           err == HV_ECONNRESET;
}

#define WAIT_FIRST_MS 50u
#define WAIT_MAX_MS 1000u

/* Connect, and with --wait retry with a backoff from 50 ms to 1 s until
 * the time is up. 0, or the HV_E* code after saying why. */
static int connect_to(const struct opts *o, struct hv_addr *addr, int argc,
                      char **argv, const char *shown, struct hv_sock **s)
{
    struct hv_connect_opts co;
    uint32_t waited = 0, step = WAIT_FIRST_MS;
    int r, said = 0;

    memset(&co, 0, sizeof co);
    co.timeout_ms = o->so.timeout_ms;
    co.keep_on_pause = o->so.keep_on_pause;
    for (;;) {
        r = hv_sock_connect(addr, &co, s);
        if (r == 0 || !o->wait || !retryable(r) || r == HV_ESTOPPED)
            break;
        if (waited >= o->wait_ms) {
            cli_warnx("connect %s: gave up after %lu s: %s", shown,
                      (unsigned long)(o->wait_ms / 1000u), hv_strerror(r));
            session_hints(&o->so, addr, HV_DIAG_CONNECT, r);
            return HV_ETIMEDOUT;
        }
        if (o->so.verbose && !said) {
            cli_warnx("Waiting for %s: %s", shown, hv_strerror(r));
            said = 1;
        }
        if (step > o->wait_ms - waited)
            step = o->wait_ms - waited;
        /* a stop ends the sleep at once */
        if (hv_sleep_ms(step) == HV_ESTOPPED) {
            r = HV_ESTOPPED;
            break;
        }
        waited += step;
        step = step * 2 > WAIT_MAX_MS ? WAIT_MAX_MS : step * 2;
        /* a VM name ("wsl") may stand for a new id after a restart */
        if (argc == 2 && !o->so.tcp && addr->family == HV_FAMILY_HYPERV) {
            struct hv_addr again;
            if (session_addr(&o->so, &again, argc, argv, 0, usage) == 0)
                *addr = again;
        }
    }
    if (r < 0) {
        if (r != HV_ESTOPPED) {
            char why[320];
            cli_warnx("connect %s: %s%s", shown, hv_errtext(r, why, sizeof why),
                      session_hint(addr, r));
            session_hints(&o->so, addr, HV_DIAG_CONNECT, r);
        }
        return r;
    }
    return 0;
}

/* -e: the command's pipes (or socket pair) relayed to the connection;
 * the session's end is the connection's: a timeout or a break ends the
 * command too, and is the exit status (0 or HV_E*). */
static int exec_relay(struct hv_exec *x, const struct hv_relay_opts *ro,
                      const char *where)
{
    struct hv_relay_result res;
    int err = 0;

    memset(&res, 0, sizeof res);
    hv_relay_pair(x->cmd, x->conn, ro, &res);
    hv_stream_close(x->conn);
    hv_stream_close(x->cmd);
    if (res.err < 0 && res.err != HV_ESTOPPED) {
        cli_warn(res.err, "%s", where);
        err = res.err;
        hv_child_kill(x->child);
    }
    if (hv_stopped())
        hv_child_kill(x->child);
    return err;
}

/* -e: the connection is the command's (or, with a timer or a dump, relayed
 * to it); wait for it to end. 0 or the HV_E* code (HV_ECMDFAIL: the
 * command failed). */
static int run_exec(struct hv_sock *s, const struct opts *o,
                    const struct hv_addr *addr, const char *where)
{
    struct hv_exec x;
    struct hv_relay_opts ro;
    struct hv_child_exit st;
    char how[64];
    int r, err = 0;

    r = session_exec(&o->so, s, addr, NULL, &ro, &x);
    if (r < 0) {
        if (r == HV_EMFILE)
            hv_sock_close(s);
        cli_warn(r, "%s: run '%s'", where, o->so.exec);
        return r;
    }
    if (x.cmd)
        err = exec_relay(&x, &ro, where);
    r = hv_child_wait(x.child, &st);
    hv_child_free(x.child);
    if (r < 0) {
        cli_warn(r, "%s: wait for command", where);
        return r;
    }
    if (o->so.verbose)
        cli_warnx("Closed: %s", cli_child_how(&st, how, sizeof how));
    if (err < 0)
        return err; /* the command was ended for it: no status of its own */
    return cli_child_status(NULL, o->so.exec, &st) ? HV_ECMDFAIL : 0;
}

/* --raw's and --term-control's checks: 0, HV_EUSAGE, or the HV_E* code
 * of --term-control where the library does not speak it (69). */
static int raw_check(const struct opts *o)
{
    int r;

    if (o->so.pty.control && !o->raw && !o->so.use_pty)
        return cli_usage_error(usage, "--term-control needs --raw or --pty");
    if (o->so.pty.control && (o->so.dump_raw || o->so.dump_hex))
        return cli_usage_error(usage, "cannot use --term-control with -o or "
                                      "-x (the dump would hold its frames)");
    /* the session's own loop: no relay to idle, linger or count */
    if (o->so.pty.control && o->raw &&
        (o->so.idle_ms || o->so.quit_ms != HV_RELAY_NO_QUIT ||
         o->so.progress || o->so.no_shutdown))
        return cli_usage_error(usage, "cannot use --term-control --raw with "
                                      "%s",
                               o->so.idle_ms ? "-i"
                               : o->so.quit_ms != HV_RELAY_NO_QUIT ? "-q"
                               : o->so.progress ? "--progress"
                                                : "--no-shutdown");
    if (o->so.pty.control && (r = hv_term_control_available()) < 0) {
        cli_warn(r, "--term-control");
        return r;
    }
    if (!o->raw)
        return o->escape ? cli_usage_error(usage, "--escape needs --raw") : 0;
    if (o->so.exec || o->zero || o->so.recv_only || o->so.send_only)
        return cli_usage_error(usage, "cannot use --raw with %s",
                               o->so.exec ? "-e" : o->zero ? "-z"
                               : o->so.recv_only ? "-d" : "--send-only");
    if (!hv_stdin_is_tty())
        return cli_usage_error(usage, "--raw needs a terminal on stdin");
    return 0;
}

/* --raw --term-control, the terminal raw already: the remote command's
 * status as ours (128 + N for its signal N), as ssh gives it: 0 or that
 * status, or an HV_E* code (said here). */
static int run_controlled(struct hv_sock *s, const struct opts *o)
{
    struct hv_child_exit end;
    char how[64];
    int esc = o->escape < 0 ? 0 : o->escape ? o->escape : '~';
    int r = hv_term_session(s, esc, &end);

    hv_console_restore();
    hv_sock_close(s);
    if (r == 1)
        return 0; /* the escape */
    if (r == 0 && o->so.verbose)
        cli_warnx("Closed: %s", /* the remote command's, as -e's */
                  cli_child_how(&end, how, sizeof how));
    if (r == 0)
        return end.signaled ? 128 + (int)end.code : (int)end.code;
    if (r == HV_ECONNABORTED)
        cli_warnx("connection lost before the remote command ended");
    else if (r == HV_EBADDATA)
        cli_warnx("--term-control: the listener does not speak it (or sent "
                  "a malformed frame): hvlisten --pty --term-control");
    else if (r == HV_ETIMEDOUT)
        cli_warnx("--term-control: no hello from the listener within 10 s");
    else if (r != HV_ESTOPPED)
        cli_warn(r, "--term-control session");
    return r;
}

/* --raw: the session with the terminal raw, restored on every way out
 * (a stop by a signal returns here too, before the tool ends by it); 0
 * or the HV_E* code. */
static int run_raw(struct hv_sock *s, const struct opts *o, const char *where)
{
    struct hv_stream *io;
    int r;

    if ((r = hv_console_raw()) < 0) {
        hv_sock_close(s);
        cli_warn(r, "terminal raw mode");
        return r;
    }
    if (o->so.pty.control)
        return run_controlled(s, o);
    hv_stream_stdio(&io);
    if (o->escape >= 0)
        hv_stream_escape(io, (unsigned char)(o->escape ? o->escape : '~'));
    r = session_stdio(s, &o->so, where, 1, NULL);
    hv_console_restore();
    return r;
}

/* The options into *o: 0; DONE when the tool ends now with success
 * (--help, --version); or the HV_E* code of a bad option or value, or of
 * a failed --help (said already by cli_*). */
#define DONE 1
static int parse_opts(struct opts *o, int argc, char **argv)
{
    int c, r;

    memset(o, 0, sizeof *o);
    session_opts_init(&o->so);
    o->so.dialed = 1;
    while ((c = cli_getopt(argc, argv, "de:hi:o:q:tU:vVw:x:z", longopts)) !=
           -1) {
        if ((r = session_option(&o->so, c, optarg)) == 1)
            continue;
        if (r != 0)
            return r;
        switch (c) {
        case OPT_WAIT:
            if (hv_parse_secs(optarg, 1, 86400u, &o->wait_ms) < 0)
                return cli_value_error("--wait", optarg,
                                       "seconds from 1 to 86400");
            o->wait = 1;
            break;
        case 'z':
            o->zero = 1;
            break;
        case OPT_FDPASS:
            o->fdpass = 1;
            break;
        case OPT_RAW:
            o->raw = 1;
            break;
        case OPT_ESCAPE:
            if (strcmp(optarg, "none") == 0)
                o->escape = -1;
            else if (strlen(optarg) == 1 && optarg[0] > ' ' &&
                     optarg[0] < 0x7f)
                o->escape = (unsigned char)optarg[0];
            else
                return cli_value_error("--escape", optarg,
                                       "one printable character, or none");
            break;
        case 'h':
            return (r = cli_help(usage, help)) < 0 ? r : DONE;
        case 'V':
            return (r = cli_version()) < 0 ? r : DONE;
        default:
            return cli_usage_error(usage, NULL);
        }
    }
    return 0;
}

/* Connected: -z, --fdpass, -e, --raw or stdio on s. 0 or the HV_E* code;
 * or, for --raw --term-control alone, the remote command's exit status
 * (a positive number, the tool's own exit code as ssh gives it). */
static int on_connected(struct hv_sock *s, const struct opts *o,
                        const struct hv_addr *addr)
{
    char where[HV_ADDR_STRLEN];
    int r;

    hv_addr_format(addr, where, sizeof where);
    if (o->so.verbose) {
        const char *ok = hv_sock_hybrid_answer(s); /* hybrid vsock's OK */
        cli_warnx("Connected to %s%s%s%s", where, ok ? " (OK " : "",
                  ok ? ok : "", ok ? ")" : "");
    }
    if (o->zero) {
        hv_sock_close(s);
        return 0;
    }
    if (o->fdpass) {
        /* the receiver has its own copy now: ours closes, nothing stays */
        r = hv_sock_pass_stdout(s);
        hv_sock_close(s);
        if (r < 0)
            cli_warn(r, "--fdpass: pass %s to stdout", where);
        return r;
    }
    if (o->so.exec)
        return run_exec(s, o, addr, where);
    if (o->raw)
        return run_raw(s, o, where);
    return session_stdio(s, &o->so, where, 1, NULL);
}

/* The checks between the options, the operands into *addr, the dump
 * and the network: 0, or the HV_E* code after saying why. */
static int prepare(struct opts *o, int argc, char **argv,
                   struct hv_addr *addr)
{
    int r;

    if ((r = session_check(&o->so, usage, NULL)) != 0)
        return r;
    if (o->zero && o->so.exec)
        return cli_usage_error(usage, "cannot use -z with -e");
    if (o->fdpass && (o->zero || o->so.exec))
        return cli_usage_error(usage, "cannot use --fdpass with -e or -z");
    if (o->fdpass && (o->so.dump_raw || o->so.dump_hex))
        return cli_usage_error(usage, "cannot use --fdpass with -o or -x");
    if (o->fdpass && (r = hv_stdout_passes_fds()) < 0)
        return cli_usage_error(usage, "--fdpass: %s", r == HV_ENOTSUP ?
                               hv_strerror(r) : "stdout is not a unix socket");
    if ((r = raw_check(o)) != 0)
        return r;
    if ((r = session_addr(&o->so, addr, argc, argv, 0, usage)) != 0)
        return r;
    if ((r = session_dump_open(&o->so)) < 0)
        return r;
    return cli_net_start();
}

static int run(int argc, char **argv)
{
    struct opts o;
    struct hv_addr addr;
    struct hv_sock *s = NULL;
    char where[HV_ADDR_STRLEN], shown[2 * HV_ADDR_STRLEN];
    int r;

    if ((r = parse_opts(&o, argc, argv)) != 0)
        return r == DONE ? 0 : hv_exitcode(r);
    argc -= optind;
    argv += optind;
    if ((r = prepare(&o, argc, argv, &addr)) != 0)
        return hv_exitcode(r);
    session_signals();
    hv_addr_format(&addr, where, sizeof where);
    /* the address as typed: a one-word operand, or VM:SERVICE */
    if (o.so.unix_path || o.so.npipe || o.so.hybrid)
        snprintf(shown, sizeof shown, "%s", where);
    else if (argc == 1)
        snprintf(shown, sizeof shown, "%s", argv[0]);
    else
        snprintf(shown, sizeof shown, "%s:%s", argv[0], argv[1]);
    if ((r = connect_to(&o, &addr, argc, argv, shown, &s)) < 0)
        return hv_exitcode(r);
    r = on_connected(s, &o, &addr);
    return r > 0 ? r : hv_exitcode(r);
}

int main(int argc, char **argv)
{
    int r;
    cli_init("hvcat");
    if ((r = hv_console_init(&argc, &argv)) < 0) {
        cli_warn(r, "console set-up");
        return hv_exitcode(r);
    }
    return session_exit(run(argc, argv));
}
