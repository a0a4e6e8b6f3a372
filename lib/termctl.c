/* termctl.c: the terminal control protocol's frames (termctl.h), both
 * ways: the incremental decoder, which hands data out in place and holds
 * only a split header or a split control payload, and the encoders. Pure
 * byte work, the same on every platform; the tools and streams that speak
 * it do their I/O elsewhere. */
#include "termctl.h"

#include "hvsock.h"

enum { STAGE_HELLO, STAGE_HEADER, STAGE_PAYLOAD, STAGE_FAILED };

/* The payload length a known control type must have; 0 for data and
 * unknown types, which take any. */
static size_t ctl_len(unsigned type)
{
    return type == HV__TC_WINSIZE ? 4u : type == HV__TC_EXIT ? 2u : 0u;
}

static int failed(struct hv__tc_dec *d)
{
    d->stage = STAGE_FAILED;
    return HV_EBADDATA;
}

/* A complete control payload in d->buf as an event; 0 or HV_EBADDATA. */
static int control(struct hv__tc_dec *d, struct hv__tc_event *ev)
{
    const unsigned char *b = d->buf;

    if (d->type == HV__TC_WINSIZE) {
        ev->kind = HV__TC_SIZE;
        ev->cols = (unsigned)b[0] << 8 | b[1];
        ev->rows = (unsigned)b[2] << 8 | b[3];
        return ev->cols && ev->rows ? 0 : failed(d);
    }
    ev->kind = HV__TC_END;
    ev->how = b[0];
    ev->status = b[1];
    return ev->how <= HV__TC_SIGNALED ? 0 : failed(d);
}

int hv__tc_next(struct hv__tc_dec *d, const unsigned char *in, size_t n,
                size_t *used, struct hv__tc_event *ev)
{
    size_t i = 0, k;

    ev->kind = HV__TC_MORE;
    ev->data = NULL;
    ev->len = 0;
    ev->cols = ev->rows = ev->how = ev->status = 0;
    *used = 0;
    while (i < n) {
        switch (d->stage) {
        case STAGE_HELLO:
            if (in[i] != (unsigned char)HV__TC_HELLO[d->have])
                return failed(d);
            i++;
            if (++d->have == HV__TC_HELLO_LEN) {
                d->have = 0;
                d->stage = STAGE_HEADER;
                ev->kind = HV__TC_HELLO_OK;
                *used = i;
                return 0;
            }
            break;
        case STAGE_HEADER:
            d->buf[d->have++] = in[i++];
            if (d->have < HV__TC_HEADER)
                break;
            d->type = d->buf[0];
            d->left = (size_t)d->buf[1] << 8 | d->buf[2];
            d->have = 0;
            if (ctl_len(d->type) && d->left != ctl_len(d->type))
                return failed(d);
            d->stage = STAGE_PAYLOAD;
            if (d->left == 0)
                d->stage = STAGE_HEADER; /* an empty frame: nothing more */
            break;
        case STAGE_PAYLOAD:
            k = n - i < d->left ? n - i : d->left;
            if (ctl_len(d->type)) {
                for (; k > 0; k--, d->left--)
                    d->buf[d->have++] = in[i++];
                if (d->left)
                    break;
                d->stage = STAGE_HEADER;
                d->have = 0;
                *used = i;
                return control(d, ev);
            }
            d->left -= k;
            if (d->left == 0)
                d->stage = STAGE_HEADER;
            if (d->type != HV__TC_DATA) {
                i += k; /* an unknown type's payload: skipped */
                break;
            }
            ev->kind = HV__TC_BYTES;
            ev->data = in + i;
            ev->len = k;
            *used = i + k;
            return 0;
        default:
            return HV_EBADDATA;
        }
    }
    *used = i;
    return d->stage == STAGE_FAILED ? HV_EBADDATA : 0;
}

size_t hv__tc_header(unsigned type, size_t len, unsigned char *out)
{
    out[0] = (unsigned char)type;
    out[1] = (unsigned char)(len >> 8 & 0xFF);
    out[2] = (unsigned char)(len & 0xFF);
    return HV__TC_HEADER;
}

size_t hv__tc_winsize(unsigned cols, unsigned rows, unsigned char *out)
{
    hv__tc_header(HV__TC_WINSIZE, 4, out);
    out[3] = (unsigned char)(cols >> 8 & 0xFF);
    out[4] = (unsigned char)(cols & 0xFF);
    out[5] = (unsigned char)(rows >> 8 & 0xFF);
    out[6] = (unsigned char)(rows & 0xFF);
    return HV__TC_HEADER + 4;
}

size_t hv__tc_exit(unsigned how, unsigned status, unsigned char *out)
{
    hv__tc_header(HV__TC_EXIT, 2, out);
    out[3] = (unsigned char)how;
    out[4] = (unsigned char)(status & 0xFF);
    return HV__TC_HEADER + 2;
}
