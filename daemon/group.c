/* group.c: managed cgroups: the registry of Group objects under the managed base and the work behind each call. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "group-dbus.h"
#include "group-index.h"
#include "group-watch.h"
#include "apply.h"
#include "group.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "strv.h"
#include "virtd-bus.h"

static char **strv_free_and_null(char **l) {
        strv_free(l);
        return NULL;
}

static Group *group_free(Group *g) {
        if (!g)
                return NULL;
        group_watch_stop(g);
        free(g->path);
        free(g->object_path);
        strv_free(g->controllers);
        free(g);
        return NULL;
}

static int group_new(GroupRegistry *r, const char *path, char **controllers, Group **ret) {
        Group *g;
        int k;

        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->registry = r;
        g->path = strdup(path);
        g->controllers = calloc(1, sizeof(char *));
        if (!g->path || !g->controllers) {
                group_free(g);
                return -ENOMEM;
        }
        for (char **c = controllers; *c; c++)
                if ((k = strv_extend(&g->controllers, *c)) < 0) {
                        group_free(g);
                        return k;
                }
        k = group_object_path(path, &g->object_path);
        if (k < 0) {
                group_free(g);
                return k;
        }
        *ret = g;
        return 0;
}

int group_registry_new(Manager *m, const char *base, GroupRegistry **ret) {
        GroupRegistry *r;
        const char *reason;
        int k;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->manager = m;
        r->event = sd_event_ref(m->event);
        k = cgroup_backend_init();
        if (k < 0)
                log_warning_errno(k, "No usable cgroup hierarchy, group management is unavailable: %m");
        if (base && *base)
                r->base = strdup(base);
        else if (cgroup_backend_unified() && getenv("INVOCATION_ID")) {
                /* Started by systemd with Delegate=yes: our own cgroup is ours to manage. */
                k = cgroup_backend_delegated_base(&r->base);
                if (k < 0)
                        log_warning_errno(k, "Cannot use the delegated cgroup, falling back to /virtd: %m");
        }
        if (!r->base)
                r->base = strdup("/virtd");
        if (!r->base) {
                group_registry_free(r);
                return -ENOMEM;
        }
        if (group_path_validate(r->base, &reason) < 0) {
                log_error("Cgroup base '%s' %s.", r->base, reason);
                group_registry_free(r);
                return -EINVAL;
        }
        log_info("Managing cgroups under %s.", r->base);
        *ret = r;
        return 0;
}

GroupRegistry *group_registry_free(GroupRegistry *r) {
        if (!r)
                return NULL;
        while (r->groups) {
                Group *g = r->groups;
                group_index_remove(r, g);
                group_free(g);
        }
        group_index_done(r);
        pid_watch_free_all(&r->sticky);
        sd_event_unref(r->event);
        free(r->base);
        free(r);
        return NULL;
}

int group_full_path(GroupRegistry *r, const char *path, char **ret) {
        if (streq(path, "/"))
                return (*ret = strdup(r->base)) ? 0 : -ENOMEM;
        return asprintf(ret, "%s%s", streq(r->base, "/") ? "" : r->base, path) < 0 ? -ENOMEM : 0;
}

