/* namespace.c: "virtctl namespace …" (alias "netns"): list, show, add, delete, exec. */
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "group-verbs.h"
#include "i18n.h"
#include "json.h"
#include "macro.h"
#include "strv.h"
#include "verbs.h"
#include "virtd-bus.h"

int verb_namespace_list(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        JsonWriter w = { .f = stdout };
        const char *name, *path;
        unsigned n = 0;
        int r;

        r = manager_new_call(ctx, "ListNamespaces", &call);
        if (r < 0 || (r = call_and_reply(ctx, call, _("cannot list namespaces"), &reply)) < 0)
                return r;
        if (ctx->json)
                json_begin_array(&w, NULL);
        else if (ctx->legend)
                printf("%-24s %-7s %s\n", _("NAME"), _("SAVED"), _("KINDS"));
        r = sd_bus_message_enter_container(reply, 'a', "(saso)");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "saso")) > 0) {
                _cleanup_strv_free_ char **kinds = NULL;
                _cleanup_free_ char *joined = NULL;
                bool unsaved;

                if ((r = sd_bus_message_read(reply, "s", &name)) < 0 || (r = sd_bus_message_read_strv(reply, &kinds)) < 0 ||
                    (r = sd_bus_message_read(reply, "o", &path)) < 0 || (r = sd_bus_message_exit_container(reply)) < 0)
                        break;
                n++;
                unsaved = object_unsaved(ctx, path, VIRTD_INTERFACE_NAMESPACE);
                if (ctx->json) {
                        json_begin_object(&w);
                        json_string(&w, "name", name);
                        json_strv(&w, "kinds", kinds);
                        json_string(&w, "path", path);
                        json_bool(&w, "unsaved", unsaved);
                        json_end_object(&w);
                        continue;
                }
                joined = strv_join(kinds, ",");
                printf("%-24s %-7s %s\n", name, unsaved ? _("no") : _("yes"), strempty(joined));
        }
        if (r < 0)
                return log_bus_error(_("malformed namespace list"), NULL, r);
        if (ctx->json) {
                json_end_array(&w);
                json_finish(&w);
        } else if (ctx->legend)
                printf(_("\n%u namespaces listed.\n"), n);
        return 0;
}

static int namespace_path(const char *name, char **ret) {
        return sd_bus_path_encode(VIRTD_OBJECT_NAMESPACE_PREFIX, name, ret);
}

typedef struct NamespaceShow {
        char *name, *hostname;
        char **kinds, **links;
        uint32_t *pids;
        size_t n_pids;
} NamespaceShow;

static void namespace_show_done(NamespaceShow *s) {
        free(s->name);
        free(s->hostname);
        strv_free(s->kinds);
        strv_free(s->links);
        free(s->pids);
}

static int read_pids(sd_bus *bus, const char *path, NamespaceShow *s, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const void *data;
        size_t size;
        int r;

        r = sd_bus_get_property(bus, VIRTD_BUS_NAME, path, VIRTD_INTERFACE_NAMESPACE, "Pids", error, &reply, "au");
        if (r >= 0)
                r = sd_bus_message_read_array(reply, 'u', &data, &size);
        if (r < 0)
                return r;
        s->pids = malloc(size ? size : 1);
        if (!s->pids)
                return -ENOMEM;
        memcpy(s->pids, data, size);
        s->n_pids = size / sizeof(uint32_t);
        return 0;
}

static int read_namespace(sd_bus *bus, const char *path, NamespaceShow *s, sd_bus_error *error) {
        int r;

        r = sd_bus_get_property_string(bus, VIRTD_BUS_NAME, path, VIRTD_INTERFACE_NAMESPACE, "Name", error, &s->name);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, VIRTD_BUS_NAME, path, VIRTD_INTERFACE_NAMESPACE, "Hostname", error,
                                               &s->hostname);
        if (r >= 0)
                r = sd_bus_get_property_strv(bus, VIRTD_BUS_NAME, path, VIRTD_INTERFACE_NAMESPACE, "Kinds", error, &s->kinds);
        if (r >= 0)
                r = sd_bus_get_property_strv(bus, VIRTD_BUS_NAME, path, VIRTD_INTERFACE_NAMESPACE, "Links", error, &s->links);
        if (r >= 0)
                r = read_pids(bus, path, s, error);
        return r;
}

