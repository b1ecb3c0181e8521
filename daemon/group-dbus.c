/* group-dbus.c: bus glue for cgroups: Group objects under /org/virtd/Virtd1/group and the Manager's group methods. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group-dbus.h"
#include "group-watch.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "owned.h"
#include "persist-objects.h"
#include "persist.h"
#include "polkit.h"
#include "strv.h"
#include "virtd-bus.h"

static int append_pairs(sd_bus_message *reply, char **pairs) {
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(ss)");
        for (char **p = pairs; r >= 0 && p && p[0] && p[1]; p += 2)
                r = sd_bus_message_append(reply, "(ss)", p[0], p[1]);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int read_perm(sd_bus_message *m, CgroupPerm *ret, sd_bus_error *error) {
        static const struct {
                const char *key;
                size_t offset;
        } keys[] = {
                { "task-uid", offsetof(CgroupPerm, task_uid) },     { "task-gid", offsetof(CgroupPerm, task_gid) },
                { "task-fperm", offsetof(CgroupPerm, task_fperm) }, { "admin-uid", offsetof(CgroupPerm, admin_uid) },
                { "admin-gid", offsetof(CgroupPerm, admin_gid) },   { "admin-dperm", offsetof(CgroupPerm, admin_dperm) },
                { "admin-fperm", offsetof(CgroupPerm, admin_fperm) },
        };
        CgroupPerm p = CGROUP_PERM_NULL;
        const char *key;
        uint32_t value;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{su}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "{su}", &key, &value)) > 0) {
                size_t i;

                for (i = 0; i < ELEMENTSOF(keys); i++)
                        if (streq(key, keys[i].key))
                                break;
                if (i == ELEMENTSOF(keys))
                        return virtd_bus_error_setf(error, EINVAL, "Unknown permission '%s' (known: task-uid, task-gid, "
                                                       "task-fperm, admin-uid, admin-gid, admin-dperm, admin-fperm).", key);
                if (strstr(key, "perm") && value > 0777)
                        return virtd_bus_error_setf(error, EINVAL, "Permission %s=%o is not a file mode (valid: 0–0777).",
                                                       key, value);
                *(uint32_t *) ((char *) &p + keys[i].offset) = value;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

/* CreateGroup(s group, a(ss) parameters, a{su} permissions, t flags) -> (o object, as inherited) */
typedef struct CreateArgs {
        GroupSpec spec;
        char **params;
        CgroupPerm perm;
        uint64_t flags;
} CreateArgs;

static void create_args_done(CreateArgs *a) {
        group_spec_done(&a->spec);
        strv_free(a->params);
}

/* The group every group method names first; the message is read from its start, as the polkit callback
 * reads it again after the asynchronous check. */
static int read_group(sd_bus_message *m, GroupSpec *spec, sd_bus_error *error) {
        const char *group;
        int r;

        r = sd_bus_message_rewind(m, true);
        if (r >= 0)
                r = sd_bus_message_read(m, "s", &group);
        if (r < 0)
                return r;
        return group_parse_spec(group, spec, error);
}

/* The flags every mutating group method takes last. */
static int read_flags(sd_bus_message *m, uint64_t *ret, sd_bus_error *error) {
        int r = sd_bus_message_read(m, "t", ret);

        return r < 0 ? r : virtd_bus_check_known_flags(*ret, error);
}

static int read_create_args(sd_bus_message *m, CreateArgs *a, sd_bus_error *error) {
        int r;

        if ((r = read_group(m, &a->spec, error)) < 0 || (r = virtd_bus_message_read_pairs(m, &a->params)) < 0 ||
            (r = read_perm(m, &a->perm, error)) < 0)
                return r;
        return read_flags(m, &a->flags, error);
}

/* The file could not be written: the group goes again, so that the call changed nothing. */
static void undo_create(GroupRegistry *reg, const GroupSpec *spec) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

        if (group_delete(reg, spec, /* recursive= */ false, /* migrate= */ true, &e) < 0)
                log_error("Cannot undo the creation of group %s: %s", spec->path, e.message);
}

