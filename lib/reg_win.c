/* reg_win.c: service registration in the Windows registry, under
 * HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Virtualization\
 * GuestCommunicationServices\<GUID> (value ElementName, REG_SZ).
 *
 * Keys are found by parsing every subkey name as a GUID, so upper-case
 * keys (Microsoft's own), lower-case ones and braced ones all match; other
 * values beside ElementName (Purpose, ToolName, ...) are left alone. New
 * keys are written in lower case without braces, as New-Guid prints them.
 * Names cross the API as UTF-8 and the registry as UTF-16. The 64-bit view
 * is used even from a 32-bit build (KEY_WOW64_64KEY).
 */
#include <stdlib.h>
#include <string.h>

#include "platform_win.h"

#define PARENT_W                                                              \
    L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Virtualization\\"      \
    L"GuestCommunicationServices"
#define VALUE_W L"ElementName"
/* RegGetValue's flag to open its subkey in the 64-bit view (winreg.h of
 * the Windows SDK; older MinGW-w64 headers lack it) */
#ifndef RRF_SUBKEY_WOW6464KEY
#define RRF_SUBKEY_WOW6464KEY 0x00010000
#endif

/* ElementName of subkey key of parent into data (size bytes; data NULL:
 * only the size): a string as stored, the subkey opened in the 64-bit view
 * (a handle's view does not pass to a subkey opened by name through it). */
static LSTATUS get_name(HKEY parent, const wchar_t *key, void *data,
                        DWORD *size)
{
    DWORD type = 0;
    return RegGetValueW(parent, key, VALUE_W,
                        RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND |
                            RRF_SUBKEY_WOW6464KEY,
                        &type, data, size);
}
#define KEYNAME_MAX 256 /* registry key names are at most 255 characters */

/* UTF-8 to a new UTF-16 string; NULL for invalid UTF-8 or no memory. */
static wchar_t *to_wide(const char *s)
{
    wchar_t *w;
    return hv__utf8_to_wide(s, &w) < 0 ? NULL : w;
}

/* UTF-16 (wlen units, no NUL needed) to UTF-8 in buf[n], cut at a character
 * boundary when too long. Returns 0 or an HV_E* code. */
static int from_wide(const wchar_t *w, int wlen, char *buf, size_t n)
{
    int r = hv__wide_to_utf8_buf(w, wlen, buf, n);
    return r < 0 ? r : 0;
}

static int open_parent(REGSAM access, HKEY *h)
{
    LSTATUS st = RegOpenKeyExW(HKEY_LOCAL_MACHINE, PARENT_W, 0,
                               access | KEY_WOW64_64KEY, h);
    if (st == ERROR_FILE_NOT_FOUND)
        return HV_EABSENT;
    return st == ERROR_SUCCESS ? 0 : hv__err_from_os((long)st);
}

/* Read the entry of subkey `key` of parent into out (guid already set). */
static int read_entry(HKEY parent, const wchar_t *key, struct hv_service *out)
{
    DWORD size = 0;
    wchar_t *data;
    LSTATUS st;
    int r;

    out->name[0] = '\0';
    out->has_name = 0;
    out->has_port = hv_guid_to_vsock_port(&out->guid, &out->port);
    if (!out->has_port)
        out->port = 0;
    st = get_name(parent, key, NULL, &size);
    if (st == ERROR_FILE_NOT_FOUND || st == ERROR_UNSUPPORTED_TYPE)
        return 0; /* no friendly name, or not a string: tolerated */
    if (st != ERROR_SUCCESS)
        return hv__err_from_os((long)st);
    data = malloc(size + sizeof(wchar_t));
    if (data == NULL)
        return HV_ENOMEM;
    st = get_name(parent, key, data, &size);
    if (st != ERROR_SUCCESS) {
        free(data);
        return st == ERROR_FILE_NOT_FOUND ? 0 : hv__err_from_os((long)st);
    }
    data[size / sizeof(wchar_t)] = L'\0';
    r = from_wide(data, (int)wcslen(data), out->name, sizeof out->name);
    free(data);
    if (r == 0)
        out->has_name = 1;
    return r;
}

/* Find the subkey of parent whose name is the GUID g in any spelling;
 * its name goes to key[KEYNAME_MAX]. 0 or HV_EABSENT. */
static int find_key(HKEY parent, const struct hv_guid *g, wchar_t *key)
{
    DWORD i;
    for (i = 0;; i++) {
        char name8[KEYNAME_MAX * 3];
        struct hv_guid kg;
        DWORD len = KEYNAME_MAX;
        LSTATUS st = RegEnumKeyExW(parent, i, key, &len, NULL, NULL, NULL, NULL);
        if (st == ERROR_NO_MORE_ITEMS)
            return HV_EABSENT;
        if (st == ERROR_MORE_DATA)
            continue; /* too long to be a GUID */
        if (st != ERROR_SUCCESS)
            return hv__err_from_os((long)st);
        if (from_wide(key, (int)len, name8, sizeof name8) < 0)
            return HV_ENOMEM;
        if (hv_guid_parse(name8, &kg) == 0 && hv_guid_equal(&kg, g))
            return 0;
    }
}

