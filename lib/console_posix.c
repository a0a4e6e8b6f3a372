/* console_posix.c: a POSIX command line needs no conversion (arguments are
 * already bytes, stdio has no text mode); only closed standard descriptors
 * are filled in, since the next socket would otherwise become stdin, stdout
 * or stderr and the pump or a message would write into the connection, and
 * SIGPIPE is ignored. Also whether stdin is a terminal, and its raw mode
 * (hvcat --raw) with the modes to restore. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include "platform_posix.h"

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

int hv_console_write(int which, const char *s, size_t n)
{
    (void)which;
    (void)s;
    (void)n;
    return 0; /* a terminal takes the bytes as they are */
}

int hv_stderr_is_tty(void)
{
    return isatty(2);
}

static struct termios g_saved;
static int g_raw; /* g_saved holds the modes to restore */

int hv_console_raw(void)
{
    struct termios t;

    if (!isatty(0))
        return HV_EINVAL;
    if (tcgetattr(0, &g_saved) < 0)
        return hv__err_from_os(errno);
    t = g_saved;
    /* cfmakeraw's settings, spelt out (it is no POSIX call) */
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
                             IGNCR | ICRNL | IXON);
    t.c_oflag &= ~(tcflag_t)OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(0, TCSAFLUSH, &t) < 0)
        return hv__err_from_os(errno);
    g_raw = 1;
    return 0;
}

void hv_console_restore(void)
{
    if (!g_raw)
        return;
    g_raw = 0;
    /* after what we wrote is out; a terminal that hung up takes nothing */
    (void)tcsetattr(0, TCSADRAIN, &g_saved);
}
