/* rules.c: the rule book of a relayed pair (rules.h), portable: what
 * happens at a source's EOF or error, a failed write, a half-close, and as
 * time passes, for both engines. The man pages' rules about the end of a
 * connection (hvcat(1), hvlisten(1)) are each one transition here:
 *
 * - a source's EOF, once everything before it is written, is passed on
 *   as a half-close of the destination; stdout, which serves the sessions
 *   to come, only when told this is its last (HV_RELAY_CLOSE_A); a's EOF
 *   not at all with --no-shutdown;
 * - what a source gave before it broke (a reset) is written out first,
 *   then the pair ends with the error (exit 74), never as a clean end;
 * - a destination that fails ends its way; the pair ends with that error
 *   once the other way is done. stdout failing while the connection
 *   still sends: what comes is read and dropped, for -q's time or 5 s,
 *   so that our close is no reset that destroys what we sent;
 * - a's reader leaving (stdout | head) is a quiet end; a command that
 *   closes its input ends only the way into it (what b sends is dropped);
 * - both ways done is the end; b's EOF ends a session that expects no
 *   other (a terminal on stdin, --no-shutdown); a's EOF ends it where a
 *   has no half-close (a named pipe: nothing can go into it any more);
 * - an EOF to pass into a named pipe we serve can only be its close: the
 *   pair ends once that way is done (a command's output, a --to
 *   backend), so that the client, which reads until we close, ends too;
 *   after stdin's end the pipe is read on until the client closes it;
 * - -q: after a's EOF is passed on, b is read for at most that long;
 *   -i: nothing moving either way for that long ends the pair (75);
 * - the gone-peer rule: b's peer closed while a still sends: at once
 *   where b shows it (no half-close, a hang-up, a failed send of nothing:
 *   asked at once, then after 50, 100, 200, 400 ms, then every 500 ms),
 *   else once a -> b idled o.gone_ms (socat's rule; the tools' 0.5 s);
 *   never while a's bytes still wait to be sent;
 * - a terminal's escape (~.) ends the pair cleanly once what was typed
 *   before it is out, whatever the other way still carries.
 *
 * The first end is the one reported. */
#include <string.h>

#include "rules.h"

static enum hv_side side_of(int stream, int write)
{
    if (stream == 0)
        return write ? HV_SIDE_A_WRITE : HV_SIDE_A_READ;
    return write ? HV_SIDE_B_WRITE : HV_SIDE_B_READ;
}

void hv__rules_init(struct hv__rules *r, const struct hv_relay_opts *o,
                    unsigned ends, uint64_t now)
{
    int i;
    memset(r, 0, sizeof *r);
    r->flags = o->flags;
    r->idle_ms = o->idle_ms;
    r->quit_ms = o->quit_ms;
    r->gone_ms = o->gone_ms;
    r->ends = ends;
    r->off[0] = (o->flags & HV_RELAY_B_TO_A_ONLY) != 0;
    r->off[1] = (o->flags & HV_RELAY_A_TO_B_ONLY) != 0;
    /* a way never read is done from the start: its EOF goes on at once
     * (receive-only half-closes b) */
    for (i = 0; i < 2; i++)
        r->way[i] = r->off[i] ? HV__WAY_DRAIN : HV__WAY_COPY;
    r->last_io = now;
}

int hv__rules_reading(const struct hv__rules *r, int i)
{
    return !r->done &&
           (r->way[i] == HV__WAY_COPY || r->way[i] == HV__WAY_DISCARD);
}

int hv__rules_src_done(const struct hv__rules *r, int i)
{
    return r->way[i] != HV__WAY_COPY && r->way[i] != HV__WAY_DISCARD;
}

void hv__rules_moved(struct hv__rules *r, int i, uint64_t now)
{
    r->last_io = now;
    r->carried[i] = 1;
    if (i == 0)
        r->a_moved_at = now;
}

void hv__rules_end(struct hv__rules *r, int e, enum hv_side side)
{
    if (r->done)
        return;
    r->done = 1;
    r->err = e;
    r->side = e ? side : HV_SIDE_NONE;
}

