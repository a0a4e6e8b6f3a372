/* err_note.c: the OS error behind the last HV_E* code it was mapped to,
 * per thread. err_<platform>.c and the transports note it; err.c reads it
 * when hv_errtext says what the OS said. Below both, so that neither calls
 * the other back. */
#include "platform.h"

static HV__THREAD long g_oserr;
static HV__THREAD int g_mapped;

void hv__err_note(long oserr, int mapped)
{
    g_oserr = oserr;
    g_mapped = mapped;
}

int hv__err_noted(long *oserr)
{
    *oserr = g_oserr;
    return g_mapped;
}
