/* group.c: "virtctl group ...": libcgroup's tools (cgcreate, cgset, cgget, cgdelete, lscgroup, lssubsys, cgexec,
 * cgclassify, cgsnapshot) and systemd-cgls/systemd-cgtop, through virtd. */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "group-verbs.h"
#include "i18n.h"
#include "json.h"
#include "macro.h"
#include "strv.h"
#include "verbs.h"
#include "virtd-bus.h"

GroupOptions group_options = {
        .task_uid = UINT32_MAX, .task_gid = UINT32_MAX, .task_fperm = UINT32_MAX,
        .admin_uid = UINT32_MAX, .admin_gid = UINT32_MAX, .admin_dperm = UINT32_MAX, .admin_fperm = UINT32_MAX,
        .iterations = 0, .delay_sec = 1.0, .order = "cpu",
};

static int parse_owner(const char *s, uint32_t *uid, uint32_t *gid) {
        _cleanup_free_ char *user = strdup(s);
        char *colon, *end;

        if (!user)
                return -ENOMEM;
        colon = strchr(user, ':');
        if (colon)
                *colon++ = 0;
        if (*user) {
                struct passwd *pw = getpwnam(user);
                unsigned long v = strtoul(user, &end, 10);
                if (pw)
                        *uid = pw->pw_uid;
                else if (!*end)
                        *uid = (uint32_t) v;
                else
                        return -EINVAL;
        }
        if (colon && *colon) {
                struct group *gr = getgrnam(colon);
                unsigned long v = strtoul(colon, &end, 10);
                if (gr)
                        *gid = gr->gr_gid;
                else if (!*end)
                        *gid = (uint32_t) v;
                else
                        return -EINVAL;
        }
        return 0;
}

static int parse_mode(const char *s, uint32_t *ret) {
        char *end;
        unsigned long v = strtoul(s, &end, 8);

        if (!*s || *end || v > 0777)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

int group_parse_option(int c, const char *arg) {
        GroupOptions *o = &group_options;
        char *end;
        int r = 0;

        switch (c) {
        case 'p':
                r = strv_extend(&o->params, arg);
                break;
        case 'r':
                o->recursive = true;
                break;
        case 'b':
                o->batch = true;
                break;
        case 'n':
                o->iterations = strtoul(arg, &end, 10);
                r = *end || !*arg ? -EINVAL : 0;
                break;
        case 'd':
                o->delay_sec = strtod(arg, &end);
                r = *end || !*arg || o->delay_sec <= 0 ? -EINVAL : 0;
                break;
        case ARG_GROUP_MIGRATE:
                o->migrate = true;
                break;
        case ARG_GROUP_STICKY:
                o->sticky = true;
                break;
        case ARG_GROUP_GROUP:
                o->group = arg;
                break;
        case ARG_GROUP_TASK_OWNER:
                r = parse_owner(arg, &o->task_uid, &o->task_gid);
                break;
        case ARG_GROUP_ADMIN_OWNER:
                r = parse_owner(arg, &o->admin_uid, &o->admin_gid);
                break;
        case ARG_GROUP_TPERM:
                r = parse_mode(arg, &o->task_fperm);
                break;
        case ARG_GROUP_DPERM:
                r = parse_mode(arg, &o->admin_dperm);
                break;
        case ARG_GROUP_FPERM:
                r = parse_mode(arg, &o->admin_fperm);
                break;
        case ARG_GROUP_ORDER:
                if (!streq(arg, "cpu") && !streq(arg, "memory") && !streq(arg, "tasks") && !streq(arg, "path"))
                        r = -EINVAL;
                o->order = arg;
                break;
        default:
                return 0;
        }
        if (r < 0) {
                fprintf(stderr, _("virtctl: invalid argument '%s'.\n"), arg);
                return r;
        }
        return 1;
}

/* "NAME=VALUE" to the pair a(ss) wants. */
static int append_param(sd_bus_message *m, const char *assignment) {
        _cleanup_free_ char *name = strdup(assignment);
        char *eq;

        if (!name)
                return -ENOMEM;
        eq = strchr(name, '=');
        if (!eq || eq == name) {
                fprintf(stderr, _("virtctl: '%s' is not NAME=VALUE.\n"), assignment);
                return -EINVAL;
        }
        *eq = 0;
        return sd_bus_message_append(m, "(ss)", name, eq + 1);
}

static int append_params(sd_bus_message *m, char **assignments) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "(ss)");
        for (char **a = assignments; r >= 0 && a && *a; a++)
                r = append_param(m, *a);
        return r < 0 ? r : sd_bus_message_close_container(m);
}

static uint64_t call_flags(Context *ctx) {
        return method_flags(ctx);
}

