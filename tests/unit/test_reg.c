/* test_reg.c: the portable half of hvreg: the built-in table, GUID case
 * handling, random GUIDs, name checks and the escaping of the .reg, .ps1
 * and .cmd writers. */
#include <stdlib.h>
#include <string.h>

#include "hvsock.h"
#include "hvsock_int.h"
#include "ut.h"

static const struct hv_guid port5000 = {
    0x00001388u, 0xfacbu, 0x11e6u, {0xbd, 0x58, 0x64, 0x00, 0x6a, 0x79, 0x86, 0xd3}};

/* The script for (f, add, port5000, name), NUL-terminated, length in *len. */
static char *script(enum hv_script_format f, const char *name, size_t *len)
{
    char *s = NULL;
    size_t n = 0;
    int r = hv_script_alloc(f, HV_SCRIPT_ADD, &port5000, name, &s, &n);
    UT_EQ_INT(r, 0);
    *len = n;
    return s;
}

static int contains(const char *hay, size_t n, const char *needle, size_t m)
{
    size_t i;
    for (i = 0; m <= n && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

#define HAS(s, n, lit) contains((s), (n), (lit), strlen(lit))

/* ASCII text as UTF-16LE (into a static buffer), for .reg checks. */
static const char *u16(const char *ascii, size_t *m)
{
    static char buf[512];
    size_t i;
    for (i = 0; ascii[i] && 2 * i + 1 < sizeof buf; i++) {
        buf[2 * i] = ascii[i];
        buf[2 * i + 1] = 0;
    }
    *m = 2 * i;
    return buf;
}

UT_CASE(builtin_table)
{
    struct hv_guid g;
    const struct hv_builtin_service *b;
    size_t n = 0;

    UT_EQ_INT(hv_guid_parse("999e53d4-3d5c-4c3e-8779-bed06ec056e1", &g), 0);
    b = hv_reg_builtin(&g);
    UT_CHECK(b != NULL);
    if (b)
        UT_EQ_STR(b->name, "VM Session Service");
    /* the registry shows Microsoft's keys in upper case, in braces elsewhere */
    UT_EQ_INT(hv_guid_parse("999E53D4-3D5C-4C3E-8779-BED06EC056E1", &g), 0);
    UT_CHECK(hv_reg_is_builtin(&g));
    UT_EQ_INT(hv_guid_parse("{999E53D4-3d5c-4C3E-8779-bed06ec056e1}", &g), 0);
    UT_CHECK(hv_reg_is_builtin(&g));
    UT_CHECK(!hv_reg_is_builtin(&port5000));
    UT_CHECK(!hv_reg_is_builtin(&hv_vsock_template));
    for (b = hv_builtin_services; b->name; b++) {
        UT_CHECK(!hv_guid_is_zero(&b->guid));
        n++;
    }
    UT_CHECK(n >= 1);
}

UT_CASE(guid_case)
{
    struct hv_guid a, b;
    char s[HV_GUID_BUFSIZE];
    UT_EQ_INT(hv_guid_parse("A5201C21-2770-4C11-A68E-F182EDB29220", &a), 0);
    UT_EQ_INT(hv_guid_parse("a5201c21-2770-4c11-a68e-f182edb29220", &b), 0);
    UT_CHECK(hv_guid_equal(&a, &b));
    hv_guid_format(&a, s);
    UT_EQ_STR(s, "a5201c21-2770-4c11-a68e-f182edb29220");
}

UT_CASE(random_guid)
{
    struct hv_guid a, b;
    UT_EQ_INT(hv_guid_random(&a), 0);
    UT_EQ_INT(hv_guid_random(&b), 0);
    UT_CHECK(!hv_guid_equal(&a, &b));
    UT_EQ_INT(a.data3 >> 12, 4);       /* version 4 */
    UT_EQ_INT(a.data4[0] >> 6, 2);     /* RFC 4122 variant */
    UT_CHECK(!hv_guid_to_vsock_port(&a, NULL));
}

UT_CASE(name_check)
{
    char big[HV_SERVICE_NAME_MAX + 2];
    UT_EQ_INT(hv_service_name_check("svc"), 0);
    UT_EQ_INT(hv_service_name_check("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80"), 0);
    UT_EQ_INT(hv_service_name_check(""), HV_EINVAL);
    UT_EQ_INT(hv_service_name_check("\xc0\x80"), HV_EINVAL);     /* overlong */
    UT_EQ_INT(hv_service_name_check("\xed\xa0\x80"), HV_EINVAL); /* surrogate */
    UT_EQ_INT(hv_service_name_check("ab\xe4\xb8"), HV_EINVAL);   /* truncated */
    UT_EQ_INT(hv_service_name_check("\xff"), HV_EINVAL);
    memset(big, 'x', sizeof big);
    big[HV_SERVICE_NAME_MAX] = '\0';
    UT_EQ_INT(hv_service_name_check(big), 0);
    big[HV_SERVICE_NAME_MAX] = 'x';
    big[HV_SERVICE_NAME_MAX + 1] = '\0';
    UT_EQ_INT(hv_service_name_check(big), HV_EINVAL);
    UT_CHECK(hv_script_write(HV_SCRIPT_REG, HV_SCRIPT_ADD, &port5000, big, NULL, 0) ==
             HV_EINVAL);
}

UT_CASE(format_parse)
{
    UT_EQ_INT(hv_script_format_parse("reg"), HV_SCRIPT_REG);
    UT_EQ_INT(hv_script_format_parse("PS1"), HV_SCRIPT_PS1);
    UT_EQ_INT(hv_script_format_parse("cmd"), HV_SCRIPT_CMD);
    UT_EQ_INT(hv_script_format_parse("bat"), HV_SCRIPT_CMD);
    UT_EQ_INT(hv_script_format_parse("sh"), 0);
    UT_EQ_INT(hv_script_format_parse(""), 0);
}

UT_CASE(reg_quoted)
{
    size_t n, m;
    char *s = script(HV_SCRIPT_REG, "a\"b\\c $d `e` %f", &n);
    const char *want;
    UT_CHECK(n > 2 && (unsigned char)s[0] == 0xff && (unsigned char)s[1] == 0xfe);
    want = u16("Windows Registry Editor Version 5.00\r\n", &m);
    UT_CHECK(contains(s + 2, n - 2, want, m));
    want = u16("GuestCommunicationServices\\00001388-facb-11e6-bd58-64006a7986d3]\r\n", &m);
    UT_CHECK(contains(s, n, want, m));
    want = u16("\"ElementName\"=\"a\\\"b\\\\c $d `e` %f\"\r\n", &m);
    UT_CHECK(contains(s, n, want, m));
    free(s);
}

UT_CASE(reg_unicode)
{
    /* e-acute U+00E9 and U+1F600 (a surrogate pair) in UTF-16LE */
    static const char want[] = {'=', 0, '"', 0, (char)0xe9, 0, (char)0x3d, (char)0xd8,
                                (char)0x00, (char)0xde, '"', 0};
    size_t n;
    char *s = script(HV_SCRIPT_REG, "\xc3\xa9\xf0\x9f\x98\x80", &n);
    UT_CHECK(contains(s, n, want, sizeof want));
    free(s);
}

UT_CASE(reg_hex_for_newline)
{
    size_t n, m;
    char *s = script(HV_SCRIPT_REG, "a\nb", &n);
    const char *want = u16("\"ElementName\"=hex(1):61,00,0a,00,62,00,00,00\r\n", &m);
    UT_CHECK(contains(s, n, want, m));
    free(s);
}

UT_CASE(reg_remove)
{
    size_t n = 0, m;
    char *s = NULL;
    const char *want;
    UT_EQ_INT(hv_script_alloc(HV_SCRIPT_REG, HV_SCRIPT_REMOVE, &port5000, NULL, &s, &n), 0);
    want = u16("[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\"
               "Virtualization\\GuestCommunicationServices\\"
               "00001388-facb-11e6-bd58-64006a7986d3]\r\n", &m);
    UT_CHECK(contains(s, n, want, m));
    want = u16("ElementName", &m);
    UT_CHECK(!contains(s, n, want, m));
    free(s);
}

UT_CASE(ps1_quotes)
{
    size_t n;
    /* ' and the typographic quotes PowerShell also ends strings with */
    char *s = script(HV_SCRIPT_PS1,
                     "it's \xe2\x80\x98q\xe2\x80\x99 $env:x `n \"d\" %p%", &n);
    UT_CHECK(n > 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0);
    UT_CHECK(HAS(s, n, "$name = 'it''s \xe2\x80\x98\xe2\x80\x98q\xe2\x80\x99\xe2\x80\x99"
                       " $env:x `n \"d\" %p%'\r\n"));
    UT_CHECK(HAS(s, n, "$ErrorActionPreference = 'Stop'\r\n"));
    free(s);
}

UT_CASE(ps1_control_chars)
{
    size_t n;
    char *s = script(HV_SCRIPT_PS1, "a\nb\r\tc'", &n);
    UT_CHECK(HAS(s, n, "$name = ('a' + [char]0x000A + 'b' + [char]0x000D + "
                       "[char]0x0009 + 'c''')\r\n"));
    free(s);
    s = script(HV_SCRIPT_PS1, "\n", &n);
    UT_CHECK(HAS(s, n, "$name = ('' + [char]0x000A)\r\n"));
    free(s);
}

UT_CASE(cmd_reg_add)
{
    size_t n;
    char *s = script(HV_SCRIPT_CMD, "a\"b&c%d!e^f|g\"h&i", &n);
    /* % doubled; \" for reg; after the odd quote cmd is outside quotes, so
     * & ^ | take a caret; inside again after the next quote */
    UT_CHECK(HAS(s, n, "/d \"a\\\"b^&c%%d!e^^f^|g\\\"h&i\" /f /reg:64\r\n"));
    UT_CHECK(HAS(s, n, "setlocal EnableExtensions DisableDelayedExpansion\r\n"));
    free(s);
}

UT_CASE(cmd_backslashes)
{
    size_t n;
    char *s = script(HV_SCRIPT_CMD, "C:\\dir\\", &n);
    UT_CHECK(HAS(s, n, "/d \"C:\\dir\\\\\" /f"));
    free(s);
    s = script(HV_SCRIPT_CMD, "a\\\\\"b", &n);
    UT_CHECK(HAS(s, n, "/d \"a\\\\\\\\\\\"b\" /f"));
    free(s);
}

UT_CASE(cmd_hex_route)
{
    size_t n, i;
    char *s = script(HV_SCRIPT_CMD, "\xc3\xa9\nx", &n);
    UT_CHECK(HAS(s, n, "cmd /d /u /c echo \"ElementName\"=hex(1):e9,00,0a,00,78,00,00,00\r\n"));
    UT_CHECK(HAS(s, n, "reg import \"%hvreg_tmp%\" /reg:64\r\n"));
    for (i = 0; i < n; i++)
        UT_CHECK((unsigned char)s[i] < 0x80 && s[i] != '\0');
    free(s);
}

UT_CASE(cmd_long_hex_wraps)
{
    char name[300];
    size_t n, i, linelen = 0, maxline = 0, start = 0, hexlines = 0;
    char *s;
    memset(name, 'z', sizeof name - 1);
    name[0] = '\n';
    name[sizeof name - 1] = '\0';
    s = script(HV_SCRIPT_CMD, name, &n);
    /* the lines that append the value's hex (the rest of the script does
     * not grow with the name) */
    for (i = 0; i < n; i++) {
        if (s[i] != '\n')
            continue;
        linelen = i - start;
        if (HAS(s + start, linelen, "cmd /d /u /c echo")) {
            hexlines++;
            if (linelen > maxline)
                maxline = linelen;
        }
        start = i + 1;
    }
    UT_CHECK(hexlines > 1);
    UT_CHECK(maxline < 200);
    free(s);
}

/* The name check of the add scripts: each mode's lines
 * (present or absent), and none in a .reg (it has no logic). */
UT_CASE(script_name_check)
{
    static const struct {
        enum hv_script_format f;
        int op;
        const char *line;
        int present;
    } want[] = {
        {HV_SCRIPT_PS1, 0, "[StringComparison]::OrdinalIgnoreCase", 1},
        {HV_SCRIPT_PS1, 0, "if ($others.Count -gt 0) {\r\n", 1},
        {HV_SCRIPT_PS1, 0, "    exit 65\r\n", 1},
        {HV_SCRIPT_PS1, 0, "Remove-Item", 0},
        {HV_SCRIPT_PS1, HV_SCRIPT_FORCE, "Remove-Item -LiteralPath $k.PSPath -Recurse\r\n", 1},
        {HV_SCRIPT_PS1, HV_SCRIPT_FORCE, "exit 65", 0},
        {HV_SCRIPT_PS1, HV_SCRIPT_BY_NAME, "if ($others.Count -eq 1) {", 1},
        {HV_SCRIPT_CMD, 0, "if defined hvreg_others goto hvreg_taken\r\n", 1},
        {HV_SCRIPT_CMD, 0, "exit /b 65\r\n", 1},
        {HV_SCRIPT_CMD, HV_SCRIPT_FORCE, "for %%K in (%hvreg_others%) do call :hvreg_remove", 1},
        {HV_SCRIPT_CMD, HV_SCRIPT_FORCE, "if errorlevel 1 set \"hvreg_left=1\"\r\n", 1},
        {HV_SCRIPT_CMD, 0, ":hvreg_remove", 0},
        {HV_SCRIPT_CMD, 0, "if defined hvreg_fail goto hvreg_noquery\r\n", 1},
        {HV_SCRIPT_CMD, HV_SCRIPT_BY_NAME, "if not defined hvreg_listed set", 1},
        {HV_SCRIPT_CMD, HV_SCRIPT_FORCE, "exit /b 65", 0},
        {HV_SCRIPT_CMD, HV_SCRIPT_BY_NAME, "if %hvreg_count%==1 goto hvreg_found\r\n", 1},
    };
    size_t i, n, m;
    char *s, *t;

    for (i = 0; i < sizeof want / sizeof want[0]; i++) {
        UT_EQ_INT(hv_script_alloc(want[i].f, (enum hv_script_op)(HV_SCRIPT_ADD | want[i].op),
                                  &port5000, "svc", &s, &n),
                  0);
        UT_CHECK(HAS(s, n, want[i].line) == want[i].present);
        free(s);
    }
    UT_EQ_INT(hv_script_alloc(HV_SCRIPT_REG, HV_SCRIPT_ADD, &port5000, "svc", &s, &n), 0);
    UT_EQ_INT(hv_script_alloc(HV_SCRIPT_REG,
                              (enum hv_script_op)(HV_SCRIPT_ADD | HV_SCRIPT_FORCE),
                              &port5000, "svc", &t, &m),
              0);
    UT_CHECK(m == n && memcmp(s, t, n) == 0);
    free(s);
    free(t);
    /* the flags belong to add only */
    UT_CHECK(hv_script_write(HV_SCRIPT_CMD,
                             (enum hv_script_op)(HV_SCRIPT_REMOVE | HV_SCRIPT_FORCE),
                             &port5000, "svc", NULL, 0) == HV_EINVAL);
}

UT_CASE(write_truncates)
{
    char small[16];
    long full = hv_script_write(HV_SCRIPT_PS1, HV_SCRIPT_ADD, &port5000, "x", NULL, 0);
    long r;
    UT_CHECK(full > (long)sizeof small);
    memset(small, '#', sizeof small);
    r = hv_script_write(HV_SCRIPT_PS1, HV_SCRIPT_ADD, &port5000, "x", small, 8);
    UT_EQ_INT(r, full);
    UT_CHECK(small[8] == '#');
    UT_CHECK(memcmp(small, "\xef\xbb\xbf# Hyp", 8) == 0);
}