static int cmp_service(const void *a, const void *b)
{
    const struct hv_service *x = a, *y = b;
    char gx[HV_GUID_BUFSIZE], gy[HV_GUID_BUFSIZE];
    hv_guid_format(&x->guid, gx);
    hv_guid_format(&y->guid, gy);
    return strcmp(gx, gy);
}

int hv_reg_list(struct hv_service **out, size_t *count)
{
    struct hv_service *list = NULL;
    size_t n = 0, cap = 0;
    HKEY parent;
    DWORD i;
    int r;

    *out = NULL;
    *count = 0;
    r = open_parent(KEY_READ, &parent);
    if (r == HV_EABSENT)
        return 0; /* nothing was ever registered */
    if (r < 0)
        return r;
    for (i = 0;; i++) {
        wchar_t key[KEYNAME_MAX];
        char name8[KEYNAME_MAX * 3];
        struct hv_guid g;
        DWORD len = KEYNAME_MAX;
        LSTATUS st = RegEnumKeyExW(parent, i, key, &len, NULL, NULL, NULL, NULL);
        if (st == ERROR_NO_MORE_ITEMS)
            break;
        if (st == ERROR_MORE_DATA)
            continue;
        if (st != ERROR_SUCCESS) {
            r = hv__err_from_os((long)st);
            goto fail;
        }
        if ((r = from_wide(key, (int)len, name8, sizeof name8)) < 0)
            goto fail;
        if (hv_guid_parse(name8, &g) != 0)
            continue; /* not a service key: not ours to judge */
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct hv_service *nl = realloc(list, ncap * sizeof *nl);
            if (nl == NULL) {
                r = HV_ENOMEM;
                goto fail;
            }
            list = nl;
            cap = ncap;
        }
        memset(&list[n], 0, sizeof list[n]);
        list[n].guid = g;
        if ((r = read_entry(parent, key, &list[n])) < 0)
            goto fail;
        n++;
    }
    RegCloseKey(parent);
    if (n > 1)
        qsort(list, n, sizeof *list, cmp_service);
    *out = list;
    *count = n;
    return 0;
fail:
    RegCloseKey(parent);
    free(list);
    return r;
}

void hv_reg_list_free(struct hv_service *list)
{
    free(list);
}

int hv_reg_get(const struct hv_guid *g, struct hv_service *out)
{
    wchar_t key[KEYNAME_MAX];
    HKEY parent;
    int r = open_parent(KEY_READ, &parent);
    if (r < 0)
        return r;
    r = find_key(parent, g, key);
    if (r == 0) {
        memset(out, 0, sizeof *out);
        out->guid = *g;
        r = read_entry(parent, key, out);
    }
    RegCloseKey(parent);
    return r;
}

/* Names compare like the registry compares key names: ordinal, ignoring
 * case across all of Unicode, not just ASCII. */
static int name_eq(const char *a8, const char *b8)
{
    wchar_t *a = to_wide(a8), *b = to_wide(b8);
    int eq = a && b && CompareStringOrdinal(a, -1, b, -1, TRUE) == CSTR_EQUAL;
    free(a);
    free(b);
    return eq;
}

static int set_name(HKEY parent, const wchar_t *key, const char *name)
{
    wchar_t *w = to_wide(name);
    HKEY h;
    LSTATUS st;
    if (w == NULL)
        return HV_EINVAL;
    st = RegCreateKeyExW(parent, key, 0, NULL, REG_OPTION_NON_VOLATILE,
                         KEY_SET_VALUE | KEY_WOW64_64KEY, NULL, &h, NULL);
    if (st == ERROR_SUCCESS) {
        st = RegSetValueExW(h, VALUE_W, 0, REG_SZ, (const BYTE *)w,
                            (DWORD)((wcslen(w) + 1) * sizeof *w));
        RegCloseKey(h);
    }
    free(w);
    return st == ERROR_SUCCESS ? 0 : hv__err_from_os((long)st);
}

