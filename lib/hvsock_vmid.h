/* hvsock_vmid.h: VM ids (hvvmid). Included by hvsock.h.
 *
 * Where a VM id comes from: the keyword table (hvsock.h), a Windows host's
 * inventory (WMI root\virtualization\v2 and the Host Compute Service), the
 * running WSL2 VM, and a guest's own id (KVP registry values on Windows,
 * the KVP pool file or $WSL2_VM_ID on Linux). The parsers of the raw data
 * (KVP pool records, HCS JSON, WMI rows, wslhost command lines) are portable
 * so that every platform's tests run them. */
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
/* Add e, or merge it into the entry with the same id (names from WMI win,
 * HCS adds owner, type and system id). 0 or HV_ENOMEM. The entry with an
 * id is found through an index: n adds take time in n, not n squared. */
int hv_vms_add(struct hv_vms *vms, const struct hv_vm *e);
/* Find the VM called name (case-insensitive display name, or its HCS Id).
 * 0 and *out set; HV_ENOVM; HV_EAMBIGUOUS with the matches listed in hint. */
int hv_vms_match(const struct hv_vms *vms, const char *name,
                 struct hv_guid *out, char *hint, size_t hintlen);

/* The length of the longest prefix of s (len bytes) that has at most max
 * bytes and does not end inside a UTF-8 character. */
size_t hv_utf8_cut(const char *s, size_t len, size_t max);
/* Copy src into dst (n bytes, NUL-terminated when n > 0), cut at a UTF-8
 * character boundary when it does not fit. Returns strlen(src), like
 * strlcpy: a result >= n means it was cut. */
size_t hv_utf8_copy(char *dst, size_t n, const char *src);

/* One WMI Msvm_ComputerSystem row: Name (the VM GUID), ElementName and
 * EnabledState. The host's own row (Name not a GUID) is skipped: 1 added,
 * 0 skipped, HV_ENOMEM. Kept portable so it can be tested anywhere. */
int hv_wmi_add_row(struct hv_vms *vms, const char *name,
                   const char *element_name, long enabled_state);
/* Text for a Msvm_ComputerSystem EnabledState ("Running", "Off", ...). */
const char *hv_wmi_state_name(long enabled_state, char *buf, size_t n);

/* Append the compute systems of an HCS enumeration result (a JSON array of
 * objects with Id, SystemType, Name, Owner, RuntimeId, State) to vms.
 * Returns the number added, HV_EBADDATA (hint says where) or HV_ENOMEM.
 * Entries without a GUID RuntimeId or Id are skipped. */
int hv_hcs_parse(const char *json, size_t len, struct hv_vms *vms, char *hint,
                 size_t hintlen);

/* How a failed WMI or HCS call (its HRESULT) counts: HV_EACCES (access
 * denied: not elevated), HV_ETIMEDOUT, else HV_ENOTSUP (source missing). */
int hv_vm_source_error(unsigned long hresult);
/* The result of a listing from the results of its two sources: 0 when one
 * answered; else HV_EACCES if one refused, HV_ETIMEDOUT, HV_ENOMEM or
 * HV_ENOTSUP. */
int hv_vm_sources_result(int wmi, int hcs);

/* Every VM and compute system of this Windows host (WMI and HCS). On
 * success note says which source failed, if one did. Errors: HV_EACCES (not
 * elevated), HV_ENOTSUP (no source available: note has the reasons). */
int hv_vm_list(struct hv_vms *out, char *note, size_t notelen);
/* A VM display name (or "wsl") to its socket id: 0, HV_ENOVM,
 * HV_EAMBIGUOUS (hint lists the matches), HV_EACCES, HV_ENOTSUP. */
int hv_vm_by_name(const char *name, struct hv_guid *out, char *hint,
                  size_t hintlen);

/* ---------------------------------------------------------------- WSL */

/* Find the "--vm-id GUID" (or --vm-id=GUID, braces optional) argument in a
 * wslhost.exe command line: 1 found, 0 not there. */
int hv_wsl_cmdline_vmid(const char *cmdline, struct hv_guid *out);
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

/* Called per record; key and value are NUL-terminated (a value filling all
 * 2048 bytes is terminated by the parser). Non-zero stops the walk and is
 * returned. */
typedef int (*hv_kvp_fn)(const char *key, const char *value, void *ctx);

struct hv_kvp_stats {
    size_t records;   /* complete records seen (empty keys included) */
    size_t trailing;  /* bytes of an incomplete last record, ignored */
};

/* Walk the complete records of a pool image. Records with an empty key are
 * unused slots and skipped. A key without a NUL in its 512 bytes, or with
 * control characters, makes the data HV_EBADDATA (hint says which record).
 * Returns 0, HV_EBADDATA or fn's non-zero value. */
int hv_kvp_parse(const unsigned char *buf, size_t len, hv_kvp_fn fn,
                 void *ctx, struct hv_kvp_stats *st, char *hint,
                 size_t hintlen);

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

/* Fill self from a pool image (the known keys). 0; HV_EBADDATA (hint);
 * HV_EBADDATA too when VirtualMachineId is present but not a GUID. */
int hv_kvp_self(const unsigned char *buf, size_t len, struct hv_vm_self *self,
                char *hint, size_t hintlen);
/* Read a whole pool file of at most max bytes (HV_KVP_FILE_MAX; less than
 * SIZE_MAX) from an open stream and fill self. HV_EIO, HV_ENOMEM,
 * HV_EBADDATA (also for a larger file). */
int hv_kvp_self_stream(FILE *f, size_t max, struct hv_vm_self *self,
                       char *hint, size_t hintlen);
/* Read the pool file at path (with a shared lock where the platform has
 * one). HV_EABSENT (no file), HV_EACCES, HV_EIO (also for a directory:
 * hint "is a directory"), HV_EBADDATA. */
int hv_kvp_self_file(const char *path, struct hv_vm_self *self, char *hint,
                     size_t hintlen);

/* This guest's own VM id. kvp_file non-NULL: only that pool file. Else the
 * platform's sources (Windows: the Guest\Parameters registry values; Linux:
 * the KVP pool, then $WSL2_VM_ID). HV_ENOVM when nothing was found; note
 * says what was tried. */
int hv_vm_self(struct hv_vm_self *self, const char *kvp_file, char *note,
               size_t notelen);

/* ---------------------------------------------------------------- JSON out */

/* Quote s as a JSON string into buf (n bytes, always NUL-terminated when
 * n > 0): quotes, backslashes and control characters escaped, other bytes
 * (UTF-8) passed through. Returns the length the whole quoted text needs
 * (without the NUL), like snprintf. */
size_t hv_json_quote(const char *s, char *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif
