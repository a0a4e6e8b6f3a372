/* tty_posix.c: whether stderr is a terminal (--progress redraws a line
 * there, and writes plain lines elsewhere). */
#include "platform.h"

int hv_stderr_is_tty(void)
{
    return isatty(2);
}

int hv_stdin_is_tty(void)
{
    return isatty(0);
}
