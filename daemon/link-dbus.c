/* link-dbus.c: bus glue for links: Link objects backed by each namespace's cache, and the link methods. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "link-dbus.h"
#include "link.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "namespace-dbus.h"
#include "owned.h"
#include "persist-objects.h"
#include "persist.h"
#include "save-capture.h"
#include "polkit.h"
#include "strv.h"
#include "vlan-dbus.h"
#include "virtd-bus.h"

/* ---- Link objects ---- */

static int link_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                            sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        LinkInfo info;
        Namespace *ns;
        int ifindex;

        if (link_object_path_parse(path, &name, &ifindex) < 0)
                return 0;
        ns = namespace_find(userdata, name);
        if (!ns || !ns->watch || netlink_watch_get_link(ns->watch, ifindex, &info) < 0)
                return 0;
        /* The getters take the ifindex from the path; the namespace is the object's data. */
        *found = ns;
        return 1;
}

static int link_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        Manager *m = userdata;
        int r;

        if (!l)
                return -ENOMEM;
        for (Namespace *ns = m->namespaces->list; ns; ns = ns->next) {
                _cleanup_free_ int *idx = NULL;
                size_t n = 0;

                if (!ns->watch || netlink_watch_list_links(ns->watch, &idx, &n) < 0)
                        continue;
                for (size_t i = 0; i < n; i++) {
                        _cleanup_free_ char *p = link_object_path(ns->name, idx[i]);
                        if (!p || (r = strv_extend(&l, p)) < 0)
                                return -ENOMEM;
                }
        }
        *nodes = TAKE_PTR(l);
        return 1;
}

static int link_get(const char *path, Namespace *ns, LinkInfo *ret) {
        _cleanup_free_ char *name = NULL;
        int ifindex, r;

        r = link_object_path_parse(path, &name, &ifindex);
        if (r < 0)
                return r;
        return ns->watch ? netlink_watch_get_link(ns->watch, ifindex, ret) : -ENODEV;
}

/* The peer of a veth: in the same namespace, or in another managed one whose id matches IFLA_LINK_NETNSID. */
static char *link_peer_path(Namespace *ns, const LinkInfo *info) {
        if (info->peer_ifindex <= 0)
                return NULL;
        if (info->peer_netnsid < 0)
                return link_object_path(ns->name, info->peer_ifindex);
        for (Namespace *o = ns->manager->namespaces->list; o; o = o->next)
                if (o != ns && o->net_fd >= 0 && netlink_get_nsid(ns->net_fd, o->net_fd) == info->peer_netnsid)
                        return link_object_path(o->name, info->peer_ifindex);
        return NULL;
}

static int property_get_link(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Namespace *ns = userdata;
        LinkInfo i;
        int r;

        r = link_get(path, ns, &i);
        if (r < 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_FOUND, "Link %s is gone.", path);
        if (streq(property, "Name"))
                return sd_bus_message_append(reply, "s", i.name);
        if (streq(property, "Ifindex"))
                return sd_bus_message_append(reply, "i", i.ifindex);
        if (streq(property, "Namespace"))
                return sd_bus_message_append(reply, "s", ns->name);
        if (streq(property, "Kind"))
                return sd_bus_message_append(reply, "s", i.kind);
        if (streq(property, "State"))
                return sd_bus_message_append(reply, "s", i.up ? "up" : "down");
        if (streq(property, "OperationalState"))
                return sd_bus_message_append(reply, "s", i.operstate);
        if (streq(property, "Mtu"))
                return sd_bus_message_append(reply, "u", i.mtu);
        if (streq(property, "Mac"))
                return sd_bus_message_append(reply, "s", i.mac);
        if (streq(property, "Unsaved")) {
                _cleanup_free_ char *key = persist_link_key(ns->name, i.name);
                return sd_bus_message_append(reply, "b", persist_is_unsaved(ns->manager, key));
        }
        if (streq(property, "Peer")) {
                _cleanup_free_ char *p = NULL;
                /* Asked of the kernel, not the cache: the first end of a pair is announced before its peer
                 * exists, and no later notification fills in IFLA_LINK. */
                if (netlink_link_get(ns->net_fd, NULL, i.ifindex, &i) >= 0)
                        p = link_peer_path(ns, &i);
                return sd_bus_message_append(reply, "o", p ? p : "/");
        }
        return -EINVAL;
}

