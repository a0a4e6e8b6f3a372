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
 * EUNIXMODE    permissions asked for a unix socket file where the
 *              system gives it its directory's ACL (Windows)
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
 *              while writing (hvreg export -o, the directory of a unix
 *              listener's socket file: 74, an I/O failure)
 * ENOTSOCK     a file that is not a socket at a unix listener's path: its
 *              socket file cannot be made there (74, as ENOENT)
 * ENOLISTENER  a unix socket path to connect to that does not exist:
 *              nothing listens there, like a refused connection (69)
 * ELISTENING   a unix socket path to listen on that a running listener
 *              holds (its lock is taken, or it answers a connect) (69);
 *              EADDRINUSE where who holds it is not known
 * The transport codes (ECONNREFUSED .. EAFNOSUPPORT) and ECONNRESET,
 * ECONNABORTED, EPIPE, EIO, ETIMEDOUT, EACCES map the OS's errors
 * (hv__err_from_os); ENOHVSOCK and ENOVSOCK say the socket family itself is
 * missing (AF_HYPERV comes with Hyper-V, which Windows Home cannot have,
 * learn.microsoft.com/virtualization/hyper-v-on-windows/quick-start/
 * enable-hyper-v; Home has the Virtual Machine Platform, "a subset of
 * Hyper-V" on which WSL 2 runs, learn.microsoft.com/windows/wsl/faq: so
 * "Windows Home" is no cause, a feature that is off is); ENOTSUP a
 * feature this platform has not (the registry off Windows); EINTERNAL a
 * broken invariant; ENOMEM and EOS the OS refusing resources or failing
 * otherwise; ECMDFAIL the command of -e failing; EHANDSHAKE a hybrid vsock
 * socket that answered CONNECT with something else than OK (hv_errtext
 * shows the answer). */
#define HV_ERROR_TABLE(X)                                                     \
    X(EUSAGE, 64, "invalid usage")                                            \
    X(EINVAL, 65, "invalid argument")                                         \
    X(ERANGE, 65, "value out of range")                                       \
    X(EBADGUID, 65, "invalid GUID")                                           \
    X(EBADDATA, 65, "malformed data")                                         \
    X(EAMBIGUOUS, 65, "ambiguous name")                                       \
    X(EEXIST, 65, "already exists")                                           \
    X(EPROTECTED, 65, "refused: built-in Windows service (use --force)")       \
    X(EUNIXMODE, 65, "socket file permissions cannot be set on Windows (the file takes its directory's ACL)") \
    X(ENOVM, 68, "unknown VM")                                                \
    X(ENOHOST, 68, "unknown host")                                            \
    X(ENOTFOUND, 68, "not found")                                             \
    X(ECONNREFUSED, 69, "connection refused")                                 \
    X(ENETUNREACH, 69, "network unreachable (no such VM, or it is not running)") \
    X(EHOSTUNREACH, 69, "host unreachable")                                   \
    X(ENETDOWN, 69, "network is down (is the VM rebooting?)")                 \
    X(ENODEV, 69, "no vsock transport for that CID")                          \
    X(EADDRINUSE, 69, "address already in use")                               \
    X(ELISTENING, 69, "in use by a running listener")                         \
    X(EADDRNOTAVAIL, 69, "address not available")                             \
    X(ENOHVSOCK, 69, "Hyper-V sockets are not available on this system (no AF_HYPERV: turn on Hyper-V or the Virtual Machine Platform)") \
    X(ENOVSOCK, 69, "vsock is not available on this system (kernel without AF_VSOCK; try 'modprobe vsock')") \
    X(EAFNOSUPPORT, 69, "address family not supported")                       \
    X(ENOTSUP, 69, "not supported on this platform")                          \
    X(ENOUNIX, 69, "unix domain sockets are not available on this system")    \
    X(ENONPIPE, 69, "named pipes are not available on this system")            \
    X(EDENIED, 69, "peer refused by --allow/--deny")                          \
    X(EABSENT, 69, "no such entry")                                           \
    X(EINTERNAL, 70, "internal error")                                        \
    X(ENOMEM, 71, "out of memory")                                            \
    X(EMFILE, 71, "too many open files")                                      \
    X(EOS, 71, "operating system error")                                      \
    X(ECONNRESET, 74, "connection reset by peer")                             \
    X(ECONNABORTED, 74, "connection aborted")                                 \
    X(EPIPE, 74, "broken pipe")                                               \
    X(EIO, 74, "input/output error")                                          \
    X(ENOENT, 74, "no such file or directory")                                \
    X(ENOTSOCK, 74, "not a socket file (a file of another kind is at that path)") \
    X(ENOLISTENER, 69, "no such socket file (nothing listens there)")         \
    X(ECMDFAIL, 74, "the command failed")                                     \
    X(EHANDSHAKE, 65, "no OK to CONNECT (is it a hybrid vsock socket?)")      \
    X(ETIMEDOUT, 75, "timed out")                                             \
    X(EIDLE, 75, "idle timeout: no data either way")                          \
    X(ESTOPPED, 130, "interrupted")                                           \
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
/* The message for err as a tool should print it: where err stands for an
 * OS error the table's words would blur ("input/output error" for a full
 * disk), the OS's own text ("no space left on device") when it is the
 * last OS error this thread mapped to err; else hv_strerror(err). Written
 * into buf[n]; returns buf. */
const char *hv_errtext(int err, char *buf, size_t n);
/* Symbolic name without the HV_ prefix ("ECONNREFUSED"); never NULL. */
const char *hv_errname(int err);
/* Process exit code for a result: 0 for err >= 0, else from the table. */
int hv_exitcode(int err);

/* ---------------------------------------------------------------- numbers */

/* Parse a whole string as an unsigned number in decimal, or hex with a 0x
 * prefix, within [lo, hi]. No sign, no spaces, no trailing junk.
 * Returns 0, HV_EINVAL (not a number) or HV_ERANGE. */
int hv_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);
/* The same for octal digits (no prefix): a file mode. */
int hv_parse_octal(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);
/* Whole seconds (hv_parse_u32) within [lo, hi] as milliseconds in *ms: an
 * option's SECS. hi is capped at what milliseconds can hold (4294967). */