static int create_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(create_args_done) CreateArgs a = {};
        bool save;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **inherited = NULL;
        _cleanup_free_ char *object = NULL;
        GroupRegistry *reg = userdata;
        int r;

        r = read_create_args(m, &a, error);
        if (r < 0)
                return r;
        save = !(a.flags & VIRTD_FLAG_RUNTIME);
        if (save && ((r = persist_check(reg->manager, /* cgconfig= */ true, error)) < 0 ||
                     (r = persist_group_check(reg->manager, a.spec.path, false, error)) < 0))
                return r;
        r = group_create(reg, &a.spec, a.params, &a.perm, &inherited, error);
        if (r < 0)
                return r;
        if (save && (r = persist_group_write(reg->manager, a.spec.path, a.params, &a.perm, error)) < 0) {
                undo_create(reg, &a.spec);
                return r;
        }
        persist_group_done(reg->manager, a.spec.path, PERSIST_CREATED, save);
        r = group_object_path(a.spec.path, &object);
        if (r >= 0)
                r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "o", object);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, inherited);
        if (r < 0)
                return r;
        return owned_reply(reg->manager, reply);
}

static int method_CreateGroup(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(create_args_done) CreateArgs a = {};
        int r;

        r = read_create_args(m, &a, error);
        if (r < 0)
                return r;
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_GROUPS, a.flags & VIRTD_FLAG_INTERACTIVE, create_authorized,
                                userdata, error);
}

/* The methods taking (s group, <middle>, t flags): the middle differs, the group and flags do not. */
typedef struct GroupArgs {
        GroupSpec spec;
        int recursive, migrate, sticky;
        char **params;
        pid_t *pids;
        size_t n_pids;
        uint64_t flags;
} GroupArgs;

static void group_args_done(GroupArgs *a) {
        group_spec_done(&a->spec);
        strv_free(a->params);
        free(a->pids);
}

static int read_pids(sd_bus_message *m, GroupArgs *a) {
        const uint32_t *p;
        size_t size;
        int r;

        r = sd_bus_message_read_array(m, 'u', (const void **) &p, &size);
        if (r < 0)
                return r;
        a->n_pids = size / sizeof(uint32_t);
        a->pids = calloc(a->n_pids + 1, sizeof(pid_t));
        if (!a->pids)
                return -ENOMEM;
        for (size_t i = 0; i < a->n_pids; i++)
                a->pids[i] = (pid_t) p[i];
        return 0;
}

/* layout: "d" delete (bb), "s" set (a(ss)), "m" move (aub), "c" move caller (b). */
static int read_group_args(sd_bus_message *m, char layout, GroupArgs *a, sd_bus_error *error) {
        int r;

        r = read_group(m, &a->spec, error);
        if (r < 0)
                return r;
        switch (layout) {
        case 'd':
                r = sd_bus_message_read(m, "bb", &a->recursive, &a->migrate);
                break;
        case 's':
                r = virtd_bus_message_read_pairs(m, &a->params);
                break;
        case 'm':
                r = read_pids(m, a);
                if (r >= 0)
                        r = sd_bus_message_read(m, "b", &a->sticky);
                break;
        default:
                r = sd_bus_message_read(m, "b", &a->sticky);
        }
        return r < 0 ? r : read_flags(m, &a->flags, error);
}

/* What a delete must bring back when the file cannot be written: the group with its controllers. */
static int undo_delete_spec(GroupRegistry *reg, const GroupSpec *spec, GroupSpec *ret) {
        Group *g = group_registry_find(reg, spec->path);

        *ret = (GroupSpec) { .path = strdup(spec->path) };
        if (!ret->path)
                return -ENOMEM;
        for (char **c = g ? g->controllers : NULL; c && *c; c++)
                if (strv_extend(&ret->controllers, *c) < 0)
                        return -ENOMEM;
        return 0;
}

