/* escape.c: the escape character of a raw terminal session (hvcat --raw),
 * portable so that every platform's tests check it: only the bytes typed
 * at a terminal in raw mode pass here (stream_<platform>.c calls it for
 * stdin when the session asked for it), never a plain relay's. */
#include "platform.h"

size_t hv__escape_scan(struct hv__escape *e, const char *in, size_t n,
                       char *out)
{
    size_t i, k = 0;

    for (i = 0; i < n && !e->hangup; i++) {
        unsigned char c = (unsigned char)in[i];

        if (e->held) {
            e->held = 0;
            if (c == '.') {
                e->hangup = 1;
                break;
            }
            /* the escape twice is one; anything else goes with it */
            out[k++] = (char)e->ch;
            if (c == e->ch) {
                e->midline = 1;
                continue;
            }
        } else if (c == e->ch && !e->midline) {
            e->held = 1;
            continue;
        }
        out[k++] = (char)c;
        e->midline = c != '\r' && c != '\n';
    }
    return k;
}
