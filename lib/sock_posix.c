/* sock_posix.c: stream sockets on POSIX: AF_VSOCK (the native transport of
 * a Linux guest), TCP through getaddrinfo, and unix sockets (a listener's
 * socket file and its lock). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>

#include "platform_posix.h"

enum hv_family hv_native_family(void)
{
    return HV_FAMILY_VSOCK;
}

int hv_net_init(void)
{
    return 0;
}

static int sock_new(int fd, enum hv_family fam, struct hv_sock **out)
{
    struct hv_sock *s = malloc(sizeof *s);
    if (s == NULL) {
        close(fd);
        return HV_ENOMEM;
    }
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->lock_fd = -1;
    s->family = fam;
    *out = s;
    return 0;
}

int hv__sock_from_fd(int fd, enum hv_family fam, struct hv_sock **out)
{
    return sock_new(fd, fam, out);
}

/* connect() with an optional deadline: non-blocking connect, then poll. */
static int connect_fd(int fd, const struct sockaddr *sa, socklen_t len,
                      uint32_t timeout_ms)
{
    int flags, err = 0;
    socklen_t elen = sizeof err;
    uint64_t deadline;

    if (timeout_ms == 0) {
        if (connect(fd, sa, len) == 0)
            return 0;
        if (errno != EINTR)
            return -errno;
        if (hv_stopped())
            return -EINTR;
        /* interrupted: the connection goes on; wait for it below */
        timeout_ms = 0xFFFFFFFFu;
    } else {
        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
            return -errno;
        if (connect(fd, sa, len) == 0) {
            fcntl(fd, F_SETFL, flags);
            return 0;
        }
        if (errno != EINPROGRESS && errno != EINTR)
            return -errno;
        fcntl(fd, F_SETFL, flags);
    }
    deadline = hv_now_ms() + timeout_ms;
    for (;;) {
        struct pollfd p;
        uint64_t t = hv_now_ms();
        int left = t >= deadline ? 0
                   : (deadline - t > 0x7FFFFFFF ? -1 : (int)(deadline - t));
        int r;
        p.fd = fd;
        p.events = POLLOUT;
        p.revents = 0;
        r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR) {
            if (hv_stopped())
                return -EINTR;
            continue;
        }
        if (r < 0)
            return -errno;
        if (r == 0)
            return -ETIMEDOUT;
        break;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
        return -errno;
    return err ? -err : 0;
}

#ifdef HV__HAVE_VSOCK
static void vsock_sa(struct sockaddr_vm *sa, uint32_t cid, uint32_t port)
{
    memset(sa, 0, sizeof *sa);
    sa->svm_family = AF_VSOCK;
    sa->svm_cid = cid;
    sa->svm_port = port;
}

/* Larger than the 256 KiB default: the peer's credit then rarely stops a
 * 256 KiB pump write half-way. virtio and loopback honour it (accepted
 * sockets inherit the listener's); hv_sock ignores it. */
#define VSOCK_BUFFER (1024ull * 1024ull)

static int vsock_socket(int *fd)
{
    unsigned long long size = VSOCK_BUFFER;
    *fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*fd < 0)
        return errno == EAFNOSUPPORT ? HV_ENOVSOCK : hv__err_from_os(errno);
    /* best effort: the maximum first, or the size is refused */
    (void)setsockopt(*fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_MAX_SIZE, &size,
                     sizeof size);
    (void)setsockopt(*fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &size,
                     sizeof size);
    return 0;
}

int hv__sock_native_connect(const struct hv_addr *a,
                         const struct hv_connect_opts *o, struct hv_sock **out)
{
    struct sockaddr_vm sa;
    int fd, r;

    if ((r = vsock_socket(&fd)) < 0)
        return r;
    if (o && o->timeout_ms) {
        struct timeval tv;
        tv.tv_sec = (time_t)(o->timeout_ms / 1000u);
        tv.tv_usec = (suseconds_t)((o->timeout_ms % 1000u) * 1000u);
        /* older kernels lack the option; the poll deadline still holds */
        (void)setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, &tv,
                         sizeof tv);
    }
    vsock_sa(&sa, a->cid, a->port);
    r = connect_fd(fd, (struct sockaddr *)&sa, sizeof sa,
                   o ? o->timeout_ms : 0);
    if (r < 0) {
        close(fd);
        if (r == -EINTR)
            return HV_ESTOPPED;
        /* vsock answers a port nobody listens on with a reset */
        if (r == -ECONNRESET)
            return HV_ECONNREFUSED;
        return hv__err_from_os(-r);
    }
    return sock_new(fd, HV_FAMILY_VSOCK, out);
}

/* Tries at a free port before the listener gives up: with 2^31 ports to
 * pick from, collisions this many times in a row mean the space is not
 * what it seems (EADDRINUSE for another reason). */
#define ANY_PORT_TRIES 32

/* Bind fd to a free port that hvreg can register: Linux picks VMADDR_PORT_ANY
 * anywhere above 1023, half the time above 2147483647, which no service
 * GUID of the hv_sock form (PORT-facb-11e6-bd58-64006a7986d3, PORT at most
 * 0x7FFFFFFF) can hold. So the port is picked here, at random in
 * 1024..HV_VSOCK_PORT_MAX, again on a collision. */
