/* filter.c: who may connect to a listener (--allow/--deny). Portable: the
 * rules compare the peer address that hv_sock_accept reports; VM names and
 * user names are resolved once, when the rule is added, through the
 * platform files. A peer's user is a uid on POSIX and a SID on Windows
 * (unix sockets and named pipes); a peer whose user could not be read
 * matches every --deny by user and no --allow. */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

struct rule {
    int allow;
    enum hv_family family;
    struct hv_guid vm;  /* HYPERV */
    uint32_t num;       /* VSOCK: CID; UNIX: uid (POSIX) */
    char sid[HV_SID_MAX]; /* UNIX, NPIPE (Windows): the user's SID */
    uint8_t ip[16];     /* TCP: IPv4 in the first 4 bytes, or IPv6 */
    int v6;
    unsigned prefix;    /* TCP: leading bits that must match */
};

struct hv_filter {
    struct rule *rules;
    size_t n;
    int allows; /* an --allow exists: everything else is denied */
};

static int hint_fail(char *hint, size_t hl, int err, const char *msg)
{
    if (hint && hl)
        hv__fmt(hint, hl, "%s", msg);
    return err;
}

/* Dotted IPv4, exactly four decimal parts of 0-255. */
static int ip4_scan(const char *s, size_t len, uint8_t out[4])
{
    size_t i = 0;
    int part;
    for (part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(s[i] - '0');
            i++;
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255)
            return -1;
        out[part] = (uint8_t)v;
        if (part < 3) {
            if (i >= len || s[i] != '.')
                return -1;
            i++;
        }
    }
    return i == len ? 0 : -1;
}

/* RFC 4291 text: groups of 1-4 hex digits, one "::", an IPv4 tail. */
static int ip6_scan(const char *s, size_t len, uint8_t out[16])
{
    uint8_t b[16];
    size_t i = 0, n = 0; /* bytes filled */
    long gap = -1;       /* where "::" stands, in bytes */

    memset(b, 0, sizeof b);
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (len >= 1 && s[0] == ':') {
        return -1;
    }
    while (i < len) {
        size_t j = i;
        unsigned v = 0;
        int d;
        while (j < len && j - i < 5 && (d = hv__hexval(s[j])) >= 0) {
            v = v * 16 + (unsigned)d;
            j++;
        }
        if (j < len && s[j] == '.') {
            /* an IPv4 tail takes the last four bytes */
            if (n + 4 > 16 || ip4_scan(s + i, len - i, b + n) < 0)
                return -1;
            n += 4;
            i = len;
            break;
        }
        if (j == i || j - i > 4 || n + 2 > 16)
            return -1;
        b[n++] = (uint8_t)(v >> 8);
        b[n++] = (uint8_t)v;
        i = j;
        if (i == len)
            break;
        if (s[i] != ':')
            return -1;
        i++;
        if (i < len && s[i] == ':') {
            if (gap >= 0)
                return -1;
            gap = (long)n;
            i++;
        } else if (i == len) {
            return -1; /* a trailing single colon */
        }
    }
    if (gap >= 0) {
        size_t tail = n - (size_t)gap;
        if (n == 16)
            return -1;
        memmove(b + 16 - tail, b + gap, tail);
        memset(b + gap, 0, 16 - (size_t)gap - tail);
    } else if (n != 16) {
        return -1;
    }
    memcpy(out, b, 16);
    return 0;
}

/* An address as text: IPv4 (v6 = 0) or IPv6; an IPv4-mapped IPv6 address
 * (what a dual-stack listener reports for IPv4 peers) becomes IPv4. A
 * "%scope" suffix is ignored. */
static int ip_scan(const char *s, size_t len, uint8_t out[16], int *v6)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    const char *pct = memchr(s, '%', len);
    if (pct)
        len = (size_t)(pct - s);
    if (ip4_scan(s, len, out) == 0) {
        *v6 = 0;
        return 0;
    }
    if (ip6_scan(s, len, out) < 0)
        return -1;
    *v6 = 1;
    if (memcmp(out, mapped, 12) == 0) {
        memmove(out, out + 12, 4);
        *v6 = 0;
    }
    return 0;
}

