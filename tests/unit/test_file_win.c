/* test_file_win.c: the lock a Windows unix listener holds beside its
 * socket file (hv__file_lock_take): one holder at a time, gone with its
 * handle. Windows only (under Wine here); plain files, since the lock is
 * one. */
#include <stdio.h>

#include "platform_win.h"
#include "ut.h"

UT_CASE(lock_one_holder)
{
    const char *name = "ut_file_lock.tmp";
    HANDLE first, second;
    FILE *f;

    remove(name);
    UT_EQ_INT(hv__file_lock_take(name, &first), 0);
    /* a second listener (a handle of its own, here in the same process:
     * sharing is per open, not per process) is told the path is in use */
    UT_EQ_INT(hv__file_lock_take(name, &second), HV_ELISTENING);
    UT_CHECK(second == INVALID_HANDLE_VALUE);
    UT_EQ_INT(hv_exitcode(HV_ELISTENING), 69);
    /* the holder's end frees it, and takes the file along */
    CloseHandle(first);
    f = fopen(name, "rb");
    UT_CHECK(f == NULL);
    if (f)
        fclose(f);
    UT_EQ_INT(hv__file_lock_take(name, &second), 0);
    CloseHandle(second);
}

UT_CASE(lock_in_missing_directory)
{
    HANDLE h;
    UT_CHECK(hv__file_lock_take("ut_no_such_dir/x.sock.lock", &h) < 0);
    UT_CHECK(h == INVALID_HANDLE_VALUE);
}
