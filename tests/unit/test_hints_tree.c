/* test_hints_tree.c: the diagnosis on prepared Linux trees (POSIX only):
 * a root directory with the /sys, /proc and /lib/modules files of a
 * Hyper-V guest, a virtio guest, a machine with loopback only, one with
 * no vsock at all and a WSL2 kernel; the facts read from each (diag_posix.c)
 * and the hints hv_diag_hints gives for each error. */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hints_addr.h"
#include "hvsock_int.h"
#include "ut.h"

static char root[512];

static void mkdirs(const char *rel)
{
    char p[1024];
    size_t i, n;
    snprintf(p, sizeof p, "%s/%s", root, rel);
    n = strlen(p);
    for (i = strlen(root) + 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == '\0') {
            char c = p[i];
            p[i] = '\0';
            if (mkdir(p, 0755) < 0 && errno != EEXIST)
                ut_fail(__FILE__, __LINE__, "mkdir %s: %s", p,
                        strerror(errno));
            p[i] = c;
        }
    }
}

/* Write rel (its directories made) with text. */
static void put(const char *rel, const char *text)
{
    char p[1024], dir[1024];
    const char *slash = strrchr(rel, '/');
    FILE *f;
    if (slash) {
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - rel), rel);
        mkdirs(dir);
    }
    snprintf(p, sizeof p, "%s/%s", root, rel);
    if ((f = fopen(p, "w")) == NULL) {
        ut_fail(__FILE__, __LINE__, "create %s: %s", p, strerror(errno));
        return;
    }
    fputs(text, f);
    fclose(f);
}

static int rm_one(const char *p, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void tree_new(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/hvhints.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(root) == NULL)
        ut_fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
}

static void tree_free(void)
{
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* What every tree of a Debian cloud kernel has. */
#define RELEASE "6.1.0-28-cloud-amd64"
static void kernel(const char *builtin, const char *dep)
{
    put("proc/sys/kernel/osrelease", RELEASE "\n");
    mkdirs("sys/bus/platform");
    mkdirs("sys/module/ext4");
    put("lib/modules/" RELEASE "/modules.builtin", builtin);
    put("lib/modules/" RELEASE "/modules.dep", dep);
}

static const char all_vsock_dep[] =
    "kernel/net/vmw_vsock/vsock.ko.xz:\n"
    "kernel/net/vmw_vsock/vsock_diag.ko.xz: kernel/net/vmw_vsock/vsock.ko.xz\n"
    "kernel/net/vmw_vsock/hv_sock.ko.xz: kernel/net/vmw_vsock/vsock.ko.xz "
    "kernel/drivers/hv/hv_vmbus.ko.xz\n"
    "kernel/net/vmw_vsock/vmw_vsock_virtio_transport_common.ko.xz: "
    "kernel/net/vmw_vsock/vsock.ko.xz\n"
    "kernel/net/vmw_vsock/vmw_vsock_virtio_transport.ko.xz: "
    "kernel/net/vmw_vsock/vmw_vsock_virtio_transport_common.ko.xz "
    "kernel/net/vmw_vsock/vsock.ko.xz\n"
    "kernel/net/vmw_vsock/vmw_vsock_vmci_transport.ko.xz: "
    "kernel/net/vmw_vsock/vsock.ko.xz kernel/drivers/misc/vmw_vmci/vmw_vmci.ko.xz\n"
    "kernel/net/vmw_vsock/vsock_loopback.ko.xz: "
    "kernel/net/vmw_vsock/vmw_vsock_virtio_transport_common.ko.xz "
    "kernel/net/vmw_vsock/vsock.ko.xz\n"
    "kernel/fs/ext4/ext4.ko.xz: kernel/fs/mbcache.ko.xz\n";

static void dmi(const char *vendor, const char *product)
{
    put("sys/class/dmi/id/sys_vendor", vendor);
    put("sys/class/dmi/id/product_name", product);
}

/* /proc/modules lines for the named modules (NULL-ended). */
static void loaded(const char *first, ...)
{
    char text[2048] = "";
    const char *m;
    va_list ap;
    int i;
    /* what an earlier call loaded is gone (rmmod) */
    for (i = 0; i < HV_MOD_COUNT; i++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/sys/module/%s", root,
                 hv_vsock_mod_names[i]);
        (void)rmdir(dir);
    }
    va_start(ap, first);
    for (m = first; m; m = va_arg(ap, const char *)) {
        char line[200];
        snprintf(line, sizeof line, "%s 49152 0 - Live 0x0000000000000000\n",
                 m);
        strncat(text, line, sizeof text - strlen(text) - 1);
        snprintf(line, sizeof line, "sys/module/%s", m);
        mkdirs(line);
    }
    va_end(ap);
    strncat(text, "ext4 1060864 1 - Live 0x0000000000000000\n",
            sizeof text - strlen(text) - 1);
    put("proc/modules", text);
}

