/* json.c: quoting a string for JSON output (the tools' --json, hvlisten's
 * JSON log lines). */
#include <string.h>

#include "platform.h"

size_t hv_json_quote(const char *s, char *buf, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    char tmp[7];
    const char *add;
    size_t alen, i;

#define PUT(c)                                                                 \
    do {                                                                       \
        if (o + 1 < n)                                                         \
            buf[o] = (c);                                                      \
        o++;                                                                   \
    } while (0)

    PUT('"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        uint32_t cp;
        size_t k;
        add = NULL;
        /* a byte that is not part of valid UTF-8 would make the whole
         * document unreadable to a strict parser: U+FFFD stands for it */
        if (c >= 0x80 && (k = hv__utf8_decode((const unsigned char *)s,
                                              &cp)) > 0) {
            for (i = 0; i < k; i++)
                PUT(s[i]);
            s += k - 1;
            continue;
        }
        if (c >= 0x80)
            add = "\\ufffd";
        switch (add ? 0 : c) {
        case 0: break;
        case '"': add = "\\\""; break;
        case '\\': add = "\\\\"; break;
        case '\b': add = "\\b"; break;
        case '\f': add = "\\f"; break;
        case '\n': add = "\\n"; break;
        case '\r': add = "\\r"; break;
        case '\t': add = "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                tmp[0] = '\\';
                tmp[1] = 'u';
                tmp[2] = '0';
                tmp[3] = '0';
                tmp[4] = hex[c >> 4];
                tmp[5] = hex[c & 15];
                tmp[6] = '\0';
                add = tmp;
            }
            break;
        }
        if (add) {
            alen = strlen(add);
            for (i = 0; i < alen; i++)
                PUT(add[i]);
        } else {
            PUT((char)c);
        }
    }
    PUT('"');
#undef PUT
    if (n > 0)
        buf[o < n ? o : n - 1] = '\0';
    return o;
}
