/* hvsock.h: the one public header of libhvsock.
 *
 * Everything the tools and tests need: GUIDs, the VM-id keyword table,
 * addresses, sockets, the stdio pump, errors and exit codes. No OS header is
 * included here; OS types stay behind opaque handles. Every function that can
 * fail returns 0 (or a length/count) on success and a negative HV_E* code on
 * failure. The library never prints and never exits.
 */
#ifndef HVSOCK_H
#define HVSOCK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HV_VERSION "0.1.0"
#define HV_PACKAGE "hvsock-tools"

/* ---------------------------------------------------------------- errors */

/* X(NAME, exit code, message). Exit codes follow sysexits(3):
 * 64 usage, 65 bad operand/data, 68 unknown VM, 69 unavailable/refused,
 * 70 internal, 71 OS error, 74 I/O error, 75 timeout, 77 permission.
 *
 * When each is used (the same code for the same kind of trouble):
 * EUSAGE       the command line is wrong: an operand where it cannot go
 *              (a wildcard keyword to connect to) (64)
 * EINVAL       an operand or argument that is not what was asked for
 *              (not a number, a name that is not UTF-8, a bad file name)
 * ERANGE       a number outside its range (port, CID, seconds)
 * EBADGUID     text meant as a GUID that does not parse as one
 * EBADDATA     data read from outside (KVP pool, HCS JSON, SOCKADDR_HV,
 *              UTF-16 from the system) that is malformed
 * EAMBIGUOUS   a name that several VMs or services carry
 * EEXIST       a service GUID registered under another name
 * EPROTECTED   one of Windows' own service entries, without --force
 * The three "not there" codes differ in what is missing:
 * ENOVM        a VM (display name, keyword or own id) that no source
 *              knows: an operand naming nothing (68)
 * ENOHOST      a TCP host name that does not resolve (68)
 * ENOTFOUND    a service friendly name the registry does not hold (68):
 *              like ENOVM, an operand naming nothing; also the OS's
 *              ENOENT met outside the file functions
 * EABSENT      a thing looked up by its exact id or path that is not
 *              there (a registry entry for a GUID, the KVP pool file): the
 *              question was fine, the answer is "none" (69)
 * ENOENT       a file or directory named by the user that is missing, met
 *              while writing (hvreg export -o: 74, an I/O failure)
 * The transport codes (ECONNREFUSED .. EAFNOSUPPORT) and ECONNRESET,
 * ECONNABORTED, EPIPE, EIO, ETIMEDOUT, EACCES map the OS's errors
 * (hv__err_from_os); ENOHVSOCK and ENOVSOCK say the socket family itself is
 * missing; ENOTSUP a feature this platform has not (the registry off
 * Windows); EINTERNAL a broken invariant; ENOMEM and EOS the OS refusing
 * resources or failing otherwise; ECMDFAIL the command of -e failing. */
#define HV_ERROR_TABLE(X)                                                     \
    X(EUSAGE, 64, "invalid usage")                                            \
    X(EINVAL, 65, "invalid argument")                                         \
    X(ERANGE, 65, "value out of range")                                       \
    X(EBADGUID, 65, "invalid GUID")                                           \
    X(EBADDATA, 65, "malformed data")                                         \
    X(EAMBIGUOUS, 65, "ambiguous name")                                       \
    X(EEXIST, 65, "already exists")                                           \
    X(EPROTECTED, 65, "refused: built-in Windows service (use --force)")       \
    X(ENOVM, 68, "unknown VM")                                                \
    X(ENOHOST, 68, "unknown host")                                            \
    X(ENOTFOUND, 68, "not found")                                             \
    X(ECONNREFUSED, 69, "connection refused")                                 \
    X(ENETUNREACH, 69, "network unreachable (no such VM, or it is not running)") \
    X(EHOSTUNREACH, 69, "host unreachable")                                   \
    X(ENETDOWN, 69, "network is down (is the VM rebooting?)")                 \
    X(ENODEV, 69, "no vsock transport for that CID")                          \
    X(EADDRINUSE, 69, "address already in use")                               \
    X(EADDRNOTAVAIL, 69, "address not available")                             \
    X(ENOHVSOCK, 69, "Hyper-V sockets are not available on this system (Hyper-V not enabled, or Windows Home)") \
    X(ENOVSOCK, 69, "vsock is not available on this system (kernel without AF_VSOCK; try 'modprobe vsock')") \
    X(EAFNOSUPPORT, 69, "address family not supported")                       \
    X(ENOTSUP, 69, "not supported on this platform")                          \
    X(EABSENT, 69, "no such entry")                                           \
    X(EINTERNAL, 70, "internal error")                                        \
    X(ENOMEM, 71, "out of memory")                                            \
    X(EOS, 71, "operating system error")                                      \
    X(ECONNRESET, 74, "connection reset by peer")                             \
    X(ECONNABORTED, 74, "connection aborted")                                 \
    X(EPIPE, 74, "broken pipe")                                               \
    X(EIO, 74, "input/output error")                                          \
    X(ENOENT, 74, "no such file or directory")                                \
    X(ECMDFAIL, 74, "the command failed")                                     \
    X(ETIMEDOUT, 75, "timed out")                                             \
    X(EACCES, 77, "permission denied")

