/* hvvmid: VM ids by keyword, by name (Windows host), of the running WSL2 VM
 * (Windows host) and of the VM it runs in (guest).
 *
 * Output contracts (scripts rely on them; the man page documents them):
 * - -k prints the same text on every platform: the CID column is the vsock
 *   equivalent of the keyword (a number, "any" for VMADDR_CID_ANY, "-" for
 *   none) and is shown on Windows too, where it says what a Linux peer
 *   would use. Aliases show as "alias of NAME".
 * - JSON field names, stable:
 *   -k: [{name, alias_of (null), guid, cid (number; 4294967295 = any;
 *        null = none), help}]
 *   -l: [{id, name, owner, type, state, system_id (HCS Id when it differs
 *        from id, else null), sources (["wmi"], ["hcs"] or both)}]
 *   -s: {id, name, host_name, physical_host_name, physical_host_name_fqdn,
 *        source ("kvp-pool", "registry", "environment"), location}
 *   Strings unknown to the source are null. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: hvvmid KEYWORD | GUID | NAME\n"
    "       hvvmid -k | --list-keywords [-j]\n"
    "       hvvmid -l | --list [-jv]\n"
    "       hvvmid -s | --self [-jv] [--kvp-file PATH]\n"
    "       hvvmid --wsl [-v]\n";

static const char help[] =
    "Print a Hyper-V socket VM id.\n"
    "\n"
    "  KEYWORD  a VM-id keyword (see -k): prints its GUID\n"
    "  NAME     a VM's display name, or wsl (Windows host): prints its id\n"
    "\n"
    "  -k, --list-keywords  list the keywords with their GUIDs and vsock CIDs\n"
    "  -l, --list           list the VMs and compute systems of this Windows\n"
    "                       host (WMI and HCS; needs elevation)\n"
    "  -s, --self           print the id of the VM this system runs in\n"
    "      --kvp-file PATH  with --self: read this KVP pool file only\n"
    "      --wsl            print the id of the running WSL2 VM (Windows host)\n"
    "  -j, --json           JSON output for -k, -l and -s\n"
    "  -v, --verbose        more detail: names, hosts and sources\n"
    "  -h, --help           print this help and exit\n"
    "  -V, --version        print the version and exit\n"
    "\n"
    "Names and values from the system are printed with control characters\n"
    "as \\xNN (JSON output escapes them its own way).\n"
    "\n" CLI_HELP_EXIT_STATUS;

enum { OPT_WSL = 256, OPT_KVP_FILE };

static const struct option longopts[] = {
    {"list-keywords", no_argument, NULL, 'k'},
    {"list", no_argument, NULL, 'l'},
    {"self", no_argument, NULL, 's'},
    {"wsl", no_argument, NULL, OPT_WSL},
    {"kvp-file", required_argument, NULL, OPT_KVP_FILE},
    {"json", no_argument, NULL, 'j'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

enum mode { MODE_NONE, MODE_KEYWORDS, MODE_LIST, MODE_SELF, MODE_WSL };

struct opts {
    enum mode mode;
    int modes; /* how many mode options were given */
    int json;
    int verbose;
    const char *kvp_file;
};

/* ---------------------------------------------------------------- output */

/* s as a JSON string; null when null_if_empty and s is "". */
static void jstr(const char *s, int null_if_empty)
{
    cli_put_json(s, null_if_empty);
}

/* A column of -l's table: s escaped (cli_shown), "-" when empty, cut to
 * fit buf. */
static const char *col(const char *s, char *buf, size_t n)
{
    if (*s == '\0')
        return "-";
    return cli_shown(s, buf, n);
}

/* "WHAT: <hv_strerror(r)>[: note]"; returns r. */
static int failed(const char *what, int r, const char *note)
{
    char buf[CLI_LINE_MAX];
    cli_warnx("%s: %s%s%s", what, hv_strerror(r), *note ? ": " : "",
              cli_shown(note, buf, sizeof buf));
    return r;
}

