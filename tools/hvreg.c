/* hvreg: register, list and remove Hyper-V socket services in the Windows
 * registry, and write the .reg/.ps1/.cmd scripts that do it on a host. One
 * function per subcommand, found through the table in the manner of
 * WireGuard's wg.c; the registry work itself is in the library. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: hvreg list [--json]\n"
    "       hvreg show [--json] GUID | NAME | --port P\n"
    "       hvreg add [--force] NAME [GUID | --port P]\n"
    "       hvreg remove [--force] GUID | NAME | --port P\n"
    "       hvreg export [--format reg|ps1|cmd] [-o FILE] add NAME [GUID | --port P]\n"
    "       hvreg export [--format reg|ps1|cmd] [-o FILE] remove GUID | --port P\n"
    "       hvreg -h | -V\n";

static const char help_tail[] =
    "\n"
    "  -f, --force          add GUID: take the name over (rename the GUID,\n"
    "                       remove other entries with the name); add/remove:\n"
    "                       touch the entries of Windows' own integration\n"
    "                       services; export: a script that does the same\n"
    "  -F, --format FMT     export: reg (default; UTF-16 .reg for reg import),\n"
    "                       ps1 (PowerShell) or cmd (batch file); inferred\n"
    "                       from the -o file's extension when not given\n"
    "  -j, --json           list/show: JSON with the fields guid, name, port,\n"
    "                       builtin (port and name may be null)\n"
    "  -o, --output FILE    export: write FILE instead of standard output\n"
    "  -p, --port P         the service of vsock port P\n"
    "                       (P-facb-11e6-bd58-64006a7986d3), 0 to 2147483647\n"
    "  -h, --help           print this help and exit\n"
    "  -V, --version        print the version and exit\n"
    "\n"
    "Services live under HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\\n"
    "Virtualization\\GuestCommunicationServices; changing them needs an\n"
    "elevated prompt (Administrator). Every subcommand but export needs\n"
    "Windows; export works on any system. export writes no .reg (UTF-16) to\n"
    "a terminal unless -o - asks for it.\n"
    "\n"
    "A name names one service (names compare ignoring case): add NAME prints\n"
    "the GUID of the entry that has NAME, if one does, and changes nothing;\n"
    "add NAME GUID is refused (exit 65) when NAME belongs to another GUID or\n"
    "GUID has another name, unless --force. Exported .ps1 and .cmd scripts\n"
    "check the same on the host; a .reg file cannot (it has no logic).\n"
    "\n" CLI_HELP_EXIT_STATUS;

struct opts {
    int json;
    int force;
    int has_port;
    uint32_t port;
    enum hv_script_format format;
    const char *output;
};

static int cmd_list(int argc, char **argv);
static int cmd_show(int argc, char **argv);
static int cmd_add(int argc, char **argv);
static int cmd_remove(int argc, char **argv);
static int cmd_export(int argc, char **argv);

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} subcommands[] = {
    {"list", cmd_list, "list every registered service: GUID, vsock port, name"},
    {"show", cmd_show, "show one entry (exit 69 when there is none)"},
    {"add", cmd_add, "register NAME and print its GUID (a NAME that exists keeps its own)"},
    {"remove", cmd_remove, "remove one entry"},
    {"export", cmd_export, "write a script that adds or removes an entry on a host"},
};

#define N_SUBCOMMANDS (sizeof subcommands / sizeof subcommands[0])

static int print_help(void)
{
    size_t i;
    cli_fputs(usage, stdout);
    cli_fputs("\nRegister Hyper-V socket services on a Windows host.\n\n",
              stdout);
    for (i = 0; i < N_SUBCOMMANDS; i++)
        cli_fprintf(stdout, "  %-8s %s\n", subcommands[i].name,
                    subcommands[i].help);
    cli_fputs(help_tail, stdout);
    return cli_flush_stdout();
}

static const struct option longopts[] = {
    {"force", no_argument, NULL, 'f'},
    {"format", required_argument, NULL, 'F'},
    {"json", no_argument, NULL, 'j'},
    {"output", required_argument, NULL, 'o'},
    {"port", required_argument, NULL, 'p'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Parse a subcommand's options (argv[0] is the subcommand). allowed lists
 * the option letters it takes. Returns 0 to go on, DONE when the tool ends
 * now with success (--help, --version), or an HV_E* code, said; *first is
 * the index of the first operand. */
