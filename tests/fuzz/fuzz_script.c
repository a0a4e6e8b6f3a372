/* fuzz_script.c: the script writers of hvreg export (hv_script_write) for
 * .reg, .ps1 and .cmd, with any friendly name. Each script is read back the
 * way its consumer reads it (regedit, PowerShell's tokenizer, cmd.exe's
 * line parser followed by reg.exe's argument parsing), and the name must
 * come back exactly and never run as code:
 * - .reg: the "ElementName" string (or its hex(1) data) re-parses to the
 *   name, and nothing follows it on its line;
 * - .ps1: the $name expression is quoted strings and [char] codes only,
 *   no quote leaves the literal early, and the line ends as written;
 * - .cmd: pure printable ASCII in CR LF lines; in the reg add line every %
 *   is doubled and every & | < > ^ ( ) outside cmd's quotes has its caret;
 *   reg's arguments after cmd are the name, /f and /reg:64.
 * Input: one byte (format, operation), 16 bytes of GUID (wire order), name. */
#include "fuzz.h"

/* ------------------------------------------------------------ text helpers */

/* Decode one UTF-8 sequence (the strict rules); 0 when invalid. */
static size_t u8dec(const unsigned char *s, size_t left, uint32_t *cp)
{
    uint32_t c = s[0], min;
    size_t n, i;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xe0) == 0xc0)
        n = 2, c &= 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0)
        n = 3, c &= 0x0f, min = 0x800;
    else if ((c & 0xf8) == 0xf0)
        n = 4, c &= 0x07, min = 0x10000;
    else
        return 0;
    if (n > left)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3fu);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* Code points of UTF-8 text s (n bytes) into cps (room for n); returns the
 * count, or (size_t)-1 when s is not valid UTF-8. */
static size_t to_cps(const unsigned char *s, size_t n, uint32_t *cps)
{
    size_t i = 0, k = 0, l;
    while (i < n) {
        if ((l = u8dec(s + i, n - i, &cps[k])) == 0)
            return (size_t)-1;
        i += l;
        k++;
    }
    return k;
}

/* UTF-16 units of code points cps[0..n) into out (room for 2n). */
static size_t to_units(const uint32_t *cps, size_t n, uint16_t *out)
{
    size_t i, k = 0;
    for (i = 0; i < n; i++) {
        uint32_t c = cps[i];
        if (c >= 0x10000) {
            c -= 0x10000;
            out[k++] = (uint16_t)(0xd800u + (c >> 10));
            out[k++] = (uint16_t)(0xdc00u + (c & 0x3ffu));
        } else {
            out[k++] = (uint16_t)c;
        }
    }
    return k;
}

/* Line ends are CR LF only: no lone CR or LF anywhere (any unit type). */
static void check_crlf32(const uint32_t *t, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (t[i] == '\r')
            FUZZ_CHECK(i + 1 < n && t[i + 1] == '\n');
        if (t[i] == '\n')
            FUZZ_CHECK(i > 0 && t[i - 1] == '\r');
    }
}

/* Index of the line of t[0..n) that starts with the ASCII prefix p, where
 * the line starts at a line start; exactly one such line must exist when
 * need is 1. Returns the index just after the prefix, or n when none. */
static size_t find_line(const uint32_t *t, size_t n, const char *p, int need)
{
    size_t i, j, pl = strlen(p), at = n, found = 0;
    for (i = 0; i + pl <= n; i++) {
        if (i > 0 && t[i - 1] != '\n')
            continue;
        for (j = 0; j < pl && t[i + j] == (unsigned char)p[j]; j++)
            ;
        if (j == pl) {
            found++;
            at = i + pl;
        }
    }
    if (need)
        FUZZ_CHECK(found == 1);
    return at;
}

static int hexdig(uint32_t c)
{
    if (c >= '0' && c <= '9')
        return (int)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
        return (int)(c - 'A' + 10);
    return -1;
}

/* The REG_SZ bytes the name must become: UTF-16LE with a NUL unit. */
static size_t regsz(const uint16_t *u, size_t nu, uint8_t *out)
{
    size_t i;
    for (i = 0; i < nu; i++) {
        out[2 * i] = (uint8_t)(u[i] & 0xff);
        out[2 * i + 1] = (uint8_t)(u[i] >> 8);
    }
    out[2 * nu] = 0;
    out[2 * nu + 1] = 0;
    return 2 * nu + 2;
}

