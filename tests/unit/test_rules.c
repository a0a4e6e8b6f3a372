/* test_rules.c: the rule book of a relayed pair (lib/rules.c), without
 * sockets: each row of the table starts a pair with some options and ends,
 * feeds it events as an engine would, and states the ways' states, the end
 * (error and side), the resets at the end, and where given the last
 * action, the next due time and the gone-peer rule. The same binary runs
 * natively and under Wine. */
#include <stdint.h>
#include <string.h>

#include "hvsock.h"
#include "rules.h"
#include "ut.h"

enum ev_kind {
    E_NONE = 0,
    E_EOF,      /* way i's source: EOF */
    E_RERR,     /* way i's source: read error e, nothing held */
    E_RERR_HELD, /* the same with bytes still held */
    E_EMPTY,    /* way i holds nothing: the action is kept */
    E_SHUT_OK,  /* the half-close of way i went out */
    E_SHUT_ERR, /* it failed with e */
    E_WERR,     /* writing way i's destination failed with e */
    E_GONE,     /* a's reader went away */
    E_TICK,     /* the clock at t */
    E_MOVED,    /* way i moved bytes at t */
    E_END,      /* the engine ends the pair: e at side i */
    E_GSTART,   /* the gone-peer rule looked at t while a held bytes for
                 * b: its clock starts */
    E_WGONE,    /* writing way i's destination: no reader */
    E_BRESET,   /* b reset after its EOF (e) */
    E_HANGUP,   /* way i's source asked for the end, nothing held */
    E_HANGUP_HELD, /* the same with bytes still held */
    E_GCHECK,   /* the gone-peer rule looked at t, a held = e: the action
                 * is kept */
    E_BHUP,     /* the engine saw b hang up */
    E_GANSWER   /* b answered the rule's question with e */
};

struct ev {
    enum ev_kind k;
    int i;
    int e;
    uint64_t t;
};

#define SKIP (-1)
#define T0 1000u

struct row {
    const char *name;
    unsigned flags;
    uint32_t idle, quit, gone;
    unsigned ends;
    struct ev ev[10];
    /* expected */
    int way0, way1, done, err, side, a_closed, resets;
    int act;         /* of the last E_EMPTY or E_GCHECK, or SKIP */
    long long due;   /* hv__rules_due, or SKIP */
    int gone_on;     /* hv__rules_gone_applies, or SKIP */
    long long gdue;  /* hv__rules_gone_due (a holding nothing), or SKIP */
};

#define NQ HV_RELAY_NO_QUIT
#define C HV__WAY_COPY
#define D HV__WAY_DRAIN
#define DE HV__WAY_DRAIN_ERR
#define X HV__WAY_DISCARD
#define S HV__WAY_SHUT
#define LOCAL HV__ENDS_A_LOCAL
#define KEPT HV__ENDS_A_KEPT
#define DRAIN HV__ENDS_B_DRAIN
/* stdin/stdout <-> a connection, as hvcat's stdio session */
#define STDIO (LOCAL | KEPT | DRAIN)
/* how b's peer's complete close shows: b's EOF (a named pipe), a hang-up
 * (a unix socket), an answer (vsock); none of them: TCP */
#define BFULL HV__ENDS_B_FULL
#define BHUP HV__ENDS_B_HUP
#define BASK HV__ENDS_B_ASK
#define ASK HV__DO_ASK
#define RST HV_ECONNRESET
#define SHUTDOWN HV__DO_SHUTDOWN
#define NOTHING HV__DO_NOTHING
#define NONE HV_SIDE_NONE
#define AR HV_SIDE_A_READ
#define AW HV_SIDE_A_WRITE
#define BR HV_SIDE_B_READ
#define BW HV_SIDE_B_WRITE
#define BC HV_SIDE_B_CONNECT

/* a's EOF passed on as a half-close that went out */
#define A_EOF_OUT {E_EOF, 0, 0, T0}, {E_EMPTY, 0, 0, T0}, {E_SHUT_OK, 0, 0, T0}