static int property_get_addresses(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        Namespace *ns = userdata;
        LinkInfo i;
        int r;

        r = link_get(path, ns, &i);
        if (r < 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_FOUND, "Link %s is gone.", path);
        r = netlink_watch_get_addresses(ns->watch, i.ifindex, &l);
        if (r < 0)
                return r;
        return sd_bus_message_append_strv(reply, l);
}

#define LINK_PROPERTY(name, sig, flags) SD_BUS_PROPERTY(name, sig, property_get_link, 0, flags)

static const sd_bus_vtable link_vtable[] = {
        SD_BUS_VTABLE_START(0),
        LINK_PROPERTY("Name", "s", SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        LINK_PROPERTY("Ifindex", "i", SD_BUS_VTABLE_PROPERTY_CONST),
        LINK_PROPERTY("Namespace", "s", SD_BUS_VTABLE_PROPERTY_CONST),
        LINK_PROPERTY("Kind", "s", SD_BUS_VTABLE_PROPERTY_CONST),
        LINK_PROPERTY("State", "s", SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        LINK_PROPERTY("OperationalState", "s", SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        LINK_PROPERTY("Mtu", "u", SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        LINK_PROPERTY("Mac", "s", SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Addresses", "as", property_get_addresses, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        LINK_PROPERTY("Peer", "o", SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        LINK_PROPERTY("Unsaved", "b", SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

void link_dbus_on_link_event(Namespace *ns, NetlinkEvent event, int ifindex) {
        _cleanup_free_ char *p = link_object_path(ns->name, ifindex);
        sd_bus *bus = ns->manager->bus;
        int r;

        if (!p || !bus)
                return;
        if (event == NETLINK_EVENT_NEW)
                r = sd_bus_emit_interfaces_added(bus, p, VIRTD_INTERFACE_LINK, NULL);
        else if (event == NETLINK_EVENT_DEL)
                r = sd_bus_emit_interfaces_removed(bus, p, VIRTD_INTERFACE_LINK, NULL);
        else
                r = sd_bus_emit_properties_changed(bus, p, VIRTD_INTERFACE_LINK, "Name", "State", "OperationalState",
                                                   "Mtu", "Mac", "Peer", NULL);
        if (r < 0)
                log_debug_errno(r, "Cannot announce a change of link %s: %m", p);
        vlan_dbus_on_link_event(ns, event, ifindex);
        if (event != NETLINK_EVENT_CHANGE)
                namespace_dbus_emit_links_changed(ns);
        if (event == NETLINK_EVENT_DEL)
                apply_drift_schedule(ns->manager);
}

void link_dbus_on_address_event(Namespace *ns, int ifindex) {
        _cleanup_free_ char *p = link_object_path(ns->name, ifindex);
        LinkInfo i;

        /* Addresses vanish with their link; a removed link has no object to change. */
        if (p && ns->manager->bus && netlink_watch_get_link(ns->watch, ifindex, &i) >= 0)
                (void) sd_bus_emit_properties_changed(ns->manager->bus, p, VIRTD_INTERFACE_LINK, "Addresses", NULL);
}

void link_dbus_emit_all_removed(Namespace *ns) {
        _cleanup_free_ int *idx = NULL;
        size_t n = 0;

        if (!ns->watch || !ns->manager->bus || netlink_watch_list_links(ns->watch, &idx, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = link_object_path(ns->name, idx[i]);
                if (p)
                        (void) sd_bus_emit_interfaces_removed(ns->manager->bus, p, VIRTD_INTERFACE_LINK, NULL);
        }
}

/* ---- Manager methods ---- */

/* "" is the host; anything else must be a managed namespace with a bound net namespace. */
static int resolve_namespace(Manager *m, const char *name, const char *role, Namespace **ret, sd_bus_error *error) {
        Namespace *ns;

        if (!*name) {
                *ret = NULL;
                return 0;
        }
        ns = namespace_find(m, name);
        if (!ns || !namespace_net_is_bound(ns))
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_FOUND, "%s namespace %s does not exist%s.", role, name,
                                         ns ? " (its net namespace is gone)" : "");
        *ret = ns;
        return 0;
}

static const char *label(Namespace *ns) {
        return ns ? ns->name : "the host";
}

static int check_link_name(const char *what, const char *name, sd_bus_error *error) {
        const char *reason = link_name_invalid_reason(name);

        if (reason)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "%s '%s' %s.", what, name, reason);
        return 0;
}

static int check_mac(const char *what, const char *s, uint8_t mac[6], bool *has, sd_bus_error *error) {
        const char *reason;

        *has = *s;
        if (*s && mac_parse(s, mac, &reason) < 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "MAC address '%s' of %s %s.", s, what, reason);
        return 0;
}

/* The link called name inside ns, or a NotFound error naming both. */
static int find_link(Namespace *ns, const char *name, LinkInfo *ret, sd_bus_error *error) {
        int r = netlink_link_get(link_netns_fd(ns), name, 0, ret);

        if (r == -ENODEV)
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_FOUND, "Link %s does not exist in %s.", name, label(ns));
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot look up link %s in %s: %s", name, label(ns), strerror(-r));
        return 0;
}

static int check_free(Namespace *ns, const char *name, sd_bus_error *error) {
        LinkInfo i;

        if (netlink_link_get(link_netns_fd(ns), name, 0, &i) >= 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_EXISTS, "Link %s already exists in %s.", name, label(ns));
        return 0;
}

typedef struct VethArgs {
        const char *name, *ns_name, *mac, *peer_name, *peer_ns_name, *peer_mac;
        uint32_t mtu;
        uint64_t flags;
        Namespace *ns, *peer_ns;
        uint8_t mac_bytes[6], peer_mac_bytes[6];
        bool has_mac, has_peer_mac;
} VethArgs;

static int veth_args_read(sd_bus_message *m, Manager *mgr, VethArgs *a, sd_bus_error *error) {
        int r;

        r = sd_bus_message_read(m, "ssssssut", &a->name, &a->ns_name, &a->mac, &a->peer_name, &a->peer_ns_name,
                                &a->peer_mac, &a->mtu, &a->flags);
        if (r < 0)
                return r;
        if ((r = bus_check_flags(a->flags, "CreateVeth", error)) < 0 || (r = check_link_name("Link name", a->name, error)) < 0 ||
            (r = check_link_name("Peer name", a->peer_name, error)) < 0 ||
            (r = check_mac(a->name, a->mac, a->mac_bytes, &a->has_mac, error)) < 0 ||
            (r = check_mac(a->peer_name, a->peer_mac, a->peer_mac_bytes, &a->has_peer_mac, error)) < 0 ||
            (r = resolve_namespace(mgr, a->ns_name, "Link", &a->ns, error)) < 0 ||
            (r = resolve_namespace(mgr, a->peer_ns_name, "Peer", &a->peer_ns, error)) < 0)
                return r;
        if (a->ns == a->peer_ns && streq(a->name, a->peer_name))
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                         "Link name %s is given for both ends of the pair in %s.", a->name, label(a->ns));
        if ((r = check_free(a->ns, a->name, error)) < 0 || (r = check_free(a->peer_ns, a->peer_name, error)) < 0)
                return r;
        return 0;
}

static int path_of(Namespace *ns, const char *name, char **ret) {
        LinkInfo i;

        *ret = NULL;
        if (!ns)
                return 0; /* host links are not objects */
        if (ns->watch)
                (void) netlink_watch_process(ns->watch);
        if (netlink_link_get(ns->net_fd, name, 0, &i) < 0)
                return -ENODEV;
        *ret = link_object_path(ns->name, i.ifindex);
        return *ret ? 0 : -ENOMEM;
}

static int veth_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *p1 = NULL, *p2 = NULL;
        VethArgs a = {};
        NetlinkReason nr;
        bool save;
        int r;

        r = sd_bus_message_rewind(m, true);
        if (r < 0 || (r = veth_args_read(m, userdata, &a, error)) < 0)
                return r;
        save = !(a.flags & VIRTD_FLAG_RUNTIME);
        if (save && (r = persist_check(userdata, /* cgconfig= */ false, error)) < 0)
                return r;
        VethEnd e1 = { a.name, link_netns_fd(a.ns), a.mtu, a.has_mac ? a.mac_bytes : NULL, false };
        VethEnd e2 = { a.peer_name, link_netns_fd(a.peer_ns), a.mtu, a.has_peer_mac ? a.peer_mac_bytes : NULL, false };
        /* One request creates both ends in their namespaces: the kernel makes both or neither. */
        r = netlink_veth_add(&e1, &e2, &nr);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot create veth pair %s (in %s) / %s (in %s): %s", a.name,
                                               label(a.ns), a.peer_name, label(a.peer_ns), nr.text[0] ? nr.text : strerror(-r));
        log_info("Created veth pair %s (%s) / %s (%s).", a.name, label(a.ns), a.peer_name, label(a.peer_ns));
        if (save) {
                VethSave v = { a.name, a.ns ? a.ns->name : NULL, a.peer_name, a.peer_ns ? a.peer_ns->name : NULL, a.mtu };
                if ((r = persist_veth_write(userdata, &v, error)) < 0) {
                        /* The file could not be written: the pair goes again (deleting one end deletes both). */
                        LinkInfo i;
                        if (netlink_link_get(e1.netns_fd, a.name, 0, &i) < 0 || netlink_link_delete(e1.netns_fd, i.ifindex, &nr) < 0)
                                log_error("Cannot undo the creation of veth pair %s / %s.", a.name, a.peer_name);
                        return r;
                }
        }
        persist_own(userdata, "veth", a.name, true);
        persist_link_done(userdata, a.ns ? a.ns->name : NULL, a.name, PERSIST_CREATED, save);
        persist_link_done(userdata, a.peer_ns ? a.peer_ns->name : NULL, a.peer_name, PERSIST_CREATED, save);
        if ((r = path_of(a.ns, a.name, &p1)) < 0 || (r = path_of(a.peer_ns, a.peer_name, &p2)) < 0)
                return r;
        return owned_reply_method_return(userdata, m, "oo", p1 ? p1 : "/", p2 ? p2 : "/");
}

static int method_CreateVeth(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        VethArgs a = {};
        int r;

        r = veth_args_read(m, userdata, &a, error);
        if (r < 0)
                return r;
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_LINKS, a.flags & VIRTD_FLAG_INTERACTIVE, veth_authorized, userdata, error);
}

