/* script.c: the writers of the .reg, PowerShell and batch scripts that
 * register or remove a service on a Windows host (hvreg export); the
 * friendly-name rules they check are in reg.c.
 *
 * Every writer must reproduce the friendly name exactly and let nothing in
 * it run as code:
 * - .reg: "Windows Registry Editor Version 5.00" in UTF-16LE with a BOM
 *   (what reg import and regedit read as Unicode; an ANSI file would lose
 *   non-ASCII names). Inside "..." only \ and " are escaped; a name with a
 *   control character (a newline, say) is written as hex(1): REG_SZ bytes
 *   in UTF-16LE, since a quoted .reg string cannot span lines.
 * - .ps1: UTF-8 with a BOM (Windows PowerShell 5.1 reads BOM-less files in
 *   the ANSI code page). The name is a single-quoted string, where nothing
 *   expands ($ and ` are literal); the quote characters (' and the
 *   U+2018-U+201B quotes PowerShell also accepts) are doubled; control
 *   characters are joined in as [char]0xNNNN so the file's own line ends
 *   cannot change them.
 * - .cmd: pure ASCII. A printable-ASCII name goes through reg add /d "...":
 *   % is doubled (batch expansion), " becomes \" with the backslashes before
 *   it doubled (reg's argument parsing), delayed expansion is off (so ! is
 *   literal), and where cmd's own quote state is "outside" after an odd
 *   number of quotes, & | < > ^ ( ) get a caret. A name with any other
 *   character (non-ASCII, newline, tab) cannot be typed into reg add
 *   reliably: cmd decodes batch files in the OEM code page (chcp 65001 is
 *   honoured by Windows 10 but not by every cmd, e.g. Wine's) and a line
 *   break ends the command. Such a name goes through a .reg file instead:
 *   reg export writes a UTF-16LE file with its BOM, cmd /u appends the
 *   value as hex(1) in UTF-16LE, and reg import reads it back: exact for
 *   every character.
 *
 * The .ps1 and .cmd add scripts check the host's entries first, as hvreg
 * add does (a name names one service; see enum hv_script_op), and print
 * the GUID; a .reg file has no logic and cannot.
 */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

int hv_script_check(enum hv_script_format f, const char *name, char *why,
                    size_t whylen)
{
    if (f != HV_SCRIPT_REG && f != HV_SCRIPT_PS1 && f != HV_SCRIPT_CMD) {
        hv__fmt(why, whylen, "unknown script format");
        return HV_EINVAL;
    }
    if (name == NULL || name[0] == '\0') {
        hv__fmt(why, whylen, "the name is empty");
        return HV_EINVAL;
    }
    if (strlen(name) > HV_SERVICE_NAME_MAX) {
        hv__fmt(why, whylen, "the name is longer than %d bytes",
                HV_SERVICE_NAME_MAX);
        return HV_EINVAL;
    }
    if (hv_service_name_check(name) < 0) {
        hv__fmt(why, whylen, "the name is not valid UTF-8");
        return HV_EINVAL;
    }
    if (why && whylen)
        why[0] = '\0';
    return 0;
}

enum hv_script_format hv_script_format_parse(const char *s)
{
    if (s == NULL)
        return (enum hv_script_format)0;
    if (hv__strcaseeq(s, "reg"))
        return HV_SCRIPT_REG;
    if (hv__strcaseeq(s, "ps1"))
        return HV_SCRIPT_PS1;
    if (hv__strcaseeq(s, "cmd") || hv__strcaseeq(s, "bat"))
        return HV_SCRIPT_CMD;
    return (enum hv_script_format)0;
}

/* ---------------------------------------------------------------- output */

/* Bytes go to buf while they fit; len counts them all (snprintf-like). */
struct sink {
    char *buf;
    size_t n;
    size_t len;
    int utf16; /* text is written as UTF-16LE instead of UTF-8 */
};

static void put_byte(struct sink *k, unsigned c)
{
    if (k->len < k->n)
        k->buf[k->len] = (char)(unsigned char)c;
    k->len++;
}

