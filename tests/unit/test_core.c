/* test_core.c: unit cases for the portable core: numbers, GUIDs, the wire
 * layout, the vsock template, the keyword table, addresses, errors. */
#include <stdint.h>
#include <string.h>

#include "hvsock.h"
#include "hvsock_int.h"
#include "ring.h"
#include "ut.h"

UT_CASE(u32_parse)
{
    uint32_t v = 7;
    UT_EQ_INT(hv_parse_u32("0", 0, 10, &v), 0);
    UT_EQ_INT(v, 0);
    UT_EQ_INT(hv_parse_u32("5000", 0, 0xFFFFFFFFu, &v), 0);
    UT_EQ_INT(v, 5000);
    UT_EQ_INT(hv_parse_u32("0x7fffffff", 0, 0xFFFFFFFFu, &v), 0);
    UT_EQ_INT(v, 0x7FFFFFFF);
    UT_EQ_INT(hv_parse_u32("0XFFFFFFFF", 0, 0xFFFFFFFFu, &v), 0);
    UT_EQ_INT(v, 0xFFFFFFFFu);
    UT_EQ_INT(hv_parse_u32("4294967295", 0, 0xFFFFFFFFu, &v), 0);
    UT_EQ_INT(hv_parse_u32("4294967296", 0, 0xFFFFFFFFu, &v), HV_ERANGE);
    UT_EQ_INT(hv_parse_u32("99999999999999999999999", 0, 0xFFFFFFFFu, &v),
              HV_ERANGE);
    UT_EQ_INT(hv_parse_u32("11", 0, 10, &v), HV_ERANGE);
    UT_EQ_INT(hv_parse_u32("0", 1, 10, &v), HV_ERANGE);
    UT_EQ_INT(hv_parse_u32("", 0, 10, &v), HV_EINVAL);
    UT_EQ_INT(hv_parse_u32("0x", 0, 10, &v), HV_EINVAL);
    UT_EQ_INT(hv_parse_u32("-1", 0, 10, &v), HV_EINVAL);
    UT_EQ_INT(hv_parse_u32("+1", 0, 10, &v), HV_EINVAL);
    UT_EQ_INT(hv_parse_u32(" 1", 0, 10, &v), HV_EINVAL);
    UT_EQ_INT(hv_parse_u32("1 ", 0, 10, &v), HV_EINVAL);
    UT_EQ_INT(hv_parse_u32("12abc", 0, 100, &v), HV_EINVAL);
    UT_EQ_INT(hv_parse_u32("0x1g", 0, 100, &v), HV_EINVAL);
    UT_EQ_INT(hv_parse_u32(NULL, 0, 100, &v), HV_EINVAL);
}

/* hv_parse_octal, as hvlisten --unix-mode uses it (0 to 0777; the tool
 * also takes at most 4 digits): octal digits only, no prefix. */
UT_CASE(octal_parse)
{
    static const struct {
        const char *s;
        uint32_t hi;
        int r;
        uint32_t v;
    } t[] = {
        {"0", 0777u, 0, 0},
        {"000", 0777u, 0, 0},
        {"644", 0777u, 0, 0644},
        {"0777", 0777u, 0, 0777},
        {"777", 0777u, 0, 0777},
        {"0000777", 0777u, 0, 0777},
        {"1000", 0777u, HV_ERANGE, 0},
        {"7777", 0777u, HV_ERANGE, 0},
        {"77777777777777", 0xFFFFFFFFu, HV_ERANGE, 0},
        {"37777777777", 0xFFFFFFFFu, 0, 0xFFFFFFFFu},
        {"8", 0777u, HV_EINVAL, 0},
        {"79", 0777u, HV_EINVAL, 0},
        {"0x7", 0777u, HV_EINVAL, 0},
        {"", 0777u, HV_EINVAL, 0},
        {"-1", 0777u, HV_EINVAL, 0},
        {"+7", 0777u, HV_EINVAL, 0},
        {" 7", 0777u, HV_EINVAL, 0},
        {"7 ", 0777u, HV_EINVAL, 0},
        {NULL, 0777u, HV_EINVAL, 0},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint32_t v = 12345;
        UT_EQ_INT(hv_parse_octal(t[i].s, 0, t[i].hi, &v), t[i].r);
        UT_EQ_INT(v, t[i].r == 0 ? t[i].v : 12345);
    }
}

/* hv_parse_secs, the SECS of -w (1 to 300), -i (1 to 86400), -q (0 to
 * 86400), --wait and --drain (1 to 86400): whole seconds as hv_parse_u32
 * reads them (0x too), into milliseconds; *ms untouched on an error. */