typedef struct ConfigureArgs {
        Manager *mgr;
        const char *ns_name, *name;
        Namespace *ns;
        LinkInfo link;
        LinkSettings s;
        uint64_t flags;
} ConfigureArgs;

static void configure_args_done(ConfigureArgs *a) {
        free(a->s.add);
        free(a->s.remove);
}

static int read_prefixes(sd_bus_message *m, const char *key, const char *link, IpPrefix **ret, size_t *ret_n,
                         sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        IpPrefix *p;
        size_t n;
        int r;

        r = virtd_bus_message_read_strv(m, &l);
        if (r < 0)
                return r;
        n = strv_length(l);
        p = calloc(n + 1, sizeof(IpPrefix));
        if (!p)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (ip_prefix_parse(l[i], &p[i]) < 0) {
                        free(p);
                        return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                                 "Setting '%s' of link %s: '%s' is not an IPv4 or IPv6 address with an optional /prefix length.",
                                                 key, link, l[i]);
                }
        free(*ret);
        *ret = p;
        *ret_n = n;
        return 0;
}

static const VirtdBusSetting link_settings[] = {
        { "name", "s" }, { "namespace", "s" }, { "up", "b" }, { "mtu", "u" },
        { "mac", "s" }, { "add-addresses", "as" }, { "remove-addresses", "as" }, {}
};

