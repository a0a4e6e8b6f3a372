/* vmid_win.c: VM ids on Windows. Host side: the Hyper-V WMI provider
 * (root\virtualization\v2 Msvm_ComputerSystem, through COM) and the Host
 * Compute Service (computecore.dll, loaded at run time since Home editions
 * and older systems lack it). Guest side: the KVP registry values.
 * Parsing the answers is done by the portable files (vmid.c, hcsjson.c,
 * kvp.c); WSL's VM is found in wsl_win.c. */
#define COBJMACROS
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform_win.h"

#include <objbase.h>
#include <oleauto.h>
#include <wbemidl.h>

/* written out as wide literals where the API takes them, not pasted as
 * L"" MACRO (a wide and a narrow literal joined: C11, but MSVC's older
 * front ends refuse it) */
#define GUEST_PARAMS "SOFTWARE\\Microsoft\\Virtual Machine\\Guest\\Parameters"
#define GUEST_PARAMS_W L"SOFTWARE\\Microsoft\\Virtual Machine\\Guest\\Parameters"
#define WMI_NAMESPACE "root\\virtualization\\v2"
#define WMI_NAMESPACE_W L"root\\virtualization\\v2"
#define HCS_TIMEOUT_MS 30000u
#define WMI_TIMEOUT_MS 30000

/* ------------------------------------------------------------ text */

/* UTF-16 (wlen units, or -1 up to the NUL) to UTF-8 in buf[n], cut at a
 * character boundary when it does not fit; "" when it cannot be had. */
static void utf8_of(const wchar_t *w, int wlen, char *buf, size_t n)
{
    (void)hv__wide_to_utf8_buf(w, wlen, buf, n);
}

/* ------------------------------------------------------------ WMI */

static void bstr_prop(IWbemClassObject *o, const wchar_t *prop, char *buf,
                      size_t n)
{
    VARIANT v;
    buf[0] = '\0';
    VariantInit(&v);
    if (SUCCEEDED(IWbemClassObject_Get(o, prop, 0, &v, NULL, NULL)) &&
        V_VT(&v) == VT_BSTR && V_BSTR(&v) != NULL)
        utf8_of(V_BSTR(&v), -1, buf, n);
    VariantClear(&v);
}

static long int_prop(IWbemClassObject *o, const wchar_t *prop)
{
    VARIANT v;
    long r = -1;
    VariantInit(&v);
    if (SUCCEEDED(IWbemClassObject_Get(o, prop, 0, &v, NULL, NULL))) {
        switch (V_VT(&v)) {
        case VT_I4: r = V_I4(&v); break;
        case VT_UI4: r = (long)V_UI4(&v); break;
        case VT_I2: r = V_I2(&v); break;
        case VT_UI2: r = V_UI2(&v); break;
        default: break;
        }
    }
    VariantClear(&v);
    return r;
}

