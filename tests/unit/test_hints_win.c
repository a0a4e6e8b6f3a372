/* test_hints_win.c: the Windows facts of the diagnosis (diag_win.c) read
 * from this system (Wine's, in the suite): each source is read without a
 * failure, and a source that is not there (HCS's computecore.dll, a
 * wslhost.exe, the Guest\Parameters key) leaves its fact unknown or 0,
 * never a guess. Windows only. */
#include <string.h>

#include "hints_addr.h"
#include "hvsock_int.h"
#include "ut.h"

static void read_facts(const struct hv_addr *a, enum hv_diag_op op, int err,
                       struct hv_diag_facts *f)
{
    hv_diag_facts_init(f);
    hv_diag_facts_read(a, op, err, NULL, f);
}

UT_CASE(start_reads_registration)
{
    struct hv_diag_facts f;
    struct hv_addr a = hyperv("wildcard", 5931);
    read_facts(&a, HV_DIAG_START, 0, &f);
    /* a port no test registers: absent (the key itself may be missing) */
    UT_EQ_INT(f.registered, 0);
    UT_CHECK(f.windows_guest == 0 || f.windows_guest == 1);
    /* only the wildcard and children look for WSL: unknown or seen */
    UT_CHECK(f.wsl_running == HV_FACT_UNKNOWN || f.wsl_running == 1);
    hv_diag_facts_free(&f);
    /* parent: no WSL lookup at all */
    a = hyperv("parent", 5931);
    read_facts(&a, HV_DIAG_START, 0, &f);
    UT_EQ_INT(f.wsl_running, HV_FACT_UNKNOWN);
    hv_diag_facts_free(&f);
}

UT_CASE(access_reads_token)
{
    struct hv_diag_facts f;
    struct hv_addr a = hyperv("6f1d2c3b-4a59-4867-8e9f-0a1b2c3d4e5f", 5931);
    read_facts(&a, HV_DIAG_LISTEN, HV_EACCES, &f);
    UT_CHECK(f.elevated == 0 || f.elevated == 1);
    UT_CHECK(f.hv_admin == 0 || f.hv_admin == 1);
    UT_CHECK(f.user[0] != '\0');
    UT_EQ_INT(f.registered, 0);
    /* nothing else is read for an access error */
    UT_EQ_INT(f.vms_known, 0);
    UT_EQ_INT(f.home, HV_FACT_UNKNOWN);
    hv_diag_facts_free(&f);
}

UT_CASE(connect_reads_vms)
{
    struct hv_diag_facts f;
    struct hv_hints h;
    struct hv_addr a = hyperv("6f1d2c3b-4a59-4867-8e9f-0a1b2c3d4e5f", 5931);
    uint64_t t0 = hv_now_ms();
    read_facts(&a, HV_DIAG_CONNECT, HV_ETIMEDOUT, &f);
    /* HCS answers, or it does not and nothing is claimed */
    if (!f.vms_known)
        UT_EQ_INT(f.vms.n, 0);
    UT_CHECK(f.wsl_running != 0 || f.vms_known);
    hv_diag_facts_free(&f);
    /* and the whole diagnosis, printed for the log (never asserted) */
    UT_EQ_INT(hv_diag_hints(&a, HV_DIAG_CONNECT, HV_ETIMEDOUT, NULL, &h), 0);
    UT_CHECK(h.n >= 1);
    printf("connect diagnosis: %lu ms, %lu hints, first: %s\n",
           (unsigned long)(hv_now_ms() - t0), (unsigned long)h.n,
           h.n ? h.h[0].text : "");
}

UT_CASE(feature_reads_edition)
{
    struct hv_diag_facts f;
    struct hv_addr a = hyperv("parent", 5931);
    read_facts(&a, HV_DIAG_CONNECT, HV_ENOHVSOCK, &f);
    UT_CHECK(f.home == HV_FACT_UNKNOWN || f.home == 0 || f.home == 1);
    if (f.home == 1)
        UT_CHECK(strncmp(f.edition, "Core", 4) == 0);
    printf("EditionID: %s\n", f.home == HV_FACT_UNKNOWN ? "(none)" : f.edition);
    hv_diag_facts_free(&f);
}
