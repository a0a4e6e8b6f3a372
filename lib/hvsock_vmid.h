/* hvsock_vmid.h: VM ids (hvvmid). Included by hvsock.h.
 *
 * Where a VM id comes from: the keyword table (hvsock.h), a Windows host's
 * inventory (WMI root\virtualization\v2 and the Host Compute Service), the
 * running WSL2 VM, and a guest's own id (KVP registry values on Windows,
 * the KVP pool file or $WSL2_VM_ID on Linux). The parsers of the raw data
 * (KVP pool records, HCS JSON, WMI rows, wslhost command lines) are in the
 * internal hvsock_int.h. */
#ifndef HVSOCK_VMID_H
#define HVSOCK_VMID_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- VM lists */

/* Hyper-V display names hold up to 100 UTF-16 units (300 bytes of UTF-8);
 * HCS names (WSL, containers) can be longer. Longer text is cut at a UTF-8
 * character boundary, never dropped. */
#define HV_VM_NAME_MAX 1024
#define HV_VM_FIELD_MAX 256

/* Where a VM entry was seen; bits, an entry can come from both. */
#define HV_VMSRC_WMI 0x1
#define HV_VMSRC_HCS 0x2

struct hv_vm {
    struct hv_guid id;            /* the socket VM id (HCS RuntimeId) */
    char name[HV_VM_NAME_MAX];    /* display name (WMI ElementName, HCS Name) */
    char owner[HV_VM_FIELD_MAX];  /* HCS Owner: "VMMS", "WSL", ...; "" unknown */
    char type[HV_VM_FIELD_MAX];   /* HCS SystemType: "VirtualMachine", ... */
    char state[HV_VM_FIELD_MAX];  /* "Running", "Off", "Saved", ... */
    char system_id[HV_VM_NAME_MAX]; /* HCS Id when it is not the socket id */
    unsigned sources;             /* HV_VMSRC_* bits */
};

/* A growable list of VMs; zero-initialise (HV_VMS_INIT), release with
 * hv_vms_free. idx is the id index hv_vms_add keeps (internal). */
struct hv_vms {
    struct hv_vm *v;
    size_t n, cap;
    size_t *idx;    /* open addressing: entry number + 1, 0 empty */
    size_t idxcap;  /* a power of two, at least twice n; 0 none yet */
};
#define HV_VMS_INIT {NULL, 0, 0, NULL, 0}

void hv_vms_free(struct hv_vms *vms);
/* Every VM and compute system of this Windows host (WMI and HCS). On
 * success note says which source failed, if one did. Errors: HV_EACCES (not
 * elevated), HV_ENOTSUP (no source available: note has the reasons). */
int hv_vm_list(struct hv_vms *out, char *note, size_t notelen);
/* A VM display name (or "wsl") to its socket id: 0, HV_ENOVM,
 * HV_EAMBIGUOUS (hint lists the matches), HV_EACCES, HV_ENOTSUP. */
int hv_vm_by_name(const char *name, struct hv_guid *out, char *hint,
                  size_t hintlen);

/* ---------------------------------------------------------------- WSL */

/* The running WSL2 VM's id (Windows host). note says where it came from or,
 * on failure, what was tried. HV_ENOVM (not running), HV_EAMBIGUOUS,
 * HV_ENOTSUP (not Windows). */
int hv_vm_wsl(struct hv_guid *out, char *note, size_t notelen);

/* ---------------------------------------------------------------- self */

/* Linux KVP pool records (hv_kvp_daemon): no header, a flat array of
 * records of a 512-byte key and a 2048-byte value, NUL-padded. */
#define HV_KVP_KEY_SIZE 512
#define HV_KVP_VALUE_SIZE 2048
#define HV_KVP_RECORD_SIZE (HV_KVP_KEY_SIZE + HV_KVP_VALUE_SIZE)
#define HV_KVP_POOL_GUEST "/var/lib/hyperv/.kvp_pool_3"
/* The largest pool file read (bytes); a larger one is malformed data. */
#define HV_KVP_FILE_MAX (16ul * 1024ul * 1024ul)

/* A KVP value is 2048 bytes: UTF-8 in a Linux pool file, 1024 UTF-16 units
 * (up to 3072 bytes of UTF-8) in a Windows guest's registry. */
#define HV_SELF_VALUE_MAX (HV_KVP_VALUE_SIZE / 2 * 3 + 1)

/* A guest's knowledge about itself. Empty strings where unknown. */
struct hv_vm_self {
    struct hv_guid id;
    int have_id;
    char name[HV_SELF_VALUE_MAX];
    char host[HV_SELF_VALUE_MAX];
    char physical_host[HV_SELF_VALUE_MAX];
    char physical_host_fqdn[HV_SELF_VALUE_MAX];
    const char *source;   /* "kvp-pool", "registry", "environment" */
    /* the file path (the caller's kvp_file string, or a constant), registry
     * key or variable name: a pointer, so no path is ever cut */
    const char *location;
};

/* This guest's own VM id. kvp_file non-NULL: only that pool file. Else the
 * platform's sources (Windows: the Guest\Parameters registry values; Linux:
 * the KVP pool, then $WSL2_VM_ID). HV_ENOVM when nothing was found; note
 * says what was tried. */
int hv_vm_self(struct hv_vm_self *self, const char *kvp_file, char *note,
               size_t notelen);

/* ---------------------------------------------------------------- JSON out */

/* Quote s as a JSON string into buf (n bytes, always NUL-terminated when
 * n > 0): quotes, backslashes and control characters escaped, valid UTF-8
 * passed through, each byte that is not part of valid UTF-8 as \ufffd.
 * Returns the length the whole quoted text needs (without the NUL), like
 * snprintf. */
size_t hv_json_quote(const char *s, char *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif
