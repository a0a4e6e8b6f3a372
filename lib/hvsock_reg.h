/* hvsock_reg.h: service registration (hvreg). Included by hvsock.h.
 *
 * A host service is registered under
 * HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Virtualization\
 * GuestCommunicationServices\<GUID> with the REG_SZ value ElementName (the
 * friendly name). The registry calls work on Windows only and answer
 * HV_ENOTSUP elsewhere; the script writers and the built-in table work
 * everywhere. Names are UTF-8 throughout.
 */
#ifndef HVSOCK_REG_H
#define HVSOCK_REG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The parent key, as reg.exe and .reg files spell it (HKLM\ prefixed). */
#define HV_REG_PARENT_PATH                                                    \
    "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Virtualization\\"       \
    "GuestCommunicationServices"
#define HV_REG_VALUE_NAME "ElementName"

/* Longest friendly name in bytes of UTF-8, without the NUL. Longer names
 * are refused on add and cut (at a character boundary) on read. */
#define HV_SERVICE_NAME_MAX 1023

struct hv_service {
    struct hv_guid guid;
    char name[HV_SERVICE_NAME_MAX + 1]; /* UTF-8; "" when ElementName is absent */
    int has_name;                       /* ElementName present as a string */
    int has_port;                       /* guid is of the vsock template form */
    uint32_t port;                      /* the vsock port when has_port */
};

/* Flags for hv_reg_add / hv_reg_remove. */
#define HV_REG_FORCE 0x1 /* replace another name; touch built-in entries */

/* Results of hv_reg_add (>= 0). Names are equal when they are equal
 * ignoring case, as hv_reg_find_by_name compares them. */
#define HV_REG_CREATED 0
#define HV_REG_UNCHANGED 1 /* same GUID, same name: nothing to do */
#define HV_REG_REPLACED 2  /* same GUID, other name (or the same name in
                              other case), HV_REG_FORCE given */

/* Every registered service, sorted by GUID, in one allocated array that
 * hv_reg_list_free releases (*out is NULL and *count 0 when none). */
int hv_reg_list(struct hv_service **out, size_t *count);
void hv_reg_list_free(struct hv_service *list);
/* One entry by GUID (key case and braces ignored); HV_EABSENT if none. */
int hv_reg_get(const struct hv_guid *g, struct hv_service *out);
/* Register name under g. Returns HV_REG_CREATED, HV_REG_UNCHANGED or
 * HV_REG_REPLACED; HV_EEXIST when g has another name and no HV_REG_FORCE;
 * HV_EINVAL for an empty, too long or invalid UTF-8 name; HV_EACCES when
 * not elevated. Other entries with the same name are not looked at (see
 * hv_reg_named: hvreg add keeps a name to one entry). */
int hv_reg_add(const struct hv_guid *g, const char *name, int flags);
/* Remove the entry of g. HV_EABSENT if none; HV_EPROTECTED for a built-in
 * entry without HV_REG_FORCE. */
int hv_reg_remove(const struct hv_guid *g, int flags);
/* Every entry whose name equals name, ignoring case (the registry's rule
 * for key names: ordinal, across all of Unicode), sorted by GUID, in an
 * array for hv_reg_list_free (*out NULL and *count 0 when none). */
int hv_reg_named(const char *name, struct hv_service **out, size_t *count);
/* The one entry whose name equals name, ignoring case. HV_EABSENT if none;
 * HV_EAMBIGUOUS when several match, and hint (when non-NULL) lists their
 * GUIDs, comma-separated. */
int hv_reg_find_by_name(const char *name, struct hv_service *out, char *hint,
                        size_t hintlen);

/* ---------------------------------------------------------------- built-ins */

/* Entries Windows itself registers (integration services). */
struct hv_builtin_service {
    struct hv_guid guid;
    const char *name; /* the ElementName Windows uses */
};

/* Terminated by an entry with name == NULL. */
extern const struct hv_builtin_service hv_builtin_services[];
/* The table entry for g, or NULL. */
const struct hv_builtin_service *hv_reg_builtin(const struct hv_guid *g);
int hv_reg_is_builtin(const struct hv_guid *g);

/* Fill g with a random (version 4) GUID from the OS's random source. */
int hv_guid_random(struct hv_guid *g);

/* ---------------------------------------------------------------- scripts */

enum hv_script_format {
    HV_SCRIPT_REG = 1, /* .reg for reg import/regedit: UTF-16LE with BOM */
    HV_SCRIPT_PS1 = 2, /* PowerShell: UTF-8 with BOM */
    HV_SCRIPT_CMD = 3  /* batch file with reg add/delete: UTF-8, chcp 65001 */
};

/* HV_SCRIPT_ADD may carry the flags below (or'ed in): the scripts do on
 * the host what hvreg add does (a name names one service):
 * - neither: refuse (exit 65) when another entry has the name (ignoring
 *   case) or the GUID has another name;
 * - HV_SCRIPT_FORCE: take the name over: rename the GUID, remove the other
 *   entries that have the name;
 * - HV_SCRIPT_BY_NAME: the GUID is only a fallback (a random one): an entry
 *   that has the name is the answer (its GUID is printed, nothing changes).
 * A .reg file has no logic: it writes the entry whatever the flags. */
enum hv_script_op {
    HV_SCRIPT_ADD = 1,
    HV_SCRIPT_REMOVE = 2,
    HV_SCRIPT_FORCE = 0x10,
    HV_SCRIPT_BY_NAME = 0x20
};

/* "reg", "ps1" or "cmd" (any case) to a format; 0 when unknown. */
enum hv_script_format hv_script_format_parse(const char *s);

/* The script that performs op (with its flags) for (g, name) on a Windows
 * host, in a new malloc'ed buffer (*out, *len; free() it): bytes, not a C
 * string (a .reg file is UTF-16). HV_EINVAL when name cannot be written in
 * that format (see hv_script_check), HV_ENOMEM. name is ignored for
 * HV_SCRIPT_REMOVE. */
int hv_script_alloc(enum hv_script_format f, enum hv_script_op op,
                    const struct hv_guid *g, const char *name, char **out,
                    size_t *len);
/* 0 when name can be written in format f, else HV_EINVAL with a reason
 * in why (when non-NULL). */
int hv_script_check(enum hv_script_format f, const char *name, char *why,
                    size_t whylen);

/* 0 when name is acceptable as a friendly name at all (non-empty, valid
 * UTF-8, at most HV_SERVICE_NAME_MAX bytes), else HV_EINVAL. */
int hv_service_name_check(const char *name);

#ifdef __cplusplus
}
#endif

#endif
