/* test_relay_win.c: Windows only (runs under Wine). The relay engine,
 * named pipes and hv_spawn's pipes, driven through the library's public
 * calls; the far ends are plain Winsock sockets and Win32 pipes in helper
 * threads, so what arrives is checked byte for byte against what was
 * sent. The binary is also its own child for hv_spawn ("child-greet"). */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform_win.h"
#include "ut.h"

#include <aclapi.h>
#include <sddl.h>
#include <tlhelp32.h>

#define MIB (1024u * 1024u)

/* ---------------------------------------------------------------- helpers */

/* Deterministic bytes: byte i of stream `seed`. */
static unsigned char pattern(unsigned seed, size_t i)
{
    uint32_t x = (uint32_t)i * 2654435761u ^ (seed * 40503u + (uint32_t)(i >> 13));
    return (unsigned char)(x >> 11);
}

static int is_wine(void)
{
    HMODULE nt = GetModuleHandleW(L"ntdll.dll");
    return nt && GetProcAddress(nt, "wine_get_version") != NULL;
}

static int g_port_seq;

/* A library listener on 127.0.0.1, a raw client connected to it, and the
 * library's accepted end. */
static void tcp_pair(SOCKET *raw, struct hv_sock **lib)
{
    struct hv_addr a, local;
    struct hv_listen_opts lo;
    struct hv_sock *l = NULL;
    struct sockaddr_in sin;

    UT_EQ_INT(hv_net_init(), 0);
    memset(&a, 0, sizeof a);
    a.family = HV_FAMILY_TCP;
    strcpy(a.host, "127.0.0.1");
    memset(&lo, 0, sizeof lo);
    UT_EQ_INT(hv_sock_listen(&a, &lo, &l), 0);
    UT_EQ_INT(hv_sock_local(l, &local), 0);
    *raw = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((u_short)local.port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    UT_EQ_INT(connect(*raw, (struct sockaddr *)&sin, sizeof sin), 0);
    UT_EQ_INT(hv__sock_wait_accept(l, 5000), 1);
    UT_EQ_INT(hv_sock_accept(l, lib, NULL), 0);
    hv_sock_close(l);
    g_port_seq++;
}

/* Two connections for a pair: a's far end *ca, b's far end *cb. */
static void pair_setup(SOCKET *ca, SOCKET *cb, struct hv_stream **a,
                       struct hv_stream **b)
{
    struct hv_sock *sa, *sb;
    tcp_pair(ca, &sa);
    tcp_pair(cb, &sb);
    UT_EQ_INT(hv_stream_from_sock(sa, a), 0);
    UT_EQ_INT(hv_stream_from_sock(sb, b), 0);
}

static void pair_teardown(SOCKET ca, SOCKET cb, struct hv_stream *a,
                          struct hv_stream *b)
{
    hv_stream_close(a);
    hv_stream_close(b);
    closesocket(ca);
    closesocket(cb);
}

/* The far end of one direction: send n pattern bytes then half-close,
 * and/or receive until EOF checking the pattern. */
struct peer {
    SOCKET s;
    HANDLE h; /* a pipe instead of s */
    unsigned send_seed, recv_seed;
    size_t send_n;
    size_t got;        /* bytes received before EOF */
    int bad;           /* first mismatch seen */
    int recv_err;      /* the receive ended with an error */
    int send_err;      /* the send failed with this error */
    size_t sent;
    int no_send, no_recv, close_after_send;
    const char *greeting; /* expected first on receive (spawn) */
    size_t recv_limit;    /* pipes: stop receiving after this many */
};

static DWORD WINAPI peer_send(LPVOID arg)
{
    struct peer *p = arg;
    char buf[65536];
    size_t off = 0;
    while (off < p->send_n) {
        size_t k = p->send_n - off, i;
        DWORD w = 0;
        if (k > sizeof buf)
            k = sizeof buf;
        for (i = 0; i < k; i++)
            buf[i] = (char)pattern(p->send_seed, off + i);
        if (p->h) {
            if (!WriteFile(p->h, buf, (DWORD)k, &w, NULL)) {
                p->send_err = (int)GetLastError();
                break;
            }
            off += w;
        } else {
            int n = send(p->s, buf, (int)k, 0);
            if (n <= 0) {
                p->send_err = WSAGetLastError();
                break;
            }
            off += (size_t)n;
        }
    }
    p->sent = off;
    if (!p->h)
        shutdown(p->s, SD_SEND);
    return 0;
}

static DWORD WINAPI peer_recv(LPVOID arg)
{
    struct peer *p = arg;
    char buf[65536];
    size_t glen = p->greeting ? strlen(p->greeting) : 0, seen = 0;
    for (;;) {
        int n, i;
        if (p->h) {
            DWORD r = 0;
            DWORD want = sizeof buf;
            if (p->recv_limit && p->recv_limit - p->got < want)
                want = (DWORD)(p->recv_limit - p->got);
            if (p->recv_limit && want == 0)
                break;
            if (!ReadFile(p->h, buf, want, &r, NULL)) {
                if (GetLastError() != ERROR_BROKEN_PIPE)
                    p->recv_err = 1;
                break;
            }
            n = (int)r;
        } else {
            n = recv(p->s, buf, sizeof buf, 0);
            if (n < 0)
                p->recv_err = 1;
            if (n <= 0)
                break;
        }
        for (i = 0; i < n; i++, seen++) {
            if (seen < glen) {
                if (buf[i] != p->greeting[seen] && !p->bad)
                    p->bad = 1;
                continue;
            }
            if ((unsigned char)buf[i] != pattern(p->recv_seed, p->got) &&
                !p->bad)
                p->bad = 1;
            p->got++;
        }
    }
    return 0;
}

/* Start p's sending and receiving threads; th[0..1] (NULL: not started). */
static void peer_start(struct peer *p, HANDLE th[2])
{
    th[0] = p->no_send ? NULL : CreateThread(NULL, 0, peer_send, p, 0, NULL);
    th[1] = p->no_recv ? NULL : CreateThread(NULL, 0, peer_recv, p, 0, NULL);
}

static void peer_join(HANDLE th[2])
{
    int i;
    for (i = 0; i < 2; i++) {
        if (th[i]) {
            UT_EQ_INT(WaitForSingleObject(th[i], 60000), WAIT_OBJECT_0);
            CloseHandle(th[i]);
        }
    }
}

static int run_pair(struct hv_stream *a, struct hv_stream *b,
                    const struct hv_relay_opts *o, struct hv_relay_result *res)
{
    return hv_relay_pair(a, b, o, res);
}

/* ---------------------------------------------------------------- cases */

struct progress {
    int calls, backwards;
    DWORD thread;
    int other_thread;
    uint64_t ab, ba;
};

static void on_progress(void *ctx, uint64_t ab, uint64_t ba)
{
    struct progress *pr = ctx;
    pr->calls++;
    if (ab < pr->ab || ba < pr->ba)
        pr->backwards = 1;
    if (GetCurrentThreadId() != pr->thread)
        pr->other_thread = 1;
    pr->ab = ab;
    pr->ba = ba;
}

/* Two TCP connections relayed both ways at once, 8 MiB each way; the
 * progress callback runs in the relay's own thread, counts rising. */
UT_CASE(tcp_both_ways)
{
    struct progress pr = {0, 0, 0, 0, 0, 0};
    SOCKET c1, c2;
    struct hv_stream *a, *b;
    struct peer p1, p2;
    HANDLE t1[2], t2[2];
    struct hv_relay_opts o;
    struct hv_relay_result res;

    pair_setup(&c1, &c2, &a, &b);
    memset(&p1, 0, sizeof p1);
    memset(&p2, 0, sizeof p2);
    p1.s = c1;
    p1.send_seed = 1;
    p1.send_n = 8 * MIB;
    p1.recv_seed = 2;
    p2.s = c2;
    p2.send_seed = 2;
    p2.send_n = 8 * MIB;
    p2.recv_seed = 1;
    peer_start(&p1, t1);
    peer_start(&p2, t2);
    hv_relay_opts_init(&o);
    o.progress_ms = 5;
    o.progress = on_progress;
    o.progress_ctx = &pr;
    pr.thread = GetCurrentThreadId();
    UT_EQ_INT(run_pair(a, b, &o, &res), 0);
    UT_EQ_INT(res.ab, 8 * MIB);
    UT_EQ_INT(res.ba, 8 * MIB);
    UT_EQ_INT(res.a_closed, 0);
    UT_CHECK(pr.calls >= 1);
    UT_EQ_INT(pr.backwards, 0);
    UT_EQ_INT(pr.other_thread, 0);
    UT_CHECK(pr.ab <= res.ab && pr.ba <= res.ba);
    hv_stream_close(a);
    hv_stream_close(b);
    peer_join(t1);
    peer_join(t2);
    UT_EQ_INT(p1.got, 8 * MIB);
    UT_EQ_INT(p2.got, 8 * MIB);
    UT_EQ_INT(p1.bad, 0);
    UT_EQ_INT(p2.bad, 0);
    UT_EQ_INT(p1.send_err, 0);
    UT_EQ_INT(p2.send_err, 0);
    closesocket(c1);
    closesocket(c2);
}

/* Many pairs in one relay: each ends by itself and comes back with its
 * tag; a listener with a client waiting is reported. */
UT_CASE(relay_many)
{
    enum { N = 6 };
    SOCKET c[2 * N];
    struct hv_sock *s[2 * N];
    struct peer p[2 * N];
    HANDLE th[2 * N][2];
    struct hv_relay *r;
    struct hv_relay_event ev;
    int i, done[N] = {0}, seen = 0;

    UT_EQ_INT(hv_relay_new(&r), 0);
    for (i = 0; i < 2 * N; i++) {
        tcp_pair(&c[i], &s[i]);
        memset(&p[i], 0, sizeof p[i]);
        p[i].s = c[i];
        p[i].send_seed = 10u + (unsigned)i;
        p[i].recv_seed = 10u + (unsigned)(i ^ 1);
        p[i].send_n = (size_t)(i + 1) * 100000u;
    }
    for (i = 0; i < N; i++) {
        struct hv_stream *a, *b;
        UT_EQ_INT(hv_stream_from_sock(s[2 * i], &a), 0);
        UT_EQ_INT(hv_stream_from_sock(s[2 * i + 1], &b), 0);
        UT_EQ_INT(hv_relay_add(r, a, b, NULL, &done[i]), 0);
    }
    UT_EQ_INT(hv_relay_count(r), N);
    for (i = 0; i < 2 * N; i++)
        peer_start(&p[i], th[i]);
    while (seen < N) {
        int e = hv_relay_run(r, NULL, 30000, &ev);
        UT_EQ_INT(e, 0);
        if (e != 0 || ev.kind != HV_RELAY_DONE)
            break;
        UT_EQ_INT(ev.res.err, 0);
        i = (int)((int *)ev.tag - done);
        UT_CHECK(i >= 0 && i < N);
        if (i < 0 || i >= N)
            break;
        UT_EQ_INT(done[i], 0);
        done[i] = 1;
        UT_EQ_INT(ev.res.ab, p[2 * i].send_n);
        UT_EQ_INT(ev.res.ba, p[2 * i + 1].send_n);
        seen++;
    }
    UT_EQ_INT(hv_relay_count(r), 0);
    for (i = 0; i < 2 * N; i++) {
        peer_join(th[i]);
        UT_EQ_INT(p[i].got, p[i ^ 1].send_n);
        UT_EQ_INT(p[i].bad, 0);
        closesocket(c[i]);
    }
    /* nothing to do: the timeout */
    UT_EQ_INT(hv_relay_run(r, NULL, 50, &ev), 0);
    UT_EQ_INT(ev.kind, HV_RELAY_TIMEOUT);
    {
        struct hv_addr a, local;
        struct hv_sock *l;
        struct sockaddr_in sin;
        SOCKET x;
        memset(&a, 0, sizeof a);
        a.family = HV_FAMILY_TCP;
        strcpy(a.host, "127.0.0.1");
        UT_EQ_INT(hv_sock_listen(&a, NULL, &l), 0);
        UT_EQ_INT(hv_sock_local(l, &local), 0);
        UT_EQ_INT(hv_relay_run(r, l, 50, &ev), 0);
        UT_EQ_INT(ev.kind, HV_RELAY_TIMEOUT);
        x = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        memset(&sin, 0, sizeof sin);
        sin.sin_family = AF_INET;
        sin.sin_port = htons((u_short)local.port);
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        UT_EQ_INT(connect(x, (struct sockaddr *)&sin, sizeof sin), 0);
        UT_EQ_INT(hv_relay_run(r, l, 5000, &ev), 0);
        UT_EQ_INT(ev.kind, HV_RELAY_ACCEPT);
        /* still waiting: said again */
        UT_EQ_INT(hv_relay_run(r, l, 5000, &ev), 0);
        UT_EQ_INT(ev.kind, HV_RELAY_ACCEPT);
        {
            struct hv_sock *y;
            UT_EQ_INT(hv_sock_accept(l, &y, NULL), 0);
            hv_sock_close(y);
        }
        UT_EQ_INT(hv_relay_run(r, l, 100, &ev), 0);
        UT_EQ_INT(ev.kind, HV_RELAY_TIMEOUT);
        closesocket(x);
        hv_sock_close(l);
    }
    hv_relay_free(r);
}

/* One short exchange through a relay of its own, everything closed. */
static void one_exchange(void)
{
    SOCKET c1, c2;
    struct hv_stream *a, *b;
    struct hv_relay *r;
    struct hv_relay_event ev;
    char buf[4];

    pair_setup(&c1, &c2, &a, &b);
    UT_EQ_INT(hv_relay_new(&r), 0);
    UT_EQ_INT(hv_relay_add(r, a, b, NULL, NULL), 0);
    UT_EQ_INT(send(c1, "ping", 4, 0), 4);
    shutdown(c1, SD_SEND);
    UT_EQ_INT(recv(c2, buf, 4, MSG_WAITALL), 4);
    shutdown(c2, SD_SEND);
    UT_EQ_INT(hv_relay_run(r, NULL, 10000, &ev), 0);
    UT_EQ_INT(ev.kind, HV_RELAY_DONE);
    UT_EQ_INT(ev.res.err, 0);
    hv_relay_free(r);
    closesocket(c1);
    closesocket(c2);
}

/* The process's handle count; where the system does not say (Wine), the
 * highest of 16 new handles' values, which grows with leaked handles too. */
static unsigned long handle_measure(void)
{
    DWORD n = 0;
    HANDLE h[16];
    unsigned long top = 0;
    int i;
    if (GetProcessHandleCount(GetCurrentProcess(), &n) && n > 0)
        return n;
    for (i = 0; i < 16; i++) {
        h[i] = CreateEventW(NULL, FALSE, FALSE, NULL);
        if ((unsigned long)(uintptr_t)h[i] / 4 > top)
            top = (unsigned long)(uintptr_t)h[i] / 4;
    }
    for (i = 0; i < 16; i++)
        CloseHandle(h[i]);
    return top;
}

/* No handle leaks: as many handles after 300 relayed connections as after
 * 20 (threads, events, sockets all released). */
UT_CASE(no_handle_leak)
{
    unsigned long h20 = 0, h300;
    int i;
    for (i = 0; i < 300; i++) {
        one_exchange();
        if (i == 19) {
            Sleep(100); /* a thread's handle goes when it has ended */
            h20 = handle_measure();
        }
    }
    Sleep(100);
    h300 = handle_measure();
    printf("handles after 20 connections: %lu, after 300: %lu\n", h20, h300);
    UT_CHECK(h20 > 0);
    UT_CHECK(h300 <= h20 + 8);
}

/* A TCP peer that resets after its data: the data is written out first,
 * then the reset ends the pair as an error of b's reading (74), and a's
 * peer is reset in turn. Wine 8 closes with a FIN even after SO_LINGER
 * {1, 0}: there the peer's end is a clean one, and so is the pair's (the
 * reset itself, from a Linux peer, is winrelay.tcp_reset_hvcat's). */
UT_CASE(reset_after_data)
{
    SOCKET c1, c2;
    struct hv_stream *a, *b;
    struct hv_relay_result res;
    struct linger lg = {1, 0};
    char buf[16];
    int n, e, total = 0;

    pair_setup(&c2, &c1, &a, &b);
    UT_EQ_INT(send(c1, "data", 4, 0), 4);
    Sleep(200);
    setsockopt(c1, SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof lg);
    closesocket(c1); /* RST */
    shutdown(c2, SD_SEND); /* a sends nothing */
    e = run_pair(a, b, NULL, &res);
    UT_EQ_INT(res.ba, 4);
    UT_EQ_INT(res.ab, 0);
    while ((n = recv(c2, buf, sizeof buf, 0)) > 0)
        total += n;
    if (is_wine() && e == 0) {
        printf("Wine: a FIN, not a reset: a clean end\n");
        UT_EQ_INT(n, 0); /* b's end passed on as a half-close */
        UT_EQ_INT(total, 4);
    } else {
        UT_EQ_INT(e, HV_ECONNRESET);
        UT_EQ_INT(res.side, HV_SIDE_B_READ);
        /* a's peer is reset: what it had not read yet may go with it */
        UT_EQ_INT(n, SOCKET_ERROR);
        UT_EQ_INT(WSAGetLastError(), WSAECONNRESET);
    }
    hv_stream_close(a);
    hv_stream_close(b);
    closesocket(c2);
}

/* Sending into a connection its peer reset is an error (exit 74). */
UT_CASE(send_after_reset_fails)
{
    SOCKET c1, c2;
    struct hv_stream *a, *b;
    struct hv_relay_result res;
    struct linger lg = {1, 0};
    struct peer p2;
    HANDLE t2[2];
    int e;

    pair_setup(&c2, &c1, &a, &b);
    setsockopt(c1, SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof lg);
    closesocket(c1); /* RST before anything */
    memset(&p2, 0, sizeof p2);
    p2.s = c2;
    p2.send_seed = 3;
    p2.send_n = 16 * MIB;
    p2.no_recv = 1;
    peer_start(&p2, t2);
    e = run_pair(a, b, NULL, &res);
    UT_EQ_INT(e, HV_ECONNRESET);
    UT_EQ_INT(res.side, HV_SIDE_B_WRITE);
    hv_stream_close(a);
    hv_stream_close(b);
    closesocket(c2); /* unblocks the sender */
    peer_join(t2);
}

/* No byte either way for idle_ms: HV_EIDLE, counted from the last byte. */
UT_CASE(idle_timeout)
{
    SOCKET c1, c2;
    struct hv_stream *a, *b;
    struct hv_relay *r;
    struct hv_relay_event ev;
    struct hv_relay_opts o;
    ULONGLONG t0, dt;
    char x;

    pair_setup(&c1, &c2, &a, &b);
    hv_relay_opts_init(&o);
    o.idle_ms = 400;
    UT_EQ_INT(hv_relay_new(&r), 0);
    UT_EQ_INT(hv_relay_add(r, a, b, &o, NULL), 0);
    UT_EQ_INT(send(c1, "x", 1, 0), 1);
    UT_EQ_INT(recv(c2, &x, 1, 0), 1); /* through the relay */
    t0 = GetTickCount64();
    UT_EQ_INT(hv_relay_run(r, NULL, 10000, &ev), 0);
    dt = GetTickCount64() - t0;
    UT_EQ_INT(ev.kind, HV_RELAY_DONE);
    UT_EQ_INT(ev.res.err, HV_EIDLE);
    UT_EQ_INT(ev.res.ab, 1);
    UT_CHECK(dt >= 300);
    UT_CHECK(dt < 3000);
    hv_relay_free(r);
    closesocket(c1);
    closesocket(c2);
}

/* -q: after a's EOF and b's half-close, end cleanly quit_ms later though
 * b never closes; quit_ms 0 at once. */
UT_CASE(quit_after_eof)
{
    uint32_t q;
    for (q = 0; q <= 300; q += 300) {
        SOCKET c1, c2;
        struct hv_stream *a, *b;
        struct hv_relay_opts o;
        struct hv_relay_result res;
        ULONGLONG t0, dt;
        char buf[8];

        pair_setup(&c1, &c2, &a, &b);
        UT_EQ_INT(send(c1, "abc", 3, 0), 3);
        shutdown(c1, SD_SEND);
        hv_relay_opts_init(&o);
        o.quit_ms = q;
        t0 = GetTickCount64();
        UT_EQ_INT(run_pair(a, b, &o, &res), 0);
        dt = GetTickCount64() - t0;
        UT_CHECK(dt + 50 >= q);
        UT_CHECK(dt < q + 2000);
        UT_EQ_INT(res.ab, 3);
        /* b's peer got the data and the half-close */
        UT_EQ_INT(recv(c2, buf, sizeof buf, 0), 3);
        UT_EQ_INT(recv(c2, buf, sizeof buf, 0), 0);
        pair_teardown(c1, c2, a, b);
    }
}

/* Send-only and receive-only. */
UT_CASE(one_way_flags)
{
    SOCKET c1, c2;
    struct hv_stream *a, *b;
    struct hv_relay_opts o;
    struct hv_relay_result res;
    char buf[8];

    /* a -> b only: b's data is never read, and the end comes after a's */
    pair_setup(&c1, &c2, &a, &b);
    UT_EQ_INT(send(c2, "zz", 2, 0), 2);
    UT_EQ_INT(send(c1, "abc", 3, 0), 3);
    shutdown(c1, SD_SEND);
    hv_relay_opts_init(&o);
    o.flags = HV_RELAY_A_TO_B_ONLY;
    UT_EQ_INT(run_pair(a, b, &o, &res), 0);
    UT_EQ_INT(res.ab, 3);
    UT_EQ_INT(res.ba, 0);
    UT_EQ_INT(recv(c2, buf, sizeof buf, 0), 3);
    UT_EQ_INT(recv(c2, buf, sizeof buf, 0), 0);
    pair_teardown(c1, c2, a, b);

    /* b -> a only: b is half-closed at once, a never read */
    pair_setup(&c1, &c2, &a, &b);
    UT_EQ_INT(send(c1, "ignored", 7, 0), 7);
    UT_EQ_INT(send(c2, "back", 4, 0), 4);
    shutdown(c2, SD_SEND);
    hv_relay_opts_init(&o);
    o.flags = HV_RELAY_B_TO_A_ONLY;
    UT_EQ_INT(run_pair(a, b, &o, &res), 0);
    UT_EQ_INT(recv(c2, buf, sizeof buf, 0), 0); /* the half-close */
    UT_EQ_INT(res.ab, 0);
    UT_EQ_INT(res.ba, 4);
    UT_EQ_INT(recv(c1, buf, sizeof buf, 0), 4);
    pair_teardown(c1, c2, a, b);
}

static void pipe_name(char *buf, size_t n, const char *tag)
{
    snprintf(buf, n, "\\\\.\\pipe\\hvtest-%lu-%s",
             (unsigned long)GetCurrentProcessId(), tag);
}

static void npipe_addr(struct hv_addr *a, const char *name)
{
    memset(a, 0, sizeof *a);
    a->family = HV_FAMILY_NPIPE;
    strcpy(a->path, name);
}

/* A pipe server: the whole request, then the answer, then close. */
static DWORD WINAPI pipe_server(LPVOID arg)
{
    struct peer *p = arg;
    peer_recv(p);
    peer_send(p);
    CloseHandle(p->h);
    return 0;
}

/* The library's pipe client against a Win32 pipe server: a TCP peer's
 * request goes in, the server answers and closes, and the answer comes out
 * with an EOF; a pipe has no half-close, so the pipe stays open after the
 * request's EOF until the server closes it. */
UT_CASE(npipe_client_relay)
{
    char name[128];
    wchar_t wname[128];
    struct hv_addr pa;
    struct hv_connect_opts co;
    struct hv_sock *ps, *s1;
    struct hv_stream *a, *b;
    struct hv_relay_result res;
    struct peer srv, p1;
    HANDLE h, tsrv, t1[2];
    SOCKET c1;
    size_t n = 2 * MIB;

    pipe_name(name, sizeof name, "c");
    MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 128);
    h = CreateNamedPipeW(wname, PIPE_ACCESS_DUPLEX,
                         PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, 1,
                         65536, 65536, 0, NULL);
    UT_CHECK(h != INVALID_HANDLE_VALUE);
    npipe_addr(&pa, name);
    memset(&co, 0, sizeof co);
    co.timeout_ms = 2000;
    UT_EQ_INT(hv_sock_connect(&pa, &co, &ps), 0);
    UT_CHECK(ConnectNamedPipe(h, NULL) || GetLastError() == ERROR_PIPE_CONNECTED);
    /* the one instance is busy: a second client waits, then times out */
    {
        struct hv_sock *x;
        ULONGLONG t0 = GetTickCount64();
        co.timeout_ms = 300;
        UT_EQ_INT(hv_sock_connect(&pa, &co, &x), HV_ETIMEDOUT);
        UT_CHECK(GetTickCount64() - t0 >= 250);
    }
    tcp_pair(&c1, &s1);
    UT_EQ_INT(hv_stream_from_sock(s1, &a), 0);
    UT_EQ_INT(hv_stream_from_sock(ps, &b), 0);

    /* the server reads the whole request, then answers and closes */
    memset(&srv, 0, sizeof srv);
    srv.h = h;
    srv.recv_seed = 5;
    srv.recv_limit = n;
    srv.send_seed = 6;
    srv.send_n = n;
    memset(&p1, 0, sizeof p1);
    p1.s = c1;
    p1.send_seed = 5;
    p1.send_n = n;
    p1.recv_seed = 6;
    tsrv = CreateThread(NULL, 0, pipe_server, &srv, 0, NULL);
    peer_start(&p1, t1);
    UT_EQ_INT(run_pair(a, b, NULL, &res), 0);
    UT_EQ_INT(res.ab, n);
    UT_EQ_INT(res.ba, n);
    hv_stream_close(a);
    hv_stream_close(b);
    UT_EQ_INT(WaitForSingleObject(tsrv, 60000), WAIT_OBJECT_0);
    CloseHandle(tsrv);
    UT_EQ_INT(srv.got, n);
    UT_EQ_INT(srv.bad, 0);
    peer_join(t1);
    UT_EQ_INT(p1.got, n);
    UT_EQ_INT(p1.bad, 0);
    closesocket(c1);
}