static int vsock_bind_any(int fd, uint32_t cid)
{
    struct sockaddr_vm sa;
    uint32_t v;
    int i, r;

    for (i = 0; i < ANY_PORT_TRIES; i++) {
        if ((r = hv__random_bytes(&v, sizeof v)) < 0)
            return r;
        v = 1024u + v % (HV_VSOCK_PORT_MAX - 1024u + 1u);
        vsock_sa(&sa, cid, v);
        if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            return 0;
        if (errno != EADDRINUSE)
            return hv__err_from_os(errno);
    }
    return HV_EADDRINUSE;
}

int hv__sock_native_listen(const struct hv_addr *a,
                           const struct hv_listen_opts *o,
                           struct hv_sock **out)
{
    int backlog = o->backlog ? o->backlog : 16;
    struct sockaddr_vm sa;
    int fd, r;

    if ((r = vsock_socket(&fd)) < 0)
        return r;
    if (a->port == VMADDR_PORT_ANY) {
        r = vsock_bind_any(fd, a->cid);
        if (r < 0) {
            close(fd);
            return r;
        }
    } else {
        vsock_sa(&sa, a->cid, a->port);
        if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
            r = hv__err_from_os(errno);
            close(fd);
            return r;
        }
    }
    if (listen(fd, backlog) < 0) {
        r = hv__err_from_os(errno);
        close(fd);
        return r;
    }
    return sock_new(fd, HV_FAMILY_VSOCK, out);
}
#else
/* a POSIX system without AF_VSOCK: only TCP */
int hv__sock_native_connect(const struct hv_addr *a,
                            const struct hv_connect_opts *o,
                            struct hv_sock **out)
{
    (void)a;
    (void)o;
    (void)out;
    return HV_ENOVSOCK;
}

int hv__sock_native_listen(const struct hv_addr *a,
                           const struct hv_listen_opts *o,
                           struct hv_sock **out)
{
    (void)a;
    (void)o;
    (void)out;
    return HV_ENOVSOCK;
}
#endif

static int tcp_resolve(const struct hv_addr *a, int passive,
                       struct addrinfo **res)
{
    struct addrinfo hints;
    char port[16];
    int r;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    hv__fmt(port, sizeof port, "%lu", (unsigned long)a->port);
    r = getaddrinfo(a->host[0] ? a->host : NULL, port, &hints, res);
    return r ? hv__gai_err(r) : 0;
}

int hv__sock_tcp_connect(const struct hv_addr *a, const struct hv_connect_opts *o,
                       struct hv_sock **out)
{
    struct addrinfo *res, *ai;
    int r, fd = -1, last = HV_ECONNREFUSED;

    if ((r = tcp_resolve(a, 0, &res)) < 0)
        return r;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            last = hv__err_from_os(errno);
            continue;
        }
        r = connect_fd(fd, ai->ai_addr, ai->ai_addrlen, o ? o->timeout_ms : 0);
        if (r == 0)
            break;
        last = r == -EINTR ? HV_ESTOPPED : hv__err_from_os(-r);
        close(fd);
        fd = -1;
        if (last == HV_ESTOPPED)
            break;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return last;
    return sock_new(fd, HV_FAMILY_TCP, out);
}

/* Move the first IPv6 entry to the front of the list. */
static struct addrinfo *v6_first(struct addrinfo *res)
{
    struct addrinfo *prev = NULL, *ai;
    for (ai = res; ai; prev = ai, ai = ai->ai_next) {
        if (ai->ai_family == AF_INET6) {
            if (prev) {
                prev->ai_next = ai->ai_next;
                ai->ai_next = res;
            }
            return ai;
        }
    }
    return res;
}

int hv__sock_tcp_listen(const struct hv_addr *a, const struct hv_listen_opts *o,
                        struct hv_sock **out)
{
    struct addrinfo *res, *ai;
    int r, fd = -1, last = HV_EADDRNOTAVAIL, one = 1;
    int backlog = o->backlog ? o->backlog : 16;

    if ((r = tcp_resolve(a, 1, &res)) < 0)
        return r;
    /* no address given: one dual-stack IPv6 socket takes IPv4 too, so
     * both 127.0.0.1 and ::1 reach it; plain IPv4 where IPv6 is off */
    if (a->host[0] == '\0')
        res = v6_first(res);
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            last = hv__err_from_os(errno);
            continue;
        }
        if (ai->ai_family == AF_INET6) {
            int zero = 0;
            (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        }
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, backlog) == 0)
            break;
        last = hv__err_from_os(errno);
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return last;
    return sock_new(fd, HV_FAMILY_TCP, out);
}

/* ---------------------------------------------------------------- unix */

static int unix_sa(const struct hv_addr *a, struct sockaddr_un *sa,
                   socklen_t *len)
{
    size_t n = strlen(a->path);
    if (n == 0 || n >= sizeof sa->sun_path)
        return HV_ERANGE;
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, a->path, n);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    return 0;
}

int hv__sock_unix_connect(const struct hv_addr *a,
                          const struct hv_connect_opts *o,
                          struct hv_sock **out)
{
    struct sockaddr_un sa;
    socklen_t len;
    int fd, r;

    if ((r = unix_sa(a, &sa, &len)) < 0)
        return r;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno == EAFNOSUPPORT ? HV_ENOUNIX : hv__err_from_os(errno);
    r = connect_fd(fd, (struct sockaddr *)&sa, len, o ? o->timeout_ms : 0);
    if (r < 0) {
        close(fd);
        if (r == -EINTR)
            return HV_ESTOPPED;
        /* no socket file: nothing listens there, as for a refused
         * connection (a file that is no socket, or a socket nobody
         * listens on, is ECONNREFUSED already) */
        if (r == -ENOENT)
            return HV_ENOLISTENER;
        return hv__err_from_os(-r);
    }
    return sock_new(fd, HV_FAMILY_UNIX, out);
}