int hv_parse_secs(const char *s, uint32_t lo, uint32_t hi, uint32_t *ms);

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
    HV_FAMILY_TCP = 3,    /* TCP: host + port */
    HV_FAMILY_UNIX = 4,   /* unix domain stream socket: path */
    HV_FAMILY_NPIPE = 5,  /* Windows named pipe: \\.\pipe\NAME in path */
    HV_FAMILY_HYBRID = 6  /* hybrid vsock (Firecracker, Cloud Hypervisor,
                           * OpenVMM): a VMM's unix socket in path, a guest
                           * port in port (or, cid HV_HYBRID_GUID, a
                           * service GUID in service_id) */
};

/* The native family of this build (vsock on Linux, Hyper-V on Windows). */
enum hv_family hv_native_family(void);

#define HV_HOST_MAX 256
#define HV_PATH_MAX 260

struct hv_addr {
    enum hv_family family;
    /* HV_FAMILY_HYPERV */
    struct hv_guid vm_id;
    struct hv_guid service_id;
    /* HV_FAMILY_VSOCK (cid, port) and HV_FAMILY_TCP (port) */
    uint32_t cid;
    uint32_t port;
    /* HV_FAMILY_TCP: host name or address; "" means any (listen).
     * HV_FAMILY_UNIX and HV_FAMILY_NPIPE peers on Windows: the peer's
     * user as SID text (S-1-5-...), "" when unknown */
    char host[HV_HOST_MAX];
    /* HV_FAMILY_UNIX: the socket's path; HV_FAMILY_NPIPE: the full pipe
     * name (\\.\pipe\NAME) */
    char path[HV_PATH_MAX];
};

/* HV_FAMILY_HYBRID: cid says which form the port has. */
#define HV_HYBRID_PORT 0u /* a vsock port: port */
#define HV_HYBRID_GUID 1u /* a Hyper-V service GUID (OpenVMM): service_id */
/* The handshake's bound when the caller gives none (a VMM restored from a
 * snapshot may accept and never answer). */
#define HV_HYBRID_TIMEOUT_MS 5000u

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

/* ---------------------------------------------------------------- targets */

/* One-string addresses (hvlisten --to, the tools' one-word operand, what
 * hv_addr_format prints):
 *   hv:VM:SERVICE     the native transport (vsock on Linux, Hyper-V on
 *   hvsock:VM:SERVICE Windows), VM and SERVICE as for hv_addr_parse
 *   vsock:CID:PORT    vsock
 *   tcp:HOST:PORT     HOST a name, an IPv4 address or [IPv6]
 *   unix:PATH         a unix domain socket
 *   npipe:NAME        a Windows named pipe (NAME or \\.\pipe\NAME)
 *   hybrid:PATH:PORT  hybrid vsock: the VMM's unix socket PATH, a guest
 *                     PORT (a vsock port, or a service GUID for OpenVMM)
 * flags as for hv_addr_parse. On error hint receives the reason. */
int hv_target_parse(struct hv_addr *a, const char *s, int flags, char *hint,
                    size_t hintlen);
/* 1 when s starts with one of the prefixes above (then it is meant as a
 * one-string address), else 0. */
int hv_target_is_word(const char *s);
/* The operand of -U (a path) and of --npipe (NAME or \\.\pipe\NAME). */
int hv_addr_unix(struct hv_addr *a, const char *path, char *hint,
                 size_t hintlen);
int hv_addr_npipe(struct hv_addr *a, const char *name, char *hint,
                  size_t hintlen);
/* The operands of --hybrid: the VMM's socket path and a guest port (a
 * vsock port, or a service GUID). A listener listens on PATH_PORT, the
 * socket the VMM connects to for the guest's connects to PORT. */
int hv_addr_hybrid(struct hv_addr *a, const char *path, const char *port,
                   char *hint, size_t hintlen);

/* ---------------------------------------------------------------- filters */

/* Who may connect (hvlisten --allow/--deny, and a listener's VM operand).
 * A rule is for the listener's family: Hyper-V a VM id (keyword, GUID or
 * a VM name resolved now), vsock a CID (number or keyword), TCP an address
 * or address/prefix; unix sockets and named pipes the peer's user: on
 * POSIX "uid:N", "user:NAME" or a name, on Windows "user:NAME", a name or
 * "sid:S-1-..." (a peer whose user is unknown matches every --deny by
 * user and no --allow). */
struct hv_filter;
/* Add a rule to *f (NULL at first: allocated). 0, or HV_EINVAL etc. with
 * hint set. */
int hv_filter_add(struct hv_filter **f, int allow, enum hv_family fam,
                  const char *rule, char *hint, size_t hintlen);
/* 1 when peer may connect: not denied by any --deny, and allowed by some
 * --allow when there is any. A NULL filter allows everyone. */
int hv_filter_check(const struct hv_filter *f, const struct hv_addr *peer);
void hv_filter_free(struct hv_filter *f);

/* ---------------------------------------------------------------- sockets */

