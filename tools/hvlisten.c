/* hvlisten: listen on a Hyper-V socket (or vsock, or TCP) service, accept a
 * connection and pipe it to stdin/stdout; with -k, serve one after another.
 * With -e each connection goes to a command instead (with -k, concurrently:
 * a command per connection). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: hvlisten [-dhktvV] [-e CMD] [--no-shutdown] [VM] SERVICE\n"
    "       hvlisten -t [options] [ADDRESS] PORT\n";

static const char help[] =
    "Listen on SERVICE, accept a connection from VM and copy stdin to it and\n"
    "it to stdout.\n"
    "\n"
    "  VM       who may connect: wildcard/any (default), children, loopback/local,\n"
    "           parent/host, a VM GUID or name (Windows), a CID (vsock)\n"
    "  SERVICE  a vsock port (decimal or 0x hex; 0 or 'any' picks a free port on\n"
    "           vsock and TCP) or a service GUID; on Windows also a registered\n"
    "           service name\n"
    "\n"
    "  -d, --no-stdin      do not read stdin (receive only)\n"
    "  -e, --exec CMD      run CMD (through the shell) with the connection as\n"
    "                      its stdin and stdout instead; with -k a CMD for each\n"
    "                      connection, at the same time\n"
    "  -k, --keep-open     after a connection ends, accept the next one\n"
    "      --no-shutdown   do not half-close after stdin's EOF; the peer's EOF\n"
    "                      ends the session\n"
    "  -t, --tcp           use TCP: VM is the local address to bind, SERVICE a port\n"
    "  -v, --verbose       report listening and connections on stderr\n"
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
    {"keep-open", no_argument, NULL, 'k'},
    {"no-shutdown", no_argument, NULL, OPT_NO_SHUTDOWN},
    {"tcp", no_argument, NULL, 't'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

struct opts {
    int no_stdin;
    int keep_open;
    int no_shutdown;
    int tcp;
    int verbose;
    const char *exec;
};

/* How often -k -e looks for finished commands while it waits to accept. */
#define REAP_INTERVAL_MS 100

/* A running command of -k -e and who it serves. */
struct running {
    struct hv_child *child;
    char from[HV_ADDR_STRLEN];
};

/* Report and forget the commands that have ended (all of them, waiting,
 * when wait_all). Returns the exit code of the last failed one, or 0. */
static int reap(struct running *run, size_t *n, const struct opts *o,
                int wait_all)
{
    struct hv_child_exit st;
    char how[64];
    size_t i = 0;
    int r, rc = 0;

    while (i < *n) {
        if (wait_all) {
            r = hv_child_wait(run[i].child, &st);
            if (r == 0)
                r = 1; /* ended */
        } else {
            r = hv_child_poll(run[i].child, &st);
        }
        if (r == 0) {
            i++;
            continue;
        }
        if (r < 0) {
            cli_warn(r, "%s: wait for command", run[i].from);
            rc = hv_exitcode(r);
        } else {
            if (o->verbose)
                cli_warnx("Closed %s: %s", run[i].from,
                          cli_child_how(&st, how, sizeof how));
            if ((r = cli_child_status(run[i].from, o->exec, &st)) != 0)
                rc = r;
        }
        hv_child_free(run[i].child);
        run[i] = run[--*n];
    }
    return rc;
}

/* -e: hand each connection to a command. Without -k: one connection, and
 * the exit code says how its command ended. With -k: a command for each
 * connection, side by side, until accepting fails; then wait for them. */
