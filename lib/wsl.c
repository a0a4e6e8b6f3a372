/* wsl.c: the portable half of finding WSL2's VM: reading --vm-id from a
 * wslhost.exe command line (wsl_win.c fetches the command lines). */
#include <string.h>

#include "platform.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int hv_wsl_cmdline_vmid(const char *cmdline, struct hv_guid *out)
{
    static const char opt[] = "--vm-id";
    const char *p = cmdline;
    size_t n;

    if (cmdline == NULL)
        return 0;
    while ((p = strstr(p, opt)) != NULL) {
        const char *q = p + sizeof opt - 1;
        int at_start = p == cmdline || is_space(p[-1]) || p[-1] == '"';
        p = q;
        if (!at_start)
            continue;
        if (*q == '"') /* "--vm-id" quoted on its own */
            q++;
        if (*q == '=') {
            q++;
        } else if (is_space(*q)) {
            while (is_space(*q))
                q++;
        } else {
            continue;
        }
        if (*q == '"')
            q++;
        n = hv_guid_scan(q, out);
        if (n == 0)
            continue;
        q += n;
        if (*q == '"')
            q++;
        if (*q == '\0' || is_space(*q))
            return 1;
    }
    return 0;
}