struct hv_sock; /* opaque: a connected or listening stream connection of any
                 * family (vsock, Hyper-V, TCP, unix socket, named pipe) */

/* Once per process before any socket call (Winsock start-up on Windows). */
int hv_net_init(void);

struct hv_connect_opts {
    uint32_t timeout_ms; /* 0: the platform's default */
    int keep_on_pause;   /* Hyper-V: HVSOCKET_CONNECTED_SUSPEND (the
                          * connection survives pausing/saving the VM) */
};

#define HV_TIMEOUT_MAX_MS 300000u

/* Connect to a. Named pipes wait up to timeout_ms while every instance is
 * busy. Hybrid vsock: connect to the VMM's socket, send "CONNECT PORT\n",
 * read the answer up to its newline only (what follows is the stream):
 * OK, or HV_ECONNREFUSED at EOF before any answer (nothing listens on
 * that guest port), HV_EHANDSHAKE for anything else, HV_ETIMEDOUT when
 * no answer came within timeout_ms (0: HV_HYBRID_TIMEOUT_MS). */
int hv_sock_connect(const struct hv_addr *a, const struct hv_connect_opts *o,
                    struct hv_sock **out);

/* In hv_listen_opts.unix_mode: the permissions were given (so that 000
 * is told from "not given"). */
#define HV_UNIX_MODE_SET 0x10000u

struct hv_listen_opts {
    int backlog;            /* 0: a default */
    unsigned unix_mode;     /* unix sockets: HV_UNIX_MODE_SET | permissions
                             * (000 to 0777; HV_ERANGE beyond), or 0: as
                             * the umask makes them */
    int keep_on_pause;      /* Hyper-V: HVSOCKET_CONNECTED_SUSPEND */
    const char *pipe_access; /* named pipes: NULL for SYSTEM,
                              * Administrators and this user only;
                              * "everyone" to add read and write for
                              * every local account; else a DACL in SDDL
                              * ("D:..."; HV_EINVAL when it is none) */
};

/* Bind and listen (named pipes: create the first instance). o may be NULL.
 * A unix socket (POSIX): PATH.lock beside it is held (flock) while the
 * listener lives, and a second listener gets HV_ELISTENING without
 * touching the first; a stale socket file (owned by this user, nobody
 * answering) is replaced; a socket of another user gives HV_EADDRINUSE,
 * any other file HV_ENOTSOCK, a missing directory HV_ENOENT. The socket is
 * made in a private directory beside PATH, with its mode, and linked to
 * PATH; a PATH too long for that name is bound after a moment's chdir (the
 * caller single-threaded then). */
int hv_sock_listen(const struct hv_addr *a, const struct hv_listen_opts *o,
                   struct hv_sock **out);
/* Accept one connection; peer (may be NULL) receives the peer's address
 * (unix sockets: path empty, port = the peer's uid, or HV_UID_UNKNOWN;
 * on Windows, unix sockets and named pipes: host = the peer's SID). */
int hv_sock_accept(struct hv_sock *l, struct hv_sock **out,
                   struct hv_addr *peer);
#define HV_UID_UNKNOWN 0xFFFFFFFFu
/* This machine's own vsock CID (IOCTL_VM_SOCKETS_GET_LOCAL_CID);
 * HV_ENOVSOCK without vsock, HV_ENOTSUP off Linux. */
int hv_vsock_local_cid(uint32_t *cid);
/* The bound local address (e.g. the port picked for port 0). */
int hv_sock_local(struct hv_sock *s, struct hv_addr *out);
/* Receive up to n bytes from connection s, waiting at most timeout_ms
 * (HV_RELAY_NO_QUIT: no limit): the count (> 0), 0 at the peer's end of
 * file, HV_ETIMEDOUT when nothing came in time, HV_ESTOPPED after
 * hv_stop(), or an HV_E* code (HV_ECONNRESET: the peer reset it).
 * HV_ENOTSUP for a named pipe. */
int hv_sock_recv(struct hv_sock *s, void *buf, size_t n, uint32_t timeout_ms);
/* Shut down the sending side. HV_ECONNRESET when the peer has reset the
 * connection (data sent earlier may be lost). */
int hv_sock_shutdown_send(struct hv_sock *s);
/* A hybrid vsock connection's OK answer: the text after "OK " (the
 * VMM's port for it), or NULL for any other connection. */
const char *hv_sock_hybrid_answer(const struct hv_sock *s);
/* Whether stdout can carry a descriptor: 0 when it is a unix stream
 * socket, HV_ENOTSOCK when it is not, HV_ENOTSUP on Windows. */
int hv_stdout_passes_fds(void);
/* Send s's descriptor to stdout's peer: one NUL byte carrying it as
 * SCM_RIGHTS (OpenSSH's ProxyUseFdpass). s stays open here: close it
 * after, which leaves the connection to the receiver. 0 or an HV_E* code;
 * HV_ENOTSUP on Windows. */
int hv_sock_pass_stdout(struct hv_sock *s);
/* Close; a unix listener also removes the socket file it made. */
void hv_sock_close(struct hv_sock *s);
/* Close an accepted connection with a reset, never a clean end: for a
 * client refused before any session. TCP sends a reset (SO_LINGER 0:
 * the client's next receive fails with ECONNRESET); a named pipe is
 * disconnected (the client's next read fails with ERROR_PIPE_NOT_CONNECTED,
 * which the relay reports as HV_ECONNRESET while the client has read
 * nothing, the end after data). AF_UNIX has
 * no reset: a client whose bytes are left unread here gets ECONNRESET, one
 * that sent nothing reads end of file. vsock's reset reads as end of file
 * at the client (Linux's virtio transport), its bytes unread or not. */
