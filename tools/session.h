/* session.h: what hvcat and hvlisten share about a session: the session
 * control options (-e, -w, -d, --send-only, -i, -q, --progress,
 * --no-shutdown), the stdio relay with its summary and errors, progress
 * lines, -e's start, and ending on a signal. */
#ifndef HV_SESSION_H
#define HV_SESSION_H

#include "cli.h"
#include "log.h"

/* Long options without a short form, common to both tools. */
enum {
    OPT_NO_SHUTDOWN = 256,
    OPT_SEND_ONLY,
    OPT_RECV_ONLY,
    OPT_PROGRESS,
    OPT_NPIPE,
    OPT_HYBRID,
    OPT_WAIT,
    OPT_KEEP_ON_PAUSE,
    OPT_TO,
    OPT_MAX_CONNS,
    OPT_ALLOW,
    OPT_DENY,
    OPT_UNIX_MODE,
    OPT_PIPE_ACCESS,
    OPT_WAIT_STDIN,
    OPT_DRAIN,
    OPT_SYSTEMD,
    OPT_READY,
    OPT_LOG,
    OPT_LOG_FORMAT,
    OPT_SYSLOG,
    OPT_SERVICE,
    OPT_INSTALL_SERVICE,
    OPT_REMOVE_SERVICE
};

/* -e on a pseudo-terminal (both tools), hvcat's raw terminal. */
enum {
    OPT_PTY = 600,
    OPT_PTY_TERM,
    OPT_PTY_SIZE,
    OPT_TERM_CONTROL,
    OPT_RAW,
    OPT_ESCAPE
};
#define SESSION_PTY_TERM "xterm-256color"

struct session_opts {
    const char *exec; /* -e CMD */
    uint32_t timeout_ms; /* -w: 0 none */
    int recv_only;   /* -d, --recv-only (--no-stdin) */
    int send_only;   /* --send-only */
    int no_shutdown; /* --no-shutdown */
    int progress;    /* --progress */
    int verbose;     /* -v */
    uint32_t idle_ms; /* -i: 0 none */
    uint32_t quit_ms; /* -q: HV_RELAY_NO_QUIT none */
    /* the transport operand: -t, -U PATH, --npipe NAME, --hybrid PATH
     * (with the guest PORT as operand) */
    int tcp;
    const char *unix_path;
    const char *npipe;
    const char *hybrid;
    int keep_on_pause;
    int wait_stdin; /* --wait-stdin: after the peer's EOF, send stdin to
                     * its end however long it idles */
    int no_hints;   /* --no-hints: no hint lines under an error */
    int dialed;     /* the peer is a listener (hvcat): a reset before any
                     * of its data may be its refusal */
    const char *dump_raw, *dump_hex; /* -o FILE, -x FILE */
    int dump_named; /* each dump record names its connection (-k) */
    struct hv_dump *dump;            /* open: session_dump_open */
    struct hv_pty_opts pty; /* --pty-term, --pty-size */
    int use_pty;            /* --pty */
    /* called at least every tick_ms while a stdio session runs (0:
     * never): the service manager's watchdog (hvlisten) */
    uint32_t tick_ms;
    void (*tick)(void *ctx);
    void *tick_ctx;
};

void session_opts_init(struct session_opts *so);

/* One of the options above: 1 when c (a getopt_long result) was one of
 * them and is taken, 0 when it is not one, or the HV_E* code (exit 65)
 * after saying why arg is bad. */
int session_option(struct session_opts *so, int c, const char *arg);

/* The checks between these options, -e and --to (to: NULL without):
 * 0, or HV_EUSAGE after saying why. */
int session_check(const struct session_opts *so, const char *usage,
                  const char *to);

/* The address operands: VM and SERVICE (vm may be NULL for a listener), or
 * the -U path, or the --npipe name (then argc must be 0), or --hybrid's
 * path with the guest PORT operand. Returns 0 or the
 * HV_E* code after saying why. */
int session_addr(const struct session_opts *so, struct hv_addr *a, int argc,
                 char **argv, int listen, const char *usage);

/* -e: start so->exec for connection s (hv_exec_start) with these options:
 * peer, local (NULL: s's own) for its environment, --pty; *ro gets the
 * options to relay *x's streams with, when it has them: -i, -q, the dump
 * (its dump_conn 0: set it with session_dump_next), and with --pty the
 * gone-peer rule, since a terminal takes no half-close: the peer's EOF
 * ends the session once it has closed, or (TCP) once the command's output
 * idles. Returns as hv_exec_start. */
int session_exec(const struct session_opts *so, struct hv_sock *s,
                 const struct hv_addr *peer, const struct hv_addr *local,
                 struct hv_relay_opts *ro, struct hv_exec *x);
/* With -o/-x under -k (dump_named): the next connection's number in the
 * dump; else 0. */
unsigned session_dump_next(const struct session_opts *so);

/* Install the handlers that end a session cleanly on SIGINT, SIGTERM,
 * SIGHUP (Ctrl+C, Ctrl+Break on Windows). */
void session_signals(void);
/* The tool's exit: the dump closed (a failed one makes 0 into 74); when
 * a signal stopped it, end by that signal (so the shell sees it), else
 * return code. */
int session_exit(int code);

/* Relay stdio <-> s, then close s. Prints the -v "Closed" line,
 * the --progress lines and errors; returns 0 or the HV_E* code. *stdout_gone
 * (may be NULL) says stdout's reader has gone. last: no session follows
 * on this stdout, which is let go of once the peer's EOF is out. */
int session_stdio(struct hv_sock *s, const struct session_opts *so,
                  const char *peer, int last, int *stdout_gone);

/* -o and -x: create the dump files (before any connection), 0 or the
 * HV_E* code after saying why. A later write failure is said at once, the
 * relay goes on without the dump, and session_exit turns a clean end
 * (0) into 74. */
int session_dump_open(struct session_opts *so);

/* Relay options for a session with these flags (stdio with a_is_stdio);
 * with a dump, each call names a new connection (dump_named). */
void session_relay_opts(const struct session_opts *so,
                        struct hv_relay_opts *ro, int a_is_stdio);

/* More about a connect or listen error where the table's text is not
 * enough ("" otherwise), in parentheses on the error line. The Hyper-V
 * and vsock causes are session_hints' lines. */
const char *session_hint(const struct hv_addr *a, int err);

/* --no-hints, a long option of both tools (its value apart from the
 * enum above) */
enum { OPT_NO_HINTS = 512 };
/* After an error line about a (op failed with err), or before a listener
 * waits (HV_DIAG_START, err 0): the diagnosis's hints, one line each,
 * "prog: hint: ..." ("prog: warning: ..." for a warning of its own), the
 * most likely cause first. None with --no-hints, or HV_NO_HINTS set to
 * anything but "" or "0" in the environment. Never changes an exit code. */
void session_hints(const struct session_opts *so, const struct hv_addr *a,
                   enum hv_diag_op op, int err);

/* "sent N bytes, received M bytes" for -v lines. */
const char *session_summary(const struct hv_relay_result *res, char *buf,
                            size_t n);
#endif
