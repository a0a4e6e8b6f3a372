/* file_win.c: files named by the user. The tools hold names as UTF-8, which
 * fopen would read in the ANSI code page; they go to _wfopen, MoveFileExW
 * and _wremove as UTF-16. Whether an open file is a console. */
#include <errno.h>
#include <io.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "platform_win.h"

#include <aclapi.h>

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

/* The file itself at path, a reparse point (a unix socket file is one) not
 * followed: a handle with access, or INVALID_HANDLE_VALUE and *err
 * (HV_ENOENT when there is none). */
static HANDLE open_itself(const char *path, DWORD access, int *err)
{
    wchar_t *w;
    HANDLE h;
    DWORD e;

    if ((*err = hv__utf8_to_wide(path, &w)) < 0)
        return INVALID_HANDLE_VALUE;
    /* FILE_FLAG_BACKUP_SEMANTICS opens a directory too (CreateFileW,
     * Remarks: "Directories"), so a directory is told apart, not refused */
    h = CreateFileW(w, access,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, OPEN_EXISTING,
                    FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS,
                    NULL);
    e = GetLastError();
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        *err = e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND
                   ? HV_ENOENT
                   : hv__err_from_os((long)e);
    return h;
}

/* The volume and file index of an open file (BY_HANDLE_FILE_INFORMATION:
 * together they name one file on the machine). */
static int id_of(HANDLE h, struct hv__file_id *id)
{
    BY_HANDLE_FILE_INFORMATION bi;
    if (!GetFileInformationByHandle(h, &bi))
        return hv__err_from_os((long)GetLastError());
    id->dev = bi.dwVolumeSerialNumber;
    id->ino = ((uint64_t)bi.nFileIndexHigh << 32) | bi.nFileIndexLow;
    return 0;
}

int hv__file_id(const char *path, struct hv__file_id *id)
{
    int r;
    HANDLE h = open_itself(path, FILE_READ_ATTRIBUTES, &r);
    if (h == INVALID_HANDLE_VALUE)
        return r;
    r = id_of(h, id);
    CloseHandle(h);
    return r;
}

int hv__file_remove_same(const char *path, const struct hv__file_id *id)
{
    struct hv__file_id now = {0, 0};
    FILE_DISPOSITION_INFO del;
    int r;
    HANDLE h = open_itself(path, DELETE | FILE_READ_ATTRIBUTES, &r);

    if (h == INVALID_HANDLE_VALUE)
        return r;
    /* the check and the removal on one handle: no other file can take
     * the name between them */
    if ((r = id_of(h, &now)) == 0) {
        if (now.dev != id->dev || now.ino != id->ino) {
            r = 1;
        } else {
            del.DeleteFile = TRUE;
            if (!SetFileInformationByHandle(h, FileDispositionInfo, &del,
                                            sizeof del))
                r = hv__err_from_os((long)GetLastError());
        }
    }
    CloseHandle(h);
    return r;
}

/* The SID of one of the process token's entries (TokenUser or TokenOwner:
 * their structures begin with the SID's pointer), in buf. */
static PSID token_sid(HANDLE tok, TOKEN_INFORMATION_CLASS what, void *buf,
                      DWORD n)
{
    DWORD got;
    if (!GetTokenInformation(tok, what, buf, n, &got))
        return NULL;
    return what == TokenUser ? ((TOKEN_USER *)buf)->User.Sid
                             : ((TOKEN_OWNER *)buf)->Owner;
}

int hv__file_owned(const char *path)
{
    PSID owner = NULL, mine;
    PSECURITY_DESCRIPTOR sd = NULL;
    HANDLE h, tok;
    DWORD user[64], deflt[64];
    int r;

    h = open_itself(path, READ_CONTROL | FILE_READ_ATTRIBUTES, &r);
    if (h == INVALID_HANDLE_VALUE)
        return r;
    r = (int)GetSecurityInfo(h, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION,
                             &owner, NULL, NULL, NULL, &sd);
    CloseHandle(h);
    if (r != ERROR_SUCCESS)
        return hv__err_from_os(r);
    r = 0;
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
        /* a member of Administrators may give new files that group as
         * their owner (the token's TokenOwner), not the user itself */
        mine = token_sid(tok, TokenUser, user, sizeof user);
        r = mine && EqualSid(owner, mine);
        mine = token_sid(tok, TokenOwner, deflt, sizeof deflt);
        r = r || (mine && EqualSid(owner, mine));
        CloseHandle(tok);
    } else {
        r = hv__err_from_os((long)GetLastError());
    }
    LocalFree(sd);
    return r;
}

int hv__file_lock_take(const char *path, HANDLE *out)
{
    wchar_t *w;
    DWORD e;
    int r;

    *out = INVALID_HANDLE_VALUE;
    if ((r = hv__utf8_to_wide(path, &w)) < 0)
        return r;
    /* shared with nobody: another open fails with ERROR_SHARING_VIOLATION
     * while this handle lives, and the file goes with its last handle, a
     * killed process's too (CreateFileW, dwShareMode and
     * FILE_FLAG_DELETE_ON_CLOSE) */
    *out = CreateFileW(w, GENERIC_READ | DELETE, 0, NULL, OPEN_ALWAYS,
                       FILE_ATTRIBUTE_NORMAL | FILE_FLAG_DELETE_ON_CLOSE,
                       NULL);
    e = GetLastError();
    free(w);
    if (*out != INVALID_HANDLE_VALUE)
        return 0;
    return e == ERROR_SHARING_VIOLATION ? HV_ELISTENING
                                        : hv__err_from_os((long)e);
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