static int serve_exec(struct hv_sock *l, const struct opts *o,
                      const char *where)
{
    struct running *run = NULL;
    size_t n = 0, cap = 0;
    struct hv_addr peer;
    int r, rc = 0;

    for (;;) {
        struct hv_sock *s = NULL;

        if (o->keep_open) {
            reap(run, &n, o, 0);
            r = hv_sock_wait_accept(l, REAP_INTERVAL_MS);
            if (r == 0)
                continue;
            if (r > 0)
                r = hv_sock_accept(l, &s, &peer);
        } else {
            r = hv_sock_accept(l, &s, &peer);
        }
        if (r < 0) {
            cli_warn(r, "accept on %s", where);
            rc = hv_exitcode(r);
            break;
        }
        if (n == cap) {
            struct running *more = realloc(run, (cap + 8) * sizeof *run);
            if (more == NULL) {
                hv_sock_close(s);
                cli_warn(HV_ENOMEM, "accept on %s", where);
                rc = hv_exitcode(HV_ENOMEM);
                break;
            }
            run = more;
            cap += 8;
        }
        hv_addr_format(&peer, run[n].from, sizeof run[n].from);
        if (o->verbose)
            cli_warnx("Connection from %s", run[n].from);
        r = hv_spawn_with_sock(s, o->exec, &run[n].child);
        /* the command has its own copy: the connection ends with it */
        hv_sock_close(s);
        if (r < 0) {
            cli_warn(r, "%s: run '%s'", run[n].from, o->exec);
            rc = hv_exitcode(r);
        } else {
            n++;
        }
        if (!o->keep_open) {
            if (n > 0)
                rc = reap(run, &n, o, 1);
            break;
        }
    }
    if (n > 0)
        reap(run, &n, o, 1);
    free(run);
    return rc;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct hv_addr addr, local, peer;
    struct hv_pump_opts po;
    struct hv_sock *l = NULL;
    char line[HV_ADDR_STRLEN], where[HV_ADDR_STRLEN], from[HV_ADDR_STRLEN];
    const char *vm, *service;
    int c, r, rc = 0;

    hv_console_init(&argc, &argv);
    cli_init("hvlisten");
    memset(&o, 0, sizeof o);
    while ((c = getopt_long(argc, argv, "de:hktvV", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.no_stdin = 1;
            break;
        case 'e':
            o.exec = optarg;
            break;
        case 'k':
            o.keep_open = 1;
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
    if (argc < 1)
        return cli_usage_error(usage, "missing SERVICE operand");
    if (argc > 2)
        return cli_usage_error(usage, "unexpected operand '%s'", argv[2]);
    vm = argc == 2 ? argv[0] : NULL;
    service = argv[argc - 1];

    if ((r = cli_parse_addr(&addr, o.tcp, vm, service, HV_ADDR_LISTEN)) != 0)
        return r;
    if ((r = cli_net_start(o.exec != NULL)) != 0)
        return r;
    hv_addr_format(&addr, where, sizeof where);
    r = hv_sock_listen(&addr, o.keep_open ? 16 : 1, &l);
    if (r < 0) {
        cli_warn(r, "listen %s", where);
        return hv_exitcode(r);
    }
    if (hv_sock_local(l, &local) == 0)
        hv_addr_format(&local, where, sizeof where);
    if (o.verbose)
        cli_warnx("Listening on %s", where);
    if (o.exec) {
        rc = serve_exec(l, &o, where);
        hv_sock_close(l);
        return rc;
    }

    cli_pump_opts(&po, o.no_stdin, o.no_shutdown);
    do {
        struct hv_sock *s = NULL;
        struct hv_pump_result pr;

        r = hv_sock_accept(l, &s, &peer);
        if (r < 0) {
            cli_warn(r, "accept on %s", where);
            rc = hv_exitcode(r);
            break;
        }
        hv_addr_format(&peer, from, sizeof from);
        if (o.verbose)
            cli_warnx("Connection from %s", from);
        r = hv_pump_stdio(s, &po, &pr);
        hv_sock_close(s);
        if (r < 0) {
            rc = cli_pump_error(r, &pr, from);
        } else {
            rc = 0;
            if (o.verbose)
                cli_warnx("Closed %s: %s", from,
                          cli_pump_summary(&pr, line, sizeof line));
        }
        /* once stdout is gone there is nowhere to put the next client's data */
        if (pr.stdout_closed)
            break;
    } while (o.keep_open);
    hv_sock_close(l);
    return rc;
}
