/* guid.c: GUID scan/format, the wire layout, and the vsock port template. */
#include <string.h>

#include "platform.h"

const struct hv_guid hv_vsock_template = {
    0x00000000u, 0xfacbu, 0x11e6u, {0xbd, 0x58, 0x64, 0x00, 0x6a, 0x79, 0x86, 0xd3}};

/* Read n hex digits at s; -1 on a non-hex character. */
static int hexn(const char *s, int n, uint32_t *out)
{
    uint32_t v = 0;
    int i;
    for (i = 0; i < n; i++) {
        int d = hv__hexval(s[i]);
        if (d < 0)
            return -1;
        v = (v << 4) | (uint32_t)d;
    }
    *out = v;
    return 0;
}

size_t hv_guid_scan(const char *s, struct hv_guid *g)
{
    /* 8-4-4-4-12 */
    static const int dash_at[] = {8, 13, 18, 23};
    struct hv_guid t;
    uint32_t v = 0;
    size_t off = 0;
    int i;

    if (s == NULL)
        return 0;
    if (s[0] == '{')
        off = 1;
    for (i = 0; i < HV_GUID_STRLEN; i++) {
        /* also stops at the NUL of a short string */
        int want_dash = (i == dash_at[0] || i == dash_at[1] || i == dash_at[2] ||
                         i == dash_at[3]);
        char c = s[off + (size_t)i];
        if (want_dash ? c != '-' : hv__hexval(c) < 0)
            return 0;
    }
    if (off && s[off + HV_GUID_STRLEN] != '}')
        return 0;
    s += off;
    hexn(s, 8, &t.data1);
    hexn(s + 9, 4, &v);
    t.data2 = (uint16_t)v;
    hexn(s + 14, 4, &v);
    t.data3 = (uint16_t)v;
    for (i = 0; i < 2; i++) {
        hexn(s + 19 + 2 * i, 2, &v);
        t.data4[i] = (uint8_t)v;
    }
    for (i = 0; i < 6; i++) {
        hexn(s + 24 + 2 * i, 2, &v);
        t.data4[2 + i] = (uint8_t)v;
    }
    if (g)
        *g = t;
    return HV_GUID_STRLEN + 2 * off;
}

int hv_guid_parse(const char *s, struct hv_guid *g)
{
    size_t n = hv_guid_scan(s, g);
    if (n == 0 || s[n] != '\0')
        return HV_EBADGUID;
    return 0;
}

size_t hv_guid_format(const struct hv_guid *g, char *buf)
{
    static const char hex[] = "0123456789abcdef";
    char *p = buf;
    int i;
    for (i = 28; i >= 0; i -= 4)
        *p++ = hex[(g->data1 >> i) & 0xf];
    *p++ = '-';
    for (i = 12; i >= 0; i -= 4)
        *p++ = hex[(g->data2 >> i) & 0xf];
    *p++ = '-';
    for (i = 12; i >= 0; i -= 4)
        *p++ = hex[(g->data3 >> i) & 0xf];
    *p++ = '-';
    for (i = 0; i < 8; i++) {
        if (i == 2)
            *p++ = '-';
        *p++ = hex[g->data4[i] >> 4];
        *p++ = hex[g->data4[i] & 0xf];
    }
    *p = '\0';
    return HV_GUID_STRLEN;
}

int hv_guid_equal(const struct hv_guid *a, const struct hv_guid *b)
{
    return a->data1 == b->data1 && a->data2 == b->data2 &&
           a->data3 == b->data3 && memcmp(a->data4, b->data4, 8) == 0;
}

int hv_guid_is_zero(const struct hv_guid *g)
{
    static const struct hv_guid zero;
    return hv_guid_equal(g, &zero);
}

void hv_guid_to_wire(const struct hv_guid *g, uint8_t out[16])
{
    out[0] = (uint8_t)g->data1;
    out[1] = (uint8_t)(g->data1 >> 8);
    out[2] = (uint8_t)(g->data1 >> 16);
    out[3] = (uint8_t)(g->data1 >> 24);
    out[4] = (uint8_t)g->data2;
    out[5] = (uint8_t)(g->data2 >> 8);
    out[6] = (uint8_t)g->data3;
    out[7] = (uint8_t)(g->data3 >> 8);
    memcpy(out + 8, g->data4, 8);
}

void hv_guid_from_wire(const uint8_t in[16], struct hv_guid *g)
{
    g->data1 = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
               (uint32_t)in[3] << 24;
    g->data2 = (uint16_t)(in[4] | in[5] << 8);
    g->data3 = (uint16_t)(in[6] | in[7] << 8);
    memcpy(g->data4, in + 8, 8);
}

int hv_guid_from_vsock_port(uint32_t port, struct hv_guid *g)
{
    if (port > HV_VSOCK_PORT_MAX)
        return HV_ERANGE;
    *g = hv_vsock_template;
    g->data1 = port;
    return 0;
}

int hv_guid_to_vsock_port(const struct hv_guid *g, uint32_t *port)
{
    struct hv_guid t = *g;
    t.data1 = 0;
    if (!hv_guid_equal(&t, &hv_vsock_template) || g->data1 > HV_VSOCK_PORT_MAX)
        return 0;
    if (port)
        *port = g->data1;
    return 1;
}

int hv_guid_shaped(const char *s)
{
    size_t n = strlen(s);
    if (hv_guid_scan(s, NULL) != 0 || s[0] == '{')
        return 1;
    /* a GUID with a digit too many or too few, or a dash misplaced */
    return n >= HV_GUID_STRLEN - 4 && n <= HV_GUID_STRLEN + 4 &&
           strspn(s, "0123456789abcdefABCDEF-") == n && strchr(s, '-') != NULL;
}

int hv_guid_random(struct hv_guid *g)
{
    uint8_t b[16];
    int r = hv__random_bytes(b, sizeof b);
    if (r < 0)
        return r;
    g->data1 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
               (uint32_t)b[2] << 8 | (uint32_t)b[3];
    g->data2 = (uint16_t)(b[4] << 8 | b[5]);
    /* RFC 4122 version 4 and variant bits, as New-Guid makes them */
    g->data3 = (uint16_t)(((b[6] << 8 | b[7]) & 0x0fff) | 0x4000);
    memcpy(g->data4, b + 8, 8);
    g->data4[0] = (uint8_t)((g->data4[0] & 0x3f) | 0x80);
    return 0;
}