static int keywords(int json)
{
    const struct hv_keyword *k;
    char g[HV_GUID_BUFSIZE], cid[16];

    if (!json)
        cli_fprintf(stdout, "%-9s %-36s %-4s %s\n", "KEYWORD", "GUID", "CID",
                    "MEANING");
    else
        cli_fputs("[\n", stdout);
    for (k = hv_keywords; k->name; k++) {
        hv_guid_format(&k->guid, g);
        if (!json) {
            if (k->cid == HV_CID_NONE)
                strcpy(cid, "-");
            else if (k->cid == HV_CID_ANY)
                strcpy(cid, "any");
            else
                snprintf(cid, sizeof cid, "%lu", (unsigned long)k->cid);
            cli_fprintf(stdout, "%-9s %-36s %-4s %s\n", k->name, g, cid,
                        k->help);
            continue;
        }
        cli_fputs("  {\"name\": ", stdout);
        jstr(k->name, 0);
        cli_fputs(", \"alias_of\": ", stdout);
        jstr(k->alias_of, 1);
        cli_fprintf(stdout, ", \"guid\": \"%s\", \"cid\": ", g);
        if (k->cid == HV_CID_NONE)
            cli_fputs("null", stdout);
        else
            cli_fprintf(stdout, "%lu", (unsigned long)k->cid);
        cli_fputs(", \"help\": ", stdout);
        jstr(k->help, 0);
        cli_fputs(k[1].name ? "},\n" : "}\n", stdout);
    }
    if (json)
        cli_fputs("]\n", stdout);
    return 0;
}

static int list(const struct opts *o)
{
    struct hv_vms vms = HV_VMS_INIT;
    char note[600], g[HV_GUID_BUFSIZE];
    char shown[CLI_LINE_MAX];
    size_t i;
    int r;

    r = hv_vm_list(&vms, note, sizeof note);
    if (r == HV_EACCES) {
        cli_warnx("list VMs: permission denied (%s): run elevated, as an "
                  "Administrator or a member of Hyper-V Administrators",
                  cli_shown(note, shown, sizeof shown));
        return r;
    }
    if (r == HV_ENOTSUP) {
        cli_warnx("list VMs: no VM inventory is available: %s",
                  cli_shown(note, shown, sizeof shown));
        return r;
    }
    if (r < 0)
        return failed("list VMs", r, note);
    if (o->verbose && *note)
        cli_warnx("list VMs: partial: %s",
                  cli_shown(note, shown, sizeof shown));
    if (o->json)
        cli_fputs("[\n", stdout);
    else
        cli_fprintf(stdout, "%-36s  %-12s  %-14s  %-14s  %s\n", "ID", "STATE",
                    "OWNER", "TYPE", "NAME");
    for (i = 0; i < vms.n; i++) {
        const struct hv_vm *v = &vms.v[i];
        hv_guid_format(&v->id, g);
        if (!o->json) {
            char st[64], ow[64], ty[64];
            cli_fprintf(stdout, "%-36s  %-12s  %-14s  %-14s  ", g,
                        col(v->state, st, sizeof st),
                        col(v->owner, ow, sizeof ow),
                        col(v->type, ty, sizeof ty));
            cli_put_text(v->name);
            cli_fputs("\n", stdout);
            continue;
        }
        cli_fprintf(stdout, "  {\"id\": \"%s\", \"name\": ", g);
        jstr(v->name, 1);
        cli_fputs(", \"owner\": ", stdout);
        jstr(v->owner, 1);
        cli_fputs(", \"type\": ", stdout);
        jstr(v->type, 1);
        cli_fputs(", \"state\": ", stdout);
        jstr(v->state, 1);
        cli_fputs(", \"system_id\": ", stdout);
        jstr(v->system_id, 1);
        cli_fprintf(stdout, ", \"sources\": [%s%s%s]}%s\n",
                    v->sources & HV_VMSRC_WMI ? "\"wmi\"" : "",
                    (v->sources & HV_VMSRC_WMI) && (v->sources & HV_VMSRC_HCS)
                        ? ", "
                        : "",
                    v->sources & HV_VMSRC_HCS ? "\"hcs\"" : "",
                    i + 1 < vms.n ? "," : "");
    }
    if (o->json)
        cli_fputs("]\n", stdout);
    hv_vms_free(&vms);
    return 0;
}