UT_CASE(secs_parse)
{
    static const struct {
        const char *s;
        uint32_t lo, hi;
        int r;
        uint32_t ms;
    } t[] = {
        {"1", 1, 300, 0, 1000},
        {"300", 1, 300, 0, 300000},
        {"301", 1, 300, HV_ERANGE, 0},
        {"0", 1, 300, HV_ERANGE, 0},
        {"0", 0, 86400, 0, 0},
        {"86400", 0, 86400, 0, 86400000u},
        {"86401", 1, 86400, HV_ERANGE, 0},
        {"0x10", 1, 300, 0, 16000},
        {"4294967", 0, 0xFFFFFFFFu, 0, 4294967000u},
        {"4294968", 0, 0xFFFFFFFFu, HV_ERANGE, 0},
        {"", 1, 300, HV_EINVAL, 0},
        {"1.5", 1, 300, HV_EINVAL, 0},
        {"-1", 0, 300, HV_EINVAL, 0},
        {"5s", 1, 300, HV_EINVAL, 0},
        {" 5", 1, 300, HV_EINVAL, 0},
        {NULL, 1, 300, HV_EINVAL, 0},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint32_t ms = 7;
        UT_EQ_INT(hv_parse_secs(t[i].s, t[i].lo, t[i].hi, &ms), t[i].r);
        UT_EQ_INT(ms, t[i].r == 0 ? t[i].ms : 7);
    }
}

UT_CASE(guid_roundtrip)
{
    static const char *in[] = {
        "00000400-facb-11e6-bd58-64006a7986d3",
        "{00000400-FACB-11E6-BD58-64006A7986D3}",
        "A42E7CDA-d03f-480c-9cc2-A4DE20ABB878",
    };
    static const char *want[] = {
        "00000400-facb-11e6-bd58-64006a7986d3",
        "00000400-facb-11e6-bd58-64006a7986d3",
        "a42e7cda-d03f-480c-9cc2-a4de20abb878",
    };
    size_t i;
    for (i = 0; i < sizeof in / sizeof in[0]; i++) {
        struct hv_guid g, g2;
        char buf[HV_GUID_BUFSIZE];
        UT_EQ_INT(hv_guid_parse(in[i], &g), 0);
        UT_EQ_INT(hv_guid_format(&g, buf), 36);
        UT_EQ_STR(buf, want[i]);
        UT_EQ_INT(hv_guid_parse(buf, &g2), 0);
        UT_CHECK(hv_guid_equal(&g, &g2));
    }
}

UT_CASE(guid_fields)
{
    struct hv_guid g;
    UT_EQ_INT(hv_guid_parse("90db8b89-0d35-4f79-8ce9-49ea0ac8b7cd", &g), 0);
    UT_EQ_INT(g.data1, 0x90db8b89u);
    UT_EQ_INT(g.data2, 0x0d35);
    UT_EQ_INT(g.data3, 0x4f79);
    UT_EQ_INT(g.data4[0], 0x8c);
    UT_EQ_INT(g.data4[1], 0xe9);
    UT_EQ_INT(g.data4[7], 0xcd);
}

UT_CASE(guid_reject)
{
    static const char *bad[] = {
        "",
        "{}",
        "00000400-facb-11e6-bd58-64006a7986d",    /* short */
        "00000400-facb-11e6-bd58-64006a7986d3a",  /* trailing junk */
        "00000400-facb-11e6-bd58-64006a7986d3 ",  /* trailing space */
        " 00000400-facb-11e6-bd58-64006a7986d3",  /* leading space */
        "{00000400-facb-11e6-bd58-64006a7986d3",  /* unbalanced */
        "00000400-facb-11e6-bd58-64006a7986d3}",  /* unbalanced */
        "{{00000400-facb-11e6-bd58-64006a7986d3}}",
        "00000400-facb-11e6-bd58-64006a7986g3",   /* bad hex */
        "00000400xfacb-11e6-bd58-64006a7986d3",   /* dash missing */
        "00000400-facb-11e6-bd5864006a7986d3ab",  /* dash moved */
        "0000040-0facb-11e6-bd58-64006a7986d3",
        "00000400facb11e6bd5864006a7986d3",       /* no dashes */
        "(00000400-facb-11e6-bd58-64006a7986d3)",
        "00000400-facb-11e6-bd58-64006a7986d3}x",
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct hv_guid g;
        if (hv_guid_parse(bad[i], &g) != HV_EBADGUID)
            ut_fail(__FILE__, __LINE__, "accepted bad GUID \"%s\"", bad[i]);
    }
    UT_EQ_INT(hv_guid_parse(NULL, NULL), HV_EBADGUID);
}

/* What is meant as a GUID (so a typo is "invalid GUID", not a name to
 * look up), and what is a name. */
UT_CASE(guid_shaped)
{
    static const char *const meant[] = {
        "a1b2c3d4-e5f6-4711-8899-aabbccddeeff",   /* a GUID */
        "{A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF}", /* braced */
        "a1b2c3d4-e5f6-4711-8899-aabbccddeef",    /* one digit short */
        "a1b2c3d4-e5f6-4711-8899-aabbccddeeff0",  /* one too many */
        "a1b2c3d4e5f6-4711-8899-aabbccddeeff",    /* a dash missing */
        "{not even close",                        /* a brace */
        "a1b2c3d4-e5f6-4711-8899-aabbccddeeffjunk", /* starts with one */
    };
    static const char *const names[] = {
        "", "my-vm", "dead-beef", "parent", "vm 1", "a1b2c3d4e5f64711889",
        "a1b2c3d4e5f647118899aabbccddeeff", /* hex, no dash: a name */
        "a1b2c3d4-e5f6-4711-8899-aabbccddeefz", /* not hex */
    };
    size_t i;
    for (i = 0; i < sizeof meant / sizeof meant[0]; i++)
        if (!hv_guid_shaped(meant[i]))
            ut_fail(__FILE__, __LINE__, "not taken as a GUID: '%s'", meant[i]);
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (hv_guid_shaped(names[i]))
            ut_fail(__FILE__, __LINE__, "taken as a GUID: '%s'", names[i]);
}