static void put_unit16(struct sink *k, unsigned u)
{
    put_byte(k, u & 0xffu);
    put_byte(k, (u >> 8) & 0xffu);
}

static void put_cp(struct sink *k, uint32_t cp)
{
    if (k->utf16) {
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put_unit16(k, 0xd800u + (cp >> 10));
            put_unit16(k, 0xdc00u + (cp & 0x3ffu));
        } else {
            put_unit16(k, cp);
        }
    } else {
        char b[4];
        size_t n = hv__utf8_encode(b, cp), i;
        for (i = 0; i < n; i++)
            put_byte(k, (unsigned char)b[i]);
    }
}

/* Text known to be valid UTF-8 (checked names, or our own ASCII). */
static void put_str(struct sink *k, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        size_t n = hv__utf8_decode(p, &cp);
        if (n == 0) { /* cannot happen after hv_service_name_check */
            cp = 0xfffd;
            n = 1;
        }
        put_cp(k, cp);
        p += n;
    }
}

static void put_line(struct sink *k, const char *s)
{
    put_str(k, s);
    put_str(k, "\r\n");
}

static void put_hex2(struct sink *k, unsigned v)
{
    static const char hex[] = "0123456789abcdef";
    put_cp(k, (uint32_t)hex[(v >> 4) & 0xf]);
    put_cp(k, (uint32_t)hex[v & 0xf]);
}

/* The name as REG_SZ data: UTF-16LE with its terminating NUL. Returns the
 * number of bytes (out holds 2 * (HV_SERVICE_NAME_MAX + 1)). */
#define REGSZ_MAX (2 * (HV_SERVICE_NAME_MAX + 1))
static size_t regsz_bytes(const char *name, unsigned char *out)
{
    struct sink k;
    memset(&k, 0, sizeof k);
    k.buf = (char *)out;
    k.n = REGSZ_MAX;
    k.utf16 = 1;
    put_str(&k, name);
    put_unit16(&k, 0);
    return k.len < REGSZ_MAX ? k.len : REGSZ_MAX;
}

static int is_control(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f;
}

/* 1 when any character of the valid UTF-8 name satisfies pred. */
static int name_has(const char *name, int (*pred)(uint32_t))
{
    const unsigned char *p = (const unsigned char *)name;
    while (*p) {
        uint32_t cp;
        size_t n = hv__utf8_decode(p, &cp);
        if (n == 0 || pred(cp))
            return 1;
        p += n;
    }
    return 0;
}

/* What the name check of an add script does, as comment lines that start
 * with comment ("# " or "rem "). */
static void put_check_comment(struct sink *k, int op, const char *comment)
{
    static const char *const by_name[] = {
        "If a service already has the name (ignoring case), it prints that",
        "one's GUID and changes nothing; else it registers this GUID and prints it.",
        NULL};
    static const char *const force[] = {
        "It takes the name over: other entries that have it (ignoring case) are",
        "removed, and this GUID is renamed if it has another name. Prints the GUID.",
        NULL};
    static const char *const check[] = {
        "It refuses (exit 65) when another service has the name (ignoring case)",
        "or this GUID has another name (hvreg export --force writes one that",
        "takes over). Prints the GUID.", NULL};
    const char *const *l = (op & HV_SCRIPT_BY_NAME) ? by_name
                           : (op & HV_SCRIPT_FORCE) ? force
                                                    : check;
    if (!(op & HV_SCRIPT_ADD))
        return;
    for (; *l; l++) {
        put_str(k, comment);
        put_line(k, *l);
    }
}

/* ---------------------------------------------------------------- .reg */

