/* test_hybrid.c: hybrid vsock's portable half (lib/hybrid.c): the
 * address and its text, the request, and the answer's reader: split
 * anywhere, OK with the stream's first bytes in one piece, what counts as
 * OK, EOF before and inside an answer, the bound, the escaped answer in
 * the error text. */
#include "platform.h"
#include "ut.h"

/* Feed text in pieces of `step` bytes; the reader's result, and in *used
 * where the last piece was cut. */
static int feed(struct hv__hybrid *h, const char *text, size_t n, size_t step,
                size_t *taken)
{
    size_t at = 0, used = 0;
    int r = 0;
    hv__hybrid_init(h);
    while (at < n && r == 0) {
        size_t k = n - at < step ? n - at : step;
        r = hv__hybrid_feed(h, text + at, k, &used);
        at += used;
    }
    *taken = at;
    return r;
}

UT_CASE(address_forms)
{
    struct hv_addr a;
    char text[HV_ADDR_STRLEN], hint[128];

    UT_EQ_INT(hv_target_parse(&a, "hybrid:/run/v.sock:52", 0, hint,
                              sizeof hint), 0);
    UT_EQ_INT(a.family, HV_FAMILY_HYBRID);
    UT_EQ_STR(a.path, "/run/v.sock");
    UT_EQ_INT(a.port, 52);
    UT_EQ_INT(a.cid, HV_HYBRID_PORT);
    hv_addr_format(&a, text, sizeof text);
    UT_EQ_STR(text, "hybrid:/run/v.sock:52");
    UT_CHECK(hv_target_is_word("hybrid:x:1"));
    /* a path with colons: the port is after the last one */
    UT_EQ_INT(hv_target_parse(&a, "hybrid:a:b.sock:0x10", 0, hint,
                              sizeof hint), 0);
    UT_EQ_STR(a.path, "a:b.sock");
    UT_EQ_INT(a.port, 16);
    /* OpenVMM: a service GUID, shown lowercase */
    UT_EQ_INT(hv_addr_hybrid(&a, "v.sock",
                             "{00000034-FACB-11E6-BD58-64006A7986D3}", hint,
                             sizeof hint), 0);
    UT_EQ_INT(a.cid, HV_HYBRID_GUID);
    hv_addr_format(&a, text, sizeof text);
    UT_EQ_STR(text, "hybrid:v.sock:00000034-facb-11e6-bd58-64006a7986d3");
    /* bad forms */
    UT_EQ_INT(hv_target_parse(&a, "hybrid:v.sock", 0, hint, sizeof hint),
              HV_EINVAL);
    UT_EQ_INT(hv_target_parse(&a, "hybrid::52", 0, hint, sizeof hint),
              HV_EINVAL);
    UT_EQ_INT(hv_addr_hybrid(&a, "v.sock", "port", hint, sizeof hint),
              HV_EINVAL);
    UT_CHECK(strstr(hint, "vsock port") != NULL);
    UT_EQ_INT(hv_addr_hybrid(&a, "v.sock", "4294967295", hint, sizeof hint),
              HV_EINVAL);
    UT_EQ_INT(hv_addr_hybrid(&a, "", "1", hint, sizeof hint), HV_EINVAL);
}

UT_CASE(path_bound)
{
    /* PATH_PORT must fit a sockaddr_un (107 bytes and the NUL) */
    char path[120];
    struct hv_addr a, u;
    char hint[128];
    memset(path, 'p', sizeof path);
    path[105] = '\0'; /* "_1" makes 107 */
    UT_EQ_INT(hv_addr_hybrid(&a, path, "1", hint, sizeof hint), 0);
    UT_EQ_INT(hv__hybrid_unix(&a, 1, &u), 0);
    UT_EQ_INT(strlen(u.path), 107);
    UT_EQ_INT(u.path[105], '_');
    UT_EQ_INT(hv__hybrid_unix(&a, 0, &u), 0);
    UT_EQ_STR(u.path, path);
    UT_EQ_INT(hv_addr_hybrid(&a, path, "10", hint, sizeof hint), HV_ERANGE);
    UT_CHECK(strstr(hint, "107") != NULL);
}

UT_CASE(request)
{
    struct hv_addr a;
    char buf[64], hint[64];
    hv_addr_hybrid(&a, "v", "52", hint, sizeof hint);
    UT_EQ_INT(hv__hybrid_request(&a, buf, sizeof buf), 11);
    UT_EQ_STR(buf, "CONNECT 52\n");
    hv_addr_hybrid(&a, "v", "00000400-FACB-11E6-BD58-64006A7986D3", hint,
                   sizeof hint);
    hv__hybrid_request(&a, buf, sizeof buf);
    UT_EQ_STR(buf, "CONNECT 00000400-facb-11e6-bd58-64006a7986d3\n");
}