/* "label: value" with value escaped (cli_shown): a KVP value is written by
 * the host, and must neither steer the terminal nor forge a line. */
static void line(const char *label, const char *value)
{
    if (*value) {
        cli_fprintf(stdout, "%s: ", label);
        cli_put_text(value);
        cli_fputs("\n", stdout);
    }
}

static int self(const struct opts *o)
{
    /* large (four 3 KiB values): not on the stack */
    static struct hv_vm_self s;
    static char note[8192]; /* names the file: room for a long path */
    char g[HV_GUID_BUFSIZE], shown[CLI_LINE_MAX];
    int r;

    r = hv_vm_self(&s, o->kvp_file, note, sizeof note);
    if (r == HV_ENOVM) {
        cli_warnx("own VM id not found: %s",
                  cli_shown(note, shown, sizeof shown));
        return r;
    }
    if (r < 0)
        return failed("own VM id", r, note);
    hv_guid_format(&s.id, g);
    if (o->json) {
        cli_fprintf(stdout, "{\"id\": \"%s\", \"name\": ", g);
        jstr(s.name, 1);
        cli_fputs(", \"host_name\": ", stdout);
        jstr(s.host, 1);
        cli_fputs(", \"physical_host_name\": ", stdout);
        jstr(s.physical_host, 1);
        cli_fputs(", \"physical_host_name_fqdn\": ", stdout);
        jstr(s.physical_host_fqdn, 1);
        cli_fputs(", \"source\": ", stdout);
        jstr(s.source, 0);
        cli_fputs(", \"location\": ", stdout);
        jstr(s.location, 0);
        cli_fputs("}\n", stdout);
        return 0;
    }
    cli_fprintf(stdout, "%s\n", g);
    if (o->verbose) {
        line("name", s.name);
        line("host", s.host);
        line("physical-host", s.physical_host);
        line("physical-host-fqdn", s.physical_host_fqdn);
        cli_fprintf(stdout, "source: %s ", s.source);
        cli_put_text(s.location);
        cli_fputs("\n", stdout);
    }
    return 0;
}

static int wsl(const struct opts *o)
{
    struct hv_guid id;
    char note[600], g[HV_GUID_BUFSIZE];
    int r = hv_vm_wsl(&id, note, sizeof note);
    if (r < 0)
        return failed("WSL2 VM", r, note);
    hv_guid_format(&id, g);
    cli_fprintf(stdout, "%s\n", g);
    if (o->verbose)
        line("source", note);
    return 0;
}

static int one(const char *what)
{
    const struct hv_keyword *k;
    struct hv_guid id;
    char hint[4096], g[HV_GUID_BUFSIZE]; /* matches with long names */
    char shown[256], hb[CLI_LINE_MAX];
    int r;

    cli_shown(what, shown, sizeof shown);
    if (*what == '\0') {
        cli_warnx("'': an empty operand is no keyword, GUID or name");
        return HV_EINVAL;
    }
    if (hv_guid_shaped(what)) {
        if (hv_guid_parse(what, &id) != 0) {
            cli_warnx("'%s': %s: expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
                      shown, hv_strerror(HV_EBADGUID));
            return HV_EBADGUID;
        }
    } else if ((k = hv_keyword_find(what)) != NULL) {
        id = k->guid;
    } else if ((r = hv_vm_by_name(what, &id, hint, sizeof hint)) < 0) {
        if (r == HV_ENOTSUP)
            cli_warnx("'%s': not a keyword or GUID, and no VM inventory is "
                      "available: %s",
                      shown, cli_shown(hint, hb, sizeof hb));
        else if (*hint)
            cli_warnx("'%s': %s: %s", shown, hv_strerror(r),
                      cli_shown(hint, hb, sizeof hb));
        else
            cli_warnx("'%s': %s", shown, hv_strerror(r));
        return r;
    }
    hv_guid_format(&id, g);
    cli_fprintf(stdout, "%s\n", g);
    return 0;
}

