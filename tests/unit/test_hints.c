/* test_hints.c: the diagnosis's rules (diag.c) from facts set by hand,
 * on every platform: each hint of hvsock(7) "TROUBLESHOOTING" for the
 * facts that call for it, and none where a fact is unknown. The facts
 * read from prepared Linux trees are test_hints_tree.c's. */
#include <stdarg.h>
#include <string.h>

#include "hints_addr.h"
#include "hvsock_int.h"
#include "ut.h"

#define WSL_ID "5c0a3b1e-6d1f-4c8e-9a7b-2f3e4d5c6b7a"
#define VM_ID "6f1d2c3b-4a59-4867-8e9f-0a1b2c3d4e5f"

/* Facts: a Linux guest whose every fact is known and harmless. */
static void linux_facts(struct hv_diag_facts *f)
{
    int m;
    hv_diag_facts_init(f);
    hv__fmt(f->release, sizeof f->release, "6.1.0-28-cloud-amd64");
    f->wsl = 0;
    f->vmbus = f->virtio_vsock = f->vmware = 0;
    for (m = 0; m < HV_MOD_COUNT; m++) {
        f->loaded[m] = 0;
        f->in_kernel[m] = 1;
    }
    f->loaded[HV_MOD_VSOCK] = 1;
}

static void run(const struct hv_addr *a, enum hv_diag_op op, int err,
                const struct hv_diag_facts *f, struct hv_hints *h)
{
    memset(h, 0x55, sizeof *h);
    hv_diag_from_facts(a, op, err, f, h);
}

/* Hint i has id and its text holds each of the NULL-ended strings. */
static void expect(const struct hv_hints *h, size_t i, const char *id, ...)
{
    va_list ap;
    const char *s;
    if (i >= h->n) {
        ut_fail(__FILE__, __LINE__, "no hint %lu (%lu in all), expected %s",
                (unsigned long)i, (unsigned long)h->n, id);
        return;
    }
    UT_EQ_STR(h->h[i].id, id);
    va_start(ap, id);
    while ((s = va_arg(ap, const char *)) != NULL)
        if (strstr(h->h[i].text, s) == NULL)
            ut_fail(__FILE__, __LINE__, "hint %lu \"%s\" lacks \"%s\"",
                    (unsigned long)i, h->h[i].text, s);
    va_end(ap);
}

/* ---------------------------------------------------------------- vsock */

UT_CASE(vsock_loopback_not_loaded)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = vsock(1, 5000);
    static const int errs[] = {HV_ENODEV, HV_ENETUNREACH, HV_EADDRNOTAVAIL,
                               HV_ETIMEDOUT};
    size_t i;
    linux_facts(&f);
    for (i = 0; i < sizeof errs / sizeof errs[0]; i++) {
        run(&a, HV_DIAG_CONNECT, errs[i], &f, &h);
        UT_EQ_INT(h.n, 1);
        expect(&h, 0, "vsock-loopback", "not loaded",
               "modprobe vsock_loopback", NULL);
    }
    /* a listener on CID 1: EADDRNOTAVAIL from bind */
    run(&a, HV_DIAG_LISTEN, HV_EADDRNOTAVAIL, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "vsock-loopback", "modprobe vsock_loopback", NULL);
    /* loaded: no such hint */
    f.loaded[HV_MOD_LOOPBACK] = 1;
    run(&a, HV_DIAG_CONNECT, HV_ENODEV, &f, &h);
    UT_EQ_INT(h.n, 0);
    /* not in this kernel */
    f.loaded[HV_MOD_LOOPBACK] = 0;
    f.in_kernel[HV_MOD_LOOPBACK] = 0;
    run(&a, HV_DIAG_CONNECT, HV_ENODEV, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "vsock-loopback", "6.1.0-28-cloud-amd64) has none",
           "TCP on localhost", NULL);
    /* unknown: nothing said */
    f.loaded[HV_MOD_LOOPBACK] = HV_FACT_UNKNOWN;
    f.in_kernel[HV_MOD_LOOPBACK] = HV_FACT_UNKNOWN;
    run(&a, HV_DIAG_CONNECT, HV_ENODEV, &f, &h);
    UT_EQ_INT(h.n, 0);
    hv_diag_facts_free(&f);
}

UT_CASE(vsock_loopback_wsl)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = vsock(1, 22);
    linux_facts(&f);
    hv__fmt(f.release, sizeof f.release, "5.15.153.1-microsoft-standard-WSL2");
    f.wsl = 1;
    f.loaded[HV_MOD_LOOPBACK] = HV_FACT_UNKNOWN;
    f.in_kernel[HV_MOD_LOOPBACK] = HV_FACT_UNKNOWN;
    run(&a, HV_DIAG_CONNECT, HV_ENETUNREACH, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "vsock-loopback", "WSL2 kernel (5.15.153.1-microsoft",
           "built without", NULL);
    hv_diag_facts_free(&f);
}

UT_CASE(vsock_family_missing)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = vsock(2, 5000);

    linux_facts(&f);
    f.loaded[HV_MOD_VSOCK] = 0;
    /* Hyper-V guest */
    f.vmbus = 1;
    run(&a, HV_DIAG_CONNECT, HV_ENOVSOCK, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "vsock-module", "Hyper-V guest", "modprobe hv_sock", NULL);
    /* a listener gets the same */
    a = vsock(HV_CID_ANY, 5000);
    run(&a, HV_DIAG_LISTEN, HV_ENOVSOCK, &f, &h);
    expect(&h, 0, "vsock-module", "modprobe hv_sock", NULL);
    /* virtio guest whose kernel lacks the module */
    f.vmbus = 0;
    f.virtio_vsock = 1;
    f.in_kernel[HV_MOD_VIRTIO] = 0;
    a = vsock(2, 5000);
    run(&a, HV_DIAG_CONNECT, HV_ENOVSOCK, &f, &h);
    expect(&h, 0, "vsock-module", "virtio-vsock device",
           "this kernel (6.1.0-28-cloud-amd64) has no "
           "vmw_vsock_virtio_transport module", NULL);
    /* VMware */
    f.virtio_vsock = 0;
    f.vmware = 1;
    run(&a, HV_DIAG_CONNECT, HV_ENOVSOCK, &f, &h);
    expect(&h, 0, "vsock-module", "VMware",
           "modprobe vmw_vsock_vmci_transport", NULL);
    /* no device, CID 1: the loopback module */
    f.vmware = 0;
    a = vsock(1, 5000);
    run(&a, HV_DIAG_CONNECT, HV_ENOVSOCK, &f, &h);
    expect(&h, 0, "vsock-module", "CID 1", "modprobe vsock_loopback", NULL);
    /* no device, another CID */
    a = vsock(2, 5000);
    run(&a, HV_DIAG_CONNECT, HV_ENOVSOCK, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "vsock-no-device", "no vsock device", NULL);
    /* a kernel without vsock at all comes first */
    f.vmbus = 1;
    f.in_kernel[HV_MOD_VSOCK] = 0;
    run(&a, HV_DIAG_CONNECT, HV_ENOVSOCK, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "vsock-module", "has no vsock module", "CONFIG_VSOCKETS",
           NULL);
    /* nothing known: nothing said */
    hv_diag_facts_free(&f);
    hv_diag_facts_init(&f);
    run(&a, HV_DIAG_CONNECT, HV_ENOVSOCK, &f, &h);
    UT_EQ_INT(h.n, 0);
    hv_diag_facts_free(&f);
}