UT_CASE(ok_split_anywhere)
{
    static const char ans[] = "OK 1073741824\n";
    struct hv__hybrid h;
    size_t step, taken;
    for (step = 1; step <= sizeof ans; step++) {
        UT_EQ_INT(feed(&h, ans, sizeof ans - 1, step, &taken), 1);
        UT_EQ_INT(taken, sizeof ans - 1);
        UT_EQ_STR(h.ok, "1073741824");
    }
}

UT_CASE(ok_with_payload)
{
    /* the guest's first bytes in the same segment are the stream's */
    static const char seg[] = "OK 1073741825\nhello\nOK 2\n";
    struct hv__hybrid h;
    size_t used;
    hv__hybrid_init(&h);
    UT_EQ_INT(hv__hybrid_feed(&h, seg, sizeof seg - 1, &used), 1);
    UT_EQ_INT(used, 14);
    UT_EQ_STR(seg + used, "hello\nOK 2\n");
    UT_EQ_STR(h.ok, "1073741825");
    /* split inside: the second piece holds the newline and the payload */
    hv__hybrid_init(&h);
    UT_EQ_INT(hv__hybrid_feed(&h, seg, 5, &used), 0);
    UT_EQ_INT(used, 5);
    UT_EQ_INT(hv__hybrid_feed(&h, seg + 5, 12, &used), 1);
    UT_EQ_INT(used, 9);
}

UT_CASE(ok_forms)
{
    struct hv__hybrid h;
    size_t taken;
    /* a CR before the newline; OK alone; a GUID (OpenVMM) */
    UT_EQ_INT(feed(&h, "OK 7\r\n", 6, 64, &taken), 1);
    UT_EQ_STR(h.ok, "7");
    UT_EQ_INT(feed(&h, "OK\n", 3, 64, &taken), 1);
    UT_EQ_STR(h.ok, "");
    UT_EQ_INT(feed(&h, "OK 00000034-facb-11e6-bd58-64006a7986d3\n", 40, 3,
                   &taken), 1);
    UT_EQ_STR(h.ok, "00000034-facb-11e6-bd58-64006a7986d3");
}

UT_CASE(malformed)
{
    struct hv__hybrid h;
    char text[400];
    size_t taken;
    /* the case of OK is as the VMMs write it; no space inside; no
     * control bytes */
    UT_EQ_INT(feed(&h, "ok 5\n", 5, 64, &taken), HV_EHANDSHAKE);
    UT_EQ_INT(feed(&h, "OK  5\n", 6, 64, &taken), HV_EHANDSHAKE);
    UT_EQ_INT(feed(&h, "OK 5 6\n", 7, 64, &taken), HV_EHANDSHAKE);
    UT_EQ_INT(feed(&h, "OK \n", 4, 64, &taken), HV_EHANDSHAKE);
    UT_EQ_INT(feed(&h, "OKAY\n", 5, 64, &taken), HV_EHANDSHAKE);
    UT_EQ_INT(feed(&h, "\n", 1, 64, &taken), HV_EHANDSHAKE);
    /* the message shows the answer escaped */
    {
        static const char odd[] = "ERR\x01 'x'\\\r\n";
        UT_EQ_INT(feed(&h, odd, sizeof odd - 1, 64, &taken), HV_EHANDSHAKE);
    }
    hv_errtext(HV_EHANDSHAKE, text, sizeof text);
    UT_CHECK(strstr(text, "answered 'ERR\\x01 \\'x\\'\\\\\\r\\n'") != NULL);
    /* no newline within the bound: cut, and said so */
    {
        char big[200];
        memset(big, 'A', sizeof big);
        UT_EQ_INT(feed(&h, big, sizeof big, 7, &taken), HV_EHANDSHAKE);
        UT_EQ_INT(taken, HV__HYBRID_LINE_MAX);
        hv_errtext(HV_EHANDSHAKE, text, sizeof text);
        UT_CHECK(strstr(text, "without a newline") != NULL);
        UT_CHECK(strlen(text) < 200);
    }
}

UT_CASE(eof)
{
    struct hv__hybrid h;
    char text[400];
    size_t used;
    /* nothing at all: the guest port refused */
    hv__hybrid_init(&h);
    UT_EQ_INT(hv__hybrid_eof(&h), HV_ECONNREFUSED);
    /* half an answer, then the end: malformed, shown */
    hv__hybrid_init(&h);
    UT_EQ_INT(hv__hybrid_feed(&h, "OK 12", 5, &used), 0);
    UT_EQ_INT(hv__hybrid_eof(&h), HV_EHANDSHAKE);
    hv_errtext(HV_EHANDSHAKE, text, sizeof text);
    UT_CHECK(strstr(text, "closed after 'OK 12'") != NULL);
}