/* A unix listener's socket file is made so that nothing done by path can be
 * turned onto another file by one swapped in at the path (a directory that
 * others may write to):
 * - PATH.lock, held with flock(2) for the listener's life, says that a
 *   listener of ours serves PATH: a second one finds it taken and leaves
 *   (HV_ELISTENING) without a connect the first could take for its client;
 * - a socket file already at PATH is probed with a connect only while the
 *   lock is ours (it is another program's, or one of ours that died), and
 *   removed only when nobody answers, it is ours, and it is still the file
 *   probed;
 * - the socket is bound in a private directory (0700) beside PATH, given
 *   its mode there, where nobody else can swap anything, and linked to
 *   PATH: link(2) never replaces a file that appeared meanwhile;
 * - its device and inode, read in the private directory, name the file
 *   hv_sock_close removes, and only while PATH still is that file. */

/* The OS's error on a path the user named: a directory in it missing (or
 * not a directory) is HV_ENOENT; the rest as usual. */
static int unix_path_err(int e)
{
    if (e == ENOENT || e == ENOTDIR) {
        hv__err_note(e, HV_ENOENT);
        return HV_ENOENT;
    }
    return hv__err_from_os(e);
}

/* Take the lock file lock (made when missing) for the listener's life:
 * its descriptor into *fd, the file into *st. HV_ELISTENING while another
 * listener holds it. */
static int unix_lock(const char *lock, int *fd, struct stat *st)
{
    const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
    struct stat now;
    int tries, f, e;

    *fd = -1;
    for (tries = 0; tries < 8; tries++) {
        f = open(lock, flags);
        if (f < 0 && errno == ENOENT)
            f = open(lock, flags | O_CREAT | O_EXCL, 0644);
        if (f < 0) {
            if (errno == EEXIST)
                continue; /* made by another meanwhile: open that one */
            return unix_path_err(errno);
        }
        if (fstat(f, st) < 0) {
            e = errno;
            close(f);
            return hv__err_from_os(e);
        }
        if (!S_ISREG(st->st_mode)) {
            /* a directory, a FIFO ...: no lock file of ours */
            close(f);
            return hv__err_from_os(S_ISDIR(st->st_mode) ? EISDIR : EEXIST);
        }
        if (flock(f, LOCK_EX | LOCK_NB) < 0) {
            e = errno;
            close(f);
            if (e == EWOULDBLOCK || e == EAGAIN)
                return HV_ELISTENING;
            return hv__err_from_os(e);
        }
        /* the lock is worth something only on the file the path names: the
         * last holder removes it as it ends */
        if (lstat(lock, &now) == 0 && now.st_dev == st->st_dev &&
            now.st_ino == st->st_ino) {
            *fd = f;
            return 0;
        }
        close(f);
    }
    return HV_ELISTENING;
}

/* Remove path if it still is the file dev/ino (not one swapped in). */
static void unlink_same(const char *path, dev_t dev, ino_t ino)
{
    struct stat st;
    if (lstat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
        (void)unlink(path);
}

/* Let go of the lock: its file removed while it is still the one locked. */
static void unix_unlock(const char *lock, int fd, dev_t dev, ino_t ino)
{
    unlink_same(lock, dev, ino);
    close(fd);
}

/* An existing file at the listener's path, with its lock ours: a socket of
 * ours nobody listens on is stale and goes; a socket that answers is in
 * use; anything else stays (hv__unix_stale_rule, which Windows keeps too). */
static int unix_clear_stale(const struct sockaddr_un *sa, socklen_t len)
{
    struct stat st;
    struct hv__file_id id;
    int fd, r, e, kind, owned, probe = 0;

    if (lstat(sa->sun_path, &st) < 0)
        return errno == ENOENT ? 0 : unix_path_err(errno);
    kind = S_ISSOCK(st.st_mode) ? HV__UNIX_FILE_SOCKET : HV__UNIX_FILE_OTHER;
    owned = st.st_uid == geteuid();
    id.dev = (uint64_t)st.st_dev;
    id.ino = (uint64_t)st.st_ino;
    if (kind == HV__UNIX_FILE_SOCKET && owned) {
        /* non-blocking: a listener with a full backlog says EAGAIN at
         * once */
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            return hv__err_from_os(errno);
        r = connect(fd, (const struct sockaddr *)sa, len);
        e = errno;
        close(fd);
        /* refused: nobody listens. No write permission (a mode such as
         * 000) leaves it unknown, but the file is ours and no listener of
         * ours holds the lock: stale */
        if (r == 0 || e == EAGAIN || e == EINPROGRESS)
            probe = 0;
        else if (e == ENOENT)
            probe = HV_ENOLISTENER;
        else if (e == ECONNREFUSED || e == EACCES)
            probe = HV_ECONNREFUSED;
        else
            probe = hv__err_from_os(e);
    }
    r = hv__unix_stale_rule(kind, owned, probe);
    if (r != 1)
        return r;
    r = hv__file_remove_same(sa->sun_path, &id);
    if (r == 1)
        return HV_EADDRINUSE; /* swapped since the probe */
    return r == HV_ENOENT ? 0 : r;
}

/* bind fd to "s" in the directory dfd, where its path would not fit in
 * sun_path: the working directory changes for that moment (the process's
 * one thread at work). 0, or -1 with errno set. */
static int unix_bind_at(int fd, int dfd)
{
#ifdef O_PATH
    int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
#else
    int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
#endif
    struct sockaddr_un in;
    int r = -1, e;

    if (cwd < 0)
        return -1;
    memset(&in, 0, sizeof in);
    in.sun_family = AF_UNIX;
    in.sun_path[0] = 's';
    if (fchdir(dfd) == 0) {
        r = bind(fd, (struct sockaddr *)&in,
                 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 2));
        e = errno;
        if (fchdir(cwd) < 0) {
            /* stranded elsewhere: no success to report */
            e = errno;
            r = -1;
        }
        errno = e;
    }
    e = errno;
    close(cwd);
    errno = e;
    return r;
}