static void write_reg(struct sink *k, int op, const char *gs, const char *name)
{
    k->utf16 = 1;
    put_byte(k, 0xff); /* BOM */
    put_byte(k, 0xfe);
    put_line(k, "Windows Registry Editor Version 5.00");
    put_line(k, "");
    put_str(k, (op & HV_SCRIPT_ADD) ? "; hvreg: register Hyper-V socket service "
                                   : "; hvreg: remove Hyper-V socket service ");
    put_line(k, gs);
    put_str(k, (op & HV_SCRIPT_ADD) ? "[" : "[-");
    put_str(k, "HKEY_LOCAL_MACHINE\\" HV_REG_PARENT_PATH "\\");
    put_str(k, gs);
    put_line(k, "]");
    if (op & HV_SCRIPT_ADD) {
        put_str(k, "\"" HV_REG_VALUE_NAME "\"=");
        if (name_has(name, is_control)) {
            unsigned char data[REGSZ_MAX];
            size_t n = regsz_bytes(name, data), i;
            size_t col = strlen("\"" HV_REG_VALUE_NAME "\"=hex(1):");
            put_str(k, "hex(1):");
            for (i = 0; i < n; i++) {
                put_hex2(k, data[i]);
                col += 2;
                if (i + 1 < n) {
                    put_str(k, ",");
                    col++;
                    if (col >= 76) { /* regedit's wrapping */
                        put_str(k, "\\\r\n  ");
                        col = 2;
                    }
                }
            }
        } else {
            const unsigned char *p = (const unsigned char *)name;
            put_str(k, "\"");
            while (*p) {
                uint32_t cp;
                p += hv__utf8_decode(p, &cp);
                if (cp == '\\' || cp == '"')
                    put_cp(k, '\\');
                put_cp(k, cp);
            }
            put_str(k, "\"");
        }
        put_line(k, "");
    }
    put_line(k, "");
}

/* ---------------------------------------------------------------- .ps1 */

static int ps_is_quote(uint32_t cp)
{
    return cp == '\'' || (cp >= 0x2018 && cp <= 0x201b);
}

static int ps_needs_char(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
           cp == 0x2029;
}

/* The name as a PowerShell expression that nothing in it can escape. */
static void put_ps_string(struct sink *k, const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    int parens = name_has(name, ps_needs_char), in_str = 1;

    put_str(k, parens ? "('" : "'");
    while (*p) {
        uint32_t cp;
        size_t n = hv__utf8_decode(p, &cp);
        p += n;
        if (ps_needs_char(cp)) {
            static const char hex[] = "0123456789ABCDEF";
            char code[] = " + [char]0x0000";
            int i;
            for (i = 0; i < 4; i++)
                code[11 + i] = hex[(cp >> (12 - 4 * i)) & 0xf];
            if (in_str)
                put_str(k, "'");
            in_str = 0;
            put_str(k, code);
            continue;
        }
        if (!in_str)
            put_str(k, " + '");
        in_str = 1;
        if (ps_is_quote(cp))
            put_cp(k, cp); /* doubled: the pair reads as this one quote */
        put_cp(k, cp);
    }
    if (in_str)
        put_str(k, "'");
    if (parens)
        put_str(k, ")");
}

/* The name check of an add script, as hvreg add does it: names compare
 * ignoring case (OrdinalIgnoreCase: the registry's rule, which hvreg's
 * CompareStringOrdinal follows); $mine is this GUID's name ($null: none),
 * $others the other entries that have the name. */
static void write_ps1_check(struct sink *k)
{
    put_line(k, "$mine = $null");
    put_line(k, "$others = @()");
    put_line(k, "if (Test-Path -LiteralPath $parent) {");
    put_line(k, "    foreach ($k in Get-ChildItem -LiteralPath $parent) {");
    put_line(k, "        $g = [guid]::Empty");
    put_line(k, "        if (-not [guid]::TryParse($k.PSChildName, [ref]$g)) { continue }");
    put_line(k, "        $v = $k.GetValue('" HV_REG_VALUE_NAME "', $null, 'DoNotExpandEnvironmentNames')");
    put_line(k, "        if ($g -eq [guid]$guid) { $mine = $v; continue }");
    put_line(k, "        if ($v -is [string] -and [string]::Equals($v, $name, "
                "[StringComparison]::OrdinalIgnoreCase)) {");
    put_line(k, "            $others += $k");
    put_line(k, "        }");
    put_line(k, "    }");
    put_line(k, "}");
    put_line(k, "$same = $mine -is [string] -and [string]::Equals($mine, $name, "
                "[StringComparison]::OrdinalIgnoreCase)");
    put_line(k, "$list = ($others | ForEach-Object { $_.PSChildName }) -join ', '");
}