static void facts(struct hv_diag_facts *f)
{
    struct hv_addr a = vsock(2, 5000);
    hv_diag_facts_init(f);
    hv_diag_facts_read(&a, HV_DIAG_CONNECT, HV_ENODEV, root, f);
}

static void hints(uint32_t cid, uint32_t port, enum hv_diag_op op, int err,
                  struct hv_hints *h)
{
    struct hv_addr a = vsock(cid, port);
    memset(h, 0x55, sizeof *h);
    UT_EQ_INT(hv_diag_hints(&a, op, err, root, h), 0);
}

static void has(const struct hv_hints *h, size_t i, const char *id,
                const char *text)
{
    if (i >= h->n) {
        ut_fail(__FILE__, __LINE__, "no hint %lu, expected %s '%s'",
                (unsigned long)i, id, text);
        return;
    }
    UT_EQ_STR(h->h[i].id, id);
    if (strstr(h->h[i].text, text) == NULL)
        ut_fail(__FILE__, __LINE__, "hint \"%s\" lacks \"%s\"", h->h[i].text,
                text);
}

UT_CASE(hyperv_guest)
{
    struct hv_diag_facts f;
    struct hv_hints h;

    tree_new();
    kernel("kernel/drivers/hv/hv_vmbus.ko\n", all_vsock_dep);
    dmi("Microsoft Corporation\n", "Virtual Machine\n");
    mkdirs("sys/bus/vmbus/devices");
    put("proc/bus/pci/devices", "");
    loaded("hv_netvsc", NULL);
    facts(&f);
    UT_EQ_STR(f.release, RELEASE);
    UT_EQ_INT(f.wsl, 0);
    UT_EQ_INT(f.vmbus, 1);
    UT_EQ_INT(f.virtio_vsock, 0);
    UT_EQ_INT(f.vmware, 0);
    UT_EQ_INT(f.loaded[HV_MOD_VSOCK], 0);
    UT_EQ_INT(f.loaded[HV_MOD_HV_SOCK], 0);
    UT_EQ_INT(f.in_kernel[HV_MOD_HV_SOCK], 1);
    UT_EQ_INT(f.own_cid_known, 0);
    hv_diag_facts_free(&f);
    /* no vsock yet: hv_sock is the one to load */
    hints(2, 5000, HV_DIAG_CONNECT, HV_ENOVSOCK, &h);
    UT_EQ_INT(h.n, 1);
    has(&h, 0, "vsock-module", "Hyper-V guest (VMBus, /sys/bus/vmbus), and "
        "its vsock transport hv_sock is not loaded: load it: modprobe hv_sock");
    /* hv_sock loaded: a refusal names the host's GUID, a timeout the
     * registration */
    loaded("vsock", "hv_sock", NULL);
    hints(2, 5000, HV_DIAG_CONNECT, HV_ECONNREFUSED, &h);
    UT_EQ_INT(h.n, 1);
    has(&h, 0, "vsock-refused", "00001388-facb-11e6-bd58-64006a7986d3");
    hints(2, 5000, HV_DIAG_CONNECT, HV_ETIMEDOUT, &h);
    UT_EQ_INT(h.n, 2);
    has(&h, 1, "vsock-host-timeout", "hvreg add vsock-5000 --port 5000");
    /* hv_vmbus not loaded: the DMI names still tell */
    tree_free();
    tree_new();
    kernel("", all_vsock_dep);
    dmi("Microsoft Corporation\n", "Virtual Machine\n");
    loaded("vsock", NULL);
    facts(&f);
    UT_EQ_INT(f.vmbus, 1);
    hv_diag_facts_free(&f);
    hints(2, 5000, HV_DIAG_CONNECT, HV_ENODEV, &h);
    UT_EQ_INT(h.n, 1);
    has(&h, 0, "vsock-transport", "modprobe hv_sock");
    tree_free();
}