/* virtd_bus_setting_handler_t for ConfigureLink: userdata is the ConfigureArgs being filled. */
static int read_setting(sd_bus_message *m, const char *key, void *userdata, sd_bus_error *error) {
        ConfigureArgs *a = userdata;
        const char *s;
        int b, r;

        if (streq(key, "name")) {
                r = sd_bus_message_read(m, "s", &a->s.name);
                if (r >= 0)
                        r = check_link_name("New link name", a->s.name, error);
        } else if (streq(key, "namespace")) {
                r = sd_bus_message_read(m, "s", &s);
                a->s.move = true;
                if (r >= 0)
                        r = resolve_namespace(a->mgr, s, "Target", &a->s.target, error);
        } else if (streq(key, "up")) {
                r = sd_bus_message_read(m, "b", &b);
                a->s.up = b;
        } else if (streq(key, "mtu")) {
                r = sd_bus_message_read(m, "u", &a->s.mtu);
                if (r >= 0 && a->s.mtu == 0)
                        r = sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "Link %s: MTU 0 is not valid.", a->name);
        } else if (streq(key, "mac")) {
                r = sd_bus_message_read(m, "s", &s);
                if (r >= 0)
                        r = check_mac(a->name, s, a->s.mac, &a->s.has_mac, error);
        } else if (streq(key, "add-addresses"))
                r = read_prefixes(m, key, a->name, &a->s.add, &a->s.n_add, error);
        else
                r = read_prefixes(m, key, a->name, &a->s.remove, &a->s.n_remove, error);
        return r;
}