#define DONE 1
static int parse_opts(int argc, char **argv, const char *allowed,
                      struct opts *o, int *first)
{
    int c, r;
    memset(o, 0, sizeof *o);
    optind = 0; /* start afresh after main's pass */
    while ((c = cli_getopt(argc, argv, "fF:jo:p:hV", longopts)) != -1) {
        if (c == 'h')
            return (r = print_help()) < 0 ? r : DONE;
        if (c == 'V')
            return (r = cli_version()) < 0 ? r : DONE;
        if (c == '?' || c == ':')
            return cli_usage_error(usage, NULL);
        if (!strchr(allowed, c)) {
            const char *lname = "?";
            size_t i;
            for (i = 0; longopts[i].name; i++)
                if (longopts[i].val == c)
                    lname = longopts[i].name;
            return cli_usage_error(
                usage, "%s: option --%s does not apply", argv[0], lname);
        }
        switch (c) {
        case 'f':
            o->force = 1;
            break;
        case 'F':
            o->format = hv_script_format_parse(optarg);
            if (o->format == 0)
                return cli_usage_error(
                    usage, "--format '%s': expected reg, ps1 or cmd", optarg);
            break;
        case 'j':
            o->json = 1;
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'p':
            if ((r = hv_parse_u32(optarg, 0, HV_VSOCK_PORT_MAX, &o->port)) < 0) {
                char buf[256];
                cli_warnx("port '%s': expected a vsock port from 0 to 2147483647",
                          cli_shown(optarg, buf, sizeof buf));
                return r;
            }
            o->has_port = 1;
            break;
        }
    }
    *first = optind;
    return 0;
}

/* ---------------------------------------------------------------- output */

static void json_entry(const struct hv_service *s)
{
    char gs[HV_GUID_BUFSIZE];
    hv_guid_format(&s->guid, gs);
    cli_fprintf(stdout, "{\"guid\": \"%s\", \"name\": ", gs);
    if (s->has_name)
        cli_put_json(s->name, 0);
    else
        cli_fputs("null", stdout);
    if (s->has_port)
        cli_fprintf(stdout, ", \"port\": %lu", (unsigned long)s->port);
    else
        cli_fputs(", \"port\": null", stdout);
    cli_fprintf(stdout, ", \"builtin\": %s}",
                hv_reg_is_builtin(&s->guid) ? "true" : "false");
}

/* ---------------------------------------------------------------- errors */

/* Report a library failure of a registry subcommand; returns err. */
static int reg_error(int err, const char *what, const char *operand)
{
    char buf[256];
    const char *op = operand ? cli_shown(operand, buf, sizeof buf) : NULL;
    char where[300];
    if (op)
        snprintf(where, sizeof where, "%s '%s'", what, op);
    else
        snprintf(where, sizeof where, "%s", what);
    switch (err) {
    case HV_ENOTSUP:
        cli_warnx("%s: the service registry is a Windows feature: this "
                  "subcommand needs Windows (hvreg export works anywhere)",
                  where);
        break;
    case HV_EACCES:
        cli_warnx("%s: permission denied: run it as Administrator (from an "
                  "elevated prompt)",
                  where);
        break;
    default:
        cli_warn(err, "%s", where);
        break;
    }
    return err;
}

/* ---------------------------------------------------------------- operands */

/* "WHAT 'TEXT': invalid GUID: expected ..."; returns HV_EBADGUID. */
static int bad_guid(const char *what, const char *text)
{
    char buf[256];
    cli_warnx("%s '%s': invalid GUID: expected "
              "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
              what, cli_shown(text, buf, sizeof buf));
    return HV_EBADGUID;
}

