/* diag.c: the portable half of the diagnosis (hvsock_diag.h): from the
 * facts diag_<platform>.c read (struct hv_diag_facts, hvsock_int.h) to the
 * hints, the most likely cause first. Every rule needs its facts known: a
 * fact that could not be read gives no hint. The texts name what was
 * checked and the one command that fixes it; hvsock(7), "TROUBLESHOOTING",
 * lists them. */
#include <stdarg.h>
#include <string.h>

#include "platform.h"

void hv_diag_facts_init(struct hv_diag_facts *f)
{
    int i;
    memset(f, 0, sizeof *f);
    f->wsl = f->vmbus = f->virtio_vsock = f->vmware = HV_FACT_UNKNOWN;
    for (i = 0; i < HV_MOD_COUNT; i++)
        f->loaded[i] = f->in_kernel[i] = HV_FACT_UNKNOWN;
    f->registered = f->windows_guest = f->home = HV_FACT_UNKNOWN;
    f->elevated = f->hv_admin = f->wsl_running = HV_FACT_UNKNOWN;
}

void hv_diag_facts_free(struct hv_diag_facts *f)
{
    hv_vms_free(&f->vms);
}

static void add(struct hv_hints *out, const char *id, unsigned flags,
                const char *fmt, ...) HV_PRINTF(4, 5);
static void add(struct hv_hints *out, const char *id, unsigned flags,
                const char *fmt, ...)
{
    struct hv_hint *h;
    va_list ap;
    int n;

    if (out->n >= HV_HINTS_MAX)
        return;
    h = &out->h[out->n++];
    h->id = id;
    h->flags = flags;
    va_start(ap, fmt);
    n = vsnprintf(h->text, sizeof h->text, fmt, ap);
    va_end(ap);
    if (n < 0)
        h->text[0] = '\0';
}

/* ---------------------------------------------------------------- vsock */

static const char *mod(int m)
{
    return hv_vsock_mod_names[m];
}

/* The guest transport that fits this machine's hypervisor, or -1. */
static int guest_mod(const struct hv_diag_facts *f)
{
    if (f->vmbus == 1)
        return HV_MOD_HV_SOCK;
    if (f->virtio_vsock == 1)
        return HV_MOD_VIRTIO;
    if (f->vmware == 1)
        return HV_MOD_VMCI;
    return -1;
}

/* What was seen that asks for module m. */
static const char *machine_text(int m)
{
    switch (m) {
    case HV_MOD_HV_SOCK:
        return "this is a Hyper-V guest (VMBus, /sys/bus/vmbus)";
    case HV_MOD_VIRTIO:
        return "this VM has a virtio-vsock device";
    default:
        return "this is a VMware VM (VMCI device or DMI vendor)";
    }
}

/* No vsock device of any kind was seen (and each was looked for). */
static int no_device(const struct hv_diag_facts *f)
{
    return f->vmbus == 0 && f->virtio_vsock == 0 && f->vmware == 0;
}

/* Every guest transport is known not to be loaded. */
static int no_guest_transport(const struct hv_diag_facts *f)
{
    return f->loaded[HV_MOD_HV_SOCK] == 0 && f->loaded[HV_MOD_VIRTIO] == 0 &&
           f->loaded[HV_MOD_VMCI] == 0;
}

/* How to get module m: "modprobe m", or that this kernel has none. */
static void load_text(const struct hv_diag_facts *f, int m, char *buf,
                      size_t n)
{
    if (f->in_kernel[m] == 0)
        hv__fmt(buf, n, "but this kernel (%s) has no %s module", f->release,
                mod(m));
    else
        hv__fmt(buf, n, "load it: modprobe %s", mod(m));
}

/* The address errors that mean "no transport for that CID". */
static int no_route(int err)
{
    return err == HV_ENODEV || err == HV_ENETUNREACH ||
           err == HV_EADDRNOTAVAIL || err == HV_ETIMEDOUT;
}

static int refused(int err)
{
    return err == HV_ECONNREFUSED || err == HV_ECONNRESET;
}

static int own_cid(const struct hv_diag_facts *f, uint32_t cid)
{
    return f->own_cid_known && f->own_cid != HV_CID_ANY &&
           f->own_cid == cid && cid > HV_CID_HOST;
}