UT_CASE(guid_scan_consumed)
{
    struct hv_guid g;
    UT_EQ_INT(hv_guid_scan("00000400-facb-11e6-bd58-64006a7986d3:5", &g), 36);
    UT_EQ_INT(hv_guid_scan("{00000400-facb-11e6-bd58-64006a7986d3}x", &g), 38);
    UT_EQ_INT(hv_guid_scan("{00000400-facb-11e6-bd58-64006a7986d3x", &g), 0);
    UT_EQ_INT(hv_guid_scan("parent", &g), 0);
}

UT_CASE(guid_wire_layout)
{
    /* FACTS.md: vsock port 1024 in wire order */
    static const uint8_t want[16] = {0x00, 0x04, 0x00, 0x00, 0xcb, 0xfa,
                                     0xe6, 0x11, 0xbd, 0x58, 0x64, 0x00,
                                     0x6a, 0x79, 0x86, 0xd3};
    uint8_t wire[16];
    struct hv_guid g, back;
    UT_EQ_INT(hv_guid_parse("00000400-facb-11e6-bd58-64006a7986d3", &g), 0);
    hv_guid_to_wire(&g, wire);
    UT_EQ_MEM(wire, want, 16);
    hv_guid_from_wire(wire, &back);
    UT_CHECK(hv_guid_equal(&g, &back));

    {
        static const uint8_t want2[16] = {0xda, 0x7c, 0x2e, 0xa4, 0x3f, 0xd0,
                                          0x0c, 0x48, 0x9c, 0xc2, 0xa4, 0xde,
                                          0x20, 0xab, 0xb8, 0x78};
        UT_EQ_INT(hv_guid_parse("a42e7cda-d03f-480c-9cc2-a4de20abb878", &g), 0);
        hv_guid_to_wire(&g, wire);
        UT_EQ_MEM(wire, want2, 16);
    }
}

UT_CASE(vsock_template)
{
    struct hv_guid g;
    char buf[HV_GUID_BUFSIZE];
    uint32_t port = 0;

    UT_EQ_INT(hv_guid_from_vsock_port(5000, &g), 0);
    hv_guid_format(&g, buf);
    UT_EQ_STR(buf, "00001388-facb-11e6-bd58-64006a7986d3");
    UT_EQ_INT(hv_guid_to_vsock_port(&g, &port), 1);
    UT_EQ_INT(port, 5000);

    UT_EQ_INT(hv_guid_from_vsock_port(0, &g), 0);
    UT_EQ_INT(hv_guid_to_vsock_port(&g, &port), 1);
    UT_EQ_INT(port, 0);
    UT_EQ_INT(hv_guid_from_vsock_port(0x7FFFFFFF, &g), 0);
    hv_guid_format(&g, buf);
    UT_EQ_STR(buf, "7fffffff-facb-11e6-bd58-64006a7986d3");
    UT_EQ_INT(hv_guid_from_vsock_port(0x80000000u, &g), HV_ERANGE);
    UT_EQ_INT(hv_guid_from_vsock_port(0xFFFFFFFFu, &g), HV_ERANGE);

    /* out of range Data1 or another tail is not a port */
    UT_EQ_INT(hv_guid_parse("80000000-facb-11e6-bd58-64006a7986d3", &g), 0);
    UT_EQ_INT(hv_guid_to_vsock_port(&g, &port), 0);
    UT_EQ_INT(hv_guid_parse("00001388-facb-11e6-bd58-64006a7986d4", &g), 0);
    UT_EQ_INT(hv_guid_to_vsock_port(&g, &port), 0);
    UT_EQ_INT(hv_guid_parse("00001388-facc-11e6-bd58-64006a7986d3", &g), 0);
    UT_EQ_INT(hv_guid_to_vsock_port(&g, &port), 0);
}

UT_CASE(keywords_table)
{
    static const struct {
        const char *name, *guid;
        uint32_t cid;
    } want[] = {
        {"any", "00000000-0000-0000-0000-000000000000", HV_CID_ANY},
        {"broadcast", "ffffffff-ffff-ffff-ffff-ffffffffffff", HV_CID_NONE},
        {"children", "90db8b89-0d35-4f79-8ce9-49ea0ac8b7cd", HV_CID_NONE},
        {"host", "a42e7cda-d03f-480c-9cc2-a4de20abb878", HV_CID_HOST},
        {"local", "e0e16197-dd56-4a10-9195-5ee7a155a838", HV_CID_LOCAL},
        {"loopback", "e0e16197-dd56-4a10-9195-5ee7a155a838", HV_CID_LOCAL},
        {"parent", "a42e7cda-d03f-480c-9cc2-a4de20abb878", HV_CID_HOST},
        {"silohost", "36bd0c5c-7276-4223-88ba-7d03b654c568", HV_CID_NONE},
        {"wildcard", "00000000-0000-0000-0000-000000000000", HV_CID_ANY},
    };
    size_t i, n = 0;
    const struct hv_keyword *k;

    for (k = hv_keywords; k->name; k++) {
        char buf[HV_GUID_BUFSIZE];
        if (n >= sizeof want / sizeof want[0]) {
            ut_fail(__FILE__, __LINE__, "extra keyword %s", k->name);
            break;
        }
        UT_EQ_STR(k->name, want[n].name);
        hv_guid_format(&k->guid, buf);
        UT_EQ_STR(buf, want[n].guid);
        UT_EQ_INT(k->cid, want[n].cid);
        UT_CHECK(k->help != NULL && k->help[0] != '\0');
        if (k != hv_keywords)
            UT_CHECK(strcmp(k[-1].name, k->name) < 0); /* sorted */
        if (k->alias_of) {
            const struct hv_keyword *c = hv_keyword_find(k->alias_of);
            UT_CHECK(c != NULL && c->alias_of == NULL &&
                     hv_guid_equal(&c->guid, &k->guid) && c->cid == k->cid);
        }
        n++;
    }
    UT_EQ_INT(n, sizeof want / sizeof want[0]);
    for (i = 0; i < n; i++)
        UT_CHECK(hv_keyword_find(want[i].name) != NULL);
    UT_CHECK(hv_keyword_find("PARENT") == hv_keyword_find("parent"));
    UT_CHECK(hv_keyword_find("paren") == NULL);
    UT_CHECK(hv_keyword_find("parents") == NULL);
    UT_CHECK(hv_keyword_find("") == NULL);
}