static int wmi_list(struct hv_vms *vms, char *why, size_t whylen)
{
    IWbemLocator *loc = NULL;
    IWbemServices *svc = NULL;
    IEnumWbemClassObject *en = NULL;
    BSTR ns = NULL, lang = NULL, query = NULL;
    HRESULT hr;
    int r = 0;

    hr = CoCreateInstance(&CLSID_WbemLocator, NULL, CLSCTX_INPROC_SERVER,
                          &IID_IWbemLocator, (void **)&loc);
    if (FAILED(hr)) {
        hv__fmt(why, whylen, "WMI is not available (0x%08lx)",
                (unsigned long)hr);
        return HV_ENOTSUP;
    }
    ns = SysAllocString(WMI_NAMESPACE_W);
    lang = SysAllocString(L"WQL");
    /* every row; the host's own row is dropped by hv_wmi_add_row */
    query = SysAllocString(
        L"SELECT Name, ElementName, EnabledState FROM Msvm_ComputerSystem");
    if (!ns || !lang || !query) {
        r = HV_ENOMEM;
        goto out;
    }
    hr = IWbemLocator_ConnectServer(loc, ns, NULL, NULL, NULL, 0, NULL, NULL,
                                    &svc);
    if (FAILED(hr)) {
        r = hv_vm_source_error((unsigned long)hr);
        if (r == HV_EACCES)
            hv__fmt(why, whylen, "WMI " WMI_NAMESPACE ": access denied");
        else if (hr == (HRESULT)WBEM_E_INVALID_NAMESPACE)
            hv__fmt(why, whylen, "WMI namespace " WMI_NAMESPACE
                                 " not found (Hyper-V is not installed)");
        else
            hv__fmt(why, whylen, "WMI " WMI_NAMESPACE ": error 0x%08lx",
                    (unsigned long)hr);
        goto out;
    }
    CoSetProxyBlanket((IUnknown *)svc, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE,
                      NULL, RPC_C_AUTHN_LEVEL_CALL,
                      RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE);
    hr = IWbemServices_ExecQuery(svc, lang, query,
                                 WBEM_FLAG_FORWARD_ONLY |
                                     WBEM_FLAG_RETURN_IMMEDIATELY,
                                 NULL, &en);
    while (SUCCEEDED(hr)) {
        IWbemClassObject *obj = NULL;
        ULONG got = 0;
        char name[HV_VM_NAME_MAX], ename[HV_VM_NAME_MAX];
        hr = IEnumWbemClassObject_Next(en, WMI_TIMEOUT_MS, 1, &obj, &got);
        if (hr != WBEM_S_NO_ERROR || got == 0)
            break;
        bstr_prop(obj, L"Name", name, sizeof name);
        bstr_prop(obj, L"ElementName", ename, sizeof ename);
        r = hv_wmi_add_row(vms, name, ename, int_prop(obj, L"EnabledState"));
        IWbemClassObject_Release(obj);
        if (r < 0)
            goto out;
        r = 0;
    }
    if (FAILED(hr)) {
        r = hv_vm_source_error((unsigned long)hr);
        if (r == HV_EACCES)
            hv__fmt(why, whylen, "WMI Msvm_ComputerSystem: access denied");
        else
            hv__fmt(why, whylen, "WMI Msvm_ComputerSystem query: error "
                                 "0x%08lx", (unsigned long)hr);
    } else if (hr == WBEM_S_TIMEDOUT) {
        hv__fmt(why, whylen, "WMI Msvm_ComputerSystem query timed out");
        r = HV_ETIMEDOUT;
    }
out:
    if (en)
        IEnumWbemClassObject_Release(en);
    if (svc)
        IWbemServices_Release(svc);
    if (loc)
        IWbemLocator_Release(loc);
    SysFreeString(ns);
    SysFreeString(lang);
    SysFreeString(query);
    return r;
}

/* ------------------------------------------------------------ HCS */

typedef void *hcs_op;
typedef hcs_op(WINAPI *hcs_create_op_fn)(const void *ctx, void *callback);
typedef HRESULT(WINAPI *hcs_enum_fn)(const wchar_t *query, hcs_op op);
typedef HRESULT(WINAPI *hcs_wait_fn)(hcs_op op, DWORD ms, wchar_t **result);
typedef void(WINAPI *hcs_close_op_fn)(hcs_op op);

int hv__hcs_list(struct hv_vms *vms, char *why, size_t whylen)
{
    return hv__hcs_list_within(vms, HCS_TIMEOUT_MS, why, whylen);
}

