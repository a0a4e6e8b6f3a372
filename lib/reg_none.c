/* reg_none.c: service registration where there is no Windows registry:
 * every call answers HV_ENOTSUP (hvreg export works everywhere; it lives
 * in reg.c and script.c). */
#include "platform.h"

int hv__service_by_name(const char *name, struct hv_guid *out, char *hint,
                        size_t hintlen)
{
    (void)name;
    (void)out;
    if (hint && hintlen)
        hint[0] = '\0';
    return HV_ENOTSUP;
}

int hv_reg_list(struct hv_service **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    return HV_ENOTSUP;
}

void hv_reg_list_free(struct hv_service *list)
{
    (void)list;
}

int hv_reg_get(const struct hv_guid *g, struct hv_service *out)
{
    (void)g;
    (void)out;
    return HV_ENOTSUP;
}

int hv_reg_add(const struct hv_guid *g, const char *name, int flags)
{
    (void)g;
    (void)name;
    (void)flags;
    return HV_ENOTSUP;
}

int hv_reg_remove(const struct hv_guid *g, int flags)
{
    (void)g;
    (void)flags;
    return HV_ENOTSUP;
}

int hv_reg_named(const char *name, struct hv_service **out, size_t *count)
{
    (void)name;
    *out = NULL;
    *count = 0;
    return HV_ENOTSUP;
}

int hv_reg_find_by_name(const char *name, struct hv_service *out, char *hint,
                        size_t hintlen)
{
    (void)name;
    (void)out;
    if (hint && hintlen)
        hint[0] = '\0';
    return HV_ENOTSUP;
}
