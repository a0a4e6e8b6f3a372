/* hvlisten: listen on a Hyper-V socket (or vsock, TCP, unix socket, named
 * pipe) service, accept a connection and pipe it to stdin/stdout; with -k,
 * serve one after another. With -e each connection goes to a command, and
 * with --to it is relayed to a new connection to another address: both in
 * one process, many at once (--max-conns), through the relay engine. With
 * --systemd the listening socket is the service manager's (socket
 * activation), and under any manager that asks (NOTIFY_SOCKET) it hears
 * READY=1, STATUS=, STOPPING=1 and the watchdog's WATCHDOG=1; on Windows
 * it runs as a service of the service control manager (winsvc.c). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "winsvc.h"

static const char usage[] =
    "usage: hvlisten [-dhktvV] [-e CMD | --to ADDRESS] [-i SECS] [-q SECS]\n"
    "                [--max-conns N] [--drain SECS] [--allow ID] [--deny ID]\n"
    "                [--send-only] [--no-shutdown] [--progress] [--wait-stdin]\n"
    "                [--log FILE [--log-format text|json]] [--syslog]\n"
    "                [-o FILE] [-x FILE]\n"
    "                [--pty [--pty-term TERM] [--pty-size COLSxROWS]\n"
    "                [--term-control]] [VM] SERVICE\n"
    "       hvlisten -t [options] [ADDRESS] PORT\n"
    "       hvlisten -U PATH [--unix-mode OCTAL] [options]\n"
    "       hvlisten --npipe NAME [--pipe-access everyone|SDDL] [options]\n"
    "       hvlisten --hybrid PATH [--unix-mode OCTAL] [options] PORT\n"
    "       hvlisten [options] ADDRESS\n"
    "       hvlisten --systemd [options]\n"
    "       hvlisten --ready [-v] [-w SECS] [-t | -U PATH] [VM] SERVICE\n"
    "       hvlisten --install-service NAME [options] (-e CMD | --to ADDRESS)\n"
    "       hvlisten --remove-service NAME\n";

static const char help[] =
    "Listen on SERVICE, accept a connection from VM and copy stdin to it and\n"
    "it to stdout.\n"
    "\n"
    "  VM       who may connect: wildcard/any (default), children, loopback/local,\n"
    "           parent/host, a VM GUID or name (Windows), a CID (vsock)\n"
    "  SERVICE  a vsock port (decimal or 0x hex; 0 or 'any' picks a free port on\n"
    "           vsock and TCP) or a service GUID; on Windows also a registered\n"
    "           service name\n"
    "  ADDRESS  one word, as -v prints it: hv:VM:SERVICE, vsock:CID:PORT,\n"
    "           tcp:HOST:PORT, unix:PATH, npipe:NAME, hybrid:PATH:PORT\n"
    "\n"
    "      --allow ID      accept only peers matching ID (repeatable): a VM id,\n"
    "                      name or keyword (Hyper-V), a CID (vsock), an address\n"
    "                      or ADDRESS/PREFIX (TCP), a user (unix, named pipes):\n"
    "                      NAME or user:NAME, uid:N (POSIX), sid:SID (Windows)\n"
    "      --deny ID       refuse peers matching ID (repeatable; wins over --allow)\n"
    "      --hybrid PATH   hybrid vsock: listen on PATH_PORT, where the VMM whose\n"
    "                      socket is PATH brings the guest's connects to PORT\n"
    "      --drain SECS    with -e or --to, on SIGINT/SIGTERM accept no more and\n"
    "                      let open connections finish for up to SECS (default:\n"
    "                      cut them at once, with a reset)\n"
    "  -d, --recv-only     do not read stdin; half-close at once (--no-stdin)\n"
    "      --send-only     do not read the connection; end after stdin's EOF\n"
    "  -e, --exec CMD      run CMD (through the shell) for each connection\n"
    "                      (its stdin and stdout; HV_PEER_* and HV_LOCAL_* set)\n"
    "      --install-service NAME  create the Windows service NAME that runs\n"
    "                      hvlisten with the other options (as LocalSystem,\n"
    "                      started on demand: sc start NAME); it logs to the\n"
    "                      event log, or to --log FILE\n"
    "  -i, --idle-timeout SECS  end a session (exit 75) when no byte moved for\n"
    "                      SECS\n"
    "  -k, --keep-open     after a connection, accept the next one (with -e or\n"
    "                      --to: serve many at once)\n"
    "      --keep-alive-on-pause  keep connections while the VM is paused\n"
    "                      (Hyper-V)\n"
    "      --log FILE      append each event (the -v lines) to FILE with\n"
    "                      its time (RFC 3339, UTC)\n"
    "      --log-format FORMAT  text (default) or json: one object a line\n"
    "      --max-conns N   with -e or --to, at most N at once (default 100);\n"
    "                      more wait to be accepted\n"
    "      --pipe-access WHO  who may open the pipe: everyone, or a DACL in\n"
    "                      SDDL (default: SYSTEM, Administrators and you)\n"
    "      --no-hints      print no hints or warnings about the address (also\n"
    "                      HV_NO_HINTS=1)\n"
    "      --no-shutdown   do not half-close after stdin's EOF; the peer's EOF\n"
    "                      ends the session\n"
    "      --npipe NAME    listen on the Windows named pipe NAME\n"
    "      --progress      show bytes, rate and time on stderr\n"
    "      --pty           run -e's CMD on a new pseudo-terminal (a pseudo console\n"
    "                      on Windows), in a session of its own\n"
    "      --pty-size COLSxROWS  the pseudo-terminal's size (default 80x24)\n"
    "      --pty-term TERM  TERM for CMD (default " SESSION_PTY_TERM ")\n"
    "      --ready         wait for a guest's readiness messages (sd_notify\n"
    "                      lines: systemd's vmm.notify_socket): print each\n"
    "                      STATUS= value as a line on stdout, exit 0 at\n"
    "                      READY=1; -w bounds the wait (75; 69 when the last\n"
    "                      sender closed without READY=1)\n"
    "  -o, --output FILE   write every byte relayed, both ways, to FILE too\n"
    "      --remove-service NAME  stop the Windows service NAME if it runs,\n"
    "                      then delete it\n"
    "  -q, --quit-after SECS  after stdin's EOF wait at most SECS for the\n"
    "                      peer's EOF, then end (0: at once)\n"
    "      --service NAME  run as the Windows service NAME: how the service\n"
    "                      control manager starts it (first on the line)\n"
    "      --syslog        send each event to the system log (LOG_DAEMON)\n"
    "      --systemd       serve the listening socket systemd passed (socket\n"
    "                      activation, Accept=no) instead of an address\n"
    "  -t, --tcp           use TCP: VM is the local address to bind, SERVICE a port\n"
    "      --term-control  with --pty: the window size from the client and the\n"
    "                      command's status to it (the same option of hvcat);\n"
    "                      not with -o or -x\n"
    "      --to ADDRESS    relay each connection to ADDRESS: hv:VM:SERVICE,\n"
    "                      vsock:CID:PORT, tcp:HOST:PORT, unix:PATH, npipe:NAME,\n"
    "                      hybrid:PATH:PORT\n"
    "  -U, --unix PATH     listen on the unix domain socket PATH\n"
    "      --unix-mode OCTAL  permissions of the socket file (e.g. 600)\n"
    "  -v, --verbose       report listening and connections on stderr\n"
    "  -w, --timeout SECS  with --to, give up connecting after SECS (1-300);\n"
    "                      with --ready, wait at most SECS for READY=1\n"
    "      --wait-stdin    after the peer's EOF, send stdin to its end however\n"
    "                      long it idles (default: a session ends once the peer\n"
    "                      has closed, on TCP once stdin idles 0.5 s)\n"
    "  -x, --hex-dump FILE write a hex dump of both ways to FILE ('>' sent,\n"
    "                      '<' received; with -k '#N' names the connection)\n"
    "  -h, --help          print this help and exit\n"
    "  -V, --version       print the version and exit\n"
    "\n"
    CLI_HELP_EXIT_STATUS
    "With -e, 74 also when CMD failed.\n";

static const struct option longopts[] = {
    {"allow", required_argument, NULL, OPT_ALLOW},
    {"deny", required_argument, NULL, OPT_DENY},
    {"drain", required_argument, NULL, OPT_DRAIN},
    {"recv-only", no_argument, NULL, 'd'},
    {"no-stdin", no_argument, NULL, 'd'},
    {"send-only", no_argument, NULL, OPT_SEND_ONLY},
    {"exec", required_argument, NULL, 'e'},
    {"idle-timeout", required_argument, NULL, 'i'},
    {"install-service", required_argument, NULL, OPT_INSTALL_SERVICE},
    {"keep-open", no_argument, NULL, 'k'},
    {"keep-alive-on-pause", no_argument, NULL, OPT_KEEP_ON_PAUSE},
    {"log", required_argument, NULL, OPT_LOG},
    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
    {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
    {"hybrid", required_argument, NULL, OPT_HYBRID},
    {"no-hints", no_argument, NULL, OPT_NO_HINTS},
    {"no-shutdown", no_argument, NULL, OPT_NO_SHUTDOWN},
    {"npipe", required_argument, NULL, OPT_NPIPE},
    {"output", required_argument, NULL, 'o'},
    {"hex-dump", required_argument, NULL, 'x'},
    {"pipe-access", required_argument, NULL, OPT_PIPE_ACCESS},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"quit-after", required_argument, NULL, 'q'},
    {"ready", no_argument, NULL, OPT_READY},
    {"remove-service", required_argument, NULL, OPT_REMOVE_SERVICE},
    {"service", required_argument, NULL, OPT_SERVICE},
    {"syslog", no_argument, NULL, OPT_SYSLOG},
    {"systemd", no_argument, NULL, OPT_SYSTEMD},
    {"tcp", no_argument, NULL, 't'},
    {"to", required_argument, NULL, OPT_TO},
    {"unix", required_argument, NULL, 'U'},
    {"unix-mode", required_argument, NULL, OPT_UNIX_MODE},
    {"verbose", no_argument, NULL, 'v'},
    {"timeout", required_argument, NULL, 'w'},
    {"wait-stdin", no_argument, NULL, OPT_WAIT_STDIN},
    {"pty", no_argument, NULL, OPT_PTY},
    {"pty-term", required_argument, NULL, OPT_PTY_TERM},
    {"pty-size", required_argument, NULL, OPT_PTY_SIZE},
    {"term-control", no_argument, NULL, OPT_TERM_CONTROL},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

#define MAX_RULES 64

struct opts {
    struct session_opts so; /* -e and -w too */
    int keep_open;
    const char *to;
    uint32_t max_conns;
    uint32_t drain_ms; /* --drain: on a stop, open pairs may finish */
    unsigned unix_mode;
    const char *pipe_access; /* --pipe-access: NULL, everyone or SDDL */
    int systemd; /* --systemd: the service manager's listening socket */
    int ready;   /* --ready: read a guest's readiness messages */
    const char *log;  /* --log FILE */
    int syslog;       /* --syslog */
    int log_json;     /* --log-format json */
    int log_format_set;
    const char *install_service; /* getopt's pointer into argv */
    const char *remove_service;
    const char *rule[MAX_RULES];
    int rule_allow[MAX_RULES];
    int nrules;
};

