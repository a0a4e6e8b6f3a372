/* bench.h: helpers shared by the benchmark programs that run inside the vm
 * guest (tests/vm/bench). Not part of the tools: they die on the first error
 * with a message, which is what a benchmark helper should do. */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

/* The data every sender sends and every checker expects: the byte at
 * stream offset i is bench_pat(i % BENCH_PERIOD). The period is prime, so
 * that no chunk size lines up with it and a lost, doubled or reordered chunk
 * shows. Short, so that making it costs a sender next to nothing. */
#define BENCH_PERIOD 65521u
#define BENCH_MAXCHUNK (1024u * 1024)

void bench_die(const char *what);
void bench_fail(const char *fmt, ...);
uint64_t bench_now_ns(void);
/* a byte count with an optional K, M or G suffix (powers of 1024) */
uint64_t bench_size(const char *s);
unsigned bench_port(const char *s);

/* BENCH_PERIOD + chunk bytes of the pattern (made on the first call, or
 * again for a larger chunk): a sender sends up to chunk bytes from
 * pat + (offset % BENCH_PERIOD). No more than that, so that a sender from
 * memory touches about as many pages as one with a chunk-sized buffer. */
const unsigned char *bench_pattern(size_t chunk);
/* compare n received bytes at stream offset off with the pattern; 0 if equal */
int bench_check(const unsigned char *p, size_t n, uint64_t off);

/* vsock: a listener on port (any CID) and a connection; buf > 0 sets
 * SO_VM_SOCKETS_BUFFER_SIZE (after raising the maximum to it). */
int bench_vs_listen(unsigned port, uint64_t buf);
int bench_vs_connect(unsigned cid, unsigned port, uint64_t buf);
void bench_vs_buffer(int fd, uint64_t buf);
/* TCP on 127.0.0.1 */
int bench_tcp_listen(unsigned port);
int bench_tcp_connect(unsigned port);
/* connect fd to 127.0.0.1:port; -1 (errno set) if that fails */
int bench_tcp_try(int fd, unsigned port);
/* accept one connection, dying on error (EINTR retried) */
int bench_accept(int lfd);

/* write/send all of n bytes (blocking fd); dies on error */
void bench_write_all(int fd, const void *p, size_t n);
/* read up to n bytes, EINTR retried; dies on error; 0 at EOF */
size_t bench_read(int fd, void *p, size_t n);
void bench_nonblock(int fd);
/* allow at least n descriptors (raising the hard limit too: the guest runs
 * as root); dies if it cannot */
void bench_nofile(unsigned long n);

#endif
