/* vlan-dbus.c: bus glue for VLANs: the Vlan interface of VLAN links, and CreateVlan, ChangeVlan, CreateBridge,
 * SetBridgePorts, GetBridgePort and ListVlans on the Manager. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "link.h"
#include "link-dbus.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "persist-objects.h"
#include "persist.h"
#include "namespace-dbus.h"
#include "polkit.h"
#include "strv.h"
#include "vlan-dbus.h"
#include "virtd-bus.h"

#define NO_8021Q "this kernel has no 802.1Q VLAN support (CONFIG_VLAN_8021Q)"
#define NO_8021AD "this kernel has no 802.1ad VLAN support (CONFIG_VLAN_8021Q)"

/* ---- Vlan interface on link objects ---- */

static int vlan_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                            sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        _cleanup_(vlan_info_done) VlanInfo v = {};
        Namespace *ns;
        int ifindex;

        if (link_object_path_parse(path, &name, &ifindex) < 0)
                return 0;
        ns = namespace_find(userdata, name);
        /* Only VLAN links have this interface. */
        if (!ns || !ns->watch || netlink_watch_get_vlan(ns->watch, ifindex, &v) < 0)
                return 0;
        *found = ns;
        return 1;
}

static int append_map(sd_bus_message *reply, const VlanQosMapping *map, size_t n) {
        int r = sd_bus_message_open_container(reply, 'a', "(uu)");

        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "(uu)", map[i].from, map[i].to);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_get_vlan(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_(vlan_info_done) VlanInfo v = {};
        _cleanup_free_ char *name = NULL;
        Namespace *ns = userdata;
        int ifindex, r;

        /* Asked from the kernel, not the namespace's libnl cache: libnl 3.7 keeps a cached link's VLAN data
         * from its first notification (flags changed later, by virtd or by `ip`, stayed stale there). */
        r = link_object_path_parse(path, &name, &ifindex);
        if (r >= 0)
                r = netlink_vlan_get(link_netns_fd(ns), ifindex, &v);
        if (r < 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_FOUND, "VLAN link %s is gone.", path);
        if (streq(property, "Parent")) {
                _cleanup_free_ char *p = link_object_path(ns->name, v.parent_ifindex);
                return p ? sd_bus_message_append(reply, "o", p) : -ENOMEM;
        }
        if (streq(property, "Id"))
                return sd_bus_message_append(reply, "q", v.id);
        if (streq(property, "Protocol"))
                return sd_bus_message_append(reply, "s", strempty(vlan_protocol_to_string(v.protocol)));
        if (streq(property, "Flags")) {
                _cleanup_free_ char *s = vlan_flags_to_string(v.flags);
                _cleanup_strv_free_ char **l = s ? strv_split(s, ",") : NULL;
                return l ? sd_bus_message_append_strv(reply, l) : -ENOMEM;
        }
        if (streq(property, "IngressQosMap"))
                return append_map(reply, v.ingress, v.n_ingress);
        return append_map(reply, v.egress, v.n_egress);
}

static const sd_bus_vtable vlan_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Parent", "o", property_get_vlan, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Id", "q", property_get_vlan, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Protocol", "s", property_get_vlan, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Flags", "as", property_get_vlan, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("IngressQosMap", "a(uu)", property_get_vlan, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("EgressQosMap", "a(uu)", property_get_vlan, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

void vlan_dbus_on_link_event(Namespace *ns, NetlinkEvent event, int ifindex) {
        _cleanup_(vlan_info_done) VlanInfo v = {};
        _cleanup_free_ char *p = NULL;
        sd_bus *bus = ns->manager->bus;

        /* A removed link is no longer in the cache; its Vlan interface goes with the object. */
        if (!bus || event == NETLINK_EVENT_DEL || netlink_watch_get_vlan(ns->watch, ifindex, &v) < 0)
                return;
        p = link_object_path(ns->name, ifindex);
        if (!p)
                return;
        if (event == NETLINK_EVENT_NEW)
                (void) sd_bus_emit_interfaces_added(bus, p, VIRTD_INTERFACE_VLAN, NULL);
        else
                (void) sd_bus_emit_properties_changed(bus, p, VIRTD_INTERFACE_VLAN, "Flags", "IngressQosMap",
                                                      "EgressQosMap", NULL);
}

/* ---- shared argument checks ---- */

static const char *label(Namespace *ns) {
        return ns ? ns->name : "the host";
}

static int resolve_ns(Manager *m, const char *name, Namespace **ret, sd_bus_error *error) {
        Namespace *ns;

        *ret = NULL;
        if (!*name)
                return 0;
        ns = namespace_find(m, name);
        if (!ns || !namespace_net_is_bound(ns))
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_FOUND, "Namespace %s does not exist.", name);
        *ret = ns;
        return 0;
}

static int find_link(Namespace *ns, const char *what, const char *name, LinkInfo *ret, sd_bus_error *error) {
        int r = netlink_link_get(link_netns_fd(ns), name, 0, ret);

        if (r == -ENODEV)
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_FOUND, "%s %s does not exist in %s.", what, name, label(ns));
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot look up %s %s in %s: %s", what, name, label(ns),
                                                  strerror(-r));
        return 0;
}

static int check_name(const char *name, Namespace *ns, sd_bus_error *error) {
        const char *why = link_name_invalid_reason(name);
        LinkInfo i;

        if (why)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "Link name '%s' %s.", name, why);
        if (netlink_link_get(link_netns_fd(ns), name, 0, &i) >= 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_EXISTS, "Link %s already exists in %s.", name, label(ns));
        return 0;
}

static int check_id(const char *what, uint32_t id, sd_bus_error *error) {
        _cleanup_free_ char *why = NULL;

        if (vlan_id_validate(id, &why) < 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "%s: %s.", what, strempty(why));
        return 0;
}

/* The probe may still be running just after start-up: manager_host_report() waits for its answer. */
static const NetFeatures *host_net(Manager *m) {
        static const NetFeatures unknown = { TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN,
                                             TRISTATE_UNKNOWN };
        const HostReport *h = manager_host_report(m);

        return h ? &h->net : &unknown;
}

static int check_feature(Manager *m, Tristate t, const char *what, const char *missing, sd_bus_error *error) {
        /* The probe's answer refuses early; the kernel's own EOPNOTSUPP later gives the same message. */
        if (m->host && t == TRISTATE_NO)
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_SUPPORTED, "%s: %s.", what, missing);
        return 0;
}

static void path_reply_sync(Namespace *ns) {
        if (ns && ns->watch)
                (void) netlink_watch_process(ns->watch);
}

/* Reads an a(uu) priority map and checks it with the shared rules. */
static int read_map(sd_bus_message *m, bool egress, const char *what, VlanQosMapping **ret, size_t *ret_n,
                    sd_bus_error *error) {
        _cleanup_free_ VlanQosMapping *map = NULL;
        _cleanup_free_ char *why = NULL;
        size_t n = 0, allocated = 0;
        uint32_t from, to;
        int r;

        /* Geometric growth: a caller may send 100,000 pairs. */
        r = sd_bus_message_enter_container(m, 'a', "(uu)");
        while (r >= 0 && (r = sd_bus_message_read(m, "(uu)", &from, &to)) > 0) {
                if (n == allocated) {
                        VlanQosMapping *grown = reallocarray(map, allocated * 2 + 8, sizeof(*map));
                        if (!grown)
                                return -ENOMEM;
                        map = grown;
                        allocated = allocated * 2 + 8;
                }
                map[n++] = (VlanQosMapping) { from, to };
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        if (vlan_qos_map_validate(map, n, egress, &why) < 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "%s: %s.", what, strempty(why));
        free(*ret);
        *ret = TAKE_PTR(map);
        *ret_n = n;
        return 0;
}

/* Reads a{sb} VLAN flags into flags/mask; names are the ones vlan_flags_parse() knows. */
static int read_flags(sd_bus_message *m, const char *what, uint32_t *flags, uint32_t *mask, sd_bus_error *error) {
        const char *name;
        int on, r;

        r = sd_bus_message_enter_container(m, 'a', "{sb}");
        while (r >= 0 && (r = sd_bus_message_read(m, "{sb}", &name, &on)) > 0) {
                _cleanup_free_ char *why = NULL;
                uint32_t bit;
                if (strpbrk(name, ", \t") || !*name || vlan_flags_parse(name, &bit, &why) < 0)
                        return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "%s: %s.", what,
                                                 why ? why : "a flag name is empty or holds a separator");
                *mask |= bit;
                *flags = on ? *flags | bit : *flags & ~bit;
        }
        return r < 0 ? r : sd_bus_message_exit_container(m);
}

/* ---- CreateVlan ---- */

typedef struct CreateVlanArgs {
        const char *ns_name, *parent_name, *name_arg, *protocol;
        char *name;
        uint32_t id, mtu;
        uint64_t flags;
        Namespace *ns;
        LinkInfo parent;
        VlanLinkSpec spec;
        VlanQosMapping *ingress, *egress;
} CreateVlanArgs;

static void create_vlan_args_done(CreateVlanArgs *a) {
        free(a->name);
        free(a->ingress);
        free(a->egress);
}