UT_CASE(virtio_guest)
{
    struct hv_diag_facts f;
    struct hv_hints h;

    tree_new();
    kernel("", all_vsock_dep);
    dmi("QEMU\n", "Standard PC (i440FX + PIIX, 1996)\n");
    put("sys/bus/virtio/devices/virtio0/device", "0x0001\n");
    put("sys/bus/virtio/devices/virtio3/device", "0x0013\n");
    put("proc/bus/pci/devices",
        "0000\t80861237\t0\t0\t0\n0018\t1af41000\t0b\tc041\n");
    loaded("vsock", "vmw_vsock_virtio_transport_common", NULL);
    facts(&f);
    UT_EQ_INT(f.vmbus, 0);
    UT_EQ_INT(f.virtio_vsock, 1);
    UT_EQ_INT(f.vmware, 0);
    UT_EQ_INT(f.loaded[HV_MOD_VSOCK], 1);
    UT_EQ_INT(f.loaded[HV_MOD_VIRTIO], 0);
    UT_EQ_INT(f.loaded[HV_MOD_LOOPBACK], 0);
    hv_diag_facts_free(&f);
    hints(2, 5000, HV_DIAG_CONNECT, HV_ENODEV, &h);
    UT_EQ_INT(h.n, 1);
    has(&h, 0, "vsock-transport", "this VM has a virtio-vsock device: load "
        "it: modprobe vmw_vsock_virtio_transport");
    /* the device found on PCI alone (virtio_pci not bound) */
    tree_free();
    tree_new();
    kernel("", all_vsock_dep);
    dmi("QEMU\n", "Standard PC (Q35 + ICH9, 2009)\n");
    put("proc/bus/pci/devices", "0020\t1af41053\t0b\tc041\n");
    loaded("vsock", NULL);
    facts(&f);
    UT_EQ_INT(f.virtio_vsock, 1);
    hv_diag_facts_free(&f);
    /* loaded, and refused */
    loaded("vsock", "vmw_vsock_virtio_transport_common",
           "vmw_vsock_virtio_transport", NULL);
    hints(2, 5000, HV_DIAG_CONNECT, HV_ECONNREFUSED, &h);
    UT_EQ_INT(h.n, 1);
    has(&h, 0, "vsock-refused", "nothing listens on vsock port 5000 at CID 2:");
    /* a kernel without the module */
    put("lib/modules/" RELEASE "/modules.dep",
        "kernel/net/vmw_vsock/vsock.ko.xz:\n");
    loaded("vsock", NULL);
    hints(2, 5000, HV_DIAG_CONNECT, HV_ENODEV, &h);
    has(&h, 0, "vsock-transport", "this kernel (" RELEASE ") has no "
        "vmw_vsock_virtio_transport module");
    tree_free();
}

UT_CASE(vmware_guest)
{
    struct hv_diag_facts f;
    struct hv_hints h;

    tree_new();
    kernel("", all_vsock_dep);
    dmi("VMware, Inc.\n", "VMware Virtual Platform\n");
    put("proc/bus/pci/devices", "0038\t15ad0740\t10\n");
    loaded("vsock", NULL);
    facts(&f);
    UT_EQ_INT(f.vmware, 1);
    UT_EQ_INT(f.vmbus, 0);
    hv_diag_facts_free(&f);
    hints(2, 5000, HV_DIAG_CONNECT, HV_ENODEV, &h);
    UT_EQ_INT(h.n, 1);
    has(&h, 0, "vsock-transport", "modprobe vmw_vsock_vmci_transport");
    tree_free();
}

