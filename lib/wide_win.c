/* wide_win.c: UTF-8 <-> UTF-16 for the Windows API, the one place that
 * calls MultiByteToWideChar and WideCharToMultiByte. The library holds
 * text as UTF-8; Windows takes and gives UTF-16. Cutting to fit a buffer
 * uses the portable UTF-8 walker (hv_utf8_cut, utf.c). */
#include <stdlib.h>
#include <string.h>

#include "platform_win.h"

int hv__utf8_to_wide(const char *s, wchar_t **out)
{
    wchar_t *w;
    int n;

    *out = NULL;
    n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0)
        return HV_EINVAL; /* not UTF-8 */
    if ((w = malloc((size_t)n * sizeof *w)) == NULL)
        return HV_ENOMEM;
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        return HV_EINVAL;
    }
    *out = w;
    return 0;
}

wchar_t *hv__wide(const char *s)
{
    wchar_t *w;
    return hv__utf8_to_wide(s, &w) < 0 ? NULL : w;
}

int hv__wide_to_utf8(const wchar_t *w, int wlen, char **out, size_t *len)
{
    char *s;
    int n = 0;

    *out = NULL;
    if (wlen < 0)
        wlen = (int)wcslen(w);
    if (wlen > 0 &&
        (n = WideCharToMultiByte(CP_UTF8, 0, w, wlen, NULL, 0, NULL, NULL)) <= 0)
        return HV_EBADDATA;
    if ((s = malloc((size_t)n + 1)) == NULL)
        return HV_ENOMEM;
    if (n > 0 && WideCharToMultiByte(CP_UTF8, 0, w, wlen, s, n, NULL, NULL) != n) {
        free(s);
        return HV_EBADDATA;
    }
    s[n] = '\0';
    *out = s;
    if (len)
        *len = (size_t)n;
    return 0;
}

int hv__wide_to_utf8_buf(const wchar_t *w, int wlen, char *buf, size_t n)
{
    char *all;
    size_t len;
    int r;

    if (n == 0)
        return HV_EINVAL;
    buf[0] = '\0';
    if ((r = hv__wide_to_utf8(w, wlen, &all, &len)) < 0)
        return r;
    len = hv_utf8_cut(all, len, n - 1);
    memcpy(buf, all, len);
    buf[len] = '\0';
    free(all);
    return (int)len;
}
