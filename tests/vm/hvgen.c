/* hvgen: a deterministic byte stream for long transfers in the guest,
 * where files that large do not fit and sha256 in TCG is slow.
 *   hvgen SEED BYTES           write BYTES bytes of stream SEED to stdout
 *   hvgen --check SEED BYTES   read stdin; exit 0 when it is exactly that
 *                              stream, else 1 with where it differs */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (256 * 1024)

/* xorshift64*, one 64-bit word per 8 bytes of stream */
static void fill(uint64_t *state, unsigned char *buf, size_t n)
{
    size_t i;
    for (i = 0; i < n; i += 8) {
        uint64_t x = *state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        x *= 0x2545F4914F6CDD1DULL;
        memcpy(buf + i, &x, 8);
    }
}

static unsigned long long number(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end == 'G')
        v <<= 30;
    else if (*end == 'M')
        v <<= 20;
    return v;
}

int main(int argc, char **argv)
{
    static unsigned char want[CHUNK], got[CHUNK];
    int check = argc == 4 && strcmp(argv[1], "--check") == 0;
    unsigned long long left, done = 0;
    uint64_t state;

    if (argc != 3 + check) {
        fprintf(stderr, "usage: hvgen [--check] SEED BYTES\n");
        return 64;
    }
    state = 0x9E3779B97F4A7C15ULL ^ number(argv[1 + check]);
    left = number(argv[2 + check]);
    while (left > 0) {
        size_t n = left < CHUNK ? (size_t)left : CHUNK, have = 0;
        fill(&state, want, CHUNK);
        if (!check) {
            while (have < n) {
                ssize_t k = write(1, want + have, n - have);
                if (k <= 0)
                    return 1;
                have += (size_t)k;
            }
        } else {
            while (have < n) {
                ssize_t k = read(0, got + have, n - have);
                if (k <= 0) {
                    fprintf(stderr, "hvgen: stream ends early at byte %llu\n",
                            done + have);
                    return 1;
                }
                have += (size_t)k;
            }
            if (memcmp(want, got, n) != 0) {
                fprintf(stderr, "hvgen: differs in bytes %llu to %llu\n", done,
                        done + n);
                return 1;
            }
        }
        done += n;
        left -= n;
    }
    if (check && read(0, got, 1) != 0) {
        fprintf(stderr, "hvgen: more than %llu bytes\n", done);
        return 1;
    }
    return 0;
}