static int append_perm(sd_bus_message *m) {
        const GroupOptions *o = &group_options;
        const struct {
                const char *key;
                uint32_t value;
        } perm[] = {
                { "task-uid", o->task_uid },       { "task-gid", o->task_gid },     { "task-fperm", o->task_fperm },
                { "admin-uid", o->admin_uid },     { "admin-gid", o->admin_gid },   { "admin-dperm", o->admin_dperm },
                { "admin-fperm", o->admin_fperm },
        };
        int r;

        r = sd_bus_message_open_container(m, 'a', "{su}");
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(perm); i++)
                if (perm[i].value != UINT32_MAX)
                        r = sd_bus_message_append(m, "{su}", perm[i].key, perm[i].value);
        return r < 0 ? r : sd_bus_message_close_container(m);
}

int verb_group_create(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_strv_free_ char **inherited = NULL;
        const char *object;
        int r;

        r = manager_new_call(ctx, "CreateGroup", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "s", argv[0]);
        if (r >= 0)
                r = append_params(call, group_options.params);
        if (r >= 0)
                r = append_perm(call);
        if (r >= 0)
                r = sd_bus_message_append(call, "t", call_flags(ctx));
        if (r < 0 || (r = call_and_reply(ctx, call, _("cannot create the group"), &reply)) < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &object);
        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &inherited);
        if (r < 0)
                return log_bus_error(_("malformed reply"), NULL, r);
        for (char **i = inherited; i && *i; i++)
                printf(_("%s inherited from the parent group.\n"), *i);
        return 0;
}

int verb_group_delete(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        for (int i = 0; i < argc; i++) {
                r = manager_new_call(ctx, "DeleteGroup", &call);
                if (r >= 0)
                        r = sd_bus_message_append(call, "sbbt", argv[i], (int) group_options.recursive,
                                                  (int) group_options.migrate, call_flags(ctx));
                if (r < 0 || (r = call_and_reply(ctx, call, _("cannot delete the group"), NULL)) < 0)
                        return r;
                call = sd_bus_message_unref(call);
        }
        return 0;
}

int verb_group_set(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = manager_new_call(ctx, "SetGroupParameters", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "s", argv[0]);
        if (r >= 0)
                r = append_params(call, argv + 1);
        if (r >= 0)
                r = sd_bus_message_append(call, "t", call_flags(ctx));
        if (r < 0)
                return r;
        return call_and_reply(ctx, call, _("cannot set group parameters"), NULL);
}

int verb_group_get(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        JsonWriter w = { .f = stdout };
        const char *name, *value;
        int r;

        r = manager_new_call(ctx, "GetGroupParameters", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "s", argv[0]);
        if (r >= 0)
                r = sd_bus_message_append_strv(call, argv + 1);
        if (r < 0 || (r = call_and_reply(ctx, call, _("cannot read group parameters"), &reply)) < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ss)");
        if (r < 0)
                return log_bus_error(_("malformed reply"), NULL, r);
        if (ctx->json)
                json_begin_object(&w);
        else if (ctx->legend)
                printf("%s:\n", argv[0]);
        while ((r = sd_bus_message_read(reply, "(ss)", &name, &value)) > 0) {
                if (ctx->json)
                        json_string(&w, name, value);
                else if (!ctx->legend)
                        /* Like cgget -n -v: values only. */
                        printf("%s\n", value);
                else {
                        printf("%s: ", name);
                        for (const char *p = value; *p; p++)
                                printf(*p == '\n' ? "\n\t" : "%c", *p);
                        putchar('\n');
                }
        }
        if (ctx->json) {
                json_end_object(&w);
                json_finish(&w);
        }
        return r < 0 ? log_bus_error(_("malformed reply"), NULL, r) : 0;
}

void group_entries_free(GroupEntry *e, size_t n) {
        for (size_t i = 0; e && i < n; i++) {
                free(e[i].path);
                strv_free(e[i].controllers);
                free(e[i].object);
        }
        free(e);
}

static int entry_cmp(const void *a, const void *b) {
        return strcmp(((const GroupEntry *) a)->path, ((const GroupEntry *) b)->path);
}

int list_groups(Context *ctx, GroupEntry **ret, size_t *ret_n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        GroupEntry *l = NULL;
        size_t n = 0;
        int r;

        r = manager_new_call(ctx, "ListGroups", &call);
        if (r < 0 || (r = call_and_reply(ctx, call, _("cannot list groups"), &reply)) < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(saso)");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "saso")) > 0) {
                const char *path, *object;
                char **controllers = NULL;
                GroupEntry *grown;

                r = sd_bus_message_read(reply, "s", &path);
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &controllers);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "o", &object);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0 || !(grown = realloc(l, sizeof(*l) * (n + 1)))) {
                        strv_free(controllers);
                        r = r < 0 ? r : -ENOMEM;
                        break;
                }
                l = grown;
                l[n++] = (GroupEntry) { strdup(path), controllers, strdup(object) };
        }
        if (r < 0) {
                group_entries_free(l, n);
                return log_bus_error(_("malformed reply"), NULL, r);
        }
        if (n > 0)
                qsort(l, n, sizeof(*l), entry_cmp);
        *ret = l;
        *ret_n = n;
        return 0;
}