int hv__hcs_list_within(struct hv_vms *vms, unsigned long ms, char *why,
                        size_t whylen)
{
    HMODULE dll;
    hcs_create_op_fn create_op;
    hcs_enum_fn enumerate;
    hcs_wait_fn wait;
    hcs_close_op_fn close_op;
    hcs_op op;
    wchar_t *res = NULL;
    char *json = NULL, hint[128];
    HRESULT hr;
    int r;

    dll = LoadLibraryExW(L"computecore.dll", NULL,
                         LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (dll == NULL) {
        hv__fmt(why, whylen, "HCS: computecore.dll not available (Windows 10 "
                             "1809 or later with Hyper-V or the Virtual "
                             "Machine Platform)");
        return HV_ENOTSUP;
    }
    create_op = (hcs_create_op_fn)(hv__any_fn)GetProcAddress(dll,
                                                         "HcsCreateOperation");
    enumerate = (hcs_enum_fn)(hv__any_fn)GetProcAddress(
        dll, "HcsEnumerateComputeSystems");
    wait = (hcs_wait_fn)(hv__any_fn)GetProcAddress(dll,
                                               "HcsWaitForOperationResult");
    close_op = (hcs_close_op_fn)(hv__any_fn)GetProcAddress(dll,
                                                       "HcsCloseOperation");
    if (!create_op || !enumerate || !wait || !close_op) {
        FreeLibrary(dll);
        hv__fmt(why, whylen, "HCS: computecore.dll lacks the HCS functions");
        return HV_ENOTSUP;
    }
    if ((op = create_op(NULL, NULL)) == NULL) {
        FreeLibrary(dll);
        hv__fmt(why, whylen, "HCS: HcsCreateOperation failed");
        return HV_ENOTSUP;
    }
    hr = enumerate(NULL, op);
    if (SUCCEEDED(hr))
        hr = wait(op, (DWORD)ms, &res);
    close_op(op);
    if (FAILED(hr)) {
        if (res)
            LocalFree(res);
        FreeLibrary(dll);
        r = hv_vm_source_error((unsigned long)hr);
        if (r == HV_EACCES)
            hv__fmt(why, whylen, "HCS: access denied");
        else if (r == HV_ETIMEDOUT)
            hv__fmt(why, whylen, "HCS: timed out");
        else
            hv__fmt(why, whylen, "HCS: enumeration failed (0x%08lx)",
                    (unsigned long)hr);
        return r;
    }
    r = 0;
    if (res) {
        size_t len;
        r = hv__wide_to_utf8(res, -1, &json, &len);
        if (r == 0) {
            r = hv_hcs_parse(json, len, vms, hint, sizeof hint);
            if (r == HV_EBADDATA)
                hv__fmt(why, whylen, "HCS: %s", hint);
            free(json);
        }
        LocalFree(res);
    }
    FreeLibrary(dll);
    return r < 0 ? r : 0;
}

/* ------------------------------------------------------------ lists */

struct com {
    int uninit;
};

static void com_start(struct com *c)
{
    HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    c->uninit = SUCCEEDED(hr);
    /* fails harmlessly when the process set it up already */
    CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_DEFAULT,
                         RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE, NULL);
}

static void com_end(struct com *c)
{
    if (c->uninit)
        CoUninitialize();
}

int hv_vm_list(struct hv_vms *out, char *note, size_t notelen)
{
    char wwhy[256] = "", hwhy[256] = ""; /* fixed texts and a number */
    struct com c;
    int rw, rh;

    if (note && notelen)
        note[0] = '\0';
    com_start(&c);
    rw = wmi_list(out, wwhy, sizeof wwhy);
    com_end(&c);
    rh = hv__hcs_list(out, hwhy, sizeof hwhy);
    if (rw < 0 || rh < 0)
        hv__fmt(note, notelen, "%s%s%s", wwhy, *wwhy && *hwhy ? "; " : "",
                hwhy);
    return hv_vm_sources_result(rw, rh);
}

/* ------------------------------------------------------------ self */

int hv_kvp_self_file(const char *path, struct hv_vm_self *self, char *hint,
                     size_t hintlen)
{
    wchar_t *w;
    FILE *f;
    DWORD attr;
    int r;
    if ((r = hv__utf8_to_wide(path, &w)) < 0)
        return r;
    /* _wfopen answers EACCES for a directory; vmid_posix.c's words */
    attr = GetFileAttributesW(w);
    if (attr != INVALID_FILE_ATTRIBUTES &&
        (attr & FILE_ATTRIBUTE_DIRECTORY)) {
        free(w);
        hv__fmt(hint, hintlen, "is a directory");
        return HV_EIO;
    }
    f = _wfopen(w, L"rb");
    free(w);
    if (f == NULL) {
        /* the same answers as vmid_posix.c: only a missing file is absent */
        int e = errno;
        hv__fmt(hint, hintlen, "%s", strerror(e));
        return e == ENOENT ? HV_EABSENT : e == EACCES ? HV_EACCES : HV_EIO;
    }
    r = hv_kvp_self_stream(f, HV_KVP_FILE_MAX, self, hint, hintlen);
    fclose(f);
    return r;
}

