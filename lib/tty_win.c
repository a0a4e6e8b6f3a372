/* tty_win.c: whether stderr is a console (--progress redraws a line
 * there, and writes plain lines elsewhere). */
#include "platform.h"

int hv_stderr_is_tty(void)
{
    DWORD mode;
    HANDLE h = GetStdHandle(STD_ERROR_HANDLE);
    return h != NULL && h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode);
}
