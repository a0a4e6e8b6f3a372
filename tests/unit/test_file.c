/* test_file.c: hv_file_create (a file named in UTF-8, created for writing)
 * and the errors it reports, and the generic mapping of an OS's "address
 * family not supported", which names no transport. Runs natively and
 * under Wine; the file cases work in the current directory (the build's). */
#include <stdio.h>
#include <string.h>

#include "platform.h"
#include "ut.h"

UT_CASE(create_writes_bytes)
{
    static const char data[] = "a\r\nb\n\x1A\xff";
    const char *name = "ut_file_create.tmp";
    char back[32];
    FILE *f = NULL;
    size_t n;

    UT_EQ_INT(hv_file_create(name, &f), 0);
    UT_CHECK(f != NULL);
    if (f == NULL)
        return;
    UT_EQ_INT(fwrite(data, 1, sizeof data - 1, f), sizeof data - 1);
    UT_EQ_INT(fclose(f), 0);
    /* created again: emptied first */
    UT_EQ_INT(hv_file_create(name, &f), 0);
    if (f == NULL)
        return;
    UT_EQ_INT(fwrite(data, 1, 3, f), 3);
    UT_EQ_INT(fclose(f), 0);
    /* an ASCII name reads back with plain fopen everywhere */
    f = fopen(name, "rb");
    UT_CHECK(f != NULL);
    if (f == NULL)
        return;
    n = fread(back, 1, sizeof back, f);
    fclose(f);
    remove(name);
    UT_EQ_INT(n, 3);
    UT_EQ_MEM(back, data, 3); /* bytes as they are: no CR added or lost */
}

UT_CASE(create_missing_directory)
{
    FILE *f = stdout; /* must come back NULL */
    UT_EQ_INT(hv_file_create("ut_file_no_such_dir/x.reg", &f), HV_ENOENT);
    UT_CHECK(f == NULL);
    UT_EQ_STR(hv_strerror(HV_ENOENT), "no such file or directory");
    UT_EQ_INT(hv_exitcode(HV_ENOENT), 74);
    UT_EQ_INT(hv_file_create("", &f), HV_ENOENT);
    UT_CHECK(f == NULL);
}

UT_CASE(create_under_a_file)
{
    const char *name = "ut_file_plain.tmp";
    FILE *f = fopen(name, "wb");
    char path[64];
    int r;

    UT_CHECK(f != NULL);
    if (f == NULL)
        return;
    fclose(f);
    hv__fmt(path, sizeof path, "%s/x.reg", name);
    f = stdout;
    r = hv_file_create(path, &f);
    remove(name);
    UT_EQ_INT(r, HV_ENOENT); /* a file where a directory should be */
    UT_CHECK(f == NULL);
}

/* The OS's "address family not supported" for a socket that is not the
 * native transport's (sock_*.c say HV_ENOVSOCK / HV_ENOHVSOCK at their own
 * socket() calls); platform.h names the OS's codes. */

UT_CASE(afnosupport_generic)
{
    UT_EQ_INT(hv__err_from_os(HV__OS_EAFNOSUPPORT), HV_EAFNOSUPPORT);
    UT_EQ_INT(hv__err_from_os(HV__OS_EPFNOSUPPORT), HV_EAFNOSUPPORT);
    UT_EQ_STR(hv_strerror(HV_EAFNOSUPPORT), "address family not supported");
    UT_EQ_INT(hv_exitcode(HV_EAFNOSUPPORT), 69);
}

/* The file's bytes (at most n) into buf; the count, or -1 when absent. */
static long slurp(const char *name, char *buf, size_t n)
{
    FILE *f = fopen(name, "rb");
    size_t k;
    if (f == NULL)
        return -1;
    k = fread(buf, 1, n, f);
    fclose(f);
    return (long)k;
}

/* hv_file_replace_*: kept, the new bytes replace the old file whole;
 * dropped, the old file stays as it was. (That no temporary file is left
 * is checked by hvreg.posix_export_write_fails's directory listing.) */
UT_CASE(replace_whole_or_not_at_all)
{
    const char *name = "ut_file_replace.tmp";
    struct hv_file_new fn;
    char back[16];
    const char *tmp;
    FILE *f = fopen(name, "wb");

    UT_CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs("old", f);
    fclose(f);
    UT_EQ_INT(hv_file_replace_begin(name, &fn), 0);
    if (fn.f == NULL)
        return;
    fputs("new-but-dropped", fn.f);
    tmp = fn.tmp;
    UT_CHECK(tmp != NULL && strncmp(tmp, name, strlen(name)) == 0);
    UT_EQ_INT(hv_file_replace_end(&fn, 0), 0);
    UT_EQ_INT(slurp(name, back, sizeof back), 3);
    UT_EQ_MEM(back, "old", 3);
    UT_CHECK(fn.tmp == NULL && fn.f == NULL);

    UT_EQ_INT(hv_file_replace_begin(name, &fn), 0);
    if (fn.f == NULL)
        return;
    fputs("new", fn.f);
    fputs("er", fn.f);
    UT_EQ_INT(hv_file_replace_end(&fn, 1), 0);
    UT_EQ_INT(slurp(name, back, sizeof back), 5);
    UT_EQ_MEM(back, "newer", 5);
    remove(name);

    /* a file that did not exist is created; a missing directory fails
     * before anything is written */
    UT_EQ_INT(hv_file_replace_begin(name, &fn), 0);
    if (fn.f == NULL)
        return;
    UT_EQ_INT(hv_file_replace_end(&fn, 1), 0);
    UT_EQ_INT(slurp(name, back, sizeof back), 0);
    remove(name);
    UT_EQ_INT(hv_file_replace_begin("ut_file_no_such_dir/x.reg", &fn), HV_ENOENT);
    UT_CHECK(fn.f == NULL && fn.tmp == NULL);
}
