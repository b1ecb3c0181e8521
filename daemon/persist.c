/* persist.c: the saved half of the mutating methods (one object edited in the files) and the Unsaved flags. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply-internal.h"
#include "apply.h"
#include "atomic-file.h"
#include "fileio.h"
#include "group.h"
#include "link.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "namespace-dbus.h"
#include "netlink.h"
#include "owned.h"
#include "persist.h"
#include "strset.h"
#include "strv.h"
#include "virtd-bus.h"

void persist_edit_done(PersistEdit *e) {
        free(e->path);
        free(e->text);
        *e = (PersistEdit) {};
}

/* Root passes every mode check; what stops a write is a read-only mount or an immutable file. */
static int check_writable(const char *path, sd_bus_error *error) {
        _cleanup_free_ char *dir = strdup(path);
        char *slash;

        if (!dir)
                return -ENOMEM;
        if ((slash = strrchr(dir, '/')))
                *slash = 0;
        if (access(dir, W_OK) < 0)
                return virtd_bus_error_setf(error, errno, "Cannot save to %s: the directory %s is not writable (%s).", path,
                                            dir, strerror(errno));
        if (access(path, W_OK) < 0 && errno != ENOENT)
                return virtd_bus_error_setf(error, errno, "Cannot save to %s: the file is not writable (%s).", path,
                                            strerror(errno));
        return 0;
}

/* Which version of a file is on disk: a write (a rename) or an editor changes at least one of these. */
typedef struct FileId {
        bool exists;
        dev_t dev;
        ino_t ino;
        struct timespec mtime;
        off_t size;
} FileId;

static int file_id(const char *path, FileId *ret) {
        struct stat st;

        if (stat(path, &st) < 0) {
                if (errno != ENOENT)
                        return -errno;
                *ret = (FileId) {};
                return 0;
        }
        *ret = (FileId) { .exists = true, .dev = st.st_dev, .ino = st.st_ino, .mtime = st.st_mtim, .size = st.st_size };
        return 0;
}

static bool file_id_equal(const FileId *a, const FileId *b) {
        return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino && a->mtime.tv_sec == b->mtime.tv_sec &&
               a->mtime.tv_nsec == b->mtime.tv_nsec && a->size == b->size;
}

/*
 * A persisted call used to read and parse the whole file five times (the check before the kernel, the
 * edit, the check of the result, and config_file_replace()'s checks of the old and the new text). The
 * parsed file is now kept with the FileId it was read at, and a call edits that model in place: a file
 * of 10,000 groups costs a stat(), one serialization and one write per call instead.
 */
typedef struct CachedFile {
        void *parsed;        /* CgConfig or NetConfig */
        FileId id;           /* the version parsed */
        bool valid;          /* parsed is that version, unedited (or edited and written) */
        unsigned generation; /* counts edits, so that a commit knows the model is its edit's */
} CachedFile;

struct PersistCache {
        CachedFile file[2]; /* [false] network.conf, [true] cgconfig.conf */
};

static void cached_file_clear(CachedFile *f, bool cgconfig) {
        if (cgconfig)
                cgconfig_free(f->parsed);
        else
                netconf_free(f->parsed);
        f->parsed = NULL;
        f->valid = false;
}

PersistCache *persist_cache_free(PersistCache *c) {
        if (!c)
                return NULL;
        cached_file_clear(&c->file[0], false);
        cached_file_clear(&c->file[1], true);
        free(c);
        return NULL;
}