void hv__rules_end_late(struct hv__rules *r)
{
    hv__rules_end(r, r->late_err, r->late_side);
}

void hv__rules_eof(struct hv__rules *r, int i)
{
    if (r->way[i] == HV__WAY_COPY)
        r->way[i] = HV__WAY_DRAIN;
    else if (r->way[i] == HV__WAY_DISCARD)
        r->way[i] = HV__WAY_SHUT; /* dropped to the end: nothing to pass */
}

void hv__rules_read_err(struct hv__rules *r, int i, int e, int held)
{
    /* dropping after a failed destination: that error is the one */
    if (r->way[i] == HV__WAY_DISCARD) {
        hv__rules_end_late(r);
        return;
    }
    if (held) {
        r->way[i] = HV__WAY_DRAIN_ERR;
        r->rd_err[i] = e;
        return;
    }
    hv__rules_end(r, e, side_of(i, 0));
}

void hv__rules_hangup(struct hv__rules *r, int i, int held)
{
    /* as a broken source whose error is none: its data first */
    if (held && r->way[i] != HV__WAY_DISCARD) {
        r->way[i] = HV__WAY_DRAIN_ERR;
        r->rd_err[i] = 0;
        return;
    }
    hv__rules_end(r, 0, HV_SIDE_NONE);
}

/* Whether passing way i's EOF on closes its destination (see
 * HV__ENDS_A_CLOSES). */
static int eof_closes(const struct hv__rules *r, int i)
{
    /* a way never read (off) has no EOF of its own to pass on */
    if (i == 0)
        return !r->off[0] && (r->ends & HV__ENDS_B_CLOSES) &&
               !(r->ends & HV__ENDS_A_LOCAL);
    return !r->off[1] && (r->ends & HV__ENDS_A_CLOSES);
}

int hv__rules_empty(struct hv__rules *r, int i, uint64_t now)
{
    (void)now;
    if (r->way[i] == HV__WAY_DRAIN_ERR) {
        hv__rules_end(r, r->rd_err[i], side_of(i, 0));
        return HV__DO_NOTHING;
    }
    if (r->way[i] != HV__WAY_DRAIN)
        return HV__DO_NOTHING;
    r->way[i] = HV__WAY_SHUT;
    if (i == 0 && (r->flags & HV_RELAY_NO_SHUTDOWN))
        return HV__DO_NOTHING;
    if (i == 1 && (r->ends & HV__ENDS_A_KEPT) &&
        !(r->flags & HV_RELAY_CLOSE_A))
        return HV__DO_NOTHING;
    if (eof_closes(r, i)) {
        /* no half-close: the EOF goes on as the close at the end */
        hv__rules_end_late(r);
        return HV__DO_NOTHING;
    }
    return HV__DO_SHUTDOWN;
}

void hv__rules_shut_done(struct hv__rules *r, int i, int e, uint64_t now)
{
    /* a peer that reset a way that carried nothing lost nothing of ours */
    if (e == HV_ECONNRESET && !r->carried[i])
        e = 0;
    if (e < 0) {
        /* the destination was reset meanwhile: what it sent before is
         * still delivered, then this error ends the pair */
        hv__rules_write_err(r, i, e, now);
        return;
    }
    if (i == 0 && r->quit_ms != HV_RELAY_NO_QUIT)
        r->quit_at = now + r->quit_ms;
}

void hv__rules_b_reset(struct hv__rules *r, int e)
{
    /* only while a still sends, and once it sent something: else no byte
     * of ours was lost, and b's EOF was its end */
    if (!hv__rules_src_done(r, 0) && r->carried[0])
        hv__rules_end(r, e, HV_SIDE_B_WRITE);
}

void hv__rules_write_err(struct hv__rules *r, int i, int e, uint64_t now)
{
    if (r->late_err == 0) {
        r->late_err = e;
        r->late_side = side_of(!i, 1);
    }
    if (i == 1 && (r->ends & HV__ENDS_B_DRAIN) &&
        r->way[1] == HV__WAY_COPY) {
        r->way[1] = HV__WAY_DISCARD;
        r->discard_until =
            now + (r->quit_ms != HV_RELAY_NO_QUIT ? r->quit_ms
                                                  : HV__DISCARD_MS);
        return;
    }
    r->way[i] = HV__WAY_SHUT; /* nothing to pass on: it is broken */
    if (r->way[!i] == HV__WAY_SHUT || r->off[!i])
        hv__rules_end_late(r);
}

