/* test_spawn_posix.c: unit cases for spawn_posix.c (POSIX only). A
 * command that never got its connection is ended by hv__child_discard
 * even when it ignores SIGTERM and SIGHUP, and the call returns at once
 * instead of waiting for the command to end by itself. */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "platform_posix.h"
#include "ut.h"

/* Read from fd until text has been seen or 20 s have passed; 1 if seen. */
static int wait_for(int fd, const char *text)
{
    char buf[256];
    size_t have = 0;
    uint64_t end = hv_now_ms() + 20000;

    while (hv_now_ms() < end) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t n;
        if (poll(&p, 1, 200) <= 0)
            continue;
        n = read(fd, buf + have, sizeof buf - 1 - have);
        if (n <= 0)
            return 0;
        have += (size_t)n;
        buf[have] = '\0';
        if (strstr(buf, text))
            return 1;
        if (have == sizeof buf - 1)
            have = 0;
    }
    return 0;
}

UT_CASE(discard_ignoring_term)
{
    struct hv_pty_opts po;
    struct hv_child *c = NULL;
    struct hv_stream *io = NULL;
    uint64_t t0, took;

    memset(&po, 0, sizeof po);
    po.cols = 80;
    po.rows = 24;
    po.term = "dumb";
    /* ignored signals stay ignored across exec: sleep ignores both */
    UT_EQ_INT(hv_spawn_pty("trap '' TERM HUP; echo re''ady; exec sleep 60",
                           NULL, &po, &c, &io),
              0);
    UT_CHECK(c != NULL && io != NULL);
    UT_CHECK(wait_for(io->rfd, "ready"));
    t0 = hv_now_ms();
    hv__child_discard(c);
    took = hv_now_ms() - t0;
    /* kill and wait, as before, would have waited the whole 60 s */
    UT_CHECK(took < 20000);
    hv_stream_close(io);
}
