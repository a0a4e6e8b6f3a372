/* hcsjson.c: reading the Host Compute Service's enumeration result
 * (through jsmn, a small well-kept tokenizer). Portable: the HCS call
 * itself is in vmid_win.c, the texts it returns are parsed and tested
 * here. */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#define JSMN_STATIC
#define JSMN_STRICT
/* compiler checks: jsmn.h is not ours to fix, so its warnings (signed and
 * unsigned compared, narrowing) are silenced for its text only, for GCC
 * and Clang (-Werror) and for MSVC (/W4 /WX) */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#elif defined(_MSC_VER)
#pragma warning(push)
#pragma warning(disable : 4018 4244 4245 4267 4389)
#endif
#include <jsmn.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#elif defined(_MSC_VER)
#pragma warning(pop)
#endif

#define HCS_TOKENS_MAX 200000

/* Index of the token after the subtree starting at i (jsmn gives every
 * object key one child, its value), or -1 past the end. */
static int skip(const jsmntok_t *t, int i, int n)
{
    int pending = 1;
    while (pending > 0) {
        if (i >= n)
            return -1;
        pending += t[i].size;
        pending--;
        i++;
    }
    return i;
}

/* jsmn tokenizes but tolerates missing or doubled separators ("[1 2]",
 * "[{},]", "{\"a\"::1}"); the gaps between tokens are checked here so that
 * only well-formed JSON is read. String tokens exclude their quotes. */
static int tok_begin(const jsmntok_t *t)
{
    return t->type == JSMN_STRING ? t->start - 1 : t->start;
}