void hv__rules_reader_gone(struct hv__rules *r)
{
    if (!r->done)
        r->a_closed = 1;
    hv__rules_end(r, 0, HV_SIDE_NONE);
}

void hv__rules_write_gone(struct hv__rules *r, int i, uint64_t now)
{
    if (i == 1 && (r->ends & HV__ENDS_A_CMD)) {
        if (r->way[1] == HV__WAY_COPY) {
            r->way[1] = HV__WAY_DISCARD;
            r->discard_until = now + (r->quit_ms != HV_RELAY_NO_QUIT
                                          ? r->quit_ms
                                          : HV__DISCARD_MS);
        } else if (r->way[1] == HV__WAY_DRAIN) {
            /* the client's EOF is in, with bytes still held for the
             * command: they have nowhere to go, and the way is done
             * (dropped quietly, as what it sends after the command
             * closed its input) */
            r->way[1] = HV__WAY_SHUT;
            if (r->way[0] == HV__WAY_SHUT || r->off[0])
                hv__rules_end_late(r);
        } else if (r->way[1] == HV__WAY_DRAIN_ERR) {
            /* the client's read error, which came after those bytes */
            hv__rules_end(r, r->rd_err[1], side_of(1, 0));
        }
        return;
    }
    hv__rules_reader_gone(r);
}

void hv__rules_tick(struct hv__rules *r, uint64_t now)
{
    if (r->done)
        return;
    if (r->way[0] == HV__WAY_SHUT && r->way[1] == HV__WAY_SHUT) {
        hv__rules_end_late(r);
        return;
    }
    /* a, which has no half-close, sent its EOF: its peer has closed, and
     * nothing can go into a any more (b's like EOF is the gone-peer
     * rule's, which --wait-stdin turns off) */
    if (r->way[0] == HV__WAY_SHUT && !r->off[0] &&
        (r->ends & HV__ENDS_A_FULL)) {
        hv__rules_end_late(r);
        return;
    }
    /* b's EOF passed on ends a session that will not see another */
    if (r->way[1] == HV__WAY_SHUT && !r->off[1] &&
        (r->flags & (HV_RELAY_EOF_ENDS | HV_RELAY_NO_SHUTDOWN))) {
        hv__rules_end_late(r);
        return;
    }
    /* -q: b had its time to answer; take no more from it */
    if (r->quit_at && now >= r->quit_at) {
        r->quit_at = 0;
        if (r->way[1] == HV__WAY_COPY)
            r->way[1] = HV__WAY_DRAIN;
        else if (r->way[1] == HV__WAY_DISCARD)
            r->way[1] = HV__WAY_SHUT;
        if (r->way[0] == HV__WAY_SHUT && r->way[1] == HV__WAY_SHUT) {
            hv__rules_end_late(r);
            return;
        }
    }
    /* (a thread may have moved bytes after the caller read its clock:
     * last_io later than now is no idle time) */
    if (r->idle_ms && now > r->last_io && now - r->last_io >= r->idle_ms) {
        hv__rules_end(r, HV_EIDLE, HV_SIDE_NONE);
        return;
    }
    /* the drop's bound: a failed stdout's peer still sends, the pair
     * ends with stdout's error; a command that closed its input may still
     * write, so only the reading of its client stops (its output is the
     * session's to the end, never cut short with a clean end) */
    if (r->way[1] == HV__WAY_DISCARD && now >= r->discard_until) {
        if (!(r->ends & HV__ENDS_A_CMD) || r->way[0] == HV__WAY_SHUT ||
            r->off[0]) {
            hv__rules_end_late(r);
            return;
        }
        r->way[1] = HV__WAY_SHUT;
    }
}

static uint64_t earlier(uint64_t t, uint64_t u)
{
    return t == 0 || (u != 0 && u < t) ? u : t;
}

