/* file_posix.c: files named by the user. POSIX names are bytes, so a UTF-8
 * name goes to fopen as it is; only the errors need mapping. Appending
 * (logs), and whether an open file is a terminal. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform_posix.h"

/* errno from fopen onto the table: what a user can act on for a file. */
static int file_err(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return HV_ENOENT;
    case EISDIR:
        return HV_EINVAL;
    case EROFS:
        return HV_EACCES;
    default:
        return hv__err_from_os(e);
    }
}

int hv_file_create(const char *path, FILE **out)
{
    FILE *f;

    *out = NULL;
    if (path == NULL || *path == '\0')
        return HV_ENOENT;
    errno = 0;
    if ((f = fopen(path, "wb")) == NULL)
        return errno ? file_err(errno) : HV_EIO;
    /* kept from commands started later (-e beside a dump) */
    (void)fcntl(fileno(f), F_SETFD, FD_CLOEXEC);
    *out = f;
    return 0;
}

int hv_file_append(const char *path, FILE **out)
{
    FILE *f;
    int fd;

    *out = NULL;
    if (path == NULL || *path == '\0')
        return HV_ENOENT;
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return file_err(errno);
    if ((f = fdopen(fd, "ab")) == NULL) {
        int e = errno;
        close(fd);
        return file_err(e);
    }
    *out = f;
    return 0;
}

int hv_file_error(void)
{
    return errno ? hv__err_from_os(errno) : HV_EIO;
}

int hv__file_rename(const char *from, const char *to)
{
    return rename(from, to) == 0 ? 0 : file_err(errno);
}

int hv__file_remove(const char *path)
{
    return remove(path) == 0 ? 0 : file_err(errno);
}

int hv__file_id(const char *path, struct hv__file_id *id)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return file_err(errno);
    id->dev = (uint64_t)st.st_dev;
    id->ino = (uint64_t)st.st_ino;
    return 0;
}

int hv__file_remove_same(const char *path, const struct hv__file_id *id)
{
    struct hv__file_id now = {0, 0};
    int r = hv__file_id(path, &now);
    if (r < 0)
        return r;
    if (now.dev != id->dev || now.ino != id->ino)
        return 1;
    return unlink(path) == 0 ? 0 : file_err(errno);
}

int hv__file_owned(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return file_err(errno);
    return st.st_uid == geteuid();
}

int hv_file_is_terminal(FILE *f)
{
    return isatty(fileno(f)) == 1;
}
