/* console_posix.c: a POSIX command line needs no conversion (arguments are
 * already bytes, stdio has no text mode); only closed standard descriptors
 * are filled in, since the next socket would otherwise become stdin, stdout
 * or stderr and the pump or a message would write into the connection, and
 * SIGPIPE is ignored. Also whether stdin is a terminal. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "platform.h"

int hv_console_init(int *argc, char ***argv)
{
    int fd;

    (void)argc;
    (void)argv;
    for (fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        /* read-only: a missing stdin reads as empty, and writing a missing
         * stdout or stderr fails, as for a Windows process without those
         * handles; open() takes the lowest free descriptor, this one */
        if (open("/dev/null", O_RDONLY) != fd)
            return hv__err_from_os(errno);
    }
    /* a closed stdout, socket or -e command's pipe is an error that the
     * pump and the tools report (EPIPE), not a kill; spawn_posix.c
     * restores the default for the command it starts */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        return hv__err_from_os(errno);
    return 0;
}

int hv_stdin_is_tty(void)
{
    return isatty(0);
}

int hv_stderr_is_tty(void)
{
    return isatty(2);
}
