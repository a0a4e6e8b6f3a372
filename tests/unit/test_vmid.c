/* test_vmid.c: the portable parts of hvvmid: KVP pool records, HCS JSON
 * results (tests/hvvmid/hcs-*.json), WMI rows, merging and matching VM
 * lists, wslhost.exe command lines, JSON quoting, long names cut at
 * character boundaries and the pool file size limit. Runs natively and under
 * Wine. Buffers are malloc'd to their exact size so that ASan or valgrind
 * catch any read past them. */
#include <stdlib.h>
#include <string.h>

#include "hvsock.h"
#include "hvsock_int.h"
#include "ut.h"

#ifndef HV_VMID_DATA
#define HV_VMID_DATA "tests/hvvmid"
#endif

/* ------------------------------------------------------------ KVP */

struct pool {
    unsigned char *b;
    size_t len;
};

/* Append one record; vlen may be HV_KVP_VALUE_SIZE (no NUL at all). */
static void rec(struct pool *p, const char *key, const char *val, size_t vlen)
{
    unsigned char *nb = realloc(p->b, p->len + HV_KVP_RECORD_SIZE);
    UT_CHECK(nb != NULL);
    if (nb == NULL)
        return;
    p->b = nb;
    memset(p->b + p->len, 0, HV_KVP_RECORD_SIZE);
    memcpy(p->b + p->len, key, strlen(key));
    memcpy(p->b + p->len + HV_KVP_KEY_SIZE, val, vlen);
    p->len += HV_KVP_RECORD_SIZE;
}

/* An exact-size copy of the first len bytes. */
static unsigned char *exact(const unsigned char *b, size_t len)
{
    unsigned char *c = calloc(1, len ? len : 1); /* an empty copy too is set */
    if (c && len)
        memcpy(c, b, len);
    return c;
}

struct collect {
    char text[8192];
    size_t o;
    size_t longest;
};

static int collect_fn(const char *key, const char *value, void *ctx)
{
    struct collect *c = ctx;
    size_t vl = strlen(value);
    if (vl > c->longest)
        c->longest = vl;
    if (vl > 40) /* long values: their length, not their text */
        c->o += (size_t)snprintf(c->text + c->o, sizeof c->text - c->o,
                                 "%s=<%lu bytes>\n", key, (unsigned long)vl);
    else
        c->o += (size_t)snprintf(c->text + c->o, sizeof c->text - c->o,
                                 "%s=%s\n", key, value);
    return 0;
}

