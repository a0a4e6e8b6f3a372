/* cli.h: what every tool shares for talking to the user: the program name,
 * err(3)-style messages, and the standard --help/--version/usage handling. */
#ifndef HV_CLI_H
#define HV_CLI_H

#include <stdio.h>

#include "hvsock.h"

#if defined(__GNUC__) || defined(__clang__)
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_PRINTF(a, b)
#endif

extern const char *cli_prog;

/* Set the program name and prepare stdio and signals for a tool. */
void cli_init(const char *prog);
/* "prog: <text>" on stderr. */
void cli_warnx(const char *fmt, ...) CLI_PRINTF(1, 2);
/* "prog: <text>: <hv_strerror(err)>" on stderr. */
void cli_warn(int err, const char *fmt, ...) CLI_PRINTF(2, 3);
/* "prog: <text>" and "usage hint" on stderr; returns 64. */
int cli_usage_error(const char *usage, const char *fmt, ...) CLI_PRINTF(2, 3);
/* -h/--help: usage and help text on stdout; returns 0. */
int cli_help(const char *usage, const char *help);
/* "prog (hvsock-tools) X.Y.Z" on stdout; returns 0. */
int cli_version(void);
/* Parse -w SECONDS (1..300) into milliseconds; 0 or an HV_E* code. */
int cli_parse_timeout(const char *s, unsigned *ms);
/* Report an address parse failure for the named operand; returns the exit
 * code (65, or 68 for an unknown VM). */
int cli_addr_error(int err, const char *what, const char *text,
                   const char *hint);

/* Parse VM (may be NULL) and SERVICE for the native family or TCP; on a bad
 * operand say which one and why. Returns 0 or the exit code. */
int cli_parse_addr(struct hv_addr *a, int tcp, const char *vm,
                   const char *service, int flags);
/* Network start-up: 0 or the exit code after saying why (exec: unused). */
int cli_net_start(int exec);
/* How a command ended, for -v lines: "exit status N" or "killed by
 * signal N" into buf[n]; returns buf. */
const char *cli_child_how(const struct hv_child_exit *st, char *buf,
                          size_t n);
/* A command's end (-e): 0 when it exited with status 0; otherwise
 * "prog: [WHERE: ]command 'CMD' exited with status N" (or "was killed by
 * signal N") on stderr and the exit code of HV_ECMDFAIL. */
int cli_child_status(const char *where, const char *cmd,
                     const struct hv_child_exit *st);

#endif
