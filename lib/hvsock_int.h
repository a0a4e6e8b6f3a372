/* hvsock_int.h: internal to libhvsock and its tests. The parsers of raw
 * outside data (KVP pools, HCS JSON, WMI rows, wslhost command lines), the
 * VM list's merge, UTF-8 cutting, wire layouts and the script writer's
 * bounded form: portable so that every platform's tests run them, but no
 * tool calls them; the public header (hvsock.h) is what a tool, or a
 * program embedding the library, needs. */
#ifndef HVSOCK_INT_H
#define HVSOCK_INT_H

#include "hvsock.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Traffic dumps (dump.c). A record's first line, "> sent N bytes" (a ->
 * b) or "< received N bytes" (b -> a), "#CONN " before the verb when
 * conn is not 0; then lines of up to 16 bytes, as hexdump -C: the offset
 * in that direction's stream (8 hex digits or more), the bytes in two
 * groups of eight, the printable ones between bars. Each returns the
 * length written to buf (HV__DUMP_LINE_MAX bytes, NUL-terminated). */
#define HV__DUMP_LINE_MAX 96
size_t hv__dump_fmt_head(char *buf, unsigned conn, int dir, size_t n);
size_t hv__dump_fmt_line(char *buf, uint64_t off, const unsigned char *p,
                         size_t n);
/* The engines: n bytes at offset off of direction dir (0: a -> b) of
 * connection conn were written. From one thread at a time. */
void hv__dump_data(struct hv_dump *d, unsigned conn, int dir, uint64_t off,
                   const char *data, size_t n);

/* -e's environment (spawn.c): "NAME=value" for HV_PEER_ADDR, HV_PEER_VM,
 * HV_PEER_SERVICE, HV_LOCAL_ADDR, HV_LOCAL_VM, HV_LOCAL_SERVICE; env ends
 * with NULL. */
#define HV_EXEC_ENV_VARS 6
struct hv_exec_env {
    char buf[HV_EXEC_ENV_VARS][HV_ADDR_STRLEN + 32];
    const char *env[HV_EXEC_ENV_VARS + 1];
};
void hv_exec_env(struct hv_exec_env *e, const struct hv_addr *peer,
                 const struct hv_addr *local);

/* Wire layout (SOCKADDR_HV, VMBus, Linux guid_t): Data1-3 little-endian. */
void hv_guid_to_wire(const struct hv_guid *g, uint8_t out[16]);
void hv_guid_from_wire(const uint8_t in[16], struct hv_guid *g);

/* The Windows SOCKADDR_HV bytes for a Hyper-V address: family 34 (LE),
 * reserved 0, VmId and ServiceId in wire order. Portable, so testable
 * everywhere. Returns HV_SOCKADDR_HV_LEN, or HV_EINVAL for another family. */
#define HV_SOCKADDR_HV_LEN 36
int hv_addr_to_sockaddr_hv(const struct hv_addr *a, uint8_t out[36]);
/* Read SOCKADDR_HV bytes (len from the OS) back into a; 0 or HV_EBADDATA. */
int hv_addr_from_sockaddr_hv(const uint8_t *in, size_t len, struct hv_addr *a);

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
 * Returns the number added, HV_EBADDATA (hint says where; vms is then as
 * it was: a result is taken whole or not at all) or HV_ENOMEM. Entries
 * without a GUID RuntimeId or Id are skipped. */
int hv_hcs_parse(const char *json, size_t len, struct hv_vms *vms, char *hint,
                 size_t hintlen);

/* How a failed WMI or HCS call (its HRESULT) counts: HV_EACCES (access
 * denied: not elevated), HV_ETIMEDOUT, else HV_ENOTSUP (source missing). */
int hv_vm_source_error(unsigned long hresult);
/* The result of a listing from the results of its two sources: 0 when one
 * answered; else HV_EACCES if one refused, HV_ETIMEDOUT, HV_ENOMEM or
 * HV_ENOTSUP. */
int hv_vm_sources_result(int wmi, int hcs);

/* Find the "--vm-id GUID" (or --vm-id=GUID, braces optional) argument in a
 * wslhost.exe command line: 1 found, 0 not there. */
int hv_wsl_cmdline_vmid(const char *cmdline, struct hv_guid *out);

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

/* Write the script that performs op for (g, name) on a Windows host into
 * buf (n bytes; buf may be NULL when n is 0). The output is bytes, not a C
 * string (a .reg file is UTF-16). Returns the full length, which may
 * exceed n (then buf holds a prefix, like snprintf without the NUL), or
 * HV_EINVAL when name cannot be written in that format (invalid UTF-8,
 * empty, too long, or a control character a batch file cannot carry; see
 * hv_script_check). name is ignored for HV_SCRIPT_REMOVE. */
long hv_script_write(enum hv_script_format f, enum hv_script_op op,
                     const struct hv_guid *g, const char *name, char *buf,
                     size_t n);