UT_CASE(vsock_no_transport)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = vsock(2, 5000);

    linux_facts(&f);
    f.virtio_vsock = 1;
    run(&a, HV_DIAG_CONNECT, HV_ENODEV, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "vsock-transport", "CID 2 needs one", "virtio-vsock",
           "modprobe vmw_vsock_virtio_transport", NULL);
    f.virtio_vsock = 0;
    f.vmbus = 1;
    run(&a, HV_DIAG_CONNECT, HV_ENODEV, &f, &h);
    expect(&h, 0, "vsock-transport", "modprobe hv_sock", NULL);
    /* no device at all */
    f.vmbus = 0;
    run(&a, HV_DIAG_CONNECT, HV_ENODEV, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "vsock-no-device", "reaches no CID 2", NULL);
    /* a guest transport is loaded: not this */
    f.loaded[HV_MOD_VIRTIO] = 1;
    run(&a, HV_DIAG_CONNECT, HV_ENODEV, &f, &h);
    UT_EQ_INT(h.n, 0);
    hv_diag_facts_free(&f);
}

UT_CASE(vsock_refused)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = vsock(1, 54321);

    linux_facts(&f);
    f.loaded[HV_MOD_LOOPBACK] = 1;
    run(&a, HV_DIAG_CONNECT, HV_ECONNREFUSED, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "vsock-refused", "nothing listens on vsock port 54321 at "
           "CID 1 (this machine)", "hvlisten 54321", NULL);
    a = vsock(3, 7);
    run(&a, HV_DIAG_CONNECT, HV_ECONNRESET, &f, &h);
    expect(&h, 0, "vsock-refused", "port 7 at CID 3:", NULL);
    /* on Hyper-V, the host side's GUID */
    f.vmbus = 1;
    f.loaded[HV_MOD_HV_SOCK] = 1;
    a = vsock(2, 5000);
    run(&a, HV_DIAG_CONNECT, HV_ECONNREFUSED, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "vsock-refused", "on the host for vsock port 5000",
           "00001388-facb-11e6-bd58-64006a7986d3", "hvlisten 5000", NULL);
    /* no guest transport, loopback loaded: CID 2 is this machine */
    f.vmbus = 0;
    f.loaded[HV_MOD_HV_SOCK] = 0;
    f.loaded[HV_MOD_LOOPBACK] = 1;
    run(&a, HV_DIAG_CONNECT, HV_ECONNREFUSED, &f, &h);
    UT_EQ_INT(h.n, 2);
    expect(&h, 0, "vsock-refused", "at CID 2 (this machine itself",
           "Linux takes CID 2 to vsock_loopback", NULL);
    expect(&h, 1, "vsock-no-device", "reaches no host", NULL);
    f.virtio_vsock = 1;
    run(&a, HV_DIAG_CONNECT, HV_ECONNREFUSED, &f, &h);
    UT_EQ_INT(h.n, 2);
    expect(&h, 1, "vsock-transport", "to reach the host instead",
           "modprobe vmw_vsock_virtio_transport", NULL);
    /* even with nothing known, refused is refused */
    hv_diag_facts_free(&f);
    hv_diag_facts_init(&f);
    run(&a, HV_DIAG_CONNECT, HV_ECONNREFUSED, &f, &h);
    expect(&h, 0, "vsock-refused", "port 5000 at CID 2", NULL);
    hv_diag_facts_free(&f);
}

UT_CASE(vsock_host_timeout)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = vsock(2, 5000);

    linux_facts(&f);
    f.vmbus = 1;
    f.loaded[HV_MOD_HV_SOCK] = 1;
    run(&a, HV_DIAG_CONNECT, HV_ETIMEDOUT, &f, &h);
    UT_EQ_INT(h.n, 2);
    expect(&h, 0, "vsock-host-timeout", "times out",
           "00001388-facb-11e6-bd58-64006a7986d3", "not registered", NULL);
    expect(&h, 1, "vsock-host-timeout", "as Administrator",
           "hvreg add vsock-5000 --port 5000", "hvlisten 5000", NULL);
    /* not a Hyper-V guest: no such hint */
    f.vmbus = 0;
    run(&a, HV_DIAG_CONNECT, HV_ETIMEDOUT, &f, &h);
    UT_EQ_INT(h.n, 0);
    hv_diag_facts_free(&f);
}