UT_CASE(kvp_records)
{
    struct pool p = {NULL, 0};
    struct collect c;
    struct hv_kvp_stats st;
    char hint[128];
    unsigned char *b;
    char longv[1500];

    memset(longv, 'x', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    rec(&p, "VirtualMachineId", "4B6D4E1F-2B8A-4C5D-9E3F-1A2B3C4D5E6F", 36);
    rec(&p, "", "", 0); /* an unused slot */
    rec(&p, "VirtualMachineName", "test vm", 7);
    rec(&p, "HostName", longv, strlen(longv));
    b = exact(p.b, p.len);
    memset(&c, 0, sizeof c);
    UT_EQ_INT(hv_kvp_parse(b, p.len, collect_fn, &c, &st, hint, sizeof hint), 0);
    UT_EQ_STR(c.text, "VirtualMachineId=4B6D4E1F-2B8A-4C5D-9E3F-1A2B3C4D5E6F\n"
                      "VirtualMachineName=test vm\n"
                      "HostName=<1499 bytes>\n");
    UT_EQ_INT(st.records, 4);
    UT_EQ_INT(st.trailing, 0);
    free(b);
    free(p.b);
}

UT_CASE(kvp_full_value)
{
    struct pool p = {NULL, 0};
    struct collect c;
    struct hv_kvp_stats st;
    char full[HV_KVP_VALUE_SIZE];
    unsigned char *b;
    static struct hv_vm_self s;

    memset(full, 'v', sizeof full);
    full[0] = 'A';
    full[sizeof full - 1] = 'Z';
    rec(&p, "VirtualMachineId", "4b6d4e1f-2b8a-4c5d-9e3f-1a2b3c4d5e6f", 36);
    rec(&p, "VirtualMachineName", full, sizeof full); /* last: no NUL after */
    b = exact(p.b, p.len);
    memset(&c, 0, sizeof c);
    UT_EQ_INT(hv_kvp_parse(b, p.len, collect_fn, &c, &st, NULL, 0), 0);
    UT_EQ_INT(c.longest, HV_KVP_VALUE_SIZE);
    UT_EQ_INT(st.records, 2);
    memset(&s, 0, sizeof s);
    UT_EQ_INT(hv_kvp_self(b, p.len, &s, NULL, 0), 0);
    UT_EQ_INT(strlen(s.name), HV_KVP_VALUE_SIZE);
    UT_CHECK(s.name[0] == 'A' && s.name[HV_KVP_VALUE_SIZE - 1] == 'Z');
    free(b);
    free(p.b);
}

UT_CASE(kvp_truncated)
{
    struct pool p = {NULL, 0};
    struct collect c;
    struct hv_kvp_stats st;
    unsigned char *b;
    size_t len;

    rec(&p, "HostName", "HOSTPC", 6);
    rec(&p, "VirtualMachineName", "cut", 3);
    len = p.len - 1000; /* the second record loses its last 1000 bytes */
    b = exact(p.b, len);
    memset(&c, 0, sizeof c);
    UT_EQ_INT(hv_kvp_parse(b, len, collect_fn, &c, &st, NULL, 0), 0);
    UT_EQ_STR(c.text, "HostName=HOSTPC\n");
    UT_EQ_INT(st.records, 1);
    UT_EQ_INT(st.trailing, HV_KVP_RECORD_SIZE - 1000);
    free(b);
    /* only a piece of a key */
    b = exact(p.b, 100);
    memset(&c, 0, sizeof c);
    UT_EQ_INT(hv_kvp_parse(b, 100, collect_fn, &c, &st, NULL, 0), 0);
    UT_EQ_INT(st.records, 0);
    UT_EQ_INT(st.trailing, 100);
    UT_EQ_INT(c.o, 0);
    free(b);
    free(p.b);
}

UT_CASE(kvp_empty)
{
    struct collect c;
    struct hv_kvp_stats st;
    static struct hv_vm_self s;
    unsigned char *b = exact(NULL, 0);

    memset(&c, 0, sizeof c);
    UT_EQ_INT(hv_kvp_parse(b, 0, collect_fn, &c, &st, NULL, 0), 0);
    UT_EQ_INT(st.records, 0);
    UT_EQ_INT(c.o, 0);
    memset(&s, 0, sizeof s);
    UT_EQ_INT(hv_kvp_self(b, 0, &s, NULL, 0), 0);
    UT_EQ_INT(s.have_id, 0);
    free(b);
}

UT_CASE(kvp_garbage)
{
    unsigned char *b;
    char hint[128] = "";
    size_t i, len = 3 * HV_KVP_RECORD_SIZE + 77;
    unsigned long x = 12345;
    struct collect c;

    b = malloc(len);
    UT_CHECK(b != NULL);
    if (b == NULL)
        return;
    for (i = 0; i < len; i++) { /* a fixed pseudo-random stream */
        x = x * 1103515245ul + 12345ul;
        b[i] = (unsigned char)(((x >> 16) & 0xFF) | 1); /* no NUL anywhere */
    }
    memset(&c, 0, sizeof c);
    UT_EQ_INT(hv_kvp_parse(b, len, collect_fn, &c, NULL, hint, sizeof hint),
              HV_EBADDATA);
    UT_CHECK(strncmp(hint, "record 1: ", 10) == 0);
    UT_EQ_INT(c.o, 0);
    /* printable junk without a NUL in the key */
    memset(b, 'k', len);
    UT_EQ_INT(hv_kvp_parse(b, len, collect_fn, &c, NULL, hint, sizeof hint),
              HV_EBADDATA);
    UT_EQ_STR(hint, "record 1: the key has no NUL in its 512 bytes");
    free(b);
}

UT_CASE(kvp_self)
{
    struct pool p = {NULL, 0};
    static struct hv_vm_self s;
    char g[HV_GUID_BUFSIZE], hint[128];

    rec(&p, "Other", "x", 1);
    rec(&p, "VirtualMachineId", "{4B6D4E1F-2B8A-4C5D-9E3F-1A2B3C4D5E6F}", 38);
    rec(&p, "VirtualMachineName", "vm1", 3);
    rec(&p, "HostName", "HOST", 4);
    rec(&p, "PhysicalHostName", "PHYS", 4);
    rec(&p, "PhysicalHostNameFullyQualified", "phys.example.org", 16);
    memset(&s, 0, sizeof s);
    UT_EQ_INT(hv_kvp_self(p.b, p.len, &s, hint, sizeof hint), 0);
    UT_EQ_INT(s.have_id, 1);
    hv_guid_format(&s.id, g);
    UT_EQ_STR(g, "4b6d4e1f-2b8a-4c5d-9e3f-1a2b3c4d5e6f");
    UT_EQ_STR(s.name, "vm1");
    UT_EQ_STR(s.host, "HOST");
    UT_EQ_STR(s.physical_host, "PHYS");
    UT_EQ_STR(s.physical_host_fqdn, "phys.example.org");
    free(p.b);
    /* an id that is not a GUID is malformed data, not "nothing found" */
    p.b = NULL;
    p.len = 0;
    rec(&p, "VirtualMachineId", "not-a-guid", 10);
    memset(&s, 0, sizeof s);
    UT_EQ_INT(hv_kvp_self(p.b, p.len, &s, hint, sizeof hint), HV_EBADDATA);
    UT_EQ_STR(hint, "VirtualMachineId is not a GUID");
    free(p.b);
}

UT_CASE(kvp_file)
{
    struct pool p = {NULL, 0};
    static struct hv_vm_self s;
    char note[512], g[HV_GUID_BUFSIZE];
    const char *path = "test_vmid_pool.tmp";
    FILE *f;

    rec(&p, "VirtualMachineId", "0f1e2d3c-4b5a-4968-8776-655443322110", 36);
    rec(&p, "VirtualMachineName", "from file", 9);
    f = fopen(path, "wb");
    UT_CHECK(f != NULL);
    if (f == NULL)
        return;
    fwrite(p.b, 1, p.len - 10, f); /* a truncated last record too */
    fclose(f);
    UT_EQ_INT(hv_vm_self(&s, path, note, sizeof note), 0);
    hv_guid_format(&s.id, g);
    UT_EQ_STR(g, "0f1e2d3c-4b5a-4968-8776-655443322110");
    UT_EQ_STR(s.name, "");
    UT_EQ_STR(s.source, "kvp-pool");
    UT_EQ_STR(s.location, path);
    remove(path);
    UT_EQ_INT(hv_vm_self(&s, path, note, sizeof note), HV_ENOVM);
    UT_CHECK(strstr(note, path) != NULL);
    free(p.b);
}

/* ------------------------------------------------------------ HCS JSON */

static char *slurp(const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    char *b;
    long n;

    snprintf(path, sizeof path, "%s/%s", HV_VMID_DATA, name);
    f = fopen(path, "rb");
    if (f == NULL) {
        ut_fail(__FILE__, __LINE__, "cannot open %s", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(b);
        return NULL;
    }
    fclose(f);
    b[n] = '\0';
    *len = (size_t)n;
    return b;
}

static int parse_file(const char *name, struct hv_vms *vms, char *hint,
                      size_t hl)
{
    size_t len = 0;
    char *j = slurp(name, &len);
    int r;
    if (j == NULL)
        return -99999;
    r = hv_hcs_parse(j, len, vms, hint, hl);
    free(j);
    return r;
}

static const char *gs(const struct hv_guid *g)
{
    static char b[HV_GUID_BUFSIZE];
    hv_guid_format(g, b);
    return b;
}

UT_CASE(hcs_hyperv)
{
    struct hv_vms vms = HV_VMS_INIT;
    char hint[128];
    UT_EQ_INT(parse_file("hcs-hyperv.json", &vms, hint, sizeof hint), 1);
    UT_EQ_INT(vms.n, 1);
    if (vms.n == 1) {
        UT_EQ_STR(gs(&vms.v[0].id), "5e9f3b12-7c4d-4a8b-9f01-23456789abcd");
        UT_EQ_STR(vms.v[0].owner, "VMMS");
        UT_EQ_STR(vms.v[0].type, "VirtualMachine");
        UT_EQ_STR(vms.v[0].state, "Running");
        UT_EQ_STR(vms.v[0].system_id, ""); /* Id is the same GUID */
        UT_EQ_INT(vms.v[0].sources, HV_VMSRC_HCS);
    }
    hv_vms_free(&vms);
}

UT_CASE(hcs_wsl)
{
    struct hv_vms vms = HV_VMS_INIT;
    char hint[128];
    UT_EQ_INT(parse_file("hcs-wsl.json", &vms, hint, sizeof hint), 1);
    UT_EQ_INT(vms.n, 1);
    if (vms.n == 1) {
        /* the socket id is RuntimeId, not Id */
        UT_EQ_STR(gs(&vms.v[0].id), "0f1e2d3c-4b5a-4968-8776-655443322110");
        UT_EQ_STR(vms.v[0].system_id, "A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF");
        UT_EQ_STR(vms.v[0].owner, "WSL");
        UT_EQ_STR(vms.v[0].name, "WSL");
    }
    hv_vms_free(&vms);
}

UT_CASE(hcs_sandbox_mixed)
{
    struct hv_vms vms = HV_VMS_INIT;
    char hint[128];
    UT_EQ_INT(parse_file("hcs-sandbox.json", &vms, hint, sizeof hint), 3);
    UT_EQ_INT(vms.n, 3);
    if (vms.n == 3) {
        UT_EQ_STR(gs(&vms.v[0].id), "1c7e9a2b-3d4f-4e5a-8b6c-7d8e9f0a1b2c");
        UT_EQ_STR(vms.v[0].name, "Madrid");
        UT_EQ_STR(vms.v[0].owner, "CmService");
        /* the container without a GUID id is skipped */
        UT_EQ_STR(gs(&vms.v[1].id), "0f1e2d3c-4b5a-4968-8776-655443322110");
        UT_EQ_STR(vms.v[1].system_id,
                  "WSL-0F1E2D3C-4B5A-4968-8776-655443322110");
        UT_EQ_STR(vms.v[1].name, "wsl \xc3\xbc");
        /* no RuntimeId: the GUID Id; State null gives "" */
        UT_EQ_STR(gs(&vms.v[2].id), "22222222-3333-4444-5555-666666666666");
        UT_EQ_STR(vms.v[2].type, "Container");
        UT_EQ_STR(vms.v[2].state, "");
    }
    hv_vms_free(&vms);
}

UT_CASE(hcs_escapes)
{
    static const char j[] =
        "[{\"RuntimeId\":\"22222222-3333-4444-5555-666666666666\","
        "\"Name\":\"q\\\"b\\\\s\\/n\\n\\u00e9\\ud83d\\ude00\\ud800x\\u0000\"}]";
    struct hv_vms vms = HV_VMS_INIT;
    UT_EQ_INT(hv_hcs_parse(j, strlen(j), &vms, NULL, 0), 1);
    if (vms.n == 1)
        UT_EQ_STR(vms.v[0].name, "q\"b\\s/n\n\xc3\xa9\xf0\x9f\x98\x80"
                                 "\xef\xbf\xbdx\xef\xbf\xbd");
    hv_vms_free(&vms);
}

UT_CASE(hcs_empty)
{
    struct hv_vms vms = HV_VMS_INIT;
    char hint[128];
    UT_EQ_INT(parse_file("hcs-empty.json", &vms, hint, sizeof hint), 0);
    UT_EQ_INT(vms.n, 0);
    hv_vms_free(&vms);
}

UT_CASE(hcs_malformed)
{
    struct hv_vms vms = HV_VMS_INIT;
    char hint[128] = "";
    static const char *bad[] = {
        "", "   ", "{}", "[] []", "[1]", "[{]", "[{\"Id\" \"x\"}]", "nul",
        "[\"a\"]", "[{},]", "[,{}]", "[{} {}]", "[{\"a\":1,}]",
        "[{\"a\":1 \"b\":2}]", "[{\"a\"::1}]", "[{\"a\",1}]",
        "[{\"a\":[1,,2]}]", "[{}]x",
        /* primitives and strings in full */
        "[{\"a\":1x}]", "[{\"a\":-}]", "[{\"a\":01}]", "[{\"a\":1.}]",
        "[{\"a\":.5}]", "[{\"a\":1e}]", "[{\"a\":1e+}]", "[{\"a\":--1}]",
        "[{\"a\":+1}]", "[{\"a\":truex}]", "[{\"a\":\"x\ty\"}]",
        "[{\"a\":\"x\ny\"}]", "[{\"a\":\"\\x\"}]", "[{\"a\":\"\\u12G4\"}]",
        "[{\"a\":\"\\u12\"}]"};
    size_t i;
    UT_EQ_INT(parse_file("hcs-malformed.json", &vms, hint, sizeof hint),
              HV_EBADDATA);
    UT_CHECK(strstr(hint, "not JSON") != NULL);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hint[0] = '\0';
        if (hv_hcs_parse(bad[i], strlen(bad[i]), &vms, hint, sizeof hint) !=
            HV_EBADDATA)
            ut_fail(__FILE__, __LINE__, "accepted: '%s'", bad[i]);
        UT_CHECK(hint[0] != '\0');
    }
    UT_EQ_INT(vms.n, 0);
    hv_vms_free(&vms);
}

/* A result with a bad element adds none of the good ones before it, and
 * leaves what the list held. */
UT_CASE(hcs_malformed_whole)
{
    struct hv_vms vms = HV_VMS_INIT;
    struct hv_vm keep;
    char hint[128] = "";
    const char *j =
        "[{\"Id\":\"11111111-2222-4333-8444-555555555555\",\"Name\":\"a\"},"
        " {\"Id\":\"66666666-2222-4333-8444-555555555555\",\"Name\":\"b\"}, 5]";

    memset(&keep, 0, sizeof keep);
    UT_EQ_INT(hv_guid_parse("77777777-2222-4333-8444-555555555555", &keep.id),
              0);
    UT_EQ_INT(hv_vms_add(&vms, &keep), 0);
    UT_EQ_INT(hv_hcs_parse(j, strlen(j), &vms, hint, sizeof hint),
              HV_EBADDATA);
    UT_CHECK(strstr(hint, "element 3") != NULL);
    UT_EQ_INT(vms.n, 1);
    UT_CHECK(hv_guid_equal(&vms.v[0].id, &keep.id));
    /* the same two without the bad third: both */
    j = "[{\"Id\":\"11111111-2222-4333-8444-555555555555\",\"Name\":\"a\"},"
        " {\"Id\":\"66666666-2222-4333-8444-555555555555\",\"Name\":\"b\"}]";
    UT_EQ_INT(hv_hcs_parse(j, strlen(j), &vms, hint, sizeof hint), 2);
    UT_EQ_INT(vms.n, 3);
    hv_vms_free(&vms);
}

/* Numbers and escapes JSON allows stay allowed. */
UT_CASE(hcs_valid_primitives)
{
    struct hv_vms vms = HV_VMS_INIT;
    char hint[128] = "";
    static const char *good[] = {
        "[{\"a\":0}]", "[{\"a\":-0.5e+10}]", "[{\"a\":12.25E-3}]",
        "[{\"a\":[true,false,null,-1]}]",
        "[{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"}]"};
    size_t i;
    for (i = 0; i < sizeof good / sizeof good[0]; i++)
        if (hv_hcs_parse(good[i], strlen(good[i]), &vms, hint, sizeof hint) != 0)
            ut_fail(__FILE__, __LINE__, "refused: '%s' (%s)", good[i], hint);
    hv_vms_free(&vms);
}

