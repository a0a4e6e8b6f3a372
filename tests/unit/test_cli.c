/* test_cli.c: the tools' one escaper of shown text (tools/cli.c:
 * cli_shown), which every message, -v line, log line and listing quoting
 * text from outside goes through, and the one way out of their text
 * (cli_write). Runs natively and under wine. */
#include <stdlib.h>
#include <string.h>

#include "ut.h"

#include "cli.h"

/* Control characters and DEL as \xNN, everything else (UTF-8 too) as it
 * is; what fits of it in buf[n], never half an escape; s NULL is "". */
UT_CASE(shown_table)
{
    static const struct {
        const char *s;
        size_t n;
        const char *want;
    } t[] = {
        {"plain", 16, "plain"},
        {"", 16, ""},
        {NULL, 16, ""},
        {"a\nb", 16, "a\\x0ab"},
        {"tab\there", 16, "tab\\x09here"},
        {"\r\n", 16, "\\x0d\\x0a"},
        {"\x1b[31mred", 32, "\\x1b[31mred"},
        {"del\x7f", 16, "del\\x7f"},
        {"\x01\x1f", 16, "\\x01\\x1f"},
        {" ~", 16, " ~"},
        {"caf\xc3\xa9", 16, "caf\xc3\xa9"},
        {"\xe2\x80\xae", 16, "\xe2\x80\xae"}, /* C1 and U+202E stay */
        {"\xc2\x9b", 16, "\xc2\x9b"},
        {"abcdef", 4, "abc"},
        {"abcdef", 1, ""},
        {"ab\n", 5, "ab"},
        {"ab\n", 6, "ab"},
        {"ab\n", 7, "ab\\x0a"},
        {"a\nb", 6, "a\\x0a"},
        {"a\nb", 7, "a\\x0ab"},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        char buf[64];
        memset(buf, '#', sizeof buf);
        UT_CHECK(cli_shown(t[i].s, buf, t[i].n) == buf);
        UT_EQ_STR(buf, t[i].want);
        UT_CHECK(strlen(buf) < t[i].n);
    }
}

/* n 0: nothing is written */
UT_CASE(shown_no_room)
{
    char buf[4] = "xyz";
    UT_CHECK(cli_shown("a\nb", buf, 0) == buf);
    UT_EQ_STR(buf, "xyz");
}

/* A message's text: at most CLI_LINE_MAX - 1 bytes, as the line that
 * quotes it is cut there too. */
UT_CASE(shown_message_line)
{
    size_t len = 3 * CLI_LINE_MAX;
    char *s = malloc(len + 1), buf[CLI_LINE_MAX];
    UT_CHECK(s != NULL);
    if (s == NULL)
        return;
    memset(s, 'x', len);
    s[len] = '\0';
    cli_shown(s, buf, sizeof buf);
    UT_EQ_INT(strlen(buf), CLI_LINE_MAX - 1);
    memset(s, '\n', len);
    cli_shown(s, buf, sizeof buf);
    UT_EQ_INT(strlen(buf), (CLI_LINE_MAX - 1) / 4 * 4);
    UT_EQ_MEM(buf, "\\x0a\\x0a", 8);
    free(s);
}

/* What the tools print goes through cli_write; a FILE that is no console
 * (a file here, as stdout redirected) gets the bytes exactly as they are:
 * text that is not UTF-8 and NUL bytes too, and cli_fprintf's text whole
 * however long (no line buffer cuts it). */
UT_CASE(write_bytes_as_they_are)
{
    static const char odd[] = "a\xff\xc3\0b\r\n\xe2\x82\xac";
    const char *name = "ut_cli_write.tmp";
    size_t big = 3 * CLI_LINE_MAX, want = sizeof odd - 1 + big + 4, got;
    char *s = malloc(big + 1), *back = malloc(want + 1);
    FILE *f = fopen(name, "w+b");
    UT_CHECK(s != NULL && back != NULL && f != NULL);
    if (s == NULL || back == NULL || f == NULL) {
        free(s);
        free(back);
        if (f)
            fclose(f);
        return;
    }
    memset(s, 'y', big);
    s[big] = '\0';
    cli_write(f, odd, sizeof odd - 1);
    UT_EQ_INT(cli_fprintf(f, "<%s>", s), (int)big + 2);
    cli_fputs("\xc3\xa9", f);
    rewind(f);
    got = fread(back, 1, want + 1, f);
    fclose(f);
    remove(name);
    UT_EQ_INT(got, want);
    UT_EQ_MEM(back, odd, sizeof odd - 1);
    UT_CHECK(back[sizeof odd - 1] == '<' && back[want - 3] == '>');
    UT_EQ_MEM(back + sizeof odd, s, big);
    UT_EQ_MEM(back + want - 2, "\xc3\xa9", 2);
    free(s);
    free(back);
}
