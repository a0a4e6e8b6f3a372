/* diag_win.c: the facts of a Windows machine for the diagnosis (diag.c),
 * read only as a failure (or a listener's start) asks for them: the
 * service's registration, whether this Windows is a Hyper-V guest, its
 * edition, this process's elevation and Hyper-V Administrators membership,
 * the compute systems HCS lists (when it answers quickly and without
 * elevation trouble) and the running WSL2 VM. Reads only; a fact that
 * cannot be read stays unknown. */
#include <string.h>

#include "platform_win.h"

#define GUEST_PARAMS_W L"SOFTWARE\\Microsoft\\Virtual Machine\\Guest\\Parameters"
#define CURRENT_VERSION_W L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
/* HCS answers in milliseconds when it answers at all: the diagnosis ends
 * within about 100 ms, so a slow one counts as unknown */
#define DIAG_HCS_MS 100u

/* 1 when key HKLM\k exists, 0 when it does not, -1 when unreadable. */
static int key_exists(const wchar_t *k)
{
    HKEY h;
    LSTATUS st = RegOpenKeyExW(HKEY_LOCAL_MACHINE, k, 0,
                               KEY_READ | KEY_WOW64_64KEY, &h);
    if (st == ERROR_SUCCESS) {
        RegCloseKey(h);
        return 1;
    }
    return st == ERROR_FILE_NOT_FOUND ? 0 : HV_FACT_UNKNOWN;
}

static void registered(const struct hv_addr *a, struct hv_diag_facts *f)
{
    struct hv_service svc;
    int r = hv_reg_get(&a->service_id, &svc);
    f->registered = r == 0 ? 1 : r == HV_EABSENT ? 0 : HV_FACT_UNKNOWN;
    f->windows_guest = key_exists(GUEST_PARAMS_W);
}

/* Windows Home's EditionIDs are Core, CoreN, CoreSingleLanguage,
 * CoreCountrySpecific. */
static void edition(struct hv_diag_facts *f)
{
    wchar_t w[64];
    DWORD type = 0, size = sizeof w - sizeof w[0];
    HKEY h;
    LSTATUS st;

    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, CURRENT_VERSION_W, 0,
                      KEY_READ | KEY_WOW64_64KEY, &h) != ERROR_SUCCESS)
        return;
    memset(w, 0, sizeof w);
    st = RegQueryValueExW(h, L"EditionID", NULL, &type, (BYTE *)w, &size);
    RegCloseKey(h);
    if (st != ERROR_SUCCESS || type != REG_SZ || w[0] == 0)
        return;
    if (hv__wide_to_utf8_buf(w, -1, f->edition, sizeof f->edition) <= 0)
        return;
    f->home = strncmp(f->edition, "Core", 4) == 0;
}

/* Elevation, and the Hyper-V Administrators group (S-1-5-32-578): whose
 * members "have complete and unrestricted access to all the features in
 * Hyper-V" (learn.microsoft.com/windows-server/identity/ad-ds/manage/
 * understand-security-groups#hyper-v-administrators). */
#define HYPERV_ADMINS_RID 578
static void token(struct hv_diag_facts *f)
{
    SID_IDENTIFIER_AUTHORITY nt = {SECURITY_NT_AUTHORITY};
    TOKEN_ELEVATION te;
    wchar_t name[257];
    DWORD len = 0, n = 257;
    HANDLE tok;
    PSID sid;
    BOOL member = FALSE;

    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
        if (GetTokenInformation(tok, TokenElevation, &te, sizeof te, &len))
            f->elevated = te.TokenIsElevated != 0;
        CloseHandle(tok);
    }
    if (AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID,
                                 HYPERV_ADMINS_RID, 0, 0, 0, 0, 0, 0, &sid)) {
        if (CheckTokenMembership(NULL, sid, &member))
            f->hv_admin = member != 0;
        FreeSid(sid);
    }
    if (GetUserNameW(name, &n) && hv__wide_to_utf8_buf(name, -1, f->user,
                                                       sizeof f->user) <= 0)
        f->user[0] = '\0';
}

/* The running WSL2 VM: its wslhost.exe processes (any user may read his
 * own), else HCS's list when it was read. */
static void wsl(struct hv_diag_facts *f)
{
    char why[256];
    size_t i;
    if (hv__wsl_from_processes(&f->wsl_id, why, sizeof why) == 1) {
        f->wsl_running = 1;
        return;
    }
    if (!f->vms_known)
        return;
    f->wsl_running = 0;
    for (i = 0; i < f->vms.n; i++) {
        if (hv__strcaseeq(f->vms.v[i].owner, "WSL") &&
            hv__strcaseeq(f->vms.v[i].state, "Running")) {
            f->wsl_running = 1;
            f->wsl_id = f->vms.v[i].id;
            return;
        }
    }
}

void hv_diag_facts_read(const struct hv_addr *a, enum hv_diag_op op, int err,
                        const char *root, struct hv_diag_facts *f)
{
    char why[256];
    (void)root;
    if (a->family != HV_FAMILY_HYPERV)
        return;
    if (op == HV_DIAG_START) {
        const struct hv_keyword *k = hv__keyword_by_guid(&a->vm_id);
        registered(a, f);
        if (k != NULL && (strcmp(k->name, "wildcard") == 0 ||
                          strcmp(k->name, "children") == 0))
            wsl(f);
        return;
    }
    if (err == HV_ENOHVSOCK) {
        edition(f);
        return;
    }
    if (err == HV_EACCES) {
        token(f);
        if (op == HV_DIAG_LISTEN)
            registered(a, f);
        return;
    }
    if (op == HV_DIAG_CONNECT && hv__keyword_by_guid(&a->vm_id) == NULL) {
        f->vms_known = hv__hcs_list_within(&f->vms, DIAG_HCS_MS, why,
                                           sizeof why) == 0;
        wsl(f);
    }
}
