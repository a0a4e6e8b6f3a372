/* relay_dir_posix.h: the body of the POSIX engine's direction loop:
 * relay_posix.c includes it twice, DIR_WORK dir_work with DIR_DUMP 0, and
 * dir_work_dump with DIR_DUMP 1, which hands what is written to the
 * pair's dump; relay_fast_posix.c includes it once, as dir_work. Two
 * copies chosen by the preprocessor, so that a pair without a dump runs
 * the same instructions as before dumps existed, whatever the
 * optimisation level. No include guard: that is the point.
 * Only those two files include it (after relay_posix.h). */

/* Move what can be moved in direction i without blocking. */
static void DIR_WORK(struct pair *p, int i, uint64_t now)
{
    struct hv_stream *src = p->s[i], *dst = p->s[!i];
    struct hv__ring *rg = &src->rx;
    int round, e;

    /* bounded, so that one busy pair cannot starve the others */
    for (round = 0; round < 8 && !p->halt; round++) {
        int moved = 0;
        char *ptr;
        size_t n, k;

        /* with blocking calls (a fast path), what the ring holds goes out
         * before a read that may wait for the peer: a terminal's output
         * would otherwise wait for the next keystroke */
        if (hv__rules_reading(&p->ru, i) && src->rready &&
            !(src->block && rg->count)) {
            int nomem = 0;
            n = hv__ring_space(rg, &ptr, &nomem);
            if (nomem) {
                pair_end(p, HV_ENOMEM, side_of(i, 0));
                return;
            }
            if (n > 0) {
                e = hv__stream_read(src, ptr, n, &k);
                if (e == 0 && k > 0) {
                    hv__ring_put(rg, k);
                    if (k == n)
                        hv__ring_grow(rg);
                    moved = 1;
                    dir_moved(p, i, now);
                } else if (e == 0) {
                    hv__dir_eof(p, i);
                } else if (e != HV__EAGAIN &&
                           hv__dir_read_err(p, i, e, rg->count)) {
                    return;
                }
            }
        }
        if (rg->count && way(p, i) == HV__WAY_DISCARD) {
            hv__ring_take(rg, hv__ring_data(rg, &ptr));
            moved = 1;
        } else if (rg->count && dst->wready) {
            n = hv__ring_data(rg, &ptr);
            e = hv__stream_write(dst, ptr, n, &k);
            if (e == 0) {
#if DIR_DUMP
                hv__dump_data(p->o.dump, p->o.dump_conn, i, p->d[i].bytes,
                              ptr, k);
#endif
                hv__ring_take(rg, k);
                p->d[i].bytes += k;
                moved = moved || k > 0;
                if (k > 0)
                    dir_moved(p, i, now);
            } else if (e == HV_EPIPE) {
                if (hv__dir_write_gone(p, i, now))
                    return;
                moved = 1;
            } else if (e != HV__EAGAIN) {
                hv__dir_fail(p, i, e);
                return;
            }
        }
        if (!moved)
            break;
    }
    /* the source is done (or broke) and all it gave is out */
    if (rg->count == 0 && !p->done &&
        (way(p, i) == HV__WAY_DRAIN || way(p, i) == HV__WAY_DRAIN_ERR))
        hv__dir_empty(p, i, now);
}
