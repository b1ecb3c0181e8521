/* namespace-dbus.c: bus glue for named namespaces: Namespace objects and the Manager's namespace methods. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link-dbus.h"
#include "link.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "owned.h"
#include "persist-objects.h"
#include "persist.h"
#include "namespace-dbus.h"
#include "polkit.h"
#include "strv.h"
#include "virtd-bus.h"

char *namespace_object_path(const char *name) {
        char *path = NULL;

        return sd_bus_path_encode(VIRTD_OBJECT_NAMESPACE_PREFIX, name, &path) < 0 ? NULL : path;
}

int bus_check_flags(uint64_t flags, const char *method, sd_bus_error *error) {
        uint64_t known = VIRTD_FLAG_INTERACTIVE | VIRTD_FLAG_RUNTIME;

        if (flags & ~known)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                         "%s: unknown flags 0x%" PRIx64 " (known: 0x1 interactive, 0x2 runtime).", method,
                                         flags & ~known);
        return 0;
}

/* ---- Namespace objects ---- */

static int namespace_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                                 sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        Namespace *ns;

        if (sd_bus_path_decode(path, VIRTD_OBJECT_NAMESPACE_PREFIX, &name) <= 0 || !*name)
                return 0;
        ns = namespace_find(userdata, name);
        if (!ns)
                return 0;
        *found = ns;
        return 1;
}

static int namespace_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        Manager *m = userdata;
        int r;

        if (!l)
                return -ENOMEM;
        for (Namespace *ns = m->namespaces->list; ns; ns = ns->next) {
                _cleanup_free_ char *p = namespace_object_path(ns->name);
                if (!p || (r = strv_extend(&l, p)) < 0)
                        return -ENOMEM;
        }
        *nodes = TAKE_PTR(l);
        return 1;
}

