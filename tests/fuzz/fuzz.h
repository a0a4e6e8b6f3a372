/* fuzz.h: shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c).
 *
 * Each harness defines LLVMFuzzerTestOneInput, calls one parser of outside
 * input with the fuzzer's bytes, and checks invariants of the result with
 * FUZZ_CHECK: a broken invariant aborts, which libFuzzer reports as a crash
 * and saves as a reproducer. Memory errors are ASan's and UBSan's. */
#ifndef HV_FUZZ_H
#define HV_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvsock.h"
#include "platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,        \
                    __LINE__, #cond);                                         \
            abort();                                                          \
        }                                                                     \
    } while (0)

/* A NUL-terminated malloc'ed copy of data[0..size) (free() it). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* An exact-size malloc'ed copy, so that ASan sees any read past its end. */
static inline uint8_t *fuzz_dup(const uint8_t *data, size_t size)
{
    uint8_t *p = malloc(size ? size : 1);
    if (p == NULL)
        abort();
    if (size)
        memcpy(p, data, size);
    return p;
}

/* 1 when buf (n bytes) holds a NUL. */
static inline int fuzz_terminated(const char *buf, size_t n)
{
    return memchr(buf, '\0', n) != NULL;
}

#endif