enum hv_error {
    HV_OK = 0,
    HV__EFIRST = -1000,
#define HV__ENUM(name, code, msg) HV_##name,
    HV_ERROR_TABLE(HV__ENUM)
#undef HV__ENUM
    HV__ELAST
};

/* Message for an HV_E* code (or "success" for 0); never NULL. */
const char *hv_strerror(int err);
/* Symbolic name without the HV_ prefix ("ECONNREFUSED"); never NULL. */
const char *hv_errname(int err);
/* Process exit code for a result: 0 for err >= 0, else from the table. */
int hv_exitcode(int err);

/* ---------------------------------------------------------------- numbers */

/* Parse a whole string as an unsigned number in decimal, or hex with a 0x
 * prefix, within [lo, hi]. No sign, no spaces, no trailing junk.
 * Returns 0, HV_EINVAL (not a number) or HV_ERANGE. */
int hv_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);

/* ---------------------------------------------------------------- GUIDs */

struct hv_guid {
    uint32_t data1;
    uint16_t data2;
    uint16_t data3;
    uint8_t data4[8];
};

#define HV_GUID_STRLEN 36 /* without braces or NUL */
#define HV_GUID_BUFSIZE 37

/* Scan a GUID at the start of s: 36 hex-and-dash characters, optionally in
 * braces, any case. Returns the number of characters consumed (36 or 38),
 * or 0 when s does not start with a GUID. */
size_t hv_guid_scan(const char *s, struct hv_guid *g);
/* 1 when s is meant as a GUID, so that it must parse as one (a mistyped
 * GUID is "invalid GUID", not a name to look up): it starts with a GUID or
 * a brace, or it is 32 to 40 hex digits and dashes with a dash. */
int hv_guid_shaped(const char *s);
/* Parse a whole string as a GUID; 0 or HV_EBADGUID. */
int hv_guid_parse(const char *s, struct hv_guid *g);
/* Format lowercase without braces into buf[HV_GUID_BUFSIZE]; returns 36. */
size_t hv_guid_format(const struct hv_guid *g, char *buf);
int hv_guid_equal(const struct hv_guid *a, const struct hv_guid *b);
int hv_guid_is_zero(const struct hv_guid *g);

/* The vsock template 00000000-facb-11e6-bd58-64006a7986d3. */
#define HV_VSOCK_PORT_MAX 0x7FFFFFFFu
extern const struct hv_guid hv_vsock_template;
/* Service GUID of vsock port P; HV_ERANGE if P > HV_VSOCK_PORT_MAX. */
int hv_guid_from_vsock_port(uint32_t port, struct hv_guid *g);
/* 1 and *port set when g is of the template form with a valid port. */
int hv_guid_to_vsock_port(const struct hv_guid *g, uint32_t *port);

/* ---------------------------------------------------------------- keywords */

#define HV_CID_NONE 0xFFFFFFFEu /* keyword has no vsock CID */
#define HV_CID_ANY 0xFFFFFFFFu
#define HV_CID_HYPERVISOR 0u
#define HV_CID_LOCAL 1u
#define HV_CID_HOST 2u

