/* cli.h: what every tool shares for talking to the user: the program name,
 * err(3)-style messages, and the standard --help/--version/usage handling. */
#ifndef HV_CLI_H
#define HV_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "hvsock.h"

/* CLI_PRINTF(f, a) on a function whose argument f is a printf format and
 * whose arguments from a on are its values (a = 0 for a va_list): the
 * compiler checks every call. MinGW names the printf it links (the CRT's
 * or its own); MSVC has no such check. */
#if defined(__MINGW32__) && defined(__MINGW_PRINTF_FORMAT)
#define CLI_PRINTF(f, a) __attribute__((format(__MINGW_PRINTF_FORMAT, f, a)))
#elif defined(__GNUC__) || defined(__clang__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

/* The exit-status paragraph of every tool's --help: the codes of
 * hvsock(7) (tests/docs/helpexit.sh holds them to it). */
#define CLI_HELP_EXIT_STATUS                                                  \
    "Exit status: 0 ok, 64 usage, 65 bad operand or data, 68 unknown VM,\n"  \
    "host or name, 69 unavailable or refused, 70 internal, 71 OS error,\n"   \
    "74 I/O error, 75 timeout, 77 permission denied, 130 interrupted\n"     \
    "(see hvsock(7)).\n"

extern const char *cli_prog;

/* Set the program name (after hv_console_init, which prepares stdio and
 * signals). */
void cli_init(const char *prog);
/* Called with the text of every line cli_warnx, cli_warn and
 * cli_usage_error write (without "prog: "), after it is out: a log's
 * copy (log.c). NULL: none. */
void cli_set_line_hook(void (*hook)(const char *text));
/* "prog: <text>" on stderr, the whole line in one write. */
void cli_warnx(const char *fmt, ...) CLI_PRINTF(1, 2);
/* "prog: <text>: <hv_strerror(err)>" on stderr. */
void cli_warn(int err, const char *fmt, ...) CLI_PRINTF(2, 3);
/* "prog: <text>" and "usage hint" on stderr; returns HV_EUSAGE (64). With
 * fmt NULL
 * only the usage (after cli_getopt has said what was wrong). */
int cli_usage_error(const char *usage, const char *fmt, ...) CLI_PRINTF(2, 3);
/* getopt_long, but an unknown option, a missing argument or an argument
 * given to an option that takes none is reported with the program's name
 * ("prog: invalid option -- 'x'", "prog: unrecognized option '--bogus'");
 * returns '?' then, for the caller's usage error. */
int cli_getopt(int argc, char **argv, const char *optstring,
               const struct option *longopts);
/* The tools' text out: n bytes of UTF-8 to f. On Windows stdout (f
 * stdout) or stderr (f stderr) that is a console takes it as UTF-16
 * (hv_console_write), so the console's code page, which every process on
 * it shares, is never changed; any other f, file or pipe gets the bytes
 * as they are (fwrite). Text of whole characters: a sequence cut between
 * two calls shows as U+FFFD on a console. */
void cli_write(FILE *f, const char *s, size_t n);
/* cli_write of the string s. */
void cli_fputs(const char *s, FILE *f);
/* fprintf through cli_write; returns the bytes written (as fprintf). */
int cli_fprintf(FILE *f, const char *fmt, ...) CLI_PRINTF(2, 3);
/* Flush stdout: 0, or "prog: write stdout: ..." and HV_EIO (74). */
int cli_flush_stdout(void);
/* -h/--help: usage and help text on stdout; 0, or HV_EIO when stdout
 * fails. */
int cli_help(const char *usage, const char *help);
/* "prog (hvsock-tools) X.Y.Z" on stdout; 0, or HV_EIO when stdout fails. */
int cli_version(void);
/* Report an address parse failure for the named operand; returns err
 * (exit 65, or 68 for an unknown VM). */
int cli_addr_error(int err, const char *what, const char *text,
                   const char *hint);

/* Parse VM (may be NULL) and SERVICE for the native family or TCP; on a bad
 * operand say which one and why. Returns 0 or the HV_E* code. */
int cli_parse_addr(struct hv_addr *a, int tcp, const char *vm,
                   const char *service, int flags);
/* Network start-up: 0 or the HV_E* code after saying why. */
int cli_net_start(void);
/* The longest line cli_warnx, cli_warn and cli_usage_error write (a
 * longer one is cut): so is a buffer of cli_shown for a message. */
#define CLI_LINE_MAX 2048
/* Text from outside (names, KVP values, registry strings, notes and hints
 * that quote them) fit for a terminal line: control characters (and DEL)
 * as \xNN. Writes what fits of it to buf[n] (NUL-terminated), never half
 * an escape; returns buf. s NULL is "". */
const char *cli_shown(const char *s, char *buf, size_t n);
/* n bytes of text from outside on stdout, as cli_shown writes it, and
 * also every byte that is not part of valid UTF-8 as \xNN (NUL bytes
 * included): a peer's words never reach a terminal as anything else.
 * s[n] must be readable (a NUL ends the walk of a sequence there). */
void cli_put_bytes(const char *s, size_t n);
/* cli_shown of s on stdout, however long. */
void cli_put_text(const char *s);
/* s as a JSON string on stdout (hv_json_quote); with null_if_empty, null
 * for NULL or "" (without it NULL is ""). */
void cli_put_json(const char *s, int null_if_empty);

/* An option's value that is no good ("-w/--timeout 'abc': expected
 * seconds from 1 to 300"): a bad operand like a bad port, so HV_EINVAL
 * (65). */
int cli_value_error(const char *opt, const char *arg, const char *want);

/* How a command ended, for -v lines: "exit status N" or "killed by
 * signal N" (or what failed of the session's own process, hv_child_exit's
 * own) into buf[n]; returns buf. */
const char *cli_child_how(const struct hv_child_exit *st, char *buf,
                          size_t n);
/* A command's end (-e): 0 when it exited with status 0; otherwise
 * "prog: [WHERE: ]command 'CMD' exited with status N" (or "was killed by
 * signal N") on stderr and HV_ECMDFAIL; when the session's own process
 * failed (hv_child_exit's own), what failed, and that error. */
int cli_child_status(const char *where, const char *cmd,
                     const struct hv_child_exit *st);

#endif