/* Bind and listen on fd in a private directory beside the path, with the
 * mode o asks for, and link the socket file to the path: *st gets it. */
static int unix_bind_private(int fd, const struct sockaddr_un *sa,
                             socklen_t len, const struct hv_listen_opts *o,
                             struct stat *st)
{
    char dir[sizeof sa->sun_path + 8];
    size_t n = strlen(sa->sun_path);
    mode_t mode = (mode_t)(o->unix_mode & 0777u);
    struct sockaddr_un in;
    int dfd, r = 0, tries;

    memcpy(dir, sa->sun_path, n);
    memcpy(dir + n, ".XXXXXX", 8);
    if (mkdtemp(dir) == NULL)
        return unix_path_err(errno);
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        r = hv__err_from_os(errno);
        (void)rmdir(dir);
        return r;
    }
    /* still the directory mkdtemp made: ours, and closed to others (a
     * file system that ignores modes, vfat say, cannot give that) */
    if (fstat(dfd, st) < 0 || st->st_uid != geteuid()) {
        close(dfd);
        return HV_EADDRINUSE; /* swapped: not ours to remove */
    }
    if ((st->st_mode & 077) != 0) {
        close(dfd);
        (void)rmdir(dir);
        return HV_ENOTSUP;
    }
    memset(&in, 0, sizeof in);
    in.sun_family = AF_UNIX;
    if (n + 9 < sizeof in.sun_path) {
        memcpy(in.sun_path, dir, n + 7);
        memcpy(in.sun_path + n + 7, "/s", 3);
        if (bind(fd, (struct sockaddr *)&in, (socklen_t)sizeof in) < 0)
            r = unix_path_err(errno);
    } else if (unix_bind_at(fd, dfd) < 0) {
        r = unix_path_err(errno);
    }
    /* the mode, by a name only we can change (no umask, nor a default ACL,
     * takes part) */
    if (r == 0 && o->unix_mode && fchmodat(dfd, "s", mode, 0) < 0)
        r = hv__err_from_os(errno);
    if (r == 0 && fstatat(dfd, "s", st, AT_SYMLINK_NOFOLLOW) < 0)
        r = hv__err_from_os(errno);
    /* the bind went elsewhere (a directory on the way swapped) */
    if (r == 0 && (!S_ISSOCK(st->st_mode) || st->st_uid != geteuid()))
        r = HV_EADDRINUSE;
    /* a file system that keeps no such mode */
    if (r == 0 && o->unix_mode && (st->st_mode & 07777) != mode)
        r = HV_ENOTSUP;
    /* listening before the file appears: its first client is not refused */
    if (r == 0 && listen(fd, o->backlog ? o->backlog : 16) < 0)
        r = hv__err_from_os(errno);
    for (tries = 0; r == 0 && tries < 2; tries++) {
        if (linkat(dfd, "s", AT_FDCWD, sa->sun_path, 0) == 0)
            break;
        if (errno != EEXIST) {
            r = unix_path_err(errno);
            break;
        }
        /* a file appeared at the path since the check: what is it now? */
        r = unix_clear_stale(sa, len);
        if (r == 0 && tries == 1)
            r = HV_EADDRINUSE;
    }
    (void)unlinkat(dfd, "s", 0);
    close(dfd);
    (void)rmdir(dir);
    return r;
}

int hv__sock_unix_listen(const struct hv_addr *a,
                         const struct hv_listen_opts *o, struct hv_sock **out)
{
    struct sockaddr_un sa;
    struct stat st, lst;
    socklen_t len;
    char lock[sizeof sa.sun_path + 8];
    int fd, lfd, r;

    if ((r = unix_sa(a, &sa, &len)) < 0)
        return r;
    if (o->unix_mode & ~(HV_UNIX_MODE_SET | 0777u))
        return HV_ERANGE;
    hv__fmt(lock, sizeof lock, "%s.lock", sa.sun_path);
    if ((r = unix_lock(lock, &lfd, &lst)) < 0)
        return r;
    if ((r = unix_clear_stale(&sa, len)) < 0)
        goto unlock;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        r = errno == EAFNOSUPPORT ? HV_ENOUNIX : hv__err_from_os(errno);
        goto unlock;
    }
    if ((r = unix_bind_private(fd, &sa, len, o, &st)) < 0) {
        close(fd);
        goto unlock;
    }
    if ((r = sock_new(fd, HV_FAMILY_UNIX, out)) < 0) {
        unlink_same(sa.sun_path, st.st_dev, st.st_ino);
        goto unlock;
    }
    (*out)->unlink_path = 1;
    (*out)->dev = st.st_dev;
    (*out)->ino = st.st_ino;
    (*out)->lock_fd = lfd;
    (*out)->lock_dev = lst.st_dev;
    (*out)->lock_ino = lst.st_ino;
    memcpy((*out)->path, a->path, strlen(a->path) + 1);
    return 0;
