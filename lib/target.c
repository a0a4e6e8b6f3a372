/* target.c: one-string addresses ("tcp:HOST:PORT", "unix:PATH",
 * "hybrid:PATH:PORT", ...) as
 * hvlisten --to takes them, and the operands of -U and --npipe. Portable:
 * each form becomes a struct hv_addr of its family; whether this system
 * can reach that family is for hv_sock_connect to say. */
#include <string.h>

#include "platform.h"

static int hint_fail(char *hint, size_t hl, int err, const char *msg)
{
    if (hint && hl)
        hv__fmt(hint, hl, "%s", msg);
    return err;
}

int hv_addr_unix(struct hv_addr *a, const char *path, char *hint, size_t hl)
{
    size_t n = strlen(path);
    memset(a, 0, sizeof *a);
    a->family = HV_FAMILY_UNIX;
    if (n == 0)
        return hint_fail(hint, hl, HV_EINVAL, "empty socket path");
    /* sockaddr_un holds 108 bytes with the NUL, on Linux and Windows */
    if (n > 107)
        return hint_fail(hint, hl, HV_ERANGE,
                         "socket path too long (at most 107 bytes)");
    memcpy(a->path, path, n + 1);
    return 0;
}

#define PIPE_PREFIX "\\\\.\\pipe\\"

int hv_addr_npipe(struct hv_addr *a, const char *name, char *hint, size_t hl)
{
    size_t plen = strlen(PIPE_PREFIX), n;
    memset(a, 0, sizeof *a);
    a->family = HV_FAMILY_NPIPE;
    /* \\.\pipe\NAME or //./pipe/NAME as typed, or the bare NAME */
    if (strlen(name) > plen && (strncmp(name, PIPE_PREFIX, plen) == 0 ||
                                strncmp(name, "//./pipe/", plen) == 0))
        name += plen;
    n = strlen(name);
    if (n == 0)
        return hint_fail(hint, hl, HV_EINVAL, "empty pipe name");
    if (strchr(name, '\\') || strchr(name, '/'))
        return hint_fail(hint, hl, HV_EINVAL,
                         "a pipe name is NAME or \\\\.\\pipe\\NAME");
    /* the whole name, prefix included, is at most 256 characters */
    if (plen + n > 256)
        return hint_fail(hint, hl, HV_ERANGE, "pipe name too long");
    memcpy(a->path, PIPE_PREFIX, plen);
    memcpy(a->path + plen, name, n + 1);
    return 0;
}

/* "VM:SERVICE" or "HOST:PORT" split at the last colon, HOST unbracketed. */
static int split(const char *s, char *host, size_t hn, const char **port,
                 int brackets)
{
    const char *colon = strrchr(s, ':');
    size_t n;
    if (colon == NULL || colon[1] == '\0' || colon == s)
        return HV_EINVAL;
    n = (size_t)(colon - s);
    if (brackets && s[0] == '[') {
        if (n < 3 || s[n - 1] != ']')
            return HV_EINVAL;
        s++;
        n -= 2;
    }
    if (n >= hn)
        return HV_ERANGE;
    memcpy(host, s, n);
    host[n] = '\0';
    *port = colon + 1;
    return 0;
}

/* hybrid:PATH:PORT, split at the last colon (a path may hold colons, a
 * port or GUID none). */
static int hybrid_word(struct hv_addr *a, const char *s, char *hint,
                       size_t hl)
{
    char path[HV_PATH_MAX];
    const char *colon = strrchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : 0;
    if (colon == NULL || colon[1] == '\0' || n == 0)
        return hint_fail(hint, hl, HV_EINVAL,
                         "expected hybrid:PATH:PORT (the VMM's socket, a "
                         "guest port)");
    if (n >= sizeof path)
        return hint_fail(hint, hl, HV_ERANGE, "socket path too long");
    memcpy(path, s, n);
    path[n] = '\0';
    return hv_addr_hybrid(a, path, colon + 1, hint, hl);
}

/* The forms, by the prefix that names each. */
static const struct {
    const char *prefix;
    int family; /* 0: the native one */
} forms[] = {{"hv:", 0},        {"hvsock:", 0},
             {"vsock:", HV_FAMILY_VSOCK}, {"tcp:", HV_FAMILY_TCP},
             {"unix:", HV_FAMILY_UNIX},   {"npipe:", HV_FAMILY_NPIPE},
             {"hybrid:", HV_FAMILY_HYBRID}};

int hv_target_is_word(const char *s)
{
    size_t i;
    for (i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (strncmp(s, forms[i].prefix, strlen(forms[i].prefix)) == 0)
            return 1;
    return 0;
}

int hv_target_parse(struct hv_addr *a, const char *s, int flags, char *hint,
                    size_t hl)
{
    char host[HV_HOST_MAX];
    const char *port;
    enum hv_addr_part bad;
    size_t i;
    int r;

    if (hint && hl)
        hint[0] = '\0';
    for (i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        size_t n = strlen(forms[i].prefix);
        int fam = forms[i].family;
        if (strncmp(s, forms[i].prefix, n) != 0)
            continue;
        s += n;
        if (fam == HV_FAMILY_UNIX)
            return hv_addr_unix(a, s, hint, hl);
        if (fam == HV_FAMILY_NPIPE)
            return hv_addr_npipe(a, s, hint, hl);
        if (fam == HV_FAMILY_HYBRID)
            return hybrid_word(a, s, hint, hl);
        r = split(s, host, sizeof host, &port, fam == HV_FAMILY_TCP);
        if (r < 0)
            return hint_fail(hint, hl, HV_EINVAL,
                             fam == HV_FAMILY_TCP
                                 ? "expected tcp:HOST:PORT ([IPv6]:PORT)"
                                 : "expected VM:SERVICE after the prefix");
        return hv_addr_parse(a, fam ? (enum hv_family)fam : hv_native_family(),
                             host, port, flags, &bad, hint, hl);
    }
    return hint_fail(hint, hl, HV_EINVAL,
                     "expected hv:VM:SERVICE, vsock:CID:PORT, tcp:HOST:PORT, "
                     "unix:PATH, npipe:NAME or hybrid:PATH:PORT");
}