static void write_ps1(struct sink *k, int op, const char *gs, const char *name)
{
    const char *ind;

    put_byte(k, 0xef); /* UTF-8 BOM */
    put_byte(k, 0xbb);
    put_byte(k, 0xbf);
    put_line(k, "# Hyper-V socket service registration, written by hvreg.");
    put_str(k, op & HV_SCRIPT_ADD ? "# Registers service " : "# Removes service ");
    put_str(k, gs);
    put_line(k, ". Run it elevated (as Administrator).");
    put_check_comment(k, op, "# ");
    put_line(k, "$ErrorActionPreference = 'Stop'");
    if (op & HV_SCRIPT_ADD)
        put_line(k, "$parent = 'HKLM:\\" HV_REG_PARENT_PATH "'");
    put_str(k, "$key = 'HKLM:\\" HV_REG_PARENT_PATH "\\");
    put_str(k, gs);
    put_line(k, "'");
    if (op & HV_SCRIPT_REMOVE) {
        put_line(k, "if (Test-Path -LiteralPath $key) {");
        put_line(k, "    Remove-Item -LiteralPath $key -Recurse");
        put_line(k, "}");
        return;
    }
    put_str(k, "$guid = '");
    put_str(k, gs);
    put_line(k, "'");
    put_str(k, "$name = ");
    put_ps_string(k, name);
    put_line(k, "");
    write_ps1_check(k);
    if (op & HV_SCRIPT_BY_NAME) {
        put_line(k, "if ($same) { $guid; exit 0 }");
        put_line(k, "if ($others.Count -gt 1) {");
        put_line(k, "    [Console]::Error.WriteLine(\"hvreg: refused: several entries have "
                    "the name: $list (give the GUID)\")");
        put_line(k, "    exit 65");
        put_line(k, "}");
        put_line(k, "if ($others.Count -eq 1) { ([guid]$others[0].PSChildName).ToString(); exit 0 }");
    }
    if (!(op & HV_SCRIPT_FORCE)) {
        if (!(op & HV_SCRIPT_BY_NAME)) {
            put_line(k, "if ($others.Count -gt 0) {");
            put_line(k, "    [Console]::Error.WriteLine(\"hvreg: refused: the name is already "
                        "registered for $list (this script was written without --force)\")");
            put_line(k, "    exit 65");
            put_line(k, "}");
        }
        put_line(k, "if ($mine -is [string] -and -not $same) {");
        put_line(k, "    [Console]::Error.WriteLine(\"hvreg: refused: $guid is already "
                    "registered under another name (this script was written without --force)\")");
        put_line(k, "    exit 65");
        put_line(k, "}");
    }
    /* without --force the same name (in any case) stays as it is; New-Item
     * -Force on an existing key would recreate it empty */
    ind = (op & HV_SCRIPT_FORCE) ? "" : "    ";
    if (!(op & HV_SCRIPT_FORCE))
        put_line(k, "if (-not $same) {");
    put_str(k, ind);
    put_line(k, "if (-not (Test-Path -LiteralPath $key)) {");
    put_str(k, ind);
    put_line(k, "    New-Item -Path $key -Force | Out-Null");
    put_str(k, ind);
    put_line(k, "}");
    put_str(k, ind);
    put_line(k, "New-ItemProperty -LiteralPath $key -Name '" HV_REG_VALUE_NAME
                "' -PropertyType String -Value $name -Force | Out-Null");
    if (!(op & HV_SCRIPT_FORCE))
        put_line(k, "}");
    if (op & HV_SCRIPT_FORCE) {
        put_line(k, "foreach ($k in $others) {");
        put_line(k, "    Remove-Item -LiteralPath $k.PSPath -Recurse");
        put_line(k, "}");
    }
    put_line(k, "$guid");
}

/* ---------------------------------------------------------------- .cmd */