unlock:
    unix_unlock(lock, lfd, lst.st_dev, lst.st_ino);
    return r;
}

/* A sockaddr from the kernel into a struct hv_addr. */
static int addr_from_sa(enum hv_family fam, const struct sockaddr *sa,
                        socklen_t len, struct hv_addr *out)
{
    memset(out, 0, sizeof *out);
    out->family = fam;
#ifdef HV__HAVE_VSOCK
    if (sa->sa_family == AF_VSOCK) {
        const struct sockaddr_vm *vm = (const struct sockaddr_vm *)sa;
        out->cid = vm->svm_cid;
        out->port = vm->svm_port;
        return 0;
    }
#endif
    if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
        char port[16];
        int r = getnameinfo(sa, len, out->host, sizeof out->host, port,
                            sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
        if (r)
            return hv__gai_err(r);
        return hv_parse_u32(port, 0, 65535, &out->port);
    }
    return HV_ENOTSUP;
}

/* The peer of an accepted unix socket: its uid, when the OS tells. */
static void unix_peer(int fd, struct hv_addr *peer)
{
    memset(peer, 0, sizeof *peer);
    peer->family = HV_FAMILY_UNIX;
    peer->port = HV_UID_UNKNOWN;
#ifdef SO_PEERCRED
    {
        struct ucred cr;
        socklen_t n = sizeof cr;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &n) == 0)
            peer->port = (uint32_t)cr.uid;
    }
#endif
}

static int wait_accept(struct hv_sock *l);

int hv_sock_accept(struct hv_sock *l, struct hv_sock **out,
                   struct hv_addr *peer)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd, r;

    for (;;) {
        len = sizeof ss;
        fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
        if (fd >= 0)
            break;
        if (errno == EINTR && hv_stopped())
            return HV_ESTOPPED;
        /* a listener in non-blocking mode (passed by a service manager
         * with NonBlocking=yes; its flags are not ours to change) whose
         * client went elsewhere: wait for the next, as a blocking one */
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if ((r = wait_accept(l)) < 0)
                return r;
            continue;
        }
        /* a connection that died in the queue is not the listener's fault */
        if (errno != EINTR && errno != ECONNABORTED)
            return hv__err_from_os(errno);
    }
    if (peer && l->family == HV_FAMILY_UNIX) {
        unix_peer(fd, peer);
    } else if (peer &&
               addr_from_sa(l->family, (struct sockaddr *)&ss, len, peer) < 0) {
        memset(peer, 0, sizeof *peer);
        peer->family = l->family;
    }
    return sock_new(fd, l->family, out);
}

/* Wait for a connection on l or for the stop (a non-blocking listener's
 * accept): 1, HV_ESTOPPED, or an HV_E* code. */
static int wait_accept(struct hv_sock *l)
{
    struct pollfd p[2];
    nfds_t n = 0, i;

    for (;;) {
        if (hv_stopped())
            return HV_ESTOPPED;
        n = 0;
        p[n].fd = l->fd;
        p[n++].events = POLLIN;
        if (hv__wake_fd(HV__WAKE_STOP) >= 0) {
            p[n].fd = hv__wake_fd(HV__WAKE_STOP);
            p[n++].events = POLLIN;
        }
        for (i = 0; i < n; i++)
            p[i].revents = 0;
        if (poll(p, n, -1) < 0 && errno != EINTR)
            return hv__err_from_os(errno);
        if (hv_stopped())
            return HV_ESTOPPED;
        if (p[0].revents)
            return 1;
    }
}

int hv_sock_recv(struct hv_sock *s, void *buf, size_t n, uint32_t timeout_ms)
{
    uint64_t deadline = hv_now_ms() + timeout_ms;
    struct pollfd p[2];
    nfds_t np;
    ssize_t got;
    int r;

    if (s->family == HV_FAMILY_NPIPE)
        return HV_ENOTSUP;
    if (n > 0x7FFFFFFF)
        n = 0x7FFFFFFF; /* the count is an int */
    for (;;) {
        uint64_t now;
        int wait;
        if (hv_stopped())
            return HV_ESTOPPED;
        got = recv(s->fd, buf, n, MSG_DONTWAIT);
        if (got >= 0)
            return (int)got;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return hv__err_from_os(errno);
        now = hv_now_ms();
        if (timeout_ms != 0xFFFFFFFFu && now >= deadline)
            return HV_ETIMEDOUT;
        wait = timeout_ms == 0xFFFFFFFFu          ? -1
               : deadline - now > 0x7FFFFFFFu ? 0x7FFFFFFF
                                              : (int)(deadline - now);
        np = 0;
        p[np].fd = s->fd;
        p[np++].events = POLLIN;
        if (hv__wake_fd(HV__WAKE_STOP) >= 0) {
            p[np].fd = hv__wake_fd(HV__WAKE_STOP);
            p[np++].events = POLLIN;
        }
        p[0].revents = p[np - 1].revents = 0;
        r = poll(p, np, wait);
        if (r < 0 && errno != EINTR)
            return hv__err_from_os(errno);
    }
}