static int create_vlan_args_read(sd_bus_message *m, Manager *mgr, CreateVlanArgs *a, sd_bus_error *error) {
        char what[96];
        int r;

        r = sd_bus_message_read(m, "sssus", &a->ns_name, &a->parent_name, &a->name_arg, &a->id, &a->protocol);
        if (r < 0)
                return r;
        snprintf(what, sizeof(what), "VLAN %u on %s", a->id, a->parent_name);
        /* Reordering headers is on unless asked otherwise: without it DHCP clients on the VLAN see tagged frames. */
        a->spec = (VlanLinkSpec) { .flags = VLAN_FLAG_REORDER_HDR_BIT, .flags_mask = VLAN_FLAG_REORDER_HDR_BIT,
                                   .has_ingress_map = true, .has_egress_map = true };
        if ((r = read_flags(m, what, &a->spec.flags, &a->spec.flags_mask, error)) < 0 ||
            (r = read_map(m, false, what, &a->ingress, &a->spec.n_ingress, error)) < 0 ||
            (r = read_map(m, true, what, &a->egress, &a->spec.n_egress, error)) < 0)
                return r;
        r = sd_bus_message_read(m, "ut", &a->mtu, &a->flags);
        if (r < 0 || (r = bus_check_flags(a->flags, "CreateVlan", error)) < 0 || (r = check_id(what, a->id, error)) < 0)
                return r;
        if (!*a->protocol)
                a->spec.protocol = VLAN_PROTO_8021Q;
        else if (vlan_protocol_parse(a->protocol, &a->spec.protocol) < 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                         "%s: unknown protocol '%s' (valid: 802.1Q, 802.1ad).", what, a->protocol);
        if ((r = resolve_ns(mgr, a->ns_name, &a->ns, error)) < 0 ||
            (r = find_link(a->ns, "Parent link", a->parent_name, &a->parent, error)) < 0)
                return r;
        if (*a->name_arg)
                a->name = strdup(a->name_arg);
        else if ((r = vlan_default_name(a->parent_name, (uint16_t) a->id, &a->name)) == -ENAMETOOLONG)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                         "%s: the default name %s.%u is longer than 15 characters; give a name.", what,
                                         a->parent_name, a->id);
        if (!a->name)
                return -ENOMEM;
        if ((r = check_name(a->name, a->ns, error)) < 0)
                return r;
        a->spec.name = a->name;
        a->spec.parent_ifindex = a->parent.ifindex;
        a->spec.id = (uint16_t) a->id;
        a->spec.mtu = a->mtu;
        a->spec.ingress = a->ingress;
        a->spec.egress = a->egress;
        snprintf(what, sizeof(what), "Cannot create VLAN %s on %s in %s", a->name, a->parent_name, label(a->ns));
        if (a->spec.protocol == VLAN_PROTO_8021AD &&
            (r = check_feature(mgr, host_net(mgr)->vlan_8021ad, what, NO_8021AD, error)) < 0)
                return r;
        return check_feature(mgr, host_net(mgr)->vlan_8021q, what, NO_8021Q, error);
}

static int reply_link_path(sd_bus_message *m, Namespace *ns, const char *name) {
        _cleanup_free_ char *p = NULL;
        LinkInfo i;

        path_reply_sync(ns);
        if (ns && netlink_link_get(ns->net_fd, name, 0, &i) >= 0 && !(p = link_object_path(ns->name, i.ifindex)))
                return -ENOMEM;
        return sd_bus_reply_method_return(m, "o", p ? p : "/");
}

/* The file could not be written: the link just made goes again, so that the call changed nothing. */
static void delete_created(Namespace *ns, const char *name) {
        NetlinkReason nr;
        LinkInfo i;

        if (netlink_link_get(link_netns_fd(ns), name, 0, &i) < 0 || netlink_link_delete(link_netns_fd(ns), i.ifindex, &nr) < 0)
                log_error("Cannot undo the creation of link %s in %s.", name, label(ns));
}

static int create_vlan_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(create_vlan_args_done) CreateVlanArgs a = {};
        NetlinkReason nr;
        bool save;
        int r;

        r = sd_bus_message_rewind(m, true);
        if (r < 0 || (r = create_vlan_args_read(m, userdata, &a, error)) < 0)
                return r;
        save = !(a.flags & VIRTD_FLAG_RUNTIME);
        if (save && (r = persist_check(userdata, /* cgconfig= */ false, error)) < 0)
                return r;
        r = netlink_vlan_add(link_netns_fd(a.ns), &a.spec, &nr);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot create VLAN %s on %s in %s: %s.", a.name, a.parent_name,
                                                  label(a.ns),
                                                  r == -EOPNOTSUPP ? (a.spec.protocol == VLAN_PROTO_8021AD ? NO_8021AD : NO_8021Q)
                                                  : nr.text[0] ? nr.text : strerror(-r));
        log_info("Created VLAN %s (id %u, %s) on %s in %s.", a.name, a.id, vlan_protocol_to_string(a.spec.protocol),
                 a.parent_name, label(a.ns));
        if (save && (r = persist_vlan_write(userdata, a.ns, a.name, /* created= */ true, error)) < 0) {
                delete_created(a.ns, a.name);
                return r;
        }
        persist_own(userdata, "vlan", a.name, true);
        persist_link_done(userdata, a.ns ? a.ns->name : NULL, a.name, PERSIST_CREATED, save);
        return reply_link_path(m, a.ns, a.name);
}

static int method_CreateVlan(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(create_vlan_args_done) CreateVlanArgs a = {};
        int r;

        r = create_vlan_args_read(m, userdata, &a, error);
        if (r < 0)
                return r;
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_LINKS, a.flags & VIRTD_FLAG_INTERACTIVE, create_vlan_authorized,
                                userdata, error);
}