/* The library's pipe listener: one instance per client, two clients at
 * once, hv__sock_wait_accept and the relay's accept event. */
/* The DACL of a pipe listened on with access (NULL: the default), as
 * SDDL read back through a client's handle (GetSecurityInfo), in dacl;
 * the listen's result otherwise. */
static int pipe_dacl(const char *access, const char *tag, char *dacl,
                     size_t n)
{
    char name[128];
    wchar_t wname[128], *w = NULL;
    struct hv_addr pa;
    struct hv_listen_opts lo;
    struct hv_sock *l;
    PSECURITY_DESCRIPTOR sd = NULL;
    HANDLE c;
    int r;

    pipe_name(name, sizeof name, tag);
    MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 128);
    npipe_addr(&pa, name);
    memset(&lo, 0, sizeof lo);
    lo.pipe_access = access;
    if ((r = hv_sock_listen(&pa, &lo, &l)) < 0)
        return r;
    c = CreateFileW(wname, READ_CONTROL, 0, NULL, OPEN_EXISTING, 0, NULL);
    UT_CHECK(c != INVALID_HANDLE_VALUE);
    UT_EQ_INT(GetSecurityInfo(c, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION,
                              NULL, NULL, NULL, NULL, &sd),
              ERROR_SUCCESS);
    UT_CHECK(ConvertSecurityDescriptorToStringSecurityDescriptorW(
        sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &w, NULL));
    WideCharToMultiByte(CP_UTF8, 0, w ? w : L"", -1, dacl, (int)n, NULL, NULL);
    printf("%s: %s\n", access ? access : "default", dacl);
    LocalFree(w);
    LocalFree(sd);
    CloseHandle(c);
    hv_sock_close(l);
    return 0;
}