static int append_kinds(sd_bus_message *reply, unsigned kinds) {
        int r = sd_bus_message_open_container(reply, 'a', "s");

        for (NamespaceKind k = 0; r >= 0 && k < _NAMESPACE_KIND_MAX; k++)
                if (kinds & NAMESPACE_KIND_BIT(k))
                        r = sd_bus_message_append(reply, "s", namespace_kind_to_string(k));
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_get_name(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", ((Namespace *) userdata)->name);
}

static int property_get_kinds(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return append_kinds(reply, ((Namespace *) userdata)->kinds);
}

static int property_get_hostname(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *h = NULL;
        int r;

        r = namespace_hostname(userdata, &h);
        if (r < 0)
                return r;
        return sd_bus_message_append(reply, "s", strempty(h));
}

static int property_get_pids(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        r = namespace_pids(userdata, &pids, &n);
        return r < 0 ? r : virtd_bus_append_pids(reply, pids, n);
}

static int property_get_links(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Namespace *ns = userdata;
        _cleanup_free_ int *idx = NULL;
        size_t n = 0;
        int r;

        if (ns->watch && (r = netlink_watch_list_links(ns->watch, &idx, &n)) < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "o");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ char *p = link_object_path(ns->name, idx[i]);
                r = p ? sd_bus_message_append(reply, "o", p) : -ENOMEM;
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_get_unsaved(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Namespace *ns = userdata;
        _cleanup_free_ char *key = NULL;

        if (asprintf(&key, "namespace %s", ns->name) < 0)
                return -ENOMEM;
        return sd_bus_message_append(reply, "b", persist_is_unsaved(ns->manager, key));
}

/* Hostname and Pids are read live at each Get: nothing tells virtd when they change inside, so they are
 * not announced (EmitsChangedSignal=false) rather than announced wrongly. */
static const sd_bus_vtable namespace_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", property_get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Kinds", "as", property_get_kinds, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Hostname", "s", property_get_hostname, 0, 0),
        SD_BUS_PROPERTY("Pids", "au", property_get_pids, 0, 0),
        SD_BUS_PROPERTY("Unsaved", "b", property_get_unsaved, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Links", "ao", property_get_links, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

static int append_property(sd_bus_message *m, const char *name, const char *signature, sd_bus_property_get_t get,
                           Namespace *ns) {
        int r = sd_bus_message_open_container(m, 'e', "sv");

        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', signature);
        if (r >= 0)
                r = get(NULL, NULL, VIRTD_INTERFACE_NAMESPACE, name, m, ns, NULL);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r < 0 ? r : sd_bus_message_close_container(m);
}

/* InterfacesAdded without Pids: sd_bus_emit_interfaces_added() would add every property, and Pids stat()s
 * /proc/PID/ns/net of every process on the host for a namespace that has none yet. */
static int emit_added(Namespace *ns, const char *path) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_signal(ns->manager->bus, &m, VIRTD_OBJECT_ROOT, "org.freedesktop.DBus.ObjectManager",
                                      "InterfacesAdded");
        if (r >= 0)
                r = sd_bus_message_append(m, "o", path);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sa{sv}}");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'e', "sa{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", VIRTD_INTERFACE_NAMESPACE);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = append_property(m, "Name", "s", property_get_name, ns);
        if (r >= 0)
                r = append_property(m, "Kinds", "as", property_get_kinds, ns);
        if (r >= 0)
                r = append_property(m, "Hostname", "s", property_get_hostname, ns);
        if (r >= 0)
                r = append_property(m, "Links", "ao", property_get_links, ns);
        for (int i = 0; r >= 0 && i < 3; i++) /* a{sv}, {sa{sv}}, a{sa{sv}} */
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, m, NULL);
}

void namespace_dbus_emit_added(Namespace *ns) {
        _cleanup_free_ char *p = namespace_object_path(ns->name);

        if (!ns->manager->bus)
                return;
        if (!p || emit_added(ns, p) < 0)
                log_warning("Cannot announce namespace %s.", ns->name);
}

void namespace_dbus_emit_removed(Namespace *ns) {
        _cleanup_free_ char *p = namespace_object_path(ns->name);

        if (!p || sd_bus_emit_interfaces_removed(ns->manager->bus, p, VIRTD_INTERFACE_NAMESPACE, NULL) < 0)
                log_warning("Cannot announce the removal of namespace %s.", ns->name);
}

void namespace_dbus_emit_changed(Namespace *ns) {
        _cleanup_free_ char *p = namespace_object_path(ns->name);

        if (p)
                (void) sd_bus_emit_properties_changed(ns->manager->bus, p, VIRTD_INTERFACE_NAMESPACE, "Kinds", "Links", NULL);
}

void namespace_dbus_emit_links_changed(Namespace *ns) {
        _cleanup_free_ char *p = namespace_object_path(ns->name);

        if (p)
                (void) sd_bus_emit_properties_changed(ns->manager->bus, p, VIRTD_INTERFACE_NAMESPACE, "Links", NULL);
}

/* ---- Manager methods ---- */

typedef struct CreateArgs {
        NamespaceSpec spec;
        IdMapEntry *uid_map, *gid_map;
        uint64_t flags;
} CreateArgs;

static void create_args_done(CreateArgs *a) {
        free(a->uid_map);
        free(a->gid_map);
}

static int read_id_map(sd_bus_message *m, IdMapEntry **ret, size_t *ret_n) {
        IdMapEntry *l = NULL, e;
        size_t n = 0, allocated = 0;
        int r;

        /* Grows geometrically: a hostile caller may send 100,000 entries, and growing by one is quadratic
         * wherever realloc() cannot grow in place (under ASan and valgrind always). */
        r = sd_bus_message_enter_container(m, 'a', "(uuu)");
        while (r >= 0 && (r = sd_bus_message_read(m, "(uuu)", &e.inside, &e.outside, &e.count)) > 0) {
                if (n == allocated) {
                        IdMapEntry *grown = reallocarray(l, allocated * 2 + 8, sizeof(e));
                        if (!grown) {
                                r = -ENOMEM;
                                break;
                        }
                        l = grown;
                        allocated = allocated * 2 + 8;
                }
                l[n++] = e;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0) {
                free(l);
                return r;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

static int parse_kinds(char **names, unsigned *ret, sd_bus_error *error) {
        unsigned supported = namespace_kinds_supported(), kinds = 0;

        if (strv_length(names) == 0) {
                *ret = NAMESPACE_KIND_BIT(NAMESPACE_NET);
                return 0;
        }
        for (char **n = names; *n; n++) {
                int k;

                if (streq(*n, "all")) {
                        kinds |= supported;
                        continue;
                }
                k = namespace_kind_from_string(*n);
                if (k < 0)
                        return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                                 "Namespace kind '%s' is unknown (known: user, net, uts, ipc, pid, cgroup, time, mnt, all).", *n);
                if (!(supported & NAMESPACE_KIND_BIT(k)))
                        return sd_bus_error_setf(error, VIRTD_ERROR_NOT_SUPPORTED,
                                                 "Namespace kind '%s' is not offered by this kernel.", *n);
                kinds |= NAMESPACE_KIND_BIT(k);
        }
        *ret = kinds;
        return 0;
}

static int check_hostname(const CreateArgs *a, sd_bus_error *error) {
        const char *h = a->spec.hostname, *reason;

        if (!h)
                return 0;
        if (!(a->spec.kinds & NAMESPACE_KIND_BIT(NAMESPACE_UTS)))
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                         "Namespace %s: a hostname needs the uts kind.", a->spec.name);
        reason = hostname_invalid_reason(h);
        if (reason)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "Namespace %s: hostname '%s' %s.", a->spec.name, h, reason);
        return 0;
}

