/* test_ends.c: what the rule book learns of a pair's ends (lib/relay.c:
 * hv__relay_ends), which both engines ask: from the properties a stream
 * has on every platform, never its kind. A table of the pairs the tools
 * make, with their streams' properties as stream_posix.c, stream_win.c
 * and spawn_posix.c set them, then every combination of the properties,
 * bit by bit. The same binary runs natively and under Wine. */
#include <string.h>

#include "platform_os.h"
#include "rules.h"
#include "ut.h"

/* The properties hv__relay_ends may ask. */
struct props {
    unsigned char stdio, wkeep, cmd, gone, eof_closes, wfail_drains,
        rst_unread;
};

static void make(struct hv_stream *st, const struct props *p)
{
    memset(st, 0, sizeof *st);
    st->stdio = p->stdio;
    st->wkeep = p->wkeep;
    st->cmd = p->cmd;
    st->gone = p->gone;
    st->eof_closes = p->eof_closes;
    st->wfail_drains = p->wfail_drains;
    st->rst_unread = p->rst_unread;
}

/* stdin and stdout, on both platforms */
static const struct props STDIO = {1, 1, 0, HV__GONE_UNSEEN, 0, 1, 0};
/* connections: TCP (and AF_HYPERV), unix, vsock */
static const struct props TCP = {0, 0, 0, HV__GONE_UNSEEN, 0, 0, 1};
static const struct props UNIX = {0, 0, 0, HV__GONE_HUP, 0, 0, 1};
static const struct props VSOCK = {0, 0, 0, HV__GONE_ASK, 0, 0, 1};
/* Windows named pipes: our client end, an instance we serve */
static const struct props NPIPE = {0, 0, 0, HV__GONE_EOF, 0, 0, 0};
static const struct props NPIPE_SERVED = {0, 0, 0, HV__GONE_EOF, 1, 0, 0};
/* a command (-e): a socket pair (POSIX), its pipes (Windows), a terminal */
static const struct props CMD_PAIR = {0, 0, 1, HV__GONE_HUP, 0, 0, 1};
static const struct props CMD_PIPES = {0, 0, 1, HV__GONE_UNSEEN, 0, 0, 0};
static const struct props CMD_TTY = {0, 0, 1, HV__GONE_EOF, 0, 0, 0};

#define LOCAL HV__ENDS_A_LOCAL
#define KEPT HV__ENDS_A_KEPT
#define DRAIN HV__ENDS_B_DRAIN

struct row {
    const char *name;
    const struct props *a, *b; /* b NULL: not connected yet */
    unsigned ends;
};

static const struct row rows[] = {
    {"hvcat over vsock", &STDIO, &VSOCK,
     LOCAL | KEPT | DRAIN | HV__ENDS_B_ASK},
    {"hvcat over a unix socket", &STDIO, &UNIX,
     LOCAL | KEPT | DRAIN | HV__ENDS_B_HUP},
    {"hvcat over TCP or AF_HYPERV", &STDIO, &TCP, LOCAL | KEPT | DRAIN},
    {"hvcat to a named pipe: its close resets nothing", &STDIO, &NPIPE,
     LOCAL | KEPT | HV__ENDS_B_FULL},
    {"hvlisten --npipe on stdio", &STDIO, &NPIPE_SERVED,
     LOCAL | KEPT | HV__ENDS_B_FULL | HV__ENDS_B_CLOSES},
    {"-e: a command's socket pair and vsock", &CMD_PAIR, &VSOCK,
     HV__ENDS_A_CMD | HV__ENDS_B_ASK},
    {"-e --pty: a terminal and TCP", &CMD_TTY, &TCP,
     HV__ENDS_A_CMD | HV__ENDS_A_FULL},
    {"-e on Windows: a command's pipes and a named pipe we serve",
     &CMD_PIPES, &NPIPE_SERVED,
     HV__ENDS_A_CMD | HV__ENDS_B_FULL | HV__ENDS_B_CLOSES},
    {"--to: a named pipe's client and a TCP backend", &NPIPE_SERVED, &TCP,
     HV__ENDS_A_FULL | HV__ENDS_A_CLOSES},
    {"--to: a vsock client and a unix backend", &VSOCK, &UNIX,
     HV__ENDS_B_HUP},
    {"--to, connecting: a's ends only", &NPIPE_SERVED, NULL,
     HV__ENDS_A_FULL | HV__ENDS_A_CLOSES},
    {"stdio, b connecting: no drain yet", &STDIO, NULL, LOCAL | KEPT},
};