/* The refusal to touch one of Windows' own entries without --force;
 * returns HV_EPROTECTED. */
static int builtin_refused(const char *what, const struct hv_guid *g)
{
    const struct hv_builtin_service *b = hv_reg_builtin(g);
    char gs[HV_GUID_BUFSIZE];
    hv_guid_format(g, gs);
    cli_warnx("%s %s: refused: this is Windows' own %s; changing it "
              "breaks that integration service (use --force)",
              what, gs, b ? b->name : "service");
    return HV_EPROTECTED;
}

/* Resolve GUID | NAME | --port P to an entry's GUID. For a NAME the
 * registry is asked; returns 0 to go on, else an HV_E* code, said. */
static int resolve_target(const char *what, const struct opts *o, int argc,
                          char **argv, int first, struct hv_guid *g)
{
    int n = argc - first;
    if (o->has_port) {
        if (n > 0)
            return cli_usage_error(
                usage, "%s: give a GUID, a NAME or --port, not more than one",
                what);
        hv_guid_from_vsock_port(o->port, g);
        return 0;
    }
    if (n == 0)
        return cli_usage_error(
            usage, "%s: missing GUID, NAME or --port", what);
    if (n > 1)
        return cli_usage_error(
            usage, "%s: unexpected operand '%s'", what, argv[first + 1]);
    if (hv_guid_shaped(argv[first])) {
        if (hv_guid_parse(argv[first], g) < 0)
            return bad_guid(what, argv[first]);
        return 0;
    }
    {
        struct hv_service s;
        char hint[HV_ADDR_STRLEN];
        int r = hv_reg_find_by_name(argv[first], &s, hint, sizeof hint);
        if (r == HV_EAMBIGUOUS) {
            char buf[256], hb[CLI_LINE_MAX];
            cli_warnx("%s '%s': ambiguous name: several entries have it: %s "
                      "(give the GUID)",
                      what, cli_shown(argv[first], buf, sizeof buf),
                      cli_shown(hint, hb, sizeof hb));
            return r;
        }
        if (r < 0)
            return reg_error(r, what, argv[first]);
        *g = s.guid;
    }
    return 0;
}

/* ---------------------------------------------------------------- subcommands */

static int cmd_list(int argc, char **argv)
{
    struct opts o;
    struct hv_service *list;
    size_t n, i;
    int first, r;

    if ((r = parse_opts(argc, argv, "j", &o, &first)) != 0)
        return r == DONE ? 0 : r;
    if (first < argc)
        return cli_usage_error(
            usage, "list: unexpected operand '%s'", argv[first]);
    if ((r = hv_reg_list(&list, &n)) < 0)
        return reg_error(r, "list", NULL);
    if (o.json)
        cli_fputs(n ? "[\n" : "[", stdout);
    for (i = 0; i < n; i++) {
        if (o.json) {
            cli_fputs("  ", stdout);
            json_entry(&list[i]);
            cli_fputs(i + 1 < n ? ",\n" : "\n", stdout);
        } else {
            char gs[HV_GUID_BUFSIZE], port[16] = "-";
            hv_guid_format(&list[i].guid, gs);
            if (list[i].has_port)
                snprintf(port, sizeof port, "%lu", (unsigned long)list[i].port);
            cli_fprintf(stdout, "%s  %-10s  ", gs, port);
            cli_put_text(list[i].name);
            cli_fputs("\n", stdout);
        }
    }
    if (o.json)
        cli_fputs("]\n", stdout);
    hv_reg_list_free(list);
    return cli_flush_stdout();
}