static int check_maps(const CreateArgs *a, sd_bus_error *error) {
        char reason[128];
        bool user = a->spec.kinds & NAMESPACE_KIND_BIT(NAMESPACE_USER);

        if (!user && (a->spec.n_uid_map || a->spec.n_gid_map))
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                         "Namespace %s: uid and gid maps need the user kind.", a->spec.name);
        if (id_map_check(a->uid_map, a->spec.n_uid_map, reason, sizeof(reason)) < 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "Namespace %s: uid map %s.", a->spec.name, reason);
        if (id_map_check(a->gid_map, a->spec.n_gid_map, reason, sizeof(reason)) < 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "Namespace %s: gid map %s.", a->spec.name, reason);
        return 0;
}

/* Reads and validates CreateNamespace()'s arguments; called before and again after authorization. */
static int create_args_read(sd_bus_message *m, Manager *mgr, CreateArgs *a, sd_bus_error *error) {
        _cleanup_strv_free_ char **kinds = NULL;
        const char *reason;
        int r;

        r = sd_bus_message_read(m, "s", &a->spec.name);
        if (r >= 0)
                r = virtd_bus_message_read_strv(m, &kinds);
        if (r >= 0)
                r = sd_bus_message_read(m, "s", &a->spec.hostname);
        if (r >= 0)
                r = read_id_map(m, &a->uid_map, &a->spec.n_uid_map);
        if (r >= 0)
                r = read_id_map(m, &a->gid_map, &a->spec.n_gid_map);
        if (r >= 0)
                r = sd_bus_message_read(m, "t", &a->flags);
        if (r < 0)
                return r;
        a->spec.uid_map = a->uid_map, a->spec.gid_map = a->gid_map;
        if (!*a->spec.hostname)
                a->spec.hostname = NULL;
        if ((reason = namespace_name_invalid_reason(a->spec.name)))
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "Namespace name '%s' %s.", a->spec.name, reason);
        if ((r = bus_check_flags(a->flags, "CreateNamespace", error)) < 0 || (r = parse_kinds(kinds, &a->spec.kinds, error)) < 0 ||
            (r = check_hostname(a, error)) < 0 || (r = check_maps(a, error)) < 0)
                return r;
        if (namespace_find(mgr, a->spec.name))
                return sd_bus_error_setf(error, VIRTD_ERROR_EXISTS, "Namespace %s already exists.", a->spec.name);
        return 0;
}

