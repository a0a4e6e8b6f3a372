/* vmid.c: the portable side of VM inventories: the list type, merging
 * what WMI and HCS report about one VM, name matching and WMI rows. The OS
 * queries are in vmid_<platform>.c, WSL's in wsl*.c. */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

void hv_vms_free(struct hv_vms *vms)
{
    free(vms->v);
    free(vms->idx);
    vms->v = NULL;
    vms->idx = NULL;
    vms->n = vms->cap = vms->idxcap = 0;
}

/* The id's slot in the index (its hash, then the next ones). */
static size_t id_hash(const struct hv_guid *g)
{
    uint32_t h = 2166136261u; /* FNV-1a over the 16 bytes */
    uint8_t b[16];
    size_t i;
    hv_guid_to_wire(g, b);
    for (i = 0; i < sizeof b; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* The slot of id in the index: its entry's, or the empty one to take. */
static size_t *id_slot(const struct hv_vms *vms, const struct hv_guid *id)
{
    size_t mask = vms->idxcap - 1, i = id_hash(id) & mask;
    while (vms->idx[i] != 0 && !hv_guid_equal(&vms->v[vms->idx[i] - 1].id, id))
        i = (i + 1) & mask;
    return &vms->idx[i];
}

/* Make the index hold at least twice n + 1 slots; 0 or HV_ENOMEM. */
static int index_grow(struct hv_vms *vms)
{
    size_t cap = vms->idxcap ? vms->idxcap : 32, i;
    size_t *old = vms->idx;
    while (cap < 2 * (vms->n + 1))
        cap *= 2;
    if (cap == vms->idxcap)
        return 0;
    if ((vms->idx = calloc(cap, sizeof *vms->idx)) == NULL) {
        vms->idx = old;
        return HV_ENOMEM;
    }
    vms->idxcap = cap;
    for (i = 0; i < vms->n; i++)
        *id_slot(vms, &vms->v[i].id) = i + 1;
    free(old);
    return 0;
}

static void fill(char *dst, const char *src, size_t n)
{
    if (dst[0] == '\0' && src[0] != '\0')
        hv_utf8_copy(dst, n, src);
}

int hv_vms_add(struct hv_vms *vms, const struct hv_vm *e)
{
    size_t *slot;
    struct hv_vm *nv;

    if (index_grow(vms) < 0)
        return HV_ENOMEM;
    slot = id_slot(vms, &e->id);
    if (*slot != 0) {
        struct hv_vm *o = &vms->v[*slot - 1];
        /* WMI knows the display name and states like Saved; HCS knows the
         * owner, the system type and its own Id */
        if ((e->sources & HV_VMSRC_WMI) && !(o->sources & HV_VMSRC_WMI)) {
            if (e->name[0])
                hv_utf8_copy(o->name, sizeof o->name, e->name);
            if (e->state[0])
                hv_utf8_copy(o->state, sizeof o->state, e->state);
        }
        fill(o->name, e->name, sizeof o->name);
        fill(o->state, e->state, sizeof o->state);
        fill(o->owner, e->owner, sizeof o->owner);
        fill(o->type, e->type, sizeof o->type);
        fill(o->system_id, e->system_id, sizeof o->system_id);
        o->sources |= e->sources;
        return 0;
    }
    if (vms->n == vms->cap) {
        size_t cap = vms->cap ? vms->cap * 2 : 16;
        if ((nv = realloc(vms->v, cap * sizeof *nv)) == NULL)
            return HV_ENOMEM;
        vms->v = nv;
        vms->cap = cap;
    }
    vms->v[vms->n++] = *e;
    *slot = vms->n;
    return 0;
}

/* Room kept at the end of a match list for ", and 18446744073709551615
 * more" (with the NUL). */
#define MORE_ROOM 40

int hv_vms_match(const struct hv_vms *vms, const char *name,
                 struct hv_guid *out, char *hint, size_t hintlen)
{
    size_t i, found = 0, o = 0, left_out = 0, n, room;
    char g[HV_GUID_BUFSIZE];
    /* one entry: separator, GUID, name, owner and punctuation */
    char entry[16 + HV_GUID_BUFSIZE + HV_VM_NAME_MAX + HV_VM_FIELD_MAX];

    if (hint && hintlen)
        hint[0] = '\0';
    for (i = 0; name[0] != '\0' && i < vms->n; i++) {
        const struct hv_vm *v = &vms->v[i];
        if (!hv__strcaseeq(v->name, name) && !hv__strcaseeq(v->system_id, name))
            continue;
        if (found++ == 0)
            *out = v->id;
        if (hint == NULL || hintlen == 0)
            continue;
        hv_guid_format(&v->id, g);
        n = hv__fmt(entry, sizeof entry, "%s%s (%s%s%s)",
                    found > 1 ? ", " : "matches: ", g, v->name,
                    v->owner[0] ? ", " : "", v->owner);
        /* whole entries while they fit, the rest counted: a list that is
         * too long says so instead of ending mid-name */
        room = hintlen - o > MORE_ROOM ? hintlen - o - MORE_ROOM : 0;
        if (left_out == 0 && n < room) {
            memcpy(hint + o, entry, n + 1);
            o += n;
        } else if (left_out == 0 && found == 1 && room > 0) {
            /* even the first is too long: its start, cut at a character */
            n = hv_utf8_cut(entry, n, room - 1);
            memcpy(hint + o, entry, n);
            o += n;
            o += hv__fmt(hint + o, hintlen - o, "...)");
        } else {
            left_out++;
        }
    }
    if (found == 0) {
        hv__fmt(hint, hintlen, "no VM or compute system has that name");
        return HV_ENOVM;
    }
    if (left_out && hint && o < hintlen)
        hv__fmt(hint + o, hintlen - o, "%s and %lu more", o ? "," : "matches:",
                (unsigned long)left_out);
    if (found > 1)
        return HV_EAMBIGUOUS;
    if (hint && hintlen)
        hint[0] = '\0';
    return 0;
}

const char *hv_wmi_state_name(long s, char *buf, size_t n)
{
    /* Msvm_ComputerSystem.EnabledState: CIM values and Hyper-V's own
     * (32768 and up) for the transitions */
    switch (s) {
    case 2: return "Running";
    case 3: return "Off";
    case 4: return "ShuttingDown";
    case 6: return "Saved";
    case 9: return "Paused";
    case 10: return "Starting";
    case 11: return "Resetting";
    case 32768: return "Paused";
    case 32769: return "Saved";
    case 32770: return "Starting";
    case 32771: return "Snapshotting";
    case 32773: return "Saving";
    case 32774: return "Stopping";
    case 32776: return "Pausing";
    case 32777: return "Resuming";
    default:
        hv__fmt(buf, n, "Unknown(%ld)", s);
        return buf;
    }
}

int hv_wmi_add_row(struct hv_vms *vms, const char *name,
                   const char *element_name, long enabled_state)
{
    struct hv_vm e;
    char sbuf[32];

    memset(&e, 0, sizeof e);
    /* the host's own row has its computer name as Name; filtering on the
     * GUID instead of Caption='Virtual Machine' keeps localized Windows */
    if (name == NULL || hv_guid_parse(name, &e.id) != 0)
        return 0;
    hv_utf8_copy(e.name, sizeof e.name, element_name ? element_name : "");
    hv__fmt(e.state, sizeof e.state, "%s",
            hv_wmi_state_name(enabled_state, sbuf, sizeof sbuf));
    hv__fmt(e.type, sizeof e.type, "VirtualMachine");
    e.sources = HV_VMSRC_WMI;
    return hv_vms_add(vms, &e) < 0 ? HV_ENOMEM : 1;
}

int hv_vm_source_error(unsigned long hr)
{
    switch (hr) {
    case 0x80070005ul: /* E_ACCESSDENIED */
    case 0x80041003ul: /* WBEM_E_ACCESS_DENIED */
        return HV_EACCES;
    case 0x800705B4ul: /* HRESULT_FROM_WIN32(ERROR_TIMEOUT) */
    case 0x80041069ul: /* WBEM_E_TIMED_OUT */
        return HV_ETIMEDOUT;
    default:
        return HV_ENOTSUP;
    }
}

int hv_vm_sources_result(int wmi, int hcs)
{
    if (wmi == HV_ENOMEM || hcs == HV_ENOMEM)
        return HV_ENOMEM;
    if (wmi >= 0 || hcs >= 0)
        return 0;
    if (wmi == HV_EACCES || hcs == HV_EACCES)
        return HV_EACCES;
    if (wmi == HV_ETIMEDOUT || hcs == HV_ETIMEDOUT)
        return HV_ETIMEDOUT;
    return HV_ENOTSUP;
}