#define DEFAULT_MAX_CONNS 100
/* How often -k -e looks for finished commands while nothing else happens,
 * where a command's end is no event (hv_child_events). */
#define REAP_INTERVAL_MS 100
/* Back-off after a transient accept failure (EMFILE and the like). */
#define BACKOFF_FIRST_MS 50u
#define BACKOFF_MAX_MS 1000u

/* One connection served with -e or --to. */
struct conn {
    char from[HV_ADDR_STRLEN];
    struct hv_child *child; /* -e */
    int relayed;            /* its relay pair is still running */
    /* -e short of descriptors for the command: the connection waits
     * here, accepted, until some are free */
    struct hv_sock *waiting;
    int ended; /* its command was ended by us (-i): no error of its own */
    unsigned dump_conn; /* -e -o/-x under -k: its number in the dump */
    struct conn *next;
    /* -e only: the client's address, for its command's environment,
     * which may start later (waiting); allocated with the conn, just
     * after it. A --to connection has none: the listener's memory per
     * connection counts */
    struct hv_addr *peer;
};

struct server {
    const struct opts *o;
    struct hv_sock *l;
    struct hv_filter *filter;
    struct hv_addr target, local;
    char where[HV_ADDR_STRLEN], target_text[HV_ADDR_STRLEN];
    struct hv_relay *relay;
    struct conn *conns;
    size_t active;
    unsigned long served, refused, failed;
    int err; /* the HV_E* code to end with (the last one) */
    /* a VM given by name ("wsl"): its id may change (wsl --shutdown) */
    const char *vm_name, *service;
    struct hv_listen_opts lo;
    uint64_t rebind_at;
    size_t waiting;   /* conns with a command still to start */
    int short_fds;    /* in an episode of too few descriptors (-v: said) */
    uint64_t short_at; /* its last shortage */
    /* the service manager (NOTIFY_SOCKET), or NULL */
    struct hv_notify *nt;
    int nt_failed;     /* a send failed: said once */
    int stopping_said; /* STOPPING=1 is out */
    size_t status_active; /* the count the last STATUS= gave */
    uint32_t wd_ms;    /* WATCHDOG=1 this often (0: no watchdog) */
    uint64_t wd_at;    /* ... next at */
};

/* How often a listener for a VM name looks whether the name now means
 * another VM id (WSL's changes at every restart). */
#define REBIND_CHECK_MS 2000

/* Tell the service manager (when one listens) these KEY=VALUE lines. A
 * failure is said once; serving goes on. */