static int create_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(create_args_done) CreateArgs a = {};
        _cleanup_free_ char *path = NULL;
        bool save;
        Manager *mgr = userdata;
        Namespace *ns;
        int r;

        r = sd_bus_message_rewind(m, true);
        if (r < 0 || (r = create_args_read(m, mgr, &a, error)) < 0)
                return r;
        save = !(a.flags & VIRTD_FLAG_RUNTIME);
        if (save && ((r = persist_namespace_check(a.spec.name, a.spec.kinds, error)) < 0 ||
                     (r = persist_check(mgr, /* cgconfig= */ false, error)) < 0))
                return r;
        r = namespace_create(mgr, &a.spec, &ns);
        if (r == -EEXIST)
                return sd_bus_error_setf(error, VIRTD_ERROR_EXISTS,
                                         "Namespace %s already exists (a file of that name is in the netns or state directory).",
                                         a.spec.name);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot create namespace %s: %s (see virtd's log for the step).",
                                               a.spec.name, strerror(-r));
        if (save && (r = persist_namespace_write(mgr, a.spec.name, a.spec.kinds, a.spec.hostname, error)) < 0) {
                /* The file could not be written: the namespace goes again, the call changed nothing. */
                if (namespace_delete(ns, /* force= */ true) < 0)
                        log_error("Cannot undo the creation of namespace %s.", a.spec.name);
                return r;
        }
        persist_namespace_done(mgr, a.spec.name, PERSIST_CREATED, save);
        path = namespace_object_path(a.spec.name);
        if (!path)
                return -ENOMEM;
        return owned_reply_method_return(mgr, m, "o", path);
}

static int method_CreateNamespace(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(create_args_done) CreateArgs a = {};
        int r;

        r = create_args_read(m, userdata, &a, error);
        if (r < 0)
                return r;
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_NAMESPACES, a.flags & VIRTD_FLAG_INTERACTIVE, create_authorized,
                                userdata, error);
}

static int lookup_namespace(sd_bus_message *m, Manager *mgr, Namespace **ret, uint64_t *ret_flags, sd_bus_error *error) {
        const char *name;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        *ret = namespace_find(mgr, name);
        if (!*ret)
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_FOUND, "Namespace %s does not exist.", name);
        return 0;
}

static char *pids_to_string(const pid_t *pids, size_t n) {
        size_t size = n * 12 + 1, len = 0;
        char *s = malloc(size);

        if (!s)
                return NULL;
        *s = 0;
        for (size_t i = 0; i < n && i < 32; i++)
                len += (size_t) snprintf(s + len, size - len, "%s%d", i ? ", " : "", (int) pids[i]);
        if (n > 32)
                snprintf(s + len, size - len, ", …");
        return s;
}

/* The busy error lists the processes inside; the list is only gathered when there are some. */
static int busy_error(Namespace *ns, sd_bus_error *error) {
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_free_ char *list = NULL;
        size_t n = 0;
        int r;

        r = namespace_pids(ns, &pids, &n);
        if (r < 0)
                return r;
        if (n == 0) /* the last one left between the check and this list */
                return sd_bus_error_setf(error, VIRTD_ERROR_BUSY, "Namespace %s was in use a moment ago; try again.",
                                         ns->name);
        list = pids_to_string(pids, n);
        return sd_bus_error_setf(error, VIRTD_ERROR_BUSY,
                                 "Namespace %s is in use by %zu process%s (%s); stop %s or delete with force.",
                                 ns->name, n, n == 1 ? "" : "es", strempty(list), n == 1 ? "it" : "them");
}

static int delete_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL, *hostname = NULL;
        NamespaceSpec spec;
        bool save;
        Namespace *ns;
        uint64_t flags;
        int force, r;

        r = sd_bus_message_rewind(m, true);
        if (r < 0 || (r = lookup_namespace(m, userdata, &ns, NULL, error)) < 0)
                return r;
        r = sd_bus_message_read(m, "bt", &force, &flags);
        if (r < 0 || (r = bus_check_flags(flags, "DeleteNamespace", error)) < 0)
                return r;
        /* A busy namespace is refused first; its processes are only listed for the error. */
        if (!force && (r = namespace_in_use(ns)) != 0)
                return r < 0 ? r : busy_error(ns, error);
        save = !(flags & VIRTD_FLAG_RUNTIME);
        if (save && (r = persist_check(userdata, /* cgconfig= */ false, error)) < 0)
                return r;
        spec = (NamespaceSpec) { .name = name = strdup(ns->name), .kinds = ns->kinds };
        if (!name)
                return -ENOMEM;
        if (ns->kinds & NAMESPACE_KIND_BIT(NAMESPACE_UTS))
                (void) namespace_hostname(ns, &hostname);
        spec.hostname = hostname;
        r = namespace_delete(ns, /* force= */ true); /* in use or not was decided above */
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot delete namespace %s: %s", name, strerror(-r));
        if (save && (r = persist_namespace_remove(userdata, name, error)) < 0) {
                /* Its processes and links cannot come back; an empty namespace of that name can. */
                if (namespace_create(userdata, &spec, &ns) < 0)
                        log_error("Cannot undo the deletion of namespace %s.", name);
                return r;
        }
        persist_namespace_done(userdata, name, PERSIST_DELETED, save);
        return owned_reply_method_return(userdata, m, NULL);
}

