/* stop_win.c: Windows has no POSIX signals: Ctrl+C and Ctrl+Break reach
 * hv_stop() through the console control handler that hv_console_init
 * installs (console_win.c), and the tool ends with exit status 130. */
#include "platform.h"

int hv_stop_on_signals(void)
{
    return 0;
}

int hv_stop_signal(void)
{
    return 0;
}
