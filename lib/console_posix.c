/* console_posix.c: nothing to set up for a POSIX command line: arguments
 * are already bytes, and stdio has no text mode. */
#include "platform.h"

int hv_console_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}