int hv_reg_add(const struct hv_guid *g, const char *name, int flags)
{
    wchar_t key[KEYNAME_MAX];
    struct hv_service cur;
    HKEY parent;
    DWORD disp;
    LSTATUS st;
    int r, result = HV_REG_CREATED;

    if (hv_service_name_check(name) < 0)
        return HV_EINVAL;
    /* creating the parent too: a host without Hyper-V has none yet */
    st = RegCreateKeyExW(HKEY_LOCAL_MACHINE, PARENT_W, 0, NULL,
                         REG_OPTION_NON_VOLATILE,
                         KEY_READ | KEY_CREATE_SUB_KEY | KEY_SET_VALUE |
                             KEY_WOW64_64KEY,
                         NULL, &parent, &disp);
    if (st == ERROR_ACCESS_DENIED) {
        /* not elevated: still answer "nothing to do" truthfully */
        if (hv_reg_get(g, &cur) == 0 && cur.has_name &&
            name_eq(cur.name, name) &&
            (strcmp(cur.name, name) == 0 || !(flags & HV_REG_FORCE)))
            return HV_REG_UNCHANGED;
        return HV_EACCES;
    }
    if (st != ERROR_SUCCESS)
        return hv__err_from_os((long)st);
    memset(&cur, 0, sizeof cur);
    cur.guid = *g;
    r = find_key(parent, g, key);
    if (r == 0) {
        if ((r = read_entry(parent, key, &cur)) < 0)
            goto out;
        /* the same name in other case is the same name; --force
         * writes the new spelling */
        if (cur.has_name && name_eq(cur.name, name) &&
            (strcmp(cur.name, name) == 0 || !(flags & HV_REG_FORCE))) {
            r = HV_REG_UNCHANGED;
            goto out;
        }
        if (cur.has_name) {
            if (!(flags & HV_REG_FORCE) && !name_eq(cur.name, name)) {
                r = HV_EEXIST;
                goto out;
            }
            result = HV_REG_REPLACED;
        }
    } else if (r == HV_EABSENT) {
        char gs[HV_GUID_BUFSIZE];
        size_t i;
        hv_guid_format(g, gs);
        for (i = 0; i <= HV_GUID_STRLEN; i++)
            key[i] = (wchar_t)(unsigned char)gs[i];
    } else {
        goto out;
    }
    if (hv_reg_is_builtin(g) && !(flags & HV_REG_FORCE)) {
        r = HV_EPROTECTED;
        goto out;
    }
    r = set_name(parent, key, name);
    if (r == 0)
        r = result;
out:
    RegCloseKey(parent);
    return r;
}

int hv_reg_remove(const struct hv_guid *g, int flags)
{
    wchar_t key[KEYNAME_MAX];
    HKEY parent, child;
    LSTATUS st;
    int r = open_parent(KEY_READ, &parent);
    if (r < 0)
        return r;
    r = find_key(parent, g, key);
    RegCloseKey(parent);
    if (r < 0)
        return r;
    if (hv_reg_is_builtin(g) && !(flags & HV_REG_FORCE))
        return HV_EPROTECTED;
    r = open_parent(KEY_READ | KEY_WRITE | DELETE, &parent);
    if (r < 0)
        return r;
    /* the entry's subkeys and values through a handle of its own, opened
     * in the 64-bit view, then the key itself by the call that takes a
     * view (RegDeleteTree by name would go through the 32-bit view of a
     * 32-bit build) */
    st = RegOpenKeyExW(parent, key, 0,
                       KEY_READ | KEY_WRITE | DELETE | KEY_WOW64_64KEY, &child);
    if (st == ERROR_SUCCESS) {
        st = RegDeleteTreeW(child, NULL);
        RegCloseKey(child);
    }
    if (st == ERROR_SUCCESS)
        st = RegDeleteKeyExW(parent, key, KEY_WOW64_64KEY, 0);
    RegCloseKey(parent);
    if (st == ERROR_FILE_NOT_FOUND)
        return HV_EABSENT;
    return st == ERROR_SUCCESS ? 0 : hv__err_from_os((long)st);
}

int hv_reg_named(const char *name, struct hv_service **out, size_t *count)
{
    struct hv_service *list;
    size_t n, i, found = 0;
    int r;

    *out = NULL;
    *count = 0;
    if (name[0] == '\0' || hv_service_name_check(name) < 0)
        return 0; /* "" or invalid UTF-8 names nothing */
    if ((r = hv_reg_list(&list, &n)) < 0)
        return r;
    for (i = 0; i < n; i++) /* kept in place, in GUID order */
        if (list[i].has_name && name_eq(name, list[i].name))
            list[found++] = list[i];
    if (found == 0) {
        hv_reg_list_free(list);
        return 0;
    }
    *out = list;
    *count = found;
    return 0;
}

int hv_reg_find_by_name(const char *name, struct hv_service *out, char *hint,
                        size_t hintlen)
{
    struct hv_service *list;
    size_t n, i, hl = 0;
    int r;

    if (hint && hintlen)
        hint[0] = '\0';
    if ((r = hv_reg_named(name, &list, &n)) < 0)
        return r;
    if (n == 0)
        return HV_EABSENT;
    if (n == 1)
        *out = list[0];
    for (i = 0; n > 1 && i < n; i++) {
        char gs[HV_GUID_BUFSIZE];
        hv_guid_format(&list[i].guid, gs);
        if (hint && hintlen > hl)
            hl += hv__fmt(hint + hl, hintlen - hl, "%s%s", i ? ", " : "", gs);
    }
    hv_reg_list_free(list);
    return n > 1 ? HV_EAMBIGUOUS : 0;
}

int hv__service_by_name(const char *name, struct hv_guid *out, char *hint,
                        size_t hintlen)
{
    struct hv_service s;
    char list[HV_ADDR_STRLEN];
    int r = hv_reg_find_by_name(name, &s, list, sizeof list);
    if (hint && hintlen)
        hint[0] = '\0';
    if (r == HV_EABSENT)
        return HV_ENOTFOUND;
    if (r == HV_EAMBIGUOUS) {
        hv__fmt(hint, hintlen, "several registered services have that name: %s",
                list);
        return r;
    }
    if (r < 0)
        return r;
    *out = s.guid;
    return 0;
}
