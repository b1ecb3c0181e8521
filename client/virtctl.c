/* virtctl.c: virtd's command-line client: options, noun/verb dispatch, help. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-verbs.h"
#include "group-verbs.h"
#include "i18n.h"
#include "macro.h"
#include "rules-verbs.h"
#include "verbs.h"
#include "virtd-bus.h"

#ifndef VIRTD_VERSION
#define VIRTD_VERSION "0"
#endif

static const Verb top_verbs_host[] = {
        { "host", 0, 0, verb_host, "", N_("Check whether this host can virtualize (like virt-host-validate)") },
        {}
};
static const Verb top_verbs_status[] = {
        { "status", 0, 0, verb_status, "", N_("Show the daemon's version, features and host summary") },
        {}
};
static const Verb top_verbs_reload[] = {
        { "reload", 0, 0, verb_reload, "", N_("Make virtd re-read its configuration") },
        {}
};

static const Verb top_verbs_apply[] = {
        { "apply", 0, 0, verb_apply, N_("[--dry-run]"),
          N_("Make the kernel match the saved configuration, all or nothing; --dry-run only lists the steps") },
        {}
};
static const Verb top_verbs_diff[] = {
        { "diff", 0, 0, verb_diff, "", N_("List the differences between the saved configuration and the kernel") },
        {}
};
static const Verb top_verbs_save[] = {
        { "save", 0, 0, verb_save, "", N_("Save the live managed state into the configuration files") },
        {}
};

static const Verb top_verbs_import[] = {
        { "import", 0, 0, verb_import, N_("[--cgconfig FILE] [--cgrules FILE]"),
          N_("Take libcgroup's cgconfig.conf and cgrules.conf (default: in /etc) into virtd's configuration") },
        {}
};

static const Verb namespace_verbs[] = {
        { "list", 0, 0, verb_namespace_list, "", N_("List named namespaces") },
        { "show", 1, 1, verb_namespace_show, N_("NAME"), N_("Show a namespace's kinds, hostname, processes and links") },
        { "add", 1, 9, verb_namespace_add, N_("NAME [kinds KIND,...|all] [hostname NAME] [uidmap IN:OUT:COUNT,...] [gidmap IN:OUT:COUNT,...]"),
          N_("Create a named namespace (default kind: net)") },
        { "delete", 1, 2, verb_namespace_delete, N_("NAME [force]"), N_("Delete a namespace; force even while processes are inside") },
        { "exec", 2, VERB_ANY, verb_namespace_exec, N_("NAME [--group GROUP] [--sticky] -- COMMAND [ARG...]"),
          N_("Run a command inside all kinds of a namespace, and in a group when given") },
        {}
};
static const Verb link_verbs[] = {
        { "list", 0, 1, verb_link_list, N_("[NAMESPACE]"), N_("List the links in managed namespaces") },
        { "add", 4, VERB_ANY, verb_link_add,
          N_("NAME [netns NS] [address MAC] [mtu N] type veth peer [name] PEER [netns NS] [address MAC]"),
          N_("Create a veth pair, each end in a namespace or the host") },
        { "set", 2, VERB_ANY, verb_link_set, N_("NAME [in NS] [up|down] [mtu N] [address MAC] [name NEW] [netns NS|host]"),
          N_("Change a link; all changes or none") },
        { "delete", 1, 3, verb_link_delete, N_("NAME [in NS]"), N_("Delete a link") },
        {}
};
static const Verb address_verbs[] = {
        { "add", 3, VERB_ANY, verb_address_add, N_("ADDRESS/PREFIX... dev NAME [in NS]"), N_("Add IPv4/IPv6 addresses to a link") },
        { "delete", 3, VERB_ANY, verb_address_delete, N_("ADDRESS/PREFIX... dev NAME [in NS]"),
          N_("Remove addresses from a link") },
        {}
};
static const Verb group_verbs[] = {
        { "create", 1, 1, verb_group_create,
          N_("CONTROLLERS:PATH [-p NAME=VALUE]... [--task-owner=U:G] [--admin-owner=U:G] [--tperm=M] [--dperm=M] [--fperm=M]"),
          N_("Create a group with initial parameters and ownership (like cgcreate)") },
        { "delete", 1, VERB_ANY, verb_group_delete, N_("GROUP... [-r] [--migrate]"),
          N_("Delete groups; -r with subgroups, --migrate moves processes to the parent (like cgdelete)") },
        { "set", 2, VERB_ANY, verb_group_set, N_("GROUP NAME=VALUE..."),
          N_("Set parameters, all or none (like cgset)") },
        { "get", 1, VERB_ANY, verb_group_get, N_("GROUP [NAME...]"),
          N_("Show parameters, all when none are named (like cgget)") },
        { "list", 0, 0, verb_group_list, "", N_("List the managed groups (like lscgroup)") },
        { "controllers", 0, 0, verb_group_controllers, "",
          N_("List controllers with versions, hierarchies and mount points (like lssubsys -am)") },
        { "classify", 2, VERB_ANY, verb_group_classify, N_("GROUP PID... [--sticky]"),
          N_("Move processes into a group (like cgclassify)") },
        { "exec", 2, VERB_ANY, verb_group_exec, N_("GROUP [--sticky] -- COMMAND [ARGUMENT...]"),
          N_("Run a command in a group (like cgexec)") },
        { "snapshot", 0, VERB_ANY, verb_group_snapshot, N_("[CONTROLLER...]"),
          N_("Print the managed groups as cgconfig.conf (like cgsnapshot)") },
        { "tree", 0, 1, verb_group_tree, N_("[PATH]"),
          N_("Show the groups with their processes (like systemd-cgls)") },
        { "top", 0, 0, verb_group_top, N_("[-b] [-n N] [-d SECONDS] [--order=cpu|memory|tasks|path]"),
          N_("Show CPU, memory and tasks per group (like systemd-cgtop)") },
        {}
};

static const Verb vlan_verbs[] = {
        { "add", 3, VERB_ANY, verb_vlan_add,
          N_("PARENT id N [name NAME] [protocol P] [flags F,...] [ingress-qos-map M] [egress-qos-map M] [mtu N] [in NS]"),
          N_("Create a VLAN link on PARENT (default name PARENT.N, reorder_hdr on)") },
        { "set", 3, VERB_ANY, verb_vlan_set,
          N_("NAME [in NS] [flags F,...] [ingress-qos-map M] [egress-qos-map M] [mtu N]"),
          N_("Change a VLAN link's flags, priority maps or MTU") },
        { "delete", 1, 3, verb_vlan_delete, N_("NAME [in NS]"), N_("Delete a VLAN link") },
        { "brief", 0, 2, verb_vlan_brief, N_("[in NS]"), N_("Show bridge VLANs and their ports, like 'show vlan brief'") },
        {}
};
static const Verb bridge_verbs[] = {
        { "add", 1, 5, verb_bridge_add, N_("NAME [vlan-filtering on|off] [in NS]"), N_("Create a bridge") },
        {}
};
static const Verb port_verbs[] = {
        { "set", 5, VERB_ANY, verb_port_set,
          N_("PORT bridge BR mode access vlan N | mode trunk allowed LIST [native N] [in NS]"),
          N_("Make a link an access or trunk port of a VLAN-filtering bridge") },
        { "show", 1, 3, verb_port_show, N_("PORT [in NS]"), N_("Show a bridge port's mode, access, native and allowed VLANs") },
        {}
};

static const Verb rules_verbs[] = {
        { "list", 0, 0, verb_rules_list, "", N_("List the cgrules with their match counters") },
        { "add", 1, 2, verb_rules_add, N_("'LINE' [POSITION] [--runtime]"),
          N_("Add a cgrules.conf line (USER[:PROCESS] CONTROLLERS DESTINATION [OPTIONS]) at the end or before rule POSITION") },
        { "remove", 1, 1, verb_rules_remove, N_("INDEX [--runtime]"), N_("Remove a rule with its continuation lines") },
        { "move", 2, 2, verb_rules_move, N_("FROM TO [--runtime]"), N_("Move a rule so that it becomes rule TO") },
        { "reload", 0, 0, verb_rules_reload, "", N_("Re-read cgrules.conf and classify all processes again") },
        { "test", 1, 2, verb_rules_test, N_("USER [PROCESS]"), N_("Show where a process would go, without moving anything") },
        {}
};

const Noun virtctl_nouns[] = {
        { "host", NULL, top_verbs_host },
        { "status", NULL, top_verbs_status },
        { "reload", NULL, top_verbs_reload },
        { "apply", NULL, top_verbs_apply },
        { "diff", NULL, top_verbs_diff },
        { "save", NULL, top_verbs_save },
        { "import", NULL, top_verbs_import },
        { "namespace", "netns", namespace_verbs },
        { "link", NULL, link_verbs },
        { "address", NULL, address_verbs },
        { "group", "cgroup", group_verbs },
        { "vlan", NULL, vlan_verbs },
        { "bridge", NULL, bridge_verbs },
        { "port", NULL, port_verbs },
        { "rules", NULL, rules_verbs },
        {}
};

static bool noun_is_top_level(const Noun *n) {
        return streq(n->verbs[0].name, n->name) && !n->verbs[1].name;
}

/* "noun verb SYNOPSIS", or "verb SYNOPSIS" for a top-level command. */
static char *verb_usage(const Noun *n, const Verb *v) {
        char *s;

        if (asprintf(&s, "%s%s%s%s%s", noun_is_top_level(n) ? "" : n->name, noun_is_top_level(n) ? "" : " ", v->name,
                     *v->synopsis ? " " : "", *v->synopsis ? _(v->synopsis) : "") < 0)
                return NULL;
        return s;
}