UT_CASE(vsock_own_cid)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = vsock(3, 5000);

    linux_facts(&f);
    f.virtio_vsock = 1;
    f.loaded[HV_MOD_VIRTIO] = 1;
    f.own_cid_known = 1;
    f.own_cid = 3;
    run(&a, HV_DIAG_CONNECT, HV_ENODEV, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "vsock-own-cid", "CID 3 is this machine's own",
           "modprobe vsock_loopback", NULL);
    run(&a, HV_DIAG_CONNECT, HV_ECONNREFUSED, &f, &h);
    expect(&h, 0, "vsock-own-cid", NULL);
    /* with loopback, a refusal is a refusal, on this machine */
    f.loaded[HV_MOD_LOOPBACK] = 1;
    run(&a, HV_DIAG_CONNECT, HV_ECONNREFUSED, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "vsock-refused", "CID 3 (this machine)", NULL);
    /* CID any (no guest transport) is nobody's own */
    f.own_cid = HV_CID_ANY;
    f.loaded[HV_MOD_LOOPBACK] = 0;
    run(&a, HV_DIAG_CONNECT, HV_ECONNREFUSED, &f, &h);
    expect(&h, 0, "vsock-refused", NULL);
    hv_diag_facts_free(&f);
}

UT_CASE(privileged_port)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = vsock(HV_CID_ANY, 80);

    hv_diag_facts_init(&f);
    run(&a, HV_DIAG_LISTEN, HV_EACCES, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "port-privileged", "below 1024", "CAP_NET_BIND_SERVICE",
           NULL);
    a.port = 1024;
    run(&a, HV_DIAG_LISTEN, HV_EACCES, &f, &h);
    UT_EQ_INT(h.n, 0);
    hv_diag_facts_free(&f);
}

UT_CASE(nothing_to_say)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = vsock(1, 5000);

    linux_facts(&f);
    /* stopped by a signal, or a success */
    run(&a, HV_DIAG_CONNECT, HV_ESTOPPED, &f, &h);
    UT_EQ_INT(h.n, 0);
    run(&a, HV_DIAG_START, 0, &f, &h);
    UT_EQ_INT(h.n, 0);
    /* unix sockets and named pipes have none */
    a.family = HV_FAMILY_UNIX;
    run(&a, HV_DIAG_CONNECT, HV_ENOLISTENER, &f, &h);
    UT_EQ_INT(h.n, 0);
    /* a TCP refusal says nothing more than the error line */
    a.family = HV_FAMILY_TCP;
    a.port = 80;
    run(&a, HV_DIAG_CONNECT, HV_ECONNREFUSED, &f, &h);
    UT_EQ_INT(h.n, 0);
    /* hv_diag_hints reads nothing for these and answers the same */
    memset(&h, 0x55, sizeof h);
    UT_EQ_INT(hv_diag_hints(&a, HV_DIAG_CONNECT, HV_ECONNREFUSED,
                            "/nonexistent", &h), 0);
    UT_EQ_INT(h.n, 0);
    hv_diag_facts_free(&f);
}

/* ---------------------------------------------------------------- Hyper-V */

