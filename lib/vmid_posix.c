/* vmid_posix.c: VM ids on POSIX systems, which are only ever guests here:
 * the VM's own id from the KVP pool file (read under a shared fcntl lock,
 * as hv_kvp_daemon writes it under an exclusive one) or from WSL2's
 * environment. Host inventories (WMI, HCS) exist on Windows only. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "platform_posix.h"

#define HOST_ONLY "VM inventories (WMI, HCS) exist on a Windows host only"

int hv_vm_list(struct hv_vms *out, char *note, size_t notelen)
{
    (void)out;
    hv__fmt(note, notelen, HOST_ONLY);
    return HV_ENOTSUP;
}

int hv_kvp_self_file(const char *path, struct hv_vm_self *self, char *hint,
                     size_t hintlen)
{
    struct flock lk;
    struct stat sb;
    FILE *f;
    int fd, r, e;

    do
        fd = open(path, O_RDONLY);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        e = errno;
        hv__fmt(hint, hintlen, "%s", strerror(e));
        return e == ENOENT || e == ENOTDIR ? HV_EABSENT : hv__err_from_os(e);
    }
    /* a read would say EISDIR; the same words as vmid_win.c either way */
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        close(fd);
        hv__fmt(hint, hintlen, "is a directory");
        return HV_EIO;
    }
    memset(&lk, 0, sizeof lk);
    lk.l_type = F_RDLCK;
    lk.l_whence = SEEK_SET;
    /* a file system without locks is read anyway: the data still parses
     * or is reported malformed */
    while (fcntl(fd, F_SETLKW, &lk) < 0 && errno == EINTR)
        ;
    if ((f = fdopen(fd, "rb")) == NULL) {
        close(fd);
        return HV_ENOMEM;
    }
    r = hv_kvp_self_stream(f, HV_KVP_FILE_MAX, self, hint, hintlen);
    fclose(f); /* drops the lock */
    return r;
}

static size_t tried(char *note, size_t notelen, size_t o, const char *what,
                    int err, const char *why)
{
    if (note == NULL || o >= notelen)
        return o;
    return o + hv__fmt(note + o, notelen - o, "%s%s: %s", o ? "; " : "tried ",
                       what, why && *why ? why : hv_strerror(err));
}

int hv_vm_self(struct hv_vm_self *self, const char *kvp_file, char *note,
               size_t notelen)
{
    char hint[256] = "";
    const char *path = kvp_file ? kvp_file : HV_KVP_POOL_GUEST;
    const char *env;
    size_t o = 0;
    int r;

    memset(self, 0, sizeof *self);
    if (note && notelen)
        note[0] = '\0';
    r = hv_kvp_self_file(path, self, hint, sizeof hint);
    if (r == 0 && self->have_id) {
        self->source = "kvp-pool";
        self->location = path;
        return 0;
    }
    if (r == 0)
        hv__fmt(hint, sizeof hint, "no VirtualMachineId record");
    o = tried(note, notelen, o, path, r, hint);
    if (kvp_file) /* the one source asked for: its own error if it has one */
        return r < 0 && r != HV_EABSENT ? r : HV_ENOVM;

    env = getenv("WSL2_VM_ID");
    memset(self, 0, sizeof *self);
    if (env && *env) {
        if (hv_guid_parse(env, &self->id) == 0) {
            self->have_id = 1;
            self->source = "environment";
            self->location = "WSL2_VM_ID";
            return 0;
        }
        tried(note, notelen, o, "$WSL2_VM_ID", HV_EBADGUID,
              "not a GUID");
    } else {
        tried(note, notelen, o, "$WSL2_VM_ID", HV_EABSENT, "not set");
    }
    return HV_ENOVM;
}