static int read_current(const char *path, char **ret, size_t *ret_size) {
        int r = read_full_file(path, ret, ret_size);

        if (r == -ENOENT) {
                *ret_size = 0;
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        return r;
}

/* The parsed file at @path, from the cache while the file on disk is the version parsed. */
static int cached_load(Manager *m, bool cgconfig, const char *path, CachedFile **ret, sd_bus_error *error) {
        _cleanup_free_ char *text = NULL;
        CachedFile *f;
        FileId before = {}, after = {};
        ConfError err = {};
        size_t size;
        int r;

        if (!m->persist_cache && !(m->persist_cache = calloc(1, sizeof(PersistCache))))
                return -ENOMEM;
        f = &m->persist_cache->file[cgconfig];
        if ((r = file_id(path, &before)) < 0)
                return virtd_bus_error_setf(error, r, "Cannot read %s: %s", path, strerror(-r));
        if (f->valid && file_id_equal(&f->id, &before)) {
                *ret = f;
                return 0;
        }
        cached_file_clear(f, cgconfig);
        if ((r = read_current(path, &text, &size)) < 0)
                return virtd_bus_error_setf(error, r, "Cannot read %s: %s", path, strerror(-r));
        r = cgconfig ? cgconfig_parse(text, size, path, (CgConfig **) &f->parsed, &err)
                     : netconf_parse(text, size, path, (NetConfig **) &f->parsed, &err);
        if (r < 0) {
                r = parse_error(error, r, &err, path);
                conf_error_done(&err);
                return r;
        }
        /* Kept for later calls only if the file did not change while it was read. */
        f->id = before;
        f->valid = file_id(path, &after) >= 0 && file_id_equal(&before, &after);
        *ret = f;
        return 0;
}

/* One of the two editors, or neither (only check that the file parses and can be written). */
typedef struct Editor {
        persist_cgconfig_fn cg;
        persist_network_fn net;
        void *userdata;
        const char *group; /* cgconfig.conf: the group the edit touches, checked alone */
} Editor;

/* Whether the edited model serializes to text that parses: the group the edit touched with the file's
 * mount and namespace sections, or (network.conf, or no group named) the whole text. */
static int check_result(const CachedFile *f, bool cgconfig, const Editor *ed, const PersistEdit *e, sd_bus_error *error) {
        _cleanup_free_ char *msg = NULL, *fragment = NULL;
        const char *text = e->text;
        int r;

        if (cgconfig && ed->group) {
                const CgConfig *c = f->parsed;
                const CgGroup *g = cgconfig_find_group(c, ed->group);
                CgConfig one = { .mounts = c->mounts, .n_mounts = c->n_mounts, .namespaces = c->namespaces,
                                 .n_namespaces = c->n_namespaces, .default_perm = c->default_perm,
                                 .groups = (CgGroup *) g, .n_groups = 1 };

                if (!g)
                        return 0; /* removed */
                if ((r = cgconfig_serialize(&one, &fragment)) < 0)
                        return virtd_bus_error_setf(error, r, "Cannot update %s: %s", e->path, strerror(-r));
                text = fragment;
        }
        r = (cgconfig ? config_validate_cgconfig : config_validate_netconf)(text, strlen(text), e->path, &msg);
        if (r < 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "Cannot save the change to %s: %s", e->path,
                                         msg ? msg : "the result does not parse");
        return 0;
}

static int prepare(Manager *m, bool cgconfig, const Editor *ed, PersistEdit *ret, sd_bus_error *error) {
        _cleanup_(persist_edit_done) PersistEdit e = { .cgconfig = cgconfig };
        CachedFile *f = NULL;
        bool was_valid;
        int r;

        if (!(e.path = dir_file(m->config_dir, cgconfig ? "cgconfig.conf" : "network.conf")))
                return -ENOMEM;
        if ((r = cached_load(m, cgconfig, e.path, &f, error)) < 0)
                return r;
        if ((r = check_writable(e.path, error)) < 0)
                return r;
        if (!ed)
                goto done;
        /* The model is edited in place: until persist_commit() has written it, it is not the file's. */
        was_valid = f->valid;
        f->valid = false;
        e.generation = ++f->generation;
        r = cgconfig ? ed->cg(f->parsed, ed->userdata) : ed->net(f->parsed, ed->userdata);
        if (r == 0)
                f->valid = was_valid;
        if (r > 0)
                r = cgconfig ? cgconfig_serialize(f->parsed, &e.text) : netconf_serialize(f->parsed, &e.text);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot update %s: %s", e.path, strerror(-r));
        if (e.text && (r = check_result(f, cgconfig, ed, &e, error)) < 0)
                return r;
done:
        *ret = e;
        e = (PersistEdit) {};
        return 0;
}

int persist_prepare_cgconfig(Manager *m, persist_cgconfig_fn fn, void *userdata, const char *group, PersistEdit *ret,
                             sd_bus_error *error) {
        Editor ed = { .cg = fn, .userdata = userdata, .group = group };

        return prepare(m, true, &ed, ret, error);
}

int persist_prepare_network(Manager *m, persist_network_fn fn, void *userdata, PersistEdit *ret, sd_bus_error *error) {
        Editor ed = { .net = fn, .userdata = userdata };

        return prepare(m, false, &ed, ret, error);
}

int persist_check(Manager *m, bool cgconfig, sd_bus_error *error) {
        _cleanup_(persist_edit_done) PersistEdit e = {};

        return prepare(m, cgconfig, NULL, &e, error);
}

int persist_commit(Manager *m, const PersistEdit *e, sd_bus_error *error) {
        _cleanup_free_ char *msg = NULL;
        CachedFile *f = m->persist_cache ? &m->persist_cache->file[e->cgconfig] : NULL;
        FileId now = {};
        bool ours;
        int r;

        if (!e->text)
                return 0; /* the edit changed nothing */

        /* The text comes from the parsed file, which is still the one on disk: neither needs parsing again.
         * Otherwise (the file changed since, or the model is another edit's) the old checks run. */
        ours = f && f->parsed && f->generation == e->generation && file_id(e->path, &now) >= 0 && file_id_equal(&now, &f->id);
        if (ours)
                r = atomic_write_file(e->path, e->text, strlen(e->text), 0644);
        else
                r = config_file_replace(e->path, e->text, strlen(e->text), 0644,
                                        e->cgconfig ? config_validate_cgconfig : config_validate_netconf, /* force= */ false,
                                        &msg);
        if (r == -EBADMSG)
                return sd_bus_error_setf(error, VIRTD_ERROR_PARSE, "Not saving %s: %s", e->path, msg ? msg : "it does not parse");
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot write %s: %s", e->path, strerror(-r));
        /* The model is the file now. */
        if (ours && file_id(e->path, &f->id) >= 0)
                f->valid = true;
        log_info("Saved the change to %s.", e->path);
        return 0;
}

void persist_own(Manager *m, const char *kind, const char *name, bool add) {
        _cleanup_free_ char *key = config_owned_key(kind, name);
        int r = key ? owned_change(m, key, add) : -ENOMEM;

        if (r < 0)
                log_warning_errno(r, "Cannot update the ownership record for %s %s: %m", kind, name);
}

/* ---- Unsaved ---- */

char *persist_link_key(const char *ns, const char *name) {
        char *s = NULL;

        return asprintf(&s, "link %s/%s", ns && *ns ? ns : "host", name) < 0 ? NULL : s;
}

void persist_mark_runtime(Manager *m, const char *key) {
        if (key && !m->runtime_changed && !(m->runtime_changed = strset_new()))
                log_oom();
        else if (key && strset_add(m->runtime_changed, key) < 0)
                log_oom();
        apply_drift_schedule(m);
}

void persist_forget(Manager *m, const char *key) {
        if (key)
                (void) strset_remove(m->runtime_changed, key);
        apply_drift_schedule(m);
}

void persist_saved_all(Manager *m) {
        strset_clear(m->runtime_changed);
        apply_drift_schedule(m);
}

bool persist_is_unsaved(Manager *m, const char *key) {
        return key && strset_contains(m->unsaved, key);
}

static int add_key(StrSet *l, const char *kind, const char *name) {
        _cleanup_free_ char *key = config_owned_key(kind, name);

        if (!key)
                return -ENOMEM;
        return strset_add(l, key) < 0 ? -ENOMEM : 0;
}

static int add_link_key(StrSet *l, const char *ns, const char *name) {
        _cleanup_free_ char *key = persist_link_key(ns, name);

        if (!key)
                return -ENOMEM;
        return strset_add(l, key) < 0 ? -ENOMEM : 0;
}

/* A step the kernel would undo on Apply means the live object is not what the files say. */
static int step_key(StrSet *l, const PlanStep *s) {
        if (s->kind == PLAN_PARAMETER || (s->kind == PLAN_GROUP && s->action == PLAN_DELETE))
                return add_key(l, "group", s->name);
        if (s->kind == PLAN_NAMESPACE && s->action == PLAN_DELETE)
                return add_key(l, "namespace", s->name);
        if ((s->kind == PLAN_VETH && s->action == PLAN_DELETE) || s->kind == PLAN_ADDRESS)
                return add_link_key(l, s->namespace, s->name);
        /* A bridge, VLAN or port that exists but differs from its section, or that no section names. */
        if ((s->kind == PLAN_BRIDGE || s->kind == PLAN_VLAN || s->kind == PLAN_PORT) && s->action != PLAN_CREATE)
                return add_link_key(l, s->namespace, s->name);
        return 0;
}

static int compute_unsaved(Manager *m, const ApplyContext *c, StrSet **ret) {
        _cleanup_(strset_freep) StrSet *l = strset_new();
        size_t it = 0;
        int r;

        if (!l)
                return -ENOMEM;
        for (const char *k; (k = strset_iterate(m->runtime_changed, &it));)
                if (strset_add(l, k) < 0)
                        return -ENOMEM;
        for (size_t i = 0; i < c->plan->n_steps; i++)
                if ((r = step_key(l, &c->plan->steps[i])) < 0)
                        return r;
        /* What Save would add: live objects the files do not name. */
        for (size_t i = 0; c->live_cg && i < c->live_cg->n_groups; i++)
                if (!cgconfig_find_group(c->want_cg, c->live_cg->groups[i].name) &&
                    (r = add_key(l, "group", c->live_cg->groups[i].name)) < 0)
                        return r;
        for (size_t i = 0; c->live_net && i < c->live_net->n_objects; i++) {
                const NetObject *o = &c->live_net->objects[i];
                bool named = false;

                if (o->type != NET_NAMESPACE)
                        continue;
                for (size_t j = 0; j < c->want_net->n_objects; j++)
                        named = named || (c->want_net->objects[j].type == NET_NAMESPACE && streq(c->want_net->objects[j].name, o->name));
                if (!named && (r = add_key(l, "namespace", o->name)) < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* "virtd/web" (cgconfig.conf's name) → the Group object of "/web" below the managed base. */
static char *group_key_object(Manager *m, const char *name) {
        const char *base = m->groups ? m->groups->base + 1 : NULL, *rest;
        _cleanup_free_ char *path = NULL;
        char *object = NULL;

        if (!base)
                return NULL;
        rest = *base ? startswith(name, base) : name;
        if (!rest || (*base && *rest != '/'))
                return NULL;
        if (asprintf(&path, "%s%s", *base ? "" : "/", rest) < 0 || group_object_path(path, &object) < 0)
                return NULL;
        return object;
}

static void emit_unsaved(Manager *m, const char *key) {
        _cleanup_free_ char *object = NULL, *ns_name = NULL;
        const char *interface = NULL, *rest;

        if ((rest = startswith(key, "group "))) {
                object = group_key_object(m, rest);
                interface = VIRTD_INTERFACE_GROUP;
        } else if ((rest = startswith(key, "namespace "))) {
                object = namespace_object_path(rest);
                interface = VIRTD_INTERFACE_NAMESPACE;
        } else if ((rest = startswith(key, "link "))) {
                const char *slash = strchr(rest, '/');
                Namespace *ns;
                LinkInfo info;

                /* Host links are not objects. */
                if (!slash || !(ns_name = strndup(rest, slash - rest)) || !(ns = namespace_find(m, ns_name)) ||
                    netlink_link_get(ns->net_fd, slash + 1, 0, &info) < 0)
                        return;
                object = link_object_path(ns->name, info.ifindex);
                interface = VIRTD_INTERFACE_LINK;
        }
        if (object && m->bus)
                (void) sd_bus_emit_properties_changed(m->bus, object, interface, "Unsaved", NULL);
}

int persist_unsaved_update(Manager *m, const ApplyContext *c) {
        _cleanup_(strset_freep) StrSet *now = NULL, *before = NULL;
        size_t i = 0;
        int r;

        r = compute_unsaved(m, c, &now);
        if (r < 0)
                return r;
        before = TAKE_PTR(m->unsaved);
        m->unsaved = TAKE_PTR(now);
        if (!m->ready)
                return 0;
        for (const char *k; (k = strset_iterate(m->unsaved, &i));)
                if (!strset_contains(before, k))
                        emit_unsaved(m, k);
        i = 0;
        for (const char *k; (k = strset_iterate(before, &i));)
                if (!strset_contains(m->unsaved, k))
                        emit_unsaved(m, k);
        return 0;
}