static int method_DeleteNamespace(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Namespace *ns;
        uint64_t flags;
        int force, r;

        r = lookup_namespace(m, userdata, &ns, NULL, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "bt", &force, &flags);
        if (r < 0 || (r = bus_check_flags(flags, "DeleteNamespace", error)) < 0)
                return r;
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_NAMESPACES, flags & VIRTD_FLAG_INTERACTIVE, delete_authorized,
                                userdata, error);
}

static int method_ListNamespaces(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *mgr = userdata;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(saso)");
        for (Namespace *ns = mgr->namespaces->list; r >= 0 && ns; ns = ns->next) {
                _cleanup_free_ char *p = namespace_object_path(ns->name);
                if (!p)
                        return -ENOMEM;
                r = sd_bus_message_open_container(reply, 'r', "saso");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", ns->name);
                if (r >= 0)
                        r = append_kinds(reply, ns->kinds);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "o", p);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

static int enter_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Namespace *ns;
        int r;

        r = sd_bus_message_rewind(m, true);
        if (r < 0 || (r = lookup_namespace(m, userdata, &ns, NULL, error)) < 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sh)");
        /* In joining order: user first (it grants the rights for the rest), mnt last. */
        for (NamespaceKind k = 0; r >= 0 && k < _NAMESPACE_KIND_MAX; k++) {
                _cleanup_close_ int fd = -EBADF;

                if (!(ns->kinds & NAMESPACE_KIND_BIT(k)))
                        continue;
                fd = namespace_open_kind(ns, k);
                if (fd < 0)
                        return virtd_bus_error_setf(error, -fd, "Cannot open the %s namespace of %s: %s",
                                                       namespace_kind_to_string(k), ns->name, strerror(-fd));
                /* Appending an 'h' duplicates the descriptor; ours is closed by the cleanup. */
                r = sd_bus_message_append(reply, "(sh)", namespace_kind_to_string(k), fd);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

static int method_EnterNamespace(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Namespace *ns;
        uint64_t flags;
        int r;

        r = lookup_namespace(m, userdata, &ns, NULL, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "t", &flags);
        if (r < 0 || (r = bus_check_flags(flags, "EnterNamespace", error)) < 0)
                return r;
        if (!sd_bus_message_get_bus(m) || sd_bus_can_send(sd_bus_message_get_bus(m), SD_BUS_TYPE_UNIX_FD) <= 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_SUPPORTED,
                                         "Entering namespace %s needs file descriptor passing on the bus.", ns->name);
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_NAMESPACES, flags & VIRTD_FLAG_INTERACTIVE, enter_authorized,
                                userdata, error);
}

/* The namespace part of org.virtd.Virtd1.Manager, served beside manager-dbus.c's vtable. */
static const sd_bus_vtable manager_namespace_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("CreateNamespace",
                                SD_BUS_ARGS("s", name, "as", kinds, "s", hostname, "a(uuu)", uid_map, "a(uuu)", gid_map,
                                            "t", flags),
                                SD_BUS_RESULT("o", namespace), method_CreateNamespace, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("DeleteNamespace", SD_BUS_ARGS("s", name, "b", force, "t", flags), SD_BUS_NO_RESULT,
                                method_DeleteNamespace, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListNamespaces", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(saso)", namespaces),
                                method_ListNamespaces, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("EnterNamespace", SD_BUS_ARGS("s", name, "t", flags), SD_BUS_RESULT("a(sh)", fds),
                                method_EnterNamespace, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

int namespace_dbus_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, manager_namespace_vtable, m);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(m->bus, NULL, VIRTD_OBJECT_NAMESPACE_PREFIX, VIRTD_INTERFACE_NAMESPACE,
                                       namespace_vtable, namespace_object_find, m);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(m->bus, NULL, VIRTD_OBJECT_NAMESPACE_PREFIX, namespace_node_enumerator, m);
}
