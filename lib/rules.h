/* rules.h: the rule book of a relayed pair (rules.c): every rule about how
 * a connection's life goes on and ends, in one portable place, for both
 * engines (relay_posix.c, relay_win.c) to drive. An engine moves bytes; at
 * each event (a source's EOF or error, a failed write, a finished
 * half-close, a tick of the clock) it tells the rule book and does what
 * the answer says. The rules know the streams only by the properties the
 * engine passes in (HV__ENDS_*), never by their kind.
 *
 * A pair is a <-> b; way 0 is a -> b, way 1 is b -> a. The side of an
 * error (enum hv_side) names the stream and whether it was read or
 * written. */
#ifndef HV_RULES_H
#define HV_RULES_H

#include <stdint.h>

#include "hvsock.h"

/* The state of one way (its source -> its destination). */
enum hv__way {
    HV__WAY_COPY = 0,  /* read the source, write the destination */
    HV__WAY_DRAIN,     /* the source is done (its EOF, -q's end, or never
                        * read): what is held goes out, then its EOF is
                        * passed on (hv__rules_empty) */
    HV__WAY_DRAIN_ERR, /* the source broke (a reset): what it gave before
                        * goes out, then the pair ends with its error */
    HV__WAY_DISCARD,   /* the destination failed (stdout): the source is
                        * read to its EOF and dropped, for a while */
    HV__WAY_SHUT       /* done: the EOF was passed on, or there was none
                        * to pass (the destination is broken) */
};

/* What the ends of a pair are like, as the engine sets them from its
 * streams' properties. */
#define HV__ENDS_A_LOCAL 0x1 /* a is this process's stdin/stdout: a failure
                              * of it is not the connection's, whose end
                              * is then clean */
#define HV__ENDS_A_KEPT 0x2  /* a's writing end serves later sessions
                              * (stdout): b's EOF lets it go only with
                              * HV_RELAY_CLOSE_A */
#define HV__ENDS_B_DRAIN 0x4 /* b may be read and dropped when writing a
                              * fails (a connection into stdout): a reset
                              * would destroy what we sent it */
#define HV__ENDS_A_FULL 0x8  /* a has no half-close (a named pipe): its EOF
                              * is its peer's complete close, so nothing
                              * can go into a any more and the pair ends
                              * once a's way is done */
#define HV__ENDS_A_CMD 0x10  /* a is a command's input and output: its
                              * input closing ends only the way into it */
#define HV__ENDS_A_CLOSES 0x20 /* an EOF passed into a can only be a's
                                * close (a named pipe we serve, whose
                                * client reads until we close it): the
                                * pair ends once b's way is done */
#define HV__ENDS_B_CLOSES 0x40 /* the same for b, once a's way is done,
                                * unless a is this process's stdin
                                * (HV__ENDS_A_LOCAL): after stdin's end the
                                * pipe is read until its client closes it,
                                * or -q's time */
/* How b's peer closing it completely (not a half-close) shows, for the
 * gone-peer rule; with none of these it cannot be told (TCP, AF_HYPERV: a
 * close and a half-close look alike), and a -> b idling gone_ms ends the
 * pair instead (socat's rule). */
#define HV__ENDS_B_FULL 0x80 /* b has no half-close: its EOF is that close
                              * (a named pipe, a terminal) */
#define HV__ENDS_B_HUP 0x100 /* as a hang-up, which the engine reports
                              * (hv__rules_b_hup: a unix socket) */
#define HV__ENDS_B_ASK 0x200 /* only to a question (vsock: a send of
                              * nothing fails), which the rule book says
                              * when to ask (HV__DO_ASK) */

/* What the engine does next after hv__rules_empty. */
#define HV__DO_NOTHING 0
#define HV__DO_SHUTDOWN 1 /* pass the EOF on: half-close the destination,
                           * then report with hv__rules_shut_done */
#define HV__DO_ASK 2      /* (hv__rules_gone_check) ask b whether its
                           * peer has closed it completely, and report
                           * with hv__rules_gone_answer */

/* After stdout fails, what the connection still sends is dropped for at
 * most this long (or -q's time) before the pair ends with the error. */
#define HV__DISCARD_MS 5000u

struct hv__rules {
    unsigned flags; /* HV_RELAY_* */
    uint32_t idle_ms, quit_ms, gone_ms;
    unsigned ends; /* HV__ENDS_* */
    enum hv__way way[2];
    int off[2];    /* never read this way's source (send-/receive-only) */
    int rd_err[2]; /* HV__WAY_DRAIN_ERR: the source's error */
    /* a write failed: the error to end with once the other way is done */
    int late_err;
    enum hv_side late_side;
    /* the end: once done, err (0: clean) and where it happened */
    int done, err;
    enum hv_side side;
    int a_closed; /* a's reader went away (stdout | head): a quiet end */
    uint64_t last_io;       /* when a byte last moved either way */
    uint64_t a_moved_at;    /* when a -> b last moved */
    int carried[2];         /* way i moved a byte at all */
    uint64_t quit_at;       /* -q: when b's time to answer is over */
    uint64_t discard_until; /* HV__WAY_DISCARD's bound */
    uint64_t gone_since;    /* since when the gone-peer rule applies */
    uint64_t ask_at;        /* HV__ENDS_B_ASK: when to ask b next */
    uint32_t ask_step;      /* ... and the interval before that */
    int b_hup;              /* the engine saw b hang up */
};