int verb_group_list(int argc, char *argv[], Context *ctx) {
        GroupEntry *l = NULL;
        JsonWriter w = { .f = stdout };
        size_t n = 0;
        int r;

        r = list_groups(ctx, &l, &n);
        if (r < 0)
                return r;
        if (ctx->json)
                json_begin_object(&w), json_begin_array(&w, "groups");
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *controllers = strv_join(l[i].controllers, ",");
                bool unsaved = object_unsaved(ctx, l[i].object, VIRTD_INTERFACE_GROUP);

                if (ctx->json) {
                        json_begin_object(&w);
                        json_string(&w, "path", l[i].path);
                        json_strv(&w, "controllers", l[i].controllers);
                        json_string(&w, "object", l[i].object);
                        json_bool(&w, "unsaved", unsaved);
                        json_end_object(&w);
                } else
                        /* lscgroup's format, with a marker for groups that differ from the saved configuration. */
                        printf("%s:%s%s\n", strempty(controllers), l[i].path, unsaved ? _(" (unsaved)") : "");
        }
        if (ctx->json) {
                json_end_array(&w);
                json_end_object(&w);
                json_finish(&w);
        }
        group_entries_free(l, n);
        return 0;
}

int verb_group_controllers(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        JsonWriter w = { .f = stdout };
        const char *name, *mount;
        uint32_t version, hierarchy;
        int r;

        r = manager_new_call(ctx, "ListControllers", &call);
        if (r < 0 || (r = call_and_reply(ctx, call, _("cannot list controllers"), &reply)) < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(suus)");
        if (r < 0)
                return log_bus_error(_("malformed reply"), NULL, r);
        if (ctx->json)
                json_begin_object(&w), json_begin_array(&w, "controllers");
        else if (ctx->legend)
                printf("%-12s %-7s %-9s %s\n", _("CONTROLLER"), _("VERSION"), _("HIERARCHY"), _("MOUNT"));
        while ((r = sd_bus_message_read(reply, "(suus)", &name, &version, &hierarchy, &mount)) > 0) {
                if (ctx->json) {
                        json_begin_object(&w);
                        json_string(&w, "name", name);
                        json_uint(&w, "version", version);
                        json_uint(&w, "hierarchy", hierarchy);
                        json_string(&w, "mount", mount);
                        json_end_object(&w);
                } else
                        printf("%-12s %-7u %-9u %s\n", name, version, hierarchy, *mount ? mount : "-");
        }
        if (ctx->json) {
                json_end_array(&w);
                json_end_object(&w);
                json_finish(&w);
        }
        return r < 0 ? log_bus_error(_("malformed reply"), NULL, r) : 0;
}

static int parse_pid(const char *s, uint32_t *ret) {
        char *end;
        unsigned long v = strtoul(s, &end, 10);

        if (!*s || *end || v == 0 || v > INT32_MAX) {
                fprintf(stderr, _("virtctl: '%s' is not a process id.\n"), s);
                return -EINVAL;
        }
        *ret = (uint32_t) v;
        return 0;
}

int verb_group_classify(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = manager_new_call(ctx, "MoveProcesses", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "s", argv[0]);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "u");
        for (int i = 1; r >= 0 && i < argc; i++) {
                uint32_t pid;
                r = parse_pid(argv[i], &pid);
                if (r >= 0)
                        r = sd_bus_message_append(call, "u", pid);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r >= 0)
                r = sd_bus_message_append(call, "bt", (int) group_options.sticky, call_flags(ctx));
        if (r < 0)
                return r;
        return call_and_reply(ctx, call, _("cannot move the processes"), NULL);
}

int group_move_self(Context *ctx, const char *group, bool sticky) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = manager_new_call(ctx, "MoveCaller", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "sbt", group, (int) sticky, call_flags(ctx));
        if (r < 0)
                return r;
        return call_and_reply(ctx, call, _("cannot enter the group"), NULL);
}

/* cgexec: virtd moves this very process (it learns our pid from the bus, not from us), then we become CMD. */
int verb_group_exec(int argc, char *argv[], Context *ctx) {
        int r;

        r = group_move_self(ctx, argv[0], group_options.sticky);
        if (r < 0)
                return r;
        /* The bus connection must not leak into the command. */
        ctx->bus = sd_bus_flush_close_unref(ctx->bus);
        execvp(argv[1], argv + 1);
        fprintf(stderr, _("virtctl: cannot execute %s: %s\n"), argv[1], strerror(errno));
        return errno == ENOENT ? 127 : 126;
}

int verb_group_snapshot(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        const char *text;
        int r;

        r = manager_new_call(ctx, "SnapshotGroups", &call);
        if (r >= 0)
                r = sd_bus_message_append_strv(call, argv);
        if (r < 0 || (r = call_and_reply(ctx, call, _("cannot take a snapshot"), &reply)) < 0)
                return r;
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return log_bus_error(_("malformed reply"), NULL, r);
        fputs(text, stdout);
        return 0;
}