/* The family itself is missing (socket() said EAFNOSUPPORT). */
static void vsock_family(const struct hv_addr *a, const struct hv_diag_facts *f,
                         struct hv_hints *out)
{
    char how[HV_FACT_TEXT + 64];
    int m = guest_mod(f);

    if (f->in_kernel[HV_MOD_VSOCK] == 0 && f->loaded[HV_MOD_VSOCK] != 1) {
        add(out, "vsock-module", 0, "this kernel (%s) has no vsock module: "
            "vsock needs a kernel built with CONFIG_VSOCKETS", f->release);
    } else if (m >= 0 && f->loaded[m] != 1) {
        load_text(f, m, how, sizeof how);
        add(out, "vsock-module", 0, "%s, and its vsock transport %s is not "
            "loaded: %s", machine_text(m), mod(m), how);
    } else if (a->cid == HV_CID_LOCAL) {
        load_text(f, HV_MOD_LOOPBACK, how, sizeof how);
        add(out, "vsock-module", 0, "vsock is not loaded, and CID 1 "
            "(loopback) needs vsock_loopback: %s", how);
    } else if (no_device(f)) {
        add(out, "vsock-no-device", 0, "this machine has no vsock device (no "
            "Hyper-V VMBus, virtio-vsock device or VMware VMCI): vsock can "
            "only reach this machine itself, at CID 1 (modprobe "
            "vsock_loopback)");
    }
}

/* CID 1 without vsock_loopback. */
static void vsock_loopback(const struct hv_diag_facts *f, struct hv_hints *out)
{
    const char *instead = "use TCP on localhost or a unix socket instead";

    if (f->loaded[HV_MOD_LOOPBACK] == 1)
        return;
    if (f->loaded[HV_MOD_LOOPBACK] == 0 && f->in_kernel[HV_MOD_LOOPBACK] == 0)
        add(out, "vsock-loopback", 0, "CID 1 (loopback) needs the "
            "vsock_loopback module, and this kernel (%s) has none: %s",
            f->release, instead);
    else if (f->wsl == 1 && f->in_kernel[HV_MOD_LOOPBACK] != 1)
        add(out, "vsock-loopback", 0, "CID 1 (loopback) needs the "
            "vsock_loopback module, which Microsoft's WSL2 kernel (%s) is "
            "built without: %s", f->release, instead);
    else if (f->loaded[HV_MOD_LOOPBACK] == 0)
        add(out, "vsock-loopback", 0, "CID 1 (loopback) needs vsock_loopback, "
            "which is not loaded: modprobe vsock_loopback");
}