static int parse(struct hv_addr *a, enum hv_family f, const char *vm,
                 const char *svc, int flags, enum hv_addr_part *bad)
{
    char hint[HV_ADDR_STRLEN];
    enum hv_addr_part b;
    int r = hv_addr_parse(a, f, vm, svc, flags, &b, hint, sizeof hint);
    if (r < 0 && hint[0] == '\0')
        ut_fail(__FILE__, __LINE__, "no hint for %s %s", vm ? vm : "-", svc);
    if (bad)
        *bad = b;
    return r;
}

UT_CASE(addr_vsock)
{
    struct hv_addr a;
    enum hv_addr_part bad;
    char buf[HV_ADDR_STRLEN];

    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, "host", "5000", 0, NULL), 0);
    UT_EQ_INT(a.cid, 2);
    UT_EQ_INT(a.port, 5000);
    hv_addr_format(&a, buf, sizeof buf);
    UT_EQ_STR(buf, "vsock:2:5000");
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, "LOCAL", "0x10", 0, NULL), 0);
    UT_EQ_INT(a.cid, 1);
    UT_EQ_INT(a.port, 16);
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, "3", "00001388-facb-11e6-bd58-64006a7986d3", 0, NULL), 0);
    UT_EQ_INT(a.cid, 3);
    UT_EQ_INT(a.port, 5000);
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, "{00001388-facb-11e6-bd58-64006a7986d3}", "1", 0, &bad), HV_EINVAL);
    UT_EQ_INT(bad, HV_PART_VM);
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, "children", "1", 0, &bad), HV_EINVAL);
    UT_EQ_INT(bad, HV_PART_VM);
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, "myvm", "1", 0, &bad), HV_EINVAL);
    UT_EQ_INT(bad, HV_PART_VM);
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, "any", "1", 0, &bad), HV_EINVAL);
    UT_EQ_INT(bad, HV_PART_VM);
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, "2", "a42e7cda-d03f-480c-9cc2-a4de20abb878", 0, &bad), HV_EINVAL);
    UT_EQ_INT(bad, HV_PART_SERVICE);
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, "2", "4294967296", 0, &bad), HV_ERANGE);
    UT_EQ_INT(bad, HV_PART_SERVICE);
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, "2", "0", 0, &bad), HV_ERANGE);
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, "2", "port", 0, &bad), HV_EINVAL);
    UT_EQ_INT(bad, HV_PART_SERVICE);
    /* listening */
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, NULL, "0", HV_ADDR_LISTEN, NULL), 0);
    UT_EQ_INT(a.cid, HV_CID_ANY);
    UT_EQ_INT(a.port, 0xFFFFFFFFu);
    hv_addr_format(&a, buf, sizeof buf);
    UT_EQ_STR(buf, "vsock:any:any");
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, "wildcard", "any", HV_ADDR_LISTEN, NULL), 0);
    UT_EQ_INT(a.port, 0xFFFFFFFFu);
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, NULL, "5000", HV_ADDR_LISTEN, NULL), 0);
    hv_addr_format(&a, buf, sizeof buf);
    UT_EQ_STR(buf, "vsock:any:5000");
}

