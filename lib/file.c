/* file.c: replacing a file named by the user as a whole. The new contents
 * go to a temporary file beside it, which is renamed over the name once
 * they are all written and removed otherwise, so that a failed write (a
 * full disk) leaves the old file, or none, never a short one. And the
 * rule for a file already at a unix listener's path, which
 * sock_<platform>.c apply. */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

int hv_file_replace_begin(const char *path, struct hv_file_new *fn)
{
    uint8_t rnd[4];
    size_t n;
    int r;

    memset(fn, 0, sizeof *fn);
    if (path == NULL || *path == '\0')
        return HV_ENOENT;
    if ((r = hv__random_bytes(rnd, sizeof rnd)) < 0)
        return r;
    n = strlen(path) + sizeof ".12345678.tmp";
    if ((fn->tmp = malloc(n)) == NULL)
        return HV_ENOMEM;
    hv__fmt(fn->tmp, n, "%s.%02x%02x%02x%02x.tmp", path, rnd[0], rnd[1],
            rnd[2], rnd[3]);
    if ((r = hv_file_create(fn->tmp, &fn->f)) < 0) {
        free(fn->tmp);
        fn->tmp = NULL;
        return r;
    }
    fn->path = path;
    return 0;
}

int hv_file_replace_end(struct hv_file_new *fn, int keep)
{
    int r = 0;

    if (fn->f == NULL)
        return keep ? HV_EINTERNAL : 0;
    if (fflush(fn->f) != 0 || ferror(fn->f))
        r = HV_EIO;
    if (fclose(fn->f) != 0 && r == 0)
        r = HV_EIO;
    fn->f = NULL;
    if (keep && r == 0)
        r = hv__file_rename(fn->tmp, fn->path);
    if (!keep || r < 0)
        (void)hv__file_remove(fn->tmp);
    free(fn->tmp);
    fn->tmp = NULL;
    return r;
}

int hv__unix_stale_rule(int kind, int owned, int probe)
{
    if (kind == HV__UNIX_FILE_NONE)
        return 0;
    if (kind != HV__UNIX_FILE_SOCKET)
        return HV_ENOTSOCK; /* any other file stays */
    if (owned != 1)
        return owned < 0 ? owned : HV_EADDRINUSE; /* not ours to take */
    if (probe == 0)
        return HV_ELISTENING;
    if (probe == HV_ENOLISTENER)
        return 0; /* gone meanwhile */
    if (probe == HV_ECONNREFUSED)
        return 1; /* ours, and nobody listens: stale */
    return probe; /* unknown: it stays */
}
