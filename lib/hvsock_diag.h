/* hvsock_diag.h: why a connect, bind or listen failed (the hints hvcat and
 * hvlisten print under their error line). Included by hvsock.h.
 *
 * The diagnosis runs only after a failure (and, on a Windows host, once
 * before a listener waits). It reads facts of this machine, never changes
 * anything, needs no privileges and uses no network: on Linux files under
 * /sys, /proc, /dev and /lib/modules (below a root directory that tests
 * point at prepared trees), on Windows the registry, this process's token
 * and the list of processes and compute systems. A fact it cannot read
 * gives no hint: every hint is a fact it checked and what to do about it.
 */
#ifndef HVSOCK_DIAG_H
#define HVSOCK_DIAG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HV_HINTS_MAX 6
#define HV_HINT_LEN 400

#define HV_HINT_WARNING 0x1 /* a warning of its own, not a note on an
                             * error (hvlisten's start: "warning:") */

struct hv_hint {
    const char *id;         /* a stable name ("vsock-loopback"), for tests */
    unsigned flags;         /* HV_HINT_* */
    char text[HV_HINT_LEN]; /* one line, UTF-8, no newline */
};

/* The hints of one diagnosis, the most likely cause first. */
struct hv_hints {
    size_t n;
    struct hv_hint h[HV_HINTS_MAX];
};

enum hv_diag_op {
    HV_DIAG_CONNECT = 1, /* a connect to the address failed with err */
    HV_DIAG_LISTEN = 2,  /* a bind or listen on it failed with err */
    HV_DIAG_START = 3    /* a listener is about to wait (err 0): what
                          * keeps its peers away (a Windows host's
                          * unregistered service, a WSL2 VM beside a
                          * wildcard listener); nothing read elsewhere */
};

/* The hints for a failed op on a (any family; only Hyper-V, vsock and a
 * privileged TCP port give any). root: where /sys, /proc, /dev and
 * /lib/modules are looked up on Linux (NULL or "" for "/"); ignored on
 * Windows. Fills *out (n may be 0) and returns 0; never fails. */
int hv_diag_hints(const struct hv_addr *a, enum hv_diag_op op, int err,
                  const char *root, struct hv_hints *out);

#ifdef __cplusplus
}
#endif

#endif