uint64_t hv__rules_due(const struct hv__rules *r)
{
    uint64_t t = 0;
    if (r->done)
        return 0;
    if (r->idle_ms)
        t = r->last_io + r->idle_ms;
    t = earlier(t, r->quit_at);
    if (r->way[1] == HV__WAY_DISCARD)
        t = earlier(t, r->discard_until);
    return t;
}

/* How often b is asked whether its peer has closed it completely, while
 * the gone-peer rule waits on a vsock connection (the close shows to a
 * send only, no poll event tells of it). The first question comes at the
 * rule's first look, where a close() shows at once; a peer that
 * half-closes and closes a moment later (the usual order of a client
 * that is done) is asked about again after 50 ms, then at twice the
 * interval each time, up to every 500 ms for a peer that stays
 * half-closed. */
#define GONE_ASK_FIRST_MS 50u
#define GONE_ASK_MS 500u

int hv__rules_gone_applies(const struct hv__rules *r)
{
    return !r->done && r->gone_ms != HV_RELAY_NO_QUIT &&
           r->way[1] == HV__WAY_SHUT && !r->off[1] &&
           r->way[0] == HV__WAY_COPY;
}

void hv__rules_b_hup(struct hv__rules *r)
{
    r->b_hup = 1;
}

/* Whether b's peer is known to have closed b completely. */
static int b_closed(const struct hv__rules *r)
{
    return (r->ends & HV__ENDS_B_FULL) ||
           ((r->ends & HV__ENDS_B_HUP) && r->b_hup);
}

/* The rule's time where b cannot tell a close from a half-close: gone_ms
 * after its clock started or a -> b last moved, whichever is later. */
static uint64_t gone_timeout(const struct hv__rules *r)
{
    uint64_t t = r->a_moved_at > r->gone_since ? r->a_moved_at
                                               : r->gone_since;
    return t + r->gone_ms;
}

int hv__rules_gone_check(struct hv__rules *r, int a_held, uint64_t now)
{
    if (!hv__rules_gone_applies(r))
        return HV__DO_NOTHING;
    if (r->gone_since == 0) {
        r->gone_since = now;
        r->ask_at = now;
    }
    if (a_held)
        return HV__DO_NOTHING;
    if (b_closed(r)) {
        hv__rules_end_late(r);
        return HV__DO_NOTHING;
    }
    if (r->ends & HV__ENDS_B_HUP)
        return HV__DO_NOTHING; /* its hang-up will tell */
    if (r->ends & HV__ENDS_B_ASK) {
        if (now < r->ask_at)
            return HV__DO_NOTHING;
        r->ask_step = r->ask_step ? r->ask_step * 2 : GONE_ASK_FIRST_MS;
        if (r->ask_step > GONE_ASK_MS)
            r->ask_step = GONE_ASK_MS;
        r->ask_at = now + r->ask_step;
        return HV__DO_ASK;
    }
    if (now >= gone_timeout(r))
        hv__rules_end_late(r);
    return HV__DO_NOTHING;
}

void hv__rules_gone_answer(struct hv__rules *r, int g)
{
    if (g < 0)
        hv__rules_end(r, g, HV_SIDE_B_WRITE);
    else if (g > 0)
        hv__rules_end_late(r);
}

uint64_t hv__rules_gone_due(const struct hv__rules *r, int a_held)
{
    /* not before the rule's first look, nor while what a gave is still
     * to be sent (its write, or its failure, comes as an event) */
    if (r->gone_since == 0 || a_held || !hv__rules_gone_applies(r))
        return 0;
    if (r->ends & HV__ENDS_B_ASK)
        return r->ask_at;
    if ((r->ends & HV__ENDS_B_HUP) && !r->b_hup)
        return 0;
    return gone_timeout(r);
}

unsigned hv__rules_resets(const struct hv__rules *r)
{
    int broken = !r->done ||
                 (r->err && r->err != HV_EIDLE &&
                  (r->side == HV_SIDE_B_READ || r->side == HV_SIDE_B_WRITE ||
                   r->side == HV_SIDE_B_CONNECT ||
                   !(r->ends & HV__ENDS_A_LOCAL)));
    if (broken)
        return 3u;
    return r->a_closed ? 2u : 0u;
}