/* 200,000 nested brackets are refused at once, not after the tokenizer's
 * quadratic walk (tests/hvvmid.cmake gives this case a short TIMEOUT). */
UT_CASE(hcs_deep_nesting)
{
    struct hv_vms vms = HV_VMS_INIT;
    size_t n = 200000, i;
    char *j = malloc(2 * n + 1), hint[128] = "";
    UT_CHECK(j != NULL);
    if (j == NULL)
        return;
    for (i = 0; i < n; i++) {
        j[i] = '[';
        j[n + i] = ']';
    }
    UT_EQ_INT(hv_hcs_parse(j, 2 * n, &vms, hint, sizeof hint), HV_EBADDATA);
    UT_CHECK(strstr(hint, "deep") != NULL);
    /* depth 64 is read (an array of arrays is no object: refused as such) */
    memset(j, '[', 64);
    memset(j + 64, ']', 64);
    UT_EQ_INT(hv_hcs_parse(j, 128, &vms, hint, sizeof hint), HV_EBADDATA);
    UT_CHECK(strstr(hint, "deep") == NULL);
    free(j);
    hv_vms_free(&vms);
}

/* 40,000 VMs, each reported by WMI and by HCS, merge in linear time
 * (tests/hvvmid.cmake gives this case a short TIMEOUT; the old list walk
 * took seconds). */