static int configure_args_read(sd_bus_message *m, Manager *mgr, ConfigureArgs *a, sd_bus_error *error) {
        char what[64];
        int r;

        a->mgr = mgr;
        a->s.up = -1;
        r = sd_bus_message_read(m, "ss", &a->ns_name, &a->name);
        if (r < 0 || (r = resolve_namespace(mgr, a->ns_name, "Link", &a->ns, error)) < 0 ||
            (r = find_link(a->ns, a->name, &a->link, error)) < 0)
                return r;
        snprintf(what, sizeof(what), "Link %s", a->name);
        r = virtd_bus_read_settings(m, what, link_settings, read_setting, a, error);
        if (r >= 0)
                r = sd_bus_message_read(m, "t", &a->flags);
        if (r < 0)
                return r;
        if (a->s.move && a->s.target != a->ns) {
                const char *final = a->s.name ? a->s.name : a->name;
                if ((r = check_free(a->s.target, final, error)) < 0)
                        return r;
        }
        return bus_check_flags(a->flags, "ConfigureLink", error);
}

/* The file could not be written: the inverse settings put the link back as it was before the call. */
static void undo_configure(const ConfigureArgs *a, Namespace *where, int ifindex) {
        LinkSettings back = {
                .name = a->s.name ? a->link.name : NULL,
                .move = a->s.move,
                .target = a->ns,
                .up = a->s.up >= 0 ? a->link.up : -1,
                .mtu = a->s.mtu > 0 ? a->link.mtu : 0,
                .add = a->s.remove, .n_add = a->s.n_remove,
                .remove = a->s.add, .n_remove = a->s.n_add,
        };
        unsigned mac[6];
        char reason[512];
        int ignored;

        if (a->s.has_mac && sscanf(a->link.mac, "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) == 6) {
                back.has_mac = true;
                for (size_t i = 0; i < 6; i++)
                        back.mac[i] = (uint8_t) mac[i];
        }
        if (link_configure(where, ifindex, &back, reason, sizeof(reason), &ignored) < 0)
                log_error("Cannot undo the change of link %s: %s", a->link.name, reason);
}

static int configure_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(configure_args_done) ConfigureArgs a = {};
        _cleanup_free_ char *path = NULL;
        char reason[512];
        Namespace *where;
        bool save;
        int ifindex, r;

        r = sd_bus_message_rewind(m, true);
        if (r < 0 || (r = configure_args_read(m, userdata, &a, error)) < 0)
                return r;
        save = !(a.flags & VIRTD_FLAG_RUNTIME);
        if (save && (r = persist_check(userdata, /* cgconfig= */ false, error)) < 0)
                return r;
        r = link_configure(a.ns, a.link.ifindex, &a.s, reason, sizeof(reason), &ifindex);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "%s (nothing was changed).", reason);
        where = a.s.move ? a.s.target : a.ns;
        if (save && (r = persist_link_configure(userdata, a.ns ? a.ns->name : NULL, a.link.name, &a.s, error)) < 0) {
                undo_configure(&a, where, ifindex);
                return r;
        }
        persist_link_done(userdata, where ? where->name : NULL, a.s.name ? a.s.name : a.link.name, PERSIST_CHANGED, save);
        if (where) {
                path = link_object_path(where->name, ifindex);
                if (!path)
                        return -ENOMEM;
        }
        return sd_bus_reply_method_return(m, "o", path ? path : "/");
}