UT_CASE(addr_hyperv)
{
    struct hv_addr a;
    enum hv_addr_part bad;
    char buf[HV_ADDR_STRLEN], g[HV_GUID_BUFSIZE];

    UT_EQ_INT(parse(&a, HV_FAMILY_HYPERV, "parent", "5000", 0, NULL), 0);
    hv_guid_format(&a.vm_id, g);
    UT_EQ_STR(g, "a42e7cda-d03f-480c-9cc2-a4de20abb878");
    hv_guid_format(&a.service_id, g);
    UT_EQ_STR(g, "00001388-facb-11e6-bd58-64006a7986d3");
    hv_addr_format(&a, buf, sizeof buf);
    UT_EQ_STR(buf, "hvsock:parent:5000");
    UT_EQ_INT(parse(&a, HV_FAMILY_HYPERV, "{12345678-1234-1234-1234-123456789ABC}",
                    "{AAAAAAAA-1234-1234-1234-123456789abc}", 0, NULL), 0);
    hv_addr_format(&a, buf, sizeof buf);
    UT_EQ_STR(buf, "hvsock:12345678-1234-1234-1234-123456789abc:aaaaaaaa-1234-1234-1234-123456789abc");
    UT_EQ_INT(parse(&a, HV_FAMILY_HYPERV, "host", "0x7fffffff", 0, NULL), 0);
    UT_EQ_INT(parse(&a, HV_FAMILY_HYPERV, "host", "2147483648", 0, &bad), HV_ERANGE);
    UT_EQ_INT(bad, HV_PART_SERVICE);
    UT_EQ_INT(parse(&a, HV_FAMILY_HYPERV, "{12345678-1234-1234-1234-123456789ABC", "1", 0, &bad), HV_EBADGUID);
    UT_EQ_INT(bad, HV_PART_VM);
    UT_EQ_INT(parse(&a, HV_FAMILY_HYPERV, "host", "12345678-1234-1234-1234-123456789ABCD", 0, &bad), HV_EBADGUID);
    UT_EQ_INT(bad, HV_PART_SERVICE);
    UT_EQ_INT(parse(&a, HV_FAMILY_HYPERV, "2", "1", 0, &bad), HV_EINVAL);
    UT_EQ_INT(bad, HV_PART_VM);
    /* empty operands are refused, as over vsock, never looked up as names */
    UT_EQ_INT(parse(&a, HV_FAMILY_HYPERV, "", "1", 0, &bad), HV_EINVAL);
    UT_EQ_INT(bad, HV_PART_VM);
    UT_EQ_INT(parse(&a, HV_FAMILY_HYPERV, "parent", "", 0, &bad), HV_EINVAL);
    UT_EQ_INT(bad, HV_PART_SERVICE);
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, "", "1", 0, &bad), HV_EINVAL);
    UT_EQ_INT(bad, HV_PART_VM);
    UT_EQ_INT(parse(&a, HV_FAMILY_VSOCK, "2", "", 0, &bad), HV_EINVAL);
    UT_EQ_INT(bad, HV_PART_SERVICE);
    /* names need a VM inventory: on this build the answer is "unknown VM" */
    if (hv_native_family() != HV_FAMILY_HYPERV) {
        UT_EQ_INT(parse(&a, HV_FAMILY_HYPERV, "no-such-vm", "1", 0, &bad), HV_ENOVM);
        UT_EQ_INT(bad, HV_PART_VM);
    }
    /* listening: wildcard by default, no "pick a free service" */
    UT_EQ_INT(parse(&a, HV_FAMILY_HYPERV, NULL, "5000", HV_ADDR_LISTEN, NULL), 0);
    UT_CHECK(hv_guid_is_zero(&a.vm_id));
    hv_addr_format(&a, buf, sizeof buf);
    UT_EQ_STR(buf, "hvsock:wildcard:5000");
    UT_EQ_INT(parse(&a, HV_FAMILY_HYPERV, "children", "0", HV_ADDR_LISTEN, &bad), HV_ERANGE);
}

UT_CASE(addr_tcp)
{
    struct hv_addr a;
    enum hv_addr_part bad;
    char buf[HV_ADDR_STRLEN];

    UT_EQ_INT(parse(&a, HV_FAMILY_TCP, "127.0.0.1", "4000", 0, NULL), 0);
    hv_addr_format(&a, buf, sizeof buf);
    UT_EQ_STR(buf, "tcp:127.0.0.1:4000");
    UT_EQ_INT(parse(&a, HV_FAMILY_TCP, "::1", "4000", 0, NULL), 0);
    hv_addr_format(&a, buf, sizeof buf);
    UT_EQ_STR(buf, "tcp:[::1]:4000");
    UT_EQ_INT(parse(&a, HV_FAMILY_TCP, "localhost", "65536", 0, &bad), HV_ERANGE);
    UT_EQ_INT(bad, HV_PART_SERVICE);
    UT_EQ_INT(parse(&a, HV_FAMILY_TCP, "localhost", "0", 0, &bad), HV_ERANGE);
    UT_EQ_INT(parse(&a, HV_FAMILY_TCP, "any", "1", 0, &bad), HV_EINVAL);
    UT_EQ_INT(bad, HV_PART_VM);
    UT_EQ_INT(parse(&a, HV_FAMILY_TCP, NULL, "0", HV_ADDR_LISTEN, NULL), 0);
    hv_addr_format(&a, buf, sizeof buf);
    UT_EQ_STR(buf, "tcp:any:0");
}

/* What hv_addr_format prints (the -v lines, HV_PEER_ADDR) is a one-word
 * address the tools take back: parsed again, it formats the
 * same, for connecting and for listening. */