void hv_sock_abort(struct hv_sock *s);

/* --------------------------------------------------------- service managers */

/* A service manager's side of the tools (systemd: sd_listen_fds(3),
 * sd_notify(3)). POSIX only; elsewhere the calls answer HV_ENOTSUP
 * (activation) or do nothing (notification). */

/* The one listening socket the service manager passed (socket activation
 * with Accept=no): LISTEN_PID must be this process, LISTEN_FDS 1, the
 * descriptor (3) a listening stream socket of family vsock, TCP (IPv4 or
 * IPv6) or unix. LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES are removed
 * from the environment and every passed descriptor made close-on-exec,
 * so that no command started later sees them. The hv_sock is served as
 * one hv_sock_listen made, but closing it never removes a socket file
 * (the manager's). On failure why (n bytes) says what was wrong:
 * HV_EABSENT no socket was passed to this process (the variables unset,
 * LISTEN_FDS 0, LISTEN_PID another process's); HV_EUSAGE more than one,
 * malformed variables, or a descriptor that is no listening stream
 * socket (a datagram socket, a connection of Accept=yes);
 * HV_EAFNOSUPPORT another family; HV_ENOTSUP where there is no such
 * thing (Windows). */
int hv_sock_activated(struct hv_sock **out, char *why, size_t n);

/* The channel to the service manager (NOTIFY_SOCKET: a unix datagram
 * socket's path, or @name in the abstract namespace). */
struct hv_notify;
/* Open it: *out NULL when NOTIFY_SOCKET is not set (nothing to tell).
 * *watchdog_ms: how often to send WATCHDOG=1 (half of WATCHDOG_USEC, when
 * that is set and WATCHDOG_PID, if set, is this process), else 0.
 * NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID are removed from the
 * environment (commands started later are not the service). HV_EINVAL
 * with why set for a NOTIFY_SOCKET that is no such address (then *out is
 * NULL), or another HV_E* code. */
int hv_notify_open(struct hv_notify **out, uint32_t *watchdog_ms, char *why,
                   size_t n);
/* Send state: newline-separated KEY=VALUE lines ("READY=1",
 * "STATUS=...", "STOPPING=1", "WATCHDOG=1"), one datagram. 0 (also for a
 * NULL n), or an HV_E* code (the manager is not listening). */
int hv_notify_send(struct hv_notify *n, const char *text);
void hv_notify_close(struct hv_notify *n);

/* Readiness messages read from a stream (hvlisten --ready): the KEY=VALUE
 * lines of sd_notify(3) that a guest's service manager sends to its host
 * (systemd's vmm.notify_socket=vsock-stream:...), split across segments or
 * many in one. A line longer than HV_READY_LINE_MAX bytes is dropped whole,
 * so a sender cannot make the reader hold more. */
#define HV_READY_LINE_MAX 4096
struct hv_ready {
    char line[HV_READY_LINE_MAX + 1];
    size_t len;   /* bytes of the line so far */
    int overlong; /* the line passed the bound: dropped at its newline */
    int ready;    /* READY=1 was read */
};
/* Called with each STATUS= line's value (n bytes, NUL-terminated, but it
 * may hold NUL bytes itself); one CR before the newline is not part of it. */
typedef void hv_ready_status_fn(void *ctx, const char *value, size_t n);
/* Start a new stream (a new connection). */
void hv_ready_init(struct hv_ready *p);
/* Take n bytes of the stream: each whole line's STATUS= value goes to
 * status (may be NULL); other keys are ignored. Stops after the READY=1
 * line (p->ready set); returns the bytes taken. */
size_t hv_ready_feed(struct hv_ready *p, const char *buf, size_t n,
                     hv_ready_status_fn *status, void *ctx);
/* The stream's end of file: an unterminated last line counts as a line.
 * Returns p->ready; p is ready for the next stream's bytes. */
int hv_ready_end(struct hv_ready *p, hv_ready_status_fn *status, void *ctx);

/* ---------------------------------------------------------------- logs */

/* The system log (syslog(3), facility LOG_DAEMON) for a tool's event
 * lines. ident names the program; HV_ENOTSUP where there is none
 * (Windows). A line is written at LOG_ERR when error, else LOG_INFO. */
int hv_syslog_open(const char *ident);
void hv_syslog_write(int error, const char *text);
void hv_syslog_close(void);

/* --------------------------------------------------------- Windows services */

/* Windows services: the service control manager runs hvlisten as a
 * service (CreateService, StartServiceCtrlDispatcher). Windows only;
 * elsewhere the calls answer HV_ENOTSUP with why saying so. */

/* The command line a service runs: "EXE" --service NAME ARGS..., each
 * argument quoted so that CommandLineToArgvW reads it back unchanged.
 * *out is malloc'd. 0, HV_EINVAL (a quote in exe) or HV_ENOMEM. */
int hv_service_cmdline(const char *exe, const char *name, int argc,
                       char *const *argv, char **out);
/* A name the service control manager takes: 1 to 256 characters, no '/',
 * '\\' or control characters. 0 or HV_EINVAL. */
int hv_winsvc_name_check(const char *name);
/* Create the service name (own process, started on demand, LocalSystem)
 * that runs this very program (its absolute path) with --service name
 * and args. HV_EACCES (not elevated), HV_EEXIST (the name is taken),
 * HV_EINVAL (a name the manager refuses) with why set (n bytes). */
int hv_service_install(const char *name, int argc, char *const *argv,
                       char *why, size_t n);