static int rule_tcp(struct rule *r, const char *s, char *hint, size_t hl)
{
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    uint32_t bits;

    if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
        s++;
        len -= 2;
    }
    if (ip_scan(s, len, r->ip, &r->v6) < 0)
        return hint_fail(hint, hl, HV_EINVAL,
                         "expected an IP address or ADDRESS/PREFIX");
    r->prefix = r->v6 ? 128 : 32;
    if (slash) {
        if (hv_parse_u32(slash + 1, 0, r->prefix, &bits) < 0)
            return hint_fail(hint, hl, HV_ERANGE, r->v6
                                 ? "prefix length out of range (0 to 128)"
                                 : "prefix length out of range (0 to 32)");
        r->prefix = bits;
    }
    return 0;
}

static int rule_vsock(struct rule *r, const char *s, char *hint, size_t hl)
{
    const struct hv_keyword *k = hv_keyword_find(s);
    if (k && k->cid != HV_CID_NONE && k->cid != HV_CID_ANY) {
        r->num = k->cid;
        return 0;
    }
    if (hv_parse_u32(s, 0, 0xFFFFFFFEu, &r->num) == 0)
        return 0;
    return hint_fail(hint, hl, HV_EINVAL,
                     "expected a CID or a keyword (host, local)");
}

static int rule_hyperv(struct rule *r, const char *s, char *hint, size_t hl)
{
    const struct hv_keyword *k = hv_keyword_find(s);
    int e;
    if (k) {
        r->vm = k->guid;
        return 0;
    }
    if (hv_guid_parse(s, &r->vm) == 0)
        return 0;
    e = hv__vm_by_name(s, &r->vm, hint, hl);
    if (e < 0 && hint && hl && hint[0] == '\0')
        hv__fmt(hint, hl, "%s", hv_strerror(e));
    return e;
}

/* A peer's user (unix sockets, named pipes): POSIX takes uid:N, user:NAME
 * and NAME; Windows takes user:NAME, NAME and sid:SID. Each platform
 * refuses the other's form, which could never match. */
static int rule_user(struct rule *r, const char *s, char *hint, size_t hl)
{
    int is_sid = strncmp(s, "sid:", 4) == 0, e;
    const char *name = s;

    if (strncmp(s, "uid:", 4) == 0) {
        if (!hv__uids_exist())
            return hint_fail(hint, hl, HV_EINVAL,
                             "uid:NUMBER is for POSIX systems: Windows "
                             "users are names or SIDs");
        if (hv_parse_u32(s + 4, 0, 0xFFFFFFFEu, &r->num) < 0)
            return hint_fail(hint, hl, HV_EINVAL, "expected uid:NUMBER");
        return 0;
    }
    if (is_sid)
        name = s + 4;
    else if (strncmp(s, "user:", 5) == 0)
        name = s + 5;
    if (name[0] == '\0')
        return hint_fail(hint, hl, HV_EINVAL, "expected a user name");
    if (hv__uids_exist()) {
        if (is_sid)
            return hint_fail(hint, hl, HV_EINVAL,
                             "sid:SID is for Windows: POSIX users are "
                             "names or uid:NUMBER");
        e = hv__uid_by_name(name, &r->num);
        if (e == HV_ENOTFOUND)
            return hint_fail(hint, hl, e, "no such user (or use uid:NUMBER)");
        return e < 0 ? hint_fail(hint, hl, e, hv_strerror(e)) : 0;
    }
    e = hv__user_sid(name, is_sid, r->sid, sizeof r->sid);
    if (e == HV_ENOTFOUND)
        return hint_fail(hint, hl, e, "no such user (or use sid:SID)");
    if (e == HV_EINVAL)
        return hint_fail(hint, hl, e,
                         is_sid ? "expected sid:S-1-..." : "expected a user name");
    return e < 0 ? hint_fail(hint, hl, e, hv_strerror(e)) : 0;
}