/* This process's user as a string SID. */
static void my_sid(char *out, size_t n)
{
    HANDLE tok;
    union {
        TOKEN_USER tu;
        char buf[256];
    } u;
    DWORD k;
    char *s = NULL;

    UT_CHECK(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok));
    UT_CHECK(GetTokenInformation(tok, TokenUser, &u, sizeof u, &k));
    UT_CHECK(ConvertSidToStringSidA(u.tu.User.Sid, &s));
    snprintf(out, n, "%s", s ? s : "?");
    LocalFree(s);
    CloseHandle(tok);
}

/* A listener's pipe grants SYSTEM, Administrators and our user only;
 * "everyone" adds read and write for World; an SDDL DACL is taken as
 * given; anything else is refused. */
UT_CASE(npipe_dacl)
{
    char d[1024], sid[192], ace[256];

    UT_EQ_INT(hv_net_init(), 0);
    my_sid(sid, sizeof sid);
    snprintf(ace, sizeof ace, "(A;;FA;;;%s)", sid);
    UT_EQ_INT(pipe_dacl(NULL, "dacl-def", d, sizeof d), 0);
    UT_CHECK(strstr(d, "D:P") != NULL);
    UT_CHECK(strstr(d, "(A;;FA;;;SY)") != NULL);
    UT_CHECK(strstr(d, "(A;;FA;;;BA)") != NULL);
    UT_CHECK(strstr(d, ace) != NULL);
    UT_CHECK(strstr(d, ";WD)") == NULL);
    UT_CHECK(strstr(d, ";AN)") == NULL);
    UT_EQ_INT(pipe_dacl("everyone", "dacl-all", d, sizeof d), 0);
    UT_CHECK(strstr(d, ace) != NULL);
    UT_CHECK(strstr(d, ";WD)") != NULL);
    UT_EQ_INT(pipe_dacl("D:P(A;;FA;;;SY)", "dacl-sddl", d, sizeof d), 0);
    UT_CHECK(strstr(d, "(A;;FA;;;SY)") != NULL);
    UT_CHECK(strstr(d, ace) == NULL);
    UT_EQ_INT(pipe_dacl("nobody", "dacl-bad", d, sizeof d), HV_EINVAL);
    UT_EQ_INT(pipe_dacl("D:(A;;XX;;;SY)", "dacl-bad2", d, sizeof d), HV_EINVAL);
}