/* Delete the service name, stopping it first (up to 30 s) when it runs:
 * *was_running says so. HV_ENOTFOUND (no such service), HV_EACCES,
 * HV_ETIMEDOUT (it did not stop: deleted once it does) with why set. */
int hv_service_remove(const char *name, int *was_running, char *why,
                      size_t n);
/* Run as the service name: connect to the manager, report START_PENDING,
 * run fn(ctx) in the service's thread, and report STOPPED with its exit
 * code (0 after a STOP or SHUTDOWN that ended it with 130, else the code
 * as the service-specific exit code). *code is that code. A STOP or
 * SHUTDOWN control calls hv_stop(). HV_EUSAGE when the process was not
 * started by the manager, with why set. With fn NULL it only answers
 * whether this system has a service control manager (0 or HV_ENOTSUP). */
typedef int hv_service_fn(void *ctx);
int hv_service_run(const char *name, hv_service_fn *fn, void *ctx, int *code,
                   char *why, size_t n);
/* Report RUNNING (the service listens); nothing outside a service. */
void hv_service_running(void);
/* The exit code a service that ends with code reports (0 after a stop
 * the manager asked for ended it with 130), so that its log says the
 * same; code itself outside a service. */
int hv_service_code(int code);

/* The Windows event log (Application), events under source. HV_ENOTSUP
 * elsewhere. A line is an error event when error, else information. */
int hv_eventlog_open(const char *source);
void hv_eventlog_write(int error, const char *text);
void hv_eventlog_close(void);

/* ---------------------------------------------------------- stop and clocks */

/* Ask every blocking call of the library in this process (relays, accept
 * waits, connects) to return HV_ESTOPPED soon. Safe in a signal handler
 * and in a Windows console control handler. */
void hv_stop(void);
/* Milliseconds on a monotonic clock (for timeouts and rates). */
uint64_t hv_now_ms(void);
/* Milliseconds since 1970-01-01 00:00 UTC on the wall clock (log lines;
 * it may step back when the clock is set); 0 when it cannot be read. */
uint64_t hv_wall_ms(void);
/* 1 once hv_stop() was called. */
int hv_stopped(void);
/* The stop was seen and is being acted on slowly (hvlisten --drain lets
 * open connections finish): waits go on again until the next hv_stop();
 * hv_stop_signal() still names the first signal. */
void hv_stop_defer(void);
/* Make SIGINT, SIGTERM and SIGHUP call hv_stop() (POSIX; on Windows the
 * console's Ctrl+C and Ctrl+Break do so from hv_console_init on). */
int hv_stop_on_signals(void);
/* The signal that stopped the process (0: none, or not a POSIX signal):
 * the tool ends by it after cleaning up, as the shell expects. */
int hv_stop_signal(void);
/* Sleep ms milliseconds, or less when hv_stop() comes: 0 when the time
 * has passed, HV_ESTOPPED at once after a stop (also one made before). */
int hv_sleep_ms(uint32_t ms);

/* ---------------------------------------------------------------- streams */

/* A stream is one end of a relay: a connection, the process's stdin and
 * stdout, or a command's pipes. The relay engine copies between two
 * streams and knows no transport. */
struct hv_stream;

/* The connection s as a stream; the stream owns s from now on (also when
 * this fails, s is closed). */
int hv_stream_from_sock(struct hv_sock *s, struct hv_stream **out);
/* The process's stdin (read side) and stdout (write side). There is one:
 * what was read from stdin but not delivered when a session ended, and
 * stdin's EOF, carry over to the next session (hvlisten -k). Its
 * descriptors are never closed, and their flags never changed. */
int hv_stream_stdio(struct hv_stream **out);
/* Release st (the stdio stream stays, for the next session). */
void hv_stream_close(struct hv_stream *st);

/* ---------------------------------------------------------------- relay */

/* Which end failed, for messages. */
enum hv_side {
    HV_SIDE_NONE = 0,
    HV_SIDE_A_READ,  /* reading a (stdin, for the stdio pump) */
    HV_SIDE_A_WRITE, /* writing a (stdout) */
    HV_SIDE_B_READ,  /* reading b (the connection) */
    HV_SIDE_B_WRITE, /* writing b */
    HV_SIDE_B_CONNECT /* making b's connection (hv_relay_add_connect) */
};

#define HV_RELAY_NO_SHUTDOWN 0x1 /* never half-close b; b's EOF ends it */
#define HV_RELAY_A_TO_B_ONLY 0x2 /* send only: never read b; done after
                                  * a's EOF and b's half-close */
#define HV_RELAY_B_TO_A_ONLY 0x4 /* receive only: never read a; half-close
                                  * b at once */
#define HV_RELAY_EOF_ENDS    0x8 /* b's EOF (written out) ends the pair, as
                                  * with a terminal on stdin */
#define HV_RELAY_CLOSE_A    0x10 /* b's EOF written out closes a's writing
                                  * side even where it outlives a session
                                  * (stdout: a reader downstream sees its
                                  * end while a still sends) */
#define HV_RELAY_NO_QUIT 0xFFFFFFFFu