static void print_namespace(const NamespaceShow *s, bool json) {
        _cleanup_free_ char *kinds = strv_join(s->kinds, ",");

        if (json) {
                JsonWriter w = { .f = stdout };
                json_begin_object(&w);
                json_string(&w, "name", s->name);
                json_strv(&w, "kinds", s->kinds);
                json_string(&w, "hostname", s->hostname);
                json_begin_array(&w, "pids");
                for (size_t i = 0; i < s->n_pids; i++)
                        json_uint(&w, NULL, s->pids[i]);
                json_end_array(&w);
                json_strv(&w, "links", s->links);
                json_end_object(&w);
                json_finish(&w);
                return;
        }
        printf("%10s: %s\n", _("Name"), s->name);
        printf("%10s: %s\n", _("Kinds"), strempty(kinds));
        if (*s->hostname)
                printf("%10s: %s\n", _("Hostname"), s->hostname);
        printf("%10s:", _("Processes"));
        for (size_t i = 0; i < s->n_pids; i++)
                printf(" %u", s->pids[i]);
        printf("\n%10s: %zu\n", _("Links"), strv_length(s->links));
}

int verb_namespace_show(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(namespace_show_done) NamespaceShow s = {};
        _cleanup_free_ char *path = NULL;
        sd_bus *bus;
        int r;

        r = context_bus(ctx, &bus);
        if (r < 0)
                return r;
        r = namespace_path(argv[0], &path);
        if (r < 0)
                return r;
        r = read_namespace(bus, path, &s, &error);
        if (r < 0) {
                if (sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
                    sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_INTERFACE)) {
                        fprintf(stderr, _("virtctl: namespace %s does not exist.\n"), argv[0]);
                        return -ENOENT;
                }
                return log_bus_error(_("cannot show the namespace"), &error, r);
        }
        print_namespace(&s, ctx->json);
        return 0;
}

/* Parses "INSIDE:OUTSIDE:COUNT[,…]" into a(uuu). */
static int append_id_map(sd_bus_message *m, const char *text, const char *what) {
        _cleanup_strv_free_ char **ranges = text ? strv_split(text, ",") : NULL;
        int r;

        r = sd_bus_message_open_container(m, 'a', "(uuu)");
        for (char **i = ranges; r >= 0 && i && *i; i++) {
                unsigned long long in, out, count;
                char end;

                if (sscanf(*i, "%llu:%llu:%llu%c", &in, &out, &count, &end) != 3 || in > UINT32_MAX || out > UINT32_MAX ||
                    count > UINT32_MAX) {
                        fprintf(stderr, _("virtctl: %s range '%s' is not INSIDE:OUTSIDE:COUNT.\n"), what, *i);
                        return -EINVAL;
                }
                r = sd_bus_message_append(m, "(uuu)", (uint32_t) in, (uint32_t) out, (uint32_t) count);
        }
        return r < 0 ? r : sd_bus_message_close_container(m);
}

typedef struct AddOptions {
        const char *kinds, *hostname, *uidmap, *gidmap;
} AddOptions;

static int parse_add_options(int argc, char *argv[], AddOptions *o) {
        for (int i = 1; i < argc; i += 2) {
                const char **slot = streq(argv[i], "kinds") ? &o->kinds : streq(argv[i], "hostname") ? &o->hostname :
                                    streq(argv[i], "uidmap") ? &o->uidmap : streq(argv[i], "gidmap") ? &o->gidmap : NULL;
                if (!slot) {
                        fprintf(stderr, _("virtctl: unknown namespace option '%s' (known: kinds, hostname, uidmap, gidmap).\n"),
                                argv[i]);
                        return -EINVAL;
                }
                if (i + 1 >= argc) {
                        fprintf(stderr, _("virtctl: option '%s' needs a value.\n"), argv[i]);
                        return -EINVAL;
                }
                *slot = argv[i + 1];
        }
        return 0;
}

int verb_namespace_add(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_strv_free_ char **kinds = NULL;
        AddOptions o = {};
        const char *path;
        int r;

        r = parse_add_options(argc, argv, &o);
        if (r < 0)
                return r;
        kinds = o.kinds ? strv_split(o.kinds, ",") : calloc(1, sizeof(char *));
        if (!kinds)
                return -ENOMEM;
        r = manager_new_call(ctx, "CreateNamespace", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "s", argv[0]);
        if (r >= 0)
                r = sd_bus_message_append_strv(call, kinds);
        if (r >= 0)
                r = sd_bus_message_append(call, "s", strempty(o.hostname));
        if (r >= 0)
                r = append_id_map(call, o.uidmap, "uidmap");
        if (r >= 0)
                r = append_id_map(call, o.gidmap, "gidmap");
        if (r >= 0)
                r = sd_bus_message_append(call, "t", method_flags(ctx));
        if (r < 0 || (r = call_and_reply(ctx, call, _("cannot create the namespace"), &reply)) < 0)
                return r;
        if (ctx->legend && sd_bus_message_read(reply, "o", &path) > 0)
                printf(_("Created namespace %s (%s).\n"), argv[0], path);
        return 0;
}