static int delete_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(group_args_done) GroupArgs a = {};
        _cleanup_(group_spec_done) GroupSpec undo = {};
        GroupRegistry *reg = userdata;
        bool save;
        int r;

        r = read_group_args(m, 'd', &a, error);
        if (r < 0)
                return r;
        save = !(a.flags & VIRTD_FLAG_RUNTIME);
        if (save && ((r = persist_check(reg->manager, /* cgconfig= */ true, error)) < 0 ||
                     (r = persist_group_check(reg->manager, a.spec.path, a.recursive, error)) < 0 ||
                     (r = undo_delete_spec(reg, &a.spec, &undo)) < 0))
                return r;
        r = group_delete(reg, &a.spec, a.recursive, a.migrate, error);
        if (r < 0)
                return r;
        if (save && (r = persist_group_remove(reg->manager, a.spec.path, a.recursive, error)) < 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                /* Subgroups and processes cannot be brought back; the group itself can. */
                if (undo.controllers && group_create(reg, &undo, NULL, NULL, NULL, &e) < 0)
                        log_error("Cannot undo the deletion of group %s: %s", a.spec.path, e.message);
                return r;
        }
        persist_group_done(reg->manager, a.spec.path, PERSIST_DELETED, save);
        return owned_reply_method_return(reg->manager, m, NULL);
}

/* The values @params names, as they are now, to restore them when the file cannot be written. */
static int current_values(GroupRegistry *reg, const GroupSpec *spec, char **params, char ***ret, sd_bus_error *error) {
        /* Allocated once: a hostile caller may send 100,000 pairs (see virtd_bus_message_read_pairs()). The names
         * are borrowed. */
        _cleanup_free_ char **names = calloc(strv_length(params) / 2 + 1, sizeof(char *));
        size_t n = 0;

        if (!names)
                return -ENOMEM;
        for (char **p = params; p && p[0] && p[1]; p += 2)
                names[n++] = p[0];
        return group_get(reg, spec, names, ret, error);
}

static int set_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(group_args_done) GroupArgs a = {};
        _cleanup_strv_free_ char **old = NULL;
        GroupRegistry *reg = userdata;
        bool save;
        int r;

        r = read_group_args(m, 's', &a, error);
        if (r < 0)
                return r;
        save = !(a.flags & VIRTD_FLAG_RUNTIME);
        if (save && ((r = persist_check(reg->manager, /* cgconfig= */ true, error)) < 0 ||
                     (r = persist_group_check(reg->manager, a.spec.path, false, error)) < 0 ||
                     (r = current_values(reg, &a.spec, a.params, &old, error)) < 0))
                return r;
        r = group_set(reg, &a.spec, a.params, error);
        if (r < 0)
                return r;
        if (save && (r = persist_group_write(reg->manager, a.spec.path, a.params, NULL, error)) < 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                if (group_set(reg, &a.spec, old, &e) < 0)
                        log_error("Cannot restore the parameters of group %s: %s", a.spec.path, e.message);
                return r;
        }
        persist_group_done(reg->manager, a.spec.path, PERSIST_CHANGED, save);
        return sd_bus_reply_method_return(m, NULL);
}

static int move_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(group_args_done) GroupArgs a = {};
        int r;

        r = read_group_args(m, 'm', &a, error);
        if (r >= 0)
                r = group_move(userdata, &a.spec, a.pids, a.n_pids, a.sticky, error);
        return r < 0 ? r : sd_bus_reply_method_return(m, NULL);
}

/* cgexec's half that needs privileges: the caller's pid comes from the bus driver (SO_PEERCRED), never
 * from an argument, so nobody can move someone else's process this way. */
static int move_caller_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        _cleanup_(group_args_done) GroupArgs a = {};
        pid_t pid;
        int r;

        r = read_group_args(m, 'c', &a, error);
        if (r < 0)
                return r;
        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_PID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_pid(creds, &pid);
        if (r < 0)
                return virtd_bus_error_setf(error, -r, "Cannot determine the caller's process: %s.", strerror(-r));
        r = group_move(userdata, &a.spec, &pid, 1, a.sticky, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "u", (uint32_t) pid);
}

