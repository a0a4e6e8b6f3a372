/* dump.c: traffic dumps (-o, -x): the sink a relay engine hands every
 * chunk it has written, and the hex dump's text. Portable: the files
 * are opened through file_<platform>.c. The engines call hv__dump_data
 * from one thread at a time (the POSIX event loop, which runs a dumping
 * pair without its fast paths; under the Windows relay's lock), so the
 * sink takes no lock of its own. Each record is flushed at once: the
 * dump can be followed while the relay runs, and a full disk shows at
 * the chunk that met it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

struct hv_dump {
    FILE *f[2];          /* [0] raw bytes (-o), [1] hex dump (-x) */
    char *path[2];
    int err;             /* the first failure; nothing is written after */
    int told;            /* fn was called */
    void (*fn)(void *ctx, const char *path, int err);
    void *ctx;
};

int hv_dump_new(struct hv_dump **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : HV_ENOMEM;
}

int hv_dump_open(struct hv_dump *d, const char *path, int hex)
{
    int i = hex ? 1 : 0, r;
    size_t n = strlen(path) + 1;

    if (d->f[i])
        return HV_EEXIST;
    if ((d->path[i] = malloc(n)) == NULL)
        return HV_ENOMEM;
    memcpy(d->path[i], path, n);
    if ((r = hv_file_create(path, &d->f[i])) < 0) {
        free(d->path[i]);
        d->path[i] = NULL;
    }
    return r;
}

void hv_dump_on_error(struct hv_dump *d,
                      void (*fn)(void *ctx, const char *path, int err),
                      void *ctx)
{
    d->fn = fn;
    d->ctx = ctx;
}

int hv_dump_error(const struct hv_dump *d)
{
    return d ? d->err : 0;
}

/* File i failed with err: the dump stops, and says so once. */
static void dump_fail(struct hv_dump *d, int i, int err)
{
    d->err = err;
    if (!d->told && d->fn) {
        d->told = 1;
        d->fn(d->ctx, d->path[i], err);
    }
}

int hv_dump_close(struct hv_dump *d)
{
    int i, err;

    if (d == NULL)
        return 0;
    for (i = 0; i < 2; i++) {
        if (d->f[i] && fclose(d->f[i]) != 0 && d->err == 0)
            dump_fail(d, i, hv_file_error());
        free(d->path[i]);
    }
    err = d->err;
    free(d);
    return err;
}

size_t hv__dump_fmt_head(char *buf, unsigned conn, int dir, size_t n)
{
    char who[16] = "";
    if (conn)
        snprintf(who, sizeof who, "#%u ", conn);
    return (size_t)snprintf(buf, HV__DUMP_LINE_MAX, "%c %s%s %lu byte%s\n",
                            dir ? '<' : '>', who, dir ? "received" : "sent",
                            (unsigned long)n, n == 1 ? "" : "s");
}

size_t hv__dump_fmt_line(char *buf, uint64_t off, const unsigned char *p,
                         size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, k;

    if (n > 16)
        n = 16;
    k = (size_t)snprintf(buf, HV__DUMP_LINE_MAX, "%08llx ",
                         (unsigned long long)off);
    /* hexdump -C's columns: two groups of eight, then the text */
    for (i = 0; i < 16; i++) {
        if (i == 8)
            buf[k++] = ' ';
        buf[k++] = ' ';
        buf[k++] = i < n ? hex[p[i] >> 4] : ' ';
        buf[k++] = i < n ? hex[p[i] & 15] : ' ';
    }
    buf[k++] = ' ';
    buf[k++] = ' ';
    buf[k++] = '|';
    for (i = 0; i < n; i++)
        buf[k++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
    buf[k++] = '|';
    buf[k++] = '\n';
    buf[k] = '\0';
    return k;
}

/* Write n bytes to file i and flush: 0, or the failure (reported). */
static int put(struct hv_dump *d, int i, const void *p, size_t n)
{
    if (fwrite(p, 1, n, d->f[i]) != n || fflush(d->f[i]) != 0) {
        dump_fail(d, i, hv_file_error());
        return -1;
    }
    return 0;
}

void hv__dump_data(struct hv_dump *d, unsigned conn, int dir, uint64_t off,
                   const char *data, size_t n)
{
    const unsigned char *p = (const unsigned char *)data;
    char line[HV__DUMP_LINE_MAX];
    size_t i, k;

    if (d->err || n == 0)
        return;
    if (d->f[0] && put(d, 0, data, n) < 0)
        return;
    if (d->f[1] == NULL)
        return;
    k = hv__dump_fmt_head(line, conn, dir, n);
    for (i = 0; fwrite(line, 1, k, d->f[1]) == k; i += 16) {
        if (i >= n) {
            (void)put(d, 1, "", 0); /* the flush */
            return;
        }
        k = hv__dump_fmt_line(line, off + i, p + i, n - i);
    }
    dump_fail(d, 1, hv_file_error());
}
