/* user_win.c: Windows accounts for peer rules (--allow/--deny on named
 * pipes and unix sockets). An account is a name or a SID, never a number;
 * rules and peers carry the SID as its canonical text (S-1-5-...), and a
 * peer's SID is its process token's user. */
#include <stdlib.h>
#include <string.h>

#include "platform_win.h"

#include <sddl.h>

/* A Windows account is a name or a SID, never a number: a uid:N rule
 * would never match (and a --deny would let everyone in). */
int hv__uids_exist(void)
{
    return 0;
}

int hv__uid_by_name(const char *name, uint32_t *uid)
{
    (void)name;
    (void)uid;
    return HV_ENOTSUP;
}

/* A binary SID as its canonical text, UTF-8, in out (n bytes). */
static int sid_text(PSID sid, char *out, size_t n)
{
    wchar_t *w = NULL;
    int r;

    if (!ConvertSidToStringSidW(sid, &w))
        return hv__err_from_os((long)GetLastError());
    r = hv__wide_to_utf8_buf(w, -1, out, n);
    LocalFree(w);
    if (r < 0)
        return r;
    return (size_t)r + 1 < n ? 0 : HV_ERANGE;
}

/* The binary SID of its text (LocalFree it), NULL when the text is none. */
static PSID sid_of_text(const char *text)
{
    wchar_t *w = hv__wide(text);
    PSID sid = NULL;

    if (w == NULL)
        return NULL;
    if (!ConvertStringSidToSidW(w, &sid))
        sid = NULL;
    free(w);
    return sid;
}

int hv__user_sid(const char *name, int is_sid, char *out, size_t n)
{
    BYTE buf[SECURITY_MAX_SID_SIZE];
    wchar_t domain[256];
    DWORD sidlen = sizeof buf, dlen = sizeof domain / sizeof *domain;
    SID_NAME_USE use;
    wchar_t *w;
    PSID sid;
    int r;

    if (is_sid) {
        /* "S-1-..." only: ConvertStringSidToSidW also takes SDDL's
         * two-letter aliases (BA, SY), which are no SIDs a user typed */
        if ((name[0] != 'S' && name[0] != 's') || name[1] != '-' ||
            (sid = sid_of_text(name)) == NULL)
            return HV_EINVAL;
        r = sid_text(sid, out, n);
        LocalFree(sid);
        return r;
    }
    if ((w = hv__wide(name)) == NULL)
        return HV_EINVAL;
    /* a name, DOMAIN\name or name@domain; a group's name is refused,
     * since a peer is matched by its token's user only */
    if (!LookupAccountNameW(NULL, w, buf, &sidlen, domain, &dlen, &use)) {
        DWORD e = GetLastError();
        free(w);
        return e == ERROR_NONE_MAPPED ? HV_ENOTFOUND
                                      : hv__err_from_os((long)e);
    }
    free(w);
    if (use != SidTypeUser)
        return HV_ENOTFOUND;
    return sid_text(buf, out, n);
}

int hv__sid_same(const char *a, const char *b)
{
    PSID sa, sb;
    int same = 0;

    if (a[0] == '\0' || b[0] == '\0')
        return 0;
    sa = sid_of_text(a);
    sb = sid_of_text(b);
    if (sa && sb)
        same = EqualSid(sa, sb) != 0;
    if (sa)
        LocalFree(sa);
    if (sb)
        LocalFree(sb);
    return same;
}

/* The user of process pid: OpenProcess, OpenProcessToken and
 * GetTokenInformation(TokenUser). A process of another user is opened
 * only by an elevated caller (a process's default DACL grants its own
 * user, SYSTEM and Administrators): then the answer is HV_EACCES. */
int hv__pid_user_sid(unsigned long pid, char *out, size_t n)
{
    union {
        TOKEN_USER user;
        BYTE bytes[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } tu;
    HANDLE proc, tok;
    DWORD len = 0;
    int r = 0;

    out[0] = '\0';
    proc = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
    if (proc == NULL)
        return hv__err_from_os((long)GetLastError());
    if (!OpenProcessToken(proc, TOKEN_QUERY, &tok)) {
        r = hv__err_from_os((long)GetLastError());
        CloseHandle(proc);
        return r;
    }
    if (!GetTokenInformation(tok, TokenUser, &tu, sizeof tu, &len))
        r = hv__err_from_os((long)GetLastError());
    else
        r = sid_text(tu.user.User.Sid, out, n);
    CloseHandle(tok);
    CloseHandle(proc);
    if (r < 0)
        out[0] = '\0';
    return r;
}