UT_CASE(hyperv_unregistered)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = hyperv("wildcard", 5000);

    hv_diag_facts_init(&f);
    f.registered = 0;
    f.windows_guest = 0;
    run(&a, HV_DIAG_START, 0, &f, &h);
    UT_EQ_INT(h.n, 2);
    expect(&h, 0, "hyperv-unregistered",
           "service 00001388-facb-11e6-bd58-64006a7986d3 (vsock port 5000) "
           "is not registered", "times out", NULL);
    UT_CHECK(h.h[0].flags & HV_HINT_WARNING);
    expect(&h, 1, "hyperv-unregistered", "as Administrator: hvreg add "
           "vsock-5000 --port 5000", NULL);
    UT_CHECK(!(h.h[1].flags & HV_HINT_WARNING));
    /* a GUID that is no vsock port */
    UT_EQ_INT(hv_guid_parse("3049197c-facb-41e2-9bb2-0b59a1f4a6c0",
                            &a.service_id), 0);
    run(&a, HV_DIAG_START, 0, &f, &h);
    expect(&h, 0, "hyperv-unregistered",
           "service 3049197c-facb-41e2-9bb2-0b59a1f4a6c0 is not", NULL);
    expect(&h, 1, "hyperv-unregistered", "hvreg add hvlisten-3049197c "
           "3049197c-facb-41e2-9bb2-0b59a1f4a6c0", NULL);
    /* children and a VM's own id need it too */
    a = hyperv("children", 5000);
    run(&a, HV_DIAG_START, 0, &f, &h);
    UT_EQ_INT(h.n, 2);
    a = hyperv(VM_ID, 5000);
    run(&a, HV_DIAG_START, 0, &f, &h);
    UT_EQ_INT(h.n, 2);
    /* registered, or unknown: no warning */
    f.registered = 1;
    run(&a, HV_DIAG_START, 0, &f, &h);
    UT_EQ_INT(h.n, 0);
    f.registered = HV_FACT_UNKNOWN;
    run(&a, HV_DIAG_START, 0, &f, &h);
    UT_EQ_INT(h.n, 0);
    /* a guest listening for its host needs none */
    f.registered = 0;
    a = hyperv("parent", 5000);
    run(&a, HV_DIAG_START, 0, &f, &h);
    UT_EQ_INT(h.n, 0);
    f.windows_guest = 1;
    a = hyperv("wildcard", 5000);
    run(&a, HV_DIAG_START, 0, &f, &h);
    UT_EQ_INT(h.n, 0);
    hv_diag_facts_free(&f);
}

UT_CASE(hyperv_wsl_wildcard)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = hyperv("wildcard", 5000);

    hv_diag_facts_init(&f);
    f.registered = 1;
    f.wsl_running = 1;
    UT_EQ_INT(hv_guid_parse(WSL_ID, &f.wsl_id), 0);
    run(&a, HV_DIAG_START, 0, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "hyperv-wsl-wildcard", "a WSL2 VM is running (id " WSL_ID,
           "hvlisten wsl 5000", NULL);
    UT_CHECK(!(h.h[0].flags & HV_HINT_WARNING));
    a = hyperv("children", 5000);
    run(&a, HV_DIAG_START, 0, &f, &h);
    UT_EQ_INT(h.n, 1);
    /* bound to WSL's own id: fine */
    a = hyperv(WSL_ID, 5000);
    run(&a, HV_DIAG_START, 0, &f, &h);
    UT_EQ_INT(h.n, 0);
    /* unregistered and WSL: the warning first */
    f.registered = 0;
    a = hyperv("wildcard", 5000);
    run(&a, HV_DIAG_START, 0, &f, &h);
    UT_EQ_INT(h.n, 3);
    expect(&h, 0, "hyperv-unregistered", NULL);
    expect(&h, 2, "hyperv-wsl-wildcard", NULL);
    hv_diag_facts_free(&f);
}