UT_CASE(npipe_listener)
{
    char name[128];
    wchar_t wname[128];
    struct hv_addr pa, local, peer;
    struct hv_sock *l, *x1, *x2;
    struct hv_relay *r;
    struct hv_relay_event ev;
    HANDLE c1, c2;
    DWORD k;
    char buf[8];

    UT_EQ_INT(hv_net_init(), 0);
    pipe_name(name, sizeof name, "l");
    MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 128);
    npipe_addr(&pa, name);
    UT_EQ_INT(hv_sock_listen(&pa, NULL, &l), 0);
    UT_EQ_INT(hv_sock_local(l, &local), 0);
    UT_EQ_INT(local.family, HV_FAMILY_NPIPE);
    UT_EQ_STR(local.path, name);
    /* a second server on the same name is refused */
    {
        struct hv_sock *l2;
        UT_EQ_INT(hv_sock_listen(&pa, NULL, &l2), HV_EADDRINUSE);
    }
    UT_EQ_INT(hv__sock_wait_accept(l, 50), 0);
    c1 = CreateFileW(wname, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                     OPEN_EXISTING, 0, NULL);
    UT_CHECK(c1 != INVALID_HANDLE_VALUE);
    UT_EQ_INT(hv__sock_wait_accept(l, 2000), 1);
    UT_EQ_INT(hv_sock_accept(l, &x1, &peer), 0);
    UT_EQ_INT(peer.family, HV_FAMILY_NPIPE);
    /* the next instance is ready for the next client */
    UT_EQ_INT(hv_relay_new(&r), 0);
    UT_EQ_INT(hv_relay_run(r, l, 50, &ev), 0);
    UT_EQ_INT(ev.kind, HV_RELAY_TIMEOUT);
    c2 = CreateFileW(wname, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                     OPEN_EXISTING, 0, NULL);
    UT_CHECK(c2 != INVALID_HANDLE_VALUE);
    UT_EQ_INT(hv_relay_run(r, l, 2000, &ev), 0);
    UT_EQ_INT(ev.kind, HV_RELAY_ACCEPT);
    UT_EQ_INT(hv_sock_accept(l, &x2, NULL), 0);
    /* two separate connections, relayed to each other: client 1's "one"
     * reaches client 2 and the other way round; then client 1 closes, a
     * pipe's end: the pair ends, cleanly */
    {
        struct hv_stream *s1, *s2;
        UT_EQ_INT(hv_stream_from_sock(x1, &s1), 0);
        UT_EQ_INT(hv_stream_from_sock(x2, &s2), 0);
        UT_EQ_INT(hv_relay_add(r, s1, s2, NULL, NULL), 0);
        UT_CHECK(WriteFile(c1, "one", 3, &k, NULL));
        UT_CHECK(WriteFile(c2, "two", 3, &k, NULL));
        UT_CHECK(ReadFile(c1, buf, sizeof buf, &k, NULL));
        UT_EQ_INT(k, 3);
        UT_EQ_MEM(buf, "two", 3);
        UT_CHECK(ReadFile(c2, buf, sizeof buf, &k, NULL));
        UT_EQ_INT(k, 3);
        UT_EQ_MEM(buf, "one", 3);
        CloseHandle(c1);
        UT_EQ_INT(hv_relay_run(r, NULL, 10000, &ev), 0);
        UT_EQ_INT(ev.kind, HV_RELAY_DONE);
        UT_EQ_INT(ev.res.err, 0);
        UT_EQ_INT(ev.res.ab, 3);
        UT_EQ_INT(ev.res.ba, 3);
    }
    hv_relay_free(r);
    /* closed: client 2 reads the end */
    UT_CHECK(!ReadFile(c2, buf, sizeof buf, &k, NULL));
    CloseHandle(c2);
    hv_sock_close(l);
}