static int cmd_show(int argc, char **argv)
{
    struct opts o;
    struct hv_service s;
    struct hv_guid g;
    char gs[HV_GUID_BUFSIZE];
    int first, r;

    if ((r = parse_opts(argc, argv, "jp", &o, &first)) != 0)
        return r == DONE ? 0 : r;
    if ((r = resolve_target("show", &o, argc, argv, first, &g)) < 0)
        return r;
    hv_guid_format(&g, gs);
    if ((r = hv_reg_get(&g, &s)) < 0)
        return reg_error(r, "show", first < argc ? argv[first] : gs);
    if (o.json) {
        json_entry(&s);
        cli_fputs("\n", stdout);
    } else {
        cli_fprintf(stdout, "guid: %s\nname: ", gs);
        cli_put_text(s.name);
        if (s.has_port)
            cli_fprintf(stdout, "\nport: %lu", (unsigned long)s.port);
        else
            cli_fputs("\nport: -", stdout);
        cli_fprintf(stdout, "\nbuiltin: %s\n",
                    hv_reg_is_builtin(&g) ? "yes" : "no");
    }
    return cli_flush_stdout();
}

/* NAME [GUID | --port P] for add and export add: 0 to go on, else an
 * HV_E* code, said. */
static int add_operands(const char *what, const struct opts *o, int argc,
                        char **argv, int first, const char **name,
                        struct hv_guid *g, int *random)
{
    int n = argc - first;
    char buf[256];
    *random = 0;
    if (n == 0)
        return cli_usage_error(usage, "%s: missing NAME", what);
    if (n > 2 || (n == 2 && o->has_port))
        return cli_usage_error(
            usage, "%s: unexpected operand '%s'", what,
            argv[first + (o->has_port ? 1 : 2)]);
    *name = argv[first];
    if (hv_service_name_check(*name) < 0) {
        cli_warnx("%s '%s': invalid name: expected 1 to %d bytes of UTF-8",
                  what, cli_shown(*name, buf, sizeof buf), HV_SERVICE_NAME_MAX);
        return HV_EINVAL;
    }
    if (n == 2) {
        if (hv_guid_parse(argv[first + 1], g) < 0)
            return bad_guid(what, argv[first + 1]);
    } else if (o->has_port) {
        hv_guid_from_vsock_port(o->port, g);
    } else {
        *random = 1;
    }
    return 0;
}

/* "G1, G2, ..." of n entries into buf. */
static void guid_list(const struct hv_service *s, size_t n, char *buf,
                      size_t len)
{
    size_t i, at = 0;
    buf[0] = '\0';
    for (i = 0; i < n && at + HV_GUID_BUFSIZE + 2 < len; i++) {
        char gs[HV_GUID_BUFSIZE];
        hv_guid_format(&s[i].guid, gs);
        at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", gs);
    }
}

/* Drop the entry of g from s[n]; returns the new count. */
static size_t drop_guid(struct hv_service *s, size_t n, const struct hv_guid *g)
{
    size_t i, k = 0;
    for (i = 0; i < n; i++)
        if (!hv_guid_equal(&s[i].guid, g))
            s[k++] = s[i];
    return k;
}

/* add NAME where entries have NAME: the one prints its GUID, several are
 * ambiguous; frees s. Returns 0 or an HV_E* code, said. */
static int add_found(const char *name, struct hv_service *s, size_t n)
{
    char gs[HV_GUID_BUFSIZE], gl[HV_ADDR_STRLEN], buf[256];
    if (n > 1) {
        guid_list(s, n, gl, sizeof gl);
        hv_reg_list_free(s);
        cli_warnx("add '%s': ambiguous name: several entries have it: %s (give "
                  "the GUID, or remove all but one)",
                  cli_shown(name, buf, sizeof buf), gl);
        return HV_EAMBIGUOUS;
    }
    hv_guid_format(&s[0].guid, gs);
    hv_reg_list_free(s);
    cli_fprintf(stdout, "%s\n", gs);
    return cli_flush_stdout();
}

/* Remove the n entries of s (add --force took their name); 0 or the first
 * error. */
static int remove_all(const struct hv_service *s, size_t n)
{
    size_t i;
    int r = 0, e;
    for (i = 0; i < n; i++)
        if ((e = hv_reg_remove(&s[i].guid, HV_REG_FORCE)) < 0 && e != HV_EABSENT &&
            r == 0)
            r = e;
    return r;
}

