/* addr.c: parsing the VM and SERVICE operands into one struct hv_addr for
 * each family, and formatting addresses for messages. Portable: the family
 * is a parameter, so both the vsock and the Hyper-V rules are testable on
 * any build; only name look-ups (VM names, registered service names) call
 * into the platform files. */
#include <string.h>

#include "platform.h"

static int is_any_word(const char *s)
{
    return hv__strcaseeq(s, "any") || hv__strcaseeq(s, "wildcard") ||
           strcmp(s, "*") == 0;
}

static int fail(enum hv_addr_part *bad, enum hv_addr_part part, char *hint,
                size_t hintlen, int err, const char *msg)
{
    if (bad)
        *bad = part;
    if (hint && hintlen)
        hv__fmt(hint, hintlen, "%s", msg);
    return err;
}

static int parse_vsock(struct hv_addr *a, const char *vm, const char *service,
                       int flags, enum hv_addr_part *bad, char *hint,
                       size_t hl)
{
    int listen = (flags & HV_ADDR_LISTEN) != 0;
    const struct hv_keyword *k;
    struct hv_guid g;
    uint32_t v;
    int r;

    if (vm == NULL) {
        a->cid = HV_CID_ANY;
    } else if ((k = hv_keyword_find(vm)) != NULL) {
        if (k->cid == HV_CID_NONE)
            return fail(bad, HV_PART_VM, hint, hl, HV_EINVAL,
                        "this keyword has no vsock equivalent; use a CID "
                        "(2 or 'host' for the host, 1 or 'local' for this VM)");
        a->cid = k->cid;
    } else if (hv_guid_scan(vm, &g) != 0 && hv_guid_parse(vm, &g) == 0) {
        /* the well-known ids with a CID (parent, loopback, wildcard) work
         * as their keywords do, so scripts written for Windows run here */
        k = hv__keyword_by_guid(&g);
        if (k == NULL || k->cid == HV_CID_NONE)
            return fail(bad, HV_PART_VM, hint, hl, HV_EINVAL,
                        "a VM GUID has no meaning over vsock; use a CID "
                        "(2 or 'host' for the host, 1 or 'local' for this VM)");
        a->cid = k->cid;
    } else if ((r = hv_parse_u32(vm, 0, 0xFFFFFFFFu, &v)) == 0) {
        a->cid = v;
    } else {
        return fail(bad, HV_PART_VM, hint, hl, HV_EINVAL,
                    "expected a CID number or a keyword (host, local, any)");
    }
    if (!listen && a->cid == HV_CID_ANY)
        return fail(bad, HV_PART_VM, hint, hl, HV_EINVAL,
                    "the wildcard is for listening; connect to a CID");

    if (listen && is_any_word(service)) {
        a->port = HV_CID_ANY; /* VMADDR_PORT_ANY has the same value */
    } else if (hv_parse_u32(service, 0, 0xFFFFFFFEu, &v) == 0) {
        if (v == 0 && !listen)
            return fail(bad, HV_PART_SERVICE, hint, hl, HV_ERANGE,
                        "port 0 is only for listening");
        a->port = v == 0 ? 0xFFFFFFFFu : v;
    } else if (hv_guid_parse(service, &g) == 0) {
        if (!hv_guid_to_vsock_port(&g, &v))
            return fail(bad, HV_PART_SERVICE, hint, hl, HV_EINVAL,
                        "vsock reaches only services of the form "
                        "PORT-facb-11e6-bd58-64006a7986d3");
        a->port = v;
    } else if (hv_parse_u32(service, 0, 0xFFFFFFFFu, &v) == HV_ERANGE ||
               hv_parse_u32(service, 0, 0xFFFFFFFFu, &v) == 0) {
        return fail(bad, HV_PART_SERVICE, hint, hl, HV_ERANGE,
                    "port out of range (0 to 4294967294)");
    } else {
        return fail(bad, HV_PART_SERVICE, hint, hl, HV_EINVAL,
                    "expected a port number or a service GUID");
    }
    return 0;
}