/* ---- ChangeVlan ---- */

typedef struct ChangeVlanArgs {
        const char *ns_name, *name;
        Namespace *ns;
        LinkInfo link;
        VlanInfo old;
        VlanLinkSpec spec;
        VlanQosMapping *ingress, *egress;
        uint64_t flags;
        char what[96];
} ChangeVlanArgs;

static void change_vlan_args_done(ChangeVlanArgs *a) {
        vlan_info_done(&a->old);
        free(a->ingress);
        free(a->egress);
}

static const VirtdBusSetting change_vlan_settings[] = {
        { "flags", "a{sb}" }, { "ingress-qos-map", "a(uu)" }, { "egress-qos-map", "a(uu)" }, { "mtu", "u" }, {}
};

/* virtd_bus_setting_handler_t for ChangeVlan: userdata is the ChangeVlanArgs being filled. */
static int change_setting_read(sd_bus_message *m, const char *key, void *userdata, sd_bus_error *error) {
        ChangeVlanArgs *a = userdata;
        const char *what = a->what;
        int r;

        if (streq(key, "flags"))
                r = read_flags(m, what, &a->spec.flags, &a->spec.flags_mask, error);
        else if (streq(key, "ingress-qos-map")) {
                a->spec.has_ingress_map = true;
                r = read_map(m, false, what, &a->ingress, &a->spec.n_ingress, error);
        } else if (streq(key, "egress-qos-map")) {
                a->spec.has_egress_map = true;
                r = read_map(m, true, what, &a->egress, &a->spec.n_egress, error);
        } else {
                r = sd_bus_message_read(m, "u", &a->spec.mtu);
                if (r >= 0 && a->spec.mtu == 0)
                        r = sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "%s: MTU 0 is not valid.", what);
        }
        return r;
}

static int change_vlan_args_read(sd_bus_message *m, Manager *mgr, ChangeVlanArgs *a, sd_bus_error *error) {
        const char *what = a->what;
        int r;

        r = sd_bus_message_read(m, "ss", &a->ns_name, &a->name);
        if (r < 0 || (r = resolve_ns(mgr, a->ns_name, &a->ns, error)) < 0)
                return r;
        snprintf(a->what, sizeof(a->what), "Cannot change VLAN %s in %s", a->name, label(a->ns));
        /* Without 802.1Q no link can be a VLAN: say why rather than that the link is missing or not a VLAN. */
        if ((r = check_feature(mgr, host_net(mgr)->vlan_8021q, what, NO_8021Q, error)) < 0 ||
            (r = find_link(a->ns, "VLAN link", a->name, &a->link, error)) < 0)
                return r;
        snprintf(a->what, sizeof(a->what), "VLAN %s in %s", a->name, label(a->ns));
        r = netlink_vlan_get(link_netns_fd(a->ns), a->link.ifindex, &a->old);
        if (r == -ENOTTY)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "Link %s in %s is a %s link, not a VLAN.",
                                         a->name, label(a->ns), a->link.kind);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "%s: %s", what, strerror(-r));
        r = virtd_bus_read_settings(m, what, change_vlan_settings, change_setting_read, a, error);
        if (r >= 0)
                r = sd_bus_message_read(m, "t", &a->flags);
        if (r < 0)
                return r;
        a->spec.ingress = a->ingress;
        a->spec.egress = a->egress;
        return bus_check_flags(a->flags, "ChangeVlan", error);
}

/* The kernel applies MTU, flags and maps one after another; this puts back what a change took. */
static void change_vlan_revert(ChangeVlanArgs *a) {
        _cleanup_(vlan_info_done) VlanInfo now = {};
        VlanLinkSpec back = { .flags = a->old.flags, .flags_mask = a->spec.flags_mask, .mtu = a->spec.mtu ? a->link.mtu : 0,
                              .has_ingress_map = true, .ingress = a->old.ingress, .n_ingress = a->old.n_ingress,
                              .has_egress_map = true, .egress = a->old.egress, .n_egress = a->old.n_egress };
        NetlinkReason ignored;

        if (netlink_vlan_get(link_netns_fd(a->ns), a->link.ifindex, &now) >= 0)
                (void) netlink_vlan_change(link_netns_fd(a->ns), a->link.ifindex, &back, &now, &ignored);
        path_reply_sync(a->ns);
}