int hv_filter_add(struct hv_filter **f, int allow, enum hv_family fam,
                  const char *rule, char *hint, size_t hl)
{
    struct rule r, *more;
    int e;

    if (hint && hl)
        hint[0] = '\0';
    memset(&r, 0, sizeof r);
    r.allow = allow;
    /* a hybrid vsock listener is a unix socket's: its peers' uids */
    if (fam == HV_FAMILY_HYBRID)
        fam = HV_FAMILY_UNIX;
    r.family = fam;
    switch (fam) {
    case HV_FAMILY_TCP:
        e = rule_tcp(&r, rule, hint, hl);
        break;
    case HV_FAMILY_VSOCK:
        e = rule_vsock(&r, rule, hint, hl);
        break;
    case HV_FAMILY_HYPERV:
        e = rule_hyperv(&r, rule, hint, hl);
        break;
    case HV_FAMILY_UNIX:
        e = rule_user(&r, rule, hint, hl);
        break;
    case HV_FAMILY_NPIPE:
        /* named pipes are Windows', whose users have SIDs */
        e = hv__uids_exist() ? hint_fail(hint, hl, HV_ENOTSUP,
                                         "named pipes are for Windows")
                             : rule_user(&r, rule, hint, hl);
        break;
    default:
        e = hint_fail(hint, hl, HV_ENOTSUP, "no rules for this family");
        break;
    }
    if (e < 0)
        return e;
    if (*f == NULL && (*f = calloc(1, sizeof **f)) == NULL)
        return HV_ENOMEM;
    more = realloc((*f)->rules, ((*f)->n + 1) * sizeof *more);
    if (more == NULL)
        return HV_ENOMEM;
    (*f)->rules = more;
    (*f)->rules[(*f)->n++] = r;
    if (allow)
        (*f)->allows = 1;
    return 0;
}

static int prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    return ((a[full] ^ b[full]) & (uint8_t)(0xFF00u >> rest)) == 0;
}

/* A rule by user: a peer whose user is unknown matches a --deny (so that
 * what cannot be checked is not let in) and no --allow. */
static int user_matches(const struct rule *r, const struct hv_addr *peer)
{
    int unknown;
    if (r->sid[0]) {
        unknown = peer->host[0] == '\0';
        return unknown ? !r->allow : hv__sid_same(r->sid, peer->host);
    }
    if (peer->family == HV_FAMILY_NPIPE)
        return 0;
    unknown = peer->port == HV_UID_UNKNOWN;
    return unknown ? !r->allow : peer->port == r->num;
}

static int rule_matches(const struct rule *r, const struct hv_addr *peer)
{
    uint8_t ip[16];
    int v6;

    if (r->family != peer->family)
        return 0;
    switch (r->family) {
    case HV_FAMILY_TCP:
        if (ip_scan(peer->host, strlen(peer->host), ip, &v6) < 0 ||
            v6 != r->v6)
            return 0;
        return prefix_match(ip, r->ip, r->prefix);
    case HV_FAMILY_VSOCK:
        return peer->cid == r->num;
    case HV_FAMILY_HYPERV:
        return hv_guid_equal(&peer->vm_id, &r->vm);
    case HV_FAMILY_UNIX:
    case HV_FAMILY_NPIPE:
        return user_matches(r, peer);
    default:
        return 0;
    }
}

int hv_filter_check(const struct hv_filter *f, const struct hv_addr *peer)
{
    size_t i;
    int allowed;

    if (f == NULL)
        return 1;
    allowed = !f->allows;
    for (i = 0; i < f->n; i++) {
        if (!rule_matches(&f->rules[i], peer))
            continue;
        if (!f->rules[i].allow)
            return 0; /* --deny wins */
        allowed = 1;
    }
    return allowed;
}

void hv_filter_free(struct hv_filter *f)
{
    if (f == NULL)
        return;
    free(f->rules);
    free(f);
}