static int cmd_plain(uint32_t cp)
{
    return cp < 0x20 || cp > 0x7e;
}

/* The printable-ASCII name as reg add's "..." argument in a batch file. */
static void put_cmd_arg(struct sink *k, const char *name)
{
    const char *p = name;
    int in_quote = 1; /* cmd's view, after our opening quote */

    put_str(k, "\"");
    while (*p) {
        if (*p == '\\') {
            size_t run = 0, i;
            while (p[run] == '\\')
                run++;
            /* before a quote (ours or the name's) they must be doubled */
            if (p[run] == '"' || p[run] == '\0')
                run *= 2;
            for (i = 0; i < run; i++)
                put_str(k, "\\");
            while (*p == '\\')
                p++;
            continue;
        }
        if (*p == '"') {
            put_str(k, "\\\""); /* literal " for reg; flips cmd's state */
            in_quote = !in_quote;
        } else if (*p == '%') {
            put_str(k, "%%");
        } else {
            if (!in_quote && strchr("&|<>^()", *p))
                put_str(k, "^");
            put_byte(k, (unsigned char)*p);
        }
        p++;
    }
    put_str(k, "\"");
}

/* The subroutine :hvreg_write: the name into ElementName of %hvreg_key%
 * (the service's key, or the scratch key the name is read back from). */
static void write_cmd_write(struct sink *k, const char *gs, const char *name,
                            int via_reg)
{
    put_line(k, ":hvreg_write");
    if (!via_reg) {
        put_str(k, "reg add \"%hvreg_key%\" /v " HV_REG_VALUE_NAME " /t REG_SZ /d ");
        put_cmd_arg(k, name);
        put_line(k, " /f /reg:64");
        put_line(k, "exit /b %errorlevel%");
    } else {
        unsigned char data[REGSZ_MAX];
        size_t n = regsz_bytes(name, data), i;
        const char *prefix = ">>\"%hvreg_tmp%\" cmd /d /u /c echo ";

        put_str(k, "set \"hvreg_tmp=%TEMP%\\hvreg-");
        put_str(k, gs);
        put_line(k, ".reg\"");
        put_line(k, "reg add \"%hvreg_key%\" /v " HV_REG_VALUE_NAME
                    " /t REG_SZ /d \"\" /f /reg:64 >nul");
        put_line(k, "if errorlevel 1 exit /b 1");
        put_line(k, "reg export \"%hvreg_key%\" \"%hvreg_tmp%\" /y /reg:64 >nul");
        put_line(k, "if errorlevel 1 exit /b 1");
        put_str(k, prefix);
        put_str(k, "\"" HV_REG_VALUE_NAME "\"=hex(1):");
        for (i = 0; i < n; i++) {
            put_hex2(k, data[i]);
            if (i + 1 < n) {
                put_str(k, ",");
                if (i % 24 == 23) {
                    put_line(k, "\\");
                    put_str(k, prefix);
                }
            }
        }
        put_line(k, "");
        put_line(k, "reg import \"%hvreg_tmp%\" /reg:64");
        put_line(k, "set \"hvreg_rc=%errorlevel%\"");
        put_line(k, "del \"%hvreg_tmp%\" 2>nul");
        put_line(k, "exit /b %hvreg_rc%");
    }
}

/* The subroutines that compare names. cmd cannot hold every name in its
 * own text (see above), so the name is written to a scratch key and read
 * back through reg query like every entry's: both go through the same
 * code page and the same parsing, and compare with if /i (ignoring case).
 * " becomes '' first: if then sees no quote inside its operands (Wine's
 * cmd parses the comparison after expanding it). Only the first line of a
 * name counts and leading blanks are dropped, so names that differ only
 * there, or in characters the code page cannot show, compare equal: such
 * a script refuses rather than replaces. */
/* The end of a reg query in a for /f: a line hvreg-ran after reg has
 * answered 0 (found) or 1 (not there). Without it reg did not run (cmd
 * could not start it or the cmd /c that for /f starts: 9009, or it died
 * as it started), and an empty answer would be taken for "no such entry":
 * the script would then register a second entry with the name, or keep
 * one --force should remove. Such a script stops (exit 1) with nothing
 * changed. Seen under Wine, where a new process now and then fails to map
 * its shared user data. */