/* --------------------------------------------------------------------- .reg */

static void check_reg(const uint8_t *out, size_t len, enum hv_script_op op,
                      const uint16_t *name, size_t nname, const char *gs)
{
    size_t n = len / 2, i, at, k = 0;
    uint32_t *t;
    uint16_t *got;
    uint8_t *bytes, *want;
    char key[200];

    FUZZ_CHECK(len % 2 == 0 && len >= 2 && out[0] == 0xff && out[1] == 0xfe);
    t = malloc(n * sizeof *t);
    for (i = 0; i < n; i++)
        t[i] = (uint32_t)out[2 * i] | (uint32_t)out[2 * i + 1] << 8;
    t[0] = ' '; /* the BOM */
    check_crlf32(t, n);
    snprintf(key, sizeof key, "[%sHKEY_LOCAL_MACHINE\\%s\\%s]\r\n",
             op == HV_SCRIPT_ADD ? "" : "-", HV_REG_PARENT_PATH, gs);
    find_line(t, n, key, 1);
    if (op == HV_SCRIPT_REMOVE) {
        FUZZ_CHECK(find_line(t, n, "\"" HV_REG_VALUE_NAME "\"", 0) == n);
        free(t);
        return;
    }
    at = find_line(t, n, "\"" HV_REG_VALUE_NAME "\"=", 1);
    got = malloc((n + 1) * sizeof *got);
    bytes = malloc(n + 1);
    want = malloc(2 * nname + 2);
    if (at < n && t[at] == '"') {
        /* a quoted string: \\ and \" are escapes, " ends it */
        for (i = at + 1; i < n && t[i] != '"'; i++) {
            FUZZ_CHECK(t[i] != '\r' && t[i] != '\n');
            if (t[i] == '\\') {
                i++;
                FUZZ_CHECK(i < n && (t[i] == '\\' || t[i] == '"'));
            }
            got[k++] = (uint16_t)t[i];
        }
        FUZZ_CHECK(i + 2 < n && t[i + 1] == '\r' && t[i + 2] == '\n');
        FUZZ_CHECK(k == nname && memcmp(got, name, k * sizeof *got) == 0);
    } else {
        static const char hx[] = "hex(1):";
        for (i = 0; hx[i]; i++)
            FUZZ_CHECK(at + i < n && t[at + i] == (unsigned char)hx[i]);
        i += at;
        for (;;) {
            int hi, lo;
            FUZZ_CHECK(i + 1 < n);
            hi = hexdig(t[i]);
            lo = hexdig(t[i + 1]);
            FUZZ_CHECK(hi >= 0 && lo >= 0);
            bytes[k++] = (uint8_t)(hi << 4 | lo);
            i += 2;
            if (i < n && t[i] == '\r')
                break;
            FUZZ_CHECK(i < n && t[i] == ',');
            i++;
            if (t[i] == '\\') { /* continued: \ CR LF and indentation */
                FUZZ_CHECK(i + 2 < n && t[i + 1] == '\r' && t[i + 2] == '\n');
                i += 3;
                while (i < n && t[i] == ' ')
                    i++;
            }
        }
        FUZZ_CHECK(k == regsz(name, nname, want) && memcmp(bytes, want, k) == 0);
    }
    free(want);
    free(bytes);
    free(got);
    free(t);
}

/* --------------------------------------------------------------------- .ps1 */

static int ps_quote(uint32_t c)
{
    return c == '\'' || (c >= 0x2018 && c <= 0x201b);
}

/* Expect the ASCII text s at t[*i]. */
static int ps_lit(const uint32_t *t, size_t n, size_t *i, const char *s)
{
    size_t j, l = strlen(s);
    for (j = 0; j < l; j++)
        if (*i + j >= n || t[*i + j] != (unsigned char)s[j])
            return 0;
    *i += l;
    return 1;
}

/* A single-quoted string at t[*i], appended to got. */
static void ps_string(const uint32_t *t, size_t n, size_t *i, uint32_t *got,
                      size_t *k)
{
    FUZZ_CHECK(*i < n && ps_quote(t[*i]));
    (*i)++;
    for (;;) {
        FUZZ_CHECK(*i < n);
        if (ps_quote(t[*i])) {
            if (*i + 1 < n && ps_quote(t[*i + 1])) {
                got[(*k)++] = t[*i + 1];
                *i += 2;
                continue;
            }
            (*i)++;
            return;
        }
        got[(*k)++] = t[(*i)++];
    }
}