static int authorize_group_call(sd_bus_message *m, void *userdata, sd_bus_error *error, char layout, AuthorizedFn fn) {
        _cleanup_(group_args_done) GroupArgs a = {};
        int r;

        r = read_group_args(m, layout, &a, error);
        if (r < 0)
                return r;
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_GROUPS, a.flags & VIRTD_FLAG_INTERACTIVE, fn, userdata, error);
}

static int method_DeleteGroup(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return authorize_group_call(m, userdata, error, 'd', delete_authorized);
}

static int method_SetGroupParameters(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return authorize_group_call(m, userdata, error, 's', set_authorized);
}

static int method_MoveProcesses(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return authorize_group_call(m, userdata, error, 'm', move_authorized);
}

static int method_MoveCaller(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return authorize_group_call(m, userdata, error, 'c', move_caller_authorized);
}

static int method_GetGroupParameters(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(group_spec_done) GroupSpec spec = {};
        _cleanup_strv_free_ char **names = NULL, **pairs = NULL;
        const char *group;
        int r;

        r = sd_bus_message_read(m, "s", &group);
        if (r >= 0)
                r = virtd_bus_message_read_strv(m, &names);
        if (r < 0)
                return r;
        r = group_parse_spec(group, &spec, error);
        if (r >= 0)
                r = group_get(userdata, &spec, names, &pairs, error);
        if (r >= 0)
                r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = append_pairs(reply, pairs);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_ListGroups(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        GroupRegistry *reg = userdata;
        int r;

        r = group_registry_sync(reg);
        if (r < 0)
                return virtd_bus_error_setf(error, -r, "Cannot list the groups under %s: %s.", reg->base, strerror(-r));
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(saso)");
        for (Group *g = reg->groups; r >= 0 && g; g = g->next) {
                r = sd_bus_message_open_container(reply, 'r', "saso");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", g->path);
                if (r >= 0)
                        r = sd_bus_message_append_strv(reply, g->controllers);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "o", g->object_path);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_ListControllers(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        CgroupController *c = NULL;
        size_t n = 0;
        int r;

        r = cgroup_backend_list_controllers(&c, &n);
        if (r < 0)
                return virtd_bus_error_setf(error, -r, "Cannot list cgroup controllers: %s.", strerror(-r));
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(suus)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "(suus)", c[i].name, c[i].version, c[i].hierarchy, c[i].mount);
        cgroup_controllers_free(c, n);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_SnapshotGroups(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **controllers = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        r = virtd_bus_message_read_strv(m, &controllers);
        if (r < 0)
                return r;
        for (char **c = controllers; c && *c; c++)
                if (group_controller_validate(*c) < 0)
                        return virtd_bus_error_setf(error, EINVAL, "Unknown controller '%s'.", *c);
        r = group_snapshot(userdata, controllers, &text);
        if (r < 0)
                return virtd_bus_error_setf(error, -r, "Cannot take a snapshot: %s.", strerror(-r));
        return sd_bus_reply_method_return(m, "s", text);
}

static int method_GetGroupStatistics(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        GroupRegistry *reg = userdata;
        int r;

        r = group_registry_sync(reg);
        if (r >= 0)
                r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(stttt)");
        for (Group *g = reg->groups; r >= 0 && g; g = g->next) {
                GroupStats s;

                if (group_stats(g, &s) < 0)
                        continue;
                r = sd_bus_message_append(reply, "(stttt)", g->path, s.cpu_usage_nsec, s.memory_current, s.memory_peak,
                                          s.pids_current);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int property_get_base(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", ((GroupRegistry *) userdata)->base);
}

static int property_get_sticky(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        r = group_registry_sticky(userdata, &pids, &n);
        if (r < 0)
                return r;
        return virtd_bus_append_pids(reply, pids, n);
}

/* The Manager interface's group members, served by a second vtable on the root object (sd-bus merges
 * vtables of one interface when their userdata differ). */
static const sd_bus_vtable group_manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("GroupBase", "s", property_get_base, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("StickyProcesses", "au", property_get_sticky, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("CreateGroup",
                                SD_BUS_ARGS("s", group, "a(ss)", parameters, "a{su}", permissions, "t", flags),
                                SD_BUS_RESULT("o", object, "as", inherited), method_CreateGroup,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("DeleteGroup", SD_BUS_ARGS("s", group, "b", recursive, "b", migrate, "t", flags),
                                SD_BUS_NO_RESULT, method_DeleteGroup, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetGroupParameters", SD_BUS_ARGS("s", group, "a(ss)", parameters, "t", flags),
                                SD_BUS_NO_RESULT, method_SetGroupParameters, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetGroupParameters", SD_BUS_ARGS("s", group, "as", names),
                                SD_BUS_RESULT("a(ss)", parameters), method_GetGroupParameters,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListGroups", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(saso)", groups), method_ListGroups,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListControllers", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(suus)", controllers),
                                method_ListControllers, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("MoveProcesses", SD_BUS_ARGS("s", group, "au", pids, "b", sticky, "t", flags),
                                SD_BUS_NO_RESULT, method_MoveProcesses, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("MoveCaller", SD_BUS_ARGS("s", group, "b", sticky, "t", flags), SD_BUS_RESULT("u", pid),
                                method_MoveCaller, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SnapshotGroups", SD_BUS_ARGS("as", controllers), SD_BUS_RESULT("s", config),
                                method_SnapshotGroups, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetGroupStatistics", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(stttt)", statistics),
                                method_GetGroupStatistics, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static int property_get_path(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", ((Group *) userdata)->path);
}

static int property_get_controllers(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append_strv(reply, ((Group *) userdata)->controllers);
}

static int property_get_parameters(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **pairs = NULL;
        int r;

        r = group_parameters(userdata, &pairs);
        if (r < 0)
                return r;
        return append_pairs(reply, pairs);
}

static int property_get_processes(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_free_ pid_t *pids = NULL;
        Group *g = userdata;
        size_t n = 0;
        int r;

        r = group_processes(g, &pids, &n);
        if (r < 0)
                return r;
        /* Reading the tasks is also when v1 learns about tasks that arrived behind virtd's back. */
        (void) group_watch_tasks(g, pids, n);
        if ((n > 0) != g->populated)
                (void) group_update_populated(g);
        return virtd_bus_append_pids(reply, pids, n);
}

static int property_get_populated(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "b", ((Group *) userdata)->populated);
}

static int property_get_oom_kills(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "t", ((Group *) userdata)->oom_kills);
}

static int property_get_stat(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        GroupStats s;
        uint64_t v;
        int r;

        r = group_stats(userdata, &s);
        if (r < 0)
                return r;
        v = streq(property, "CpuUsageNsec") ? s.cpu_usage_nsec
            : streq(property, "MemoryCurrent") ? s.memory_current
            : streq(property, "MemoryPeak") ? s.memory_peak
                                               : s.pids_current;
        return sd_bus_message_append(reply, "t", v);
}

static int property_get_unsaved(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Group *g = userdata;
        _cleanup_free_ char *full = NULL, *key = NULL;
        int r;

        r = group_full_path(g->registry, g->path, &full);
        if (r < 0)
                return r;
        if (asprintf(&key, "group %s", full + 1) < 0)
                return -ENOMEM;
        return sd_bus_message_append(reply, "b", persist_is_unsaved(g->registry->manager, key));
}

/* Live values read on demand carry no flag: introspection then says EmitsChangedSignal=false, which is
 * the truth for counters the kernel changes all the time. */
static const sd_bus_vtable group_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Path", "s", property_get_path, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Controllers", "as", property_get_controllers, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Parameters", "a(ss)", property_get_parameters, 0, 0),
        SD_BUS_PROPERTY("Processes", "au", property_get_processes, 0, 0),
        SD_BUS_PROPERTY("Populated", "b", property_get_populated, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("OomKills", "t", property_get_oom_kills, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("CpuUsageNsec", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("MemoryCurrent", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("MemoryPeak", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("PidsCurrent", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("Unsaved", "b", property_get_unsaved, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_SIGNAL_WITH_ARGS("PopulatedChanged", SD_BUS_ARGS("b", populated), 0),
        SD_BUS_SIGNAL_WITH_ARGS("OomKill", SD_BUS_ARGS("t", oom_kills), 0),
        SD_BUS_VTABLE_END
};

static int group_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                             sd_bus_error *error) {
        _cleanup_free_ char *group = NULL;
        Group *g;

        if (group_path_from_object(path, &group) < 0)
                return 0;
        g = group_registry_lookup(userdata, group);
        if (!g)
                return 0;
        *found = g;
        return 1;
}

static int group_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        GroupRegistry *reg = userdata;
        int r;

        if (!l)
                return -ENOMEM;
        (void) group_registry_sync(reg);
        for (Group *g = reg->groups; g; g = g->next)
                if ((r = strv_extend(&l, g->object_path)) < 0)
                        return r;
        *nodes = TAKE_PTR(l);
        return 1;
}

int group_dbus_register(GroupRegistry *reg) {
        sd_bus *bus = reg->manager->bus;
        int r;

        r = sd_bus_add_object_vtable(bus, NULL, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, group_manager_vtable, reg);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(bus, NULL, VIRTD_OBJECT_GROUP_PREFIX, VIRTD_INTERFACE_GROUP, group_vtable,
                                       group_object_find, reg);
        if (r < 0)
                return r;
        r = sd_bus_add_node_enumerator(bus, NULL, VIRTD_OBJECT_GROUP_PREFIX, group_node_enumerator, reg);
        if (r < 0)
                return r;
        reg->bus = bus;
        return group_registry_sync(reg);
}

/* InterfacesAdded with the properties that say what the group is. sd_bus_emit_interfaces_added() would
 * add every property, and Parameters and the statistics read ~50 files of a new group for a signal that
 * nobody needs them in: half of the system calls of a CreateGroup. They are one Get away. */
int group_dbus_emit_added(Group *g) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus = g->registry->bus;
        int r;

        if (!bus)
                return 0;
        r = sd_bus_message_new_signal(bus, &m, VIRTD_OBJECT_ROOT, "org.freedesktop.DBus.ObjectManager",
                                      "InterfacesAdded");
        if (r >= 0)
                r = sd_bus_message_append(m, "o", g->object_path);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sa{sv}}");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'e', "sa{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", VIRTD_INTERFACE_GROUP);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}{sv}{sv}", "Path", "s", g->path, "Populated", "b", (int) g->populated,
                                          "OomKills", "t", g->oom_kills);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "Controllers");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, g->controllers);
        for (int i = 0; r >= 0 && i < 5; i++) /* v, {sv}, a{sv}, {sa{sv}}, a{sa{sv}} */
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_send(bus, m, NULL);
}

int group_dbus_emit_removed(Group *g) {
        if (!g->registry->bus)
                return 0;
        return sd_bus_emit_interfaces_removed(g->registry->bus, g->object_path, VIRTD_INTERFACE_GROUP, NULL);
}

int group_dbus_emit_populated(Group *g) {
        sd_bus *bus = g->registry->bus;
        int r;

        if (!bus)
                return 0;
        r = sd_bus_emit_signal(bus, g->object_path, VIRTD_INTERFACE_GROUP, "PopulatedChanged", "b", (int) g->populated);
        if (r < 0)
                return r;
        return sd_bus_emit_properties_changed(bus, g->object_path, VIRTD_INTERFACE_GROUP, "Populated", NULL);
}

int group_dbus_emit_oom(Group *g) {
        sd_bus *bus = g->registry->bus;
        int r;

        if (!bus)
                return 0;
        r = sd_bus_emit_signal(bus, g->object_path, VIRTD_INTERFACE_GROUP, "OomKill", "t", g->oom_kills);
        if (r < 0)
                return r;
        return sd_bus_emit_properties_changed(bus, g->object_path, VIRTD_INTERFACE_GROUP, "OomKills", NULL);
}

int group_dbus_emit_sticky(GroupRegistry *reg) {
        if (!reg->bus)
                return 0;
        return sd_bus_emit_properties_changed(reg->bus, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "StickyProcesses",
                                              NULL);
}