UT_CASE(hyperv_feature)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = hyperv("parent", 5000);

    hv_diag_facts_init(&f);
    run(&a, HV_DIAG_CONNECT, HV_ENOHVSOCK, &f, &h);
    UT_EQ_INT(h.n, 2);
    expect(&h, 0, "hyperv-feature", "Hyper-V (Microsoft-Hyper-V",
           "Virtual Machine Platform (VirtualMachinePlatform", NULL);
    expect(&h, 1, "hyperv-feature", "as Administrator",
           "DISM /Online /Enable-Feature /All /FeatureName:Microsoft-Hyper-V",
           "/FeatureName:VirtualMachinePlatform", NULL);
    a = hyperv("wildcard", 5000);
    run(&a, HV_DIAG_LISTEN, HV_ENOHVSOCK, &f, &h);
    UT_EQ_INT(h.n, 2);
    expect(&h, 0, "hyperv-feature", NULL);
    /* Windows Home: the Virtual Machine Platform only */
    f.home = 1;
    hv__fmt(f.edition, sizeof f.edition, "CoreSingleLanguage");
    run(&a, HV_DIAG_LISTEN, HV_ENOHVSOCK, &f, &h);
    UT_EQ_INT(h.n, 2);
    expect(&h, 0, "hyperv-feature", "Windows Home (EditionID "
           "CoreSingleLanguage)", NULL);
    expect(&h, 1, "hyperv-feature", "/FeatureName:VirtualMachinePlatform",
           NULL);
    UT_CHECK(strstr(h.h[1].text, "Microsoft-Hyper-V") == NULL);
    hv_diag_facts_free(&f);
}

UT_CASE(hyperv_access)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = hyperv(VM_ID, 5000);

    hv_diag_facts_init(&f);
    f.elevated = 0;
    f.hv_admin = 0;
    hv__fmt(f.user, sizeof f.user, "alice");
    run(&a, HV_DIAG_CONNECT, HV_EACCES, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "hyperv-access", "not elevated", "alice is not in the "
           "Hyper-V Administrators group (S-1-5-32-578)",
           "net localgroup \"Hyper-V Administrators\" alice /add", NULL);
    /* a listener whose service is not registered: that too */
    f.registered = 0;
    run(&a, HV_DIAG_LISTEN, HV_EACCES, &f, &h);
    UT_EQ_INT(h.n, 2);
    expect(&h, 1, "hyperv-unregistered", "hvreg add vsock-5000 --port 5000",
           NULL);
    /* elevated, or in the group: not this */
    f.elevated = 1;
    run(&a, HV_DIAG_CONNECT, HV_EACCES, &f, &h);
    UT_EQ_INT(h.n, 0);
    f.elevated = 0;
    f.hv_admin = 1;
    run(&a, HV_DIAG_CONNECT, HV_EACCES, &f, &h);
    UT_EQ_INT(h.n, 0);
    hv_diag_facts_free(&f);
}

static void add_vm(struct hv_diag_facts *f, const char *id, const char *name,
                   const char *owner, const char *state)
{
    struct hv_vm v;
    memset(&v, 0, sizeof v);
    UT_EQ_INT(hv_guid_parse(id, &v.id), 0);
    hv__fmt(v.name, sizeof v.name, "%s", name);
    hv__fmt(v.owner, sizeof v.owner, "%s", owner);
    hv__fmt(v.state, sizeof v.state, "%s", state);
    v.sources = HV_VMSRC_HCS;
    UT_EQ_INT(hv_vms_add(&f->vms, &v), 0);
}

UT_CASE(hyperv_vm_state)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = hyperv(VM_ID, 5000);

    hv_diag_facts_init(&f);
    f.vms_known = 1;
    add_vm(&f, VM_ID, "build box", "VMMS", "Off");
    run(&a, HV_DIAG_CONNECT, HV_ETIMEDOUT, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "hyperv-vm-state", "VM 'build box' (" VM_ID ") is Off",
           "Start-VM -Name 'build box'", NULL);
    hv_diag_facts_free(&f);

    /* running: nothing listens on that service there */
    hv_diag_facts_init(&f);
    f.vms_known = 1;
    add_vm(&f, VM_ID, "build box", "VMMS", "Running");
    run(&a, HV_DIAG_CONNECT, HV_ECONNREFUSED, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "hyperv-not-listening", "VM build box is running",
           "service 00001388-facb-11e6-bd58-64006a7986d3 (vsock port 5000)",
           "hvlisten 5000 in a Linux guest", NULL);
    hv_diag_facts_free(&f);
}