int hv_vsock_local_cid(uint32_t *cid)
{
#ifdef HV__HAVE_VSOCK
    unsigned int c = 0;
    int fd = open("/dev/vsock", O_RDONLY | O_CLOEXEC), r = 0;
    if (fd < 0)
        return HV_ENOVSOCK;
    if (ioctl(fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &c) < 0)
        r = hv__err_from_os(errno);
    close(fd);
    *cid = c;
    return r;
#else
    (void)cid;
    return HV_ENOTSUP;
#endif
}

int hv_sock_local(struct hv_sock *s, struct hv_addr *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (s->family == HV_FAMILY_UNIX) {
        memset(out, 0, sizeof *out);
        out->family = HV_FAMILY_UNIX;
        memcpy(out->path, s->path, sizeof out->path);
        return 0;
    }
    if (getsockname(s->fd, (struct sockaddr *)&ss, &len) < 0)
        return hv__err_from_os(errno);
    return addr_from_sa(s->family, (struct sockaddr *)&ss, len, out);
}

int hv_sock_shutdown_send(struct hv_sock *s)
{
    if (shutdown(s->fd, SHUT_WR) == 0)
        return 0;
    /* not connected any more: the peer reset it, and what we sent last may
     * never have arrived */
    if (errno == ENOTCONN)
        return HV_ECONNRESET;
    return hv__err_from_os(errno);
}

void hv_sock_close(struct hv_sock *s)
{
    if (s == NULL)
        return;
    /* remove the listener's socket file, unless another took the path;
     * then its lock, so that a listener after us finds the path free */
    if (s->unlink_path)
        unlink_same(s->path, s->dev, s->ino);
    if (s->lock_fd >= 0) {
        char lock[HV_PATH_MAX + 8];
        hv__fmt(lock, sizeof lock, "%s.lock", s->path);
        unix_unlock(lock, s->lock_fd, s->lock_dev, s->lock_ino);
    }
    close(s->fd);
    free(s->hybrid_ok);
    free(s);
}

void hv_sock_abort(struct hv_sock *s)
{
    struct linger lg;
    if (s == NULL)
        return;
    /* a zero linger time makes close send a reset instead of a FIN (TCP;
     * socket(7), SO_LINGER). Nothing is read first: a unix client whose
     * bytes stay unread gets ECONNRESET at our close (unix(7) has no
     * reset of its own) */
    lg.l_onoff = 1;
    lg.l_linger = 0;
    (void)setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    hv_sock_close(s);
}

