/* reg_none.c: service-name resolution where there is no Windows registry. */
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
