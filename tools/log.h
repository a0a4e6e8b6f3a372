/* log.h: a tool's events with their time (hvlisten --log, --syslog,
 * --log-format json): each event is one line, the words -v prints, to
 * stderr with -v and to the log when one is open. */
#ifndef HV_LOG_H
#define HV_LOG_H

#include <stdint.h>

#include "cli.h" /* CLI_PRINTF */

enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

/* What an event is about, beyond its words; NULL or have_* 0: unknown. */
struct log_fields {
    const char *peer;  /* the peer's address, as -v writes it */
    const char *local; /* the listener's */
    int have_bytes;
    uint64_t sent, received;
    const char *error; /* an error's text */
    int have_exit;
    int exit_code;
};

/* -v: events also go to stderr. */
void log_set_verbose(int verbose);
/* Open the log: path (appended to) or, with syslog, the system log. The
 * start event is written at once, so a log that cannot be written fails
 * here. 0, or the HV_E* code after saying why. */
int log_open(const char *path, int syslog, enum log_format fmt);
/* Write the log to the Windows event log too, under source (a service's
 * name): before log_open. 0, or the HV_E* code after saying why not. */
int log_use_eventlog(const char *source);
/* An event: event is its name in JSON ("listening", "connection", ...);
 * the text is the -v line without the program's name. Written to stderr
 * (with -v) and to the log. */
void log_event(const char *event, const struct log_fields *f,
               const char *fmt, ...) CLI_PRINTF(3, 4);
/* An error or warning line already said on stderr, for the log. */
void log_error_line(const char *text);
/* The exit event with the tool's exit code; then the log is closed.
 * Returns the code, or 74 when it was 0 and a write to the log failed. */
int log_close(int code);

#endif