static int cmd_add(int argc, char **argv)
{
    struct opts o;
    struct hv_guid g;
    struct hv_service *others;
    size_t n_others;
    const char *name;
    char gs[HV_GUID_BUFSIZE], buf[256];
    int first, r, random;

    if ((r = parse_opts(argc, argv, "fp", &o, &first)) != 0)
        return r == DONE ? 0 : r;
    if ((r = add_operands("add", &o, argc, argv, first, &name, &g, &random)) < 0)
        return r;
    /* a name names one service: the entry that has it is the answer, or
     * (with a GUID) the others that have it are a conflict */
    if ((r = hv_reg_named(name, &others, &n_others)) < 0)
        return reg_error(r, "add", name);
    if (random && n_others > 0)
        return add_found(name, others, n_others);
    if (!random)
        n_others = drop_guid(others, n_others, &g);
    if (n_others > 0 && !o.force) {
        char gl[HV_ADDR_STRLEN];
        guid_list(others, n_others, gl, sizeof gl);
        cli_warnx("add '%s': the name is already registered for %s (use --force "
                  "to move it to this GUID)",
                  cli_shown(name, buf, sizeof buf), gl);
        hv_reg_list_free(others);
        return HV_EEXIST;
    }
    if (random && (r = hv_guid_random(&g)) < 0) {
        hv_reg_list_free(others);
        cli_warn(r, "add: random GUID");
        return r;
    }
    r = hv_reg_add(&g, name, o.force ? HV_REG_FORCE : 0);
    if (r >= 0) /* --force: the name leaves the others */
        r = remove_all(others, n_others);
    hv_reg_list_free(others);
    hv_guid_format(&g, gs);
    if (r == HV_EEXIST) {
        struct hv_service cur;
        char cb[256];
        if (hv_reg_get(&g, &cur) < 0)
            cur.name[0] = '\0';
        cli_warnx("add '%s': %s is already registered as '%s' (use --force to "
                  "rename it)",
                  cli_shown(name, buf, sizeof buf), gs, cli_shown(cur.name, cb, sizeof cb));
        return r;
    }
    if (r == HV_EPROTECTED)
        return builtin_refused("add", &g);
    if (r < 0)
        return reg_error(r, "add", name);
    cli_fprintf(stdout, "%s\n", gs);
    return cli_flush_stdout();
}

static int cmd_remove(int argc, char **argv)
{
    struct opts o;
    struct hv_guid g;
    char gs[HV_GUID_BUFSIZE];
    int first, r;

    if ((r = parse_opts(argc, argv, "fp", &o, &first)) != 0)
        return r == DONE ? 0 : r;
    if ((r = resolve_target("remove", &o, argc, argv, first, &g)) < 0)
        return r;
    hv_guid_format(&g, gs);
    r = hv_reg_remove(&g, o.force ? HV_REG_FORCE : 0);
    if (r == HV_EPROTECTED)
        return builtin_refused("remove", &g);
    if (r < 0)
        return reg_error(r, "remove", first < argc ? argv[first] : gs);
    return 0;
}

/* The format an output file's extension names, or 0. */
static enum hv_script_format format_of_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot == NULL || strpbrk(dot, "/\\"))
        return (enum hv_script_format)0;
    return hv_script_format_parse(dot + 1);
}

/* Write the script to -o FILE as a whole (a temporary file renamed over
 * it), or to stdout; 0 or an HV_E* code after saying why. */
static int write_script(const char *output, const char *script, size_t len)
{
    struct hv_file_new fn;
    int r, w;

    if (output == NULL || strcmp(output, "-") == 0) {
        cli_write(stdout, script, len);
        return cli_flush_stdout();
    }
    if ((r = hv_file_replace_begin(output, &fn)) < 0) {
        cli_warn(r, "export: cannot create '%s'", output);
        return r;
    }
    w = fwrite(script, 1, len, fn.f) == len;
    if ((r = hv_file_replace_end(&fn, w)) < 0 || !w) {
        cli_warn(r < 0 ? r : HV_EIO, "export: write %s", output);
        return r < 0 ? r : HV_EIO;
    }
    return 0;
}