/* A string value in UTF-8 into out[n], cut at a character when longer. */
static int reg_sz(HKEY k, const wchar_t *name, char *out, size_t n)
{
    wchar_t *buf = NULL, *nb;
    DWORD type = 0, size = 0, cap;
    LSTATUS st;
    int tries;

    out[0] = '\0';
    /* ask the size, then read; again if the value grew in between */
    st = RegQueryValueExW(k, name, NULL, &type, NULL, &size);
    for (tries = 0; st == ERROR_SUCCESS && tries < 3; tries++) {
        if (type != REG_SZ && type != REG_EXPAND_SZ)
            break;
        cap = size;
        /* registry strings need not be NUL-terminated: room for one */
        if ((nb = realloc(buf, cap + 2 * sizeof *buf)) == NULL)
            break;
        buf = nb;
        size = cap;
        st = RegQueryValueExW(k, name, NULL, &type, (BYTE *)buf, &size);
        if (st == ERROR_SUCCESS) {
            if (type != REG_SZ && type != REG_EXPAND_SZ)
                break;
            buf[size / sizeof *buf] = 0;
            utf8_of(buf, -1, out, n);
            free(buf);
            return 1;
        }
        if (st == ERROR_MORE_DATA)
            st = RegQueryValueExW(k, name, NULL, &type, NULL, &size);
    }
    free(buf);
    return 0;
}

int hv_vm_self(struct hv_vm_self *self, const char *kvp_file, char *note,
               size_t notelen)
{
    static const char where[] = "HKLM\\" GUEST_PARAMS;
    char hint[256] = "", id[HV_SELF_VALUE_MAX];
    HKEY k;
    LSTATUS st;
    int r;

    memset(self, 0, sizeof *self);
    if (note && notelen)
        note[0] = '\0';
    if (kvp_file) {
        r = hv_kvp_self_file(kvp_file, self, hint, sizeof hint);
        if (r == 0 && self->have_id) {
            self->source = "kvp-pool";
            self->location = kvp_file;
            return 0;
        }
        hv__fmt(note, notelen, "tried %s: %s", kvp_file,
                r < 0 ? (*hint ? hint : hv_strerror(r))
                      : "no VirtualMachineId record");
        return r < 0 && r != HV_EABSENT ? r : HV_ENOVM;
    }
    /* the 64-bit view: a 32-bit build would read Wow6432Node otherwise */
    st = RegOpenKeyExW(HKEY_LOCAL_MACHINE, GUEST_PARAMS_W, 0,
                       KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k);
    if (st != ERROR_SUCCESS) {
        hv__fmt(note, notelen, "tried %s: %s", where,
                st == ERROR_FILE_NOT_FOUND
                    ? "no such key (not a Hyper-V guest, or the data "
                      "exchange integration service is off)"
                    : hv_strerror(hv__err_from_os((long)st)));
        return st == ERROR_ACCESS_DENIED ? HV_EACCES : HV_ENOVM;
    }
    reg_sz(k, L"VirtualMachineId", id, sizeof id);
    reg_sz(k, L"VirtualMachineName", self->name, sizeof self->name);
    reg_sz(k, L"HostName", self->host, sizeof self->host);
    reg_sz(k, L"PhysicalHostName", self->physical_host,
           sizeof self->physical_host);
    reg_sz(k, L"PhysicalHostNameFullyQualified", self->physical_host_fqdn,
           sizeof self->physical_host_fqdn);
    RegCloseKey(k);
    if (id[0] == '\0') {
        hv__fmt(note, notelen, "tried %s: no VirtualMachineId value", where);
        return HV_ENOVM;
    }
    if (hv_guid_parse(id, &self->id) != 0) {
        hv__fmt(note, notelen, "%s: VirtualMachineId is not a GUID", where);
        return HV_EBADDATA;
    }
    self->have_id = 1;
    self->source = "registry";
    self->location = where;
    return 0;
}
