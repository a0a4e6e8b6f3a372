/* sockaddr_hv.c: the SOCKADDR_HV byte layout, built and read in portable code
 * so that the bytes a Windows build hands to connect()/bind() are unit-tested
 * on every platform. Layout (36 bytes, no padding): ADDRESS_FAMILY Family
 * (u16 LE, AF_HYPERV = 34), USHORT Reserved (0), GUID VmId, GUID ServiceId,
 * each GUID in wire order (Data1-3 little-endian, Data4 as written). */
#include <string.h>

#include "platform.h"

#define HV_AF_HYPERV_WIRE 34u

int hv_addr_to_sockaddr_hv(const struct hv_addr *a, uint8_t out[36])
{
    if (a->family != HV_FAMILY_HYPERV)
        return HV_EINVAL;
    memset(out, 0, 36);
    out[0] = (uint8_t)(HV_AF_HYPERV_WIRE & 0xFFu);
    out[1] = (uint8_t)(HV_AF_HYPERV_WIRE >> 8);
    hv_guid_to_wire(&a->vm_id, out + 4);
    hv_guid_to_wire(&a->service_id, out + 20);
    return HV_SOCKADDR_HV_LEN;
}

int hv_addr_from_sockaddr_hv(const uint8_t *in, size_t len, struct hv_addr *a)
{
    if (len < HV_SOCKADDR_HV_LEN ||
        (unsigned)(in[0] | in[1] << 8) != HV_AF_HYPERV_WIRE)
        return HV_EBADDATA;
    memset(a, 0, sizeof *a);
    a->family = HV_FAMILY_HYPERV;
    hv_guid_from_wire(in + 4, &a->vm_id);
    hv_guid_from_wire(in + 20, &a->service_id);
    if (!hv_guid_to_vsock_port(&a->service_id, &a->port))
        a->port = 0;
    return 0;
}