UT_CASE(loopback_only)
{
    struct hv_diag_facts f;
    struct hv_hints h;

    /* the vm tests' guest: qemu without a vsock device, modules by insmod,
     * no /lib/modules */
    tree_new();
    put("proc/sys/kernel/osrelease", RELEASE "\n");
    dmi("QEMU\n", "Standard PC (i440FX + PIIX, 1996)\n");
    mkdirs("sys/bus/virtio/devices");
    put("proc/bus/pci/devices", "0000\t80861237\t0\n");
    loaded("vsock", "vmw_vsock_virtio_transport_common", "vsock_loopback",
           "vsock_diag", NULL);
    facts(&f);
    UT_EQ_INT(f.vmbus, 0);
    UT_EQ_INT(f.virtio_vsock, 0);
    UT_EQ_INT(f.vmware, 0);
    UT_EQ_INT(f.loaded[HV_MOD_LOOPBACK], 1);
    UT_EQ_INT(f.loaded[HV_MOD_HV_SOCK], 0);
    UT_EQ_INT(f.in_kernel[HV_MOD_LOOPBACK], HV_FACT_UNKNOWN);
    hv_diag_facts_free(&f);
    hints(1, 54321, HV_DIAG_CONNECT, HV_ECONNREFUSED, &h);
    UT_EQ_INT(h.n, 1);
    has(&h, 0, "vsock-refused", "nothing listens on vsock port 54321 at CID 1 "
        "(this machine): start a listener there (hvlisten 54321)");
    /* CID 2 is this machine too here (the kernel sends it to loopback) */
    hints(2, 5000, HV_DIAG_CONNECT, HV_ECONNREFUSED, &h);
    UT_EQ_INT(h.n, 2);
    has(&h, 0, "vsock-refused", "at CID 2 (this machine itself");
    has(&h, 1, "vsock-no-device", "reaches no host");
    /* rmmod vsock_loopback */
    loaded("vsock", "vmw_vsock_virtio_transport_common", "vsock_diag", NULL);
    facts(&f);
    UT_EQ_INT(f.loaded[HV_MOD_LOOPBACK], 0);
    hv_diag_facts_free(&f);
    hints(1, 5000, HV_DIAG_CONNECT, HV_ENODEV, &h);
    UT_EQ_INT(h.n, 1);
    has(&h, 0, "vsock-loopback", "CID 1 (loopback) needs vsock_loopback, "
        "which is not loaded: modprobe vsock_loopback");
    hints(1, 5000, HV_DIAG_LISTEN, HV_EADDRNOTAVAIL, &h);
    UT_EQ_INT(h.n, 1);
    has(&h, 0, "vsock-loopback", "modprobe vsock_loopback");
    /* and now nothing takes CID 2 */
    hints(2, 5000, HV_DIAG_CONNECT, HV_ENODEV, &h);
    UT_EQ_INT(h.n, 1);
    has(&h, 0, "vsock-no-device", "reaches no CID 2");
    tree_free();
}

