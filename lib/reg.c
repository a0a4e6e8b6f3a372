/* reg.c: the portable half of service registration: the table of
 * Windows' own entries and the rules for a friendly name. The registry
 * itself is reg_<platform>.c; the scripts that do it on a host, script.c. */
#include <string.h>

#include "platform.h"

/* ---------------------------------------------------------------- built-ins */

const struct hv_builtin_service hv_builtin_services[] = {
    /* PowerShell Direct's VM Session Service: the ElementName in
     * Microsoft's "Make your own integration services" page */
    {{0x999e53d4u, 0x3d5cu, 0x4c3eu, {0x87, 0x79, 0xbe, 0xd0, 0x6e, 0xc0, 0x56, 0xe1}},
     "VM Session Service"},
    /* its second channel (HV_GUID_VM_SESSION_SERVICE_ID_2 in PowerShell's
     * RemoteSessionHyperVSocketClient) */
    {{0xa5201c21u, 0x2770u, 0x4c11u, {0xa6, 0x8e, 0xf1, 0x82, 0xed, 0xb2, 0x92, 0x20}},
     "VM Session Service 2"},
    {{0, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}}, NULL},
};

const struct hv_builtin_service *hv_reg_builtin(const struct hv_guid *g)
{
    const struct hv_builtin_service *b;
    for (b = hv_builtin_services; b->name; b++)
        if (hv_guid_equal(&b->guid, g))
            return b;
    return NULL;
}

int hv_reg_is_builtin(const struct hv_guid *g)
{
    return hv_reg_builtin(g) != NULL;
}

/* ---------------------------------------------------------------- names */

int hv_service_name_check(const char *name)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t len;
    if (name == NULL || name[0] == '\0')
        return HV_EINVAL;
    len = strlen(name);
    if (len > HV_SERVICE_NAME_MAX)
        return HV_EINVAL;
    while (*s) {
        uint32_t cp;
        size_t n = hv__utf8_decode(s, &cp);
        if (n == 0)
            return HV_EINVAL;
        s += n;
    }
    return 0;
}