struct hv_relay_opts {
    unsigned flags;      /* HV_RELAY_* */
    uint32_t idle_ms;    /* 0: none; else no byte either way for this long
                          * ends the pair with HV_EIDLE */
    uint32_t quit_ms;    /* HV_RELAY_NO_QUIT: wait for b's EOF as long as it
                          * takes; else after a's EOF and b's half-close,
                          * wait at most this long, then end cleanly */
    uint32_t gone_ms;    /* after b's EOF is written out while a still
                          * sends: HV_RELAY_NO_QUIT waits for a's EOF as
                          * long as it takes; else the pair ends cleanly
                          * once b's peer has closed completely (at once
                          * where b's transport shows it: unix, vsock) or,
                          * where a close and a half-close look alike
                          * (TCP), once nothing has moved a -> b for
                          * gone_ms and nothing read from a is unsent */
    size_t bufsize;      /* per direction, at most; 0: HV_RELAY_BUFSIZE.
                          * Buffers start small and grow under load. */
    /* Called at least every progress_ms (0: never) while the pair runs,
     * from the thread that runs the relay, with the bytes moved so far. */
    uint32_t progress_ms;
    void (*progress)(void *ctx, uint64_t ab, uint64_t ba);
    void *progress_ctx;
    /* NULL, or every byte written either way also goes to this dump
     * (hv_dump_new), its records named by dump_conn (0: no name); the
     * pair then copies through the event loop, not the fast paths */
    struct hv_dump *dump;
    unsigned dump_conn;
};

#define HV_RELAY_BUFSIZE (256u * 1024u)

/* Initialise o to the defaults: no flags, no idle timeout, no quit, no
 * gone_ms (wait for a's EOF). */
void hv_relay_opts_init(struct hv_relay_opts *o);

struct hv_relay_result {
    uint64_t ab;          /* bytes from a accepted by b's OS */
    uint64_t ba;          /* bytes from b accepted by a's OS */
    int err;              /* 0 or the HV_E* code that ended the pair */
    enum hv_side side;    /* where err happened */
    int a_closed;         /* a's reader went away (stdout | head): a quiet
                           * end, not an error */
};

/* Copy a -> b and b -> a at once until both directions are done (a's EOF
 * passed on and b half-closed, b's EOF passed on), or an option ends it.
 * Blocks. Neither stream is closed. Returns res->err. On POSIX, while no
 * timer (idle, quit, progress) runs, the data moves with blocking calls
 * instead of the event loop: with both ways open (after a few rounds
 * or 256 KiB), a -> b in a second thread that takes none of
 * SIGINT/SIGTERM/SIGHUP, and SIGURG (handled only
 * meanwhile, its disposition restored after) interrupts a blocked call
 * when the pair ends. HV_NO_FAST_PATH=1 in the environment keeps the
 * event loop. */
int hv_relay_pair(struct hv_stream *a, struct hv_stream *b,
                  const struct hv_relay_opts *o, struct hv_relay_result *res);

/* Many pairs in one process (hvlisten -k --to / -e). */
struct hv_relay;

int hv_relay_new(struct hv_relay **out);
/* The most pairs one relay serves at once here: on POSIX 100000
 * (descriptors run out first, and the caller waits for them); on Windows
 * HV_RELAY_PAIRS_MAX_WIN, since each pair runs two threads. */
uint32_t hv_relay_pairs_max(void);
#define HV_RELAY_PAIRS_MAX_WIN 2048u
/* Start relaying a <-> b with options o (copied); the relay owns both
 * streams from now on, also when this fails. tag comes back when the pair
 * ends. */
int hv_relay_add(struct hv_relay *r, struct hv_stream *a, struct hv_stream *b,
                 const struct hv_relay_opts *o, void *tag);
/* Start relaying a <-> a connection to `to` that the relay makes itself,
 * without ever blocking hv_relay_run: one slow or stuck backend delays only
 * its own pair. co->timeout_ms bounds the whole attempt (0: only the
 * transport's own bound, as hv_sock_connect): a unix socket whose backlog
 * is full (EAGAIN) and a shortage of descriptors or buffers for the new
 * socket (EMFILE, ENFILE, ENOBUFS) are retried with a short back-off
 * meanwhile (at once for the latter when another pair ends). Nothing is
 * read from a until the connection is made. When it cannot be made, the
 * pair ends (HV_RELAY_DONE) with res.err and res.side == HV_SIDE_B_CONNECT.
 * The relay owns a from now on. */
int hv_relay_add_connect(struct hv_relay *r, struct hv_stream *a,
                         const struct hv_addr *to,
                         const struct hv_connect_opts *co,
                         const struct hv_relay_opts *o, void *tag);
/* Pairs still running (connecting ones included). */
size_t hv_relay_count(const struct hv_relay *r);
/* Pairs whose connect waits for descriptors (EMFILE and the like): while
 * there are any, a caller should accept no more connections. */
size_t hv_relay_starved(const struct hv_relay *r);

enum hv_relay_event_kind {
    HV_RELAY_TIMEOUT = 0, /* timeout_ms passed */
    HV_RELAY_DONE = 1,    /* a pair ended: tag, res */
    HV_RELAY_ACCEPT = 2,  /* the listener has a connection waiting */
    HV_RELAY_CHILD = 3,   /* a command of hv_spawn may have ended: look
                           * with hv_child_poll (hv_child_events) */
    HV_RELAY_STDOUT_GONE = 4 /* stdout's reader has gone
                              * (hv_relay_watch_stdout) */
};
struct hv_relay_event {
    enum hv_relay_event_kind kind;
    void *tag;
    struct hv_relay_result res;
};
/* Run every pair until one ends, listener l (NULL: none) has a connection
 * waiting, or timeout_ms passes (HV_RELAY_NO_QUIT: no limit). Returns 0
 * with *ev set, or an HV_E* code (HV_ESTOPPED after hv_stop()). */
int hv_relay_run(struct hv_relay *r, struct hv_sock *l, uint32_t timeout_ms,
                 struct hv_relay_event *ev);