static void print_verb(const Noun *n, const Verb *v) {
        _cleanup_free_ char *usage = verb_usage(n, v);

        if (!usage)
                return;
        /* A long synopsis gets its own line, with the description below it. */
        if (strlen(usage) > 36)
                printf("  %s\n  %-36s %s\n", usage, "", _(v->description));
        else
                printf("  %-36s %s\n", usage, _(v->description));
}

static void help(const Noun *only_noun, const Verb *only_verb) {
        if (only_noun && only_verb) {
                _cleanup_free_ char *usage = verb_usage(only_noun, only_verb);
                printf(_("Usage: virtctl [OPTIONS...] %s\n\n%s\n"), strempty(usage), _(only_verb->description));
                return;
        }
        printf(_("virtctl [OPTIONS...] COMMAND ...\n\n"
                 "Control virtd: namespaces, cgroups and VLANs on this host.\n\n"
                 "Commands:\n"));
        for (const Noun *n = virtctl_nouns; n->name; n++) {
                if (only_noun && n != only_noun)
                        continue;
                for (const Verb *v = n->verbs; v->name; v++)
                        print_verb(n, v);
        }
        printf(_("\nOptions:\n"
                 "  -h --help              Show this help\n"
                 "     --version           Show package version\n"
                 "     --json              Print machine-readable JSON\n"
                 "     --no-legend         Do not print column headers and hints\n"
                 "     --no-ask-password   Do not ask for a password when authorization needs one\n"
                 "     --runtime           Change the live state only, do not save it in the configuration files\n"));
        printf(_("\nGroup options (see the commands above):\n"
                 "  -p --param=NAME=VALUE   A parameter for group create (repeatable)\n"
                 "  -r --recursive          group delete: with subgroups\n"
                 "     --migrate           group delete: move processes to the parent\n"
                 "     --sticky            group exec, classify, namespace exec: keep rules from moving the process\n"
                 "     --group=GROUP       namespace exec: also run in this group\n"
                 "     --task-owner=U:G, --admin-owner=U:G, --tperm=M, --dperm=M, --fperm=M\n"
                 "                         group create: ownership and modes, as in cgconfig.conf's perm{}\n"
                 "  -b --batch, -n --iterations=N, -d --delay=SECONDS, --order=cpu|memory|tasks|path\n"
                 "                         group top: batch mode, like systemd-cgtop\n"));
}