/* ---------------------------------------------------------------- diag */

/* What the diagnosis (hvsock_diag.h) knows of this machine: each fact 1
 * (seen), 0 (looked, not there) or HV_FACT_UNKNOWN (could not look).
 * diag_<platform>.c reads them; tests fill them by hand. */
#define HV_FACT_UNKNOWN (-1)

/* The vsock modules the Linux hints name. */
enum hv_vsock_mod {
    HV_MOD_VSOCK = 0,    /* vsock: the AF_VSOCK family itself */
    HV_MOD_HV_SOCK,      /* hv_sock: Hyper-V guests */
    HV_MOD_VIRTIO,       /* vmw_vsock_virtio_transport: KVM, QEMU,
                          * Firecracker, Cloud Hypervisor guests */
    HV_MOD_VMCI,         /* vmw_vsock_vmci_transport: VMware guests */
    HV_MOD_LOOPBACK,     /* vsock_loopback: CID 1 */
    HV_MOD_COUNT
};
/* The module names, by enum hv_vsock_mod (diag_mods.c). */
extern const char *const hv_vsock_mod_names[HV_MOD_COUNT];

#define HV_FACT_TEXT 128

struct hv_diag_facts {
    /* Linux */
    char release[HV_FACT_TEXT]; /* the kernel release; "" unknown */
    int wsl;                    /* the release is Microsoft's WSL2 kernel */
    int vmbus;                  /* Hyper-V's VMBus (/sys/bus/vmbus) */
    int virtio_vsock;           /* a virtio-vsock device */
    int vmware;                 /* VMware (VMCI device or DMI vendor) */
    int loaded[HV_MOD_COUNT];   /* loaded, or built into the kernel */
    int in_kernel[HV_MOD_COUNT]; /* the kernel has it (built in, or a
                                  * module in modules.dep to load) */
    int own_cid_known;
    uint32_t own_cid;           /* HV_CID_ANY: no guest transport */
    /* Windows */
    int registered;             /* the address's service is registered */
    int windows_guest;          /* this Windows is a Hyper-V guest */
    int home;                   /* Windows Home (EditionID Core...) */
    char edition[HV_FACT_TEXT]; /* its EditionID when home is 1 */
    int elevated;               /* this process's token is elevated */
    int hv_admin;               /* ... holds Hyper-V Administrators */
    char user[HV_FACT_TEXT];    /* the user's name; "" unknown */
    int vms_known;              /* vms lists every compute system */
    struct hv_vms vms;
    int wsl_running;            /* a WSL2 VM runs (its id: wsl_id) */
    struct hv_guid wsl_id;
};

/* Every fact unknown. */
void hv_diag_facts_init(struct hv_diag_facts *f);
void hv_diag_facts_free(struct hv_diag_facts *f);
/* Read the facts a diagnosis of (a, op, err) may use, the machine's own
 * below root (Linux; NULL or "" is "/"), into f (hv_diag_facts_init
 * first; hv_diag_facts_free after). diag_<platform>.c. */
void hv_diag_facts_read(const struct hv_addr *a, enum hv_diag_op op, int err,
                        const char *root, struct hv_diag_facts *f);
/* The hints for (a, op, err) from the facts f: hv_diag_hints without the
 * reading (diag.c, portable). */
void hv_diag_from_facts(const struct hv_addr *a, enum hv_diag_op op, int err,
                        const struct hv_diag_facts *f, struct hv_hints *out);

/* The service control manager's numbers, decided portably (service.c).
 * hv__service_error: the HV_E* code for a Win32 error of the manager
 * about service name, with why said (n bytes), or 0 when it is none of
 * the service errors (map it as any OS error). */
int hv__service_error(unsigned long code, const char *name, char *why,
                      size_t n);
/* What a control asks (HandlerEx's dwControl): the stop (STOP and
 * SHUTDOWN), only an answer (INTERROGATE), or nothing we handle. */
enum { HV__SVC_STOP = 1, HV__SVC_ANSWER = 0, HV__SVC_UNHANDLED = -1 };
int hv__service_control(unsigned long control);
/* Whether a service's process takes a console control event (its type,
 * HandlerRoutine's dwCtrlType) as handled, so that the default handler
 * does not end it: the logoff of any user (1), and the system's shutdown,
 * which reaches the service as SERVICE_CONTROL_SHUTDOWN too (1); Ctrl+C
 * and the rest are left to the tool's own handler (0). */
int hv__service_console(unsigned long type);
/* The exit code a service that ended with code reports: *win32 0 and
 * *specific 0 for a clean end (0, or 130 after a stop the manager asked
 * for), else ERROR_SERVICE_SPECIFIC_ERROR (1066) and code. Returns the
 * code reported (the process's exit status too). */
int hv__service_exit(int code, int stop_asked, unsigned long *win32,
                     unsigned long *specific);

#ifdef __cplusplus
}
#endif

#endif