static void vsock_hints(const struct hv_addr *a, enum hv_diag_op op, int err,
                        const struct hv_diag_facts *f, struct hv_hints *out)
{
    char how[HV_FACT_TEXT + 64];
    uint32_t p = a->port;
    int m;

    if (err == HV_ENOVSOCK) {
        vsock_family(a, f, out);
        return;
    }
    if (err == HV_EACCES && op == HV_DIAG_LISTEN && p < 1024) {
        add(out, "port-privileged", 0, "vsock ports below 1024 need root or "
            "CAP_NET_BIND_SERVICE: run as root, or use a port from 1024 up");
        return;
    }
    /* binding CID 1 without its transport: EADDRNOTAVAIL */
    if (a->cid == HV_CID_LOCAL && no_route(err)) {
        vsock_loopback(f, out);
        return;
    }
    if (op != HV_DIAG_CONNECT)
        return;
    if (own_cid(f, a->cid) && (no_route(err) || refused(err)) &&
        f->loaded[HV_MOD_LOOPBACK] == 0) {
        add(out, "vsock-own-cid", 0, "CID %lu is this machine's own, and a "
            "connect to itself needs vsock_loopback, which is not loaded: "
            "modprobe vsock_loopback", (unsigned long)a->cid);
        return;
    }
    if (a->cid >= HV_CID_HOST && !own_cid(f, a->cid) && no_route(err) &&
        err != HV_ETIMEDOUT && no_guest_transport(f)) {
        m = guest_mod(f);
        if (m >= 0) {
            load_text(f, m, how, sizeof how);
            add(out, "vsock-transport", 0, "no vsock transport to other "
                "machines is loaded, and CID %lu needs one; %s: %s",
                (unsigned long)a->cid, machine_text(m), how);
        } else if (no_device(f)) {
            add(out, "vsock-no-device", 0, "this machine has no vsock device "
                "(no Hyper-V VMBus, virtio-vsock device or VMware VMCI), so "
                "as a guest it reaches no CID %lu: only itself, at CID 1 (a "
                "KVM host reaches its guests through vhost_vsock)",
                (unsigned long)a->cid);
        }
        return;
    }
    if (refused(err)) {
        /* Linux without a guest transport takes CID 2 to vsock_loopback
         * (vsock_use_local_transport, net/vmw_vsock/af_vsock.c) */
        int host_is_self = a->cid == HV_CID_HOST && no_guest_transport(f) &&
                           f->loaded[HV_MOD_LOOPBACK] == 1;
        if (f->vmbus == 1 && a->cid == HV_CID_HOST && !host_is_self) {
            add(out, "vsock-refused", 0, "nothing listens on the host for "
                "vsock port %lu, which is the host's service "
                "%08lx-facb-11e6-bd58-64006a7986d3: on the host, "
                "hvlisten %lu", (unsigned long)p, (unsigned long)p,
                (unsigned long)p);
        } else {
            add(out, "vsock-refused", 0, "nothing listens on vsock port %lu "
                "at CID %lu%s: start a listener there (hvlisten %lu)",
                (unsigned long)p, (unsigned long)a->cid,
                host_is_self ? " (this machine itself: with no guest "
                               "transport loaded, Linux takes CID 2 to "
                               "vsock_loopback)"
                : a->cid == HV_CID_LOCAL || own_cid(f, a->cid)
                    ? " (this machine)" : "",
                (unsigned long)p);
        }
        m = guest_mod(f);
        if (host_is_self && m >= 0) {
            load_text(f, m, how, sizeof how);
            add(out, "vsock-transport", 0, "to reach the host instead: %s, "
                "and its vsock transport %s is not loaded: %s",
                machine_text(m), mod(m), how);
        } else if (host_is_self && no_device(f)) {
            add(out, "vsock-no-device", 0, "this machine has no vsock device "
                "(no Hyper-V VMBus, virtio-vsock device or VMware VMCI): as "
                "a guest it reaches no host");
        }
        return;
    }
    if (err == HV_ETIMEDOUT && f->vmbus == 1 && a->cid == HV_CID_HOST) {
        add(out, "vsock-host-timeout", 0, "on Hyper-V a guest's connect to "
            "the host times out when no host process listens on the host "
            "service of port %lu, %08lx-facb-11e6-bd58-64006a7986d3, or "
            "that service is not registered there", (unsigned long)p,
            (unsigned long)p);
        add(out, "vsock-host-timeout", 0, "on the host, once, as "
            "Administrator: hvreg add vsock-%lu --port %lu; then, there: "
            "hvlisten %lu", (unsigned long)p, (unsigned long)p,
            (unsigned long)p);
    }
}

/* ---------------------------------------------------------------- Hyper-V */

/* The service as the tools take it: a vsock port, or the GUID. */
static void svc_arg(const struct hv_addr *a, char *buf, size_t n)
{
    uint32_t port;
    char g[HV_GUID_BUFSIZE];
    if (hv_guid_to_vsock_port(&a->service_id, &port)) {
        hv__fmt(buf, n, "%lu", (unsigned long)port);
    } else {
        hv_guid_format(&a->service_id, g);
        hv__fmt(buf, n, "%s", g);
    }
}

/* "GUID (vsock port P)" or "GUID". */
static void svc_text(const struct hv_addr *a, char *buf, size_t n)
{
    uint32_t port;
    char g[HV_GUID_BUFSIZE];
    hv_guid_format(&a->service_id, g);
    if (hv_guid_to_vsock_port(&a->service_id, &port))
        hv__fmt(buf, n, "%s (vsock port %lu)", g, (unsigned long)port);
    else
        hv__fmt(buf, n, "%s", g);
}

