/* winsvc.h: hvlisten as a Windows service (--install-service,
 * --remove-service, --service): the tool's side of lib/service_*.c, its
 * messages and errors. Off Windows each answers a usage error that
 * says so. */
#ifndef HV_WINSVC_H
#define HV_WINSVC_H

/* main's dispatch: with argv[1] --service and argv[2] NAME, run
 * fn(argc - 2, argv without those two) as the service NAME under the
 * service control manager, and return the exit code it reported; else
 * fn(argc, argv). */
int winsvc_dispatch(int argc, char **argv, int (*fn)(int, char **));
/* The service's name while running as one, else NULL. */
const char *winsvc_name(void);
/* Report RUNNING: the service listens (nothing outside a service). */
void winsvc_ready(void);
/* The exit code the service reports for code (0 for the 130 of a stop
 * the manager asked for), for its log; code outside a service. */
int winsvc_exit(int code);
/* --install-service NAME: create the service that runs this program with
 * the command line argc/argv (as main got it, before getopt_long reordered
 * it) less the --install-service option, whose argument getopt gave as
 * arg. 0, or the HV_E* code after saying why not. */
int winsvc_install(const char *usage, const char *arg, int argc,
                   char **argv);
/* --remove-service NAME: stop the service if it runs, then delete it. 0,
 * or the HV_E* code after saying why not. */
int winsvc_remove(const char *usage, const char *name);
/* --service seen by getopt: not where the manager puts it (first); the
 * usage error said, HV_EUSAGE. */
int winsvc_misplaced(const char *usage);

#endif