typedef struct Arguments {
        bool help;
        Context ctx;
} Arguments;

static int parse_argv(int argc, char *argv[], Arguments *a) {
        enum { ARG_VERSION = 0x100, ARG_JSON, ARG_NO_LEGEND, ARG_NO_ASK_PASSWORD };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", no_argument, NULL, ARG_JSON },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "no-ask-password", no_argument, NULL, ARG_NO_ASK_PASSWORD },
                GROUP_LONG_OPTIONS,
                CONFIG_LONG_OPTIONS,
                RULES_LONG_OPTIONS,
                {}
        };
        int c, r;

        while ((c = getopt_long(argc, argv, "h" GROUP_SHORT_OPTIONS, options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        a->help = true;
                        break;
                case ARG_VERSION:
                        printf("virtctl %s\n", VIRTD_VERSION);
                        return 0;
                case ARG_JSON:
                        a->ctx.json = true;
                        break;
                case ARG_NO_LEGEND:
                        a->ctx.legend = false;
                        break;
                case ARG_NO_ASK_PASSWORD:
                        a->ctx.ask_password = false;
                        break;
                case ARG_RULES_RUNTIME:
                        a->ctx.runtime = true;
                        break;
                default:
                        r = group_parse_option(c, optarg);
                        if (r == 0)
                                r = config_parse_option(c, optarg);
                        if (r <= 0)
                                return -EINVAL;
                }
        return 1;
}

static const Noun *find_noun(const char *name) {
        for (const Noun *n = virtctl_nouns; n->name; n++)
                if (streq(n->name, name) || streq_ptr(n->alias, name))
                        return n;
        return NULL;
}

static const Verb *find_verb(const Noun *n, const char *name) {
        for (const Verb *v = n->verbs; v->name; v++)
                if (streq(v->name, name))
                        return v;
        return NULL;
}

static int dispatch(int argc, char *argv[], Arguments *a) {
        const Noun *noun;
        const Verb *verb;

        if (argc < 1) {
                if (a->help) {
                        help(NULL, NULL);
                        return 0;
                }
                fprintf(stderr, _("virtctl: no command given; see 'virtctl --help'.\n"));
                return -EINVAL;
        }
        noun = find_noun(argv[0]);
        if (!noun) {
                fprintf(stderr, _("virtctl: unknown command '%s'; see 'virtctl --help'.\n"), argv[0]);
                return -EINVAL;
        }
        if (noun_is_top_level(noun)) {
                verb = &noun->verbs[0];
                argc -= 1, argv += 1;
        } else {
                if (argc < 2) {
                        if (a->help) {
                                help(noun, NULL);
                                return 0;
                        }
                        fprintf(stderr, _("virtctl: '%s' needs a verb; see 'virtctl %s --help'.\n"), noun->name, noun->name);
                        return -EINVAL;
                }
                verb = find_verb(noun, argv[1]);
                if (!verb) {
                        fprintf(stderr, _("virtctl: unknown verb '%s %s'; see 'virtctl %s --help'.\n"), noun->name, argv[1],
                                noun->name);
                        return -EINVAL;
                }
                argc -= 2, argv += 2;
        }
        if (a->help) {
                help(noun, verb);
                return 0;
        }
        if ((unsigned) argc < verb->min_args || (verb->max_args != VERB_ANY && (unsigned) argc > verb->max_args)) {
                _cleanup_free_ char *usage = verb_usage(noun, verb);
                fprintf(stderr, _("virtctl: wrong number of arguments. Usage: virtctl %s\n"), strempty(usage));
                return -EINVAL;
        }
        return verb->fn(argc, argv, &a->ctx);
}

int main(int argc, char *argv[]) {
        Arguments a = { .ctx = { .legend = true, .ask_password = true } };
        int r;

        i18n_init();
        (void) virtd_bus_error_map_register();

        r = parse_argv(argc, argv, &a);
        if (r > 0)
                r = dispatch(argc - optind, argv + optind, &a);
        sd_bus_flush_close_unref(a.ctx.bus);
        return r < 0 ? EXIT_FAILURE : r > 0 ? r : EXIT_SUCCESS;
}