UT_CASE(merge_linear)
{
    struct hv_vms vms = HV_VMS_INIT;
    struct hv_vm *e = calloc(1, sizeof *e);
    uint32_t i, n = 40000;
    int pass;
    UT_CHECK(e != NULL);
    if (e == NULL)
        return;
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < n; i++) {
            e->id.data1 = i * 2654435761u;
            e->id.data2 = (uint16_t)i;
            e->sources = pass ? HV_VMSRC_HCS : HV_VMSRC_WMI;
            snprintf(e->owner, sizeof e->owner, "%s", pass ? "VMMS" : "");
            if (hv_vms_add(&vms, e) != 0) {
                UT_CHECK(0);
                break;
            }
        }
    }
    UT_EQ_INT(vms.n, n);
    UT_EQ_INT(vms.v[n - 1].sources, HV_VMSRC_WMI | HV_VMSRC_HCS);
    UT_EQ_STR(vms.v[123].owner, "VMMS");
    free(e);
    hv_vms_free(&vms);
}

UT_CASE(hcs_truncated)
{
    struct hv_vms vms = HV_VMS_INIT;
    char hint[128] = "", *j;
    size_t len = 0, cut;
    UT_EQ_INT(parse_file("hcs-truncated.json", &vms, hint, sizeof hint),
              HV_EBADDATA);
    UT_CHECK(strstr(hint, "truncated") != NULL);
    /* every prefix of a good text: rejected, never a crash */
    j = slurp("hcs-wsl.json", &len);
    if (j != NULL) {
        while (len > 0 && (j[len - 1] == '\n' || j[len - 1] == ' '))
            len--;
        for (cut = 0; cut < len; cut++) {
            char *c = (char *)exact((const unsigned char *)j, cut);
            if (c == NULL)
                break;
            if (hv_hcs_parse(c, cut, &vms, NULL, 0) != HV_EBADDATA)
                ut_fail(__FILE__, __LINE__, "prefix of %lu bytes accepted",
                        (unsigned long)cut);
            free(c);
        }
        UT_EQ_INT(hv_hcs_parse(j, len, &vms, NULL, 0), 1);
        free(j);
    }
    hv_vms_free(&vms);
}

