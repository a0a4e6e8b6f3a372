/* file_win.c: files named by the user. The tools hold names as UTF-8, which
 * fopen would read in the ANSI code page; they go to _wfopen, MoveFileExW
 * and _wremove as UTF-16. Whether an open file is a console. */
#include <errno.h>
#include <io.h>
#include <stdint.h>
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

/* _wfopen of a UTF-8 name with mode: 0 and *out, or the error */
static int wopen(const char *path, const wchar_t *mode, FILE **out)
{
    wchar_t *w;
    FILE *f;
    int r, e;

    *out = NULL;
    if (path == NULL || *path == '\0')
        return HV_ENOENT;
    if ((r = hv__utf8_to_wide(path, &w)) < 0)
        return r;
    errno = 0;
    f = _wfopen(w, mode);
    e = errno;
    free(w);
    if (f == NULL)
        return e ? file_err(e) : HV_EIO;
    *out = f;
    return 0;
}

int hv_file_create(const char *path, FILE **out)
{
    return wopen(path, L"wb", out);
}

int hv_file_append(const char *path, FILE **out)
{
    /* "a": the C runtime moves to the end before each write; "N": no
     * child inherits it */
    return wopen(path, L"abN", out);
}

int hv_file_error(void)
{
    /* the disk's own words, as for a socket's or a pipe's write */
    if (errno == ENOSPC)
        return hv__err_from_os(ERROR_DISK_FULL);
    return errno ? file_err(errno) : HV_EIO;
}

int hv__file_rename(const char *from, const char *to)
{
    wchar_t *wf, *wt;
    int r;

    if ((r = hv__utf8_to_wide(from, &wf)) < 0)
        return r;
    if ((r = hv__utf8_to_wide(to, &wt)) < 0) {
        free(wf);
        return r;
    }
    /* the C runtime's rename refuses to replace a file: MoveFileEx does */
    r = MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING) ? 0
                                                        : hv__err_from_os((long)GetLastError());
    free(wf);
    free(wt);
    return r;
}

int hv__file_remove(const char *path)
{
    wchar_t *w;
    int r;

    if ((r = hv__utf8_to_wide(path, &w)) < 0)
        return r;
    errno = 0;
    r = _wremove(w) == 0 ? 0 : file_err(errno);
    free(w);
    return r;
}

int hv_file_is_terminal(FILE *f)
{
    /* _isatty is also true for NUL and other character devices: ask for
     * the console mode, which only a console has */
    intptr_t h = _get_osfhandle(_fileno(f));
    DWORD mode;
    if (h == -1 || h == -2)
        return 0;
    return GetConsoleMode((HANDLE)h, &mode) != 0;
}