struct hv_keyword {
    const char *name;   /* "parent" */
    const char *alias_of; /* NULL, or the canonical name ("host" -> "parent") */
    struct hv_guid guid;
    uint32_t cid;       /* HV_CID_NONE where vsock has no equivalent */
    const char *help;   /* one line */
};

/* The table, sorted by name, terminated by an entry with name == NULL. */
extern const struct hv_keyword hv_keywords[];
/* Case-insensitive lookup; NULL when name is not a keyword. */
const struct hv_keyword *hv_keyword_find(const char *name);

/* ---------------------------------------------------------------- addresses */

enum hv_family {
    HV_FAMILY_VSOCK = 1,  /* Linux AF_VSOCK: CID + port */
    HV_FAMILY_HYPERV = 2, /* Windows AF_HYPERV: VM GUID + service GUID */
    HV_FAMILY_TCP = 3     /* TCP: host + port */
};

/* The native family of this build (vsock on Linux, Hyper-V on Windows). */
enum hv_family hv_native_family(void);

#define HV_HOST_MAX 256

struct hv_addr {
    enum hv_family family;
    /* HV_FAMILY_HYPERV */
    struct hv_guid vm_id;
    struct hv_guid service_id;
    /* HV_FAMILY_VSOCK (cid, port) and HV_FAMILY_TCP (port) */
    uint32_t cid;
    uint32_t port;
    /* HV_FAMILY_TCP: host name or address; "" means any (listen) */
    char host[HV_HOST_MAX];
};

#define HV_ADDR_LISTEN 0x1 /* parsing for bind: wildcard allowed, port 0 ok */

/* Which operand an address error is about, for the tool's message. */
enum hv_addr_part { HV_PART_NONE = 0, HV_PART_VM = 1, HV_PART_SERVICE = 2 };

/* Parse VM and SERVICE operands for family fam. vm may be NULL (listen:
 * the wildcard). On error *bad names the operand at fault and, when
 * non-NULL, hint (hintlen bytes) receives a short explanation. */
int hv_addr_parse(struct hv_addr *a, enum hv_family fam, const char *vm,
                  const char *service, int flags, enum hv_addr_part *bad,
                  char *hint, size_t hintlen);

/* Text form for messages, e.g. "cid 1 port 5000", "parent:5000",
 * "127.0.0.1:4000". Returns the length written (truncated to n-1). */
size_t hv_addr_format(const struct hv_addr *a, char *buf, size_t n);
#define HV_ADDR_STRLEN 320

/* ---------------------------------------------------------------- sockets */

struct hv_sock; /* opaque: a connected or listening stream socket */

/* Once per process before any socket call (Winsock start-up on Windows). */
int hv_net_init(void);

struct hv_connect_opts {
    uint32_t timeout_ms; /* 0: the platform's default */
};

#define HV_TIMEOUT_MAX_MS 300000u

int hv_sock_connect(const struct hv_addr *a, const struct hv_connect_opts *o,
                    struct hv_sock **out);
/* Bind and listen. */
int hv_sock_listen(const struct hv_addr *a, int backlog, struct hv_sock **out);
/* Accept one connection; peer (may be NULL) receives the peer's address. */
int hv_sock_accept(struct hv_sock *l, struct hv_sock **out,
                   struct hv_addr *peer);
/* The bound local address (e.g. the port picked for port 0). */
int hv_sock_local(struct hv_sock *s, struct hv_addr *out);
/* Shut down the sending side. */
int hv_sock_shutdown_send(struct hv_sock *s);
void hv_sock_close(struct hv_sock *s);

/* ---------------------------------------------------------------- pump */

struct hv_pump_opts {
    int no_stdin;     /* do not read stdin; shut down sending at once */
    int no_shutdown;  /* never shut down the sending side */
    int eof_ends;     /* the peer's EOF ends the session (stdin a terminal) */
    size_t bufsize;   /* per direction; 0 means the default */
};

#define HV_PUMP_BUFSIZE (256u * 1024u)