/* The mounted controllers, each hierarchy once per name (v2's share one mount). */
static int mounted_controllers(char ***ret) {
        CgroupController *c = NULL;
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        int r;

        r = cgroup_backend_list_controllers(&c, &n);
        if (r < 0)
                return r;
        l = calloc(1, sizeof(char *));
        for (size_t i = 0; l && r >= 0 && i < n; i++)
                if (c[i].version > 0)
                        r = strv_extend(&l, c[i].name);
        cgroup_controllers_free(c, n);
        if (!l)
                return -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

/* On v2 every controller shares the directory tree; a group "has" the ones its cgroup.controllers lists. */
static bool v2_group_has(const char *controller, const char *full) {
        _cleanup_free_ char *file = NULL, *text = NULL;
        _cleanup_strv_free_ char **l = NULL;

        if (cgroup_backend_file(controller, full, "cgroup.controllers", &file) < 0 ||
            read_full_file(file, &text, NULL) < 0)
                return false;
        l = strv_split(text, " \n");
        return l && strv_contains(l, controller);
}

typedef struct Found {
        char *path;
        char **controllers;
        size_t seq; /* order of discovery, while scan() collects */
} Found;

static void found_free(Found *f, size_t n) {
        for (size_t i = 0; f && i < n; i++) {
                free(f[i].path);
                strv_free(f[i].controllers);
        }
        free(f);
}

/* Appends @path in @controller; found_merge() later joins the entries of one path. A search for the path
 * here made a full scan of 10,000 groups cost 10,000² / 2 string comparisons (the drift check's). */
static int found_add(Found **f, size_t *n, size_t *size, const char *path, const char *controller) {
        Found *e;

        if (*n == *size) {
                size_t grown_size = *size ? *size * 2 : 64;
                Found *grown = realloc(*f, sizeof(**f) * grown_size);
                if (!grown)
                        return -ENOMEM;
                *f = grown;
                *size = grown_size;
        }
        e = &(*f)[*n];
        *e = (Found) { .path = strdup(path), .controllers = calloc(1, sizeof(char *)), .seq = *n };
        (*n)++;
        if (!e->path || !e->controllers)
                return -ENOMEM;
        return strv_extend(&e->controllers, controller);
}

static int found_cmp(const void *a, const void *b) {
        return strcmp(((const Found *) a)->path, ((const Found *) b)->path);
}

/* By path, then in the order found, so that a group's hierarchies keep the order they were walked in. */
static int found_cmp_seq(const void *a, const void *b) {
        const Found *x = a, *y = b;
        int c = strcmp(x->path, y->path);

        return c != 0 ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts @f by path and joins the entries of one path (one per hierarchy it is in) into one. */
static int found_merge(Found *f, size_t *n) {
        size_t out = 0;
        int k;

        if (*n > 1)
                qsort(f, *n, sizeof(Found), found_cmp_seq);
        for (size_t i = 0; i < *n; i++) {
                if (out > 0 && streq(f[out - 1].path, f[i].path)) {
                        for (char **c = f[i].controllers; *c; c++)
                                if (!strv_contains(f[out - 1].controllers, *c) &&
                                    (k = strv_extend(&f[out - 1].controllers, *c)) < 0) {
                                        /* What is not merged yet stays in @f for found_free(). */
                                        memmove(&f[out], &f[i], (*n - i) * sizeof(Found));
                                        *n = out + (*n - i);
                                        return k;
                                }
                        free(f[i].path);
                        strv_free(f[i].controllers);
                        continue;
                }
                f[out++] = f[i];
        }
        *n = out;
        return 0;
}

static Found *found_find(Found *f, size_t n, const char *path) {
        Found key = { .path = (char *) path };

        return n > 0 ? bsearch(&key, f, n, sizeof(Found), found_cmp) : NULL;
}

/* Every group at or below UNDER ("/" for the whole base), relative to the base, with the hierarchies it
 * exists in among ONLY (NULL: every mounted one), sorted by path. */
static int scan(GroupRegistry *r, const char *under, char **only, Found **ret, size_t *ret_n) {
        _cleanup_strv_free_ char **mounted = NULL;
        _cleanup_free_ char *root = NULL;
        char **controllers = only;
        Found *f = NULL;
        size_t n = 0, size = 0, blen = streq(r->base, "/") ? 0 : strlen(r->base);
        int k;

        if (!only) {
                k = mounted_controllers(&mounted);
                if (k < 0)
                        return k;
                controllers = mounted;
        }
        if (!streq(under, "/")) {
                k = group_full_path(r, under, &root);
                if (k < 0)
                        return k;
        }
        for (char **c = controllers; *c; c++) {
                _cleanup_strv_free_ char **paths = NULL;
                bool v2 = cgroup_backend_version(*c) == 2;

                k = cgroup_backend_walk(*c, root ?: r->base, &paths);
                if (k == -ENOENT)
                        continue;
                if (k < 0)
                        goto fail;
                for (char **p = paths; *p; p++) {
                        const char *rel = *p + blen;

                        if (!*rel || streq(rel, "/") || (v2 && !v2_group_has(*c, *p)))
                                continue;
                        if (group_path_validate(rel, NULL) < 0)
                                continue; /* made by someone else with a name virtd cannot address */
                        k = found_add(&f, &n, &size, rel, *c);
                        if (k < 0)
                                goto fail;
                }
        }
        if ((k = found_merge(f, &n)) < 0)
                goto fail;
        *ret = f;
        *ret_n = n;
        return 0;
fail:
        found_free(f, n);
        return k;
}

Group *group_registry_find(GroupRegistry *r, const char *path) {
        return group_index_find(r, path);
}

Group *group_registry_lookup(GroupRegistry *r, const char *path) {
        Group *g = group_registry_find(r, path);

        /* Only the path itself can have appeared behind virtd's back; walking every tree here made each
         * CreateGroup cost O(groups). */
        if (!g && group_registry_sync_under(r, path) >= 0)
                g = group_registry_find(r, path);
        return g;
}

static void registry_remove(GroupRegistry *r, Group *g) {
        group_index_remove(r, g);
        (void) group_dbus_emit_removed(g);
        apply_drift_schedule(r->manager);
        group_free(g);
}

/* FRESH: made by this call a moment ago, so it holds no processes yet and there is nothing to read. */
static int registry_add(GroupRegistry *r, const Found *f, bool fresh) {
        Group *g;
        int k;

        k = group_new(r, f->path, f->controllers, &g);
        if (k < 0)
                return k;
        k = group_index_add(r, g);
        if (k < 0) {
                group_free(g);
                return k;
        }
        (void) group_watch_start(g);
        if (!fresh)
                (void) group_update_populated(g);
        (void) group_dbus_emit_added(g);
        return 0;
}

static bool path_is_under(const char *path, const char *under) {
        size_t l = strlen(under);

        return streq(under, "/") || (strncmp(path, under, l) == 0 && (path[l] == 0 || path[l] == '/'));
}

/* The hierarchies g is in after a scan of ONLY (NULL: all) found it in F's (F NULL: in none of them). */
static int controllers_after_scan(const Group *g, char **only, const Found *f, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        int k = 0;

        if (!l)
                return -ENOMEM;
        for (char **c = g->controllers; only && k >= 0 && *c; c++)
                if (!strv_contains(only, *c))
                        k = strv_extend(&l, *c);
        for (char **c = f ? f->controllers : NULL; k >= 0 && c && *c; c++)
                if (!strv_contains(l, *c))
                        k = strv_extend(&l, *c);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(l);
        return 0;
}

static bool strv_same_set(char **a, char **b) {
        if (strv_length(a) != strv_length(b))
                return false;
        for (char **c = a; *c; c++)
                if (!strv_contains(b, *c))
                        return false;
        return true;
}

static int sync_one(GroupRegistry *r, Group *g, char **only, const Found *f) {
        _cleanup_strv_free_ char **l = NULL;
        int k;

        k = controllers_after_scan(g, only, f, &l);
        if (k < 0)
                return k;
        if (!l[0]) {
                registry_remove(r, g);
                return 0;
        }
        if (!strv_same_set(l, g->controllers)) {
                strv_free(g->controllers);
                g->controllers = TAKE_PTR(l);
                group_watch_stop(g);
                (void) group_watch_start(g);
        }
        return 0;
}

/**
 * group_registry_sync_in() - bring the registry in line with the kernel for one subtree of some hierarchies
 * @r: the registry
 * @under: a group path relative to the base ("/" for everything)
 * @only: the hierarchies to look at (NULL: every mounted one); what the registry knows of the others stays
 *
 * Only groups at or below @under are added or dropped, so a create or delete costs a walk of what it
 * touched in the hierarchies it touched, instead of every hierarchy's whole tree (which made N creates
 * cost O(N²)). A group seen for the first time is registered with the hierarchies of @only it is in; a
 * later full sync adds any others it was already in.
 *
 * Return: 0 on success, negative errno otherwise.
 */
int group_registry_sync_in(GroupRegistry *r, const char *under, char **only) {
        Found *f = NULL;
        size_t n = 0;
        int k;

        assert(r && under);
        k = scan(r, under, only, &f, &n);
        if (k < 0)
                return k;
        if (group_index_may_have_below(r, under)) {
                for (Group *g = r->groups, *next; g && k >= 0; g = next) {
                        next = g->next;
                        if (path_is_under(g->path, under))
                                k = sync_one(r, g, only, found_find(f, n, g->path));
                }
        } else {
                Group *g = group_index_find(r, under);
                if (g)
                        k = sync_one(r, g, only, found_find(f, n, under));
        }
        for (size_t i = 0; i < n && k >= 0; i++)
                if (!group_index_find(r, f[i].path))
                        k = registry_add(r, &f[i], /* fresh= */ false);
        found_free(f, n);
        return k;
}

/* A leaf this call has just made in CONTROLLERS: nothing is below it yet, so the registry learns it without
 * a walk (a walk per hierarchy was a third of a CreateGroup's system calls). */
static int registry_note_created(GroupRegistry *r, const char *path, char **controllers) {
        Found f = { .path = (char *) path, .controllers = controllers };
        Group *g = group_index_find(r, path);

        return g ? sync_one(r, g, controllers, &f) : registry_add(r, &f, /* fresh= */ true);
}

int group_registry_sync_under(GroupRegistry *r, const char *under) {
        return group_registry_sync_in(r, under, NULL);
}

int group_registry_sync(GroupRegistry *r) {
        return group_registry_sync_under(r, "/");
}

int group_registry_reload(GroupRegistry *r) {
        int k = cgroup_backend_init();

        if (k < 0)
                return k;
        return group_registry_sync(r);
}

int group_parse_spec(const char *s, GroupSpec *ret, sd_bus_error *error) {
        const char *reason = NULL;
        int k;

        k = group_spec_parse(s, ret, &reason);
        if (k == -EINVAL)
                return virtd_bus_error_setf(error, EINVAL, "Group '%s' %s.", s, reason);
        return k;
}

/* The controllers a call addresses: as named (mapped to this host's v1 or v2 names), or the group's own. */
static int resolve_controllers(GroupRegistry *r, const GroupSpec *spec, bool must_exist, char ***ret,
                               sd_bus_error *error) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        /* A create names its controllers and needs no lookup (a miss would walk every hierarchy). */
        bool need_group = !streq(spec->path, "/") && (must_exist || !spec->controllers);
        Group *g = need_group ? group_registry_lookup(r, spec->path) : NULL;
        int k;

        if (!l)
                return -ENOMEM;
        if (must_exist && !g)
                return virtd_bus_error_setf(error, ENOENT, "Group %s does not exist under %s.", spec->path, r->base);
        if (!spec->controllers) {
                if (!g)
                        return virtd_bus_error_setf(error, EINVAL, "Group '%s' names no controllers (use CONTROLLERS:PATH).",
                                                       spec->path);
                *ret = TAKE_PTR(l);
                for (char **c = g->controllers; *c; c++)
                        if ((k = strv_extend(ret, *c)) < 0)
                                return k;
                return 0;
        }
        for (char **c = spec->controllers; *c; c++) {
                const char *name = *c;

                if (cgroup_backend_version(name) < 0) {
                        const char *alt = group_controller_to_v2(name);
                        if (!alt || cgroup_backend_version(alt) != 2)
                                alt = group_controller_to_v1(name);
                        if (!alt || cgroup_backend_version(alt) < 0)
                                return virtd_bus_error_setf(error, EOPNOTSUPP,
                                                               "Group %s: controller '%s' is not mounted on this host.",
                                                               spec->path, name);
                        name = alt;
                }
                if (!strv_contains(l, name) && (k = strv_extend(&l, name)) < 0)
                        return k;
                if (must_exist && !strv_contains(g->controllers, name))
                        return virtd_bus_error_setf(error, ENOENT, "Group %s does not exist in the %s hierarchy.",
                                                       spec->path, name);
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* Checks a parameter name against the group's controllers; on v2 translates v1 names. */
static int resolve_parameter(const char *path, char **controllers, const char *name, const char *value,
                             char **ret_controller, char **ret_name, char **ret_value, sd_bus_error *error) {
        _cleanup_free_ char *controller = NULL;
        const char *reason = NULL;
        int k;

        k = group_parameter_controller(name, &controller);
        if (k == -EINVAL)
                return virtd_bus_error_setf(error, EINVAL,
                                               "Group %s: '%s' is not a parameter name (CONTROLLER.FILE with a known controller).",
                                               path, name);
        if (k < 0)
                return k;
        if (value && group_value_validate(value, &reason) < 0)
                return virtd_bus_error_setf(error, EINVAL, "Group %s: the value of %s %s.", path, name, reason);
        if (cgroup_backend_version(controller) == 2 || (!strv_contains(controllers, controller) &&
                                                       group_controller_to_v2(controller) &&
                                                       strv_contains(controllers, group_controller_to_v2(controller)))) {
                const char *v2 = group_controller_to_v2(controller);
                if (v2 && cgroup_backend_version(v2) == 2 && value &&
                    group_parameter_to_v2(name, value, ret_name, ret_value) >= 0) {
                        *ret_controller = strdup(v2);
                        return *ret_controller ? 0 : -ENOMEM;
                }
        }
        if (!strv_contains(controllers, controller))
                return virtd_bus_error_setf(error, EINVAL, "Group %s has no controller '%s' for parameter %s.", path,
                                               controller, name);
        *ret_name = strdup(name);
        *ret_value = value ? strdup(value) : NULL;
        *ret_controller = TAKE_PTR(controller);
        return *ret_name && (!value || *ret_value) ? 0 : -ENOMEM;
}

typedef struct Applied {
        char *controller, *name, *old_value;
} Applied;

static void applied_free(Applied *a, size_t n) {
        for (size_t i = 0; a && i < n; i++) {
                free(a[i].controller);
                free(a[i].name);
                free(a[i].old_value);
        }
        free(a);
}

/* Writes params in order; with undo, earlier values are restored when a later one fails. */
static int apply_parameters(const char *path, const char *full, char **controllers, char **params, bool undo,
                            sd_bus_error *error) {
        Applied *done = NULL;
        size_t n = 0;
        int k = 0;

        for (char **p = params; p && p[0] && p[1]; p += 2) {
                _cleanup_free_ char *controller = NULL, *name = NULL, *value = NULL, *message = NULL, *old = NULL;
                Applied *grown;

                k = resolve_parameter(path, controllers, p[0], p[1], &controller, &name, &value, error);
                if (k < 0)
                        break;
                k = cgroup_backend_parameter_writable(controller, full, name);
                if (k <= 0) {
                        k = virtd_bus_error_setf(error, EINVAL, k == 0 ? "Group %s: parameter %s is read-only."
                                                                         : "Group %s has no parameter %s.",
                                                    path, name);
                        break;
                }
                if (undo)
                        (void) cgroup_backend_get(controller, full, name, &old);
                k = cgroup_backend_set(controller, full, name, value, &message);
                if (k < 0) {
                        k = virtd_bus_error_setf(error, -k, "Group %s: cannot set %s to '%s': %s.", path, name, value,
                                                    message ?: strerror(-k));
                        break;
                }
                grown = realloc(done, sizeof(*done) * (n + 1));
                if (!grown) {
                        k = -ENOMEM;
                        break;
                }
                done = grown;
                done[n++] = (Applied) { TAKE_PTR(controller), TAKE_PTR(name), TAKE_PTR(old) };
        }
        if (k < 0 && undo)
                for (size_t i = n; i > 0; i--)
                        if (done[i - 1].old_value &&
                            cgroup_backend_set(done[i - 1].controller, full, done[i - 1].name, done[i - 1].old_value, NULL) < 0)
                                log_warning("Group %s: cannot restore %s to '%s'.", path, done[i - 1].name,
                                            done[i - 1].old_value);
        applied_free(done, n);
        return k;
}

/* cpuset.cpus and cpuset.mems start empty in a new v1 group, and an empty cpuset takes no tasks:
 * copy each one the caller did not set from the parent, top-down through the directories made. */
static int cpuset_inherit(GroupRegistry *r, const char *top, const char *full, char **params, char ***inherited) {
        static const char * const names[] = { "cpuset.cpus", "cpuset.mems" };
        int k;

        if (cgroup_backend_version("cpuset") != 1)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                bool given = false;

                for (char **p = params; p && p[0] && p[1]; p += 2)
                        given = given || streq(p[0], names[i]);
                for (const char *end = full + strlen(top);; end = strchr(end + 1, '/')) {
                        _cleanup_free_ char *dir = strndup(full, end ? (size_t) (end - full) : strlen(full));
                        _cleanup_free_ char *parent = NULL, *value = NULL, *current = NULL;

                        if (!dir)
                                return -ENOMEM;
                        if (given && streq(dir, full))
                                break;
                        parent = strndup(dir, strrchr(dir, '/') - dir);
                        if (!parent)
                                return -ENOMEM;
                        if (cgroup_backend_get("cpuset", dir, names[i], &current) >= 0 && *current)
                                goto next;
                        k = cgroup_backend_get("cpuset", *parent ? parent : "/", names[i], &value);
                        if (k >= 0)
                                k = cgroup_backend_set("cpuset", dir, names[i], value, NULL);
                        if (k < 0)
                                return k;
                        if (streq(dir, full) && (k = strv_extend(inherited, names[i])) < 0)
                                return k;
                next:
                        if (!end || !*end) /* the last level done (end at the NUL when top is full itself) */
                                break;
                }
        }
        return 0;
}

/* The topmost directory a create would make in one hierarchy (the first missing ancestor). */
static int first_missing(const char *controller, const char *full, char **ret) {
        _cleanup_free_ char *p = strdup(full);
        char *last;

        if (!p)
                return -ENOMEM;
        /* The common case in two stats: the group is new and its parent exists. */
        if (cgroup_backend_exists(controller, full))
                return 0;
        last = strrchr(p, '/');
        if (last && last != p) {
                *last = 0;
                bool parent = cgroup_backend_exists(controller, p);
                *last = '/';
                if (parent) {
                        *ret = TAKE_PTR(p);
                        return 1;
                }
        }
        for (char *slash = p + 1;; slash++) {
                slash = strchr(slash, '/');
                if (slash)
                        *slash = 0;
                if (!cgroup_backend_exists(controller, p)) {
                        *ret = TAKE_PTR(p);
                        return 1;
                }
                if (!slash)
                        return 0;
                *slash = '/';
        }
}

static void undo_create(char **controllers, char **tops) {
        for (size_t i = 0; controllers[i]; i++)
                if (tops[i] && cgroup_backend_delete(controllers[i], tops[i], /* recursive= */ true, NULL) < 0)
                        log_warning("Cannot remove %s:%s after a failed create.", controllers[i], tops[i]);
}

int group_create(GroupRegistry *r, const GroupSpec *spec, char **params, const CgroupPerm *perm,
                 char ***ret_inherited, sd_bus_error *error) {
        _cleanup_strv_free_ char **controllers = NULL, **inherited = calloc(1, sizeof(char *));
        _cleanup_free_ char *full = NULL, *message = NULL;
        char **tops = NULL;
        size_t n;
        int k;

        if (!inherited)
                return -ENOMEM;
        if (!spec->controllers)
                return virtd_bus_error_setf(error, EINVAL, "Group %s: name the controllers to create it in (CONTROLLERS:PATH).",
                                               spec->path);
        if (streq(spec->path, "/"))
                return virtd_bus_error_setf(error, EINVAL, "Group path '/' is the managed base %s itself.", r->base);
        k = resolve_controllers(r, spec, false, &controllers, error);
        if (k < 0)
                return k;
        k = group_full_path(r, spec->path, &full);
        if (k < 0)
                return k;
        n = strv_length(controllers);
        tops = calloc(n + 1, sizeof(char *));
        if (!tops)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                k = first_missing(controllers[i], full, &tops[i]);
                if (k == 0)
                        k = virtd_bus_error_setf(error, EEXIST, "Group %s already exists in the %s hierarchy.", spec->path,
                                                    controllers[i]);
                if (k < 0)
                        goto fail;
        }
        /* Check every parameter name before touching the kernel. */
        for (char **p = params; p && p[0] && p[1]; p += 2) {
                _cleanup_free_ char *c = NULL, *nm = NULL, *v = NULL;
                k = resolve_parameter(spec->path, controllers, p[0], p[1], &c, &nm, &v, error);
                if (k < 0)
                        goto fail;
        }
        k = cgroup_backend_create(full, controllers, perm, &message);
        if (k < 0) {
                k = virtd_bus_error_setf(error, -k, "Cannot create group %s: %s.", spec->path, message ?: strerror(-k));
                goto undo;
        }
        if (strv_contains(controllers, "cpuset")) {
                const char *top = NULL;
                for (size_t i = 0; i < n; i++)
                        if (streq(controllers[i], "cpuset"))
                                top = tops[i];
                k = cpuset_inherit(r, top, full, params, &inherited);
                if (k < 0) {
                        k = virtd_bus_error_setf(error, -k, "Group %s: cannot inherit cpuset.cpus/mems from the parent: %s.",
                                                    spec->path, strerror(-k));
                        goto undo;
                }
        }
        k = apply_parameters(spec->path, full, controllers, params, /* undo= */ false, error);
        if (k < 0)
                goto undo;
        /* Register what was made: the subtree from the highest group this call created. */
        const char *highest = tops[0];
        for (size_t i = 1; i < n; i++)
                if (strlen(tops[i]) < strlen(highest))
                        highest = tops[i];
        highest += streq(r->base, "/") ? 0 : strlen(r->base);
        if (streq(highest, spec->path))
                (void) registry_note_created(r, spec->path, controllers);
        else
                (void) group_registry_sync_in(r, *highest ? highest : "/", controllers);
        for (size_t i = 0; i < n; i++)
                free(tops[i]);
        free(tops);
        if (ret_inherited)
                *ret_inherited = TAKE_PTR(inherited);
        return 0;
undo:
        undo_create(controllers, tops);
fail:
        for (size_t i = 0; i < n; i++)
                free(tops[i]);
        free(tops);
        return k;
}

static int refuse_busy(GroupRegistry *r, const char *path, char **controllers, bool recursive, bool migrate,
                       sd_bus_error *error) {
        _cleanup_free_ char *full = NULL;
        int k;

        k = group_full_path(r, path, &full);
        if (k < 0)
                return k;
        for (char **c = controllers; *c; c++) {
                _cleanup_strv_free_ char **tree = NULL;
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0;

                k = cgroup_backend_walk(*c, full, &tree);
                if (k == -ENOENT)
                        continue;
                if (k < 0)
                        return k;
                if (!recursive && strv_length(tree) > 1)
                        return virtd_bus_error_setf(error, ENOTEMPTY,
                                                       "Group %s has subgroups in the %s hierarchy (%s); delete them first or delete recursively.",
                                                       path, *c, tree[1] + strlen(r->base));
                for (char **t = tree; !migrate && *t; t++) {
                        if (cgroup_backend_procs(*c, *t, &pids, &n) >= 0 && n > 0)
                                return virtd_bus_error_setf(error, ENOTEMPTY,
                                                               "Group %s has %zu process(es) in %s (first: %d); move them or delete with migration.",
                                                               path, n, *c, (int) pids[0]);
                        free(pids);
                        pids = NULL;
                }
        }
        return 0;
}

int group_delete(GroupRegistry *r, const GroupSpec *spec, bool recursive, bool migrate, sd_bus_error *error) {
        _cleanup_strv_free_ char **controllers = NULL;
        _cleanup_free_ char *full = NULL;
        int k;

        if (streq(spec->path, "/"))
                return virtd_bus_error_setf(error, EINVAL, "Group path '/' is the managed base %s itself.", r->base);
        k = resolve_controllers(r, spec, true, &controllers, error);
        if (k < 0)
                return k;
        k = refuse_busy(r, spec->path, controllers, recursive, migrate, error);
        if (k < 0)
                return k;
        k = group_full_path(r, spec->path, &full);
        if (k < 0)
                return k;
        for (char **c = controllers; *c; c++) {
                _cleanup_free_ char *message = NULL;

                k = cgroup_backend_delete(*c, full, recursive, &message);
                if (k < 0) {
                        (void) group_registry_sync_in(r, spec->path, controllers);
                        return virtd_bus_error_setf(error, -k, "Cannot delete group %s from the %s hierarchy: %s.",
                                                       spec->path, *c, message ?: strerror(-k));
                }
        }
        return group_registry_sync_in(r, spec->path, controllers);
}

int group_set(GroupRegistry *r, const GroupSpec *spec, char **params, sd_bus_error *error) {
        _cleanup_strv_free_ char **controllers = NULL;
        _cleanup_free_ char *full = NULL;
        int k;

        if (strv_length(params) == 0)
                return virtd_bus_error_setf(error, EINVAL, "Group %s: no parameters given.", spec->path);
        k = resolve_controllers(r, spec, true, &controllers, error);
        if (k < 0)
                return k;
        k = group_full_path(r, spec->path, &full);
        if (k < 0)
                return k;
        return apply_parameters(spec->path, full, controllers, params, /* undo= */ true, error);
}

static int get_one(const char *path, const char *full, char **controllers, const char *name, char ***pairs,
                   sd_bus_error *error) {
        _cleanup_free_ char *controller = NULL, *file = NULL, *v = NULL, *value = NULL;
        int k;

        k = resolve_parameter(path, controllers, name, NULL, &controller, &file, &v, error);
        if (k < 0)
                return k;
        k = cgroup_backend_get(controller, full, file, &value);
        if (k == -ENOENT || k == -EINVAL)
                return virtd_bus_error_setf(error, EINVAL, "Group %s has no parameter %s.", path, name);
        if (k < 0)
                return virtd_bus_error_setf(error, -k, "Group %s: cannot read %s: %s.", path, name, strerror(-k));
        if ((k = strv_extend(pairs, name)) < 0 || (k = strv_extend(pairs, value)) < 0)
                return k;
        return 0;
}

int group_get(GroupRegistry *r, const GroupSpec *spec, char **names, char ***ret_pairs, sd_bus_error *error) {
        _cleanup_strv_free_ char **controllers = NULL, **pairs = calloc(1, sizeof(char *));
        _cleanup_free_ char *full = NULL;
        Group *g;
        int k;

        if (!pairs)
                return -ENOMEM;
        k = resolve_controllers(r, spec, true, &controllers, error);
        if (k < 0)
                return k;
        if (strv_length(names) == 0) {
                g = group_registry_find(r, spec->path);
                pairs = strv_free_and_null(pairs);
                k = group_parameters(g, &pairs);
                if (k < 0)
                        return virtd_bus_error_setf(error, -k, "Group %s: cannot read parameters: %s.", spec->path,
                                                       strerror(-k));
                *ret_pairs = TAKE_PTR(pairs);
                return 0;
        }
        k = group_full_path(r, spec->path, &full);
        if (k < 0)
                return k;
        for (char **n = names; *n; n++)
                if ((k = get_one(spec->path, full, controllers, *n, &pairs, error)) < 0)
                        return k;
        *ret_pairs = TAKE_PTR(pairs);
        return 0;
}

static void on_sticky_exit(PidWatch *w) {
        GroupRegistry *r = w->owner;

        pid_watch_remove(&r->sticky, w);
        (void) group_dbus_emit_sticky(r);
}

/* Puts pid back where it was, hierarchy by hierarchy, after a later pid of the batch failed. */
static void move_back(char **controllers, char **origins, pid_t pid) {
        for (size_t i = 0; controllers[i]; i++) {
                char *one[] = { controllers[i], NULL };
                if (origins[i] && cgroup_backend_attach(origins[i], one, pid, NULL) < 0)
                        log_warning("Cannot move process %d back to %s:%s.", (int) pid, controllers[i], origins[i]);
        }
}

int group_attach(GroupRegistry *r, const GroupSpec *spec, const pid_t *pids, size_t n, sd_bus_error *error) {
        _cleanup_strv_free_ char **controllers = NULL;
        _cleanup_free_ char *full = NULL;
        char ***origins = NULL;
        size_t nc, moved = 0;
        int k = 0;

        if (n == 0)
                return virtd_bus_error_setf(error, EINVAL, "Group %s: no processes given.", spec->path);
        k = resolve_controllers(r, spec, true, &controllers, error);
        if (k < 0)
                return k;
        for (size_t i = 0; i < n; i++)
                if (pids[i] <= 0 || (kill(pids[i], 0) < 0 && errno == ESRCH))
                        return virtd_bus_error_setf(error, ESRCH, "Process %d does not exist.", (int) pids[i]);
        k = group_full_path(r, spec->path, &full);
        if (k < 0)
                return k;
        nc = strv_length(controllers);
        origins = calloc(n, sizeof(char **));
        if (!origins)
                return -ENOMEM;
        for (; moved < n; moved++) {
                _cleanup_free_ char *message = NULL;

                origins[moved] = calloc(nc + 1, sizeof(char *));
                if (!origins[moved]) {
                        k = -ENOMEM;
                        break;
                }
                for (size_t i = 0; i < nc; i++)
                        (void) cgroup_backend_current_path(pids[moved], controllers[i], &origins[moved][i]);
                k = cgroup_backend_attach(full, controllers, pids[moved], &message);
                if (k < 0) {
                        k = virtd_bus_error_setf(error, -k, "Cannot move process %d into group %s: %s.", (int) pids[moved],
                                                    spec->path, message ?: strerror(-k));
                        move_back(controllers, origins[moved], pids[moved]);
                        break;
                }
        }
        for (size_t j = 0; j < n && origins[j]; j++) {
                if (k < 0 && j < moved)
                        move_back(controllers, origins[j], pids[j]);
                for (size_t i = 0; i < nc; i++)
                        free(origins[j][i]);
                free(origins[j]);
        }
        free(origins);
        return k;
}

void group_moved(GroupRegistry *r, const char *path, const pid_t *pids, size_t n) {
        Group *g = group_registry_find(r, path);

        if (!g)
                return;
        (void) group_watch_tasks(g, pids, n);
        (void) group_update_populated(g);
}

int group_move(GroupRegistry *r, const GroupSpec *spec, const pid_t *pids, size_t n, bool sticky,
               sd_bus_error *error) {
        int k;

        k = group_attach(r, spec, pids, n, error);
        if (k < 0)
                return k;
        if (sticky) {
                for (size_t i = 0; i < n; i++)
                        (void) pid_watch_add(&r->sticky, r->event, pids[i], r, on_sticky_exit);
                (void) group_dbus_emit_sticky(r);
        }
        group_moved(r, spec->path, pids, n);
        return 0;
}


int group_registry_sticky(GroupRegistry *r, pid_t **ret, size_t *ret_n) {
        size_t n = pid_watch_count(r->sticky), i = 0;
        pid_t *l = calloc(n + 1, sizeof(pid_t));

        if (!l)
                return -ENOMEM;
        for (PidWatch *w = r->sticky; w; w = w->next)
                l[i++] = w->pid;
        *ret = l;
        *ret_n = n;
        return 0;
}
