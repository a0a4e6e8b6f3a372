/* relay_ends_posix.c: what the POSIX relay engine does, in its event loop
 * and its fast paths alike, when the rule book (rules.h) ends a way: a
 * source's EOF or error told, a failed write's data dropped, an emptied
 * way's EOF passed on as a half-close. The copy loop (relay_dir_posix.h)
 * calls these, off its path of bytes. */
#include "relay_posix.h"

/* Direction i's source reached its EOF (relay_posix.h). */
void hv__dir_eof(struct pair *p, int i)
{
    p->s[i]->rd_eof = 1;
    pair_lock(p);
    hv__rules_eof(&p->ru, i);
    pair_unlock(p);
}

/* Reading direction i's source failed with e (relay_posix.h). */
int hv__dir_read_err(struct pair *p, int i, int e, size_t held)
{
    /* what came before a reset is good data: it goes out first, then
     * the error ends the pair */
    pair_lock(p);
    if (e == HV__EHANGUP)
        hv__rules_hangup(&p->ru, i, held != 0);
    else
        hv__rules_read_err(&p->ru, i, e, held != 0);
    ended(p);
    pair_unlock(p);
    return p->done;
}

/* Writing direction i failed (a reset, a full disk): the rule book says
 * whether its source is still read and dropped (stdout failed while the
 * connection sends) or not; what it holds is dropped either way. */
void hv__dir_fail(struct pair *p, int i, int e)
{
    struct hv__ring *rg = &p->s[i]->rx;

    pair_lock(p);
    hv__rules_write_err(&p->ru, i, e, hv_now_ms());
    ended(p);
    pair_unlock(p);
    if (way(p, i) == HV__WAY_DISCARD) {
        hv__ring_take(rg, rg->count);
        return;
    }
    hv__ring_free(rg);
    p->s[i]->rready = 0;
}

/* Writing direction i found no reader any more (relay_posix.h). */
int hv__dir_write_gone(struct pair *p, int i, uint64_t now)
{
    struct hv__ring *rg = &p->s[i]->rx;

    /* stdout's (| head) is a quiet end; a command that closed its input
     * ends only this way */
    pair_lock(p);
    hv__rules_write_gone(&p->ru, i, now);
    ended(p);
    pair_unlock(p);
    if (way(p, i) != HV__WAY_DISCARD && way(p, i) != HV__WAY_SHUT)
        return 1;
    /* what is held has nowhere to go */
    hv__ring_take(rg, rg->count);
    return 0;
}

/* Direction i holds nothing: pass a finished source's EOF on, or end
 * after a broken source's data, as the rule book says. */
void hv__dir_empty(struct pair *p, int i, uint64_t now)
{
    int act, e;

    pair_lock(p);
    act = hv__rules_empty(&p->ru, i, now);
    ended(p);
    pair_unlock(p);
    if (act != HV__DO_SHUTDOWN)
        return;
    hv__ring_trim(&p->s[i]->rx);
    e = hv__stream_shutdown(p->s[!i]);
    if (e < 0) {
        hv__dir_fail(p, i, e);
        return;
    }
    pair_lock(p);
    hv__rules_shut_done(&p->ru, i, 0, now);
    pair_unlock(p);
}
