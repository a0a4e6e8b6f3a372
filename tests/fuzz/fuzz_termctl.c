/* fuzz_termctl.c: hv__tc_next, the decoder of the terminal control
 * protocol (--term-control), which reads what a peer sends. Input: the
 * bytes after the hello (the harness puts the hello first, so that the
 * frames are reached). Invariants: each answer takes no more than it was
 * given and points into it; the events (data, sizes, ends, and where it
 * failed) are the same whether the input comes at once or byte by byte;
 * sizes are at least 1x1; an end's how is 0 or 1. */
#include "fuzz.h"
#include "termctl.h"

/* A digest of the events: data bytes as such, a control as a tag and its
 * values; -1 at a failure, which ends the walk. */
struct trace {
    unsigned char *buf;
    size_t n, cap;
};

static void put(struct trace *t, const void *p, size_t n)
{
    if (t->n + n > t->cap) {
        t->cap = (t->n + n) * 2 + 64;
        t->buf = realloc(t->buf, t->cap);
        if (t->buf == NULL)
            abort();
    }
    memcpy(t->buf + t->n, p, n);
    t->n += n;
}

static void walk(const uint8_t *in, size_t n, size_t step, struct trace *t)
{
    struct hv__tc_dec d;
    struct hv__tc_event ev;
    size_t at = 0, used;

    memset(&d, 0, sizeof d);
    while (at < n) {
        size_t piece = n - at < step ? n - at : step, off = 0;
        while (off < piece) {
            int r = hv__tc_next(&d, in + at + off, piece - off, &used, &ev);
            FUZZ_CHECK(used <= piece - off);
            if (r < 0) {
                unsigned tag[1] = {0xFFFFFFFFu};
                FUZZ_CHECK(r == HV_EBADDATA);
                put(t, tag, sizeof tag);
                /* and it stays failed */
                FUZZ_CHECK(hv__tc_next(&d, in, n, &used, &ev) == HV_EBADDATA);
                return;
            }
            if (ev.kind == HV__TC_BYTES) {
                FUZZ_CHECK(ev.data >= in + at + off &&
                           ev.data + ev.len <= in + at + off + used);
                put(t, ev.data, ev.len);
            } else if (ev.kind != HV__TC_MORE) {
                unsigned tag[5] = {(unsigned)ev.kind + 0x100u, ev.cols,
                                   ev.rows, ev.how, ev.status};
                if (ev.kind == HV__TC_SIZE)
                    FUZZ_CHECK(ev.cols >= 1 && ev.rows >= 1);
                if (ev.kind == HV__TC_END)
                    FUZZ_CHECK(ev.how <= 1 && ev.status <= 255);
                put(t, tag, sizeof tag);
            }
            if (ev.kind == HV__TC_MORE)
                FUZZ_CHECK(used == piece - off);
            off += used;
            if (ev.kind == HV__TC_MORE)
                break;
        }
        at += piece;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct trace whole = {NULL, 0, 0}, bytes = {NULL, 0, 0};
    uint8_t *in = malloc(HV__TC_HELLO_LEN + size);

    if (in == NULL)
        abort();
    memcpy(in, HV__TC_HELLO, HV__TC_HELLO_LEN);
    if (size)
        memcpy(in + HV__TC_HELLO_LEN, data, size);
    walk(in, HV__TC_HELLO_LEN + size, HV__TC_HELLO_LEN + size, &whole);
    walk(in, HV__TC_HELLO_LEN + size, 1, &bytes);
    /* data may come in more pieces byte by byte, but the same bytes in
     * the same order, and the same controls between them */
    FUZZ_CHECK(whole.n == bytes.n &&
               (whole.n == 0 || memcmp(whole.buf, bytes.buf, whole.n) == 0));
    free(whole.buf);
    free(bytes.buf);
    free(in);
    return 0;
}