/* Watch the reader of stdout (on: 1; 0: no more) while hv_relay_run
 * waits: it then also returns with HV_RELAY_STDOUT_GONE once that reader
 * has gone (a pipe closed at its other end; a console, a file, the null
 * device or a socket has no reader that can leave). For a relay that waits
 * for a client to serve on stdio: none of r's pairs may use stdio
 * meanwhile. On POSIX the pipe's error is an event, so the wait sleeps
 * until something happens; on Windows no event tells of a pipe's reader
 * leaving, and a pipe whose state can be asked is asked once a second. */
void hv_relay_watch_stdout(struct hv_relay *r, int on);
/* End every pair at once and free r: a pair that had not reached its end
 * is cut short, and its connections are reset (closed with SO_LINGER 0,
 * or the Windows equivalent), so that no peer takes a cut stream for a
 * complete one. */
void hv_relay_free(struct hv_relay *r);

/* ---------------------------------------------------------------- dumps */

/* Traffic dumps (-o, -x): what relay pairs write, both ways, to a file as
 * it is and/or as a hex dump (see hvsock_int.h for its lines). */
struct hv_dump;
int hv_dump_new(struct hv_dump **out);
/* Create (or empty) path, UTF-8, for the raw bytes (hex 0) or the hex
 * dump (hex 1). 0, or the codes of hv_file_create. */
int hv_dump_open(struct hv_dump *d, const char *path, int hex);
/* fn is called once, from the thread running the relay, when a write to
 * a dump file fails (a full disk): the dump writes nothing more from
 * then on; the relay goes on unchanged. */
void hv_dump_on_error(struct hv_dump *d,
                      void (*fn)(void *ctx, const char *path, int err),
                      void *ctx);
/* 0, or the error that stopped the dump. */
int hv_dump_error(const struct hv_dump *d);
/* Close the files and free d (NULL: nothing): 0 or the dump's error. */
int hv_dump_close(struct hv_dump *d);

/* ---------------------------------------------------------------- spawn */

/* Running a command on a connection (hvcat/hvlisten -e). */

struct hv_child; /* opaque: a command started by hv_spawn */

struct hv_child_exit {
    int signaled;       /* 1: ended by signal `code` (POSIX only) */
    unsigned long code; /* its exit status, or the signal number */
    int own;            /* 0, or the HV_E* failure of the library's own
                         * process between the command and the connection
                         * (--term-control: HV_EHANDSHAKE, a client that
                         * does not speak it; HV_EBADDATA, a malformed
                         * frame from it; HV_EIO and the like, the
                         * connection failed), which ended the session:
                         * signaled and code are then not the command's */
};

/* Run cmd through the system shell (/bin/sh -c CMD; on Windows
 * cmd.exe /d /s /c "CMD") for connection s, with this process's standard
 * error and its environment plus env (NULL, or "NAME=value" strings ending
 * with NULL). How the command reaches s is the platform's choice:
 * - *io == NULL: the command has s itself as its stdin and stdout (POSIX);
 *   close s when you like, the connection ends when both of you have;
 * - *io != NULL: the command has pipes, and *io is a stream over them
 *   (Windows, where a socket handle serialises a child's reads and
 *   writes); relay *io <-> s (hv_stream_from_sock) until the pair ends.
 *   Its a->b direction is the command's stdout. */
int hv_spawn(struct hv_sock *s, const char *cmd, const char *const *env,
             struct hv_child **child, struct hv_stream **io);
/* As hv_spawn, but the command never gets s itself: *io is always set,
 * and the caller relays *io <-> s, so that the relay's timers (-i, -q)
 * hold however the command behaves (POSIX: the command has one end of a
 * socket pair as its stdin and stdout, so it still sees a socket, with
 * half-closes; Windows: pipes, as hv_spawn). */
int hv_spawn_relayed(struct hv_sock *s, const char *cmd,
                     const char *const *env, struct hv_child **child,
                     struct hv_stream **io);
/* A pseudo-terminal for the command (-e --pty). */
struct hv_pty_opts {
    unsigned short cols, rows; /* its window size */
    const char *term;          /* TERM in the command's environment */
    unsigned char control;     /* --term-control: the terminal control
                                * protocol on the connection (the size
                                * is then the client's) */
};
/* As hv_spawn_relayed, but the command runs on a new pseudo-terminal: its
 * standard input, output and error, and (POSIX) its controlling terminal
 * in a session of its own; on Windows a pseudo console (Windows 10 1809
 * and later; HV_ENOTSUP before). *io is the terminal's other end, to
 * relay to the connection: its EOF is the terminal's end (every process
 * that had it has let go), which ends the pair once its output is out; it
 * has no half-close: an EOF passed into it does nothing (the relay's
 * gone-peer rule, gone_ms, ends such a session), and its close hangs
 * the terminal up (SIGHUP for what still runs on it). */
int hv_spawn_pty(const char *cmd, const char *const *env,
                 const struct hv_pty_opts *po, struct hv_child **child,
                 struct hv_stream **io);
/* -e as one call: how a command on a connection starts. */
struct hv_exec_opts {
    const struct hv_addr *peer;  /* HV_PEER_*: the connection's other end */
    const struct hv_addr *local; /* HV_LOCAL_*; NULL: s's own address */
    const struct hv_pty_opts *pty; /* NULL, or a new pseudo-terminal */
    /* the options its relay will run with (NULL: none): a timer (idle_ms,
     * quit_ms) or a dump keeps the relay between the command and s */
    const struct hv_relay_opts *relay;
};
struct hv_exec {
    struct hv_child *child;
    /* both NULL: the command has the connection itself (closed here);
     * else relay cmd (as a) <-> conn (as b) until the pair ends */
    struct hv_stream *cmd, *conn;
};
/* Run cmd through the system shell for connection s with HV_PEER_ADDR,
 * HV_PEER_VM, HV_PEER_SERVICE, HV_LOCAL_ADDR, HV_LOCAL_VM and
 * HV_LOCAL_SERVICE set, on a terminal (hv_spawn_pty), on a relayed socket
 * pair or pipes (hv_spawn_relayed) or with s itself where the platform
 * allows (hv_spawn), as o asks. s is the library's from now on (closed on
 * failure), but for HV_EMFILE: too few descriptors to start the command,
 * s is still the caller's, to try again once some are free. */
