/* hvcat: connect to a Hyper-V socket (or vsock, or TCP) service and pipe
 * stdin/stdout over the stream, or (-e) hand the connection to a command. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: hvcat [-dhtvV] [-e CMD] [-w seconds] [--no-shutdown] VM SERVICE\n"
    "       hvcat -t [options] HOST PORT\n";

static const char help[] =
    "Connect to SERVICE in VM and copy stdin to it and it to stdout.\n"
    "\n"
    "  VM       a keyword (parent/host, loopback/local, children, wildcard/any,\n"
    "           broadcast, silohost), a VM GUID or name (Windows), a CID (vsock)\n"
    "  SERVICE  a vsock port (decimal or 0x hex) or a service GUID; on Windows\n"
    "           also a registered service name\n"
    "\n"
    "  -d, --no-stdin      do not read stdin (receive only)\n"
    "  -e, --exec CMD      run CMD (through the shell) with the connection as\n"
    "                      its stdin and stdout instead\n"
    "      --no-shutdown   do not half-close after stdin's EOF; the peer's EOF\n"
    "                      ends the session\n"
    "  -t, --tcp           use TCP: VM is a host name or address, SERVICE a port\n"
    "  -v, --verbose       report the connection on stderr\n"
    "  -w, --timeout SECS  give up connecting after SECS seconds (1-300)\n"
    "  -h, --help          print this help and exit\n"
    "  -V, --version       print the version and exit\n"
    "\n"
    "Exit status: 0 ok, 64 usage, 65 bad operand, 68 unknown VM, 69 refused or\n"
    "unavailable, 70 internal, 71 OS error, 74 I/O error, 75 timeout,\n"
    "77 permission denied (see hvsock(7)); with -e, 74 when CMD failed.\n";

enum { OPT_NO_SHUTDOWN = 256 };

static const struct option longopts[] = {
    {"no-stdin", no_argument, NULL, 'd'},
    {"exec", required_argument, NULL, 'e'},
    {"no-shutdown", no_argument, NULL, OPT_NO_SHUTDOWN},
    {"tcp", no_argument, NULL, 't'},
    {"verbose", no_argument, NULL, 'v'},
    {"timeout", required_argument, NULL, 'w'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

struct opts {
    int no_stdin;
    int no_shutdown;
    int tcp;
    int verbose;
    unsigned timeout_ms;
    const char *exec;
};

/* -e: the connection is the command's; wait for it to end. */
static int run_exec(struct hv_sock *s, const struct opts *o, const char *where)
{
    struct hv_child *child;
    struct hv_child_exit st;
    char how[64];
    int r = hv_spawn_with_sock(s, o->exec, &child);

    /* the command has its own copy: the connection ends with it */
    hv_sock_close(s);
    if (r < 0) {
        cli_warn(r, "%s: run '%s'", where, o->exec);
        return hv_exitcode(r);
    }
    r = hv_child_wait(child, &st);
    hv_child_free(child);
    if (r < 0) {
        cli_warn(r, "%s: wait for command", where);
        return hv_exitcode(r);
    }
    if (o->verbose)
        cli_warnx("Closed: %s", cli_child_how(&st, how, sizeof how));
    return cli_child_status(NULL, o->exec, &st);
}

int main(int argc, char **argv)
{
    struct opts o;
    struct hv_addr addr;
    struct hv_connect_opts co;
    struct hv_pump_opts po;
    struct hv_pump_result pr;
    struct hv_sock *s = NULL;
    char line[HV_ADDR_STRLEN], where[HV_ADDR_STRLEN];
    int c, r;

    hv_console_init(&argc, &argv);
    cli_init("hvcat");
    memset(&o, 0, sizeof o);
    while ((c = getopt_long(argc, argv, "de:htvVw:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.no_stdin = 1;
            break;
        case 'e':
            o.exec = optarg;
            break;
        case OPT_NO_SHUTDOWN:
            o.no_shutdown = 1;
            break;
        case 't':
            o.tcp = 1;
            break;
        case 'v':
            o.verbose = 1;
            break;
        case 'w':
            if (cli_parse_timeout(optarg, &o.timeout_ms) < 0)
                return cli_usage_error(usage,
                                       "-w '%s': expected seconds from 1 to 300",
                                       optarg);
            break;
        case 'h':
            return cli_help(usage, help);
        case 'V':
            return cli_version();
        default:
            return cli_usage_error(usage, NULL);
        }
    }
    argc -= optind;
    argv += optind;

    if ((r = cli_check_exec(usage, o.exec, o.no_stdin, o.no_shutdown)) != 0)
        return r;
    if (argc < 2)
        return cli_usage_error(usage, "missing %s operand",
                               argc == 0 ? "VM" : "SERVICE");
    if (argc > 2)
        return cli_usage_error(usage, "unexpected operand '%s'", argv[2]);

    if ((r = cli_parse_addr(&addr, o.tcp, argv[0], argv[1], 0)) != 0)
        return r;
    if ((r = cli_net_start(o.exec != NULL)) != 0)
        return r;
    hv_addr_format(&addr, where, sizeof where);
    memset(&co, 0, sizeof co);
    co.timeout_ms = o.timeout_ms;
    r = hv_sock_connect(&addr, &co, &s);
    if (r < 0) {
        cli_warn(r, "connect %s:%s", argv[0], argv[1]);
        return hv_exitcode(r);
    }
    if (o.verbose)
        cli_warnx("Connected to %s", where);
    if (o.exec)
        return run_exec(s, &o, where);

    cli_pump_opts(&po, o.no_stdin, o.no_shutdown);
    r = hv_pump_stdio(s, &po, &pr);
    hv_sock_close(s);
    if (r < 0)
        return cli_pump_error(r, &pr, where);
    if (o.verbose)
        cli_warnx("Closed: %s", cli_pump_summary(&pr, line, sizeof line));
    return 0;
}