/* The command of -e: pipes for its stdin and stdout, relayed to a
 * connection; it speaks first, and env reaches it. */
UT_CASE(spawn_pipes)
{
    wchar_t self[MAX_PATH];
    char cmd[3 * MAX_PATH + 32];
    const char *env[] = {"HV_TEST_GREETING=hello-42", NULL};
    struct hv_child *child;
    struct hv_stream *io, *b;
    struct hv_child_exit st;
    struct hv_relay_result res;
    struct hv_sock *s1;
    struct peer p1;
    HANDLE t1[2];
    SOCKET c1;
    size_t n = 3 * MIB;

    UT_CHECK(GetModuleFileNameW(NULL, self, MAX_PATH) > 0);
    strcpy(cmd, "\"");
    WideCharToMultiByte(CP_UTF8, 0, self, -1, cmd + 1, 3 * MAX_PATH, NULL, NULL);
    strcat(cmd, "\" child-greet");
    tcp_pair(&c1, &s1);
    UT_EQ_INT(hv_spawn(s1, cmd, env, &child, &io), 0);
    UT_CHECK(io != NULL);
    UT_EQ_INT(hv_stream_from_sock(s1, &b), 0);
    memset(&p1, 0, sizeof p1);
    p1.s = c1;
    p1.send_seed = 7;
    p1.send_n = n;
    p1.recv_seed = 7; /* the command echoes */
    p1.greeting = "hello-42\n";
    peer_start(&p1, t1);
    UT_EQ_INT(hv_relay_pair(io, b, NULL, &res), 0);
    UT_EQ_INT(res.ab, n + strlen("hello-42\n"));
    UT_EQ_INT(res.ba, n);
    hv_stream_close(io);
    hv_stream_close(b);
    peer_join(t1);
    UT_EQ_INT(p1.got, n);
    UT_EQ_INT(p1.bad, 0);
    UT_EQ_INT(hv_child_wait(child, &st), 0);
    UT_EQ_INT(st.code, 0);
    hv_child_free(child);
    closesocket(c1);
}

/* hv_child_kill ends a command that would run on. */
UT_CASE(spawn_kill)
{
    wchar_t self[MAX_PATH];
    char cmd[3 * MAX_PATH + 32];
    struct hv_child *child;
    struct hv_stream *io;
    struct hv_child_exit st;

    UT_CHECK(GetModuleFileNameW(NULL, self, MAX_PATH) > 0);
    strcpy(cmd, "\"");
    WideCharToMultiByte(CP_UTF8, 0, self, -1, cmd + 1, 3 * MAX_PATH, NULL, NULL);
    strcat(cmd, "\" child-sleep");
    UT_EQ_INT(hv_spawn(NULL, cmd, NULL, &child, &io), 0);
    UT_EQ_INT(hv_child_poll(child, &st), 0);
    hv_child_kill(child);
    UT_EQ_INT(hv_child_wait(child, &st), 0);
    UT_CHECK(st.code != 0);
    hv_child_free(child);
    hv_stream_close(io);
}

/* The command line of this binary with mode (and an argument). */
static void self_cmd(char *cmd, size_t n, const char *mode)
{
    wchar_t self[MAX_PATH];
    UT_CHECK(GetModuleFileNameW(NULL, self, MAX_PATH) > 0);
    strcpy(cmd, "\"");
    WideCharToMultiByte(CP_UTF8, 0, self, -1, cmd + 1, (int)n - 64, NULL, NULL);
    strcat(cmd, "\" ");
    strcat(cmd, mode);
}

/* Start "child-tree" with the file of its grandchild's pid; that
 * grandchild opened (before anything could end it), or NULL. */
static HANDLE tree_start(const char *pidfile, struct hv_child **child,
                         struct hv_stream **io)
{
    char cmd[3 * MAX_PATH + 64], env0[MAX_PATH + 32];
    const char *env[2];
    HANDLE g = NULL;
    int i;

    DeleteFileA(pidfile);
    snprintf(env0, sizeof env0, "HV_TEST_PIDFILE=%s", pidfile);
    env[0] = env0;
    env[1] = NULL;
    self_cmd(cmd, sizeof cmd, "child-tree");
    UT_EQ_INT(hv_spawn(NULL, cmd, env, child, io), 0);
    for (i = 0; i < 400 && g == NULL; i++) {
        FILE *f = fopen(pidfile, "r");
        unsigned long pid = 0;
        if (f) {
            if (fscanf(f, "%lu", &pid) == 1 && pid)
                g = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)pid);
            fclose(f);
        }
        if (g == NULL)
            Sleep(50);
    }
    UT_CHECK(g != NULL);
    return g;
}

/* The command's whole tree ends with it (a job object), not cmd.exe
 * alone: at hv_child_kill (by_kill), or, for a command that ended by
 * itself, once its session is over (hv_child_free). */
static void tree_ends(int by_kill, const char *pidfile)
{
    struct hv_child *child;
    struct hv_stream *io;
    struct hv_child_exit st;
    HANDLE g = tree_start(pidfile, &child, &io);

    if (g == NULL)
        return;
    UT_EQ_INT(WaitForSingleObject(g, 0), WAIT_TIMEOUT);
    if (by_kill)
        hv_child_kill(child);
    hv_stream_close(io); /* child-tree ends at its stdin's end */
    UT_EQ_INT(hv_child_wait(child, &st), 0);
    UT_CHECK(by_kill ? st.code != 0 : st.code == 0);
    /* killed: gone before the free; ended by itself: gone after it */
    UT_EQ_INT(WaitForSingleObject(g, by_kill ? 20000 : 0),
              by_kill ? WAIT_OBJECT_0 : WAIT_TIMEOUT);
    hv_child_free(child);
    UT_EQ_INT(WaitForSingleObject(g, 20000), WAIT_OBJECT_0);
    CloseHandle(g);
    DeleteFileA(pidfile);
}

UT_CASE(spawn_kill_tree)
{
    tree_ends(1, "hvtest-tree-kill.pid");
}

UT_CASE(spawn_free_tree)
{
    tree_ends(0, "hvtest-tree-free.pid");
}

/* CREATE_NO_WINDOW only for a tool without a console; a command always
 * starts suspended (it joins its job first). */
UT_CASE(spawn_flags)
{
    UT_CHECK((hv__spawn_flags(0) & CREATE_NO_WINDOW) != 0);
    UT_CHECK((hv__spawn_flags(1) & CREATE_NO_WINDOW) == 0);
    UT_CHECK((hv__spawn_flags(0) & CREATE_SUSPENDED) != 0);
    UT_CHECK((hv__spawn_flags(1) & CREATE_SUSPENDED) != 0);
}

/* Console control events: Ctrl+C and Ctrl+Break stop; close and shutdown
 * stop with the cleanup waited for; logoff only where there is a console
 * (a service gets it at any user's logoff). Wine sends no close, logoff
 * or shutdown event to a test: the decision is what is checked here. */