UT_CASE(pairs)
{
    size_t i;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct hv_stream a, b;
        unsigned got;
        make(&a, rows[i].a);
        if (rows[i].b)
            make(&b, rows[i].b);
        got = hv__relay_ends(&a, rows[i].b ? &b : NULL);
        if (got != rows[i].ends)
            ut_fail(__FILE__, __LINE__, "\"%s\": ends 0x%x, expected 0x%x",
                    rows[i].name, got, rows[i].ends);
    }
}

/* Properties p numbered n: bits 0-5 the flags, bits 6-7 gone. */
static void props_of(unsigned n, struct props *p)
{
    p->stdio = (unsigned char)(n & 1u);
    p->wkeep = (unsigned char)((n >> 1) & 1u);
    p->cmd = (unsigned char)((n >> 2) & 1u);
    p->eof_closes = (unsigned char)((n >> 3) & 1u);
    p->wfail_drains = (unsigned char)((n >> 4) & 1u);
    p->rst_unread = (unsigned char)((n >> 5) & 1u);
    p->gone = (unsigned char)((n >> 6) & 3u);
}

#define HAS(bit) ((e & (bit)) != 0)

/* Every combination of a's and b's properties (b absent too): each bit of
 * the ends comes from its own properties alone. */
UT_CASE(combinations)
{
    unsigned na, nb;
    for (na = 0; na < 256; na++) {
        for (nb = 0; nb <= 256; nb++) {
            struct props pa, pb;
            struct hv_stream a, b;
            const struct hv_stream *bp = nb < 256 ? &b : NULL;
            unsigned e;
            props_of(na, &pa);
            props_of(nb & 255u, &pb);
            make(&a, &pa);
            make(&b, &pb);
            e = hv__relay_ends(&a, bp);
            UT_EQ_INT(HAS(HV__ENDS_A_LOCAL), pa.stdio);
            UT_EQ_INT(HAS(HV__ENDS_A_KEPT), pa.wkeep);
            UT_EQ_INT(HAS(HV__ENDS_A_CMD), pa.cmd);
            UT_EQ_INT(HAS(HV__ENDS_A_FULL), pa.gone == HV__GONE_EOF);
            UT_EQ_INT(HAS(HV__ENDS_A_CLOSES), pa.eof_closes);
            UT_EQ_INT(HAS(HV__ENDS_B_DRAIN),
                      bp && pa.wfail_drains && pb.rst_unread);
            UT_EQ_INT(HAS(HV__ENDS_B_CLOSES), bp && pb.eof_closes);
            UT_EQ_INT(HAS(HV__ENDS_B_FULL), bp && pb.gone == HV__GONE_EOF);
            UT_EQ_INT(HAS(HV__ENDS_B_HUP), bp && pb.gone == HV__GONE_HUP);
            UT_EQ_INT(HAS(HV__ENDS_B_ASK), bp && pb.gone == HV__GONE_ASK);
            /* no other bit */
            UT_EQ_INT(e & ~(HV__ENDS_A_LOCAL | HV__ENDS_A_KEPT |
                            HV__ENDS_A_CMD | HV__ENDS_A_FULL |
                            HV__ENDS_A_CLOSES | HV__ENDS_B_DRAIN |
                            HV__ENDS_B_CLOSES | HV__ENDS_B_FULL |
                            HV__ENDS_B_HUP | HV__ENDS_B_ASK),
                      0);
        }
    }
}
