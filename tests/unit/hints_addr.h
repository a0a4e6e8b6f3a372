/* hints_addr.h: the vsock address both hint tests (test_hints.c,
 * test_hints_tree.c) diagnose. */
#ifndef HV_HINTS_ADDR_H
#define HV_HINTS_ADDR_H

#include <string.h>

#include "hvsock.h"

static inline struct hv_addr vsock(uint32_t cid, uint32_t port)
{
    struct hv_addr a;
    memset(&a, 0, sizeof a);
    a.family = HV_FAMILY_VSOCK;
    a.cid = cid;
    a.port = port;
    return a;
}

#endif