#define RAN_MARK "^& if not errorlevel 2 if errorlevel 0 echo hvreg-ran"

static void write_cmd_compare(struct sink *k)
{
    put_line(k, ":hvreg_shown");
    put_line(k, "rem hvreg_v: the name of key %1 as reg query shows it; undefined if none");
    put_line(k, "set \"hvreg_v=\"");
    put_line(k, "set \"hvreg_ran=\"");
    /* the whole line after do is the body (Wine's cmd takes no else
     * there, and runs no if after a set and &) */
    put_line(k, "for /f \"tokens=1,2,*\" %%a in ('reg query \"%~1\" /v " HV_REG_VALUE_NAME
                " /reg:64 2^>nul " RAN_MARK "') do (if \"%%a\"==\"hvreg-ran\" set "
                "\"hvreg_ran=1\") & if not defined hvreg_v if /i \"%%a\"==\""
                HV_REG_VALUE_NAME "\" set \"hvreg_v=%%c\"");
    put_line(k, "if not defined hvreg_ran set \"hvreg_fail=%~1\"");
    put_line(k, "if defined hvreg_v set \"hvreg_v=%hvreg_v:\"=''%\"");
    put_line(k, "exit /b 0");
    put_line(k, "");
    put_line(k, ":hvreg_match");
    put_line(k, "rem %1: a key under the parent; counted when it is another service that");
    put_line(k, "rem has the name");
    put_line(k, "if \"%~1\"==\"hvreg-ran\" set \"hvreg_listed=1\"");
    put_line(k, "if \"%~1\"==\"hvreg-ran\" exit /b 0");
    put_line(k, "call :hvreg_shown \"%~1\"");
    put_line(k, "if not defined hvreg_v exit /b 0");
    put_line(k, "if /i not \"%hvreg_v%\"==\"%hvreg_name%\" exit /b 0");
    put_line(k, "set \"hvreg_k=%~nx1\"");
    put_line(k, "set \"hvreg_g=%hvreg_k:{=%\"");
    put_line(k, "set \"hvreg_g=%hvreg_g:}=%\"");
    /* substitution ignores case: this lowers the hex digits */
    put_line(k, "set \"hvreg_g=%hvreg_g:a=a%\"");
    put_line(k, "set \"hvreg_g=%hvreg_g:b=b%\"");
    put_line(k, "set \"hvreg_g=%hvreg_g:c=c%\"");
    put_line(k, "set \"hvreg_g=%hvreg_g:d=d%\"");
    put_line(k, "set \"hvreg_g=%hvreg_g:e=e%\"");
    put_line(k, "set \"hvreg_g=%hvreg_g:f=f%\"");
    put_line(k, "if /i \"%hvreg_g%\"==\"%hvreg_guid%\" exit /b 0");
    put_line(k, "set /a hvreg_count+=1");
    put_line(k, "set \"hvreg_others=%hvreg_others% %hvreg_k%\"");
    put_line(k, "set \"hvreg_first=%hvreg_g%\"");
    put_line(k, "exit /b 0");
}