static int method_ConfigureLink(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(configure_args_done) ConfigureArgs a = {};
        int r;

        r = configure_args_read(m, userdata, &a, error);
        if (r < 0)
                return r;
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_LINKS, a.flags & VIRTD_FLAG_INTERACTIVE, configure_authorized,
                                userdata, error);
}

static int delete_args_read(sd_bus_message *m, Manager *mgr, Namespace **ns, LinkInfo *link, sd_bus_error *error,
                            uint64_t *flags) {
        const char *ns_name, *name;
        int r;

        r = sd_bus_message_read(m, "sst", &ns_name, &name, flags);
        if (r < 0 || (r = bus_check_flags(*flags, sd_bus_message_get_member(m), error)) < 0 ||
            (r = resolve_namespace(mgr, ns_name, "Link", ns, error)) < 0)
                return r;
        return find_link(*ns, name, link, error);
}

static void net_object_donep(NetObject *o) {
        netconf_object_done(o);
}

static int delete_link_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(net_object_donep) NetObject before = {};
        NetlinkReason nr;
        bool save;
        Namespace *ns;
        LinkInfo link;
        uint64_t flags;
        int r;

        r = sd_bus_message_rewind(m, true);
        if (r < 0 || (r = delete_args_read(m, userdata, &ns, &link, error, &flags)) < 0)
                return r;
        save = !(flags & VIRTD_FLAG_RUNTIME);
        if (save && (r = persist_check(userdata, /* cgconfig= */ false, error)) < 0)
                return r;
        /* What the link was, to make it again when the file cannot be written (other kinds stay unsaved). */
        if (save)
                (void) save_capture_link(userdata, ns, link.name, &before);
        r = netlink_link_delete(link_netns_fd(ns), link.ifindex, &nr);
        if (r == -ENODEV)
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_FOUND, "Link %s in %s was deleted by someone else meanwhile.",
                                         link.name, label(ns));
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot delete link %s in %s: %s", link.name, label(ns),
                                               nr.text[0] ? nr.text : strerror(-r));
        if (ns && ns->watch)
                (void) netlink_watch_process(ns->watch);
        if (save && (r = persist_link_remove(userdata, ns ? ns->name : NULL, link.name, error)) < 0) {
                if (!before.name || save_link_recreate(userdata, &before) < 0)
                        log_error("Link %s in %s was deleted but cannot be made again; the saved configuration still has it.",
                                  link.name, label(ns));
                return r;
        }
        if (streq(link.kind, "veth") || streq(link.kind, "vlan") || streq(link.kind, "bridge"))
                persist_own(userdata, link.kind, link.name, false);
        persist_link_done(userdata, ns ? ns->name : NULL, link.name, PERSIST_DELETED, save);
        return owned_reply_method_return(userdata, m, NULL);
}