static void notify(struct server *sv, const char *fmt, ...) CLI_PRINTF(2, 3);
static void notify(struct server *sv, const char *fmt, ...)
{
    char text[HV_ADDR_STRLEN + 128];
    va_list ap;
    int r;

    if (sv->nt == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if ((r = hv_notify_send(sv->nt, text)) < 0 && !sv->nt_failed) {
        sv->nt_failed = 1;
        cli_warn(r, "notify the service manager");
    }
}

/* WATCHDOG=1 when it is due: the loops that wait call this as they come
 * round, so a loop that hangs stops the pings. */
static void watchdog(struct server *sv)
{
    uint64_t now;
    if (sv->wd_ms == 0)
        return;
    now = hv_now_ms();
    if (now < sv->wd_at)
        return;
    sv->wd_at = now + sv->wd_ms;
    notify(sv, "WATCHDOG=1");
}

/* A wait of ms shortened to end when the next WATCHDOG=1 is due. */
static uint32_t watchdog_wait(const struct server *sv, uint32_t ms)
{
    uint64_t now;
    if (sv->wd_ms == 0)
        return ms;
    now = hv_now_ms();
    if (now >= sv->wd_at)
        return 0;
    return sv->wd_at - now < ms ? (uint32_t)(sv->wd_at - now) : ms;
}

/* session_opts' tick, during a stdio session */
static void watchdog_tick(void *ctx)
{
    watchdog(ctx);
}

/* STOPPING=1, once: the service ends (a signal), slowly with --drain. */
static void notify_stopping(struct server *sv)
{
    if (sv->stopping_said)
        return;
    sv->stopping_said = 1;
    notify(sv, "STOPPING=1\nSTATUS=Stopping (%s)",
           hv_stop_signal() ? "signal" : "asked to");
}

/* STATUS= with the count of connections served at once (-e, --to),
 * when it has changed. */
static void notify_count(struct server *sv, uint32_t max)
{
    if (sv->nt == NULL || sv->status_active == sv->active)
        return;
    sv->status_active = sv->active;
    notify(sv, "STATUS=Serving %lu of %lu connections on %s",
           (unsigned long)sv->active, (unsigned long)max, sv->where);
}

/* The VM name now stands for another id: listen there instead. Sessions
 * in flight have their own sockets and go on. */
static void rebind(struct server *sv)
{
    struct hv_addr now;
    enum hv_addr_part bad;
    struct hv_sock *l = NULL;
    char g[HV_GUID_BUFSIZE], hint[HV_ADDR_STRLEN];
    uint64_t t = hv_now_ms();

    /* a listener closed on purpose (its one connection, a stop) stays
     * closed */
    if (sv->vm_name == NULL || sv->l == NULL || t < sv->rebind_at)
        return;
    sv->rebind_at = t + REBIND_CHECK_MS;
    if (hv_addr_parse(&now, HV_FAMILY_HYPERV, sv->vm_name, sv->service,
                      HV_ADDR_LISTEN, &bad, hint, sizeof hint) < 0 ||
        hv_guid_equal(&now.vm_id, &sv->local.vm_id))
        return;
    if (hv_sock_listen(&now, &sv->lo, &l) < 0)
        return; /* the new VM is not up yet: next time */
    hv_sock_close(sv->l);
    sv->l = l;
    sv->local.vm_id = now.vm_id;
    hv_addr_format(&now, sv->where, sizeof sv->where);
    hv_guid_format(&now.vm_id, g);
    log_event("rebound", &(struct log_fields){.local = sv->where},
              "Rebound to %s", g);
}

/* Close the listener on purpose (its one connection is in, or a stop
 * drains): the next client is refused at once, and no rebind reopens it. */
static void stop_listening(struct server *sv)
{
    hv_sock_close(sv->l);
    sv->l = NULL;
}

/* Whether VM is a name (not a keyword, GUID or number) of a Hyper-V VM. */
static int vm_is_name(const struct hv_addr *a, const char *vm)
{
    struct hv_guid g;
    return a->family == HV_FAMILY_HYPERV && vm != NULL &&
           hv_keyword_find(vm) == NULL && hv_guid_parse(vm, &g) < 0;
}

/* --unix-mode: 1 to 4 octal digits up to 777 (no setuid, setgid or sticky
 * bit); *out the mode with HV_UNIX_MODE_SET, so that 000 counts as given */
static int parse_mode(const char *s, unsigned *out)
{
    uint32_t v;
    if (strlen(s) > 4 || hv_parse_octal(s, 0, 0777u, &v) < 0)
        return -1;
    *out = HV_UNIX_MODE_SET | v;
    return 0;
}

/* A transient accept failure: log it, wait, go on serving. */
static int accept_transient(int err)
{
    return err == HV_ENOMEM || err == HV_EOS || err == HV_ECONNABORTED ||
           err == HV_ECONNRESET || err == HV_EMFILE;
}

/* The rules of --allow/--deny, and the VM operand's implicit --allow: 0,
 * or the HV_E* code after saying which is bad. */
static int make_filter(struct server *sv, const char *vm_rule)
{
    char hint[HV_ADDR_STRLEN];
    int i, r;

    for (i = 0; i < sv->o->nrules; i++) {
        r = hv_filter_add(&sv->filter, sv->o->rule_allow[i], sv->local.family,
                          sv->o->rule[i], hint, sizeof hint);
        if (r < 0) {
            cli_addr_error(r, sv->o->rule_allow[i] ? "--allow" : "--deny",
                           sv->o->rule[i], hint);
            return r;
        }
    }
    if (vm_rule) {
        r = hv_filter_add(&sv->filter, 1, sv->local.family, vm_rule, hint,
                          sizeof hint);
        if (r < 0) {
            cli_addr_error(r, "VM", vm_rule, hint);
            return r;
        }
    }
    return 0;
}

/* Whether a freshly accepted peer may stay; a refused one is closed with
 * a reset (hv_sock_abort), so that it never takes the close for a
 * session that ended cleanly. */
static int admit(struct server *sv, struct hv_sock *s, const char *from,
                 const struct hv_addr *peer)
{
    if (hv_filter_check(sv->filter, peer))
        return 1;
    sv->refused++;
    log_event("refused", &(struct log_fields){.peer = from, .local = sv->where},
              "Refused %s (--allow/--deny)", from);
    hv_sock_abort(s);
    return 0;
}

static void conn_forget(struct server *sv, struct conn *c)
{
    struct conn **pp;
    for (pp = &sv->conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    if (c->child)
        hv_child_free(c->child);
    if (c->waiting) {
        hv_sock_close(c->waiting);
        sv->waiting--;
    }
    free(c);
    sv->active--;
}

/* Too few descriptors (EMFILE and the like): accepting pauses, and the
 * clients wait in the backlog; said once an episode (until a second goes
 * by without a shortage), with -v. */
#define SHORT_EPISODE_MS 1000u
static void fds_short(struct server *sv, const char *what)
{
    if (!sv->short_fds)
        log_event("short", NULL, "Out of descriptors (%s): new clients wait",
                  what);
    sv->short_fds = 1;
    sv->short_at = hv_now_ms();
}

/* Report the commands that have ended (all of them, waiting, when
 * wait_all) and forget their connections once their relays are done. */
static void reap(struct server *sv, int wait_all)
{
    struct conn *c, *next;
    struct hv_child_exit st;
    char how[64];
    int r;

    for (c = sv->conns; c; c = next) {
        next = c->next;
        if (c->child == NULL || c->relayed)
            continue;
        if (wait_all) {
            r = hv_child_wait(c->child, &st);
            if (r == 0)
                r = 1;
        } else {
            r = hv_child_poll(c->child, &st);
        }
        if (r == 0)
            continue;
        if (r < 0) {
            cli_warn(r, "client %s: wait for command", c->from);
            sv->err = r;
        } else {
            log_event("closed",
                      &(struct log_fields){.peer = c->from, .local = sv->where},
                      "Closed %s: %s%s", c->from,
                      cli_child_how(&st, how, sizeof how),
                      c->ended ? " (ended: idle timeout)" : "");
            char who[HV_ADDR_STRLEN + 8];
            snprintf(who, sizeof who, "client %s", c->from);
            if (!c->ended && cli_child_status(who, sv->o->so.exec, &st) != 0)
                sv->err = HV_ECMDFAIL;
        }
        conn_forget(sv, c);
    }
}

/* Why a relayed pair failed, naming the side: the client, the backend
 * (--to) or the command (-e); timeouts only with -v. */
static void pair_failed(struct server *sv, const struct conn *c,
                        const struct hv_relay_result *res)
{
    static int hinted; /* the hints of a failed connect were printed */
    int a = res->side == HV_SIDE_A_READ || res->side == HV_SIDE_A_WRITE;
    int b = res->side == HV_SIDE_B_READ || res->side == HV_SIDE_B_WRITE;

    if (res->err == HV_EIDLE) {
        log_event("idle",
                  &(struct log_fields){.peer = c->from, .local = sv->where,
                                       .error = hv_strerror(res->err)},
                  "client %s: %s", c->from, hv_strerror(res->err));
    } else if (res->side == HV_SIDE_B_CONNECT) {
        /* that one client is closed; the listener goes on */
        cli_warn(res->err, "client %s: backend: connect %s", c->from,
                 sv->target_text);
        /* why, once: the next clients fail alike */
        if (!hinted) {
            hinted = 1;
            session_hints(&sv->o->so, &sv->target, HV_DIAG_CONNECT,
                          res->err);
        }
    } else if (sv->o->to && b) {
        cli_warn(res->err, "client %s: backend %s", c->from, sv->target_text);
    } else if (sv->o->so.exec && a) {
        cli_warn(res->err, "client %s: command", c->from);
    } else {
        /* --to's a and -e's b: the client's connection */
        cli_warn(res->err, "client %s", c->from);
    }
}

/* A relayed pair (--to, or -e through pipes) has ended. */
static void pair_done(struct server *sv, const struct hv_relay_event *ev)
{
    struct conn *c = ev->tag;

    c->relayed = 0;
    if (ev->res.err < 0) {
        sv->failed++;
        pair_failed(sv, c, &ev->res);
        if (!sv->o->keep_open)
            sv->err = ev->res.err;
        /* a session -i ended: its command has nothing more to serve */
        if (ev->res.err == HV_EIDLE && c->child) {
            hv_child_kill(c->child);
            c->ended = 1;
        }
    } else if (c->child == NULL) {
        log_event("closed",
                  &(struct log_fields){.peer = c->from, .local = sv->where,
                                       .have_bytes = 1, .sent = ev->res.ba,
                                       .received = ev->res.ab},
                  "Closed %s: sent %llu bytes, received %llu bytes", c->from,
                  (unsigned long long)ev->res.ba,
                  (unsigned long long)ev->res.ab);
    }
    if (c->child == NULL)
        conn_forget(sv, c);
}

/* --to: relay the client to a connection the relay makes (never waiting
 * for it here: a slow backend delays only its own client). */
static void serve_to(struct server *sv, struct conn *c, struct hv_sock *in)
{
    struct hv_connect_opts co;
    struct hv_relay_opts ro;
    struct hv_relay_result res;
    struct hv_stream *a;
    int r;

    memset(&co, 0, sizeof co);
    co.timeout_ms = sv->o->so.timeout_ms;
    co.keep_on_pause = sv->o->so.keep_on_pause;
    log_event("relaying", &(struct log_fields){.peer = c->from,
                                               .local = sv->where},
              "Relaying %s to %s", c->from, sv->target_text);
    session_relay_opts(&sv->o->so, &ro, 0);
    if ((r = hv_stream_from_sock(in, &a)) == 0 &&
        (r = hv_relay_add_connect(sv->relay, a, &sv->target, &co, &ro, c)) ==
            0) {
        c->relayed = 1;
        return;
    }
    /* a target that cannot even be tried (a host name that does not
     * resolve): as a failed connect */
    sv->failed++;
    memset(&res, 0, sizeof res);
    res.err = r;
    res.side = HV_SIDE_B_CONNECT;
    pair_failed(sv, c, &res);
    if (!sv->o->keep_open)
        sv->err = r;
    conn_forget(sv, c);
}

/* -e: start the command on connection s; relay its pipes (or socket pair)
 * where it has them. Short of descriptors, s waits in c->waiting. */
static void serve_exec(struct server *sv, struct conn *c, struct hv_sock *s)
{
    struct hv_exec x;
    struct hv_relay_opts ro;
    int r;

    r = session_exec(&sv->o->so, s, c->peer, &sv->local, &ro, &x);
    c->child = x.child;
    if (r == HV_EMFILE) {
        /* no reset for it: the client waits, accepted, until a session
         * ends or a moment has passed (retry_waiting) */
        if (c->waiting == NULL) {
            c->waiting = s;
            sv->waiting++;
        }
        fds_short(sv, "command");
        return;
    }
    if (c->waiting) {
        c->waiting = NULL;
        sv->waiting--;
    }
    if (r < 0) {
        cli_warn(r, "client %s: run '%s'", c->from, sv->o->so.exec);
        sv->err = r;
        conn_forget(sv, c);
        return;
    }
    if (x.cmd == NULL)
        return; /* the command has the connection itself */
    if (c->dump_conn == 0)
        c->dump_conn = session_dump_next(&sv->o->so);
    ro.dump_conn = c->dump_conn;
    if ((r = hv_relay_add(sv->relay, x.cmd, x.conn, &ro, c)) < 0) {
        cli_warn(r, "client %s", c->from);
        return;
    }
    c->relayed = 1;
}

/* Start the commands of the clients that wait for descriptors, oldest
 * first, until one is still short. */
static void retry_waiting(struct server *sv)
{
    struct conn *c, *last;

    while (sv->waiting) {
        /* the list is newest first: the oldest waiting one is the last */
        last = NULL;
        for (c = sv->conns; c; c = c->next)
            if (c->waiting)
                last = c;
        if (last == NULL)
            break;
        serve_exec(sv, last, last->waiting);
        if (last->waiting)
            break; /* still short */
    }
}

/* What came of accepting one connection. */
enum accepted {
    ACCEPT_SERVED,  /* in, and being served */
    ACCEPT_REFUSED, /* the peer was refused (--allow/--deny) */
    ACCEPT_RETRY,   /* a transient failure: back off, then accept again */
    ACCEPT_FATAL    /* the listener cannot go on (sv->err says why) */
};

/* Accept one connection and serve it. */
static enum accepted accept_one(struct server *sv)
{
    struct hv_addr peer;
    struct hv_sock *s = NULL;
    struct conn *c;
    int r;

    r = hv_sock_accept(sv->l, &s, &peer);
    if (r < 0) {
        if (r == HV_EMFILE) {
            /* the client stays in the backlog until descriptors free up */
            fds_short(sv, "accept");
            return ACCEPT_RETRY;
        }
        if (sv->o->keep_open && accept_transient(r)) {
            cli_warn(r, "accept on %s (retrying)", sv->where);
            return ACCEPT_RETRY;
        }
        if (r != HV_ESTOPPED)
            cli_warn(r, "accept on %s", sv->where);
        sv->err = r;
        return ACCEPT_FATAL;
    }
    c = calloc(1, sizeof *c + (sv->o->so.exec ? sizeof *c->peer : 0));
    if (c == NULL) {
        hv_sock_abort(s);
        cli_warn(HV_ENOMEM, "accept on %s (retrying)", sv->where);
        return ACCEPT_RETRY;
    }
    if (sv->short_fds && hv_now_ms() - sv->short_at > SHORT_EPISODE_MS)
        sv->short_fds = 0; /* the episode of too few descriptors is over */
    if (sv->o->so.exec) {
        c->peer = (struct hv_addr *)(c + 1);
        *c->peer = peer;
    }
    hv_addr_format(&peer, c->from, sizeof c->from);
    log_event("connection", &(struct log_fields){.peer = c->from,
                                                 .local = sv->where},
              "Connection from %s", c->from);
    if (!admit(sv, s, c->from, &peer)) {
        free(c);
        /* not the one connection a listener without -k waits for */
        return ACCEPT_REFUSED;
    }
    sv->served++;
    c->next = sv->conns;
    sv->conns = c;
    sv->active++;
    if (sv->o->to)
        serve_to(sv, c, s);
    else
        serve_exec(sv, c, s);
    return ACCEPT_SERVED;
}

/* serve_many's state between its rounds. */
struct many {
    uint32_t max;      /* --max-conns */
    uint32_t backoff;  /* after transient accept failures */
    int accepted_any, paused, fatal, stopped;
    uint64_t drain_until;  /* --drain: stopped, letting pairs finish */
    uint64_t paused_until; /* accepting waits until then */
};

/* The next round: whether it accepts (*accepting) and how long it may
 * sleep (*wait). 0 when serving is over. */
static int many_plan(struct server *sv, struct many *m, int *accepting,
                     uint32_t *wait)
{
    uint64_t now;

    *wait = HV_RELAY_NO_QUIT;
    /* the commands that ended free their places first: with
     * --max-conns full, a place freed here is one to accept into */
    if (sv->o->so.exec)
        reap(sv, 0);
    *accepting = (sv->o->keep_open || !m->accepted_any) &&
                 sv->active < m->max && !m->fatal && !m->stopped;
    if (!*accepting && sv->active == 0)
        return 0;
    if (!m->stopped)
        notify_count(sv, m->max);
    watchdog(sv);
    /* short of descriptors: the new clients wait in the backlog
     * while the ones in hand wait for theirs (the relay retries its
     * connects by itself; the commands are retried here) */
    if (sv->waiting || hv_relay_starved(sv->relay)) {
        *accepting = 0;
        if (sv->waiting)
            *wait = BACKOFF_FIRST_MS;
        else
            fds_short(sv, "backend connect");
    }
    /* asleep until something happens: a command's end comes as an
     * event where the platform has one (HV_RELAY_CHILD) */
    if (sv->o->so.exec && !hv_child_events() && *wait > REAP_INTERVAL_MS)
        *wait = REAP_INTERVAL_MS;
    else if (sv->vm_name && *wait > REBIND_CHECK_MS)
        *wait = REBIND_CHECK_MS;
    if (m->paused) {
        /* accepting waits; the relays go on */
        now = hv_now_ms();
        *accepting = 0;
        *wait = m->paused_until > now ? (uint32_t)(m->paused_until - now) : 0;
    }
    if (m->drain_until) {
        now = hv_now_ms();
        if (now >= m->drain_until)
            return 0; /* what is left is cut: reset by serve_many */
        if (m->drain_until - now < *wait)
            *wait = (uint32_t)(m->drain_until - now);
    }
    *wait = watchdog_wait(sv, *wait);
    return 1;
}

/* hv_relay_run failed with err: 1 when serving goes on (--drain after a
 * stop), 0 when it is over. */
static int many_failed(struct server *sv, struct many *m, int err)
{
    if (err == HV_ESTOPPED && !m->stopped && sv->o->drain_ms &&
        sv->active > 0) {
        /* --drain: accept no more, let the open connections finish
         * for a while; another stop ends it at once */
        m->stopped = 1;
        m->drain_until = hv_now_ms() + sv->o->drain_ms;
        stop_listening(sv);
        hv_stop_defer();
        notify_stopping(sv);
        log_event("stopping", NULL,
                  "Stopping: %lu connections may finish for %lu s",
                  (unsigned long)sv->active,
                  (unsigned long)(sv->o->drain_ms / 1000u));
        return 1;
    }
    if (err != HV_ESTOPPED) {
        cli_warn(err, "relay");
        sv->err = err;
    } else {
        notify_stopping(sv);
    }
    m->stopped = m->stopped || err == HV_ESTOPPED;
    return 0;
}

/* A client was accepted, refused, or could not be. */
static void many_accepted(struct server *sv, struct many *m, enum accepted a)
{
    switch (a) {
    case ACCEPT_FATAL:
        m->fatal = 1;
        break;
    case ACCEPT_RETRY:
        m->backoff = m->backoff ? m->backoff * 2 : BACKOFF_FIRST_MS;
        if (m->backoff > BACKOFF_MAX_MS)
            m->backoff = BACKOFF_MAX_MS;
        m->paused = 1;
        m->paused_until = hv_now_ms() + m->backoff;
        break;
    case ACCEPT_SERVED:
        m->backoff = 0;
        m->accepted_any = 1;
        /* one connection, one listener (as for stdio) */
        if (!sv->o->keep_open)
            stop_listening(sv);
        break;
    case ACCEPT_REFUSED:
        m->backoff = 0;
        break;
    }
}

/* What hv_relay_run reported. */
static void many_event(struct server *sv, struct many *m,
                       const struct hv_relay_event *ev)
{
    if (ev->kind == HV_RELAY_DONE) {
        pair_done(sv, ev);
        /* its descriptors are free: accept again, start commands */
        m->paused = 0;
        m->backoff = 0;
    } else if (ev->kind == HV_RELAY_ACCEPT) {
        many_accepted(sv, m, accept_one(sv));
    } else if (ev->kind == HV_RELAY_TIMEOUT) {
        /* the pause is over (not only a watchdog's turn): try
         * accepting again */
        if (m->paused && hv_now_ms() >= m->paused_until)
            m->paused = 0;
    } /* HV_RELAY_CHILD: reaped at the top */
    if (sv->waiting && !m->stopped) {
        if (sv->o->so.exec)
            reap(sv, 0); /* a command that ended frees its share */
        retry_waiting(sv);
    }
    if (ev->kind != HV_RELAY_DONE)
        rebind(sv);
}

/* serve_many is over: what is still open ends; 0 or the HV_E* code. */
static int many_end(struct server *sv, struct many *m)
{
    struct conn *c;

    /* stopped by a signal: the commands end with us; the pairs still open
     * are cut with a reset (hv_relay_free), so that no peer takes what it
     * got for a whole stream */
    m->stopped = m->stopped || hv_stopped();
    if (m->stopped)
        for (c = sv->conns; c; c = c->next)
            if (c->child)
                hv_child_kill(c->child);
    if (m->stopped && sv->active)
        log_event("stopped", NULL,
                  "Stopped: %lu connections cut short (reset)",
                  (unsigned long)sv->active);
    hv_relay_free(sv->relay);
    sv->relay = NULL;
    for (c = sv->conns; c; c = c->next)
        c->relayed = 0;
    reap(sv, 1);
    while (sv->conns)
        conn_forget(sv, sv->conns);
    if (sv->o->keep_open)
        log_event("served", NULL,
                  "Served %lu connections, refused %lu, failed %lu",
                  sv->served, sv->refused, sv->failed);
    if (m->stopped)
        return HV_ESTOPPED;
    return sv->err;
}

/* -e and --to: many connections at once through one relay. Without -k
 * one connection, and the result is its own: 0 or the HV_E* code. */
static int serve_many(struct server *sv)
{
    struct many m;
    struct hv_relay_event ev;
    uint32_t wait;
    int accepting, r;

    memset(&m, 0, sizeof m);
    m.max = sv->o->max_conns ? sv->o->max_conns : DEFAULT_MAX_CONNS;
    if ((r = hv_relay_new(&sv->relay)) < 0) {
        cli_warn(r, "relay");
        return r;
    }
    while (many_plan(sv, &m, &accepting, &wait)) {
        r = hv_relay_run(sv->relay, accepting ? sv->l : NULL, wait, &ev);
        if (r < 0) {
            if (many_failed(sv, &m, r))
                continue;
            break;
        }
        many_event(sv, &m, &ev);
    }
    return many_end(sv, &m);
}

/* What the wait for a stdio session's client came to. */
enum waited {
    WAITED_CLIENT, /* a client waits to be accepted */
    WAITED_GONE    /* stdout's reader has gone: nowhere to serve */
};

/* Wait in the relay (sv->relay, watching stdout's reader) for the next
 * client of a stdio session, asleep until then: no timer, unless a VM
 * name may rebind or the watchdog wants its ping. A waited, or the HV_E*
 * code (HV_ESTOPPED after a stop). */
static int stdio_wait(struct server *sv)
{
    struct hv_relay_event ev;
    int r;

    for (;;) {
        watchdog(sv);
        r = hv_relay_run(sv->relay, sv->l,
                         watchdog_wait(sv, sv->vm_name ? REBIND_CHECK_MS
                                                       : HV_RELAY_NO_QUIT),
                         &ev);
        if (r < 0)
            return r;
        if (ev.kind == HV_RELAY_STDOUT_GONE)
            return WAITED_GONE;
        if (ev.kind == HV_RELAY_ACCEPT)
            return WAITED_CLIENT;
        rebind(sv);
    }
}

/* Whether stdout's reader is gone now (the relay's look, without a wait). */
static int stdout_gone_now(struct server *sv)
{
    struct hv_relay_event ev;
    return hv_relay_run(sv->relay, NULL, 0, &ev) == 0 &&
           ev.kind == HV_RELAY_STDOUT_GONE;
}

/* stdio: one connection at a time; 0 or the HV_E* code. */
static int stdio_loop(struct server *sv)
{
    int err = 0, gone = 0, served = 0;

    do {
        struct hv_addr peer;
        struct hv_sock *s = NULL;
        char from[HV_ADDR_STRLEN];
        int r = stdio_wait(sv);

        if (r == WAITED_GONE)
            return err;
        if (r == WAITED_CLIENT)
            r = hv_sock_accept(sv->l, &s, &peer);
        if (r < 0) {
            if (r == HV_ESTOPPED)
                return r;
            if (sv->o->keep_open && accept_transient(r)) {
                cli_warn(r, "accept on %s (retrying)", sv->where);
                rebind(sv);
                continue;
            }
            cli_warn(r, "accept on %s", sv->where);
            return r;
        }
        /* stdout's reader may have gone while this client came in: it is
         * closed unserved with a reset, never told its bytes were
         * taken */
        if (stdout_gone_now(sv)) {
            hv_sock_abort(s);
            return err;
        }
        hv_addr_format(&peer, from, sizeof from);
        log_event("connection",
                  &(struct log_fields){.peer = from, .local = sv->where},
                  "Connection from %s", from);
        if (!admit(sv, s, from, &peer))
            continue; /* a listener without -k waits for one it admits */
        served = 1;
        /* one connection, one listener: the next client is refused at
         * once, not left waiting in a backlog nobody accepts from */
        if (!sv->o->keep_open)
            stop_listening(sv);
        notify(sv, "STATUS=Serving %s", from);
        err = session_stdio(s, &sv->o->so, from, !sv->o->keep_open, &gone);
        if (hv_stopped())
            return HV_ESTOPPED;
        if (sv->o->keep_open && !gone)
            notify(sv, "STATUS=Listening on %s", sv->where);
        /* once stdout is gone there is nowhere to put the next client's
         * data: this session's end is the listener's */
        if (gone)
            break;
    } while (sv->o->keep_open || !served);
    return err;
}

/* Serve with serve (stdio_loop, ready_loop), whose waits for a client
 * are the relay engine's (sv->relay, as -e's and --to's), with stdout's
 * reader leaving one of its events when watch_stdout; 0 or the HV_E*
 * code. */
static int serve_waiting(struct server *sv, int watch_stdout,
                         int (*serve)(struct server *))
{
    int r;

    if ((r = hv_relay_new(&sv->relay)) < 0) {
        cli_warn(r, "relay");
        return r;
    }
    hv_relay_watch_stdout(sv->relay, watch_stdout);
    r = serve(sv);
    hv_relay_free(sv->relay);
    sv->relay = NULL;
    return r;
}

/* --ready: a STATUS= value, as a line on stdout at once */
static void ready_status(void *ctx, const char *value, size_t n)
{
    int *out_failed = ctx;
    if (*out_failed)
        return;
    cli_put_bytes(value, n);
    cli_fputs("\n", stdout);
    if (fflush(stdout) != 0 || ferror(stdout))
        *out_failed = 1;
}

/* --ready: wait for the next sender until the deadline: 1 with *s (its
 * address in from), 0 when none came in time or it was refused or the
 * accept failed for now, or the HV_E* code after saying why. */
static int ready_accept(struct server *sv, uint64_t deadline,
                        struct hv_sock **s, char *from)
{
    struct hv_addr peer;
    struct hv_relay_event ev;
    uint32_t left = HV_RELAY_NO_QUIT;
    uint64_t now = hv_now_ms();
    int r;

    if (sv->o->so.timeout_ms)
        left = now >= deadline ? 0 : (uint32_t)(deadline - now);
    r = hv_relay_run(sv->relay, sv->l, left, &ev);
    if (r == 0 && ev.kind != HV_RELAY_ACCEPT)
        return 0;
    if (r == 0)
        r = hv_sock_accept(sv->l, s, &peer);
    if (r < 0) {
        if (r == HV_ESTOPPED)
            return r;
        if (accept_transient(r)) {
            cli_warn(r, "accept on %s (retrying)", sv->where);
            return 0;
        }
        cli_warn(r, "accept on %s", sv->where);
        return r;
    }
    hv_addr_format(&peer, from, HV_ADDR_STRLEN);
    log_event("connection",
              &(struct log_fields){.peer = from, .local = sv->where},
              "Connection from %s", from);
    return admit(sv, *s, from, &peer);
}

/* --ready: a sender closed (err 0) or reset without READY=1. */
static void ready_closed(struct server *sv, const char *from, int err)
{
    char why[256];
    struct log_fields f = {.peer = from, .local = sv->where};

    f.error = err < 0 ? hv_errtext(err, why, sizeof why) : NULL;
    log_event("closed", &f, "Closed %s without READY=1%s%s", from,
              f.error ? ": " : "", f.error ? f.error : "");
}

/* --ready: read one sender's messages until READY=1 (1), its end of file
 * or a reset (0 or the HV_E* code), or the deadline (HV_ETIMEDOUT). */
static int ready_read(struct server *sv, struct hv_sock *s, uint64_t deadline,
                      int *out_failed)
{
    char buf[4096];
    struct hv_ready p;
    uint32_t left;
    uint64_t now;
    int r;

    hv_ready_init(&p);
    for (;;) {
        now = hv_now_ms();
        left = HV_RELAY_NO_QUIT;
        if (sv->o->so.timeout_ms)
            left = now >= deadline ? 0 : (uint32_t)(deadline - now);
        r = hv_sock_recv(s, buf, sizeof buf, left);
        if (r > 0) {
            hv_ready_feed(&p, buf, (size_t)r, ready_status, out_failed);
            if (p.ready)
                return 1;
            continue;
        }
        if (r == 0)
            hv_ready_end(&p, ready_status, out_failed);
        return p.ready ? 1 : r;
    }
}

/* --ready: read the readiness messages of each sender in turn (systemd
 * connects once per message) until one says READY=1 (0) or -w's deadline
 * passes: HV_EABSENT (69) when the last sender had closed without READY=1
 * and none is connected, else HV_ETIMEDOUT (75). Nothing a sender says is
 * run or interpreted beyond STATUS= and READY=1. */
static int ready_loop(struct server *sv)
{
    const struct opts *o = sv->o;
    uint64_t deadline = hv_now_ms() + o->so.timeout_ms;
    int closed_early = 0, out_failed = 0, r;

    for (;;) {
        struct hv_sock *s = NULL;
        char from[HV_ADDR_STRLEN];

        if (o->so.timeout_ms && hv_now_ms() >= deadline)
            break;
        r = ready_accept(sv, deadline, &s, from);
        if (r == 0)
            continue; /* the deadline (seen at the top), or refused */
        if (r < 0)
            return r;
        r = ready_read(sv, s, deadline, &out_failed);
        hv_sock_close(s);
        if (out_failed) {
            cli_warn(HV_EIO, "write stdout");
            return HV_EIO;
        }
        if (r == 1) {
            log_event("ready",
                      &(struct log_fields){.peer = from, .local = sv->where},
                      "Ready from %s", from);
            return 0;
        }
        if (r == HV_ESTOPPED)
            return r;
        if (r == HV_ETIMEDOUT) {
            /* the deadline passed with a sender still connected */
            closed_early = 0;
            break;
        }
        /* its end of file or a reset: the guest may come back */
        closed_early = 1;
        ready_closed(sv, from, r);
    }
    if (closed_early) {
        cli_warnx("--ready: no READY=1 within %u s: the sender closed "
                  "without it", o->so.timeout_ms / 1000u);
        return HV_EABSENT;
    }
    cli_warnx("--ready: no READY=1 within %u s", o->so.timeout_ms / 1000u);
    return HV_ETIMEDOUT;
}

/* A vsock listener's VM operand says who may connect: the wildcard, this
 * VM's own CID and loopback (1) are bound as they are, any other CID binds
 * the wildcard and becomes an --allow rule. Returns the rule text (in buf)
 * or NULL. */
static const char *vsock_vm_rule(struct hv_addr *a, char *buf, size_t n)
{
    uint32_t own;
    if (a->family != HV_FAMILY_VSOCK || a->cid == HV_CID_ANY ||
        a->cid == HV_CID_LOCAL ||
        (hv_vsock_local_cid(&own) == 0 && a->cid == own))
        return NULL;
    snprintf(buf, n, "%lu", (unsigned long)a->cid);
    a->cid = HV_CID_ANY;
    return buf;
}

/* --systemd: the listening socket the service manager passed, as sv->l
 * and sv->local. 0, or the HV_E* code after saying why not. */
static int take_activated(struct server *sv)
{
    char why[256];
    int r = hv_sock_activated(&sv->l, why, sizeof why);

    if (r < 0) {
        if (why[0])
            cli_warnx("--systemd: %s", why);
        else
            cli_warn(r, "--systemd");
        return r;
    }
    if ((r = hv_sock_local(sv->l, &sv->local)) < 0) {
        cli_warn(r, "--systemd: the passed socket's address");
        hv_sock_close(sv->l);
        sv->l = NULL;
        return r;
    }
    hv_addr_format(&sv->local, sv->where, sizeof sv->where);
    return 0;
}

/* The service manager's channel, where NOTIFY_SOCKET names one: one that
 * cannot be used is said, and the service goes on without it. */
static void open_notify(struct server *sv)
{
    char why[256];
    int r = hv_notify_open(&sv->nt, &sv->wd_ms, why, sizeof why);

    if (r < 0) {
        if (why[0])
            cli_warnx("warning: %s", why);
        else
            cli_warn(r, "warning: NOTIFY_SOCKET");
    }
}

/* main's command line before getopt_long reorders it (--install-service
 * keeps it) */
static int all_argc;
static char **all_argv;

/* The options of how hvlisten runs (--systemd, --ready, a service, its
 * log), as session_option: 1 when c is one and is taken, 0 when it is
 * not one, or the HV_E* code after saying why arg is bad. */
static int mode_option(struct opts *o, int c, const char *arg)
{
    switch (c) {
    case OPT_SYSTEMD:
        o->systemd = 1;
        return 1;
    case OPT_READY:
        o->ready = 1;
        return 1;
    case OPT_INSTALL_SERVICE:
        o->install_service = arg;
        return 1;
    case OPT_REMOVE_SERVICE:
        o->remove_service = arg;
        return 1;
    case OPT_SERVICE:
        return winsvc_misplaced(usage);
    case OPT_LOG:
        o->log = arg;
        return 1;
    case OPT_SYSLOG:
        o->syslog = 1;
        return 1;
    case OPT_LOG_FORMAT:
        if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0)
            return cli_value_error("--log-format", arg,
                                   "text or json");
        o->log_json = strcmp(arg, "json") == 0;
        o->log_format_set = 1;
        return 1;
    default:
    return 0;
    }
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
    while ((c = cli_getopt(argc, argv, "de:hi:ko:q:tU:vVw:x:", longopts)) !=
           -1) {
        if ((r = session_option(&o->so, c, optarg)) == 0)
            r = mode_option(o, c, optarg);
        if (r == 1)
            continue;
        if (r != 0)
            return r;
        switch (c) {
        case 'k':
            o->keep_open = 1;
            break;
        case OPT_TO:
            o->to = optarg;
            break;
        case OPT_DRAIN:
            if (hv_parse_secs(optarg, 1, 86400u, &o->drain_ms) < 0)
                return cli_value_error("--drain", optarg,
                                       "seconds from 1 to 86400");
            break;
        case OPT_MAX_CONNS:
            if (hv_parse_u32(optarg, 1, hv_relay_pairs_max(), &o->max_conns) <
                0) {
                char want[48];
                snprintf(want, sizeof want, "a number from 1 to %lu",
                         (unsigned long)hv_relay_pairs_max());
                return cli_value_error("--max-conns", optarg, want);
            }
            break;
        case OPT_ALLOW:
        case OPT_DENY:
            if (o->nrules == MAX_RULES)
                return cli_usage_error(usage, "at most %d --allow/--deny rules",
                                       MAX_RULES);
            o->rule_allow[o->nrules] = c == OPT_ALLOW;
            o->rule[o->nrules++] = optarg;
            break;
        case OPT_PIPE_ACCESS:
            if (strcmp(optarg, "everyone") != 0 && strncmp(optarg, "D:", 2))
                return cli_value_error("--pipe-access", optarg,
                                       "everyone or a DACL in SDDL (D:...)");
            o->pipe_access = optarg;
            break;
        case OPT_UNIX_MODE:
            if (parse_mode(optarg, &o->unix_mode) < 0)
                return cli_value_error("--unix-mode", optarg,
                                       "octal permissions from 000 to 777");
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

/* The checks between the options and the operands' count: 0, or the
 * HV_E* code after saying why (HV_EUSAGE; --term-control where the
 * library does not speak it, 69). */
static int check_opts(const struct opts *o, int argc, char **argv)
{
    int r;

    if ((r = session_check(&o->so, usage, o->to)) != 0)
        return r;
    if (o->so.pty.control && !o->so.use_pty)
        return cli_usage_error(usage, "--term-control needs --pty");
    if (o->so.pty.control && (o->so.dump_raw || o->so.dump_hex))
        return cli_usage_error(usage, "cannot use --term-control with -o or "
                                      "-x (the dump would hold its frames)");
    if (o->so.pty.control && (r = hv_term_control_available()) < 0) {
        cli_warn(r, "--term-control");
        return r;
    }
    if (o->systemd) {
        /* the socket unit says where, and how the socket is made */
        if (o->so.tcp || o->so.unix_path || o->so.npipe || o->so.hybrid)
            return cli_usage_error(usage, "cannot use %s with --systemd",
                                   o->so.tcp ? "-t" : o->so.unix_path ? "-U"
                                   : o->so.npipe ? "--npipe" : "--hybrid");
        if (o->unix_mode)
            return cli_usage_error(usage, "cannot use --unix-mode with "
                                          "--systemd (SocketMode= sets it)");
        if (o->so.keep_on_pause)
            return cli_usage_error(usage, "cannot use --keep-alive-on-pause "
                                          "with --systemd");
        if (argc > 0)
            return cli_usage_error(usage, "cannot use an address with "
                                          "--systemd (the socket unit has "
                                          "it): '%s'", argv[0]);
    }
    if (o->ready) {
        /* a reader of messages: nothing to relay, run or send */
        const char *no = o->so.exec ? "-e" : o->to ? "--to"
                       : o->keep_open ? "-k"
                       : o->so.npipe ? "--npipe" : o->so.recv_only ? "-d"
                       : o->so.send_only ? "--send-only"
                       : o->so.no_shutdown ? "--no-shutdown"
                       : o->so.wait_stdin ? "--wait-stdin"
                       : o->so.progress ? "--progress"
                       : o->so.idle_ms ? "-i"
                       : o->so.quit_ms != HV_RELAY_NO_QUIT ? "-q"
                       : o->max_conns ? "--max-conns" : o->drain_ms ? "--drain"
                       : o->so.dump_raw ? "-o" : o->so.dump_hex ? "-x" : NULL;
        if (no)
            return cli_usage_error(usage, "cannot use %s with --ready", no);
    }
    if (o->log_format_set && !o->log)
        return cli_usage_error(usage, "--log-format needs --log");
    if (o->log && *o->log == '\0')
        return cli_usage_error(usage, "--log: empty file name");
    /* asked before anything is served: Windows has no syslog(3) */
    if (o->syslog && hv_syslog_open(cli_prog) == HV_ENOTSUP)
        return cli_usage_error(usage, "--syslog is not available on this "
                                      "system: use --log FILE");
    if (o->max_conns && !o->so.exec && !o->to)
        return cli_usage_error(usage, "--max-conns needs -e or --to");
    if (o->drain_ms && !o->so.exec && !o->to)
        return cli_usage_error(usage, "--drain needs -e or --to");
    /* -w bounds the connect of --to: without one it would do nothing */
    if (o->so.timeout_ms && !o->to && !o->ready)
        return cli_usage_error(usage, "-w needs --to or --ready");
    return 0;
}

/* Before the listener: --to's address, the dump, the network, the log.
 * 0, or the HV_E* code after saying why. */
static int prepare(struct server *sv, struct opts *o)
{
    char hint[HV_ADDR_STRLEN];
    int r;

    if (o->to) {
        r = hv_target_parse(&sv->target, o->to, 0, hint, sizeof hint);
        if (r < 0)
            return cli_addr_error(r, "--to", o->to, hint);
        hv_addr_format(&sv->target, sv->target_text, sizeof sv->target_text);
    }
    o->so.dump_named = o->keep_open;
    if ((r = session_dump_open(&o->so)) < 0)
        return r;
    if ((r = cli_net_start()) != 0)
        return r;
    /* a service logs to the event log unless told otherwise */
    if (winsvc_name() && !o->log && !o->syslog &&
        (r = log_use_eventlog(winsvc_name())) != 0)
        return r;
    /* a log that cannot be written is said now, not found out later */
    if ((o->log || o->syslog || winsvc_name()) &&
        (r = log_open(o->log, o->syslog,
                      o->log_json ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT)) != 0)
        return r;
    return 0;
}

/* Listen on addr (unless --systemd passed the listener), with the
 * options of o; a VM operand given by name is watched for a new id. 0 or
 * the HV_E* code after saying why. */
static int listen_on(struct server *sv, struct hv_addr *addr, int argc,
                     char **argv)
{
    const struct opts *o = sv->o;
    struct hv_listen_opts lo;
    int r;

    hv_addr_format(addr, sv->where, sizeof sv->where);
    memset(&lo, 0, sizeof lo);
    /* clients beyond --max-conns wait in the backlog, not refused */
    lo.backlog = o->keep_open ? 1024 : 1;
    lo.unix_mode = o->unix_mode;
    lo.pipe_access = o->pipe_access;
    lo.keep_on_pause = o->so.keep_on_pause;
    sv->lo = lo;
    if (o->keep_open && argc == 2 && vm_is_name(addr, argv[0])) {
        sv->vm_name = argv[0];
        sv->service = argv[1];
        sv->rebind_at = hv_now_ms() + REBIND_CHECK_MS;
    }
    if (!o->systemd) {
        /* what keeps guests away, said before the wait (a Windows host's
         * unregistered service) */
        session_hints(&o->so, addr, HV_DIAG_START, 0);
        r = hv_sock_listen(addr, &lo, &sv->l);
        if (r < 0) {
            char why[256];
            cli_warnx("listen %s: %s%s", sv->where,
                      hv_errtext(r, why, sizeof why), session_hint(addr, r));
            session_hints(&o->so, addr, HV_DIAG_LISTEN, r);
            return r;
        }
        if (hv_sock_local(sv->l, &sv->local) == 0)
            hv_addr_format(&sv->local, sv->where, sizeof sv->where);
    }
    return 0;
}

/* Listening: tell who waits for it, then serve as the options say. 0 or
 * the HV_E* code. */
static int serve_all(struct server *sv)
{
    const struct opts *o = sv->o;
    int r;

    log_event("listening", &(struct log_fields){.local = sv->where},
              "Listening on %s", sv->where);
    /* a client may connect from now on */
    notify(sv, "READY=1\nSTATUS=Listening on %s", sv->where);
    winsvc_ready();
    sv->wd_at = hv_now_ms() + sv->wd_ms;
    if (o->ready)
        r = serve_waiting(sv, 0, ready_loop);
    else if (o->so.exec || o->to)
        r = serve_many(sv);
    else
        r = serve_waiting(sv, 1, stdio_loop);
    if (hv_stop_signal() || hv_stopped())
        notify_stopping(sv);
    return r;
}

/* The checks of the options, and the operands into *addr (unless
 * --systemd); --remove-service and --install-service are done here: 0,
 * DONE after one of those, or the HV_E* code after saying why. */
static int operands(struct opts *o, int argc, char **argv,
                    struct hv_addr *addr)
{
    int r;

    if ((r = check_opts(o, argc, argv)) != 0)
        return r;
    if (o->remove_service) {
        if (all_argc > 3)
            return cli_usage_error(usage, "--remove-service takes nothing "
                                          "else");
        return (r = winsvc_remove(usage, o->remove_service)) < 0 ? r : DONE;
    }
    if (o->install_service) {
        /* a service has no stdin or stdout; its operands are checked as
         * it starts (a VM such as wsl need not run now) */
        if (!o->so.exec && !o->to)
            return cli_usage_error(usage, "--install-service needs -e or "
                                          "--to (a service has no stdio)");
        r = winsvc_install(usage, o->install_service, all_argc, all_argv);
        return r < 0 ? r : DONE;
    }
    if (!o->systemd &&
        (r = session_addr(&o->so, addr, argc, argv, 1, usage)) != 0)
        return r;
    /* -U PATH or a unix:PATH address (a unit's one-word LISTEN=) */
    if (o->unix_mode && (o->systemd || (addr->family != HV_FAMILY_UNIX &&
                                        addr->family != HV_FAMILY_HYBRID)))
        return cli_usage_error(usage, "--unix-mode needs a unix socket "
                                      "address (-U PATH, unix:PATH or "
                                      "--hybrid)");
    if (o->pipe_access && (o->systemd || addr->family != HV_FAMILY_NPIPE))
        return cli_usage_error(usage, "--pipe-access needs a named pipe "
                                      "(--npipe NAME or npipe:NAME)");
    return 0;
}

static int run(int argc, char **argv)
{
    struct opts o;
    struct server sv;
    struct hv_addr addr;
    char cidrule[16];
    const char *vm_rule;
    int r;

    if ((r = parse_opts(&o, argc, argv)) == 0) {
        argc -= optind;
        argv += optind;
        r = operands(&o, argc, argv, &addr);
    }
    if (r != 0)
        return r == DONE ? 0 : hv_exitcode(r);
    memset(&sv, 0, sizeof sv);
    sv.o = &o;
    if ((r = prepare(&sv, &o)) != 0)
        return hv_exitcode(r);
    if (o.systemd) {
        /* first: descriptor 3 is the manager's, not yet one of ours */
        if ((r = take_activated(&sv)) < 0)
            return hv_exitcode(r);
        addr = sv.local;
        vm_rule = NULL;
    } else {
        vm_rule = vsock_vm_rule(&addr, cidrule, sizeof cidrule);
        sv.local = addr;
    }
    session_signals();
    open_notify(&sv);
    o.so.tick = watchdog_tick;
    o.so.tick_ctx = &sv;
    o.so.tick_ms = sv.wd_ms;
    if ((r = make_filter(&sv, vm_rule)) == 0 &&
        (r = listen_on(&sv, &addr, argc, argv)) == 0)
        r = serve_all(&sv);
    hv_sock_close(sv.l);
    hv_filter_free(sv.filter);
    hv_notify_close(sv.nt);
    return hv_exitcode(r);
}

/* the tool, as a command or as a service's body */
static int serve(int argc, char **argv)
{
    int r;

    all_argc = argc;
    all_argv = malloc(((size_t)argc + 1) * sizeof *all_argv);
    if (all_argv == NULL) {
        cli_warn(HV_ENOMEM, "command line");
        return hv_exitcode(HV_ENOMEM);
    }
    memcpy(all_argv, argv, ((size_t)argc + 1) * sizeof *all_argv);
    r = log_close(winsvc_exit(run(argc, argv)));
    free(all_argv);
    return r;
}

int main(int argc, char **argv)
{
    int r;
    cli_init("hvlisten");
    if ((r = hv_console_init(&argc, &argv)) < 0) {
        cli_warn(r, "console set-up");
        return hv_exitcode(r);
    }
    return session_exit(winsvc_dispatch(argc, argv, serve));
}
