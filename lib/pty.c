/* pty.c: the portable half of -e --pty: the command's environment list
 * with TERM added, for either platform's pty_<platform>.c. */
#include <stdio.h>
#include <stdlib.h>

#include "platform.h"

const char **hv__pty_env(const char *const *env, const char *term, char *buf,
                         size_t n)
{
    const char **all;
    size_t m = 0, i;

    while (env && env[m])
        m++;
    all = malloc((m + 2) * sizeof *all);
    if (all == NULL)
        return NULL;
    for (i = 0; i < m; i++)
        all[i] = env[i];
    snprintf(buf, n, "TERM=%s", term);
    all[m] = buf;
    all[m + 1] = NULL;
    return all;
}