/* The hvreg command that registers the service. */
static void reg_cmd(const struct hv_addr *a, char *buf, size_t n)
{
    uint32_t port;
    char g[HV_GUID_BUFSIZE];
    if (hv_guid_to_vsock_port(&a->service_id, &port)) {
        hv__fmt(buf, n, "hvreg add vsock-%lu --port %lu", (unsigned long)port,
                (unsigned long)port);
    } else {
        hv_guid_format(&a->service_id, g);
        hv__fmt(buf, n, "hvreg add hvlisten-%.8s %s", g, g);
    }
}

/* A guest listens for it: "hvlisten P" (Linux) or the GUID (Windows). */
static void guest_listen(const struct hv_addr *a, char *buf, size_t n)
{
    uint32_t port;
    char g[HV_GUID_BUFSIZE];
    hv_guid_format(&a->service_id, g);
    if (hv_guid_to_vsock_port(&a->service_id, &port))
        hv__fmt(buf, n, "hvlisten %lu in a Linux guest, hvlisten %s in a "
                "Windows one", (unsigned long)port, g);
    else
        hv__fmt(buf, n, "hvlisten %s in a Windows guest (a Linux guest "
                "reaches only GUIDs of the vsock template form)", g);
}

static int keyword_is(const struct hv_guid *g, const char *name)
{
    const struct hv_keyword *k = hv__keyword_by_guid(g);
    return k != NULL && strcmp(k->name, name) == 0;
}

/* The listener may be reached by guests only through a registration:
 * a host listener (not on parent or silohost, which a guest or container
 * binds; not loopback, this partition only), unless this is a Windows
 * guest listening for its host on the wildcard. */
static int needs_registration(const struct hv_addr *a,
                              const struct hv_diag_facts *f)
{
    const struct hv_guid *vm = &a->vm_id;
    if (keyword_is(vm, "parent") || keyword_is(vm, "silohost") ||
        keyword_is(vm, "loopback"))
        return 0;
    if (f->windows_guest == 1 && hv_guid_is_zero(vm))
        return 0;
    return 1;
}

static const struct hv_vm *vm_find(const struct hv_diag_facts *f,
                                   const struct hv_guid *id)
{
    size_t i;
    if (!f->vms_known)
        return NULL;
    for (i = 0; i < f->vms.n; i++)
        if (hv_guid_equal(&f->vms.v[i].id, id))
            return &f->vms.v[i];
    return NULL;
}

static void hyperv_start(const struct hv_addr *a, const struct hv_diag_facts *f,
                         struct hv_hints *out)
{
    char svc[HV_GUID_BUFSIZE + 32], cmd[HV_GUID_BUFSIZE * 2 + 32];
    char arg[HV_GUID_BUFSIZE], g[HV_GUID_BUFSIZE];

    if (f->registered == 0 && needs_registration(a, f)) {
        svc_text(a, svc, sizeof svc);
        reg_cmd(a, cmd, sizeof cmd);
        add(out, "hyperv-unregistered", HV_HINT_WARNING, "service %s is not "
            "registered on this host (GuestCommunicationServices), so a "
            "guest's connect to it times out", svc);
        add(out, "hyperv-unregistered", 0, "register it once, as "
            "Administrator: %s", cmd);
    }
    if (f->wsl_running == 1 && (hv_guid_is_zero(&a->vm_id) ||
                                keyword_is(&a->vm_id, "children"))) {
        svc_arg(a, arg, sizeof arg);
        hv_guid_format(&f->wsl_id, g);
        add(out, "hyperv-wsl-wildcard", 0, "a WSL2 VM is running (id %s), and "
            "it reaches only a listener bound to its own VM id, never the "
            "wildcard or children: for WSL2, hvlisten wsl %s", g, arg);
    }
}

static void hyperv_access(const struct hv_addr *a, enum hv_diag_op op,
                          const struct hv_diag_facts *f, struct hv_hints *out)
{
    char svc[HV_GUID_BUFSIZE + 32], cmd[HV_GUID_BUFSIZE * 2 + 32];

    if (f->elevated == 0 && f->hv_admin == 0) {
        add(out, "hyperv-access", 0, "this process is not elevated, and %s "
            "is not in the Hyper-V Administrators group (S-1-5-32-578), "
            "whose members have full access to Hyper-V: run it from an "
            "elevated prompt, or once, as Administrator: net localgroup "
            "\"Hyper-V Administrators\" %s /add (then sign in again)",
            f->user[0] ? f->user : "its user",
            f->user[0] ? f->user : "%USERNAME%");
    }
    if (op == HV_DIAG_LISTEN && f->registered == 0 &&
        needs_registration(a, f)) {
        svc_text(a, svc, sizeof svc);
        reg_cmd(a, cmd, sizeof cmd);
        add(out, "hyperv-unregistered", 0, "service %s is not registered on "
            "this host, and the registration is what lets a host service "
            "talk to VMs: as Administrator, %s", svc, cmd);
    }
}