static void check_ps1(const uint8_t *out, size_t len, enum hv_script_op op,
                      const uint32_t *name, size_t nname, const char *gs)
{
    uint32_t *t = malloc(len * sizeof *t), *got;
    size_t n, i, k = 0;
    char key[200];

    FUZZ_CHECK(len >= 3 && out[0] == 0xef && out[1] == 0xbb && out[2] == 0xbf);
    n = to_cps(out + 3, len - 3, t);
    FUZZ_CHECK(n != (size_t)-1);
    check_crlf32(t, n);
    for (i = 0; i < n; i++) /* PowerShell's other line breaks: never */
        FUZZ_CHECK(t[i] != 0x85 && t[i] != 0x2028 && t[i] != 0x2029);
    snprintf(key, sizeof key, "$key = 'HKLM:\\%s\\%s'\r\n", HV_REG_PARENT_PATH, gs);
    find_line(t, n, key, 1);
    i = find_line(t, n, "$name = ", op == HV_SCRIPT_ADD);
    if (op == HV_SCRIPT_REMOVE) {
        FUZZ_CHECK(i == n);
        free(t);
        return;
    }
    got = malloc((n + 1) * sizeof *got);
    if (ps_lit(t, n, &i, "(")) {
        int first = 1;
        while (!ps_lit(t, n, &i, ")")) {
            if (!first)
                FUZZ_CHECK(ps_lit(t, n, &i, " + "));
            first = 0;
            if (ps_lit(t, n, &i, "[char]0x")) {
                uint32_t v = 0;
                int d, j;
                for (j = 0; j < 4; j++) {
                    FUZZ_CHECK(i < n && (d = hexdig(t[i])) >= 0);
                    v = v << 4 | (uint32_t)d;
                    i++;
                }
                got[k++] = v;
            } else {
                ps_string(t, n, &i, got, &k);
            }
        }
    } else {
        ps_string(t, n, &i, got, &k);
    }
    FUZZ_CHECK(ps_lit(t, n, &i, "\r\n"));
    /* written from $name, the one place the name is */
    find_line(t, n, "    New-ItemProperty -LiteralPath $key -Name '" HV_REG_VALUE_NAME
              "' -PropertyType String -Value $name -Force | Out-Null\r\n", 1);
    if (k != nname || memcmp(got, name, k * sizeof *got) != 0) {
        fprintf(stderr, "ps1 name read back differs (%zu vs %zu code points)\n",
                k, nname);
        FUZZ_CHECK(!".ps1 name reads back");
    }
    free(got);
    free(t);
}

/* --------------------------------------------------------------------- .cmd */

/* cmd.exe on a batch line: %% becomes %, a lone % is refused (it would
 * expand); outside quotes ^ takes the next character literally and an
 * unescaped & | < > ( ) is refused. Returns what the command receives. */
static size_t cmd_line(const char *s, size_t n, char *out)
{
    size_t i, k = 0;
    int quoted = 0;
    char *pct = malloc(n + 1);
    size_t m = 0;

    for (i = 0; i < n; i++) {
        if (s[i] == '%') {
            FUZZ_CHECK(i + 1 < n && s[i + 1] == '%');
            i++;
        }
        pct[m++] = s[i];
    }
    for (i = 0; i < m; i++) {
        char c = pct[i];
        if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && c == '^') {
            FUZZ_CHECK(i + 1 < m);
            out[k++] = pct[++i];
            continue;
        } else if (!quoted && strchr("&|<>()", c)) {
            fprintf(stderr, "cmd: unescaped '%c' at %zu: %.*s\n", c, i,
                    (int)n, s);
            FUZZ_CHECK(!"no metacharacter outside quotes");
        }
        out[k++] = c;
    }
    free(pct);
    return k;
}

/* The Microsoft C runtime's argument split (reg.exe): 2n backslashes and a
 * quote are n backslashes and a quote toggle, 2n+1 and a quote are n and a
 * literal quote; "" inside quotes is a literal quote. One argument from
 * s[*i]; returns its length in out, or (size_t)-1 when none is left. */