int hv__sock_send(struct hv_sock *s, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(s->fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR && !hv_stopped())
            continue;
        if (k < 0)
            return errno == EINTR ? HV_ESTOPPED : hv__err_from_os(errno);
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* ---------------------------------------------------------------- dial */

/* The back-off of a retried step: a unix backlog that is full, or no
 * descriptor for the socket; doubled each time up to the most. */
#define DIAL_RETRY_FIRST_MS 10u
#define DIAL_RETRY_MAX_MS 250u

/* Hybrid vsock's handshake in steps: the request sent (a fresh unix
 * socket's buffer takes it whole, but it may be sent in parts), then the
 * answer read a byte at a time without blocking. */
struct hv__dial_hybrid {
    struct hv__hybrid h;
    char req[64];
    size_t req_len, sent;
    int connected; /* the unix connect is made: the handshake runs */
};

static int dial_hybrid_start(struct hv__dial *d, const struct hv_addr *to)
{
    struct hv_addr u;
    int r;
    hv__hybrid_unix(to, 0, &u);
    if ((r = unix_sa(&u, &d->un, &d->un_len)) < 0)
        return r;
    if ((d->hy = calloc(1, sizeof *d->hy)) == NULL)
        return HV_ENOMEM;
    hv__hybrid_init(&d->hy->h);
    d->hy->req_len = hv__hybrid_request(to, d->hy->req, sizeof d->hy->req);
    if (d->timeout_ms == 0)
        d->timeout_ms = HV_HYBRID_TIMEOUT_MS;
    return 0;
}

static int dial_done(struct hv__dial *d, struct hv_sock **out);

/* The handshake's next step on the connected d->fd: done, a wait (for
 * room to send, or the answer), or failed. */
static int dial_hybrid(struct hv__dial *d, struct hv_sock **out)
{
    struct hv__dial_hybrid *x = d->hy;
    ssize_t k;
    size_t used;
    char c;
    int r;

    x->connected = 1;
    while (x->sent < x->req_len) {
        k = send(d->fd, x->req + x->sent, x->req_len - x->sent,
                 MSG_DONTWAIT | MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        d->want_in = 0;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return HV__DIAL_WAIT;
        /* the VMM closed at once: as a refused port */
        if (k < 0 && (errno == EPIPE || errno == ECONNRESET))
            return HV_ECONNREFUSED;
        if (k < 0)
            return hv__err_from_os(errno);
        x->sent += (size_t)k;
    }
    for (;;) {
        k = recv(d->fd, &c, 1, MSG_DONTWAIT);
        if (k < 0 && errno == EINTR)
            continue;
        d->want_in = 1;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return HV__DIAL_WAIT;
        if (k == 0 || (k < 0 && errno == ECONNRESET && x->h.len == 0))
            return hv__hybrid_eof(&x->h);
        if (k < 0)
            return hv__err_from_os(errno);
        if ((r = hv__hybrid_feed(&x->h, &c, 1, &used)) < 0)
            return r;
        if (r == 1)
            break;
    }
    x->sent = 0;
    x->req_len = 0;
    return dial_done(d, out);
}

int hv__dial_start(struct hv__dial *d, const struct hv_addr *to,
                   const struct hv_connect_opts *o)
{
    memset(d, 0, sizeof *d);
    d->family = to->family;
    d->cid = to->cid;
    d->port = to->port;
    d->fd = -1;
    d->timeout_ms = o ? o->timeout_ms : 0;
    d->last = HV_ECONNREFUSED;
    switch (to->family) {
    case HV_FAMILY_TCP: {
        int r = hv__resolve_start(to->host, to->port, &d->res, &d->rs);
        if (r == HV__DIAL_RETRY && (d->host = strdup(to->host)) == NULL)
            return HV_ENOMEM;
        if (r < 0)
            return r;
        d->ai = d->res;
        return 0;
    }
    case HV_FAMILY_UNIX:
        return unix_sa(to, &d->un, &d->un_len);
    case HV_FAMILY_HYBRID:
        return dial_hybrid_start(d, to);
    default:
        break;
    }
#ifdef HV__HAVE_VSOCK
    if (to->family == HV_FAMILY_VSOCK)
        return 0;
#endif
    if (to->family == HV_FAMILY_VSOCK)
        return HV_ENOVSOCK;
    return to->family == HV_FAMILY_NPIPE ? HV_ENONPIPE : HV_ENOTSUP;
}

void hv__dial_free(struct hv__dial *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    if (d->res)
        freeaddrinfo(d->res);
    d->res = d->ai = NULL;
    hv__resolve_free(d->rs);
    d->rs = NULL;
    free(d->host);
    d->host = NULL;
    free(d->hy);
    d->hy = NULL;
}

int hv__dial_wait_fd(const struct hv__dial *d, int *in)
{
    *in = d->rs != NULL || d->want_in;
    return d->rs ? hv__resolve_fd(d->rs) : d->fd;
}

/* Retry after the back-off (starved: short of descriptors). */
static int dial_retry(struct hv__dial *d, int starved)
{
    d->starved = starved;
    d->retry_ms = d->retry_ms ? d->retry_ms * 2 : DIAL_RETRY_FIRST_MS;
    if (d->retry_ms > DIAL_RETRY_MAX_MS)
        d->retry_ms = DIAL_RETRY_MAX_MS;
    return HV__DIAL_RETRY;
}

/* A new non-blocking socket of family fam into d->fd. */
static int dial_socket(struct hv__dial *d, int fam, int type, int proto)
{
    d->fd = socket(fam, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (d->fd >= 0)
        return 0;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
        errno == ENOMEM)
        return dial_retry(d, 1);
    if (fam == AF_UNIX && errno == EAFNOSUPPORT)
        return HV_ENOUNIX;
#ifdef HV__HAVE_VSOCK
    if (fam == AF_VSOCK && errno == EAFNOSUPPORT)
        return HV_ENOVSOCK;
#endif
    return hv__err_from_os(errno);
}

/* The connection is made: d->fd, blocking again as hv_sock_connect's. */
static int dial_done(struct hv__dial *d, struct hv_sock **out)
{
    int fd = d->fd, flags, r;
    enum hv_family fam = d->family;

    /* hybrid vsock: connected to the VMM; its answer first */
    if (d->hy && d->hy->req_len)
        return dial_hybrid(d, out);
    flags = fcntl(fd, F_GETFL);
    d->fd = -1;
    if (flags >= 0)
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    r = sock_new(fd, fam == HV_FAMILY_HYBRID ? HV_FAMILY_UNIX : fam, out);
    if (r == 0 && d->hy && (r = hv__hybrid_keep(*out, &d->hy->h)) < 0)
        hv_sock_close(*out);
    hv__dial_free(d);
    return r < 0 ? HV_ENOMEM : HV__DIAL_DONE;
}

/* connect() on d->fd to sa: done, in progress, to retry, or failed (the
 * OS's errno, negated). */
static int dial_connect(struct hv__dial *d, const struct sockaddr *sa,
                        socklen_t len, struct hv_sock **out)
{
    if (connect(d->fd, sa, len) == 0)
        return dial_done(d, out);
    if (errno == EINPROGRESS || errno == EINTR)
        return HV__DIAL_WAIT;
    /* a unix listener whose backlog is full: it may accept later */
    if (errno == EAGAIN && (d->family == HV_FAMILY_UNIX ||
                            d->family == HV_FAMILY_HYBRID)) {
        close(d->fd);
        d->fd = -1;
        return dial_retry(d, 0);
    }
    return -errno;
}

/* The OS's error of a failed attempt as the HV_E* code hv_sock_connect
 * would give. */
static int dial_err(const struct hv__dial *d, int oserr)
{
    if (d->family == HV_FAMILY_VSOCK && oserr == ECONNRESET)
        return HV_ECONNREFUSED; /* nobody listens on that port */
    if ((d->family == HV_FAMILY_UNIX || d->family == HV_FAMILY_HYBRID) &&
        oserr == ENOENT)
        return HV_ENOLISTENER;
    return hv__err_from_os(oserr);
}

/* The host name's addresses into d->res: 0 when they are in, or a step's
 * result (the lookup goes on, is to be tried again, or failed). */
static int dial_lookup(struct hv__dial *d)
{
    int r;

    if (d->host) {
        /* the lookup could not start: try again */
        r = hv__resolve_start(d->host, d->port, &d->res, &d->rs);
        if (r == HV__DIAL_RETRY)
            return dial_retry(d, 1);
        if (r < 0)
            return r;
        free(d->host);
        d->host = NULL;
    }
    if (d->rs) {
        r = hv__resolve_take(d->rs, &d->res);
        if (r == HV__DIAL_WAIT)
            return r;
        hv__resolve_free(d->rs);
        d->rs = NULL;
        if (r < 0)
            return r;
    }
    d->ai = d->res;
    return 0;
}

/* Start the connect to the next address: a step's result. */
static int dial_begin(struct hv__dial *d, struct hv_sock **out)
{
    int r;

    switch (d->family) {
    case HV_FAMILY_TCP:
        while (d->ai) {
            struct addrinfo *ai = d->ai;
            r = dial_socket(d, ai->ai_family, ai->ai_socktype,
                            ai->ai_protocol);
            if (r == HV__DIAL_RETRY)
                return r; /* starved: this address again, later */
            if (r < 0) {
                /* this family fails here (IPv6 off): the next one */
                d->last = r;
                d->ai = ai->ai_next;
                continue;
            }
            r = dial_connect(d, ai->ai_addr, ai->ai_addrlen, out);
            if (r >= 0)
                return r;
            d->last = hv__err_from_os(-r);
            close(d->fd);
            d->fd = -1;
            d->ai = ai->ai_next;
        }
        return d->last;
    case HV_FAMILY_UNIX:
    case HV_FAMILY_HYBRID:
        if ((r = dial_socket(d, AF_UNIX, SOCK_STREAM, 0)) != 0)
            return r;
        r = dial_connect(d, (struct sockaddr *)&d->un, d->un_len, out);
        return r >= 0 ? r : dial_err(d, -r);
    default:
        break;
    }
#ifdef HV__HAVE_VSOCK
    {
        struct sockaddr_vm sa;
        unsigned long long size = VSOCK_BUFFER;
        if ((r = dial_socket(d, AF_VSOCK, SOCK_STREAM, 0)) != 0)
            return r;
        (void)setsockopt(d->fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_MAX_SIZE,
                         &size, sizeof size);
        (void)setsockopt(d->fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &size,
                         sizeof size);
        if (d->timeout_ms) {
            struct timeval tv;
            tv.tv_sec = (time_t)(d->timeout_ms / 1000u);
            tv.tv_usec = (suseconds_t)((d->timeout_ms % 1000u) * 1000u);
            (void)setsockopt(d->fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT,
                             &tv, sizeof tv);
        }
        vsock_sa(&sa, d->cid, d->port);
        r = dial_connect(d, (struct sockaddr *)&sa, sizeof sa, out);
        return r >= 0 ? r : dial_err(d, -r);
    }
#else
    return HV_ENOVSOCK;
#endif
}

int hv__dial_step(struct hv__dial *d, struct hv_sock **out)
{
    struct pollfd p;
    int err = 0, r;
    socklen_t elen = sizeof err;

    if (d->family == HV_FAMILY_TCP && (d->rs || d->host) &&
        (r = dial_lookup(d)) != 0)
        return r;
    if (d->fd < 0)
        return dial_begin(d, out);
    if (d->hy && d->hy->connected)
        return dial_hybrid(d, out);
    /* in progress: done only once the socket is writable (SO_ERROR is 0
     * while the handshake still runs) */
    p.fd = d->fd;
    p.events = POLLOUT;
    p.revents = 0;
    r = poll(&p, 1, 0);
    if (r == 0 || (r < 0 && errno == EINTR))
        return HV__DIAL_WAIT;
    if (r < 0)
        return hv__err_from_os(errno);
    if (getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
        err = errno;
    if (err == 0)
        return dial_done(d, out);
    close(d->fd);
    d->fd = -1;
    if (d->family == HV_FAMILY_TCP && d->ai) {
        /* the next address, as hv_sock_connect tries them in turn */
        d->last = hv__err_from_os(err);
        d->ai = d->ai->ai_next;
        if (d->ai == NULL)
            return d->last;
        return dial_begin(d, out);
    }
    return dial_err(d, err);
}

/* ------------------------------------------------------- descriptor passing */

int hv_stdout_passes_fds(void)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int type = 0;
    socklen_t tlen = sizeof type;

    if (getsockname(STDOUT_FILENO, (struct sockaddr *)&ss, &len) < 0 ||
        ss.ss_family != AF_UNIX ||
        getsockopt(STDOUT_FILENO, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 ||
        type != SOCK_STREAM)
        return HV_ENOTSOCK;
    return 0;
}

int hv_sock_pass_stdout(struct hv_sock *s)
{
    /* the byte is what the receiver's recvmsg waits for: rights travel
     * only with data on a stream socket */
    char byte = 0;
    struct iovec iov;
    struct msghdr mh;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct cmsghdr *cm;
    ssize_t n;

    memset(&mh, 0, sizeof mh);
    memset(&ctl, 0, sizeof ctl);
    iov.iov_base = &byte;
    iov.iov_len = 1;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof ctl.buf;
    cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &s->fd, sizeof(int));
    do
        n = sendmsg(STDOUT_FILENO, &mh, 0); /* SIGPIPE is ignored */
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return hv__err_from_os(errno);
    return n == 1 ? 0 : HV_EIO;
}