static int tok_end(const jsmntok_t *t)
{
    return t->type == JSMN_STRING ? t->end + 1 : t->end;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* [a, b) holds only white space and, when sep, exactly one sep. */
static int gap(const char *js, int a, int b, char sep)
{
    int seen = 0;
    if (a > b)
        return 0;
    for (; a < b; a++) {
        if (sep && js[a] == sep && !seen)
            seen = 1;
        else if (!is_ws(js[a]))
            return 0;
    }
    return seen == (sep != 0);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The digits at *p (at least one); 1 when there was one. */
static int digits(const char **p, const char *end)
{
    const char *s = *p;
    while (*p < end && is_digit(**p))
        (*p)++;
    return *p > s;
}

/* A JSON number, all of [s, end): -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int number_ok(const char *s, const char *end)
{
    if (s < end && *s == '-')
        s++;
    if (s < end && *s == '0')
        s++;
    else if (s >= end || !digits(&s, end))
        return 0;
    if (s < end && *s == '.') {
        s++;
        if (!digits(&s, end))
            return 0;
    }
    if (s < end && (*s == 'e' || *s == 'E')) {
        s++;
        if (s < end && (*s == '+' || *s == '-'))
            s++;
        if (!digits(&s, end))
            return 0;
    }
    return s == end;
}

static int primitive_ok(const char *js, const jsmntok_t *t)
{
    static const char *const words[] = {"true", "false", "null"};
    size_t len = (size_t)(t->end - t->start), i;
    for (i = 0; i < 3; i++)
        if (strlen(words[i]) == len && memcmp(js + t->start, words[i], len) == 0)
            return 1;
    return number_ok(js + t->start, js + t->end);
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string token's contents: no raw control character, only JSON's
 * escapes (\" \\ \/ \b \f \n \r \t \uXXXX). */
static int string_ok(const char *js, const jsmntok_t *t)
{
    const char *s = js + t->start, *end = js + t->end;
    int i;
    for (; s < end; s++) {
        if ((unsigned char)*s < 0x20)
            return 0;
        if (*s != '\\')
            continue;
        if (++s >= end)
            return 0;
        if (*s == 'u') {
            for (i = 1; i <= 4; i++)
                if (s + i >= end || !is_hex(s[i]))
                    return 0;
            s += 4;
        } else if (!strchr("\"\\/bfnrt", *s)) {
            return 0;
        }
    }
    return 1;
}

#define HCS_DEPTH_MAX 64

/* Whether the brackets of json[0, len) nest at most HCS_DEPTH_MAX deep,
 * strings skipped: checked before the tokenizer, whose work grows with the
 * square of the depth. */
static int depth_ok(const char *js, size_t len)
{
    size_t i;
    int depth = 0, in_str = 0;
    for (i = 0; i < len; i++) {
        char c = js[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > HCS_DEPTH_MAX)
                return 0;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return 1;
}

/* The index after the well-formed subtree at t[i], or -1. */
static int check(const char *js, const jsmntok_t *t, int i, int n, int depth)
{
    int c, k, pos;
    if (i >= n || depth > HCS_DEPTH_MAX)
        return -1;
    if (t[i].type == JSMN_STRING)
        return string_ok(js, &t[i]) ? i + 1 : -1;
    if (t[i].type == JSMN_PRIMITIVE)
        return primitive_ok(js, &t[i]) ? i + 1 : -1;
    pos = t[i].start + 1;
    k = i + 1;
    for (c = 0; c < t[i].size; c++) {
        if (k >= n)
            return -1;
        if (t[i].type == JSMN_OBJECT) {
            if (t[k].type != JSMN_STRING || t[k].size != 1 ||
                !gap(js, pos, tok_begin(&t[k]), c ? ',' : 0))
                return -1;
            pos = tok_end(&t[k]);
            if (++k >= n || !gap(js, pos, tok_begin(&t[k]), ':'))
                return -1;
        } else if (!gap(js, pos, tok_begin(&t[k]), c ? ',' : 0)) {
            return -1;
        }
        pos = tok_end(&t[k]);
        if ((k = check(js, t, k, n, depth + 1)) < 0)
            return -1;
    }
    if (!gap(js, pos, t[i].end - 1, 0))
        return -1;
    return k;
}

/* Append cp as UTF-8 if all of it fits before the NUL: 1, else 0. */
static int put_utf8(char *out, size_t cap, size_t *o, unsigned long cp)
{
    char b[4];
    size_t n = hv__utf8_encode(b, (uint32_t)cp);
    if (*o + n >= cap) /* never cut a character in half */
        return 0;
    memcpy(out + *o, b, n);
    *o += n;
    return 1;
}

static int hex4(const char *s, const char *end, unsigned long *v)
{
    int i;
    *v = 0;
    if (end - s < 4)
        return 0;
    for (i = 0; i < 4; i++) {
        int c = s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return 0;
        *v = *v * 16 + (unsigned long)d;
    }
    return 1;
}

/* Decode a string token into out (cap > 0 bytes, NUL-terminated). Text
 * that does not fit is cut at a character boundary: the first character
 * that does not fit ends it. Non-strings (null, numbers) give "". */
static void tok_str(const char *js, const jsmntok_t *t, char *out, size_t cap)
{
    const char *s = js + t->start, *end = js + t->end, *run;
    size_t o = 0, n;
    unsigned long cp, lo;
    int fits = 1;

    out[0] = '\0';
    if (t->type != JSMN_STRING)
        return;
    while (s < end && fits) {
        if (*s != '\\') {
            /* a run of raw bytes (UTF-8, as the JSON text is) */
            for (run = s; s < end && *s != '\\'; s++)
                ;
            n = (size_t)(s - run);
            if (o + n >= cap) {
                n = hv_utf8_cut(run, n, cap - 1 - o);
                fits = 0;
            }
            memcpy(out + o, run, n);
            o += n;
            continue;
        }
        s++;
        if (s >= end)
            break;
        switch (*s++) {
        case 'b': cp = 8; break;
        case 'f': cp = 12; break;
        case 'n': cp = 10; break;
        case 'r': cp = 13; break;
        case 't': cp = 9; break;
        case 'u':
            if (!hex4(s, end, &cp)) {
                s = end;
                continue;
            }
            s += 4;
            if (cp >= 0xD800 && cp < 0xDC00) {
                if (end - s >= 6 && s[0] == '\\' && s[1] == 'u' &&
                    hex4(s + 2, end, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    s += 6;
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                cp = 0xFFFD;
            }
            if (cp == 0)
                cp = 0xFFFD; /* keep C strings whole */
            break;
        default: /* \" \\ \/ */
            cp = (unsigned char)s[-1];
            break;
        }
        fits = put_utf8(out, cap, &o, cp);
    }
    out[o] = '\0';
}

static int key_is(const char *js, const jsmntok_t *t, const char *name)
{
    size_t n = strlen(name), i;
    if (t->type != JSMN_STRING || (size_t)(t->end - t->start) != n)
        return 0;
    for (i = 0; i < n; i++) {
        int a = js[t->start + (int)i], b = name[i];
        if (a >= 'A' && a <= 'Z')
            a += 'a' - 'A';
        if (b >= 'A' && b <= 'Z')
            b += 'a' - 'A';
        if (a != b)
            return 0;
    }
    return 1;
}

/* One compute system object at t[i]; adds it to vms when it has an id. */
static int one_system(const char *js, const jsmntok_t *t, int i, int n,
                      struct hv_vms *vms)
{
    struct hv_vm e;
    char id[HV_VM_NAME_MAX], runtime[HV_VM_NAME_MAX];
    struct hv_guid gid, grt;
    int k, nkeys = t[i].size, have_id, have_rt;

    memset(&e, 0, sizeof e);
    id[0] = runtime[0] = '\0';
    k = i + 1;
    while (nkeys-- > 0) {
        const jsmntok_t *key = &t[k], *val;
        if (k + 1 >= n)
            return HV_EBADDATA;
        val = &t[k + 1];
        if (key_is(js, key, "Id"))
            tok_str(js, val, id, sizeof id);
        else if (key_is(js, key, "RuntimeId"))
            tok_str(js, val, runtime, sizeof runtime);
        else if (key_is(js, key, "Name"))
            tok_str(js, val, e.name, sizeof e.name);
        else if (key_is(js, key, "Owner"))
            tok_str(js, val, e.owner, sizeof e.owner);
        else if (key_is(js, key, "SystemType"))
            tok_str(js, val, e.type, sizeof e.type);
        else if (key_is(js, key, "State"))
            tok_str(js, val, e.state, sizeof e.state);
        if ((k = skip(t, k + 1, n)) < 0)
            return HV_EBADDATA;
    }
    have_id = hv_guid_parse(id, &gid) == 0;
    have_rt = hv_guid_parse(runtime, &grt) == 0;
    if (!have_rt && !have_id)
        return 0;
    e.id = have_rt ? grt : gid;
    if (id[0] && !(have_id && hv_guid_equal(&gid, &e.id)))
        memcpy(e.system_id, id, sizeof e.system_id);
    e.sources = HV_VMSRC_HCS;
    if (hv_vms_add(vms, &e) < 0)
        return HV_ENOMEM;
    return 1;
}

int hv_hcs_parse(const char *json, size_t len, struct hv_vms *vms, char *hint,
                 size_t hintlen)
{
    jsmn_parser p;
    jsmntok_t *t;
    struct hv_vms got = HV_VMS_INIT; /* all of them, or none into vms */
    size_t j;
    int n, i, k, added = 0, r;

    if (hint && hintlen)
        hint[0] = '\0';
    if (len > 0x7FFFFFFFu) {
        hv__fmt(hint, hintlen, "HCS result too large");
        return HV_EBADDATA;
    }
    if (!depth_ok(json, len)) {
        hv__fmt(hint, hintlen, "HCS result is not JSON we read (nested more "
                               "than %d deep)", HCS_DEPTH_MAX);
        return HV_EBADDATA;
    }
    jsmn_init(&p);
    n = jsmn_parse(&p, json, len, NULL, 0);
    if (n <= 0 || n > HCS_TOKENS_MAX) {
        hv__fmt(hint, hintlen, "HCS result is not JSON%s",
                n == 0                 ? " (empty)"
                : n == JSMN_ERROR_PART ? " (truncated)"
                : n > 0                ? " (too large)"
                                       : "");
        return HV_EBADDATA;
    }
    if ((t = malloc(sizeof *t * (size_t)n)) == NULL)
        return HV_ENOMEM;
    jsmn_init(&p);
    r = jsmn_parse(&p, json, len, t, (unsigned)n);
    if (r != n) {
        hv__fmt(hint, hintlen, "HCS result is not JSON (%s at byte %u)",
                r == JSMN_ERROR_PART ? "truncated" : "invalid", p.pos);
        free(t);
        return HV_EBADDATA;
    }
    if (t[0].type != JSMN_ARRAY) {
        hv__fmt(hint, hintlen, "HCS result is not a JSON array");
        free(t);
        return HV_EBADDATA;
    }
    if (check(json, t, 0, n, 0) != n || !gap(json, 0, t[0].start, 0) ||
        !gap(json, t[0].end, (int)len, 0)) {
        hv__fmt(hint, hintlen, "HCS result is not JSON (misplaced separator "
                               "or trailing data)");
        free(t);
        return HV_EBADDATA;
    }
    k = 1;
    for (i = 0; i < t[0].size; i++) {
        if (k >= n) {
            r = HV_EBADDATA;
            break;
        }
        if (t[k].type != JSMN_OBJECT) {
            hv__fmt(hint, hintlen, "HCS result: element %d is not an object",
                    i + 1);
            free(t);
            hv_vms_free(&got);
            return HV_EBADDATA;
        }
        r = one_system(json, t, k, n, &got);
        if (r < 0)
            break;
        added += r;
        if ((k = skip(t, k, n)) < 0) {
            r = HV_EBADDATA;
            break;
        }
    }
    free(t);
    if (r < 0) {
        if (r == HV_EBADDATA)
            hv__fmt(hint, hintlen, "HCS result: malformed element %d", i + 1);
        hv_vms_free(&got);
        return r;
    }
    for (j = 0; j < got.n; j++) {
        if (hv_vms_add(vms, &got.v[j]) < 0) {
            hv_vms_free(&got);
            return HV_ENOMEM;
        }
    }
    hv_vms_free(&got);
    return added;
}