static int change_vlan_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(change_vlan_args_done) ChangeVlanArgs a = {};
        NetlinkReason nr;
        bool save;
        int r;

        r = sd_bus_message_rewind(m, true);
        if (r < 0 || (r = change_vlan_args_read(m, userdata, &a, error)) < 0)
                return r;
        save = !(a.flags & VIRTD_FLAG_RUNTIME);
        if (save && (r = persist_check(userdata, /* cgconfig= */ false, error)) < 0)
                return r;
        r = netlink_vlan_change(link_netns_fd(a.ns), a.link.ifindex, &a.spec, &a.old, &nr);
        if (r < 0) {
                change_vlan_revert(&a);
                return virtd_bus_error_setf(error, r, "Cannot change VLAN %s in %s: %s (nothing was changed).", a.name,
                                                  label(a.ns), nr.text[0] ? nr.text : strerror(-r));
        }
        if (save && (r = persist_vlan_write(userdata, a.ns, a.link.name, /* created= */ false, error)) < 0) {
                change_vlan_revert(&a);
                return r;
        }
        persist_link_done(userdata, a.ns ? a.ns->name : NULL, a.link.name, PERSIST_CHANGED, save);
        path_reply_sync(a.ns);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_ChangeVlan(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(change_vlan_args_done) ChangeVlanArgs a = {};
        int r;

        r = change_vlan_args_read(m, userdata, &a, error);
        if (r < 0)
                return r;
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_LINKS, a.flags & VIRTD_FLAG_INTERACTIVE, change_vlan_authorized,
                                userdata, error);
}

/* ---- CreateBridge ---- */

typedef struct BridgeArgs {
        const char *ns_name, *name;
        int vlan_filtering;
        uint64_t flags;
        Namespace *ns;
} BridgeArgs;

static int bridge_args_read(sd_bus_message *m, Manager *mgr, BridgeArgs *a, sd_bus_error *error) {
        char what[96];
        int r;

        r = sd_bus_message_read(m, "ssbt", &a->ns_name, &a->name, &a->vlan_filtering, &a->flags);
        if (r < 0 || (r = bus_check_flags(a->flags, "CreateBridge", error)) < 0 ||
            (r = resolve_ns(mgr, a->ns_name, &a->ns, error)) < 0 || (r = check_name(a->name, a->ns, error)) < 0)
                return r;
        snprintf(what, sizeof(what), "Cannot create bridge %s with VLAN filtering in %s", a->name, label(a->ns));
        if (a->vlan_filtering)
                return check_feature(mgr, host_net(mgr)->bridge_vlan_filtering, what, BRIDGE_NO_VLAN_FILTERING, error);
        return 0;
}

static int bridge_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BridgeArgs a = {};
        NetlinkReason nr;
        bool save;
        int r;

        r = sd_bus_message_rewind(m, true);
        if (r < 0 || (r = bridge_args_read(m, userdata, &a, error)) < 0)
                return r;
        save = !(a.flags & VIRTD_FLAG_RUNTIME);
        if (save && (r = persist_check(userdata, /* cgconfig= */ false, error)) < 0)
                return r;
        r = netlink_bridge_add(link_netns_fd(a.ns), a.name, a.vlan_filtering, &nr);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot create bridge %s%s in %s: %s.", a.name,
                                                  a.vlan_filtering ? " with VLAN filtering" : "", label(a.ns),
                                                  r == -EOPNOTSUPP ? BRIDGE_NO_VLAN_FILTERING
                                                  : nr.text[0] ? nr.text : strerror(-r));
        log_info("Created bridge %s in %s%s.", a.name, label(a.ns), a.vlan_filtering ? " with VLAN filtering" : "");
        if (save && (r = persist_bridge_write(userdata, a.ns, a.name, a.vlan_filtering, error)) < 0) {
                delete_created(a.ns, a.name);
                return r;
        }
        persist_own(userdata, "bridge", a.name, true);
        persist_link_done(userdata, a.ns ? a.ns->name : NULL, a.name, PERSIST_CREATED, save);
        return reply_link_path(m, a.ns, a.name);
}

static int method_CreateBridge(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BridgeArgs a = {};
        int r;

        r = bridge_args_read(m, userdata, &a, error);
        if (r < 0)
                return r;
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_LINKS, a.flags & VIRTD_FLAG_INTERACTIVE, bridge_authorized, userdata,
                                error);
}

/* ---- SetBridgePorts ---- */

typedef struct PortArgs {
        LinkInfo port, bridge;
        PortConfig config;
} PortArgs;

typedef struct PortsArgs {
        const char *ns_name;
        Namespace *ns;
        PortArgs *ports;
        size_t n;
        uint64_t flags;
} PortsArgs;

static void ports_args_done(PortsArgs *a) {
        free(a->ports);
}

static int port_config_read(const char *ns_label, const char *port, const char *mode, uint32_t vlan, const char *allowed,
                            uint32_t native, PortConfig *c, sd_bus_error *error) {
        _cleanup_free_ char *why = NULL;
        char what[96];
        int r;

        snprintf(what, sizeof(what), "Port %s in %s", port, ns_label);
        *c = (PortConfig) { .mode = port_mode_from_string(mode) };
        if (c->mode == PORT_MODE_ACCESS) {
                if (*allowed || native)
                        return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                                 "%s: an access port has one VLAN; allowed VLANs and a native VLAN belong to trunk ports.", what);
                if ((r = check_id(what, vlan, error)) < 0)
                        return r;
                c->access_vlan = (uint16_t) vlan;
                return 0;
        }
        if (c->mode != PORT_MODE_TRUNK)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "%s: unknown mode '%s' (valid: access, trunk).",
                                         what, mode);
        if (vlan)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                         "%s: a trunk port has no access VLAN; use allowed VLANs and a native VLAN.", what);
        if (vlan_set_parse(allowed, &c->allowed, &why) < 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "%s: allowed VLANs: %s.", what, strempty(why));
        if (native && (r = check_id(what, native, error)) < 0)
                return r;
        c->native_vlan = (uint16_t) native;
        if (!native && vlan_set_count(&c->allowed) == 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                         "%s: a trunk port needs allowed VLANs or a native VLAN.", what);
        return 0;
}