/* ------------------------------------------------------------ WMI, lists */

UT_CASE(wmi_rows)
{
    struct hv_vms vms = HV_VMS_INIT;
    char buf[32];
    /* the host's own row */
    UT_EQ_INT(hv_wmi_add_row(&vms, "HOSTPC", "HOSTPC", 2), 0);
    UT_EQ_INT(hv_wmi_add_row(&vms, NULL, "x", 2), 0);
    UT_EQ_INT(hv_wmi_add_row(&vms, "5E9F3B12-7C4D-4A8B-9F01-23456789ABCD",
                             "web server", 2), 1);
    UT_EQ_INT(hv_wmi_add_row(&vms, "{11111111-2222-3333-4444-555555555555}",
                             "Saved one", 6), 1);
    UT_EQ_INT(vms.n, 2);
    if (vms.n == 2) {
        UT_EQ_STR(vms.v[0].name, "web server");
        UT_EQ_STR(vms.v[0].state, "Running");
        UT_EQ_STR(vms.v[1].state, "Saved");
        UT_EQ_STR(gs(&vms.v[1].id), "11111111-2222-3333-4444-555555555555");
        UT_EQ_INT(vms.v[1].sources, HV_VMSRC_WMI);
    }
    UT_EQ_STR(hv_wmi_state_name(3, buf, sizeof buf), "Off");
    UT_EQ_STR(hv_wmi_state_name(32769, buf, sizeof buf), "Saved");
    UT_EQ_STR(hv_wmi_state_name(12345, buf, sizeof buf), "Unknown(12345)");
    hv_vms_free(&vms);
}

UT_CASE(merge_wmi_hcs)
{
    struct hv_vms vms = HV_VMS_INIT;
    char hint[128];
    /* HCS first, then WMI: the display name and state come from WMI */
    UT_EQ_INT(parse_file("hcs-hyperv.json", &vms, hint, sizeof hint), 1);
    UT_EQ_INT(hv_wmi_add_row(&vms, "5e9f3b12-7c4d-4a8b-9f01-23456789abcd",
                             "web server", 32776), 1);
    UT_EQ_INT(parse_file("hcs-wsl.json", &vms, hint, sizeof hint), 1);
    UT_EQ_INT(vms.n, 2);
    if (vms.n == 2) {
        UT_EQ_STR(vms.v[0].name, "web server");
        UT_EQ_STR(vms.v[0].state, "Pausing");
        UT_EQ_STR(vms.v[0].owner, "VMMS");
        UT_EQ_INT(vms.v[0].sources, HV_VMSRC_WMI | HV_VMSRC_HCS);
        UT_EQ_INT(vms.v[1].sources, HV_VMSRC_HCS);
    }
    hv_vms_free(&vms);
}

UT_CASE(match_names)
{
    struct hv_vms vms = HV_VMS_INIT;
    struct hv_guid id;
    char hint[256];
    hv_wmi_add_row(&vms, "5e9f3b12-7c4d-4a8b-9f01-23456789abcd", "Web", 2);
    hv_wmi_add_row(&vms, "11111111-2222-3333-4444-555555555555", "db", 3);
    hv_wmi_add_row(&vms, "66666666-2222-3333-4444-555555555555", "DB", 2);
    UT_EQ_INT(hv_vms_match(&vms, "web", &id, hint, sizeof hint), 0);
    UT_EQ_STR(gs(&id), "5e9f3b12-7c4d-4a8b-9f01-23456789abcd");
    UT_EQ_INT(hv_vms_match(&vms, "nope", &id, hint, sizeof hint), HV_ENOVM);
    UT_EQ_INT(hv_exitcode(HV_ENOVM), 68);
    /* "" names nothing, though every WMI row has an empty system id */
    hv_wmi_add_row(&vms, "77777777-2222-3333-4444-555555555555", "", 2);
    UT_EQ_INT(hv_vms_match(&vms, "", &id, hint, sizeof hint), HV_ENOVM);
    UT_EQ_INT(hv_vms_match(&vms, "db", &id, hint, sizeof hint),
              HV_EAMBIGUOUS);
    UT_EQ_STR(hint, "matches: 11111111-2222-3333-4444-555555555555 (db), "
                    "66666666-2222-3333-4444-555555555555 (DB)");
    UT_EQ_INT(parse_file("hcs-wsl.json", &vms, hint, sizeof hint), 1);
    /* an HCS Id names its system too */
    UT_EQ_INT(hv_vms_match(&vms, "a1b2c3d4-e5f6-4711-8899-aabbccddeeff", &id,
                           hint, sizeof hint), 0);
    UT_EQ_STR(gs(&id), "0f1e2d3c-4b5a-4968-8776-655443322110");
    hv_vms_free(&vms);
}