int link_dbus_delete(sd_bus_message *m, Manager *mgr, uint64_t flags, sd_bus_error *error) {
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_LINKS, flags & VIRTD_FLAG_INTERACTIVE, delete_link_authorized,
                                mgr, error);
}

static int method_DeleteLink(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Namespace *ns;
        LinkInfo link;
        uint64_t flags;
        int r;

        r = delete_args_read(m, userdata, &ns, &link, error, &flags);
        if (r < 0)
                return r;
        return link_dbus_delete(m, userdata, flags, error);
}

static int append_links(sd_bus_message *reply, Namespace *ns) {
        _cleanup_free_ int *idx = NULL;
        size_t n = 0;
        int r;

        if (!ns->watch)
                return 0;
        r = netlink_watch_list_links(ns->watch, &idx, &n);
        for (size_t k = 0; r >= 0 && k < n; k++) {
                _cleanup_strv_free_ char **addrs = NULL;
                _cleanup_free_ char *p = link_object_path(ns->name, idx[k]);
                LinkInfo i;

                if (!p || netlink_watch_get_link(ns->watch, idx[k], &i) < 0 ||
                    netlink_watch_get_addresses(ns->watch, idx[k], &addrs) < 0)
                        return -ENOMEM;
                r = sd_bus_message_open_container(reply, 'r', "ssisssuaso");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "ssisssu", ns->name, i.name, i.ifindex, i.kind,
                                                  i.up ? "up" : "down", i.mac, i.mtu);
                if (r >= 0)
                        r = sd_bus_message_append_strv(reply, addrs);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "o", p);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        return r;
}

static int method_ListLinks(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *mgr = userdata;
        Namespace *only = NULL;
        const char *name;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        if (*name && !(only = namespace_find(mgr, name)))
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_FOUND, "Namespace %s does not exist.", name);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssisssuaso)");
        for (Namespace *ns = mgr->namespaces->list; r >= 0 && ns; ns = ns->next)
                if (!only || ns == only)
                        r = append_links(reply, ns);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

/* The link part of org.virtd.Virtd1.Manager, served beside manager-dbus.c's vtable. */
static const sd_bus_vtable manager_link_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("CreateVeth",
                                SD_BUS_ARGS("s", name, "s", namespace, "s", mac, "s", peer_name, "s", peer_namespace,
                                            "s", peer_mac, "u", mtu, "t", flags),
                                SD_BUS_RESULT("o", link, "o", peer), method_CreateVeth, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ConfigureLink", SD_BUS_ARGS("s", namespace, "s", name, "a{sv}", settings, "t", flags),
                                SD_BUS_RESULT("o", link), method_ConfigureLink, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("DeleteLink", SD_BUS_ARGS("s", namespace, "s", name, "t", flags), SD_BUS_NO_RESULT,
                                method_DeleteLink, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListLinks", SD_BUS_ARGS("s", namespace), SD_BUS_RESULT("a(ssisssuaso)", links),
                                method_ListLinks, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

int link_dbus_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, manager_link_vtable, m);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(m->bus, NULL, VIRTD_OBJECT_LINK_PREFIX, VIRTD_INTERFACE_LINK, link_vtable,
                                       link_object_find, m);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(m->bus, NULL, VIRTD_OBJECT_LINK_PREFIX, link_node_enumerator, m);
}