static void write_cmd(struct sink *k, int op, const char *gs, const char *name)
{
    int via_reg = (op & HV_SCRIPT_ADD) && name_has(name, cmd_plain);

    put_line(k, "@echo off");
    put_str(k, op & HV_SCRIPT_ADD
                   ? "rem Hyper-V socket service registration, written by hvreg: register "
                   : "rem Hyper-V socket service registration, written by hvreg: remove ");
    put_line(k, gs);
    put_line(k, "rem Run it from an elevated prompt (as Administrator).");
    put_check_comment(k, op, "rem ");
    if (via_reg) {
        put_line(k, "rem The name has characters reg add cannot take in a batch file, so it");
        put_line(k, "rem goes through a UTF-16 .reg file: reg export writes the header, cmd /u");
        put_line(k, "rem appends the value as hex(1) (REG_SZ, UTF-16LE), reg import reads it.");
    }
    put_line(k, "setlocal EnableExtensions DisableDelayedExpansion");
    put_str(k, "set \"hvreg_key=HKLM\\" HV_REG_PARENT_PATH "\\");
    put_str(k, gs);
    put_line(k, "\"");
    if (op & HV_SCRIPT_REMOVE) {
        put_line(k, "reg delete \"%hvreg_key%\" /f /reg:64");
        put_line(k, "exit /b %errorlevel%");
        return;
    }
    put_str(k, "set \"hvreg_guid=");
    put_str(k, gs);
    put_line(k, "\"");
    put_line(k, "set \"hvreg_parent=HKLM\\" HV_REG_PARENT_PATH "\"");
    put_line(k, "set \"hvreg_target=%hvreg_key%\"");
    put_line(k, "set \"hvreg_scratch=HKCU\\Software\\hvreg-%hvreg_guid%\"");
    put_line(k, "rem the name as reg query shows it, read back from a scratch key");
    put_line(k, "set \"hvreg_key=%hvreg_scratch%\"");
    put_line(k, "call :hvreg_write >nul 2>&1");
    put_line(k, "set \"hvreg_key=%hvreg_target%\"");
    put_line(k, "set \"hvreg_fail=\"");
    put_line(k, "call :hvreg_shown \"%hvreg_scratch%\"");
    put_line(k, "reg delete \"%hvreg_scratch%\" /f >nul 2>&1");
    put_line(k, "if defined hvreg_fail goto hvreg_noquery");
    put_line(k, "if not defined hvreg_v goto hvreg_noscratch");
    put_line(k, "set \"hvreg_name=%hvreg_v%\"");
    put_line(k, "rem this GUID's entry: none, same (the name, in any case) or other");
    put_line(k, "call :hvreg_shown \"%hvreg_key%\"");
    put_line(k, "set \"hvreg_mine=none\"");
    put_line(k, "if defined hvreg_v set \"hvreg_mine=other\"");
    put_line(k, "if defined hvreg_v if /i \"%hvreg_v%\"==\"%hvreg_name%\" set \"hvreg_mine=same\"");
    put_line(k, "rem the other services that have the name");
    put_line(k, "set \"hvreg_others=\"");
    put_line(k, "set \"hvreg_count=0\"");
    put_line(k, "set \"hvreg_listed=\"");
    put_line(k, "for /f \"delims=\" %%K in ('reg query \"%hvreg_parent%\" /reg:64 2^>nul "
                RAN_MARK "') do call :hvreg_match \"%%K\"");
    put_line(k, "if not defined hvreg_listed set \"hvreg_fail=%hvreg_parent%\"");
    put_line(k, "if defined hvreg_fail goto hvreg_noquery");
    if (op & HV_SCRIPT_BY_NAME) {
        put_line(k, "if \"%hvreg_mine%\"==\"same\" goto hvreg_done");
        put_line(k, "if \"%hvreg_mine%\"==\"other\" goto hvreg_renamed");
        put_line(k, "if %hvreg_count% GTR 1 goto hvreg_ambiguous");
        put_line(k, "if %hvreg_count%==1 goto hvreg_found");
    } else if (!(op & HV_SCRIPT_FORCE)) {
        put_line(k, "if defined hvreg_others goto hvreg_taken");
        put_line(k, "if \"%hvreg_mine%\"==\"other\" goto hvreg_renamed");
        put_line(k, "if \"%hvreg_mine%\"==\"same\" goto hvreg_done");
    }
    put_line(k, "call :hvreg_write >nul");
    put_line(k, "if errorlevel 1 exit /b %errorlevel%");
    if (op & HV_SCRIPT_FORCE) {
        put_line(k, "set \"hvreg_left=\"");
        put_line(k, "for %%K in (%hvreg_others%) do call :hvreg_remove %%K");
        put_line(k, "if defined hvreg_left goto hvreg_notremoved");
    }
    put_line(k, ":hvreg_done");
    put_line(k, "echo %hvreg_guid%");
    put_line(k, "exit /b 0");
    put_line(k, "");
    put_line(k, ":hvreg_noscratch");
    put_line(k, ">&2 echo hvreg: cannot write and read back the name under %hvreg_scratch%");
    put_line(k, "exit /b 1");
    put_line(k, ":hvreg_noquery");
    put_line(k, ">&2 echo hvreg: reg query did not run for %hvreg_fail% (nothing was "
                "changed; run the script again)");
    put_line(k, "exit /b 1");
    if (op & HV_SCRIPT_FORCE) {
        put_line(k, ":hvreg_notremoved");
        put_line(k, ">&2 echo hvreg: %hvreg_guid% has the name now, but not every one "
                    "of%hvreg_others% could be removed (run the script again)");
        put_line(k, "exit /b 1");
        /* (Wine's cmd runs what follows || even after a success) */
        put_line(k, ":hvreg_remove");
        put_line(k, "reg delete \"%hvreg_parent%\\%~1\" /f /reg:64 >nul");
        put_line(k, "if errorlevel 1 set \"hvreg_left=1\"");
        put_line(k, "exit /b 0");
    }
    if (op & HV_SCRIPT_BY_NAME) {
        put_line(k, ":hvreg_found");
        put_line(k, "echo %hvreg_first%");
        put_line(k, "exit /b 0");
        put_line(k, ":hvreg_ambiguous");
        put_line(k, ">&2 echo hvreg: refused: several entries have the name:%hvreg_others% "
                    "(give the GUID)");
        put_line(k, "exit /b 65");
    } else if (!(op & HV_SCRIPT_FORCE)) {
        put_line(k, ":hvreg_taken");
        put_line(k, ">&2 echo hvreg: refused: the name is already registered "
                    "for%hvreg_others% (this script was written without --force)");
        put_line(k, "exit /b 65");
    }
    if (!(op & HV_SCRIPT_FORCE)) {
        put_line(k, ":hvreg_renamed");
        put_line(k, ">&2 echo hvreg: refused: %hvreg_guid% is already registered under "
                    "another name (this script was written without --force)");
        put_line(k, "exit /b 65");
    }
    put_line(k, "");
    write_cmd_write(k, gs, name, via_reg);
    put_line(k, "");
    write_cmd_compare(k);
}