UT_CASE(target_roundtrip)
{
    static const struct {
        const char *text;
        int flags;
    } t[] = {
        {"tcp:127.0.0.1:4000", 0},
        {"tcp:[::1]:4000", 0},
        {"tcp:any:0", HV_ADDR_LISTEN},
        {"tcp:any:5000", HV_ADDR_LISTEN},
        {"vsock:2:5000", 0},
        {"vsock:1:5000", HV_ADDR_LISTEN},
        {"vsock:any:5000", HV_ADDR_LISTEN},
        {"vsock:any:any", HV_ADDR_LISTEN},
        {"unix:/run/x.sock", 0},
        {"npipe:\\\\.\\pipe\\x", 0},
    };
    struct hv_addr a, b;
    char buf[HV_ADDR_STRLEN], again[HV_ADDR_STRLEN];
    size_t i;

    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        UT_CHECK(hv_target_is_word(t[i].text));
        UT_EQ_INT(hv_target_parse(&a, t[i].text, t[i].flags, NULL, 0), 0);
        hv_addr_format(&a, buf, sizeof buf);
        UT_EQ_STR(buf, t[i].text);
        UT_EQ_INT(hv_target_parse(&b, buf, t[i].flags, NULL, 0), 0);
        hv_addr_format(&b, again, sizeof again);
        UT_EQ_STR(again, buf);
    }
    /* a service GUID's form, and a port's, for Hyper-V sockets */
    UT_EQ_INT(hv_addr_parse(&a, HV_FAMILY_HYPERV, "loopback",
                            "0000138a-facb-11e6-bd58-64006a7986d3", 0, NULL,
                            NULL, 0),
              0);
    hv_addr_format(&a, buf, sizeof buf);
    UT_EQ_STR(buf, "hvsock:loopback:5002");
    UT_EQ_INT(hv_target_parse(&b, buf, 0, NULL, 0), 0);
    UT_CHECK(b.family == hv_native_family());
    UT_CHECK(!hv_target_is_word("5000"));
    UT_CHECK(!hv_target_is_word("parent"));
}

/* -e's environment: the peer's and the local address whole and in
 * parts, for each family's form of VM and service. */
UT_CASE(exec_env)
{
    struct hv_exec_env e;
    struct hv_addr peer, local;

    UT_EQ_INT(hv_target_parse(&peer, "tcp:127.0.0.1:4000", 0, NULL, 0), 0);
    UT_EQ_INT(hv_target_parse(&local, "vsock:any:5000", HV_ADDR_LISTEN, NULL,
                              0),
              0);
    hv_exec_env(&e, &peer, &local);
    UT_EQ_STR(e.env[0], "HV_PEER_ADDR=tcp:127.0.0.1:4000");
    UT_EQ_STR(e.env[1], "HV_PEER_VM=127.0.0.1");
    UT_EQ_STR(e.env[2], "HV_PEER_SERVICE=4000");
    UT_EQ_STR(e.env[3], "HV_LOCAL_ADDR=vsock:any:5000");
    UT_EQ_STR(e.env[4], "HV_LOCAL_VM=4294967295");
    UT_EQ_STR(e.env[5], "HV_LOCAL_SERVICE=5000");
    UT_CHECK(e.env[6] == NULL);

    UT_EQ_INT(hv_addr_parse(&peer, HV_FAMILY_HYPERV, "loopback",
                            "0000138a-facb-11e6-bd58-64006a7986d3", 0, NULL,
                            NULL, 0),
              0);
    UT_EQ_INT(hv_target_parse(&local, "unix:/run/x.sock", 0, NULL, 0), 0);
    hv_exec_env(&e, &peer, &local);
    UT_EQ_STR(e.env[1], "HV_PEER_VM=e0e16197-dd56-4a10-9195-5ee7a155a838");
    UT_EQ_STR(e.env[2],
              "HV_PEER_SERVICE=0000138a-facb-11e6-bd58-64006a7986d3");
    UT_EQ_STR(e.env[3], "HV_LOCAL_ADDR=unix:/run/x.sock");
    UT_EQ_STR(e.env[4], "HV_LOCAL_VM=");
    UT_EQ_STR(e.env[5], "HV_LOCAL_SERVICE=/run/x.sock");
}

UT_CASE(errors_table)
{
    static const struct {
        int err, code;
        const char *name;
    } want[] = {
        {0, 0, "OK"},
        {HV_EUSAGE, 64, "EUSAGE"},
        {HV_EINVAL, 65, "EINVAL"},
        {HV_EBADGUID, 65, "EBADGUID"},
        {HV_ENOVM, 68, "ENOVM"},
        {HV_ECONNREFUSED, 69, "ECONNREFUSED"},
        {HV_ENOHVSOCK, 69, "ENOHVSOCK"},
        {HV_EINTERNAL, 70, "EINTERNAL"},
        {HV_EOS, 71, "EOS"},
        {HV_ECONNRESET, 74, "ECONNRESET"},
        {HV_ETIMEDOUT, 75, "ETIMEDOUT"},
        {HV_EACCES, 77, "EACCES"},
    };
    size_t i;
    int e;
    for (i = 0; i < sizeof want / sizeof want[0]; i++) {
        UT_EQ_INT(hv_exitcode(want[i].err), want[i].code);
        UT_EQ_STR(hv_errname(want[i].err), want[i].name);
    }
    UT_EQ_STR(hv_strerror(HV_ECONNREFUSED), "connection refused");
    UT_EQ_STR(hv_strerror(HV_ENOHVSOCK),
              "Hyper-V sockets are not available on this system (no "
              "AF_HYPERV: turn on Hyper-V or the Virtual Machine Platform)");
    /* every code has a message, a name and a documented exit code */
    for (e = HV__EFIRST + 1; e < HV__ELAST; e++) {
        int c = hv_exitcode(e);
        UT_CHECK(c == 64 || c == 65 || c == 68 || c == 69 || c == 70 ||
                 c == 71 || c == 74 || c == 75 || c == 77 || c == 130);
        UT_CHECK(strcmp(hv_strerror(e), "unknown error") != 0);
        UT_CHECK(strcmp(hv_errname(e), "EUNKNOWN") != 0);
    }
    UT_EQ_STR(hv_strerror(HV__EFIRST), "unknown error");
    UT_EQ_INT(hv_exitcode(HV__ELAST), 70);
    UT_EQ_INT(hv_exitcode(-1), 70);
}

