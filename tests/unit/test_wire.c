/* test_wire.c: the SOCKADDR_HV bytes hv_addr_to_sockaddr_hv() builds for a
 * Windows connect()/bind(), checked byte by byte against values written out
 * by hand from the layout (family 34 little-endian, reserved 0, VmId and
 * ServiceId with Data1-3 little-endian). Runs on every platform. */
#include "hvsock.h"
#include "hvsock_int.h"
#include "ut.h"

/* parent (a42e7cda-d03f-480c-9cc2-a4de20abb878), vsock port 1024
 * (00000400-facb-11e6-bd58-64006a7986d3) */
static const uint8_t parent_1024[36] = {
    0x22, 0x00, 0x00, 0x00,
    0xda, 0x7c, 0x2e, 0xa4, 0x3f, 0xd0, 0x0c, 0x48,
    0x9c, 0xc2, 0xa4, 0xde, 0x20, 0xab, 0xb8, 0x78,
    0x00, 0x04, 0x00, 0x00, 0xcb, 0xfa, 0xe6, 0x11,
    0xbd, 0x58, 0x64, 0x00, 0x6a, 0x79, 0x86, 0xd3,
};

/* a VM GUID and a plain service GUID, every byte distinct */
static const uint8_t vm_svc[36] = {
    0x22, 0x00, 0x00, 0x00,
    0x04, 0x03, 0x02, 0x01, 0x06, 0x05, 0x08, 0x07,
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
    0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
    0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
};

static int parse(struct hv_addr *a, const char *vm, const char *svc)
{
    enum hv_addr_part bad;
    char hint[HV_ADDR_STRLEN];
    return hv_addr_parse(a, HV_FAMILY_HYPERV, vm, svc, 0, &bad, hint,
                         sizeof hint);
}

UT_CASE(parent_port)
{
    struct hv_addr a;
    uint8_t out[40];
    memset(out, 0xAA, sizeof out);
    UT_EQ_INT(parse(&a, "parent", "1024"), 0);
    UT_EQ_INT(hv_addr_to_sockaddr_hv(&a, out), 36);
    UT_EQ_INT(HV_SOCKADDR_HV_LEN, 36);
    UT_EQ_MEM(out, parent_1024, 36);
    UT_EQ_INT(out[36], 0xAA); /* nothing written past 36 bytes */
}

UT_CASE(guids_wire_order)
{
    struct hv_addr a;
    uint8_t out[36];
    UT_EQ_INT(parse(&a, "{01020304-0506-0708-090A-0B0C0D0E0F10}",
                    "89abcdef-4567-0123-fedc-ba9876543210"), 0);
    UT_EQ_INT(hv_addr_to_sockaddr_hv(&a, out), 36);
    UT_EQ_MEM(out, vm_svc, 36);
    UT_EQ_INT(out[0] | out[1] << 8, 34); /* AF_HYPERV, little-endian */
    UT_EQ_INT(out[2] | out[3], 0);       /* Reserved */
}

UT_CASE(round_trip)
{
    struct hv_addr a, b;
    char t1[HV_ADDR_STRLEN], t2[HV_ADDR_STRLEN];
    uint8_t out[36];
    UT_EQ_INT(parse(&a, "children", "0x7fffffff"), 0);
    UT_EQ_INT(hv_addr_to_sockaddr_hv(&a, out), 36);
    UT_EQ_INT(hv_addr_from_sockaddr_hv(out, sizeof out, &b), 0);
    UT_EQ_INT(b.family, HV_FAMILY_HYPERV);
    UT_CHECK(hv_guid_equal(&a.vm_id, &b.vm_id));
    UT_CHECK(hv_guid_equal(&a.service_id, &b.service_id));
    UT_EQ_INT(b.port, 0x7fffffff);
    hv_addr_format(&a, t1, sizeof t1);
    hv_addr_format(&b, t2, sizeof t2);
    UT_EQ_STR(t2, t1);
    UT_EQ_INT(hv_addr_from_sockaddr_hv(vm_svc, sizeof vm_svc, &b), 0);
    UT_EQ_INT(b.vm_id.data1, 0x01020304);
    UT_EQ_INT(b.service_id.data3, 0x0123);
    UT_EQ_INT(b.port, 0); /* not a vsock-template service */
}

UT_CASE(rejects)
{
    struct hv_addr a, b;
    uint8_t out[36], bad[36];
    UT_EQ_INT(hv_addr_parse(&a, HV_FAMILY_TCP, "127.0.0.1", "80", 0, NULL,
                            NULL, 0), 0);
    UT_EQ_INT(hv_addr_to_sockaddr_hv(&a, out), HV_EINVAL);
    UT_EQ_INT(hv_addr_from_sockaddr_hv(parent_1024, 35, &b), HV_EBADDATA);
    memcpy(bad, parent_1024, sizeof bad);
    bad[0] = 2; /* AF_INET */
    UT_EQ_INT(hv_addr_from_sockaddr_hv(bad, sizeof bad, &b), HV_EBADDATA);
    bad[0] = 0x22;
    bad[1] = 0x01; /* family 290, not 34: the high byte counts */
    UT_EQ_INT(hv_addr_from_sockaddr_hv(bad, sizeof bad, &b), HV_EBADDATA);
}