static size_t crt_arg(const char *s, size_t n, size_t *i, char *out)
{
    size_t k = 0;
    int quoted = 0;
    while (*i < n && (s[*i] == ' ' || s[*i] == '\t'))
        (*i)++;
    if (*i == n)
        return (size_t)-1;
    while (*i < n) {
        char c = s[*i];
        if (c == '\\') {
            size_t run = 0, j;
            while (*i < n && s[*i] == '\\')
                run++, (*i)++;
            if (*i < n && s[*i] == '"') {
                for (j = 0; j < run / 2; j++)
                    out[k++] = '\\';
                if (run % 2) {
                    out[k++] = '"';
                    (*i)++;
                }
            } else {
                for (j = 0; j < run; j++)
                    out[k++] = '\\';
            }
            continue;
        }
        if (c == '"') {
            if (quoted && *i + 1 < n && s[*i + 1] == '"') {
                out[k++] = '"';
                *i += 2;
                continue;
            }
            quoted = !quoted;
            (*i)++;
            continue;
        }
        if (!quoted && (c == ' ' || c == '\t'))
            break;
        out[k++] = c;
        (*i)++;
    }
    return k;
}

/* The line of text (ASCII, CR LF lines) that starts with prefix: a pointer
 * after the prefix and the length up to the CR. NULL when there is none. */
static const char *cmd_find(const char *t, size_t n, const char *prefix,
                            size_t *len, size_t *count)
{
    size_t i, pl = strlen(prefix);
    const char *at = NULL;
    *count = 0;
    for (i = 0; i + pl <= n; i++) {
        if ((i > 0 && t[i - 1] != '\n') || memcmp(t + i, prefix, pl) != 0)
            continue;
        if (at == NULL) {
            const char *cr = memchr(t + i, '\r', n - i);
            at = t + i + pl;
            *len = (size_t)(cr - at);
        }
        (*count)++;
    }
    return at;
}

static void check_cmd(const uint8_t *out, size_t len, enum hv_script_op op,
                      const char *name, const uint16_t *units, size_t nunits,
                      const char *gs)
{
    const char *t = (const char *)out, *line;
    static const char add[] = "reg add \"%hvreg_key%\" /v " HV_REG_VALUE_NAME
                              " /t REG_SZ /d ";
    static const char echo[] = ">>\"%hvreg_tmp%\" cmd /d /u /c echo ";
    static const char placeholder[] = "\"\" /f /reg:64 >nul";
    char key[200], *after, *arg;
    size_t i, ll, count, k, p;

    for (i = 0; i < len; i++) {
        unsigned char c = out[i];
        FUZZ_CHECK((c >= 0x20 && c <= 0x7e) || c == '\r' || c == '\n');
        if (c == '\r')
            FUZZ_CHECK(i + 1 < len && out[i + 1] == '\n');
        if (c == '\n')
            FUZZ_CHECK(i > 0 && out[i - 1] == '\r');
    }
    snprintf(key, sizeof key, "set \"hvreg_key=HKLM\\%s\\%s\"\r\n",
             HV_REG_PARENT_PATH, gs);
    FUZZ_CHECK(cmd_find(t, len, key, &ll, &count) != NULL && count == 1);
    if (op == HV_SCRIPT_REMOVE) {
        FUZZ_CHECK(cmd_find(t, len, "reg delete \"%hvreg_key%\" /f /reg:64\r\n",
                            &ll, &count) && count == 1);
        FUZZ_CHECK(cmd_find(t, len, "reg add", &ll, &count) == NULL);
        return;
    }
    line = cmd_find(t, len, add, &ll, &count);
    FUZZ_CHECK(line != NULL && count == 1);
    if (!(ll == strlen(placeholder) && memcmp(line, placeholder, ll) == 0)) {
        /* the direct route: the name is reg's /d argument */
        after = malloc(ll + 1);
        arg = malloc(ll + 1);
        k = cmd_line(line, ll, after);
        p = 0;
        FUZZ_CHECK(crt_arg(after, k, &p, arg) == strlen(name));
        FUZZ_CHECK(memcmp(arg, name, strlen(name)) == 0);
        FUZZ_CHECK(crt_arg(after, k, &p, arg) == 2 && memcmp(arg, "/f", 2) == 0);
        FUZZ_CHECK(crt_arg(after, k, &p, arg) == 7 && memcmp(arg, "/reg:64", 7) == 0);
        FUZZ_CHECK(crt_arg(after, k, &p, arg) == (size_t)-1);
        FUZZ_CHECK(cmd_find(t, len, echo, &ll, &count) == NULL);
        free(arg);
        free(after);
        return;
    }
    /* the .reg route: echoed hex(1) lines, read back as regedit would */
    {
        uint8_t *bytes = malloc(len), *want = malloc(2 * nunits + 2);
        size_t nb = 0, off;
        static const char head[] = "\"" HV_REG_VALUE_NAME "\"=hex(1):";
        line = cmd_find(t, len, echo, &ll, &count);
        FUZZ_CHECK(line != NULL && ll >= sizeof head - 1 &&
                   memcmp(line, head, sizeof head - 1) == 0);
        off = (size_t)(line - t) + sizeof head - 1;
        for (;;) {
            int hi, lo;
            FUZZ_CHECK(off + 1 < len);
            hi = hexdig((unsigned char)t[off]);
            lo = hexdig((unsigned char)t[off + 1]);
            FUZZ_CHECK(hi >= 0 && lo >= 0);
            bytes[nb++] = (uint8_t)(hi << 4 | lo);
            off += 2;
            if (t[off] == '\r')
                break;
            FUZZ_CHECK(t[off] == ',');
            off++;
            if (t[off] == '\\') { /* continued on the next echo line */
                FUZZ_CHECK(memcmp(t + off, "\\\r\n", 3) == 0);
                off += 3;
                FUZZ_CHECK(len - off > sizeof echo - 1 &&
                           memcmp(t + off, echo, sizeof echo - 1) == 0);
                off += sizeof echo - 1;
            }
        }
        FUZZ_CHECK(nb == regsz(units, nunits, want) && memcmp(bytes, want, nb) == 0);
        free(want);
        free(bytes);
    }
}