/* A connect to a VM of this host (a GUID, not a keyword) failed. */
static void hyperv_vm(const struct hv_addr *a, int err,
                      const struct hv_diag_facts *f, struct hv_hints *out)
{
    char id[HV_GUID_BUFSIZE], wid[HV_GUID_BUFSIZE], svc[HV_GUID_BUFSIZE + 32];
    char how[2 * HV_GUID_BUFSIZE + 96];
    const struct hv_vm *vm = vm_find(f, &a->vm_id);
    int is_wsl = f->wsl_running == 1 && hv_guid_equal(&f->wsl_id, &a->vm_id);
    int silent = refused(err) || err == HV_ETIMEDOUT;

    hv_guid_format(&a->vm_id, id);
    svc_text(a, svc, sizeof svc);
    guest_listen(a, how, sizeof how);
    if (vm && !hv__strcaseeq(vm->state, "Running") && vm->state[0]) {
        if (hv__strcaseeq(vm->owner, "WSL"))
            add(out, "hyperv-vm-state", 0, "the WSL2 VM %s is %s: start WSL "
                "(wsl.exe), then name it wsl (its id changes at every "
                "restart)", id, vm->state);
        else
            add(out, "hyperv-vm-state", 0, "VM '%s' (%s) is %s: start it "
                "(Start-VM -Name '%s')", vm->name, id, vm->state, vm->name);
        return;
    }
    if ((vm || is_wsl) && silent) {
        add(out, "hyperv-not-listening", 0, "%s %s is running, and nothing "
            "listens there on service %s: %s", is_wsl ? "the WSL2 VM" : "VM",
            is_wsl || !vm->name[0] ? id : vm->name, svc, how);
        return;
    }
    if (is_wsl)
        return;
    if (f->wsl_running == 1) {
        hv_guid_format(&f->wsl_id, wid);
        add(out, "hyperv-wsl-stale", 0, "the running WSL2 VM's id is %s, not "
            "%s: WSL2 gets a new id at every restart, so name it wsl",
            wid, id);
    }
    if (f->vms_known && vm == NULL) {
        add(out, "hyperv-vm-unknown", 0, "no VM or container of this host "
            "has the id %s (of %lu compute systems): hvvmid lists them",
            id, (unsigned long)f->vms.n);
        if (f->wsl_running == 0)
            add(out, "hyperv-wsl-stopped", 0, "WSL2 is not running: if %s was "
                "its VM, start WSL (wsl.exe) and name it wsl, since its id "
                "changes at every restart", id);
        return;
    }
    if (refused(err))
        add(out, "hyperv-not-listening", 0, "nothing listens on service %s "
            "in VM %s: %s", svc, id, how);
    else if (err == HV_ETIMEDOUT)
        add(out, "hyperv-not-listening", 0, "no answer from service %s in "
            "VM %s: nothing listens there, or the VM is not running (%s; "
            "hvvmid lists the running VMs)", svc, id, how);
}