/* Scripts written for Windows name the parent and loopback by GUID: over
 * vsock those are the host (CID 2) and this VM (CID 1); another VM's GUID
 * has no vsock meaning. Parsing only: nothing connects. */
UT_CASE(vsock_wellknown_guids)
{
    struct hv_addr a;
    enum hv_addr_part bad;
    char hint[200];
    UT_EQ_INT(hv_addr_parse(&a, HV_FAMILY_VSOCK,
                            "a42e7cda-d03f-480c-9cc2-a4de20abb878", "5000", 0,
                            &bad, hint, sizeof hint), 0);
    UT_EQ_INT((int)a.cid, 2);
    UT_EQ_INT(hv_addr_parse(&a, HV_FAMILY_VSOCK,
                            "{E0E16197-DD56-4A10-9195-5EE7A155A838}", "5000", 0,
                            &bad, hint, sizeof hint), 0);
    UT_EQ_INT((int)a.cid, 1);
    UT_EQ_INT(hv_addr_parse(&a, HV_FAMILY_VSOCK,
                            "90db8b89-0d35-4f79-8ce9-49ea0ac8b7cd", "5000", 0,
                            &bad, hint, sizeof hint), HV_EINVAL);
    UT_EQ_INT((int)bad, (int)HV_PART_VM);
}

/* fill the ring with the bytes from *next on (as many as fit in one go) */
static size_t ring_fill(struct hv__ring *r, unsigned char *next)
{
    char *p;
    int nomem = 0;
    size_t i, n = hv__ring_space(r, &p, &nomem);
    UT_EQ_INT(nomem, 0);
    for (i = 0; i < n; i++)
        p[i] = (char)(*next)++;
    hv__ring_put(r, n);
    return n;
}

/* take n bytes, checking they are the bytes from *want on */
static void ring_drain(struct hv__ring *r, size_t n, unsigned char *want)
{
    while (n > 0) {
        char *p;
        size_t i, k = hv__ring_data(r, &p);
        if (k == 0) {
            UT_CHECK(k > 0);
            return;
        }
        if (k > n)
            k = n;
        for (i = 0; i < k; i++)
            UT_EQ_INT((unsigned char)p[i], (*want)++);
        hv__ring_take(r, k);
        n -= k;
    }
}

UT_CASE(ring_grow_keeps_order)
{
    struct hv__ring r;
    unsigned char next = 0, want = 0;
    int round;

    memset(&r, 0, sizeof r);
    r.max = 8 * HV__RING_FIRST;
    UT_EQ_INT(ring_fill(&r, &next), HV__RING_FIRST);
    /* grow while the data wraps: its order must survive each step */
    for (round = 0; round < 4; round++) {
        ring_drain(&r, r.count / 2 + 7, &want);
        ring_fill(&r, &next); /* up to the end */
        ring_fill(&r, &next); /* then from the front: wrapped */
        UT_EQ_INT(r.count, r.size);
        hv__ring_grow(&r);
        UT_EQ_INT(r.size, r.max < HV__RING_FIRST << (round + 1)
                              ? r.max : HV__RING_FIRST << (round + 1));
    }
    UT_EQ_INT(r.size, r.max);
    hv__ring_grow(&r); /* at max: stays */
    UT_EQ_INT(r.size, r.max);
    ring_drain(&r, r.count, &want);
    UT_EQ_INT(want, next);
    hv__ring_trim(&r);
    UT_CHECK(r.buf == NULL);
}

UT_CASE(ring_grow_max)
{
    struct hv__ring r;
    unsigned char next = 0, want = 0;

    memset(&r, 0, sizeof r);
    r.max = 5 * HV__RING_FIRST;
    hv__ring_grow_max(&r); /* unallocated: allocated at max */
    UT_EQ_INT(r.size, r.max);
    hv__ring_free(&r);
    r.max = 5 * HV__RING_FIRST;
    ring_fill(&r, &next);
    ring_drain(&r, 1000, &want);
    ring_fill(&r, &next); /* wrapped */
    UT_EQ_INT(r.count, HV__RING_FIRST);
    hv__ring_grow_max(&r);
    UT_EQ_INT(r.size, r.max);
    ring_fill(&r, &next);
    ring_drain(&r, r.count, &want);
    UT_EQ_INT(want, next);
    hv__ring_free(&r);
}

/* an allocated ring that holds nothing (its data all taken, start past
 * the front) grows to a fresh buffer: all of it offered from the front,
 * and the bytes after it still in order */