int verb_namespace_delete(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        bool force = false;
        int r;

        if (argc == 2) {
                if (!streq(argv[1], "force")) {
                        fprintf(stderr, _("virtctl: unknown option '%s'; only 'force' may follow the name.\n"), argv[1]);
                        return -EINVAL;
                }
                force = true;
        }
        r = manager_new_call(ctx, "DeleteNamespace", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "sbt", argv[0], (int) force, method_flags(ctx));
        if (r < 0)
                return r;
        return call_and_reply(ctx, call, _("cannot delete the namespace"), NULL);
}

/* Whether the namespaces include pid or time, which take effect only for children of the joining process. */
static int needs_fork(sd_bus_message *reply, bool *ret) {
        const char *kind;
        int fd, r;

        *ret = false;
        r = sd_bus_message_enter_container(reply, 'a', "(sh)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(sh)", &kind, &fd)) > 0)
                *ret = *ret || streq(kind, "pid") || streq(kind, "time");
        if (r >= 0)
                r = sd_bus_message_rewind(reply, true);
        return r < 0 ? log_bus_error(_("malformed namespace list"), NULL, r) : 0;
}

/* After joining a user namespace the caller keeps its ids, which the namespace does not map (the host's root
 * shows as the overflow id 65534 and cannot own a file inside). Like nsenter(1), become root inside: no
 * supplementary groups (refused where the namespace denies setgroups), gid 0 and uid 0. A namespace whose maps
 * leave 0 out (EINVAL) has no root to become; the command then runs with the caller's ids. */
static int become_root_inside(const char *name) {
        if (setgroups(0, NULL) < 0 && errno != EPERM)
                goto fail;
        if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
                goto fail;
        if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
                goto fail;
        return 0;
fail:
        fprintf(stderr, _("virtctl: cannot become root inside the user namespace of %s: %s\n"), name, strerror(errno));
        return -errno;
}

/* Joins each namespace the daemon handed over, in its order (user first, mnt last). */
static int join_all(sd_bus_message *reply, const char *name) {
        bool user = false;
        const char *kind;
        int fd, r;

        r = sd_bus_message_enter_container(reply, 'a', "(sh)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(sh)", &kind, &fd)) > 0) {
                if (setns(fd, 0) < 0) {
                        fprintf(stderr, _("virtctl: cannot join the %s namespace of %s: %s\n"), kind, name, strerror(errno));
                        return -errno;
                }
                user = user || streq(kind, "user");
        }
        if (r < 0)
                return log_bus_error(_("malformed namespace list"), NULL, r);
        /* Last, as nsenter does: the capabilities gained by joining the user namespace served every setns above. */
        return user ? become_root_inside(name) : 0;
}

_noreturn_ static void exec_command(char **cmd) {
        execvp(cmd[0], cmd);
        fprintf(stderr, _("virtctl: cannot run %s: %s\n"), cmd[0], strerror(errno));
        _exit(127);
}

static int wait_status(pid_t pid) {
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* For pid and time a child joins, then forks the command, which is the first process inside that sees them;
 * virtctl itself stays outside and passes the command's exit status on. */
_noreturn_ static void join_and_fork(sd_bus_message *reply, const char *name, char **cmd) {
        pid_t pid;

        if (join_all(reply, name) < 0)
                _exit(EXIT_FAILURE);
        pid = fork();
        if (pid < 0)
                _exit(EXIT_FAILURE);
        if (pid == 0)
                exec_command(cmd);
        _exit(wait_status(pid) & 0xff);
}

int verb_namespace_exec(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        char **cmd = argv + 1;
        bool fork_needed;
        pid_t pid;
        int r;

        if (*cmd && streq(*cmd, "--"))
                cmd++;
        if (!*cmd) {
                fprintf(stderr, _("virtctl: no command given to run in namespace %s.\n"), argv[0]);
                return -EINVAL;
        }
        /* Like cgexec: into the group first, while this process can still be named on the bus. */
        if (group_options.group && (r = group_move_self(ctx, group_options.group, group_options.sticky)) < 0)
                return r;
        r = manager_new_call(ctx, "EnterNamespace", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "st", argv[0], method_flags(ctx));
        if (r < 0 || (r = call_and_reply(ctx, call, _("cannot enter the namespace"), &reply)) < 0)
                return r;
        r = needs_fork(reply, &fork_needed);
        if (r < 0)
                return r;
        fflush(NULL);
        if (!fork_needed) {
                /* The plain case: this very process moves into the namespaces and becomes the command. */
                r = join_all(reply, argv[0]);
                if (r < 0)
                        return r;
                exec_command(cmd);
        }
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                join_and_fork(reply, argv[0], cmd);
        return wait_status(pid);
}