static int port_args_read(sd_bus_message *m, Manager *mgr, Namespace *ns, PortArgs *p, sd_bus_error *error) {
        const char *port, *bridge, *mode, *allowed;
        uint32_t vlan, native;
        char what[96];
        int r;

        r = sd_bus_message_read(m, "(sssusu)", &port, &bridge, &mode, &vlan, &allowed, &native);
        if (r <= 0)
                return r;
        if ((r = port_config_read(label(ns), port, mode, vlan, allowed, native, &p->config, error)) < 0)
                return r;
        snprintf(what, sizeof(what), "Cannot set the VLANs of port %s in %s", port, label(ns));
        if ((r = check_feature(mgr, host_net(mgr)->bridge_vlan_filtering, what, BRIDGE_NO_VLAN_FILTERING, error)) < 0)
                return r;
        if ((r = find_link(ns, "Port", port, &p->port, error)) < 0 ||
            (r = find_link(ns, "Bridge", bridge, &p->bridge, error)) < 0)
                return r;
        r = netlink_bridge_vlan_filtering(link_netns_fd(ns), p->bridge.ifindex);
        if (r == -ENOTTY)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "Link %s in %s is a %s link, not a bridge.",
                                         bridge, label(ns), p->bridge.kind);
        if (r == 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                         "Bridge %s in %s does not filter VLANs, so port VLANs would have no effect; create it with VLAN filtering.",
                                         bridge, label(ns));
        return r < 0 ? virtd_bus_error_setf(error, r, "Bridge %s in %s: %s", bridge, label(ns), strerror(-r)) : 1;
}

static int ports_args_read(sd_bus_message *m, Manager *mgr, PortsArgs *a, sd_bus_error *error) {
        int r;

        r = sd_bus_message_read(m, "s", &a->ns_name);
        if (r < 0 || (r = resolve_ns(mgr, a->ns_name, &a->ns, error)) < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "(sssusu)");
        /* Geometric growth: a caller may send 100,000 ports. */
        for (size_t allocated = 0; r >= 0;) {
                if (a->n == allocated) {
                        PortArgs *grown = reallocarray(a->ports, allocated * 2 + 8, sizeof(PortArgs));
                        if (!grown)
                                return -ENOMEM;
                        a->ports = grown;
                        allocated = allocated * 2 + 8;
                }
                r = port_args_read(m, mgr, a->ns, &a->ports[a->n], error);
                if (r <= 0)
                        break;
                a->n++;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_read(m, "t", &a->flags);
        if (r < 0)
                return r;
        return bus_check_flags(a->flags, "SetBridgePorts", error);
}

static int save_ports(Manager *m, const PortsArgs *a, sd_bus_error *error) {
        _cleanup_free_ PersistPort *p = calloc(a->n + 1, sizeof(PersistPort));

        if (!p)
                return -ENOMEM;
        for (size_t i = 0; i < a->n; i++)
                p[i] = (PersistPort) { a->ports[i].port.name, a->ports[i].bridge.name, a->ports[i].config };
        return persist_ports_write(m, a->ns, p, a->n, error);
}

static int ports_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(ports_args_done) PortsArgs a = {};
        _cleanup_free_ PortSaved *saved = NULL;
        char reason[512];
        size_t done;
        bool save;
        int r = 0;

        r = sd_bus_message_rewind(m, true);
        if (r < 0 || (r = ports_args_read(m, userdata, &a, error)) < 0)
                return r;
        save = !(a.flags & VIRTD_FLAG_RUNTIME);
        if (save && (r = persist_check(userdata, /* cgconfig= */ false, error)) < 0)
                return r;
        saved = calloc(a.n + 1, sizeof(PortSaved));
        if (!saved)
                return -ENOMEM;
        /* The batch is one transaction: a port that fails puts back the ports configured before it. */
        for (done = 0; done < a.n; done++) {
                r = bridge_port_apply(link_netns_fd(a.ns), &a.ports[done].port, &a.ports[done].bridge, &a.ports[done].config,
                                      &saved[done], reason, sizeof(reason));
                if (r < 0)
                        break;
        }
        /* When the file cannot be written, every port goes back as it was, too. */
        if (done == a.n && save)
                r = save_ports(userdata, &a, error);
        else if (done < a.n)
                port_saved_done(&saved[done]);
        if (r < 0)
                for (size_t i = done; i > 0; i--)
                        bridge_port_restore(link_netns_fd(a.ns), &saved[i - 1]);
        for (size_t i = 0; i < done; i++)
                port_saved_done(&saved[i]);
        path_reply_sync(a.ns);
        if (r < 0 && sd_bus_error_is_set(error))
                return r;
        if (r < 0)
                return virtd_bus_error_setf(error, r, "%s (nothing was changed).", reason);
        log_info("Configured %zu bridge port(s) in %s.", a.n, label(a.ns));
        for (size_t i = 0; i < a.n; i++) {
                _cleanup_free_ char *key = NULL;
                /* As Apply and Save record ports: "port BRIDGE NAME". */
                if (asprintf(&key, "%s %s", a.ports[i].bridge.name, a.ports[i].port.name) >= 0)
                        persist_own(userdata, "port", key, true);
                persist_link_done(userdata, a.ns ? a.ns->name : NULL, a.ports[i].port.name, PERSIST_CHANGED, save);
        }
        return sd_bus_reply_method_return(m, NULL);
}

