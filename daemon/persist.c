/* persist.c: the saved half of the mutating methods (one object edited in the files) and the Unsaved flags. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int read_current(const char *path, char **ret, size_t *ret_size) {
        int r = read_full_file(path, ret, ret_size);

        if (r == -ENOENT) {
                *ret_size = 0;
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        return r;
}

/* One of the two editors, or neither (only check that the file parses and can be written). */
typedef struct Editor {
        persist_cgconfig_fn cg;
        persist_network_fn net;
        void *userdata;
} Editor;

static int prepare(Manager *m, bool cgconfig, const Editor *ed, PersistEdit *ret, sd_bus_error *error) {
        _cleanup_(cgconfig_freep) CgConfig *cg = NULL;
        _cleanup_(netconf_freep) NetConfig *net = NULL;
        _cleanup_(persist_edit_done) PersistEdit e = { .cgconfig = cgconfig };
        _cleanup_free_ char *text = NULL;
        ConfError err = {};
        size_t size;
        int r;

        if (!(e.path = dir_file(m->config_dir, cgconfig ? "cgconfig.conf" : "network.conf")))
                return -ENOMEM;
        if ((r = read_current(e.path, &text, &size)) < 0)
                return virtd_bus_error_setf(error, r, "Cannot read %s: %s", e.path, strerror(-r));
        r = cgconfig ? cgconfig_parse(text, size, e.path, &cg, &err) : netconf_parse(text, size, e.path, &net, &err);
        if (r < 0) {
                r = parse_error(error, r, &err, e.path);
                conf_error_done(&err);
                return r;
        }
        if ((r = check_writable(e.path, error)) < 0)
                return r;
        if (!ed)
                goto done;
        r = cgconfig ? ed->cg(cg, ed->userdata) : ed->net(net, ed->userdata);
        if (r > 0)
                r = cgconfig ? cgconfig_serialize(cg, &e.text) : netconf_serialize(net, &e.text);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot update %s: %s", e.path, strerror(-r));
        if (e.text) {
                _cleanup_free_ char *msg = NULL;
                r = (cgconfig ? config_validate_cgconfig : config_validate_netconf)(e.text, strlen(e.text), e.path, &msg);
                if (r < 0)
                        return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "Cannot save the change to %s: %s",
                                                 e.path, msg ? msg : "the result does not parse");
        }
done:
        *ret = e;
        e = (PersistEdit) {};
        return 0;
}

int persist_prepare_cgconfig(Manager *m, persist_cgconfig_fn fn, void *userdata, PersistEdit *ret, sd_bus_error *error) {
        Editor ed = { .cg = fn, .userdata = userdata };

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
        int r;

        if (!e->text)
                return 0; /* the edit changed nothing */

        r = config_file_replace(e->path, e->text, strlen(e->text), 0644,
                                e->cgconfig ? config_validate_cgconfig : config_validate_netconf, /* force= */ false, &msg);
        if (r == -EBADMSG)
                return sd_bus_error_setf(error, VIRTD_ERROR_PARSE, "Not saving %s: %s", e->path, msg ? msg : "it does not parse");
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot write %s: %s", e->path, strerror(-r));
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
