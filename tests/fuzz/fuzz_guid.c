/* fuzz_guid.c: hv_guid_scan and hv_guid_parse on any text (operands, registry
 * key names, HCS ids, wslhost command lines all reach them). */
#include "fuzz.h"

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* The reference: 8-4-4-4-12 hex digits, optionally in braces. */
static size_t ref_scan(const char *s)
{
    size_t i, off = s[0] == '{' ? 1 : 0;
    for (i = 0; i < HV_GUID_STRLEN; i++) {
        char c = s[off + i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!is_hex(c)) {
            return 0;
        }
    }
    if (off == 0)
        return HV_GUID_STRLEN;
    return s[off + HV_GUID_STRLEN] == '}' ? HV_GUID_STRLEN + 2 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    struct hv_guid g, g2;
    char text[HV_GUID_BUFSIZE], braced[HV_GUID_BUFSIZE + 2];
    uint8_t wire[16];
    size_t n = hv_guid_scan(s, &g), want = ref_scan(s);
    int r;

    FUZZ_CHECK(n == want);
    FUZZ_CHECK(hv_guid_scan(s, NULL) == n);
    r = hv_guid_parse(s, &g2);
    FUZZ_CHECK(r == 0 || r == HV_EBADGUID);
    /* parse accepts exactly the strings that are one whole GUID */
    FUZZ_CHECK((r == 0) == (n != 0 && s[n] == '\0'));
    if (n) {
        FUZZ_CHECK(hv_guid_format(&g, text) == HV_GUID_STRLEN);
        FUZZ_CHECK(strlen(text) == HV_GUID_STRLEN);
        FUZZ_CHECK(hv_guid_parse(text, &g2) == 0 && hv_guid_equal(&g, &g2));
        snprintf(braced, sizeof braced, "{%s}", text);
        FUZZ_CHECK(hv_guid_parse(braced, &g2) == 0 && hv_guid_equal(&g, &g2));
        hv_guid_to_wire(&g, wire);
        hv_guid_from_wire(wire, &g2);
        FUZZ_CHECK(hv_guid_equal(&g, &g2));
        /* the text, up to case, is what was scanned */
        {
            size_t off = s[0] == '{' ? 1 : 0, i;
            for (i = 0; i < HV_GUID_STRLEN; i++) {
                char c = s[off + i];
                if (c >= 'A' && c <= 'F')
                    c = (char)(c - 'A' + 'a');
                FUZZ_CHECK(c == text[i]);
            }
        }
        {
            uint32_t port;
            if (hv_guid_to_vsock_port(&g, &port)) {
                FUZZ_CHECK(port <= HV_VSOCK_PORT_MAX);
                FUZZ_CHECK(hv_guid_from_vsock_port(port, &g2) == 0);
                FUZZ_CHECK(hv_guid_equal(&g, &g2));
            }
        }
    }
    free(s);
    return 0;
}