static int cmd_export(int argc, char **argv)
{
    struct opts o;
    struct hv_guid g;
    const char *name = NULL, *action;
    char *script;
    size_t len;
    int first, r, random = 0;
    enum hv_script_op op;

    if ((r = parse_opts(argc, argv, "fFop", &o, &first)) != 0)
        return r == DONE ? 0 : r;
    if (first >= argc)
        return 
            cli_usage_error(usage, "export: missing 'add' or 'remove'");
    action = argv[first++];
    if (o.format == 0)
        o.format = o.output ? format_of_path(o.output) : (enum hv_script_format)0;
    if (o.format == 0)
        o.format = HV_SCRIPT_REG;
    if (strcmp(action, "add") == 0) {
        op = HV_SCRIPT_ADD;
        r = add_operands("export add", &o, argc, argv, first, &name, &g, &random);
        if (r < 0)
            return r;
    } else if (strcmp(action, "remove") == 0) {
        op = HV_SCRIPT_REMOVE;
        if (!o.has_port && first < argc && argc - first == 1 &&
            !hv_guid_shaped(argv[first]))
            return cli_usage_error(
                usage, "export remove: give a GUID or --port "
                       "(names are looked up on the host)");
        /* resolve_target only asks the registry for names, ruled out above */
        if ((r = resolve_target("export remove", &o, argc, argv, first, &g)) < 0)
            return r;
    } else {
        return cli_usage_error(
            usage, "export: unknown action '%s' (add or remove)", action);
    }
    /* the script does on the host what add or remove would do here */
    if (!random && !o.force && hv_reg_is_builtin(&g))
        return builtin_refused(op == HV_SCRIPT_ADD ? "export add" : "export remove",
                               &g);
    /* a .reg is UTF-16: on a terminal it is noise, as gzip's output is */
    if (o.output == NULL && o.format == HV_SCRIPT_REG &&
        hv_file_is_terminal(stdout)) {
        cli_warnx("export: not writing a UTF-16 .reg to a terminal: give -o FILE, "
                  "-o - or another --format");
        return HV_EUSAGE;
    }
    if (random && (r = hv_guid_random(&g)) < 0) {
        cli_warn(r, "export: random GUID");
        return r;
    }
    if (op == HV_SCRIPT_ADD && random)
        op = (enum hv_script_op)(op | HV_SCRIPT_BY_NAME);
    else if (op == HV_SCRIPT_ADD && o.force)
        op = (enum hv_script_op)(op | HV_SCRIPT_FORCE);
    if ((r = hv_script_alloc(o.format, op, &g, name, &script, &len)) < 0) {
        char why[128];
        hv_script_check(o.format, name, why, sizeof why);
        cli_warnx("export: %s", why);
        return r;
    }
    r = write_script(o.output, script, len);
    free(script);
    return r;
}

/* The tool: 0 or an HV_E* code, said. */
static int run(int argc, char **argv)
{
    size_t i;
    int c;

    /* options before the subcommand only; "+" stops at the first operand */
    while ((c = cli_getopt(argc, argv, "+hV", longopts)) != -1) {
        switch (c) {
        case 'h':
            return print_help();
        case 'V':
            return cli_version();
        default:
            return cli_usage_error(
                usage, c == '?' ? NULL : "options go after the subcommand");
        }
    }
    argc -= optind;
    argv += optind;
    if (argc == 0)
        return cli_usage_error(usage, "missing subcommand");
    for (i = 0; i < N_SUBCOMMANDS; i++)
        if (strcmp(argv[0], subcommands[i].name) == 0)
            return subcommands[i].fn(argc, argv);
    return cli_usage_error(usage, "unknown subcommand '%s'", argv[0]);
}

int main(int argc, char **argv)
{
    int r;

    cli_init("hvreg");
    if ((r = hv_console_init(&argc, &argv)) < 0) {
        cli_warn(r, "console set-up");
        return hv_exitcode(r);
    }
    return hv_exitcode(run(argc, argv));
}