/* --------------------------------------------------------------------- entry */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum hv_script_format f;
    enum hv_script_op op;
    struct hv_guid g;
    char gs[HV_GUID_BUFSIZE], why[128], *name, *out;
    uint32_t *cps;
    uint16_t *units;
    size_t ncp, nu, nlen;
    long len, len2;
    int chk;

    if (size < 17)
        return 0;
    f = (enum hv_script_format)(1 + data[0] % 3);
    op = (data[0] & 0x10) ? HV_SCRIPT_REMOVE : HV_SCRIPT_ADD;
    hv_guid_from_wire(data + 1, &g);
    hv_guid_format(&g, gs);
    name = fuzz_cstr(data + 17, size - 17);
    nlen = strlen(name);

    chk = hv_script_check(f, name, why, sizeof why);
    FUZZ_CHECK(chk == 0 || chk == HV_EINVAL);
    FUZZ_CHECK(fuzz_terminated(why, sizeof why));
    len = hv_script_write(f, op, &g, name, NULL, 0);
    if (op == HV_SCRIPT_ADD && chk < 0) {
        FUZZ_CHECK(len == HV_EINVAL && why[0] != '\0');
        free(name);
        return 0;
    }
    FUZZ_CHECK(len > 0);
    out = malloc((size_t)len);
    FUZZ_CHECK(hv_script_write(f, op, &g, name, out, (size_t)len) == len);
    { /* a short buffer gets a prefix, and the full length is still told */
        size_t half = (size_t)len / 2;
        char *part = malloc(half ? half : 1);
        len2 = hv_script_write(f, op, &g, name, part, half);
        FUZZ_CHECK(len2 == len && memcmp(part, out, half) == 0);
        free(part);
    }
    cps = malloc((nlen + 1) * sizeof *cps);
    units = malloc((2 * nlen + 1) * sizeof *units);
    ncp = 0;
    nu = 0;
    if (op == HV_SCRIPT_ADD) {
        ncp = to_cps((const unsigned char *)name, nlen, cps);
        FUZZ_CHECK(ncp != (size_t)-1); /* hv_script_check let it through */
        nu = to_units(cps, ncp, units);
    }
    switch (f) {
    case HV_SCRIPT_REG:
        check_reg((const uint8_t *)out, (size_t)len, op, units, nu, gs);
        break;
    case HV_SCRIPT_PS1:
        check_ps1((const uint8_t *)out, (size_t)len, op, cps, ncp, gs);
        break;
    case HV_SCRIPT_CMD:
        check_cmd((const uint8_t *)out, (size_t)len, op, name, units, nu, gs);
        break;
    }
    free(units);
    free(cps);
    free(out);
    free(name);
    return 0;
}