UT_CASE(source_errors)
{
    /* HRESULTs of WMI and HCS */
    UT_EQ_INT(hv_vm_source_error(0x80070005ul), HV_EACCES);
    UT_EQ_INT(hv_vm_source_error(0x80041003ul), HV_EACCES);
    UT_EQ_INT(hv_vm_source_error(0x8004100Eul), HV_ENOTSUP);
    UT_EQ_INT(hv_vm_source_error(0x800705B4ul), HV_ETIMEDOUT);
    UT_EQ_INT(hv_vm_source_error(0x80004005ul), HV_ENOTSUP);
    UT_EQ_INT(hv_exitcode(HV_EACCES), 77);
    UT_EQ_INT(hv_exitcode(HV_ENOTSUP), 69);
    /* one source answering is enough; a refusal beats a missing source */
    UT_EQ_INT(hv_vm_sources_result(0, HV_EACCES), 0);
    UT_EQ_INT(hv_vm_sources_result(HV_ENOTSUP, 0), 0);
    UT_EQ_INT(hv_vm_sources_result(HV_EACCES, HV_ENOTSUP), HV_EACCES);
    UT_EQ_INT(hv_vm_sources_result(HV_ENOTSUP, HV_EACCES), HV_EACCES);
    UT_EQ_INT(hv_vm_sources_result(HV_ENOTSUP, HV_ETIMEDOUT), HV_ETIMEDOUT);
    UT_EQ_INT(hv_vm_sources_result(HV_ENOTSUP, HV_ENOTSUP), HV_ENOTSUP);
    UT_EQ_INT(hv_vm_sources_result(0, HV_ENOMEM), HV_ENOMEM);
}

UT_CASE(wsl_cmdline)
{
    struct hv_guid g;
    UT_EQ_INT(hv_wsl_cmdline_vmid("\"C:\\Program Files\\WSL\\wslhost.exe\" "
                                  "--vm-id {0F1E2D3C-4B5A-4968-8776-"
                                  "655443322110} --handle 1234", &g), 1);
    UT_EQ_STR(gs(&g), "0f1e2d3c-4b5a-4968-8776-655443322110");
    UT_EQ_INT(hv_wsl_cmdline_vmid("wslhost.exe --vm-id=11111111-2222-3333-"
                                  "4444-555555555555", &g), 1);
    UT_EQ_STR(gs(&g), "11111111-2222-3333-4444-555555555555");
    UT_EQ_INT(hv_wsl_cmdline_vmid("wslhost.exe \"--vm-id\" \"{11111111-2222-"
                                  "3333-4444-555555555556}\"", &g), 1);
    UT_EQ_STR(gs(&g), "11111111-2222-3333-4444-555555555556");
    UT_EQ_INT(hv_wsl_cmdline_vmid("wslhost.exe --handle 5", &g), 0);
    UT_EQ_INT(hv_wsl_cmdline_vmid("x--vm-id 11111111-2222-3333-4444-"
                                  "555555555555", &g), 0);
    UT_EQ_INT(hv_wsl_cmdline_vmid("--vm-idx 11111111-2222-3333-4444-"
                                  "555555555555", &g), 0);
    UT_EQ_INT(hv_wsl_cmdline_vmid("--vm-id 11111111-2222-3333-4444-"
                                  "555555555555x", &g), 0);
    UT_EQ_INT(hv_wsl_cmdline_vmid("--vm-id", &g), 0);
    UT_EQ_INT(hv_wsl_cmdline_vmid("", &g), 0);
    UT_EQ_INT(hv_wsl_cmdline_vmid(NULL, &g), 0);
}

/* ------------------------------------------------------------ long names */

/* 1 when s is well-formed UTF-8 (no character cut in half). */
static int utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1
                : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0)
            return 0;
        for (p++; n > 0; n--, p++)
            if ((*p & 0xC0) != 0x80)
                return 0;
    }
    return 1;
}

/* count copies of piece one after another into a malloc'd string */
static char *repeat(const char *head, const char *piece, size_t count,
                    const char *tail)
{
    size_t hl = strlen(head), pl = strlen(piece), tl = strlen(tail), i;
    char *s = malloc(hl + pl * count + tl + 1), *o;
    if (s == NULL)
        return NULL;
    memcpy(s, head, hl);
    for (i = 0, o = s + hl; i < count; i++, o += pl)
        memcpy(o, piece, pl);
    memcpy(o, tail, tl + 1);
    return s;
}

#define CJK "\xe4\xb8\xad"         /* U+4E2D, 3 bytes */
#define EMOJI "\xf0\x9f\x98\x80"   /* U+1F600, 4 bytes */
#define HCS_HEAD "[{\"RuntimeId\":\"22222222-3333-4444-5555-666666666666\"," \
                 "\"Name\":\""

/* The Name of a one-system HCS result made of head, count pieces and tail;
 * "" (and a failure) when it does not parse. */
