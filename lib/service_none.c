/* service_none.c: Windows services need Windows' service control manager;
 * here every call answers HV_ENOTSUP and says so. */
#include "platform.h"

static int none(char *why, size_t n)
{
    hv__fmt(why, n, "%s", "Windows services are only available on Windows "
                          "(there is no service control manager here: use "
                          "a systemd unit)");
    return HV_ENOTSUP;
}

int hv_service_install(const char *name, int argc, char *const *argv,
                       char *why, size_t n)
{
    (void)name;
    (void)argc;
    (void)argv;
    return none(why, n);
}

int hv_service_remove(const char *name, int *was_running, char *why,
                      size_t n)
{
    (void)name;
    *was_running = 0;
    return none(why, n);
}

int hv_service_run(const char *name, hv_service_fn *fn, void *ctx, int *code,
                   char *why, size_t n)
{
    (void)name;
    (void)fn;
    (void)ctx;
    *code = 0;
    return none(why, n);
}

void hv_service_running(void)
{
}

int hv_service_code(int code)
{
    return code;
}