void hv__rules_init(struct hv__rules *r, const struct hv_relay_opts *o,
                    unsigned ends, uint64_t now);
/* Whether way i's source is to be read now (COPY, or DISCARD: dropped). */
int hv__rules_reading(const struct hv__rules *r, int i);
/* Whether way i's source is done (its EOF, an error, -q, never read). */
int hv__rules_src_done(const struct hv__rules *r, int i);
/* Bytes of way i were written out (or dropped) at now. */
void hv__rules_moved(struct hv__rules *r, int i, uint64_t now);
/* Way i's source reached its EOF. */
void hv__rules_eof(struct hv__rules *r, int i);
/* Reading way i's source failed with e while `held` bytes it gave are
 * still to be written. */
void hv__rules_read_err(struct hv__rules *r, int i, int e, int held);
/* Way i's source asked for the pair's end (a terminal's escape, ~.)
 * while `held` bytes it gave are still to be written: those go out, then
 * the pair ends cleanly, not waiting for the other way. */
void hv__rules_hangup(struct hv__rules *r, int i, int held);
/* Way i holds nothing now: what to do (HV__DO_*). Passes a finished
 * source's EOF on, and ends the pair after a broken source's data. */
int hv__rules_empty(struct hv__rules *r, int i, uint64_t now);
/* The half-close hv__rules_empty asked for ended with e (0 or HV_E*). */
void hv__rules_shut_done(struct hv__rules *r, int i, int e, uint64_t now);
/* After b's clean EOF, a reset of b was seen while a may still send:
 * what a sent may be lost. */
void hv__rules_b_reset(struct hv__rules *r, int e);
/* Writing way i's destination failed with e: what it holds is dropped;
 * the source is read on (HV__WAY_DISCARD) or not (HV__WAY_SHUT). */
void hv__rules_write_err(struct hv__rules *r, int i, int e, uint64_t now);
/* a's reader has gone (stdout | head): the quiet end. */
void hv__rules_reader_gone(struct hv__rules *r);
/* Writing way i's destination found no reader (a broken pipe): a
 * command that closed its input (HV__ENDS_A_CMD, way 1) ends that way
 * only, and what b still sends is read and dropped, quietly; otherwise
 * the quiet end of hv__rules_reader_gone. */
void hv__rules_write_gone(struct hv__rules *r, int i, uint64_t now);
/* The pair ends with e at side (first end wins). */
void hv__rules_end(struct hv__rules *r, int e, enum hv_side side);
/* The pair ends as the failed writes say (clean when none failed). */
void hv__rules_end_late(struct hv__rules *r);
/* The rules of time and of the two ways together at now: both ways
 * done, b's EOF that ends a session (HV_RELAY_EOF_ENDS, --no-shutdown),
 * -q's end, -i, the bound of a discard. */
void hv__rules_tick(struct hv__rules *r, uint64_t now);
/* When hv__rules_tick must run without an event (0: never). */
uint64_t hv__rules_due(const struct hv__rules *r);
/* The gone-peer rule (o.gone_ms): it applies while b's EOF is passed on
 * and a still sends; then the pair ends (as hv__rules_end_late) once b's
 * peer has closed b completely, as far as b can tell (HV__ENDS_B_FULL,
 * _HUP, _ASK), or where b cannot tell, once a -> b has idled gone_ms
 * (since the rule's clock started at its first look, or since a's last
 * bytes); never while a still holds bytes for b (a_held: they go out, or
 * fail, first). The engine reports facts: b's hang-up, b's answer, what
 * a holds, the time. */
int hv__rules_gone_applies(const struct hv__rules *r);
/* The poller reported b hung up with no error pending (a complete close
 * where HV__ENDS_B_HUP says so). */
void hv__rules_b_hup(struct hv__rules *r);
/* The rule's look at now (once it applies, its clock starts):
 * HV__DO_ASK when b is to be asked now, else HV__DO_NOTHING (the pair
 * may have ended). */
int hv__rules_gone_check(struct hv__rules *r, int a_held, uint64_t now);
/* What b answered to HV__DO_ASK: 1 its peer has closed it completely (the
 * end), 0 not, or an HV_E* code (a reset: the end with it, writing b). */
void hv__rules_gone_answer(struct hv__rules *r, int g);
/* When the rule must look again without an event (0: never, or only at
 * an event: a hang-up, a's bytes written). */
uint64_t hv__rules_gone_due(const struct hv__rules *r, int a_held);
/* At the pair's end (or when it is freed before it): which streams are
 * closed with a reset (bit 0: a, bit 1: b). Both for a pair cut short or
 * broken by its connection's failure, so that no peer takes what it got
 * for a whole stream; b alone when a's reader left (what b sent had
 * nowhere to go). */
unsigned hv__rules_resets(const struct hv__rules *r);

#endif