static char *hcs_name(const char *head, const char *piece, size_t count,
                      const char *tail)
{
    char *j = repeat(head, piece, count, tail), *name = NULL;
    struct hv_vms vms = HV_VMS_INIT;
    if (j == NULL)
        return NULL;
    UT_EQ_INT(hv_hcs_parse(j, strlen(j), &vms, NULL, 0), 1);
    if (vms.n == 1 && (name = malloc(strlen(vms.v[0].name) + 1)) != NULL)
        strcpy(name, vms.v[0].name);
    hv_vms_free(&vms);
    free(j);
    return name;
}

UT_CASE(utf8_cut)
{
    static const char s[] = "a" CJK EMOJI "b";
    char b[8];
    UT_EQ_INT(hv_utf8_cut(s, 9, 100), 9);
    UT_EQ_INT(hv_utf8_cut(s, 9, 9), 9);
    UT_EQ_INT(hv_utf8_cut(s, 9, 8), 8);  /* before "b" */
    UT_EQ_INT(hv_utf8_cut(s, 9, 7), 4);  /* the emoji's 4 bytes go whole */
    UT_EQ_INT(hv_utf8_cut(s, 9, 5), 4);
    UT_EQ_INT(hv_utf8_cut(s, 9, 4), 4);
    UT_EQ_INT(hv_utf8_cut(s, 9, 3), 1);
    UT_EQ_INT(hv_utf8_cut(s, 9, 1), 1);
    UT_EQ_INT(hv_utf8_cut(s, 9, 0), 0);
    /* not UTF-8 (a run of continuation bytes): cut where asked */
    UT_EQ_INT(hv_utf8_cut("\x80\x80\x80\x80\x80\x80", 6, 5), 5);
    UT_EQ_INT(hv_utf8_copy(b, sizeof b, s), 9);
    UT_EQ_STR(b, "a" CJK);
    UT_EQ_INT(hv_utf8_copy(b, 2, CJK), 3);
    UT_EQ_STR(b, "");
    UT_EQ_INT(hv_utf8_copy(b, sizeof b, "short"), 5);
    UT_EQ_STR(b, "short");
}

UT_CASE(hcs_long_names)
{
    char *want, *got;
    size_t n;

    /* the longest Hyper-V name, 100 CJK characters (300 bytes), raw UTF-8
     * as WideCharToMultiByte gives it and as \u escapes */
    want = repeat("", CJK, 100, "");
    got = hcs_name(HCS_HEAD, CJK, 100, "\"}]");
    UT_CHECK(want && got);
    if (want && got)
        UT_EQ_STR(got, want);
    free(got);
    got = hcs_name(HCS_HEAD, "\\u4e2d", 100, "\"}]");
    UT_CHECK(got != NULL);
    if (want && got)
        UT_EQ_STR(got, want);
    free(got);
    free(want);

    /* over-long, raw: cut at a character boundary, a prefix, not empty */
    want = repeat("a", EMOJI, 300, "");
    got = hcs_name(HCS_HEAD "a", EMOJI, 300, "\"}]");
    UT_CHECK(want && got);
    if (want && got) {
        n = strlen(got);
        UT_EQ_INT(n, 1 + 4 * 255); /* the most that fits in 1023 bytes */
        UT_CHECK(utf8_ok(got));
        UT_CHECK(memcmp(got, want, n) == 0);
    }
    free(got);
    free(want);

    /* over-long, escaped: the first character that does not fit ends the
     * name (a shorter one after it must not be slipped in) */
    want = repeat("a", CJK, 340, "");
    got = hcs_name(HCS_HEAD "a", "\\u4e2d", 341, "b\"}]");
    UT_CHECK(want && got);
    if (want && got) {
        UT_EQ_INT(strlen(got), 1021);
        UT_EQ_STR(got, want);
    }
    free(got);
    free(want);

    /* escapes, then a raw run that is cut */
    want = repeat("\xc3\xa9", CJK, 340, "");
    got = hcs_name(HCS_HEAD "\\u00e9", CJK, 400, "\"}]");
    UT_CHECK(want && got);
    if (want && got) {
        UT_CHECK(utf8_ok(got));
        UT_EQ_STR(got, want);
    }
    free(got);
    free(want);
}

UT_CASE(wmi_long_name)
{
    struct hv_vms vms = HV_VMS_INIT;
    char *name = repeat("", CJK, 500, ""); /* 1500 bytes */
    UT_CHECK(name != NULL);
    if (name == NULL)
        return;
    UT_EQ_INT(hv_wmi_add_row(&vms, "5e9f3b12-7c4d-4a8b-9f01-23456789abcd",
                             name, 2), 1);
    if (vms.n == 1) {
        UT_EQ_INT(strlen(vms.v[0].name), 1023);
        UT_CHECK(utf8_ok(vms.v[0].name));
        UT_CHECK(memcmp(vms.v[0].name, name, 1023) == 0);
    }
    hv_vms_free(&vms);
    free(name);
}

