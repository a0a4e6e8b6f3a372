/* wsl_win.c: the id of the running WSL2 VM from its Windows host, without
 * elevation: the --vm-id argument of the wslhost.exe processes (their
 * command lines read through NtQueryInformationProcess), else the HCS
 * compute system owned by WSL. */
#include <stdlib.h>
#include <string.h>

#include "platform_win.h"

#include <tlhelp32.h>

typedef LONG(WINAPI *nt_query_fn)(HANDLE, ULONG, void *, ULONG, ULONG *);

/* ProcessCommandLineInformation (Windows 8.1+): a UNICODE_STRING whose
 * buffer follows it; readable with PROCESS_QUERY_LIMITED_INFORMATION, so
 * without elevation for the user's own wslhost.exe */
#define PROCESS_COMMAND_LINE_INFORMATION 60
struct ustr {
    USHORT len, max;
    wchar_t *buf;
};

/* Older systems (and Wine) lack that class: read the command line from
 * the process's PEB instead (RTL_USER_PROCESS_PARAMETERS.CommandLine), which
 * needs PROCESS_VM_READ, granted on the user's own processes. Offsets are
 * those of a process of our own bitness; others count as unreadable. */
#define PROCESS_BASIC_INFORMATION_CLASS 0
struct basic_info {
    LONG exit_status;
    void *peb;
    ULONG_PTR affinity;
    LONG priority;
    ULONG_PTR pid, parent;
};

static int cmdline_from_peb(nt_query_fn q, DWORD pid, wchar_t *w, size_t wcap)
{
    const size_t params_off = sizeof(void *) == 8 ? 0x20 : 0x10;
    const size_t cmd_off = sizeof(void *) == 8 ? 0x70 : 0x40;
    struct basic_info bi;
    struct ustr u;
    char *params = NULL;
    HANDLE h;
    ULONG got = 0;
    SIZE_T rd = 0;
    int ok = 0;

    h = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid);
    if (h == NULL)
        return -1;
    memset(&bi, 0, sizeof bi);
    if (q(h, PROCESS_BASIC_INFORMATION_CLASS, &bi, sizeof bi, &got) >= 0 &&
        bi.peb != NULL &&
        ReadProcessMemory(h, (const char *)bi.peb + params_off, &params,
                          sizeof params, &rd) &&
        rd == sizeof params && params != NULL &&
        ReadProcessMemory(h, params + cmd_off, &u, sizeof u, &rd) &&
        rd == sizeof u && u.buf != NULL && u.len / 2 < wcap &&
        ReadProcessMemory(h, u.buf, w, u.len, &rd) && rd == u.len) {
        w[u.len / 2] = 0;
        ok = 1;
    }
    CloseHandle(h);
    return ok ? 0 : -1;
}

static int cmdline_of(nt_query_fn q, DWORD pid, char *out, size_t n)
{
    HANDLE h;
    ULONG got = 0;
    LONG st = -1;
    void *buf;
    const ULONG size = 70000; /* 32767 UTF-16 units and the header */
    struct ustr *u;

    out[0] = '\0';
    if ((buf = calloc(1, size)) == NULL)
        return -1;
    h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (h != NULL) {
        st = q(h, PROCESS_COMMAND_LINE_INFORMATION, buf, size, &got);
        CloseHandle(h);
    }
    u = buf;
    if (st >= 0 && got >= sizeof *u && u->buf != NULL &&
        (const char *)u->buf >= (const char *)buf &&
        (const char *)u->buf + u->len <= (const char *)buf + size) {
        (void)hv__wide_to_utf8_buf(u->buf, u->len / 2, out, n);
    } else if (cmdline_from_peb(q, pid, buf, size / sizeof(wchar_t)) == 0) {
        (void)hv__wide_to_utf8_buf(buf, -1, out, n);
    } else {
        free(buf);
        return -1;
    }
    free(buf);
    return 0;
}

int hv__wsl_from_processes(struct hv_guid *out, char *why, size_t whylen)
{
    HANDLE snap;
    PROCESSENTRY32W pe;
    nt_query_fn q;
    char *cmd;
    struct hv_guid g;
    int seen = 0, unreadable = 0, found = 0, differ = 0;

    q = (nt_query_fn)(hv__any_fn)GetProcAddress(GetModuleHandleW(L"ntdll.dll"),
                                            "NtQueryInformationProcess");
    snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE || q == NULL) {
        hv__fmt(why, whylen, "cannot list processes");
        return 0;
    }
    if ((cmd = malloc(98304)) == NULL) {
        CloseHandle(snap);
        return HV_ENOMEM;
    }
    pe.dwSize = sizeof pe;
    if (Process32FirstW(snap, &pe)) {
        do {
            if (_wcsicmp(pe.szExeFile, L"wslhost.exe") != 0)
                continue;
            seen++;
            if (cmdline_of(q, pe.th32ProcessID, cmd, 98304) < 0) {
                unreadable++;
                continue;
            }
            if (!hv_wsl_cmdline_vmid(cmd, &g))
                continue;
            if (found && !hv_guid_equal(&g, out))
                differ = 1;
            if (!found)
                *out = g;
            found = 1;
        } while (Process32NextW(snap, &pe));
    }
    free(cmd);
    CloseHandle(snap);
    if (differ) {
        hv__fmt(why, whylen, "wslhost.exe processes name different VMs");
        return HV_EAMBIGUOUS;
    }
    if (found) {
        hv__fmt(why, whylen, "wslhost.exe --vm-id");
        return 1;
    }
    if (seen == 0)
        hv__fmt(why, whylen, "no wslhost.exe running");
    else
        hv__fmt(why, whylen, "%d wslhost.exe running, %d unreadable, none "
                             "with --vm-id", seen, unreadable);
    return 0;
}

int hv_vm_wsl(struct hv_guid *out, char *note, size_t notelen)
{
    char pwhy[128] = "", hwhy[256] = "";
    struct hv_vms vms = HV_VMS_INIT;
    size_t i, found = 0;
    int r;

    if (note && notelen)
        note[0] = '\0';
    r = hv__wsl_from_processes(out, pwhy, sizeof pwhy);
    if (r != 0) {
        hv__fmt(note, notelen, "%s", pwhy);
        return r < 0 ? r : 0;
    }
    r = hv__hcs_list(&vms, hwhy, sizeof hwhy);
    if (r < 0) {
        hv_vms_free(&vms);
        hv__fmt(note, notelen, "tried processes: %s; %s", pwhy, hwhy);
        return HV_ENOVM;
    }
    for (i = 0; i < vms.n; i++) {
        if (!hv__strcaseeq(vms.v[i].owner, "WSL"))
            continue;
        if (found && !hv_guid_equal(out, &vms.v[i].id)) {
            hv_vms_free(&vms);
            hv__fmt(note, notelen, "HCS lists several WSL VMs");
            return HV_EAMBIGUOUS;
        }
        *out = vms.v[i].id;
        found++;
    }
    hv_vms_free(&vms);
    if (found) {
        hv__fmt(note, notelen, "HCS (Owner WSL)");
        return 0;
    }
    /* HCS answered: that no WSL VM runs is a fact, and so is the cure */
    hv__fmt(note, notelen, "tried processes: %s; HCS: no compute system "
                           "owned by WSL, so WSL2 is not running (start it: "
                           "wsl.exe)", pwhy);
    return HV_ENOVM;
}