static void hyperv_hints(const struct hv_addr *a, enum hv_diag_op op, int err,
                         const struct hv_diag_facts *f, struct hv_hints *out)
{
    char svc[HV_GUID_BUFSIZE + 32], cmd[HV_GUID_BUFSIZE * 2 + 32];
    char arg[HV_GUID_BUFSIZE];
    const struct hv_keyword *k;

    if (op == HV_DIAG_START) {
        hyperv_start(a, f, out);
        return;
    }
    if (err == HV_ENOHVSOCK) {
        /* learn.microsoft.com/windows/wsl/faq: WSL 2 runs on "Virtual
         * Machine Platform" (a subset of Hyper-V), on Home too;
         * .../virtualization/hyper-v-on-windows/quick-start/enable-hyper-v:
         * Hyper-V cannot be installed on Home, and the DISM command;
         * .../windows/wsl/install-manual: the VirtualMachinePlatform one */
        if (f->home == 1) {
            add(out, "hyperv-feature", 0, "this is Windows Home (EditionID "
                "%s), which cannot have Hyper-V but can have the Virtual "
                "Machine Platform (the one WSL2 uses)", f->edition);
            add(out, "hyperv-feature", 0, "turn it on as Administrator, then "
                "restart: DISM /Online /Enable-Feature /All "
                "/FeatureName:VirtualMachinePlatform");
        } else {
            add(out, "hyperv-feature", 0, "AF_HYPERV comes with the Windows "
                "optional feature Hyper-V (Microsoft-Hyper-V: Pro, "
                "Enterprise, Education, Server) or Virtual Machine Platform "
                "(VirtualMachinePlatform, which WSL2 uses; Home too)");
            add(out, "hyperv-feature", 0, "turn one on as Administrator, then "
                "restart: DISM /Online /Enable-Feature /All "
                "/FeatureName:Microsoft-Hyper-V (or "
                "/FeatureName:VirtualMachinePlatform)");
        }
        return;
    }
    if (err == HV_EACCES) {
        hyperv_access(a, op, f, out);
        return;
    }
    if (op != HV_DIAG_CONNECT)
        return;
    k = hv__keyword_by_guid(&a->vm_id);
    if (k == NULL) {
        if (refused(err) || err == HV_ETIMEDOUT || err == HV_ENETUNREACH ||
            err == HV_EHOSTUNREACH || err == HV_ENETDOWN)
            hyperv_vm(a, err, f, out);
        return;
    }
    if (strcmp(k->name, "parent") == 0 &&
        (refused(err) || err == HV_ETIMEDOUT)) {
        svc_text(a, svc, sizeof svc);
        svc_arg(a, arg, sizeof arg);
        reg_cmd(a, cmd, sizeof cmd);
        add(out, "hyperv-host-service", 0, "the host answers a guest only on "
            "a service that is registered there and that a host process "
            "listens on: %s", svc);
        add(out, "hyperv-host-service", 0, "on the host: hvlisten %s; and "
            "once, as Administrator: %s", arg, cmd);
    }
}

/* ---------------------------------------------------------------- all */

void hv_diag_from_facts(const struct hv_addr *a, enum hv_diag_op op, int err,
                        const struct hv_diag_facts *f, struct hv_hints *out)
{
    out->n = 0;
    if (err == HV_ESTOPPED)
        return;
    switch (a->family) {
    case HV_FAMILY_VSOCK:
        vsock_hints(a, op, err, f, out);
        break;
    case HV_FAMILY_HYPERV:
        hyperv_hints(a, op, err, f, out);
        break;
    case HV_FAMILY_TCP:
        /* Linux's rule (a Windows TCP EACCES means something else) */
        if (op == HV_DIAG_LISTEN && err == HV_EACCES && a->port < 1024 &&
            a->port != 0 && hv_native_family() == HV_FAMILY_VSOCK)
            add(out, "port-privileged", 0, "TCP ports below 1024 need root "
                "or CAP_NET_BIND_SERVICE: run as root, or use a port from "
                "1024 up");
        break;
    default:
        break;
    }
}

/* Whether (a, op, err) can have hints at all: nothing is read otherwise. */
static int worth_reading(const struct hv_addr *a, enum hv_diag_op op, int err)
{
    if (op == HV_DIAG_START)
        return a->family == HV_FAMILY_HYPERV;
    if (err >= 0 || err == HV_ESTOPPED)
        return 0;
    return a->family == HV_FAMILY_VSOCK || a->family == HV_FAMILY_HYPERV;
}

int hv_diag_hints(const struct hv_addr *a, enum hv_diag_op op, int err,
                  const char *root, struct hv_hints *out)
{
    struct hv_diag_facts f;

    hv_diag_facts_init(&f);
    if (worth_reading(a, op, err))
        hv_diag_facts_read(a, op, err, root, &f);
    hv_diag_from_facts(a, op, err, &f, out);
    hv_diag_facts_free(&f);
    return 0;
}