UT_CASE(match_hint_long)
{
    struct hv_vms vms = HV_VMS_INIT;
    struct hv_guid id;
    char hint[256], guid[40], *p, *name;
    unsigned long more = 0;
    size_t shown = 0;
    int i;

    for (i = 0; i < 30; i++) {
        snprintf(guid, sizeof guid, "%08x-2222-3333-4444-555555555555",
                 (unsigned)i + 1);
        hv_wmi_add_row(&vms, guid, "same", 2);
    }
    UT_EQ_INT(hv_vms_match(&vms, "same", &id, hint, sizeof hint),
              HV_EAMBIGUOUS);
    /* whole entries, then how many were left out: all 30 accounted for */
    for (p = hint; (p = strstr(p, "-2222-")) != NULL; p++)
        shown++;
    p = strstr(hint, ", and ");
    UT_CHECK(p != NULL);
    if (p)
        UT_EQ_INT(sscanf(p, ", and %lu more", &more), 1);
    UT_EQ_INT(shown + more, 30);
    UT_CHECK(shown >= 3);
    UT_CHECK(strstr(hint, "(same)") != NULL);
    hv_vms_free(&vms);

    /* one long name that cannot fit: its start, cut at a character */
    name = repeat("", CJK, 300, "");
    UT_CHECK(name != NULL);
    if (name == NULL)
        return;
    hv_wmi_add_row(&vms, "11111111-2222-3333-4444-555555555555", name, 2);
    hv_wmi_add_row(&vms, "66666666-2222-3333-4444-555555555555", name, 2);
    UT_EQ_INT(hv_vms_match(&vms, name, &id, hint, 128), HV_EAMBIGUOUS);
    UT_CHECK(utf8_ok(hint));
    UT_CHECK(strncmp(hint, "matches: 11111111-2222-3333-4444-555555555555 ("
                     CJK, 50) == 0);
    UT_CHECK(strstr(hint, "...), and 1 more") != NULL);
    UT_CHECK(strlen(hint) < 128);
    hv_vms_free(&vms);
    free(name);
}

/* A pool file of records records (the first a VirtualMachineId) and extra
 * bytes, read through hv_kvp_self_stream with a limit of max bytes. */
static int stream_limit(size_t records, size_t extra, size_t max, char *hint,
                        size_t hintlen)
{
    struct pool p = {NULL, 0};
    static struct hv_vm_self s;
    const char *path = "test_vmid_limit.tmp";
    FILE *f;
    size_t i;
    int r;

    rec(&p, "VirtualMachineId", "0f1e2d3c-4b5a-4968-8776-655443322110", 36);
    for (i = 1; i < records; i++)
        rec(&p, "", "", 0);
    f = fopen(path, "wb");
    UT_CHECK(f != NULL);
    if (f == NULL)
        return -99999;
    fwrite(p.b, 1, p.len, f);
    for (i = 0; i < extra; i++)
        fputc(0, f);
    fclose(f);
    free(p.b);
    if ((f = fopen(path, "rb")) == NULL)
        return -99999;
    memset(&s, 0, sizeof s);
    r = hv_kvp_self_stream(f, max, &s, hint, hintlen);
    fclose(f);
    remove(path);
    if (r == 0)
        UT_EQ_INT(s.have_id, 1);
    return r;
}

UT_CASE(kvp_limit)
{
    char hint[128];
    const size_t max = 3 * HV_KVP_RECORD_SIZE;
    /* exactly the limit is read; a byte or a record more is refused */
    UT_EQ_INT(stream_limit(3, 0, max, hint, sizeof hint), 0);
    UT_EQ_INT(stream_limit(2, 100, max, hint, sizeof hint), 0);
    UT_EQ_INT(stream_limit(3, 1, max, hint, sizeof hint), HV_EBADDATA);
    UT_EQ_STR(hint, "larger than 7680 bytes");
    UT_EQ_INT(stream_limit(4, 0, max, hint, sizeof hint), HV_EBADDATA);
    /* limits below and above the first buffer (4 records), and odd ones */
    UT_EQ_INT(stream_limit(1, 0, HV_KVP_RECORD_SIZE, hint, sizeof hint), 0);
    UT_EQ_INT(stream_limit(1, 1, HV_KVP_RECORD_SIZE, hint, sizeof hint),
              HV_EBADDATA);
    UT_EQ_INT(stream_limit(9, 7, 9 * HV_KVP_RECORD_SIZE + 7, hint,
                           sizeof hint), 0);
    UT_EQ_INT(stream_limit(9, 8, 9 * HV_KVP_RECORD_SIZE + 7, hint,
                           sizeof hint), HV_EBADDATA);
    UT_EQ_INT(stream_limit(40, 0, 40 * HV_KVP_RECORD_SIZE, hint,
                           sizeof hint), 0);
    UT_EQ_INT(stream_limit(41, 0, 40 * HV_KVP_RECORD_SIZE, hint,
                           sizeof hint), HV_EBADDATA);
    UT_EQ_INT(stream_limit(1, 0, 0, hint, sizeof hint), HV_EBADDATA);
    UT_EQ_STR(hint, "larger than 0 bytes");
}

/* ------------------------------------------------------------ JSON out */

UT_CASE(json_quote)
{
    char b[64];
    UT_EQ_INT(hv_json_quote("a\"b\\c\n\t\x01\x1f\x7f\xc3\xbc", b, sizeof b),
              33);
    UT_EQ_STR(b, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\\u007f\xc3\xbc\"");
    UT_EQ_INT(hv_json_quote("", b, sizeof b), 2);
    UT_EQ_STR(b, "\"\"");
    /* too small: the needed length, a terminated prefix */
    UT_EQ_INT(hv_json_quote("abcdef", b, 4), 8);
    UT_EQ_STR(b, "\"ab");
    UT_EQ_INT(hv_json_quote("abc", NULL, 0), 5);
    /* bytes that are not UTF-8 (a lone continuation, a cut sequence, an
     * overlong one) each as U+FFFD, so that strict parsers read it */
    UT_EQ_INT(hv_json_quote("a\x80" "b\xe2\x82" "c\xc0\xaf" "d\xf0\x9f\x98\x80", b,
                            sizeof b), 40);
    UT_EQ_STR(b, "\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffdd\xf0\x9f\x98\x80\"");
}
