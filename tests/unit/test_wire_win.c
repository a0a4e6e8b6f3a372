/* test_wire_win.c: Windows only. The bytes hv_addr_to_sockaddr_hv() builds
 * must be the SDK's own SOCKADDR_HV (from <hvsocket.h>) for the same
 * address, and the keyword table must agree with the SDK's HV_GUID_*. */
#include <winsock2.h>
#include <windows.h>
#include <initguid.h> /* define, not just declare, HV_GUID_* */
#include <hvsocket.h>
#include <stddef.h>

#include "hvsock.h"
#include "hvsock_int.h"
#include "ut.h"

#ifndef AF_HYPERV
#define AF_HYPERV 34
#endif

static void sdk_guid(const GUID *g, struct hv_guid *out)
{
    out->data1 = g->Data1;
    out->data2 = g->Data2;
    out->data3 = g->Data3;
    memcpy(out->data4, g->Data4, 8);
}

UT_CASE(sdk_layout)
{
    UT_EQ_INT(sizeof(SOCKADDR_HV), HV_SOCKADDR_HV_LEN);
    UT_EQ_INT(offsetof(SOCKADDR_HV, Reserved), 2);
    UT_EQ_INT(offsetof(SOCKADDR_HV, VmId), 4);
    UT_EQ_INT(offsetof(SOCKADDR_HV, ServiceId), 20);
}

UT_CASE(sdk_bytes)
{
    /* a service id of the vsock template, port 0x12345 */
    static const GUID svc = {0x00012345, 0xfacb, 0x11e6,
                             {0xbd, 0x58, 0x64, 0x00, 0x6a, 0x79, 0x86, 0xd3}};
    SOCKADDR_HV sa;
    struct hv_addr a;
    uint8_t out[HV_SOCKADDR_HV_LEN];

    memset(&sa, 0, sizeof sa);
    sa.Family = AF_HYPERV;
    sa.VmId = HV_GUID_LOOPBACK;
    sa.ServiceId = svc;
    UT_EQ_INT(hv_addr_parse(&a, HV_FAMILY_HYPERV, "loopback", "74565", 0,
                            NULL, NULL, 0), 0);
    UT_EQ_INT(hv_addr_to_sockaddr_hv(&a, out), HV_SOCKADDR_HV_LEN);
    UT_EQ_MEM(out, &sa, sizeof sa);
}

UT_CASE(sdk_keywords)
{
    static const struct {
        const char *name;
        const GUID *g;
    } k[] = {
        {"parent", &HV_GUID_PARENT},     {"children", &HV_GUID_CHILDREN},
        {"loopback", &HV_GUID_LOOPBACK}, {"silohost", &HV_GUID_SILOHOST},
        {"wildcard", &HV_GUID_WILDCARD}, {"broadcast", &HV_GUID_BROADCAST},
    };
    struct hv_guid g;
    size_t i;
    for (i = 0; i < sizeof k / sizeof k[0]; i++) {
        const struct hv_keyword *kw = hv_keyword_find(k[i].name);
        UT_CHECK(kw != NULL);
        if (kw == NULL)
            continue;
        sdk_guid(k[i].g, &g);
        UT_CHECK(hv_guid_equal(&kw->guid, &g));
    }
    sdk_guid(&HV_GUID_VSOCK_TEMPLATE, &g);
    UT_CHECK(hv_guid_equal(&hv_vsock_template, &g));
}