UT_CASE(ctrl_actions)
{
    int c;
    for (c = 0; c <= 1; c++) {
        UT_EQ_INT(hv__ctrl_action(CTRL_C_EVENT, c), HV__CTRL_STOP);
        UT_EQ_INT(hv__ctrl_action(CTRL_BREAK_EVENT, c), HV__CTRL_STOP);
        UT_EQ_INT(hv__ctrl_action(CTRL_CLOSE_EVENT, c), HV__CTRL_END);
        UT_EQ_INT(hv__ctrl_action(CTRL_SHUTDOWN_EVENT, c), HV__CTRL_END);
        UT_EQ_INT(hv__ctrl_action(99, c), HV__CTRL_PASS);
    }
    UT_EQ_INT(hv__ctrl_action(CTRL_LOGOFF_EVENT, 1), HV__CTRL_END);
    UT_EQ_INT(hv__ctrl_action(CTRL_LOGOFF_EVENT, 0), HV__CTRL_PASS);
}

/* AF_UNIX: where the system lacks it (Wine), the answer says so. */
UT_CASE(unix_unavailable)
{
    struct hv_addr a;
    struct hv_sock *s;
    int r;
    UT_EQ_INT(hv_net_init(), 0);
    memset(&a, 0, sizeof a);
    a.family = HV_FAMILY_UNIX;
    strcpy(a.path, "hvtest-no-such.sock");
    r = hv_sock_connect(&a, NULL, &s);
    if (is_wine())
        UT_EQ_INT(r, HV_ENOUNIX);
    else
        UT_CHECK(r < 0 && r != HV_ENOUNIX);
    r = hv_sock_listen(&a, NULL, &s);
    if (is_wine())
        UT_EQ_INT(r, HV_ENOUNIX);
    else if (r == 0)
        hv_sock_close(s);
}

/* A command's end is an event of hv_relay_run (HV_RELAY_CHILD), also an
 * end that came while nobody waited; it is reported once, then reset. */
UT_CASE(child_end_event)
{
    struct hv_child *c1, *c2;
    struct hv_stream *io1, *io2;
    struct hv_child_exit st;
    struct hv_relay *r;
    struct hv_relay_event ev;
    uint64_t t0;

    UT_EQ_INT(hv_net_init(), 0);
    UT_EQ_INT(hv_relay_new(&r), 0);
    UT_EQ_INT(hv_spawn(NULL, "exit 5", NULL, &c1, &io1), 0);
    UT_EQ_INT(hv_child_events(), 1);
    t0 = hv_now_ms();
    UT_EQ_INT(hv_relay_run(r, NULL, 20000, &ev), 0);
    UT_EQ_INT(ev.kind, HV_RELAY_CHILD);
    UT_CHECK(hv_now_ms() - t0 < 10000);
    UT_EQ_INT(hv_child_poll(c1, &st), 1);
    UT_EQ_INT(st.code, 5);
    UT_EQ_INT(hv_relay_run(r, NULL, 200, &ev), 0);
    UT_EQ_INT(ev.kind, HV_RELAY_TIMEOUT);
    /* ended while nobody was in hv_relay_run: still news */
    UT_EQ_INT(hv_spawn(NULL, "exit 6", NULL, &c2, &io2), 0);
    UT_EQ_INT(hv_child_wait(c2, &st), 0);
    UT_EQ_INT(st.code, 6);
    Sleep(500);
    UT_EQ_INT(hv_relay_run(r, NULL, 0, &ev), 0);
    UT_EQ_INT(ev.kind, HV_RELAY_CHILD);
    hv_child_free(c1);
    hv_child_free(c2);
    hv_stream_close(io1);
    hv_stream_close(io2);
    hv_relay_free(r);
}

/* ---------------------------------------------------------------- connect */

/* A raw listener on 127.0.0.1 with this backlog; *to is its address. */
static SOCKET raw_listener(int backlog, struct hv_addr *to)
{
    struct sockaddr_in sin;
    int len = (int)sizeof sin;
    SOCKET l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);

    UT_CHECK(l != INVALID_SOCKET);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    UT_EQ_INT(bind(l, (struct sockaddr *)&sin, sizeof sin), 0);
    UT_EQ_INT(listen(l, backlog), 0);
    UT_EQ_INT(getsockname(l, (struct sockaddr *)&sin, &len), 0);
    memset(to, 0, sizeof *to);
    to->family = HV_FAMILY_TCP;
    strcpy(to->host, "127.0.0.1");
    to->port = ntohs(sin.sin_port);
    return l;
}

/* A listener that never accepts, its queue filled by raw connects until
 * one is left unanswered: a connect to *to then waits for ever (the SYN
 * is dropped). fill[] holds the connects; 0 when the queue never filled. */