static const struct row rows[] = {
    /* ---- EOFs and half-closes */
    {"a's EOF, written out: half-close b", 0, 0, NQ, NQ, 0,
     {{E_EOF, 0, 0, T0}, {E_EMPTY, 0, 0, T0}},
     S, C, 0, 0, NONE, 0, 3, SHUTDOWN, SKIP, SKIP, SKIP},
    {"a's EOF while bytes are held: nothing yet", 0, 0, NQ, NQ, 0,
     {{E_EOF, 0, 0, T0}},
     D, C, 0, 0, NONE, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"both ways passed on: a clean end, no reset", 0, 0, NQ, NQ, 0,
     {A_EOF_OUT, {E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0},
      {E_SHUT_OK, 1, 0, T0}, {E_TICK, 0, 0, T0}},
     S, S, 1, 0, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"b's EOF into stdout that serves later sessions: kept", 0, 0, NQ, NQ,
     STDIO, {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, SKIP, SKIP},
    {"b's EOF with CLOSE_A: stdout let go of", HV_RELAY_CLOSE_A, 0, NQ, NQ,
     STDIO, {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}},
     C, S, 0, 0, NONE, 0, 3, SHUTDOWN, SKIP, SKIP, SKIP},
    {"b's EOF into a connection (--to): half-closed", 0, 0, NQ, NQ, 0,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}},
     C, S, 0, 0, NONE, 0, 3, SHUTDOWN, SKIP, SKIP, SKIP},
    {"--no-shutdown: a's EOF not passed on", HV_RELAY_NO_SHUTDOWN, 0, NQ,
     NQ, STDIO, {{E_EOF, 0, 0, T0}, {E_EMPTY, 0, 0, T0}},
     S, C, 0, 0, NONE, 0, 3, NOTHING, SKIP, SKIP, SKIP},
    {"--no-shutdown: b's EOF ends the session", HV_RELAY_NO_SHUTDOWN, 0, NQ,
     NQ, STDIO,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_TICK, 0, 0, T0}},
     C, S, 1, 0, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"a terminal on stdin: b's EOF ends the session", HV_RELAY_EOF_ENDS, 0,
     NQ, NQ, STDIO,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_TICK, 0, 0, T0}},
     C, S, 1, 0, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"a terminal: a's EOF alone does not end it", HV_RELAY_EOF_ENDS, 0, NQ,
     NQ, STDIO, {A_EOF_OUT, {E_TICK, 0, 0, T0}},
     S, C, 0, 0, NONE, 0, 3, SKIP, SKIP, SKIP, SKIP},
    /* ---- resets and read errors */
    {"a reset read while bytes are held: they go out first", 0, 0, NQ, NQ,
     STDIO, {{E_RERR_HELD, 1, RST, T0}},
     C, DE, 0, 0, NONE, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"...then the reset ends it (74), a reset both ways", 0, 0, NQ, NQ,
     STDIO, {{E_RERR_HELD, 1, RST, T0}, {E_EMPTY, 1, 0, T0}},
     C, DE, 1, RST, BR, 0, 3, NOTHING, SKIP, SKIP, SKIP},
    {"a reset with nothing held: the end at once", 0, 0, NQ, NQ, STDIO,
     {{E_RERR, 1, RST, T0}},
     C, C, 1, RST, BR, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"a's EOF while b's reset data drains: the reset still ends it", 0, 0,
     NQ, NQ, STDIO,
     {{E_RERR_HELD, 1, RST, T0}, A_EOF_OUT, {E_TICK, 0, 0, T0},
      {E_EMPTY, 1, 0, T0}},
     S, DE, 1, RST, BR, 0, 3, NOTHING, SKIP, SKIP, SKIP},
    {"stdin fails: the error, the connection closed cleanly", 0, 0, NQ, NQ,
     STDIO, {{E_RERR, 0, HV_EIO, T0}},
     C, C, 1, HV_EIO, AR, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"--to: the client resets: passed on to the backend", 0, 0, NQ, NQ, 0,
     {{E_RERR, 0, RST, T0}},
     C, C, 1, RST, AR, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"the first end is the one reported", 0, 0, NQ, NQ, 0,
     {{E_END, 0, HV_EIO, T0}, {E_RERR, 1, RST, T0}},
     C, C, 1, HV_EIO, AR, 0, 3, SKIP, SKIP, SKIP, SKIP},
    /* ---- failed writes */
    {"writing b fails: a's way is over, b's goes on", 0, 0, NQ, NQ, STDIO,
     {{E_WERR, 0, RST, T0}},
     S, C, 0, 0, NONE, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"...then b's EOF: the end with the write's error", 0, 0, NQ, NQ, STDIO,
     {{E_WERR, 0, RST, T0}, {E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0},
      {E_TICK, 0, 0, T0}},
     S, S, 1, RST, BW, 0, 3, NOTHING, SKIP, SKIP, SKIP},
    {"a half-close refused after a reset: b's data still comes", 0, 0, NQ,
     NQ, STDIO,
     {{E_MOVED, 0, 0, T0}, {E_EOF, 0, 0, T0}, {E_EMPTY, 0, 0, T0},
      {E_SHUT_ERR, 0, RST, T0}},
     S, C, 0, 0, NONE, 0, 3, SHUTDOWN, SKIP, SKIP, SKIP},
    {"...then it ends with the reset (74), not cleanly", 0, 0, NQ, NQ, STDIO,
     {{E_MOVED, 0, 0, T0}, {E_EOF, 0, 0, T0}, {E_EMPTY, 0, 0, T0},
      {E_SHUT_ERR, 0, RST, T0}, {E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0},
      {E_TICK, 0, 0, T0}},
     S, S, 1, RST, BW, 0, 3, NOTHING, SKIP, SKIP, SKIP},
    {"...a way that carried nothing: its peer's reset lost nothing", 0, 0,
     NQ, NQ, STDIO,
     {{E_EOF, 0, 0, T0}, {E_EMPTY, 0, 0, T0}, {E_SHUT_ERR, 0, RST, T0},
      {E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_TICK, 0, 0, T0}},
     S, S, 1, 0, NONE, 0, 0, NOTHING, SKIP, SKIP, SKIP},
    {"b reset after its EOF while a sends, a sent bytes: that reset", 0, 0,
     NQ, NQ, STDIO,
     {{E_MOVED, 0, 0, T0}, {E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0},
      {E_BRESET, 0, RST, T0}},
     C, S, 1, RST, BW, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"...a sent nothing yet: no loss, not the end", 0, 0, NQ, NQ, STDIO,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_BRESET, 0, RST, T0}},
     C, S, 0, 0, NONE, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"stdout fails while the connection sends: drained and dropped", 0, 0,
     NQ, NQ, STDIO, {{E_WERR, 1, HV_EIO, T0}},
     C, X, 0, 0, NONE, 0, 3, SKIP, T0 + HV__DISCARD_MS, SKIP, SKIP},
    {"...stdin still goes out whole; b's EOF: the error (74)", 0, 0, NQ, NQ,
     STDIO,
     {{E_WERR, 1, HV_EIO, T0}, A_EOF_OUT, {E_EOF, 1, 0, T0},
      {E_TICK, 0, 0, T0}},
     S, S, 1, HV_EIO, AW, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"the drop is bounded: 5 s, then the error", 0, 0, NQ, NQ, STDIO,
     {{E_WERR, 1, HV_EIO, T0}, {E_TICK, 0, 0, T0 + HV__DISCARD_MS}},
     C, X, 1, HV_EIO, AW, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"not before the bound", 0, 0, NQ, NQ, STDIO,
     {{E_WERR, 1, HV_EIO, T0}, {E_TICK, 0, 0, T0 + HV__DISCARD_MS - 1}},
     C, X, 0, 0, NONE, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"the bound is -q's time when given", 0, 0, 2000, NQ, STDIO,
     {{E_WERR, 1, HV_EIO, T0}, {E_TICK, 0, 0, T0 + 2000}},
     C, X, 1, HV_EIO, AW, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"dropping, the connection resets: stdout's error stays", 0, 0, NQ, NQ,
     STDIO, {{E_WERR, 1, HV_EIO, T0}, {E_RERR, 1, RST, T0}},
     C, X, 1, HV_EIO, AW, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"writing a fails where b is no drainable connection: that way ends",
     0, 0, NQ, NQ, 0, {{E_WERR, 1, HV_EPIPE, T0}},
     C, S, 0, 0, NONE, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"writing a fails after a's way ended: the end, with the error", 0, 0,
     NQ, NQ, 0, {A_EOF_OUT, {E_WERR, 1, HV_EPIPE, T0}},
     S, S, 1, HV_EPIPE, AW, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"stdout's reader leaves (| head): a quiet end, b reset", 0, 0, NQ, NQ,
     STDIO, {{E_GONE, 0, 0, T0}},
     C, C, 1, 0, NONE, 1, 2, SKIP, SKIP, SKIP, SKIP},
    {"the reader leaves after an error: the error stays", 0, 0, NQ, NQ,
     STDIO, {{E_RERR, 1, RST, T0}, {E_GONE, 0, 0, T0}},
     C, C, 1, RST, BR, 0, 3, SKIP, SKIP, SKIP, SKIP},
    /* ---- -q */
    {"-q 0: after a's EOF is out, b is not read", 0, 0, 0, NQ, STDIO,
     {A_EOF_OUT, {E_TICK, 0, 0, T0}},
     S, D, 0, 0, NONE, 0, 3, SKIP, 0, SKIP, SKIP},
    {"-q 0: what b gave is written, then a clean end", 0, 0, 0, NQ, STDIO,
     {A_EOF_OUT, {E_TICK, 0, 0, T0}, {E_EMPTY, 1, 0, T0},
      {E_TICK, 0, 0, T0}},
     S, S, 1, 0, NONE, 0, 0, NOTHING, SKIP, SKIP, SKIP},
    {"-q 3: b read until then", 0, 0, 3000, NQ, STDIO,
     {A_EOF_OUT, {E_TICK, 0, 0, T0 + 2999}},
     S, C, 0, 0, NONE, 0, 3, SKIP, T0 + 3000, SKIP, SKIP},
    {"-q 3: no more from b after", 0, 0, 3000, NQ, STDIO,
     {A_EOF_OUT, {E_TICK, 0, 0, T0 + 3000}},
     S, D, 0, 0, NONE, 0, 3, SKIP, 0, SKIP, SKIP},
    {"-q: b's EOF first: a clean end", 0, 0, 3000, NQ, STDIO,
     {A_EOF_OUT, {E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0},
      {E_TICK, 0, 0, T0 + 10}},
     S, S, 1, 0, NONE, 0, 0, NOTHING, SKIP, SKIP, SKIP},
    {"-q starts only when a's EOF went out (--no-shutdown: never)",
     HV_RELAY_NO_SHUTDOWN, 0, 0, NQ, STDIO,
     {{E_EOF, 0, 0, T0}, {E_EMPTY, 0, 0, T0}, {E_TICK, 0, 0, T0 + 10}},
     S, C, 0, 0, NONE, 0, 3, NOTHING, 0, SKIP, SKIP},
    /* ---- -i */
    {"-i 2: nothing moved for 2 s: idle end (75), no reset", 0, 2000, NQ,
     NQ, STDIO, {{E_TICK, 0, 0, T0 + 2000}},
     C, C, 1, HV_EIDLE, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"-i 2: its due time", 0, 2000, NQ, NQ, STDIO, {{E_TICK, 0, 0, T0}},
     C, C, 0, 0, NONE, 0, 3, SKIP, T0 + 2000, SKIP, SKIP},
    {"-i 2: a byte either way starts the clock again", 0, 2000, NQ, NQ,
     STDIO, {{E_MOVED, 1, 0, T0 + 1500}, {E_TICK, 0, 0, T0 + 2000}},
     C, C, 0, 0, NONE, 0, 3, SKIP, T0 + 3500, SKIP, SKIP},
    {"-i: then idle again: the end", 0, 2000, NQ, NQ, STDIO,
     {{E_MOVED, 0, 0, T0 + 1500}, {E_TICK, 0, 0, T0 + 3500}},
     C, C, 1, HV_EIDLE, NONE, 0, 0, SKIP, 0, SKIP, SKIP},
    /* ---- send-only, receive-only */
    {"send-only: b never read, nothing passed into stdout",
     HV_RELAY_A_TO_B_ONLY, 0, NQ, NQ, STDIO, {{E_EMPTY, 1, 0, T0}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, SKIP, SKIP},
    {"send-only: done after a's EOF and b's half-close",
     HV_RELAY_A_TO_B_ONLY, 0, NQ, NQ, STDIO,
     {{E_EMPTY, 1, 0, T0}, A_EOF_OUT, {E_TICK, 0, 0, T0}},
     S, S, 1, 0, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"receive-only: b half-closed at once", HV_RELAY_B_TO_A_ONLY, 0, NQ, NQ,
     STDIO, {{E_EMPTY, 0, 0, T0}},
     S, C, 0, 0, NONE, 0, 3, SHUTDOWN, SKIP, SKIP, SKIP},
    {"receive-only: b's EOF ends it", HV_RELAY_B_TO_A_ONLY, 0, NQ, NQ, STDIO,
     {{E_EMPTY, 0, 0, T0}, {E_SHUT_OK, 0, 0, T0}, {E_EOF, 1, 0, T0},
      {E_EMPTY, 1, 0, T0}, {E_TICK, 0, 0, T0}},
     S, S, 1, 0, NONE, 0, 0, NOTHING, SKIP, SKIP, SKIP},
    /* ---- the gone-peer rule */
    {"gone rule: applies once b's EOF is out and a sends on", 0, 0, NQ, 500,
     STDIO, {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, 1, 0},
    {"gone rule: not without gone_ms", 0, 0, NQ, NQ, STDIO,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, 0, SKIP},
    {"gone rule: not before b's EOF is out", 0, 0, NQ, 500, STDIO,
     {{E_EOF, 1, 0, T0}},
     C, D, 0, 0, NONE, 0, 3, SKIP, SKIP, 0, SKIP},
    {"gone rule: not once a's EOF is out too", 0, 0, NQ, 500, STDIO,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, A_EOF_OUT},
     S, S, 0, 0, NONE, 0, 3, SKIP, SKIP, 0, SKIP},
    {"gone rule: not in send-only (b never read)", HV_RELAY_A_TO_B_ONLY, 0,
     NQ, 500, STDIO, {{E_EMPTY, 1, 0, T0}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, 0, SKIP},
    {"gone rule: due gone_ms after a -> b last moved", 0, 0, NQ, 500, STDIO,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GSTART, 0, 0, T0 + 100},
      {E_MOVED, 0, 0, T0 + 300}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, 1, T0 + 800},
    {"gone rule: or after it started, if a moved before", 0, 0, NQ, 500,
     STDIO,
     {{E_MOVED, 0, 0, T0 + 50}, {E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0},
      {E_GSTART, 0, 0, T0 + 100}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, 1, T0 + 600},
    {"gone check: b's peer closed completely (a pipe): a clean end", 0, 0,
     NQ, 500, STDIO | BFULL,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 0, T0 + 10}},
     C, S, 1, 0, NONE, 0, 0, NOTHING, SKIP, 0, SKIP},
    {"...not while a still holds bytes for b: its clock starts", 0, 0, NQ,
     500, STDIO | BFULL,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 1, T0 + 10}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, 1, T0 + 510},
    {"gone check: a close unseen (TCP): not before gone_ms", 0, 0, NQ, 500,
     STDIO,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 0, T0 + 100},
      {E_GCHECK, 0, 0, T0 + 599}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, 1, T0 + 600},
    {"...and at gone_ms: a clean end", 0, 0, NQ, 500, STDIO,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 0, T0 + 100},
      {E_GCHECK, 0, 0, T0 + 600}},
     C, S, 1, 0, NONE, 0, 0, NOTHING, SKIP, 0, SKIP},
    {"...with a failed write's error, where one failed", 0, 0, NQ, 500,
     BFULL, {{E_WERR, 1, HV_EIO, T0}, {E_GCHECK, 0, 0, T0 + 10}},
     C, S, 1, HV_EIO, AW, 0, 3, SKIP, SKIP, 0, SKIP},
    {"gone check: nothing before b's EOF is out", 0, 0, NQ, 500,
     STDIO | BFULL, {{E_EOF, 1, 0, T0}, {E_GCHECK, 0, 0, T0 + 10}},
     C, D, 0, 0, NONE, 0, 3, SKIP, SKIP, 0, 0},
    /* b's close seen as a hang-up (a unix socket) */
    {"gone (hang-up): none yet, no end by time, no timer", 0, 0, NQ, 500,
     STDIO | BHUP,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 0, T0 + 10},
      {E_GCHECK, 0, 0, T0 + 5000}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, 1, 0},
    {"...b hangs up: a clean end at the next look", 0, 0, NQ, 500,
     STDIO | BHUP,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 0, T0 + 10},
      {E_BHUP, 0, 0, T0}, {E_GCHECK, 0, 0, T0 + 20}},
     C, S, 1, 0, NONE, 0, 0, NOTHING, SKIP, 0, SKIP},
    {"...not while a still holds bytes for b", 0, 0, NQ, 500, STDIO | BHUP,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_BHUP, 0, 0, T0},
      {E_GCHECK, 0, 1, T0 + 10}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, 1, SKIP},
    {"...with a failed write's error, where one failed", 0, 0, NQ, 500,
     BHUP,
     {{E_WERR, 1, HV_EIO, T0}, {E_BHUP, 0, 0, T0}, {E_GCHECK, 0, 0, T0}},
     C, S, 1, HV_EIO, AW, 0, 3, NOTHING, SKIP, 0, SKIP},
    {"gone (TCP): a hang-up tells nothing, gone_ms does", 0, 0, NQ, 500,
     STDIO,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_BHUP, 0, 0, T0},
      {E_GCHECK, 0, 0, T0 + 10}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, 1, T0 + 510},
    /* b's close seen only when asked (vsock) */
    {"gone (asked): asked at the first look", 0, 0, NQ, 500, STDIO | BASK,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 0, T0 + 10}},
     C, S, 0, 0, NONE, 0, 3, ASK, SKIP, 1, T0 + 60},
    {"...not again before 50 ms", 0, 0, NQ, 500, STDIO | BASK,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 0, T0},
      {E_GANSWER, 0, 0, T0}, {E_GCHECK, 0, 0, T0 + 49}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, 1, T0 + 50},
    {"...then after 50, 100, 200 ms", 0, 0, NQ, 500, STDIO | BASK,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 0, T0},
      {E_GANSWER, 0, 0, T0}, {E_GCHECK, 0, 0, T0 + 50},
      {E_GANSWER, 0, 0, T0}, {E_GCHECK, 0, 0, T0 + 150},
      {E_GANSWER, 0, 0, T0}},
     C, S, 0, 0, NONE, 0, 3, ASK, SKIP, 1, T0 + 350},
    {"...then every 500 ms at most", 0, 0, NQ, 500, STDIO | BASK,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 0, T0},
      {E_GCHECK, 0, 0, T0 + 50}, {E_GCHECK, 0, 0, T0 + 150},
      {E_GCHECK, 0, 0, T0 + 350}, {E_GCHECK, 0, 0, T0 + 750},
      {E_GCHECK, 0, 0, T0 + 1250}},
     C, S, 0, 0, NONE, 0, 3, ASK, SKIP, 1, T0 + 1750},
    {"...and never by time alone", 0, 0, NQ, 500, STDIO | BASK,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 0, T0},
      {E_GANSWER, 0, 0, T0}, {E_GCHECK, 0, 0, T0 + 5000},
      {E_GANSWER, 0, 0, T0 + 5000}},
     C, S, 0, 0, NONE, 0, 3, ASK, SKIP, 1, T0 + 5100},
    {"...not while a still holds bytes for b: asked once it holds none", 0,
     0, NQ, 500, STDIO | BASK,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 1, T0},
      {E_GCHECK, 0, 0, T0 + 1}},
     C, S, 0, 0, NONE, 0, 3, ASK, SKIP, 1, T0 + 51},
    {"...b's peer has closed: a clean end", 0, 0, NQ, 500, STDIO | BASK,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 0, T0},
      {E_GANSWER, 0, 1, T0}},
     C, S, 1, 0, NONE, 0, 0, ASK, SKIP, 0, SKIP},
    {"...b was reset: the end with it, writing b (74)", 0, 0, NQ, 500,
     STDIO | BASK,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 0, T0},
      {E_GANSWER, 0, RST, T0}},
     C, S, 1, RST, BW, 0, 3, ASK, SKIP, 0, SKIP},
    {"...closed after a failed write: that write's error", 0, 0, NQ, 500,
     BASK,
     {{E_WERR, 1, HV_EIO, T0}, {E_GCHECK, 0, 0, T0}, {E_GANSWER, 0, 1, T0}},
     C, S, 1, HV_EIO, AW, 0, 3, ASK, SKIP, 0, SKIP},
    {"...not asked without gone_ms (--wait-stdin)", 0, 0, NQ, NQ,
     STDIO | BASK,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_GCHECK, 0, 0, T0}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, 0, 0},
    /* ---- a command's input, a named pipe */
    {"a command closes its input: b's data dropped, quietly", 0, 0, NQ, NQ,
     HV__ENDS_A_CMD, {{E_WGONE, 1, 0, T0}},
     C, X, 0, 0, NONE, 0, 3, SKIP, T0 + HV__DISCARD_MS, SKIP, SKIP},
    {"...its output ends, then the client's EOF: a clean end", 0, 0, NQ, NQ,
     HV__ENDS_A_CMD,
     {{E_WGONE, 1, 0, T0}, A_EOF_OUT, {E_EOF, 1, 0, T0}, {E_TICK, 0, 0, T0}},
     S, S, 1, 0, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"...the drop's bound while it still writes: b no longer read", 0, 0,
     NQ, NQ, HV__ENDS_A_CMD,
     {{E_WGONE, 1, 0, T0}, {E_TICK, 0, 0, T0 + HV__DISCARD_MS}},
     C, S, 0, 0, NONE, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"...then its output's EOF out: a clean end", 0, 0, NQ, NQ,
     HV__ENDS_A_CMD,
     {{E_WGONE, 1, 0, T0}, {E_TICK, 0, 0, T0 + HV__DISCARD_MS}, A_EOF_OUT,
      {E_TICK, 0, 0, T0 + HV__DISCARD_MS}},
     S, S, 1, 0, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"...or the drop's bound after its output ended: a clean end", 0, 0,
     NQ, NQ, HV__ENDS_A_CMD,
     {{E_WGONE, 1, 0, T0}, A_EOF_OUT, {E_TICK, 0, 0, T0 + HV__DISCARD_MS}},
     S, X, 1, 0, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"a command gone with the client's EOF in and bytes held: way done",
     0, 0, NQ, NQ, HV__ENDS_A_CMD, {{E_EOF, 1, 0, T0}, {E_WGONE, 1, 0, T0}},
     C, S, 0, 0, NONE, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"...its output's EOF out too: a clean end", 0, 0, NQ, NQ,
     HV__ENDS_A_CMD,
     {{E_EOF, 1, 0, T0}, {E_WGONE, 1, 0, T0}, A_EOF_OUT, {E_TICK, 0, 0, T0}},
     S, S, 1, 0, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"...its output done first: the end at once", 0, 0, NQ, NQ,
     HV__ENDS_A_CMD,
     {A_EOF_OUT, {E_EOF, 1, 0, T0}, {E_WGONE, 1, 0, T0}},
     S, S, 1, 0, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"...a reset after the held bytes: the client's reset ends it", 0, 0,
     NQ, NQ, HV__ENDS_A_CMD,
     {{E_RERR_HELD, 1, RST, T0}, {E_WGONE, 1, 0, T0}},
     C, DE, 1, RST, BR, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"-i: a clock read before a thread moved bytes is no idle time", 0,
     30000, NQ, NQ, 0, {{E_MOVED, 0, 0, T0 + 16}, {E_TICK, 0, 0, T0}},
     C, C, 0, 0, NONE, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"stdout's reader gone on a write: the quiet end", 0, 0, NQ, NQ, STDIO,
     {{E_WGONE, 1, 0, T0}},
     C, C, 1, 0, NONE, 1, 2, SKIP, SKIP, SKIP, SKIP},
    {"a named pipe's EOF: the pair ends once a's way is out", 0, 0, NQ, NQ,
     HV__ENDS_A_FULL, {A_EOF_OUT, {E_TICK, 0, 0, T0}},
     S, C, 1, 0, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"a half-closing a: its EOF alone does not end it", 0, 0, NQ, NQ, 0,
     {A_EOF_OUT, {E_TICK, 0, 0, T0}},
     S, C, 0, 0, NONE, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"a named pipe a never read (receive-only): no end of its own",
     HV_RELAY_B_TO_A_ONLY, 0, NQ, NQ, HV__ENDS_A_FULL,
     {{E_EMPTY, 0, 0, T0}, {E_SHUT_OK, 0, 0, T0}, {E_TICK, 0, 0, T0}},
     S, C, 0, 0, NONE, 0, 3, SHUTDOWN, SKIP, SKIP, SKIP},
    {"b's EOF with stdin open (--wait-stdin): the gone rule's, not this",
     0, 0, NQ, NQ, STDIO | HV__ENDS_B_CLOSES,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_TICK, 0, 0, T0}},
     C, S, 0, 0, NONE, 0, 3, NOTHING, SKIP, 0, SKIP},
    {"a command's output ends into a pipe we serve: closed, the end", 0, 0,
     NQ, NQ, HV__ENDS_A_CMD | HV__ENDS_B_CLOSES,
     {{E_EOF, 0, 0, T0}, {E_EMPTY, 0, 0, T0}},
     S, C, 1, 0, NONE, 0, 0, NOTHING, SKIP, SKIP, SKIP},
    {"...the same after its input's end: a clean end", 0, 0, NQ, NQ,
     HV__ENDS_A_CMD | HV__ENDS_B_CLOSES,
     {{E_WGONE, 1, 0, T0}, {E_EOF, 0, 0, T0}, {E_EMPTY, 0, 0, T0}},
     S, X, 1, 0, NONE, 0, 0, NOTHING, SKIP, SKIP, SKIP},
    {"a failed write into a pipe we serve: its EOF is still awaited", 0,
     0, NQ, NQ, HV__ENDS_A_CMD | HV__ENDS_B_CLOSES,
     {{E_WERR, 0, HV_EIO, T0}, {E_TICK, 0, 0, T0}},
     S, C, 0, 0, NONE, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"a backend's EOF into a pipe we serve (--to): closed, the end", 0, 0,
     NQ, NQ, HV__ENDS_A_CLOSES | HV__ENDS_A_FULL,
     {{E_MOVED, 1, 0, T0}, {E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}},
     C, S, 1, 0, NONE, 0, 0, NOTHING, SKIP, SKIP, SKIP},
    {"...and the client's close ends it too, its way out first", 0, 0, NQ,
     NQ, HV__ENDS_A_CLOSES | HV__ENDS_A_FULL,
     {A_EOF_OUT, {E_TICK, 0, 0, T0}},
     S, C, 1, 0, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"stdin's end into a pipe we serve: read on until the client closes",
     0, 0, NQ, NQ, STDIO | HV__ENDS_B_CLOSES,
     {A_EOF_OUT, {E_TICK, 0, 0, T0}},
     S, C, 0, 0, NONE, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"...whose close then ends it: a clean end", 0, 0, NQ, NQ,
     STDIO | HV__ENDS_B_CLOSES,
     {A_EOF_OUT, {E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_TICK, 0, 0, T0}},
     S, S, 1, 0, NONE, 0, 0, NOTHING, SKIP, SKIP, SKIP},
    {"--no-shutdown: a's end keeps the pipe we serve open",
     HV_RELAY_NO_SHUTDOWN, 0, NQ, NQ,
     HV__ENDS_A_CMD | HV__ENDS_B_CLOSES,
     {{E_EOF, 0, 0, T0}, {E_EMPTY, 0, 0, T0}, {E_TICK, 0, 0, T0}},
     S, C, 0, 0, NONE, 0, 3, NOTHING, SKIP, SKIP, SKIP},
    {"a pipe we serve that we only write (a -> b only): closed at a's end",
     HV_RELAY_A_TO_B_ONLY, 0, NQ, NQ, HV__ENDS_B_CLOSES,
     {{E_EMPTY, 1, 0, T0}, {E_EOF, 0, 0, T0}, {E_EMPTY, 0, 0, T0}},
     S, S, 1, 0, NONE, 0, 0, NOTHING, SKIP, SKIP, SKIP},
    /* ---- a terminal's escape (hvcat --raw: ~.) */
    {"~. with nothing held: a clean end at once, no reset", 0, 0, NQ, NQ,
     STDIO, {{E_HANGUP, 0, 0, T0}},
     C, C, 1, 0, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"~. after typed bytes: those go out first", 0, 0, NQ, NQ, STDIO,
     {{E_HANGUP_HELD, 0, 0, T0}},
     DE, C, 0, 0, NONE, 0, 3, SKIP, SKIP, SKIP, SKIP},
    {"...then the clean end, b's way not waited for", 0, 0, NQ, NQ, STDIO,
     {{E_HANGUP_HELD, 0, 0, T0}, {E_EMPTY, 0, 0, T0}},
     DE, C, 1, 0, NONE, 0, 0, NOTHING, SKIP, SKIP, SKIP},
    {"~. after the peer's EOF (a terminal): still the clean end",
     HV_RELAY_EOF_ENDS, 0, NQ, NQ, STDIO,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_HANGUP, 0, 0, T0}},
     C, S, 1, 0, NONE, 0, 0, NOTHING, SKIP, SKIP, SKIP},
    /* ---- a command on a terminal (-e --pty): no half-close */
    {"the terminal's end (its last close): the pair ends once its output "
     "is out", 0, 0, NQ, 500, HV__ENDS_A_CMD | HV__ENDS_A_FULL,
     {A_EOF_OUT, {E_TICK, 0, 0, T0}},
     S, C, 1, 0, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    {"the client's EOF into the terminal: the gone-peer rule applies", 0,
     0, NQ, 500, HV__ENDS_A_CMD | HV__ENDS_A_FULL,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_SHUT_OK, 1, 0, T0},
      {E_GSTART, 0, 0, T0}, {E_TICK, 0, 0, T0}},
     C, S, 0, 0, NONE, 0, 3, SHUTDOWN, SKIP, 1, T0 + 500},
    {"...the command writing on after its end has been seen: its output "
     "delays it", 0, 0, NQ, 500, HV__ENDS_A_CMD | HV__ENDS_A_FULL,
     {{E_EOF, 1, 0, T0}, {E_EMPTY, 1, 0, T0}, {E_SHUT_OK, 1, 0, T0},
      {E_GSTART, 0, 0, T0}, {E_MOVED, 0, 0, T0 + 300}},
     C, S, 0, 0, NONE, 0, 3, SHUTDOWN, SKIP, 1, T0 + 800},
    {"a write into a terminal whose command has gone: only that way ends",
     0, 0, NQ, 500, HV__ENDS_A_CMD | HV__ENDS_A_FULL,
     {{E_WGONE, 1, 0, T0}, A_EOF_OUT, {E_TICK, 0, 0, T0}},
     S, X, 1, 0, NONE, 0, 0, SKIP, SKIP, SKIP, SKIP},
    /* ---- cut short, connects */
    {"a pair freed before its end: reset both ways", 0, 0, NQ, NQ, STDIO,
     {{E_TICK, 0, 0, T0}},
     C, C, 0, 0, NONE, 0, 3, SKIP, 0, SKIP, SKIP},
    {"a backend connect that failed: the client reset", 0, 0, NQ, NQ, 0,
     {{E_END, 1, HV_ETIMEDOUT, T0}},
     C, C, 1, HV_ETIMEDOUT, BC, 0, 3, SKIP, SKIP, SKIP, SKIP},
};

