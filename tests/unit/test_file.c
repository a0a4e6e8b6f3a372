/* test_file.c: hv_file_create (a file named in UTF-8, created for writing)
 * and the errors it reports, and the generic mapping of an OS's "address
 * family not supported", which names no transport. Runs natively and
 * under Wine; the file cases work in the current directory (the build's). */
#include <stdio.h>
#include <string.h>

#include "platform_os.h"
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
 * socket() calls); platform_posix.h and platform_win.h name the OS's
 * codes. */

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

/* a file at name with the text s */
static int put(const char *name, const char *s)
{
    FILE *f = fopen(name, "wb");
    if (f == NULL)
        return -1;
    fputs(s, f);
    return fclose(f);
}

UT_CASE(id_tells_files_apart)
{
    const char *a = "ut_file_id_a.tmp", *b = "ut_file_id_b.tmp";
    struct hv__file_id ia, ia2, ib;

    UT_EQ_INT(put(a, "a"), 0);
    UT_EQ_INT(put(b, "b"), 0);
    UT_EQ_INT(hv__file_id(a, &ia), 0);
    UT_EQ_INT(hv__file_id(a, &ia2), 0);
    UT_EQ_INT(hv__file_id(b, &ib), 0);
    UT_CHECK(ia.dev == ia2.dev && ia.ino == ia2.ino);
    UT_CHECK(ia.dev != ib.dev || ia.ino != ib.ino);
    remove(a);
    remove(b);
    UT_EQ_INT(hv__file_id(a, &ia), HV_ENOENT);
}

UT_CASE(remove_same_keeps_a_newcomer)
{
    /* a listener's socket file, replaced by another program's meanwhile:
     * the close must leave the newcomer (plain files stand in for socket
     * files here: Wine has no AF_UNIX) */
    const char *name = "ut_file_same.tmp", *other = "ut_file_other.tmp";
    struct hv__file_id made;
    FILE *f;

    UT_EQ_INT(put(name, "ours"), 0);
    UT_EQ_INT(hv__file_id(name, &made), 0);
    UT_EQ_INT(put(other, "theirs"), 0);
    UT_EQ_INT(hv__file_rename(other, name), 0);
    UT_EQ_INT(hv__file_remove_same(name, &made), 1);
    f = fopen(name, "rb");
    UT_CHECK(f != NULL); /* kept */
    if (f)
        fclose(f);
    /* the file itself goes */
    UT_EQ_INT(hv__file_id(name, &made), 0);
    UT_EQ_INT(hv__file_remove_same(name, &made), 0);
    f = fopen(name, "rb");
    UT_CHECK(f == NULL);
    if (f)
        fclose(f);
    UT_EQ_INT(hv__file_remove_same(name, &made), HV_ENOENT);
}

UT_CASE(owned_by_us)
{
    const char *name = "ut_file_owned.tmp";
    UT_EQ_INT(put(name, "x"), 0);
    UT_EQ_INT(hv__file_owned(name), 1);
    remove(name);
    UT_EQ_INT(hv__file_owned(name), HV_ENOENT);
}

UT_CASE(unix_stale_rule)
{
    /* what is at a unix listener's path, and what becomes of it (the rule
     * both platforms keep) */
    static const struct {
        int kind, owned, probe, want;
    } rows[] = {
        {HV__UNIX_FILE_NONE, 0, 0, 0},                      /* bind */
        {HV__UNIX_FILE_OTHER, 1, 0, HV_ENOTSOCK},           /* a file */
        {HV__UNIX_FILE_OTHER, 0, 0, HV_ENOTSOCK},
        {HV__UNIX_FILE_SOCKET, 0, 0, HV_EADDRINUSE},        /* another's */
        {HV__UNIX_FILE_SOCKET, HV_EACCES, 0, HV_EACCES},    /* unknown */
        {HV__UNIX_FILE_SOCKET, 1, 0, HV_ELISTENING},        /* answers */
        {HV__UNIX_FILE_SOCKET, 1, HV_ECONNREFUSED, 1},      /* stale */
        {HV__UNIX_FILE_SOCKET, 1, HV_ENOLISTENER, 0},       /* went */
        {HV__UNIX_FILE_SOCKET, 1, HV_ETIMEDOUT, HV_ETIMEDOUT}, /* stays */
        {HV__UNIX_FILE_SOCKET, 1, HV_EACCES, HV_EACCES},
    };
    size_t i;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int got = hv__unix_stale_rule(rows[i].kind, rows[i].owned,
                                      rows[i].probe);
        if (got != rows[i].want)
            ut_fail(__FILE__, __LINE__, "row %u: %d, expected %d",
                    (unsigned)i, got, rows[i].want);
    }
    UT_EQ_INT(hv_exitcode(HV_EUNIXMODE), 65);
}