#define FILL_MAX 16
static int stuck_listener(SOCKET *l, SOCKET fill[FILL_MAX], struct hv_addr *to)
{
    struct sockaddr_in sin;
    int i;

    *l = raw_listener(1, to);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((u_short)to->port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (i = 0; i < FILL_MAX; i++)
        fill[i] = INVALID_SOCKET;
    for (i = 0; i < FILL_MAX; i++) {
        u_long on = 1;
        fd_set wr, ex;
        struct timeval tv = {0, 300000};
        fill[i] = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        ioctlsocket(fill[i], FIONBIO, &on);
        (void)connect(fill[i], (struct sockaddr *)&sin, sizeof sin);
        FD_ZERO(&wr);
        FD_ZERO(&ex);
        FD_SET(fill[i], &wr);
        FD_SET(fill[i], &ex);
        if (select(0, NULL, &wr, &ex, &tv) == 0)
            return 1; /* unanswered: the queue is full */
    }
    return 0;
}

static void stuck_free(SOCKET l, SOCKET fill[FILL_MAX])
{
    int i;
    for (i = 0; i < FILL_MAX; i++)
        if (fill[i] != INVALID_SOCKET)
            closesocket(fill[i]);
    closesocket(l);
}

/* A library connection whose raw client is *c, as a stream. */
static struct hv_stream *client_stream(SOCKET *c)
{
    struct hv_sock *s;
    struct hv_stream *a = NULL;
    tcp_pair(c, &s);
    UT_EQ_INT(hv_stream_from_sock(s, &a), 0);
    return a;
}

/* A relay with one pair whose connect waits (stuck_listener), bounded by
 * co_ms (0: the system's bound); its raw client in *c. 0 when the queue
 * never filled: the case skips. */
static int stuck_pair(SOCKET *l, SOCKET fill[FILL_MAX], SOCKET *c,
                      uint32_t co_ms, struct hv_relay **r)
{
    struct hv_connect_opts co;
    struct hv_addr to;

    UT_EQ_INT(hv_net_init(), 0);
    if (!stuck_listener(l, fill, &to)) {
        printf("SKIP: the listener's queue never filled\n");
        stuck_free(*l, fill);
        return 0;
    }
    UT_EQ_INT(hv_relay_new(r), 0);
    memset(&co, 0, sizeof co);
    co.timeout_ms = co_ms;
    UT_EQ_INT(hv_relay_add_connect(*r, client_stream(c), &to, &co, NULL, NULL),
              0);
    return 1;
}

/* The far ends of a relayed connection: p1 on c sends n1 bytes of
 * stream seed and expects n2 of seed + 1, p2 on back the other way. */
static void far_ends(struct peer *p1, SOCKET c, struct peer *p2, SOCKET back,
                     unsigned seed, size_t n1, size_t n2, HANDLE t1[2],
                     HANDLE t2[2])
{
    memset(p1, 0, sizeof *p1);
    p1->s = c;
    p1->send_seed = seed;
    p1->send_n = n1;
    p1->recv_seed = seed + 1;
    memset(p2, 0, sizeof *p2);
    p2->s = back;
    p2->send_seed = seed + 1;
    p2->send_n = n2;
    p2->recv_seed = seed;
    peer_start(p1, t1);
    peer_start(p2, t2);
}

/* Run r until a pair ends (at most ms); the event in *ev. */
static void run_until_done(struct hv_relay *r, uint32_t ms,
                           struct hv_relay_event *ev)
{
    uint64_t end = hv_now_ms() + ms;
    for (;;) {
        uint64_t t = hv_now_ms();
        UT_CHECK(t < end);
        if (t >= end)
            return;
        UT_EQ_INT(hv_relay_run(r, NULL, (uint32_t)(end - t), ev), 0);
        if (ev->kind == HV_RELAY_DONE)
            return;
    }
}

/* The backend listening on l takes the relay's connection, and bytes go
 * both ways between c and it until the pair ends: tag's, clean, exact. */
static void relayed_exactly(struct hv_relay *r, SOCKET l, SOCKET c, void *tag,
                            unsigned seed, size_t n1, size_t n2)
{
    struct hv_relay_event ev;
    struct peer p1, p2;
    HANDLE t1[2], t2[2];
    SOCKET back = accept(l, NULL, NULL);

    UT_CHECK(back != INVALID_SOCKET);
    far_ends(&p1, c, &p2, back, seed, n1, n2, t1, t2);
    run_until_done(r, 60000, &ev);
    UT_CHECK(ev.tag == tag);
    UT_EQ_INT(ev.res.err, 0);
    UT_EQ_INT(ev.res.ab, n1);
    UT_EQ_INT(ev.res.ba, n2);
    peer_join(t1);
    peer_join(t2);
    UT_EQ_INT(p1.got, n2);
    UT_EQ_INT(p2.got, n1);
    UT_EQ_INT(p1.bad + p2.bad, 0);
    closesocket(back);
}

/* The relay connects b itself: bytes both ways, exactly. */
UT_CASE(connect_relay)
{
    SOCKET l, c1;
    struct hv_stream *a;
    struct hv_addr to;
    struct hv_connect_opts co;
    struct hv_relay *r;
    int tag;

    UT_EQ_INT(hv_net_init(), 0);
    l = raw_listener(8, &to);
    a = client_stream(&c1);
    UT_EQ_INT(hv_relay_new(&r), 0);
    memset(&co, 0, sizeof co);
    co.timeout_ms = 10000;
    UT_EQ_INT(hv_relay_add_connect(r, a, &to, &co, NULL, &tag), 0);
    UT_EQ_INT(hv_relay_count(r), 1);
    UT_EQ_INT(hv_relay_starved(r), 0);
    relayed_exactly(r, l, c1, &tag, 11, 3 * MIB, 2 * MIB + 7);
    UT_EQ_INT(hv_relay_count(r), 0);
    hv_relay_free(r);
    closesocket(c1);
    closesocket(l);
}

/* A refused connect ends the pair with the error, on b's connect; a got
 * nothing, and its peer sees a reset. */
UT_CASE(connect_refused)
{
    SOCKET l, c1;
    struct hv_stream *a;
    struct hv_addr to;
    struct hv_connect_opts co;
    struct hv_relay *r;
    struct hv_relay_event ev;
    DWORD tmo = 10000;
    char c;
    int n;

    UT_EQ_INT(hv_net_init(), 0);
    l = raw_listener(1, &to);
    closesocket(l); /* nothing listens there now */
    a = client_stream(&c1);
    UT_EQ_INT(hv_relay_new(&r), 0);
    memset(&co, 0, sizeof co);
    co.timeout_ms = 5000;
    UT_EQ_INT(hv_relay_add_connect(r, a, &to, &co, NULL, NULL), 0);
    run_until_done(r, 20000, &ev);
    UT_EQ_INT(ev.res.err, HV_ECONNREFUSED);
    UT_EQ_INT(ev.res.side, HV_SIDE_B_CONNECT);
    UT_EQ_INT(ev.res.ab, 0);
    UT_EQ_INT(ev.res.ba, 0);
    UT_EQ_INT(hv_relay_count(r), 0);
    setsockopt(c1, SOL_SOCKET, SO_RCVTIMEO, (const char *)&tmo, sizeof tmo);
    n = recv(c1, &c, 1, 0);
    /* Wine 8 closes with a FIN even after SO_LINGER {1, 0}: there the end
     * is all that can be seen */
    if (is_wine() && n == 0)
        printf("Wine: an EOF, not a reset\n");
    else {
        UT_EQ_INT(n, SOCKET_ERROR);
        UT_EQ_INT(WSAGetLastError(), WSAECONNRESET);
    }
    hv_relay_free(r);
    closesocket(c1);
}

/* A connect that nobody answers holds up only its own pair: another pair
 * of the same relay is relayed and ends meanwhile; the stuck one ends at
 * its timeout. */
UT_CASE(connect_stuck_other_goes_on)
{
    SOCKET l, fill[FILL_MAX], l2, c1, c2;
    struct hv_stream *a1, *a2;
    struct hv_addr to1, to2;
    struct hv_connect_opts co;
    struct hv_relay *r;
    struct hv_relay_event ev;
    int tag1, tag2;
    uint64_t t0;

    UT_EQ_INT(hv_net_init(), 0);
    if (!stuck_listener(&l, fill, &to1)) {
        printf("SKIP: the listener's queue never filled\n");
        stuck_free(l, fill);
        return;
    }
    l2 = raw_listener(8, &to2);
    a1 = client_stream(&c1);
    a2 = client_stream(&c2);
    UT_EQ_INT(hv_relay_new(&r), 0);
    memset(&co, 0, sizeof co);
    co.timeout_ms = 3000;
    t0 = hv_now_ms();
    UT_EQ_INT(hv_relay_add_connect(r, a1, &to1, &co, NULL, &tag1), 0);
    co.timeout_ms = 10000;
    UT_EQ_INT(hv_relay_add_connect(r, a2, &to2, &co, NULL, &tag2), 0);
    UT_EQ_INT(hv_relay_count(r), 2);
    relayed_exactly(r, l2, c2, &tag2, 21, MIB, MIB);
    UT_CHECK(hv_now_ms() - t0 < 2900);
    UT_EQ_INT(hv_relay_count(r), 1);
    run_until_done(r, 20000, &ev);
    UT_CHECK(ev.tag == &tag1);
    UT_EQ_INT(ev.res.err, HV_ETIMEDOUT);
    UT_EQ_INT(ev.res.side, HV_SIDE_B_CONNECT);
    UT_CHECK(hv_now_ms() - t0 >= 2900);
    UT_EQ_INT(hv_relay_count(r), 0);
    hv_relay_free(r);
    closesocket(c1);
    closesocket(c2);
    closesocket(l2);
    stuck_free(l, fill);
}

/* hv_relay_free does not wait for a connect without a bound: it returns
 * at once, and a's peer sees its end at once. */
UT_CASE(connect_free_while_connecting)
{
    SOCKET l, fill[FILL_MAX], c1;
    struct hv_relay *r;
    struct hv_relay_event ev;
    DWORD tmo = 5000;
    uint64_t t0;
    char c;
    int n;

    if (!stuck_pair(&l, fill, &c1, 0, &r))
        return;
    UT_EQ_INT(hv_relay_run(r, NULL, 300, &ev), 0);
    UT_EQ_INT(ev.kind, HV_RELAY_TIMEOUT);
    UT_EQ_INT(hv_relay_count(r), 1);
    t0 = hv_now_ms();
    hv_relay_free(r);
    UT_CHECK(hv_now_ms() - t0 < 500);
    setsockopt(c1, SOL_SOCKET, SO_RCVTIMEO, (const char *)&tmo, sizeof tmo);
    n = recv(c1, &c, 1, 0);
    UT_CHECK(n == 0 || (n == SOCKET_ERROR && WSAGetLastError() == WSAECONNRESET));
    UT_CHECK(hv_now_ms() - t0 < 2000);
    closesocket(c1);
    stuck_free(l, fill);
}

/* hv_stop(): a waiting relay and accept wait return HV_ESTOPPED. */
static DWORD WINAPI stop_later(LPVOID arg)
{
    (void)arg;
    Sleep(300);
    hv_stop();
    return 0;
}

UT_CASE(stop)
{
    SOCKET c1, c2;
    struct hv_stream *a, *b;
    struct hv_relay_result res;
    HANDLE t;

    pair_setup(&c1, &c2, &a, &b);
    UT_EQ_INT(hv_stopped(), 0);
    t = CreateThread(NULL, 0, stop_later, NULL, 0, NULL);
    UT_EQ_INT(hv_relay_pair(a, b, NULL, &res), HV_ESTOPPED);
    UT_EQ_INT(hv_stopped(), 1);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    pair_teardown(c1, c2, a, b);
}

/* hv_stop() while a connect waits: hv_relay_run returns HV_ESTOPPED at
 * once, and hv_relay_free after it too. */
UT_CASE(connect_stop)
{
    SOCKET l, fill[FILL_MAX], c1;
    struct hv_relay *r;
    struct hv_relay_event ev;
    uint64_t t0;
    HANDLE t;

    if (!stuck_pair(&l, fill, &c1, 60000, &r))
        return;
    t0 = hv_now_ms();
    t = CreateThread(NULL, 0, stop_later, NULL, 0, NULL);
    UT_EQ_INT(hv_relay_run(r, NULL, HV_RELAY_NO_QUIT, &ev), HV_ESTOPPED);
    UT_CHECK(hv_now_ms() - t0 < 1500);
    hv_relay_free(r);
    UT_CHECK(hv_now_ms() - t0 < 2000);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    closesocket(c1);
    stuck_free(l, fill);
}

/* ---------------------------------------------------------------- child */

/* The command for spawn_pipes: greet first, then echo stdin to stdout
 * until its EOF. */
static int child_greet(void)
{
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE), out = GetStdHandle(STD_OUTPUT_HANDLE);
    char buf[65536], greet[64];
    DWORD n, w;
    DWORD k = GetEnvironmentVariableA("HV_TEST_GREETING", greet, sizeof greet - 2);
    if (k == 0 || k >= sizeof greet - 2)
        return 3;
    greet[k++] = '\n';
    if (!WriteFile(out, greet, k, &w, NULL))
        return 4;
    while (ReadFile(in, buf, sizeof buf, &n, NULL) && n > 0) {
        DWORD off = 0;
        while (off < n) {
            if (!WriteFile(out, buf + off, n - off, &w, NULL))
                return 5;
            off += w;
        }
    }
    return 0;
}