static int method_SetBridgePorts(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(ports_args_done) PortsArgs a = {};
        int r;

        r = ports_args_read(m, userdata, &a, error);
        if (r < 0)
                return r;
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_LINKS, a.flags & VIRTD_FLAG_INTERACTIVE, ports_authorized, userdata,
                                error);
}

/* ---- GetBridgePort, ListVlans ---- */

static int method_GetBridgePort(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ BridgeVlanEntry *e = NULL;
        _cleanup_free_ char *allowed = NULL;
        const char *ns_name, *name;
        LinkInfo port, bridge = {};
        PortConfig c = {};
        Namespace *ns;
        char what[96];
        size_t n = 0;
        int master, r;

        r = sd_bus_message_read(m, "ss", &ns_name, &name);
        if (r < 0 || (r = resolve_ns(userdata, ns_name, &ns, error)) < 0)
                return r;
        snprintf(what, sizeof(what), "Cannot show the VLANs of port %s in %s", name, label(ns));
        /* Without bridge VLAN filtering no port has VLANs: "not a bridge port" would hide the reason. */
        if ((r = check_feature(userdata, host_net(userdata)->bridge_vlan_filtering, what, BRIDGE_NO_VLAN_FILTERING,
                               error)) < 0 ||
            (r = find_link(ns, "Port", name, &port, error)) < 0)
                return r;
        master = netlink_link_get_master(link_netns_fd(ns), port.ifindex);
        if (master > 0 && netlink_link_get(link_netns_fd(ns), NULL, master, &bridge) < 0)
                master = 0;
        if (master <= 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_FOUND, "Link %s in %s is not a bridge port.", name, label(ns));
        r = bridge_port_entries(link_netns_fd(ns), port.ifindex, &e, &n);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot read the VLANs of port %s in %s: %s", name, label(ns),
                                                  strerror(-r));
        if (n > 0 && port_config_from_entries(e, n, &c) < 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_KERNEL, "Port %s in %s: the kernel reports VLANs out of range.",
                                         name, label(ns));
        allowed = vlan_set_to_string(&c.allowed);
        if (!allowed)
                return -ENOMEM;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "ssuus", bridge.name, n > 0 ? port_mode_to_string(c.mode) : "",
                                          (uint32_t) c.access_vlan, (uint32_t) c.native_vlan, allowed);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(qbb)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "(qbb)", e[i].vid, (int) e[i].pvid, (int) e[i].untagged);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

