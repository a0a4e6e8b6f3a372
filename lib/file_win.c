/* file_win.c: files named by the user. The tools hold names as UTF-8, which
 * fopen would read in the ANSI code page; they go to _wfopen as UTF-16. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "platform.h"

/* errno from _wfopen (the C runtime maps the Win32 error onto it). */
static int file_err(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return HV_ENOENT;
    case EACCES:
    case EPERM:
    case EROFS:
        return HV_EACCES;
    case EISDIR:
    case EINVAL:
        return HV_EINVAL;
    case EEXIST:
        return HV_EEXIST;
    case ENOMEM:
        return HV_ENOMEM;
    case ENOSPC:
    case EIO:
        return HV_EIO;
    default:
        return HV_EOS;
    }
}

int hv_file_create(const char *path, FILE **out)
{
    wchar_t *w;
    FILE *f;
    int n;

    *out = NULL;
    if (path == NULL || *path == '\0')
        return HV_ENOENT;
    n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, NULL, 0);
    if (n <= 0)
        return HV_EINVAL; /* not UTF-8 */
    if ((w = malloc((size_t)n * sizeof *w)) == NULL)
        return HV_ENOMEM;
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, w, n) !=
        n) {
        free(w);
        return HV_EINVAL;
    }
    errno = 0;
    f = _wfopen(w, L"wb");
    n = errno;
    free(w);
    if (f == NULL)
        return n ? file_err(n) : HV_EIO;
    *out = f;
    return 0;
}