UT_CASE(no_vsock)
{
    struct hv_diag_facts f;
    struct hv_hints h;

    /* a kernel with no vsock at all, on bare metal */
    tree_new();
    kernel("kernel/fs/ext4/ext4.ko\n", "kernel/fs/fat/vfat.ko.xz:\n");
    dmi("Dell Inc.\n", "PowerEdge R640\n");
    mkdirs("sys/bus/pci/devices");
    put("proc/bus/pci/devices", "0000\t80862020\t0\n");
    loaded("nvme", NULL);
    facts(&f);
    UT_EQ_INT(f.loaded[HV_MOD_VSOCK], 0);
    UT_EQ_INT(f.in_kernel[HV_MOD_VSOCK], 0);
    UT_EQ_INT(f.vmbus + f.virtio_vsock + f.vmware, 0);
    hv_diag_facts_free(&f);
    hints(2, 5000, HV_DIAG_CONNECT, HV_ENOVSOCK, &h);
    UT_EQ_INT(h.n, 1);
    has(&h, 0, "vsock-module", "this kernel (" RELEASE ") has no vsock module");
    /* the modules exist, no device: only loopback can work */
    put("lib/modules/" RELEASE "/modules.dep", all_vsock_dep);
    hints(2, 5000, HV_DIAG_CONNECT, HV_ENOVSOCK, &h);
    UT_EQ_INT(h.n, 1);
    has(&h, 0, "vsock-no-device", "only reach this machine itself, at CID 1");
    hints(1, 5000, HV_DIAG_CONNECT, HV_ENOVSOCK, &h);
    has(&h, 0, "vsock-module", "modprobe vsock_loopback");
    hints(HV_CID_ANY, 5000, HV_DIAG_LISTEN, HV_ENOVSOCK, &h);
    has(&h, 0, "vsock-no-device", "no vsock device");
    tree_free();
}

UT_CASE(wsl2_kernel)
{
    struct hv_diag_facts f;
    struct hv_hints h;

    /* vsock and hv_sock built in, no /lib/modules, no loopback */
    tree_new();
    put("proc/sys/kernel/osrelease", "5.15.153.1-microsoft-standard-WSL2\n");
    mkdirs("sys/bus/vmbus/devices");
    mkdirs("sys/module/vsock");
    mkdirs("sys/module/hv_vmbus");
    put("proc/modules", "");
    facts(&f);
    UT_EQ_INT(f.wsl, 1);
    UT_EQ_INT(f.vmbus, 1);
    UT_EQ_INT(f.loaded[HV_MOD_VSOCK], 1);
    UT_EQ_INT(f.loaded[HV_MOD_LOOPBACK], HV_FACT_UNKNOWN);
    hv_diag_facts_free(&f);
    hints(1, 5000, HV_DIAG_CONNECT, HV_ENETUNREACH, &h);
    UT_EQ_INT(h.n, 1);
    has(&h, 0, "vsock-loopback", "Microsoft's WSL2 kernel "
        "(5.15.153.1-microsoft-standard-WSL2) is built without");
    tree_free();
}

UT_CASE(privileged_tcp)
{
    struct hv_hints h;
    struct hv_addr a;
    memset(&a, 0, sizeof a);
    a.family = HV_FAMILY_TCP;
    a.port = 80;
    UT_EQ_INT(hv_diag_hints(&a, HV_DIAG_LISTEN, HV_EACCES, NULL, &h), 0);
    UT_EQ_INT(h.n, 1);
    has(&h, 0, "port-privileged", "TCP ports below 1024 need root or "
        "CAP_NET_BIND_SERVICE");
}

UT_CASE(unreadable_tree)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    int m;

    /* nothing there: nothing known, nothing said (but a refusal) */
    tree_new();
    facts(&f);
    UT_EQ_STR(f.release, "");
    UT_EQ_INT(f.vmbus, HV_FACT_UNKNOWN);
    UT_EQ_INT(f.virtio_vsock, HV_FACT_UNKNOWN);
    UT_EQ_INT(f.vmware, HV_FACT_UNKNOWN);
    for (m = 0; m < HV_MOD_COUNT; m++) {
        UT_EQ_INT(f.loaded[m], HV_FACT_UNKNOWN);
        UT_EQ_INT(f.in_kernel[m], HV_FACT_UNKNOWN);
    }
    hv_diag_facts_free(&f);
    hints(1, 5000, HV_DIAG_CONNECT, HV_ENODEV, &h);
    UT_EQ_INT(h.n, 0);
    hints(2, 5000, HV_DIAG_CONNECT, HV_ENOVSOCK, &h);
    UT_EQ_INT(h.n, 0);
    hints(2, 5000, HV_DIAG_CONNECT, HV_ENODEV, &h);
    UT_EQ_INT(h.n, 0);
    hints(2, 5000, HV_DIAG_CONNECT, HV_ECONNREFUSED, &h);
    UT_EQ_INT(h.n, 1);
    tree_free();
}