static int parse_hyperv(struct hv_addr *a, const char *vm, const char *service,
                        int flags, enum hv_addr_part *bad, char *hint,
                        size_t hl)
{
    int listen = (flags & HV_ADDR_LISTEN) != 0;
    const struct hv_keyword *k;
    uint32_t v;
    int r;

    if (vm == NULL) {
        memset(&a->vm_id, 0, sizeof a->vm_id);
    } else if (vm[0] == '\0') {
        /* never a name look-up: "" would match every unnamed VM */
        return fail(bad, HV_PART_VM, hint, hl, HV_EINVAL,
                    "expected a VM GUID, a keyword or a VM name");
    } else if ((k = hv_keyword_find(vm)) != NULL) {
        a->vm_id = k->guid;
    } else if (hv_guid_scan(vm, NULL) != 0 || vm[0] == '{') {
        if (hv_guid_parse(vm, &a->vm_id) != 0)
            return fail(bad, HV_PART_VM, hint, hl, HV_EBADGUID,
                        "invalid GUID (expected "
                        "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
    } else if (hv_parse_u32(vm, 0, 0xFFFFFFFFu, &v) == 0) {
        return fail(bad, HV_PART_VM, hint, hl, HV_EINVAL,
                    "a CID has no meaning for Hyper-V sockets; use a VM GUID, "
                    "a keyword or a VM name");
    } else {
        char sub[HV_ADDR_STRLEN] = "";
        r = hv__vm_by_name(vm, &a->vm_id, sub, sizeof sub);
        if (r == HV_ENOTSUP)
            return fail(bad, HV_PART_VM, hint, hl, HV_ENOVM,
                        "not a GUID or keyword, and VM names cannot be "
                        "looked up on this system");
        if (r < 0)
            return fail(bad, HV_PART_VM, hint, hl, r, sub);
    }

    if (hv_parse_u32(service, 0, 0xFFFFFFFFu, &v) == 0) {
        if (v > HV_VSOCK_PORT_MAX)
            return fail(bad, HV_PART_SERVICE, hint, hl, HV_ERANGE,
                        "port out of range (0 to 2147483647)");
        if (v == 0 && listen)
            return fail(bad, HV_PART_SERVICE, hint, hl, HV_ERANGE,
                        "Hyper-V sockets cannot pick a free service; name one");
        hv_guid_from_vsock_port(v, &a->service_id);
        a->port = v;
    } else if (hv_parse_u32(service, 0, 0xFFFFFFFFu, &v) == HV_ERANGE) {
        return fail(bad, HV_PART_SERVICE, hint, hl, HV_ERANGE,
                    "port out of range (0 to 2147483647)");
    } else if (service[0] == '\0') {
        return fail(bad, HV_PART_SERVICE, hint, hl, HV_EINVAL,
                    "expected a port, a service GUID or a registered "
                    "service name");
    } else if (hv_guid_scan(service, NULL) != 0 || service[0] == '{') {
        if (hv_guid_parse(service, &a->service_id) != 0)
            return fail(bad, HV_PART_SERVICE, hint, hl, HV_EBADGUID,
                        "invalid GUID (expected "
                        "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
        if (!hv_guid_to_vsock_port(&a->service_id, &a->port))
            a->port = 0;
    } else {
        char sub[HV_ADDR_STRLEN] = "";
        r = hv__service_by_name(service, &a->service_id, sub, sizeof sub);
        if (r == HV_ENOTSUP || r == HV_ENOTFOUND)
            return fail(bad, HV_PART_SERVICE, hint, hl, HV_EINVAL,
                        "expected a port, a service GUID or a registered "
                        "service name");
        if (r < 0)
            return fail(bad, HV_PART_SERVICE, hint, hl, r, sub);
        if (!hv_guid_to_vsock_port(&a->service_id, &a->port))
            a->port = 0;
    }
    return 0;
}

static int parse_tcp(struct hv_addr *a, const char *vm, const char *service,
                     int flags, enum hv_addr_part *bad, char *hint, size_t hl)
{
    int listen = (flags & HV_ADDR_LISTEN) != 0;
    uint32_t v;
    int r;

    if (vm == NULL || is_any_word(vm)) {
        if (!listen)
            return fail(bad, HV_PART_VM, hint, hl, HV_EINVAL,
                        "the wildcard is for listening; connect to a host");
        a->host[0] = '\0';
    } else {
        size_t n = strlen(vm);
        /* [IPv6] as in URLs: the brackets are not part of the address */
        if (n >= 2 && vm[0] == '[' && vm[n - 1] == ']') {
            vm++;
            n -= 2;
        }
        if (n == 0 || n >= sizeof a->host)
            return fail(bad, HV_PART_VM, hint, hl, HV_EINVAL,
                        "expected a host name or address");
        memcpy(a->host, vm, n);
        a->host[n] = '\0';
    }
    if (listen && is_any_word(service)) {
        a->port = 0;
        return 0;
    }
    r = hv_parse_u32(service, listen ? 0 : 1, 65535, &v);
    if (r == HV_ERANGE)
        return fail(bad, HV_PART_SERVICE, hint, hl, r,
                    listen ? "port out of range (0 to 65535)"
                           : "port out of range (1 to 65535)");
    if (r < 0)
        return fail(bad, HV_PART_SERVICE, hint, hl, HV_EINVAL,
                    "expected a TCP port number");
    a->port = v;
    return 0;
}

int hv_addr_parse(struct hv_addr *a, enum hv_family fam, const char *vm,
                  const char *service, int flags, enum hv_addr_part *bad,
                  char *hint, size_t hintlen)
{
    memset(a, 0, sizeof *a);
    a->family = fam;
    if (bad)
        *bad = HV_PART_NONE;
    if (hint && hintlen)
        hint[0] = '\0';
    if (service == NULL)
        return fail(bad, HV_PART_SERVICE, hint, hintlen, HV_EUSAGE,
                    "missing service");
    switch (fam) {
    case HV_FAMILY_VSOCK:
        return parse_vsock(a, vm, service, flags, bad, hint, hintlen);
    case HV_FAMILY_HYPERV:
        return parse_hyperv(a, vm, service, flags, bad, hint, hintlen);
    case HV_FAMILY_TCP:
        return parse_tcp(a, vm, service, flags, bad, hint, hintlen);
    case HV_FAMILY_UNIX:
    case HV_FAMILY_NPIPE:
    case HV_FAMILY_HYBRID:
        break; /* their own operands: hv_addr_unix, _npipe, _hybrid */
    }
    return HV_EINTERNAL;
}

/* Keyword name for a GUID, preferring canonical names. */
static const char *guid_keyword(const struct hv_guid *g)
{
    const struct hv_keyword *k = hv__keyword_by_guid(g);
    return k ? k->name : NULL;
}

size_t hv_addr_format(const struct hv_addr *a, char *buf, size_t n)
{
    char vm[HV_GUID_BUFSIZE], svc[HV_GUID_BUFSIZE];
    const char *kw;

    switch (a->family) {
    case HV_FAMILY_VSOCK:
        if (a->cid == HV_CID_ANY && a->port == 0xFFFFFFFFu)
            return hv__fmt(buf, n, "vsock:any:any");
        if (a->cid == HV_CID_ANY)
            return hv__fmt(buf, n, "vsock:any:%lu", (unsigned long)a->port);
        return hv__fmt(buf, n, "vsock:%lu:%lu", (unsigned long)a->cid,
                       (unsigned long)a->port);
    case HV_FAMILY_HYPERV:
        kw = guid_keyword(&a->vm_id);
        if (kw == NULL) {
            hv_guid_format(&a->vm_id, vm);
            kw = vm;
        }
        if (hv_guid_to_vsock_port(&a->service_id, NULL))
            return hv__fmt(buf, n, "hvsock:%s:%lu", kw,
                           (unsigned long)a->service_id.data1);
        hv_guid_format(&a->service_id, svc);
        return hv__fmt(buf, n, "hvsock:%s:%s", kw, svc);
    case HV_FAMILY_TCP:
        if (a->host[0] == '\0')
            return hv__fmt(buf, n, "tcp:any:%lu", (unsigned long)a->port);
        if (strchr(a->host, ':'))
            return hv__fmt(buf, n, "tcp:[%s]:%lu", a->host,
                           (unsigned long)a->port);
        return hv__fmt(buf, n, "tcp:%s:%lu", a->host, (unsigned long)a->port);
    case HV_FAMILY_UNIX:
        /* an accepted peer has no path: name it by its uid */
        if (a->path[0] == '\0' && a->port != HV_UID_UNKNOWN)
            return hv__fmt(buf, n, "unix:uid=%lu", (unsigned long)a->port);
        return hv__fmt(buf, n, "unix:%s", a->path[0] ? a->path : "?");
    case HV_FAMILY_NPIPE:
        return hv__fmt(buf, n, "npipe:%s", a->path);
    case HV_FAMILY_HYBRID:
        if (a->cid == HV_HYBRID_GUID) {
            hv_guid_format(&a->service_id, svc);
            return hv__fmt(buf, n, "hybrid:%s:%s", a->path, svc);
        }
        return hv__fmt(buf, n, "hybrid:%s:%lu", a->path,
                       (unsigned long)a->port);
    }
    return hv__fmt(buf, n, "?");
}
