/* main.c: virtd's entry point: options, logging, then the manager's event loop. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "manager.h"
#include "virtd-bus.h"

#ifndef VIRTD_VERSION
#define VIRTD_VERSION "0"
#endif
#ifndef VIRTD_CONFIG_DIR
#define VIRTD_CONFIG_DIR "/etc/virtd"
#endif
#ifndef VIRTD_STATE_DIR
#define VIRTD_STATE_DIR "/run/virtd"
#endif

static void help(void) {
        printf("virtd [OPTIONS...]\n\n"
               "The virtd system daemon: namespaces, cgroups and VLANs on the system bus as %s.\n\n"
               "  -h --help              Show this help\n"
               "     --version           Show package version\n"
               "     --config-dir=DIR    Read configuration from DIR (default: %s)\n"
               "     --state-dir=DIR     Keep runtime state in DIR (default: %s)\n"
               "     --netns-dir=DIR     Bind named network namespaces in DIR (default: /run/netns)\n"
               "     --host-mount-namespace=FILE\n"
               "                         Make those bind mounts in the mount namespace FILE (default:\n"
               "                         /proc/1/ns/mnt, the host's, when the unit gives virtd its own)\n"
               "     --cgroup-base=PATH  Manage cgroups under PATH in every hierarchy (default: /virtd,\n"
               "                         or the service's delegated cgroup on a systemd cgroup v2 host)\n"
               "     --log-level=LEVEL   Log up to LEVEL: err, warning, notice, info, debug (default: info)\n",
               VIRTD_BUS_NAME, VIRTD_CONFIG_DIR, VIRTD_STATE_DIR);
}

static int parse_log_level(const char *s) {
        static const struct {
                const char *name;
                int level;
        } table[] = {
                { "emerg", LOG_EMERG }, { "alert", LOG_ALERT }, { "crit", LOG_CRIT }, { "err", LOG_ERR },
                { "warning", LOG_WARNING }, { "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(s, table[i].name))
                        return table[i].level;
        return -EINVAL;
}

typedef struct Arguments {
        const char *config_dir;
        const char *state_dir;
        const char *host_root;
        const char *netns_dir;
        const char *cgroup_base;
        const char *host_mount_ns;
} Arguments;

/* Returns 1 to go on, 0 to exit successfully, negative on bad usage. */
static int parse_argv(int argc, char *argv[], Arguments *args) {
        enum { ARG_VERSION = 0x100, ARG_CONFIG_DIR, ARG_STATE_DIR, ARG_LOG_LEVEL, ARG_HOST_ROOT, ARG_NETNS_DIR, ARG_HOST_MOUNT_NS,
               ARG_CGROUP_BASE };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "config-dir", required_argument, NULL, ARG_CONFIG_DIR },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "netns-dir", required_argument, NULL, ARG_NETNS_DIR },
                { "host-mount-namespace", required_argument, NULL, ARG_HOST_MOUNT_NS },
                { "cgroup-base", required_argument, NULL, ARG_CGROUP_BASE },
                /* Undocumented: lets tests point the host report at a fake /proc and /sys. */
                { "host-root", required_argument, NULL, ARG_HOST_ROOT },
                {}
        };
        int c, level;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("virtd %s\n", VIRTD_VERSION);
                        return 0;
                case ARG_CONFIG_DIR:
                        args->config_dir = optarg;
                        break;
                case ARG_STATE_DIR:
                        args->state_dir = optarg;
                        break;
                case ARG_NETNS_DIR:
                        args->netns_dir = optarg;
                        break;
                case ARG_HOST_MOUNT_NS:
                        args->host_mount_ns = optarg;
                        break;
                case ARG_CGROUP_BASE:
                        args->cgroup_base = optarg;
                        break;
                case ARG_HOST_ROOT:
                        args->host_root = optarg;
                        break;
                case ARG_LOG_LEVEL:
                        level = parse_log_level(optarg);
                        if (level < 0)
                                return log_error_errno(level, "Unknown log level '%s'.", optarg);
                        log_set_max_level(level);
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc)
                return log_error_errno(EINVAL, "%s takes no arguments.", program_invocation_short_name);
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        Arguments args = { VIRTD_CONFIG_DIR, VIRTD_STATE_DIR, "", "/run/netns", "", "/proc/1/ns/mnt" };
        int r;

        log_set_prefix(!isatty(STDERR_FILENO));
        r = parse_argv(argc, argv, &args);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        r = virtd_bus_error_map_register();
        if (r < 0)
                return log_error_errno(r, "Failed to register error map: %m"), EXIT_FAILURE;

        ManagerOptions options = { .config_dir = args.config_dir, .state_dir = args.state_dir, .host_root = args.host_root,
                                  .netns_dir = args.netns_dir, .cgroup_base = args.cgroup_base,
                                  .host_mount_ns = args.host_mount_ns };
        r = manager_new(&options, &m);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_start(m);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_run(m);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