/* A bridge VLAN has no name in Linux: a VLAN link on the bridge with that id lends its name, else "VLAN0010". */
static void vlan_row_name(Namespace *ns, int bridge, uint16_t vid, char *buf, size_t size) {
        _cleanup_free_ int *idx = NULL;
        size_t n = 0;

        snprintf(buf, size, "VLAN%04u", vid);
        if (!ns || !ns->watch || netlink_watch_list_links(ns->watch, &idx, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                _cleanup_(vlan_info_done) VlanInfo v = {};
                LinkInfo l;
                if (netlink_watch_get_vlan(ns->watch, idx[i], &v) >= 0 && v.parent_ifindex == bridge && v.id == vid &&
                    netlink_watch_get_link(ns->watch, idx[i], &l) >= 0) {
                        snprintf(buf, size, "%s", l.name);
                        return;
                }
        }
}

static int append_bridge_rows(sd_bus_message *reply, Namespace *ns, const BridgePortVlans *p, size_t n, size_t b) {
        int r = 0;

        for (unsigned vid = VLAN_ID_MIN; r >= 0 && vid <= VLAN_ID_MAX; vid++) {
                _cleanup_strv_free_ char **ports = NULL;
                char name[32];
                for (size_t i = 0; i < n; i++) {
                        if (p[i].master != p[b].ifindex || p[i].ifindex == p[b].ifindex)
                                continue;
                        for (size_t k = 0; k < p[i].n_entries; k++)
                                if (p[i].entries[k].vid == vid && (r = strv_extend(&ports, p[i].name)) < 0)
                                        return r;
                }
                if (!ports)
                        continue;
                vlan_row_name(ns, p[b].ifindex, (uint16_t) vid, name, sizeof(name));
                r = sd_bus_message_open_container(reply, 'r', "ssqsas");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "ssqs", ns ? ns->name : "", p[b].name, (uint16_t) vid, name);
                if (r >= 0)
                        r = sd_bus_message_append_strv(reply, ports);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        return r;
}

static int append_vlan_rows(sd_bus_message *reply, Namespace *ns) {
        BridgePortVlans *p = NULL;
        size_t n = 0;
        int r;

        r = netlink_bridge_vlans_dump(link_netns_fd(ns), &p, &n);
        /* Bridges are the entries that are their own master. */
        for (size_t b = 0; r >= 0 && b < n; b++)
                if (p[b].master == p[b].ifindex)
                        r = append_bridge_rows(reply, ns, p, n, b);
        bridge_port_vlans_free_many(p, n);
        return r;
}

static int method_ListVlans(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *ns_name;
        Namespace *ns;
        char what[96];
        int r;

        r = sd_bus_message_read(m, "s", &ns_name);
        if (r < 0 || (r = resolve_ns(userdata, ns_name, &ns, error)) < 0)
                return r;
        /* An empty table would claim that no bridge has VLANs; on this kernel none can have any. */
        snprintf(what, sizeof(what), "Cannot list the bridge VLANs in %s", label(ns));
        r = check_feature(userdata, host_net(userdata)->bridge_vlan_filtering, what, BRIDGE_NO_VLAN_FILTERING, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssqsas)");
        if (r >= 0)
                r = append_vlan_rows(reply, ns);
        if (r == -EOPNOTSUPP) /* the probe had no answer, the kernel has */
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_SUPPORTED, "%s: %s.", what, BRIDGE_NO_VLAN_FILTERING);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

/* ---- DeleteVlan ---- */

/* DeleteLink for VLANs only: without 802.1Q it says so, and it refuses to delete a link of another kind. */
static int method_DeleteVlan(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Manager *mgr = userdata;
        const char *ns_name, *name;
        char what[160];
        Namespace *ns;
        LinkInfo link;
        uint64_t flags;
        int r;

        r = sd_bus_message_read(m, "sst", &ns_name, &name, &flags);
        if (r < 0 || (r = bus_check_flags(flags, "DeleteVlan", error)) < 0 ||
            (r = resolve_ns(mgr, ns_name, &ns, error)) < 0)
                return r;
        snprintf(what, sizeof(what), "Cannot delete VLAN %s in %s", name, label(ns));
        if ((r = check_feature(mgr, host_net(mgr)->vlan_8021q, what, NO_8021Q, error)) < 0 ||
            (r = find_link(ns, "VLAN link", name, &link, error)) < 0)
                return r;
        if (!streq(link.kind, "vlan"))
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "Link %s in %s is a %s link, not a VLAN.",
                                         name, label(ns), link.kind);
        r = sd_bus_message_rewind(m, true);
        return r < 0 ? r : link_dbus_delete(m, mgr, flags, error);
}

/* The VLAN part of org.virtd.Virtd1.Manager, served beside manager-dbus.c's vtable. */
static const sd_bus_vtable manager_vlan_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("CreateVlan",
                                SD_BUS_ARGS("s", namespace, "s", parent, "s", name, "u", id, "s", protocol, "a{sb}",
                                            vlan_flags, "a(uu)", ingress_qos_map, "a(uu)", egress_qos_map, "u", mtu, "t",
                                            flags),
                                SD_BUS_RESULT("o", link), method_CreateVlan, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ChangeVlan", SD_BUS_ARGS("s", namespace, "s", name, "a{sv}", settings, "t", flags),
                                SD_BUS_NO_RESULT, method_ChangeVlan, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("DeleteVlan", SD_BUS_ARGS("s", namespace, "s", name, "t", flags), SD_BUS_NO_RESULT,
                                method_DeleteVlan, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CreateBridge", SD_BUS_ARGS("s", namespace, "s", name, "b", vlan_filtering, "t", flags),
                                SD_BUS_RESULT("o", link), method_CreateBridge, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetBridgePorts", SD_BUS_ARGS("s", namespace, "a(sssusu)", ports, "t", flags),
                                SD_BUS_NO_RESULT, method_SetBridgePorts, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetBridgePort", SD_BUS_ARGS("s", namespace, "s", port),
                                SD_BUS_RESULT("s", bridge, "s", mode, "u", access_vlan, "u", native_vlan, "s",
                                              allowed_vlans, "a(qbb)", entries),
                                method_GetBridgePort, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListVlans", SD_BUS_ARGS("s", namespace), SD_BUS_RESULT("a(ssqsas)", vlans),
                                method_ListVlans, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

int vlan_dbus_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, manager_vlan_vtable, m);
        if (r < 0)
                return r;
        /* A second interface on the link objects, answered only for VLAN links. */
        return sd_bus_add_fallback_vtable(m->bus, NULL, VIRTD_OBJECT_LINK_PREFIX, VIRTD_INTERFACE_VLAN, vlan_vtable,
                                          vlan_object_find, m);
}
