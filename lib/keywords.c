/* keywords.c: the one table of VM-id keywords. Usage texts, hvvmid, the
 * completions and the man pages follow it; keep it sorted by name. */
#include "platform.h"

#define G_ZERO {0x00000000u, 0x0000u, 0x0000u, {0, 0, 0, 0, 0, 0, 0, 0}}
#define G_BROADCAST {0xffffffffu, 0xffffu, 0xffffu, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
#define G_CHILDREN {0x90db8b89u, 0x0d35u, 0x4f79u, {0x8c, 0xe9, 0x49, 0xea, 0x0a, 0xc8, 0xb7, 0xcd}}
#define G_LOOPBACK {0xe0e16197u, 0xdd56u, 0x4a10u, {0x91, 0x95, 0x5e, 0xe7, 0xa1, 0x55, 0xa8, 0x38}}
#define G_PARENT {0xa42e7cdau, 0xd03fu, 0x480cu, {0x9c, 0xc2, 0xa4, 0xde, 0x20, 0xab, 0xb8, 0x78}}
#define G_SILOHOST {0x36bd0c5cu, 0x7276u, 0x4223u, {0x88, 0xba, 0x7d, 0x03, 0xb6, 0x54, 0xc5, 0x68}}

const struct hv_keyword hv_keywords[] = {
    {"any", "wildcard", G_ZERO, HV_CID_ANY, "alias of wildcard"},
    {"broadcast", NULL, G_BROADCAST, HV_CID_NONE, "all partitions"},
    {"children", NULL, G_CHILDREN, HV_CID_NONE,
     "listen: accept from the VMs of this host"},
    {"host", "parent", G_PARENT, HV_CID_HOST, "alias of parent"},
    {"local", "loopback", G_LOOPBACK, HV_CID_LOCAL, "alias of loopback"},
    {"loopback", NULL, G_LOOPBACK, HV_CID_LOCAL, "this partition itself"},
    {"parent", NULL, G_PARENT, HV_CID_HOST, "the host of this VM (VM -> host)"},
    {"silohost", NULL, G_SILOHOST, HV_CID_NONE, "a hosted silo's host"},
    {"wildcard", NULL, G_ZERO, HV_CID_ANY,
     "listen: accept from every partition"},
    {NULL, NULL, G_ZERO, HV_CID_NONE, NULL},
};

const struct hv_keyword *hv__keyword_by_guid(const struct hv_guid *g)
{
    const struct hv_keyword *k;
    for (k = hv_keywords; k->name; k++)
        if (k->alias_of == NULL && hv_guid_equal(&k->guid, g))
            return k;
    return NULL;
}

const struct hv_keyword *hv_keyword_find(const char *name)
{
    const struct hv_keyword *k;
    if (name == NULL)
        return NULL;
    for (k = hv_keywords; k->name; k++)
        if (hv__strcaseeq(k->name, name))
            return k;
    return NULL;
}