int hv_exec_start(struct hv_sock *s, const char *cmd,
                  const struct hv_exec_opts *o, struct hv_exec *out);
/* Block until c has ended; *st says how. 0 or an HV_E* code. After
 * hv_stop() the command is asked to end (hv_child_kill) and waited for. */
int hv_child_wait(struct hv_child *c, struct hv_child_exit *st);
/* Without blocking: 1 and *st once c has ended, 0 while it runs. */
int hv_child_poll(struct hv_child *c, struct hv_child_exit *st);
/* 1 where hv_relay_run reports HV_RELAY_CHILD when a command of hv_spawn
 * ends (POSIX: SIGCHLD; Windows: a wait registered on its process), so a
 * caller may sleep until then; 0 where it must look with hv_child_poll
 * every so often (a Windows wait that could not be registered). */
int hv_child_events(void);
/* Ask c to end (SIGTERM; on Windows its job: every process it started). */
void hv_child_kill(struct hv_child *c);
/* Release c; on POSIX a command still running goes on by itself, on
 * Windows whatever runs of its job ends. */
void hv_child_free(struct hv_child *c);

/* ---------------------------------------------------------------- console */

/* Platform set-up for a command-line program, first thing in main(): on
 * Windows argv is re-read from the UTF-16 command line as UTF-8, stdin and
 * stdout are put in binary mode and the console's code page is left as it
 * is (text to a console goes out through hv_console_write).
 * On POSIX a closed descriptor 0-2 is reopened on /dev/null, so that no
 * socket can take its number, and SIGPIPE is ignored (a closed reader is
 * an EPIPE to report). 0 or an HV_E* code. */
int hv_console_init(int *argc, char ***argv);

/* 1 when standard input is an interactive terminal. */
int hv_stdin_is_tty(void);
/* 1 when standard error is a terminal (a console on Windows). */
int hv_stderr_is_tty(void);
/* Write n bytes of UTF-8 text (whole characters) to standard output
 * (which 1) or standard error (2) when it is a Windows console, as UTF-16:
 * 1 when written so, 0 when it is no console (always on POSIX) and the
 * caller writes the bytes itself. */
int hv_console_write(int which, const char *s, size_t n);
/* The terminal on stdin in raw mode (hvcat --raw): no echo, no line
 * editing, no signals from keys, bytes as typed (Windows: console input
 * and output with virtual-terminal sequences). Its modes before are kept
 * for hv_console_restore, which puts them back (again: nothing); call it
 * on every way out. 0 or an HV_E* code (stdin is no terminal: HV_EINVAL). */
int hv_console_raw(void);
void hv_console_restore(void);
/* hvcat --raw --term-control: the session over s speaking the terminal
 * control protocol with hvlisten --pty --term-control, the terminal on
 * stdin already raw; escape the escape character, 0 none. Window sizes
 * go with it (at the start, and on SIGWINCH). 0 when the remote command's
 * end came (*end says how) and the connection ended; 1 on the escape;
 * HV_ECONNABORTED when the connection ended before the command's end;
 * HV_EBADDATA when the listener does not speak it or sent a malformed
 * frame, HV_ETIMEDOUT when its hello did not come within 10 s;
 * HV_ESTOPPED on a stop; HV_ENOTSUP on Windows. */
int hv_term_session(struct hv_sock *s, int escape, struct hv_child_exit *end);
/* Whether this build speaks the terminal control protocol (hvcat --raw
 * --term-control, -e --pty --term-control): 0, or HV_ENOTSUP (Windows),
 * for a tool to refuse the option before it connects or listens. */
int hv_term_control_available(void);

/* Read stdin (st from hv_stream_stdio) through the escape of a raw
 * session: ch first on a line, then "." ends the session cleanly, ch again
 * sends one ch, anything else goes with the ch. */
void hv_stream_escape(struct hv_stream *st, unsigned char ch);

/* ---------------------------------------------------------------- files */

/* Create (or empty) the file named by path, UTF-8 on every platform, and
 * open it for writing bytes as they are (fopen "wb"); on POSIX kept from
 * commands started later. 0 and *out, or
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

/* Open the file named by path (UTF-8) for appending, creating it (mode
 * 0644 less the umask on POSIX) when missing: every write goes to its end
 * at the time of the write (O_APPEND), so a file another process
 * truncates meanwhile (logrotate's copytruncate) is written from its new
 * end. Kept from commands started later. 0 and *out, or the codes of
 * hv_file_create. */
int hv_file_append(const char *path, FILE **out);
/* The HV_E* code for the stdio call on a file that has just failed (its
 * errno), with the OS's own words for hv_errtext ("no space left on
 * device"). HV_EIO when errno says nothing. */
int hv_file_error(void);

/* 1 when f is a terminal (a console on Windows), else 0. */
int hv_file_is_terminal(FILE *f);

#ifdef __cplusplus
}
#endif

/* The tools' other areas, each in its own part of the one public header. */
#include "hvsock_reg.h"
#include "hvsock_vmid.h"
#include "hvsock_diag.h"

#endif
