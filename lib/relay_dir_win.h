/* relay_dir_win.h: the thread of one way of a pair, which relay_way_win.c
 * includes twice: DIR_MAIN dir_main with DIR_DUMP 0, and dir_main_dump
 * with DIR_DUMP 1, which hands what is read to the pair's dump under
 * the relay's lock (one writer at a time), before it is written on. Two
 * copies chosen by the preprocessor, so that a pair without a dump runs
 * the same instructions as before dumps existed, whatever the
 * optimisation level. No include guard: that is the point. Only
 * relay_way_win.c includes it. */

static DWORD WINAPI DIR_MAIN(LPVOID arg)
{
    struct dir *d = arg;
    struct pair *p = d->p;
    struct hv_relay *r = p->r;
    int next = NEXT_READ;

    while (next == NEXT_READ && !hv__pair_cancelled(p)) {
        const char *data;
        size_t got = 0;
        int e = dir_read(d, &data, &got), wake;

        if (e == HV_ESTOPPED)
            break;
        EnterCriticalSection(&r->lock);
        next = p->left ? NEXT_STOP : dir_got(d, e, got);
#if DIR_DUMP
        /* recorded as read, before it is passed on: the answer it causes
         * comes back through the other way's thread, which could record
         * it first if this record waited for the write (the dump says
         * what each side sent; a failed write ends the pair after it) */
        if (next == NEXT_WRITE)
            hv__dump_data(p->o.dump, p->o.dump_conn, d->i, d->bytes, data,
                          got);
#endif
        LeaveCriticalSection(&r->lock);
        if (next != NEXT_WRITE) {
            if (next != NEXT_READ)
                hv__pair_wake(p);
            continue;
        }
        e = hv__stream_write(d->dst, data, got, p->cancel, d->ev);
        if (e == HV_ESTOPPED)
            break;
        EnterCriticalSection(&r->lock);
        if (p->left) {
            /* let go while it wrote (pair_stop): the rest is not ours */
            LeaveCriticalSection(&r->lock);
            break;
        }
        next = dir_wrote(d, e, got);
        /* the control loop times the gone-peer rule from a -> b's writes */
        wake = next != NEXT_READ || e != 0 ||
               (d->i == 0 && hv__rules_gone_applies(&p->ru));
        LeaveCriticalSection(&r->lock);
        if (wake)
            hv__pair_wake(p);
        if (e == 0)
            dir_resize(d, got);
    }
    if (next == NEXT_EOF && d->i == 1)
        dir_watch(d);
    hv__pair_release(p);
    return 0;
}
