/* winsvc.c: hvlisten as a Windows service, the tool's side: which words of
 * the command line the service keeps, what is said on success and on
 * failure (one line, exit code from the error table: 77 not elevated, 65
 * a name taken or invalid, 68 no such service, 64 where there are no
 * Windows services), and the dispatch of --service to the service control
 * manager. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "winsvc.h"

static const char *svc_name;
static int (*svc_fn)(int, char **);
static int svc_argc;
static char **svc_argv;

static int service_body(void *ctx)
{
    (void)ctx;
    return svc_fn(svc_argc, svc_argv);
}

/* A failure of the service control manager: one line, its HV_E* code.
 * Where there is none (HV_ENOTSUP) it is a usage error naming why. */
static int failed(const char *usage, const char *opt, const char *name,
                  int r, const char *why)
{
    char buf[256];
    if (r == HV_ENOTSUP)
        return cli_usage_error(usage, "%s: %s", opt, why);
    cli_warnx("%s %s: %s", opt, name,
              why[0] ? why : hv_errtext(r, buf, sizeof buf));
    return r;
}

int winsvc_dispatch(int argc, char **argv, int (*fn)(int, char **))
{
    char why[256];
    int code, r;

    if (argc < 3 || strcmp(argv[1], "--service") != 0)
        return fn(argc, argv);
    svc_name = argv[2];
    svc_fn = fn;
    /* the tool sees its own name and the options after --service NAME */
    argv[2] = argv[0];
    svc_argc = argc - 2;
    svc_argv = argv + 2;
    r = hv_service_run(svc_name, service_body, NULL, &code, why, sizeof why);
    if (r < 0) {
        const char *name = svc_name;
        svc_name = NULL;
        return hv_exitcode(failed("", "--service", name, r, why));
    }
    return code;
}

const char *winsvc_name(void)
{
    return svc_name;
}

int winsvc_exit(int code)
{
    return svc_name ? hv_service_code(code) : code;
}

void winsvc_ready(void)
{
    if (svc_name)
        hv_service_running();
}

/* Whether word i of argv carries the --install-service option whose
 * argument getopt_long gave as arg: 1 for --install-service=NAME (or an
 * abbreviation), 2 for the option and NAME as two words. The pointer
 * tells them apart from the same text used as another option's value. */
static int install_words(char **argv, int argc, int i, const char *arg)
{
    size_t len = strlen(argv[i]);
    if (i + 1 < argc && argv[i + 1] == arg && strncmp(argv[i], "--", 2) == 0)
        return 2;
    if (arg > argv[i] && arg <= argv[i] + len && arg[-1] == '=')
        return 1;
    return 0;
}

int winsvc_install(const char *usage, const char *arg, int argc, char **argv)
{
    char why[256], **keep;
    int i, n = 0, w, r;

    /* argv[0] is this program: the service gets its absolute path */
    if ((keep = calloc((size_t)argc + 1, sizeof *keep)) == NULL)
        return failed(usage, "--install-service", arg, HV_ENOMEM, "");
    for (i = 1; i < argc; i++) {
        if ((w = install_words(argv, argc, i, arg)) > 0) {
            i += w - 1;
            continue;
        }
        keep[n++] = argv[i];
    }
    r = hv_service_install(arg, n, keep, why, sizeof why);
    free(keep);
    if (r < 0)
        return failed(usage, "--install-service", arg, r, why);
    cli_fprintf(stdout, "Installed service %s: start it with 'sc start %s'\n",
                arg, arg);
    return cli_flush_stdout();
}

int winsvc_remove(const char *usage, const char *name)
{
    char why[256];
    int running, r = hv_service_remove(name, &running, why, sizeof why);

    if (r < 0)
        return failed(usage, "--remove-service", name, r, why);
    cli_fprintf(stdout, "Removed service %s%s\n", name,
                running ? " (it was running: stopped first)" : "");
    return cli_flush_stdout();
}

int winsvc_misplaced(const char *usage)
{
    char why[256];
    int code;

    /* off Windows the answer is that there are no services at all */
    if (hv_service_run("", NULL, NULL, &code, why, sizeof why) ==
        HV_ENOTSUP)
        return cli_usage_error(usage, "--service: %s", why);
    return cli_usage_error(usage, "--service NAME must be the first "
                                  "arguments: the service control manager "
                                  "starts hvlisten so (--install-service "
                                  "writes it)");
}