struct hv_pump_result {
    uint64_t sent;       /* bytes from stdin delivered to the socket */
    uint64_t received;   /* bytes from the socket written to stdout */
    int stdout_closed;   /* stdout went away early (e.g. | head) */
    int err_side;        /* on error: 1 stdin, 2 socket, 3 stdout */
};

/* Copy stdin -> socket and socket -> stdout at once until both directions
 * are done. Returns 0 or an HV_E* code; res says what moved. */
int hv_pump_stdio(struct hv_sock *s, const struct hv_pump_opts *o,
                  struct hv_pump_result *res);

/* ---------------------------------------------------------------- spawn */

/* Running a command on a connection (hvcat/hvlisten -e). */

struct hv_child; /* opaque: a command started by hv_spawn_with_sock */

struct hv_child_exit {
    int signaled;       /* 1: ended by signal `code` (POSIX only) */
    unsigned long code; /* its exit status, or the signal number */
};

/* on = 1: sockets created from now on can be handed to a command. On
 * Windows they are made without the overlapped attribute, which a child's
 * ReadFile/WriteFile on its standard handles needs; such sockets are meant
 * for hv_spawn_with_sock only, not for hv_pump_stdio. Elsewhere a no-op. */
void hv_sock_spawnable(int on);
/* Wait up to timeout_ms for a connection on listener l: 1 when one is
 * waiting (hv_sock_accept will not block), 0 on timeout, or an HV_E* code. */
int hv_sock_wait_accept(struct hv_sock *l, uint32_t timeout_ms);

/* Run cmd through the system shell (/bin/sh -c CMD; on Windows
 * cmd.exe /d /s /c "CMD") with s as its standard input and output and this
 * process's standard error. The command holds its own copy of s: close s
 * when you like, the connection ends when the command and you both have. */
int hv_spawn_with_sock(struct hv_sock *s, const char *cmd,
                       struct hv_child **out);
/* Block until c has ended; *st says how. 0 or an HV_E* code. */
int hv_child_wait(struct hv_child *c, struct hv_child_exit *st);
/* Without blocking: 1 and *st once c has ended, 0 while it runs. */
int hv_child_poll(struct hv_child *c, struct hv_child_exit *st);
/* Release c; a command still running goes on by itself. */
void hv_child_free(struct hv_child *c);

/* Platform set-up for a command-line program, first thing in main(): on
 * Windows argv is re-read from the UTF-16 command line as UTF-8, stdin and
 * stdout are put in binary mode and console output is set to UTF-8.
 * On POSIX a closed descriptor 0-2 is reopened on /dev/null, so that no
 * socket can take its number, and SIGPIPE is ignored (a closed reader is
 * an EPIPE to report). 0 or an HV_E* code. */
int hv_console_init(int *argc, char ***argv);

/* 1 when standard input is an interactive terminal. */
int hv_stdin_is_tty(void);

/* Create (or empty) the file named by path, UTF-8 on every platform, and
 * open it for writing bytes as they are (fopen "wb"). 0 and *out, or
 * HV_ENOENT (a missing directory), HV_EACCES (also a directory, on
 * Windows), HV_EINVAL (a directory on POSIX; a name that is not UTF-8 on
 * Windows), HV_EIO, or another HV_E* code. */
int hv_file_create(const char *path, FILE **out);

/* Replacing the file at path as a whole: begin creates a temporary file
 * beside it (fn->f, written by the caller); end(fn, 1) closes it and renames
 * it over path, end(fn, 0) (or a failed write or close) removes it, so
 * that a failed write (full disk) never leaves a short or empty file.
 * Each returns 0 or an HV_E* code (those of hv_file_create, HV_EIO). */
struct hv_file_new {
    FILE *f;          /* write the new contents here */
    char *tmp;        /* the temporary name (internal) */
    const char *path; /* the name to replace */
};
int hv_file_replace_begin(const char *path, struct hv_file_new *fn);
int hv_file_replace_end(struct hv_file_new *fn, int keep);

/* 1 when f is a terminal (a console on Windows), else 0. */
int hv_file_is_terminal(FILE *f);

#ifdef __cplusplus
}
#endif

/* The tools' other areas, each in its own part of the one public header. */
#include "hvsock_reg.h"
#include "hvsock_vmid.h"

#endif