/* ---------------------------------------------------------------- main */

static void set_mode(struct opts *o, enum mode m)
{
    if (o->mode != m)
        o->modes++;
    o->mode = m;
}

/* The options into *o, and argc and argv left at the operands: 0; DONE
 * when the tool ends now with success (--help, --version); or an HV_E*
 * code, said. */
#define DONE 1
static int parse_opts(struct opts *o, int *argc, char ***argv)
{
    int c, r;

    memset(o, 0, sizeof *o);
    while ((c = cli_getopt(*argc, *argv, "hjklsvV", longopts)) != -1) {
        switch (c) {
        case 'k':
            set_mode(o, MODE_KEYWORDS);
            break;
        case 'l':
            set_mode(o, MODE_LIST);
            break;
        case 's':
            set_mode(o, MODE_SELF);
            break;
        case OPT_WSL:
            set_mode(o, MODE_WSL);
            break;
        case OPT_KVP_FILE:
            o->kvp_file = optarg;
            break;
        case 'j':
            o->json = 1;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case 'h':
            return (r = cli_help(usage, help)) < 0 ? r : DONE;
        case 'V':
            return (r = cli_version()) < 0 ? r : DONE;
        default:
            return cli_usage_error(usage, NULL);
        }
    }
    *argc -= optind;
    *argv += optind;
    return 0;
}

/* The options that go together, and the operands: 0 or HV_EUSAGE, said. */
static int check_opts(const struct opts *o, int argc, char **argv)
{
    if (o->modes > 1)
        return cli_usage_error(usage, "use only one of -k, -l, -s and --wsl");
    /* an option of a mode without its mode: say so before asking for one */
    if (o->kvp_file && o->mode != MODE_SELF)
        return cli_usage_error(usage, "--kvp-file goes with --self (-s)");
    if (o->mode != MODE_NONE && argc > 0)
        return cli_usage_error(usage, "unexpected operand '%s'", argv[0]);
    if (o->mode == MODE_NONE && argc == 0)
        return cli_usage_error(usage, "missing operand or mode option");
    if (argc > 1)
        return cli_usage_error(usage, "unexpected operand '%s'", argv[1]);
    if (o->json && o->mode != MODE_KEYWORDS && o->mode != MODE_LIST &&
        o->mode != MODE_SELF)
        return cli_usage_error(usage, "--json goes with -k, -l or -s");
    return 0;
}

/* The tool: 0 or an HV_E* code, said. */
static int run(int argc, char **argv)
{
    struct opts o;
    int r, f;

    if ((r = parse_opts(&o, &argc, &argv)) != 0)
        return r == DONE ? 0 : r;
    if ((r = check_opts(&o, argc, argv)) < 0)
        return r;
    switch (o.mode) {
    case MODE_KEYWORDS:
        r = keywords(o.json);
        break;
    case MODE_LIST:
        r = list(&o);
        break;
    case MODE_SELF:
        r = self(&o);
        break;
    case MODE_WSL:
        r = wsl(&o);
        break;
    default:
        r = one(argv[0]);
        break;
    }
    f = cli_flush_stdout();
    return r < 0 ? r : f;
}

int main(int argc, char **argv)
{
    int r;

    cli_init("hvvmid");
    if ((r = hv_console_init(&argc, &argv)) < 0) {
        cli_warn(r, "console set-up");
        return hv_exitcode(r);
    }
    return hv_exitcode(run(argc, argv));
}