/* ---------------------------------------------------------------- entry */

long hv_script_write(enum hv_script_format f, enum hv_script_op op,
                     const struct hv_guid *g, const char *name, char *buf,
                     size_t n)
{
    struct sink k;
    char gs[HV_GUID_BUFSIZE];

    if (g == NULL || (op != HV_SCRIPT_REMOVE &&
                      (op & ~(HV_SCRIPT_FORCE | HV_SCRIPT_BY_NAME)) != HV_SCRIPT_ADD))
        return HV_EINVAL;
    if ((op & HV_SCRIPT_ADD) && hv_script_check(f, name, NULL, 0) < 0)
        return HV_EINVAL;
    if (op == HV_SCRIPT_REMOVE)
        name = "";
    memset(&k, 0, sizeof k);
    k.buf = buf;
    k.n = buf ? n : 0;
    hv_guid_format(g, gs);
    switch (f) {
    case HV_SCRIPT_REG:
        write_reg(&k, op, gs, name);
        break;
    case HV_SCRIPT_PS1:
        write_ps1(&k, op, gs, name);
        break;
    case HV_SCRIPT_CMD:
        write_cmd(&k, op, gs, name);
        break;
    default:
        return HV_EINVAL;
    }
    return (long)k.len;
}

int hv_script_alloc(enum hv_script_format f, enum hv_script_op op,
                    const struct hv_guid *g, const char *name, char **out,
                    size_t *len)
{
    long need = hv_script_write(f, op, g, name, NULL, 0);
    char *p;
    if (need < 0)
        return (int)need;
    p = malloc((size_t)need + 1);
    if (p == NULL)
        return HV_ENOMEM;
    hv_script_write(f, op, g, name, p, (size_t)need);
    p[need] = '\0';
    *out = p;
    *len = (size_t)need;
    return 0;
}
