/* hints_addr.h: the addresses the hint tests (test_hints*.c) diagnose: a
 * vsock CID and port, a Hyper-V VM (keyword or GUID) and vsock port. */
#ifndef HV_HINTS_ADDR_H
#define HV_HINTS_ADDR_H

#include <string.h>

#include "hvsock.h"
#include "ut.h"

static inline struct hv_addr vsock(uint32_t cid, uint32_t port)
{
    struct hv_addr a;
    memset(&a, 0, sizeof a);
    a.family = HV_FAMILY_VSOCK;
    a.cid = cid;
    a.port = port;
    return a;
}

static inline struct hv_addr hyperv(const char *vm, uint32_t port)
{
    struct hv_addr a;
    const struct hv_keyword *k = hv_keyword_find(vm);
    memset(&a, 0, sizeof a);
    a.family = HV_FAMILY_HYPERV;
    if (k)
        a.vm_id = k->guid;
    else
        UT_EQ_INT(hv_guid_parse(vm, &a.vm_id), 0);
    UT_EQ_INT(hv_guid_from_vsock_port(port, &a.service_id), 0);
    return a;
}

#endif