/* E_END's side: i = 0 a read, 1 b connect (the rows above use those). */
static enum hv_side end_side(int i)
{
    return i == 0 ? HV_SIDE_A_READ : HV_SIDE_B_CONNECT;
}

static void run_row(const struct row *w)
{
    struct hv_relay_opts o;
    struct hv__rules r;
    int act = SKIP;
    size_t k;

    hv_relay_opts_init(&o);
    o.flags = w->flags;
    o.idle_ms = w->idle;
    o.quit_ms = w->quit;
    o.gone_ms = w->gone;
    hv__rules_init(&r, &o, w->ends, T0);
    for (k = 0; k < sizeof w->ev / sizeof w->ev[0]; k++) {
        const struct ev *e = &w->ev[k];
        switch (e->k) {
        case E_NONE:
            k = sizeof w->ev / sizeof w->ev[0];
            break;
        case E_EOF:
            hv__rules_eof(&r, e->i);
            break;
        case E_RERR:
            hv__rules_read_err(&r, e->i, e->e, 0);
            break;
        case E_RERR_HELD:
            hv__rules_read_err(&r, e->i, e->e, 1);
            break;
        case E_EMPTY:
            act = hv__rules_empty(&r, e->i, e->t);
            break;
        case E_SHUT_OK:
            hv__rules_shut_done(&r, e->i, 0, e->t);
            break;
        case E_SHUT_ERR:
            hv__rules_shut_done(&r, e->i, e->e, e->t);
            break;
        case E_WERR:
            hv__rules_write_err(&r, e->i, e->e, e->t);
            break;
        case E_GONE:
            hv__rules_reader_gone(&r);
            break;
        case E_TICK:
            hv__rules_tick(&r, e->t);
            break;
        case E_MOVED:
            hv__rules_moved(&r, e->i, e->t);
            break;
        case E_END:
            hv__rules_end(&r, e->e, end_side(e->i));
            break;
        case E_GSTART:
            (void)hv__rules_gone_check(&r, 1, e->t);
            break;
        case E_GCHECK:
            act = hv__rules_gone_check(&r, e->e, e->t);
            break;
        case E_BHUP:
            hv__rules_b_hup(&r);
            break;
        case E_GANSWER:
            hv__rules_gone_answer(&r, e->e);
            break;
        case E_BRESET:
            hv__rules_b_reset(&r, e->e);
            break;
        case E_WGONE:
            hv__rules_write_gone(&r, e->i, e->t);
            break;
        case E_HANGUP:
            hv__rules_hangup(&r, e->i, 0);
            break;
        case E_HANGUP_HELD:
            hv__rules_hangup(&r, e->i, 1);
            break;
        }
    }
#define ROW_EQ(got, want)                                                      \
    do {                                                                       \
        long long g_ = (long long)(got), w_ = (long long)(want);               \
        if (g_ != w_)                                                          \
            ut_fail(__FILE__, __LINE__, "row \"%s\": %s == %lld, expected %lld", \
                    w->name, #got, g_, w_);                                    \
    } while (0)
    ROW_EQ(r.way[0], w->way0);
    ROW_EQ(r.way[1], w->way1);
    ROW_EQ(r.done, w->done);
    ROW_EQ(r.err, w->err);
    ROW_EQ(r.side, w->side);
    ROW_EQ(r.a_closed, w->a_closed);
    ROW_EQ(hv__rules_resets(&r), w->resets);
    if (w->act != SKIP)
        ROW_EQ(act, w->act);
    if (w->due != SKIP)
        ROW_EQ(hv__rules_due(&r), w->due);
    if (w->gone_on != SKIP)
        ROW_EQ(hv__rules_gone_applies(&r), w->gone_on);
    if (w->gdue != SKIP)
        ROW_EQ(hv__rules_gone_due(&r, 0), w->gdue);
#undef ROW_EQ
}

UT_CASE(table)
{
    size_t i;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
        run_row(&rows[i]);
}

UT_CASE(table_size)
{
    /* every rule of the man pages about a connection's end has its row */
    UT_CHECK(sizeof rows / sizeof rows[0] >= 40);
}

UT_CASE(reading)
{
    struct hv_relay_opts o;
    struct hv__rules r;

    hv_relay_opts_init(&o);
    o.flags = HV_RELAY_A_TO_B_ONLY;
    hv__rules_init(&r, &o, STDIO, T0);
    /* send-only: b is never read, a is */
    UT_EQ_INT(hv__rules_reading(&r, 0), 1);
    UT_EQ_INT(hv__rules_reading(&r, 1), 0);
    UT_EQ_INT(hv__rules_src_done(&r, 1), 1);
    /* a failed stdout's drain still reads b */
    hv_relay_opts_init(&o);
    hv__rules_init(&r, &o, STDIO, T0);
    hv__rules_write_err(&r, 1, HV_EIO, T0);
    UT_EQ_INT(hv__rules_reading(&r, 1), 1);
    UT_EQ_INT(hv__rules_src_done(&r, 1), 0);
    /* nothing is read once the pair has ended */
    hv__rules_end(&r, HV_EIO, HV_SIDE_A_READ);
    UT_EQ_INT(hv__rules_reading(&r, 0), 0);
}

UT_CASE(gone_due_held)
{
    static const unsigned modes[] = {0, HV__ENDS_B_FULL, HV__ENDS_B_HUP,
                                     HV__ENDS_B_ASK};
    struct hv_relay_opts o;
    struct hv__rules r;
    size_t i;

    /* while a holds bytes for b, whatever b shows, the rule waits for
     * their write (an event), never for a time */
    for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        hv_relay_opts_init(&o);
        o.gone_ms = 500;
        hv__rules_init(&r, &o, STDIO | modes[i], T0);
        hv__rules_eof(&r, 1);
        (void)hv__rules_empty(&r, 1, T0);
        hv__rules_b_hup(&r);
        UT_EQ_INT(hv__rules_gone_check(&r, 1, T0 + 10), HV__DO_NOTHING);
        UT_EQ_INT(r.done, 0);
        UT_EQ_INT(hv__rules_gone_due(&r, 1), 0);
        UT_CHECK(hv__rules_gone_due(&r, 0) != 0);
    }
}
