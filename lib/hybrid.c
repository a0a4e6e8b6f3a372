/* hybrid.c: hybrid vsock, the host side of Firecracker's, Cloud
 * Hypervisor's and OpenVMM's vsock devices: the VMM listens on one unix
 * socket; a host client connects to it, writes "CONNECT PORT\n" and reads
 * "OK N\n" before the stream; a guest's connect to host port PORT reaches
 * the unix socket PATH_PORT. Portable: the address, the request, the
 * answer's reader (a byte at a time from the caller: never a byte past
 * the newline, which belongs to the stream). sock.c's blocking connect
 * and the POSIX relay's dial without blocking (sock_posix.c) drive the
 * same reader over the platform's unix sockets. */
#include <stdlib.h>
#include <string.h>

#include "platform_os.h"

/* The guest port as the text both directions use: decimal, or the GUID
 * in lowercase. buf holds HV_GUID_BUFSIZE. */
static size_t port_text(const struct hv_addr *a, char *buf)
{
    if (a->cid == HV_HYBRID_GUID)
        return hv_guid_format(&a->service_id, buf);
    return hv__fmt(buf, HV_GUID_BUFSIZE, "%lu", (unsigned long)a->port);
}

int hv_addr_hybrid(struct hv_addr *a, const char *path, const char *port,
                   char *hint, size_t hl)
{
    char text[HV_GUID_BUFSIZE];
    size_t n = strlen(path);

    if (hint && hl)
        hint[0] = '\0';
    memset(a, 0, sizeof *a);
    a->family = HV_FAMILY_HYBRID;
    if (hv_parse_u32(port, 0, 0xFFFFFFFEu, &a->port) < 0) {
        a->cid = HV_HYBRID_GUID;
        if (hv_guid_parse(port, &a->service_id) < 0) {
            if (hint && hl)
                hv__fmt(hint, hl, "a guest port is a vsock port (0 to "
                                  "4294967294) or a service GUID");
            return HV_EINVAL;
        }
    }
    if (n == 0) {
        if (hint && hl)
            hv__fmt(hint, hl, "empty socket path");
        return HV_EINVAL;
    }
    /* the guest's side is PATH_PORT: it must fit in a sockaddr_un too */
    if (n + 1 + port_text(a, text) > 107) {
        if (hint && hl)
            hv__fmt(hint, hl, "socket path too long (PATH_%s has at most "
                              "107 bytes)", text);
        return HV_ERANGE;
    }
    memcpy(a->path, path, n + 1);
    return 0;
}

int hv__hybrid_unix(const struct hv_addr *a, int listen, struct hv_addr *u)
{
    char text[HV_GUID_BUFSIZE];
    memset(u, 0, sizeof *u);
    u->family = HV_FAMILY_UNIX;
    if (!listen) {
        hv__fmt(u->path, sizeof u->path, "%s", a->path);
        return 0;
    }
    port_text(a, text);
    if (strlen(a->path) + 1 + strlen(text) > 107)
        return HV_ERANGE;
    hv__fmt(u->path, sizeof u->path, "%s_%s", a->path, text);
    return 0;
}

size_t hv__hybrid_request(const struct hv_addr *a, char *buf, size_t n)
{
    char text[HV_GUID_BUFSIZE];
    port_text(a, text);
    return hv__fmt(buf, n, "CONNECT %s\n", text);
}

void hv__hybrid_init(struct hv__hybrid *h)
{
    memset(h, 0, sizeof *h);
}

/* The answer so far, as a message can show it: printable ASCII as it is,
 * the rest escaped, cut to fit. */
static void show(const struct hv__hybrid *h, char *buf, size_t n)
{
    size_t i, k = 0;
    for (i = 0; i < h->len && k + 5 < n; i++) {
        unsigned char c = (unsigned char)h->line[i];
        if (c == '\n')
            k += hv__fmt(buf + k, n - k, "\\n");
        else if (c == '\r')
            k += hv__fmt(buf + k, n - k, "\\r");
        else if (c == '\\' || c == '\'')
            k += hv__fmt(buf + k, n - k, "\\%c", c);
        else if (c >= 0x20 && c < 0x7F)
            buf[k++] = (char)c;
        else
            k += hv__fmt(buf + k, n - k, "\\x%02x", c);
    }
    /* cut here, or by the reader's bound */
    if ((i < h->len || (h->len == HV__HYBRID_LINE_MAX &&
                        h->line[h->len - 1] != '\n')) && k + 4 <= n)
        k += hv__fmt(buf + k, n - k, "...");
    buf[k < n ? k : n - 1] = '\0';
}

/* A malformed answer: the code, with the answer for hv_errtext. */
static int bad(const struct hv__hybrid *h, const char *what)
{
    char text[HV__HYBRID_LINE_MAX * 4 + 8], detail[HV__HYBRID_LINE_MAX * 4 + 64];
    show(h, text, sizeof text);
    hv__fmt(detail, sizeof detail, "%s '%s'", what, text);
    hv__err_detail(HV_EHANDSHAKE, detail);
    return HV_EHANDSHAKE;
}

/* "OK" alone, or "OK ARG" with ARG printable and without spaces; one CR
 * before the newline is allowed. The answer's text goes to h->ok. */
static int check(struct hv__hybrid *h)
{
    size_t n = h->len - 1, i; /* without the newline */
    if (n > 0 && h->line[n - 1] == '\r')
        n--;
    if (n < 2 || h->line[0] != 'O' || h->line[1] != 'K')
        return bad(h, "answered");
    if (n > 2 && (h->line[2] != ' ' || n == 3))
        return bad(h, "answered");
    for (i = 3; i < n; i++) {
        unsigned char c = (unsigned char)h->line[i];
        if (c <= 0x20 || c >= 0x7F)
            return bad(h, "answered");
    }
    h->ok_len = n > 3 ? n - 3 : 0;
    memcpy(h->ok, h->line + 3, h->ok_len);
    h->ok[h->ok_len] = '\0';
    return 1;
}

int hv__hybrid_feed(struct hv__hybrid *h, const char *p, size_t n,
                    size_t *used)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (h->len == HV__HYBRID_LINE_MAX) {
            *used = i;
            return bad(h, "answered without a newline");
        }
        h->line[h->len++] = p[i];
        if (p[i] == '\n') {
            *used = i + 1;
            return check(h);
        }
    }
    *used = n;
    return h->len == HV__HYBRID_LINE_MAX ? bad(h, "answered without a newline")
                                          : 0;
}

int hv__hybrid_eof(const struct hv__hybrid *h)
{
    /* no answer at all: the VMM closes so when nothing listens on the
     * guest port (or it is at its limit of connections) */
    if (h->len == 0)
        return HV_ECONNREFUSED;
    return bad(h, "closed after");
}

/* Keep the answer on the connection (hv_sock_hybrid_answer). */
int hv__hybrid_keep(struct hv_sock *s, const struct hv__hybrid *h)
{
    s->hybrid_ok = malloc(h->ok_len + 1);
    if (s->hybrid_ok == NULL)
        return HV_ENOMEM;
    memcpy(s->hybrid_ok, h->ok, h->ok_len + 1);
    return 0;
}

const char *hv_sock_hybrid_answer(const struct hv_sock *s)
{
    return s ? s->hybrid_ok : NULL;
}