UT_CASE(hyperv_vm_unknown)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = hyperv(VM_ID, 5000);

    hv_diag_facts_init(&f);
    f.vms_known = 1;
    f.wsl_running = 0;
    add_vm(&f, "11111111-2222-3333-4444-555555555555", "other", "VMMS",
           "Running");
    run(&a, HV_DIAG_CONNECT, HV_ENETUNREACH, &f, &h);
    UT_EQ_INT(h.n, 2);
    expect(&h, 0, "hyperv-vm-unknown", "no VM or container of this host has "
           "the id " VM_ID " (of 1 compute systems): hvvmid", NULL);
    expect(&h, 1, "hyperv-wsl-stopped", "WSL2 is not running",
           "start WSL (wsl.exe)", NULL);
    hv_diag_facts_free(&f);
}

UT_CASE(hyperv_wsl_stale)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = hyperv(VM_ID, 5000);

    /* no list (not elevated), but WSL's id from its process */
    hv_diag_facts_init(&f);
    f.wsl_running = 1;
    UT_EQ_INT(hv_guid_parse(WSL_ID, &f.wsl_id), 0);
    run(&a, HV_DIAG_CONNECT, HV_ETIMEDOUT, &f, &h);
    UT_EQ_INT(h.n, 2);
    expect(&h, 0, "hyperv-wsl-stale", "the running WSL2 VM's id is " WSL_ID
           ", not " VM_ID, "name it wsl", NULL);
    expect(&h, 1, "hyperv-not-listening", "no answer from service", NULL);
    /* the WSL VM itself: nothing listens in it */
    a = hyperv(WSL_ID, 5000);
    run(&a, HV_DIAG_CONNECT, HV_ECONNREFUSED, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "hyperv-not-listening", "the WSL2 VM " WSL_ID " is running",
           "hvlisten 5000 in a Linux guest", NULL);
    hv_diag_facts_free(&f);
}

UT_CASE(hyperv_unknown_facts)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = hyperv(VM_ID, 5000);

    /* no list, no WSL: only what the error itself says */
    hv_diag_facts_init(&f);
    run(&a, HV_DIAG_CONNECT, HV_ECONNREFUSED, &f, &h);
    UT_EQ_INT(h.n, 1);
    expect(&h, 0, "hyperv-not-listening", "nothing listens on service "
           "00001388-facb-11e6-bd58-64006a7986d3 (vsock port 5000) in VM "
           VM_ID, NULL);
    run(&a, HV_DIAG_CONNECT, HV_ENETUNREACH, &f, &h);
    UT_EQ_INT(h.n, 0);
    run(&a, HV_DIAG_CONNECT, HV_EACCES, &f, &h);
    UT_EQ_INT(h.n, 0);
    run(&a, HV_DIAG_START, 0, &f, &h);
    UT_EQ_INT(h.n, 0);
    hv_diag_facts_free(&f);
}

UT_CASE(hyperv_host_service)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = hyperv("parent", 5000);

    hv_diag_facts_init(&f);
    run(&a, HV_DIAG_CONNECT, HV_ETIMEDOUT, &f, &h);
    UT_EQ_INT(h.n, 2);
    expect(&h, 0, "hyperv-host-service", "registered there",
           "00001388-facb-11e6-bd58-64006a7986d3", NULL);
    expect(&h, 1, "hyperv-host-service", "on the host: hvlisten 5000",
           "hvreg add vsock-5000 --port 5000", NULL);
    /* loopback: nothing about a host */
    a = hyperv("loopback", 5000);
    run(&a, HV_DIAG_CONNECT, HV_ETIMEDOUT, &f, &h);
    UT_EQ_INT(h.n, 0);
    hv_diag_facts_free(&f);
}