UT_CASE(ring_grow_empty)
{
    struct hv__ring r;
    unsigned char next = 0, want = 0;
    char *p;
    int nomem = 0;

    memset(&r, 0, sizeof r);
    r.max = 4 * HV__RING_FIRST;
    ring_fill(&r, &next);
    ring_drain(&r, 1000, &want);
    ring_drain(&r, r.count, &want);
    UT_EQ_INT(r.count, 0);
    hv__ring_grow(&r);
    UT_EQ_INT(r.size, 2 * HV__RING_FIRST);
    UT_EQ_INT(r.start, 0);
    UT_EQ_INT(hv__ring_space(&r, &p, &nomem), 2 * HV__RING_FIRST);
    UT_CHECK(p == r.buf);
    ring_fill(&r, &next);
    ring_drain(&r, r.count, &want);
    hv__ring_grow_max(&r);
    UT_EQ_INT(r.size, r.max);
    ring_fill(&r, &next);
    ring_drain(&r, r.count, &want);
    UT_EQ_INT(want, next);
    UT_EQ_INT(nomem, 0);
    hv__ring_free(&r);
}

/* --allow/--deny by user: POSIX rules are uids, Windows rules SIDs; each
 * refuses the other's form; a peer whose user is unknown is refused by a
 * --deny and let in by no --allow. */
UT_CASE(filter_user)
{
    struct hv_filter *f = NULL;
    struct hv_addr peer;
    char hint[128];
    int win = hv_native_family() == HV_FAMILY_HYPERV;
    enum hv_family fam = win ? HV_FAMILY_NPIPE : HV_FAMILY_UNIX;

    memset(&peer, 0, sizeof peer);
    peer.family = fam;
    if (!win) {
        UT_EQ_INT(hv_filter_add(&f, 0, fam, "sid:S-1-5-18", hint, sizeof hint),
                  HV_EINVAL);
        UT_EQ_STR(hint, "sid:SID is for Windows: POSIX users are names or uid:NUMBER");
        UT_EQ_INT(hv_filter_add(&f, 0, fam, "user:", hint, sizeof hint),
                  HV_EINVAL);
        UT_EQ_INT(hv_filter_add(&f, 0, fam, "user:root", hint, sizeof hint), 0);
        peer.port = 0; /* root */
        UT_EQ_INT(hv_filter_check(f, &peer), 0);
        peer.port = 4242;
        UT_EQ_INT(hv_filter_check(f, &peer), 1);
        peer.port = HV_UID_UNKNOWN;
        UT_EQ_INT(hv_filter_check(f, &peer), 0);
        hv_filter_free(f);
        f = NULL;
        UT_EQ_INT(hv_filter_add(&f, 1, fam, "uid:4242", hint, sizeof hint), 0);
        UT_EQ_INT(hv_filter_check(f, &peer), 0); /* still unknown */
        peer.port = 4242;
        UT_EQ_INT(hv_filter_check(f, &peer), 1);
        hv_filter_free(f);
        return;
    }
    UT_EQ_INT(hv_filter_add(&f, 0, fam, "uid:0", hint, sizeof hint), HV_EINVAL);
    UT_EQ_INT(hv_filter_add(&f, 0, fam, "sid:BA", hint, sizeof hint), HV_EINVAL);
    UT_EQ_INT(hv_filter_add(&f, 0, fam, "sid:S-1-x", hint, sizeof hint),
              HV_EINVAL);
    UT_EQ_INT(hv_filter_add(&f, 0, fam, "no-such-user-here", hint, sizeof hint),
              HV_ENOTFOUND);
    /* SYSTEM, written with a lower-case s: made canonical */
    UT_EQ_INT(hv_filter_add(&f, 0, fam, "sid:s-1-5-18", hint, sizeof hint), 0);
    strcpy(peer.host, "S-1-5-18");
    UT_EQ_INT(hv_filter_check(f, &peer), 0);
    strcpy(peer.host, "S-1-5-21-1-2-3-1000");
    UT_EQ_INT(hv_filter_check(f, &peer), 1);
    peer.host[0] = '\0';
    UT_EQ_INT(hv_filter_check(f, &peer), 0);
    hv_filter_free(f);
    f = NULL;
    UT_EQ_INT(hv_filter_add(&f, 1, HV_FAMILY_UNIX, "sid:S-1-5-21-1-2-3-1000",
                            hint, sizeof hint),
              0);
    peer.family = HV_FAMILY_UNIX;
    UT_EQ_INT(hv_filter_check(f, &peer), 0); /* unknown */
    strcpy(peer.host, "S-1-5-21-1-2-3-1000");
    UT_EQ_INT(hv_filter_check(f, &peer), 1);
    strcpy(peer.host, "S-1-5-21-1-2-3-1001");
    UT_EQ_INT(hv_filter_check(f, &peer), 0);
    hv_filter_free(f);
}

/* hv_sleep_ms: sleeps its time, and after hv_stop() returns at once
 * (HV_ESTOPPED) however long it was asked to sleep. */
UT_CASE(sleep_stop)
{
    uint64_t t0 = hv_now_ms();

    UT_EQ_INT(hv_sleep_ms(50), 0);
    UT_CHECK(hv_now_ms() - t0 >= 50);
    hv_stop();
    t0 = hv_now_ms();
    UT_EQ_INT(hv_sleep_ms(600000), HV_ESTOPPED);
    /* far below the ten minutes asked for, on any loaded machine */
    UT_CHECK(hv_now_ms() - t0 < 60000);
    hv_stop_defer(); /* the next case runs without the stop */
    UT_EQ_INT(hv_sleep_ms(1), 0);
}