/* The command for spawn_*_tree: start this binary's child-sleep with no
 * handle of ours (as "start /b" would), write its pid to the file
 * HV_TEST_PIDFILE names, and end at stdin's end. */
static int child_tree(void)
{
    wchar_t self[MAX_PATH], line[MAX_PATH + 32];
    char path[MAX_PATH];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    FILE *f;
    char buf[256];
    DWORD n;

    if (GetEnvironmentVariableA("HV_TEST_PIDFILE", path, sizeof path) == 0 ||
        GetModuleFileNameW(NULL, self, MAX_PATH) == 0)
        return 3;
    swprintf(line, sizeof line / sizeof line[0], L"\"%ls\" child-sleep", self);
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessW(self, line, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
        return 4;
    if ((f = fopen(path, "w")) == NULL)
        return 5;
    fprintf(f, "%lu\n", (unsigned long)pi.dwProcessId);
    fclose(f);
    while (ReadFile(GetStdHandle(STD_INPUT_HANDLE), buf, sizeof buf, &n, NULL) &&
           n > 0)
        ;
    return 0;
}

int ut_child(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child-greet") == 0)
        return child_greet();
    if (argc > 1 && strcmp(argv[1], "child-tree") == 0)
        return child_tree();
    Sleep(60000); /* child-sleep */
    return 0;
}

/* ---------------------------------------------------------------- let go */

/* This process's threads now. */
static int thread_count(void)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    THREADENTRY32 te;
    int n = 0;

    if (snap == INVALID_HANDLE_VALUE)
        return -1;
    te.dwSize = sizeof te;
    if (Thread32First(snap, &te)) {
        do {
            if (te.th32OwnerProcessID == GetCurrentProcessId())
                n++;
        } while (Thread32Next(snap, &te));
    }
    CloseHandle(snap);
    return n;
}

static DWORD WINAPI flood_main(LPVOID arg)
{
    SOCKET s = *(SOCKET *)arg;
    static char buf[64 * 1024];
    int i;
    for (i = 0; i < 64; i++)
        if (send(s, buf, (int)sizeof buf, 0) <= 0)
            break;
    return 0;
}

static DWORD WINAPI drain_main(LPVOID arg)
{
    static char buf[64 * 1024];
    DWORD k;
    while (ReadFile((HANDLE)arg, buf, sizeof buf, &k, NULL) && k > 0)
        ;
    return 0;
}

static long long file_size(const char *path)
{
    WIN32_FILE_ATTRIBUTE_DATA fa;
    if (!GetFileAttributesExA(path, GetFileExInfoStandard, &fa))
        return -1;
    return ((long long)fa.nFileSizeHigh << 32) | fa.nFileSizeLow;
}

/* A pair ends (-i) while its way into stdout is stuck in a write that no
 * cancel ends: under Wine a write into a full Unix fifo ignores
 * CancelSynchronousIo. hv_relay_pair returns (the thread is let go: it is
 * in a write to stdout, which outlives every pair), its caller closes and
 * frees the connection as the tools do, and the thread, once the fifo is
 * drained and its write returns, touches nothing of the pair's: the dump
 * (what was read, recorded before each write) gets no byte after the
 * end. HV_TEST_FIFO is the fifo's Unix path (a
 * ctest fixture makes it); without it, or outside Wine, the case is
 * skipped (77). */
UT_CASE(stuck_stdout_let_go)
{
    const char *fifo = getenv("HV_TEST_FIFO");
    char wpath[MAX_PATH], dpath[MAX_PATH], tmp[MAX_PATH];
    HANDLE h, rd, saved, flood, drain;
    SOCKET raw;
    struct hv_sock *sl;
    struct hv_stream *a, *b;
    struct hv_dump *dump;
    struct hv_relay_opts o;
    struct hv_relay_result res;
    long long at_end;
    uint64_t until;
    int base, n = -1;
    size_t i;

    if (fifo == NULL || !is_wine() ||
        strlen(fifo) + sizeof "\\\\?\\unix" > sizeof wpath)
        exit(77);
    snprintf(wpath, sizeof wpath, "\\\\?\\unix%s", fifo);
    for (i = 0; wpath[i]; i++)
        if (wpath[i] == '/')
            wpath[i] = '\\';
    /* read and write: opening it never waits for a reader, and nobody
     * reads it until the pair has ended */
    h = CreateFileA(wpath, GENERIC_READ | GENERIC_WRITE,
                    FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0,
                    NULL);
    UT_CHECK(h != INVALID_HANDLE_VALUE);
    if (h == INVALID_HANDLE_VALUE)
        return;
    UT_CHECK(GetTempPathA(sizeof tmp, tmp) > 0);
    snprintf(dpath, sizeof dpath, "%shv_letgo_%lu.raw", tmp,
             (unsigned long)GetCurrentProcessId());
    UT_EQ_INT(hv_dump_new(&dump), 0);
    UT_EQ_INT(hv_dump_open(dump, dpath, 0), 0);

    tcp_pair(&raw, &sl);
    UT_EQ_INT(hv_stream_from_sock(sl, &b), 0);
    UT_EQ_INT(hv_stream_stdio(&a), 0);
    saved = GetStdHandle(STD_OUTPUT_HANDLE);
    UT_CHECK(SetStdHandle(STD_OUTPUT_HANDLE, h));
    flood = CreateThread(NULL, 0, flood_main, &raw, 0, NULL);

    hv_relay_opts_init(&o);
    o.flags = HV_RELAY_B_TO_A_ONLY; /* stdin is not read */
    o.idle_ms = 1000;
    o.dump = dump;
    UT_EQ_INT(hv_relay_pair(a, b, &o, &res), HV_EIDLE);
    /* the dump holds what the way read: what it wrote, and the chunk its
     * stuck write still holds */
    at_end = file_size(dpath);
    UT_CHECK(at_end >= (long long)res.ba);
    UT_CHECK(res.ba > 0);
    /* the tools' callers free the connection now */
    hv_stream_close(b);
    UT_EQ_INT(WaitForSingleObject(flood, 20000), WAIT_OBJECT_0);
    CloseHandle(flood);
    closesocket(raw);

    /* the stuck thread still runs: base counts it; drained, its write
     * returns and it ends, while the drain's own thread stays */
    base = thread_count();
    rd = CreateFileA(wpath, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
                     NULL, OPEN_EXISTING, 0, NULL);
    UT_CHECK(rd != INVALID_HANDLE_VALUE);
    drain = CreateThread(NULL, 0, drain_main, rd, 0, NULL);
    until = hv_now_ms() + 20000;
    while (hv_now_ms() < until && (n = thread_count()) > base)
        Sleep(50);
    UT_CHECK(n >= 0 && n <= base);
    /* nothing dumped after the end: the thread looked at the pair first */
    UT_EQ_INT(file_size(dpath), at_end);

    UT_CHECK(SetStdHandle(STD_OUTPUT_HANDLE, saved));
    CloseHandle(h); /* the fifo's last writer: the drain ends */
    (void)WaitForSingleObject(drain, 5000);
    CloseHandle(drain);
    CloseHandle(rd);
    UT_EQ_INT(hv_dump_close(dump), 0);
    DeleteFileA(dpath);
}
