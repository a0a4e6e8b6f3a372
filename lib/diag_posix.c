/* diag_posix.c: the facts of a Linux machine for the diagnosis (diag.c),
 * read from files below a root directory ("/" on a live system, a
 * prepared tree in the tests): the kernel release, Hyper-V's VMBus, a
 * virtio-vsock device, VMware, the vsock modules loaded and in the kernel,
 * and this machine's own CID. Plain reads and one ioctl: no privileges, no
 * changes. A file that cannot be read leaves its fact unknown. */
/* O_CLOEXEC, and the POSIX 2008 calls under -std=c11 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "platform_posix.h"

#define PATH_LEN 1024

struct tree {
    char root[PATH_LEN]; /* without a trailing slash; "" for "/" */
};

static void at(const struct tree *t, const char *rel, char *buf, size_t n)
{
    hv__fmt(buf, n, "%s%s", t->root, rel);
}

static int is_dir(const struct tree *t, const char *rel)
{
    char p[PATH_LEN];
    struct stat st;
    at(t, rel, p, sizeof p);
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The first line of a file, without its newline: 0, or -1 unreadable. */
static int first_line(const struct tree *t, const char *rel, char *buf,
                      size_t n)
{
    char p[PATH_LEN];
    FILE *f;
    at(t, rel, p, sizeof p);
    if ((f = fopen(p, "r")) == NULL)
        return -1;
    if (fgets(buf, (int)n, f) == NULL)
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

/* Read a line of any length into buf (cut to n - 1 bytes): 1, or 0 at
 * the end. */
static int line_of(FILE *f, char *buf, size_t n)
{
    size_t len;
    if (fgets(buf, (int)n, f) == NULL)
        return 0;
    len = strlen(buf);
    if (len > 0 && buf[len - 1] != '\n') {
        int c;
        while ((c = getc(f)) != EOF && c != '\n')
            ;
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    return 1;
}

/* The module a modules.dep or modules.builtin line names: the base name
 * of its first path, up to ".ko". */
static void module_of(const char *line, char *name, size_t n)
{
    const char *end = line + strcspn(line, ": \t"), *start = end, *ko;
    while (start > line && start[-1] != '/')
        start--;
    ko = strstr(start, ".ko");
    if (ko == NULL || ko > end)
        ko = end;
    hv__fmt(name, n, "%.*s", (int)(ko - start), start);
}

static int mod_index(const char *name)
{
    int m;
    for (m = 0; m < HV_MOD_COUNT; m++)
        if (strcmp(name, hv_vsock_mod_names[m]) == 0)
            return m;
    return -1;
}

/* Mark in seen[] the vsock modules a modules.dep/.builtin file names:
 * 0, or -1 unreadable. */
static int modules_file(const struct tree *t, const char *rel, int *seen)
{
    char p[PATH_LEN], line[512], name[128];
    FILE *f;
    int m;
    at(t, rel, p, sizeof p);
    if ((f = fopen(p, "r")) == NULL)
        return -1;
    while (line_of(f, line, sizeof line)) {
        module_of(line, name, sizeof name);
        if ((m = mod_index(name)) >= 0)
            seen[m] = 1;
    }
    fclose(f);
    return 0;
}

/* /proc/modules: the loaded modules, a name first on each line. */
static int proc_modules(const struct tree *t, int *seen)
{
    char p[PATH_LEN], line[512], name[128];
    FILE *f;
    int m;
    at(t, "/proc/modules", p, sizeof p);
    if ((f = fopen(p, "r")) == NULL)
        return -1;
    while (line_of(f, line, sizeof line)) {
        hv__fmt(name, sizeof name, "%.*s", (int)strcspn(line, " \t"), line);
        if ((m = mod_index(name)) >= 0)
            seen[m] = 1;
    }
    fclose(f);
    return 0;
}

static void modules(const struct tree *t, struct hv_diag_facts *f)
{
    int proc[HV_MOD_COUNT] = {0}, builtin[HV_MOD_COUNT] = {0};
    int dep[HV_MOD_COUNT] = {0}, sysmod[HV_MOD_COUNT] = {0};
    char rel[PATH_LEN];
    int proc_ok, builtin_ok = 0, dep_ok = 0, sys_ok, m;

    proc_ok = proc_modules(t, proc) == 0;
    sys_ok = is_dir(t, "/sys/module");
    if (f->release[0]) {
        hv__fmt(rel, sizeof rel, "/lib/modules/%s/modules.builtin",
                f->release);
        builtin_ok = modules_file(t, rel, builtin) == 0;
        hv__fmt(rel, sizeof rel, "/lib/modules/%s/modules.dep", f->release);
        dep_ok = modules_file(t, rel, dep) == 0;
    }
    for (m = 0; m < HV_MOD_COUNT; m++) {
        hv__fmt(rel, sizeof rel, "/sys/module/%s", hv_vsock_mod_names[m]);
        sysmod[m] = sys_ok && is_dir(t, rel);
    }
    for (m = 0; m < HV_MOD_COUNT; m++) {
        if (proc[m] || sysmod[m] || builtin[m])
            f->loaded[m] = 1;
        /* not listed is not loaded when it cannot be built in unseen: a
         * vsock core that is a module has modular transports only, and
         * the core itself shows in /sys/module when built in (it has a
         * version) */
        else if (proc_ok && (builtin_ok || proc[HV_MOD_VSOCK] ||
                             (m == HV_MOD_VSOCK && sys_ok)))
            f->loaded[m] = 0;
        if (builtin[m] || dep[m])
            f->in_kernel[m] = 1;
        else if (builtin_ok && dep_ok)
            f->in_kernel[m] = 0;
    }
}

/* PCI devices (vendor << 16 | device) in /proc/bus/pci/devices: 1 seen,
 * 0 not, -1 unreadable. A line starts with two hex fields: the bus and
 * slot, then vendor << 16 | device. Read with strtoul: sscanf would link
 * scanf and its floating-point parsers (about 80 KB) into a static hvcat
 * for this one line. */
static int pci_has(const struct tree *t, unsigned long id)
{
    char p[PATH_LEN], line[512], *end, *vd_end;
    unsigned long vd;
    FILE *f;
    int found = 0;
    at(t, "/proc/bus/pci/devices", p, sizeof p);
    if ((f = fopen(p, "r")) == NULL)
        return -1;
    while (!found && line_of(f, line, sizeof line)) {
        (void)strtoul(line, &end, 16);
        if (end == line)
            continue;
        vd = strtoul(end, &vd_end, 16);
        if (vd_end != end && vd == id)
            found = 1;
    }
    fclose(f);
    return found;
}

#define PCI_VIRTIO_VSOCK 0x1af41053ul /* virtio 1.0 device 19 */
#define PCI_VMWARE_VMCI 0x15ad0740ul

/* A virtio device of id 19 (vsock) on the virtio bus: 1, 0, -1. */
static int virtio_bus_vsock(const struct tree *t)
{
    char p[PATH_LEN], rel[PATH_LEN], id[32];
    struct dirent *e;
    DIR *d;
    int found = 0;
    at(t, "/sys/bus/virtio/devices", p, sizeof p);
    if ((d = opendir(p)) == NULL)
        return is_dir(t, "/sys/bus") ? 0 : -1; /* no virtio bus at all */
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        hv__fmt(rel, sizeof rel, "/sys/bus/virtio/devices/%s/device",
                e->d_name);
        if (first_line(t, rel, id, sizeof id) == 0 &&
            strcmp(id, "0x0013") == 0)
            found = 1;
    }
    closedir(d);
    return found;
}

static void hypervisor(const struct tree *t, struct hv_diag_facts *f)
{
    char vendor[HV_FACT_TEXT], product[HV_FACT_TEXT];
    int dmi, bus, pci, vbus;

    dmi = first_line(t, "/sys/class/dmi/id/sys_vendor", vendor,
                     sizeof vendor) == 0;
    if (!dmi || first_line(t, "/sys/class/dmi/id/product_name", product,
                           sizeof product) < 0)
        product[0] = '\0';
    bus = is_dir(t, "/sys/bus");
    /* Hyper-V: the VMBus driver's bus, or its DMI names when hv_vmbus is
     * not loaded */
    if (is_dir(t, "/sys/bus/vmbus") ||
        (dmi && strcmp(vendor, "Microsoft Corporation") == 0 &&
         strcmp(product, "Virtual Machine") == 0))
        f->vmbus = 1;
    else if (bus && dmi)
        f->vmbus = 0;
    pci = pci_has(t, PCI_VIRTIO_VSOCK);
    vbus = virtio_bus_vsock(t);
    if (pci == 1 || vbus == 1)
        f->virtio_vsock = 1;
    else if (vbus == 0)
        f->virtio_vsock = 0;
    pci = pci_has(t, PCI_VMWARE_VMCI);
    if (pci == 1 || (dmi && strcmp(vendor, "VMware, Inc.") == 0))
        f->vmware = 1;
    else if (pci == 0 || dmi)
        f->vmware = 0;
}

static void own_cid(const struct tree *t, struct hv_diag_facts *f)
{
#ifdef HV__HAVE_VSOCK
    char p[PATH_LEN];
    unsigned int c = 0;
    int fd;
    at(t, "/dev/vsock", p, sizeof p);
    if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
        return;
    if (ioctl(fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &c) == 0) {
        f->own_cid_known = 1;
        f->own_cid = c;
    }
    close(fd);
#else
    (void)t;
    (void)f;
#endif
}

void hv_diag_facts_read(const struct hv_addr *a, enum hv_diag_op op, int err,
                        const char *root, struct hv_diag_facts *f)
{
    struct tree t;
    size_t n;

    (void)op;
    (void)err;
    if (a->family != HV_FAMILY_VSOCK)
        return;
    hv__fmt(t.root, sizeof t.root, "%s", root ? root : "");
    n = strlen(t.root);
    while (n > 0 && t.root[n - 1] == '/')
        t.root[--n] = '\0';
    if (first_line(&t, "/proc/sys/kernel/osrelease", f->release,
                   sizeof f->release) == 0 && f->release[0])
        f->wsl = strstr(f->release, "microsoft-standard-WSL2") != NULL;
    else
        f->release[0] = '\0';
    hypervisor(&t, f);
    modules(&t, f);
    own_cid(&t, f);
}
