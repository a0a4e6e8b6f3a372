/* activate_posix.c: the listening socket a service manager passed to this
 * process (systemd's socket activation, sd_listen_fds(3)): LISTEN_PID and
 * LISTEN_FDS read and checked, the descriptors hidden from what the
 * process starts later, and the socket taken as one hv_sock_listen could
 * have made, except that its socket file stays the manager's. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "platform_posix.h"

/* The first passed descriptor (SD_LISTEN_FDS_START). */
#define FIRST_FD 3

/* The protocol's variables, each read once and then removed. */
static void forget_env(void)
{
    (void)unsetenv("LISTEN_PID");
    (void)unsetenv("LISTEN_FDS");
    (void)unsetenv("LISTEN_FDNAMES");
}

/* The passed descriptors, close-on-exec: a command started later never
 * holds the listener (systemd would then see it open after we end). */
static void hide_fds(uint32_t count)
{
    uint32_t i;
    for (i = 0; i < count; i++) {
        int fd = FIRST_FD + (int)i;
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC))
            (void)fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

/* What the descriptor is: 0 and *fam for a listening stream socket of a
 * family we serve, else an HV_E* code with why set. */
static int check_fd(int fd, enum hv_family *fam, struct sockaddr_storage *ss,
                    socklen_t *len, char *why, size_t n)
{
    struct stat st;
    int type = 0, listening = 0;
    socklen_t ol;

    if (fstat(fd, &st) < 0) {
        hv__fmt(why, n, "descriptor %d is not open (LISTEN_FDS says it was "
                        "passed)", fd);
        return HV_EUSAGE;
    }
    if (!S_ISSOCK(st.st_mode)) {
        hv__fmt(why, n, "descriptor %d is not a socket", fd);
        return HV_EUSAGE;
    }
    ol = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ol) < 0)
        return hv__err_from_os(errno);
    if (type != SOCK_STREAM) {
        hv__fmt(why, n, "descriptor %d is a %s socket, not a stream socket "
                        "(ListenStream=)", fd,
                type == SOCK_DGRAM       ? "datagram"
                : type == SOCK_SEQPACKET ? "seqpacket"
                                         : "non-stream");
        return HV_EUSAGE;
    }
    ol = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ol) < 0)
        return hv__err_from_os(errno);
    if (!listening) {
        hv__fmt(why, n, "descriptor %d is a stream socket that does not "
                        "listen: a connection (Accept=yes hands one to each "
                        "service; hvcat serves those)", fd);
        return HV_EUSAGE;
    }
    *len = sizeof *ss;
    memset(ss, 0, sizeof *ss);
    if (getsockname(fd, (struct sockaddr *)ss, len) < 0)
        return hv__err_from_os(errno);
    switch (ss->ss_family) {
#ifdef HV__HAVE_VSOCK
    case AF_VSOCK:
        *fam = HV_FAMILY_VSOCK;
        return 0;
#endif
    case AF_UNIX:
        *fam = HV_FAMILY_UNIX;
        return 0;
    case AF_INET:
    case AF_INET6: {
#ifdef SO_PROTOCOL
        /* a stream socket of IP may be SCTP or MPTCP: TCP only */
        int proto = 0;
        ol = sizeof proto;
        if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &ol) == 0 &&
            proto != IPPROTO_TCP) {
            hv__fmt(why, n, "descriptor %d is a stream socket of IP "
                            "protocol %d, not TCP", fd, proto);
            return HV_EAFNOSUPPORT;
        }
#endif
        *fam = HV_FAMILY_TCP;
        return 0;
    }
    default:
        hv__fmt(why, n, "descriptor %d is a socket of address family %d: "
                        "vsock, TCP and unix sockets can be served", fd,
                (int)ss->ss_family);
        return HV_EAFNOSUPPORT;
    }
}

int hv_sock_activated(struct hv_sock **out, char *why, size_t n)
{
    const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
    struct sockaddr_storage ss;
    socklen_t len;
    enum hv_family fam = HV_FAMILY_TCP; /* set by check_fd when it returns 0 */
    uint32_t pid, count;
    int r;

    hv__fmt(why, n, "%s", "");
    if (fds_s == NULL || pid_s == NULL) {
        hv__fmt(why, n, "no socket was passed (%s is not set): run it from "
                        "a socket unit, or systemd-socket-activate",
                fds_s == NULL ? "LISTEN_FDS" : "LISTEN_PID");
        forget_env();
        return HV_EABSENT;
    }
    if (hv_parse_u32(pid_s, 1, 0x7FFFFFFFu, &pid) < 0) {
        hv__fmt(why, n, "LISTEN_PID '%.32s' is not a process id", pid_s);
        forget_env();
        return HV_EUSAGE;
    }
    if ((pid_t)pid != getpid()) {
        /* the descriptors are another process's: leave them alone */
        hv__fmt(why, n, "LISTEN_PID is %lu, not this process (%lu): the "
                        "sockets were passed to another process",
                (unsigned long)pid, (unsigned long)getpid());
        forget_env();
        return HV_EABSENT;
    }
    if (hv_parse_u32(fds_s, 0, 0x7FFFFFFFu - FIRST_FD, &count) < 0) {
        hv__fmt(why, n, "LISTEN_FDS '%.32s' is not a count of descriptors",
                fds_s);
        forget_env();
        return HV_EUSAGE;
    }
    forget_env();
    if (count == 0) {
        hv__fmt(why, n, "%s", "no socket was passed (LISTEN_FDS is 0)");
        return HV_EABSENT;
    }
    if (count > 1) {
        /* (refused before the descriptors are looked at: a count of two
         * billion would take one fcntl each) */
        hv__fmt(why, n, "%lu sockets were passed (LISTEN_FDS=%lu): one is "
                        "served (give the socket unit one ListenStream=)",
                (unsigned long)count, (unsigned long)count);
        return HV_EUSAGE;
    }
    hide_fds(count);
    if ((r = check_fd(FIRST_FD, &fam, &ss, &len, why, n)) < 0)
        return r;
    if ((r = hv__sock_from_fd(FIRST_FD, fam, out)) < 0)
        return r;
    if (fam == HV_FAMILY_UNIX) {
        /* its name, for messages and HV_LOCAL_*; never removed by us
         * (unlink_path stays 0, and no lock is taken) */
        const struct sockaddr_un *un = (const struct sockaddr_un *)&ss;
        size_t off = offsetof(struct sockaddr_un, sun_path), k;
        size_t got = len > off ? (size_t)len - off : 0;
        char *p = (*out)->path;
        if (got > sizeof un->sun_path)
            got = sizeof un->sun_path;
        if (got > 0 && un->sun_path[0] == '\0') {
            /* the abstract namespace, written @name as systemd does */
            p[0] = '@';
            for (k = 1; k < got && k < sizeof (*out)->path - 1; k++)
                p[k] = un->sun_path[k] ? un->sun_path[k] : '@';
            p[k] = '\0';
        } else {
            for (k = 0; k < got && un->sun_path[k] &&
                        k < sizeof (*out)->path - 1;
                 k++)
                p[k] = un->sun_path[k];
            p[k] = '\0';
        }
    }
    return 0;
}
