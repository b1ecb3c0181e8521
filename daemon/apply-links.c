/* apply-links.c: network.conf's bridges, VLANs and bridge ports against the kernel: read back, created, changed, deleted, undone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply-internal.h"
#include "link.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "netlink.h"
#include "strv.h"
#include "virtd-bus.h"

#define VLAN_FLAGS_ALL                                                                                              \
        (VLAN_FLAG_REORDER_HDR_BIT | VLAN_FLAG_GVRP_BIT | VLAN_FLAG_LOOSE_BINDING_BIT | VLAN_FLAG_MVRP_BIT |         \
         VLAN_FLAG_BRIDGE_BINDING_BIT)

/* ---- the live state ---- */

/* The addresses of a link without the IPv6 link-local ones, which the kernel makes itself: recreating a
 * link on undo gives it the file's addresses and the kernel's own again. */
static int live_addresses(int netns_fd, int ifindex, char ***ret) {
        _cleanup_strv_free_ char **all = NULL;
        int r;

        *ret = NULL;
        if ((r = netlink_get_addresses(netns_fd, ifindex, &all)) < 0)
                return r;
        for (char **a = all; a && *a; a++)
                if (!startswith(*a, "fe80:") && (r = strv_extend(ret, *a)) < 0)
                        return r;
        return 0;
}

static int live_object(NetConfig *c, NetObjectType type, const char *name, const char *ns_name, NetObject **ret) {
        NetObject *o = live_append(c);

        if (!o)
                return -ENOMEM;
        o->type = type;
        if (!(o->name = strdup(name)) || (!is_host(ns_name) && !(o->namespace = strdup(ns_name))))
                return -ENOMEM;
        *ret = o;
        return 0;
}

static int live_bridge(Namespace *ns, const char *ns_name, const char *name, NetConfig *c) {
        NetObject *o;
        LinkInfo info;
        BridgeInfo b;
        int r;

        if (netlink_link_get(link_netns_fd(ns), name, 0, &info) < 0 || !streq(info.kind, "bridge"))
                return 0;
        if (netlink_bridge_get(link_netns_fd(ns), info.ifindex, &b) < 0)
                return 0;
        if ((r = live_object(c, NET_BRIDGE, name, ns_name, &o)) < 0)
                return r;
        o->vlan_filtering = b.vlan_filtering;
        o->has_default_pvid = true;
        o->default_pvid = b.default_pvid;
        o->mtu = info.mtu;
        return live_addresses(link_netns_fd(ns), info.ifindex, &o->addresses);
}

static int live_vlan_fill(NetObject *o, int netns_fd, VlanInfo *v) {
        LinkInfo parent;

        /* A parent in another namespace has no name here; "" never equals a file's parent. */
        o->parent = strdup(netlink_link_get(netns_fd, NULL, v->parent_ifindex, &parent) >= 0 ? parent.name : "");
        o->id = v->id;
        o->protocol = v->protocol;
        o->flags = v->flags & VLAN_FLAGS_ALL;
        if (v->n_ingress > 0) {
                if (!(o->ingress = calloc(v->n_ingress, sizeof(VlanQosMapping))))
                        return -ENOMEM;
                memcpy(o->ingress, v->ingress, v->n_ingress * sizeof(VlanQosMapping));
                o->n_ingress = v->n_ingress;
        }
        o->egress = TAKE_PTR(v->egress);
        o->n_egress = v->n_egress;
        v->n_egress = 0;
        return o->parent ? 0 : -ENOMEM;
}

static int live_vlan(Namespace *ns, const char *ns_name, const char *name, NetConfig *c) {
        _cleanup_(vlan_info_done) VlanInfo v = {};
        NetObject *o;
        LinkInfo info;
        int r;

        if (netlink_link_get(link_netns_fd(ns), name, 0, &info) < 0 || netlink_vlan_get(link_netns_fd(ns), info.ifindex, &v) < 0)
                return 0;
        if ((r = live_object(c, NET_VLAN, name, ns_name, &o)) < 0 || (r = live_vlan_fill(o, link_netns_fd(ns), &v)) < 0)
                return r;
        o->mtu = info.mtu;
        return live_addresses(link_netns_fd(ns), info.ifindex, &o->addresses);
}

/* A port is live when the link is enslaved to the bridge; its table is the kernel's, as it is. */
static int live_port(Namespace *ns, const char *ns_name, const char *bridge, const char *name, NetConfig *c) {
        LinkInfo b, p;
        NetObject *o;
        int r;

        if (netlink_link_get(link_netns_fd(ns), bridge, 0, &b) < 0 || netlink_link_get(link_netns_fd(ns), name, 0, &p) < 0 ||
            netlink_link_get_master(link_netns_fd(ns), p.ifindex) != b.ifindex)
                return 0;
        if ((r = live_object(c, NET_PORT, name, ns_name, &o)) < 0)
                return r;
        if (!(o->bridge = strdup(bridge)))
                return -ENOMEM;
        o->kernel_table = true;
        r = bridge_port_entries(link_netns_fd(ns), p.ifindex, &o->port_entries, &o->n_port_entries);
        if (r < 0)
                return r;
        if (port_config_from_entries(o->port_entries, o->n_port_entries, &o->port) < 0)
                o->port = (PortConfig) {};
        return 0;
}

static int live_one(Manager *m, NetObjectType type, const char *ns_name, const char *bridge, const char *name, NetConfig *c) {
        Namespace *ns = is_host(ns_name) ? NULL : namespace_find(m, ns_name);

        if (!is_host(ns_name) && !ns)
                return 0;
        switch (type) {
        case NET_BRIDGE:
                return live_bridge(ns, ns_name, name, c);
        case NET_VLAN:
                return live_vlan(ns, ns_name, name, c);
        case NET_PORT:
                return live_port(ns, ns_name, bridge, name, c);
        default:
                return 0;
        }
}

/* The namespace a file's port lives in: its bridge's. */
static const char *port_namespace(const NetConfig *want, const NetObject *port) {
        for (size_t i = 0; i < want->n_objects; i++)
                if (want->objects[i].type == NET_BRIDGE && streq(want->objects[i].name, port->bridge))
                        return want->objects[i].namespace;
        return NULL;
}

static bool wanted(const NetConfig *want, NetObjectType type, const char *bridge, const char *name) {
        for (size_t i = 0; i < want->n_objects; i++) {
                const NetObject *o = &want->objects[i];
                if (o->type == type && streq(o->name, name) && (type != NET_PORT || streq(o->bridge, bridge)))
                        return true;
        }
        return false;
}

/* An owned bridge, VLAN or port the file no longer names: looked for in the host and every managed namespace. */
static int live_owned(Manager *m, const NetConfig *want, NetObjectType type, const char *record, NetConfig *c) {
        _cleanup_free_ char *bridge = NULL;
        const char *name = record;
        int r;

        if (type == NET_PORT) {
                const char *space = strchr(record, ' ');
                if (!space || !(bridge = strndup(record, space - record)))
                        return space ? -ENOMEM : 0;
                name = space + 1;
        }
        if (wanted(want, type, bridge, name))
                return 0;
        if ((r = live_one(m, type, NULL, bridge, name, c)) < 0)
                return r;
        for (Namespace *ns = m->namespaces ? m->namespaces->list : NULL; ns; ns = ns->next)
                if ((r = live_one(m, type, ns->name, bridge, name, c)) < 0)
                        return r;
        return 0;
}

int live_links_read(Manager *m, const NetConfig *want, char * const *owned, NetConfig *c) {
        static const NetObjectType order[] = { NET_BRIDGE, NET_VLAN, NET_PORT };
        int r;

        /* Bridges before ports, so that Save adds an owned port after the bridge it needs. */
        for (size_t k = 0; k < ELEMENTSOF(order); k++) {
                const char *prefix = net_object_type_to_string(order[k]);

                for (size_t i = 0; i < want->n_objects; i++) {
                        const NetObject *o = &want->objects[i];
                        if (o->type != order[k])
                                continue;
                        r = live_one(m, o->type, o->type == NET_PORT ? port_namespace(want, o) : o->namespace, o->bridge,
                                     o->name, c);
                        if (r < 0)
                                return r;
                }
                for (char * const *s = owned; s && *s; s++) {
                        const char *rest = startswith(*s, prefix);
                        if (rest && rest[0] == ' ' && (r = live_owned(m, want, order[k], rest + 1, c)) < 0)
                                return r;
                }
        }
        return 0;
}

/* ---- bridges ---- */

static int link_find(Manager *m, const char *name, const char *ns_name, Namespace **ret_ns, LinkInfo *ret,
                     sd_bus_error *error) {
        int r;

        if ((r = ns_lookup(m, ns_name, ret_ns, error)) < 0)
                return r;
        if ((r = netlink_link_get(link_netns_fd(*ret_ns), name, 0, ret)) < 0)
                return virtd_bus_error_setf(error, r, "Link %s does not exist in %s.", name,
                                            is_host(ns_name) ? "the host" : ns_name);
        return 0;
}

static int link_set_mtu(Manager *m, const char *name, const char *ns_name, uint32_t mtu, sd_bus_error *error) {
        LinkChange change = { .mtu = mtu, .up = -1 };
        NetlinkReason nr = {};
        Namespace *ns;
        LinkInfo info;
        int r;

        if (mtu == 0)
                return 0;
        if ((r = link_find(m, name, ns_name, &ns, &info, error)) < 0)
                return r;
        r = netlink_link_change(link_netns_fd(ns), info.ifindex, &change, &nr);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot set the MTU of %s to %u: %s", name, mtu,
                                            nr.text[0] ? nr.text : strerror(-r));
        return 0;
}

/* The ports of a bridge with their VLAN tables, as PortSaved records that bridge_port_restore() puts back. */
static int bridge_ports_save(int netns_fd, int bridge_ifindex, PortSaved **ret, size_t *ret_n) {
        BridgePortVlans *ports = NULL;
        PortSaved *saved;
        size_t n = 0, k = 0;
        int r;

        if ((r = netlink_bridge_vlans_dump(netns_fd, &ports, &n)) < 0)
                return r;
        if (!(saved = calloc(n + 1, sizeof(PortSaved)))) {
                bridge_port_vlans_free_many(ports, n);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                if (ports[i].master == bridge_ifindex && ports[i].ifindex != bridge_ifindex)
                        saved[k++] = (PortSaved) { .ifindex = ports[i].ifindex, .master = bridge_ifindex,
                                                   .entries = TAKE_PTR(ports[i].entries), .n_entries = ports[i].n_entries };
        bridge_port_vlans_free_many(ports, n);
        *ret = saved;
        *ret_n = k;
        return 0;
}

static void bridge_ports_restore(int netns_fd, PortSaved *saved, size_t n) {
        for (size_t i = 0; i < n; i++) {
                bridge_port_restore(netns_fd, &saved[i]);
                port_saved_done(&saved[i]);
        }
        free(saved);
}

/* VLAN filtering and the default PVID as @o gives them (unset ones stay as they are), then its MTU. */
static int bridge_configure(Manager *m, const NetObject *o, sd_bus_error *error) {
        PortSaved *ports = NULL;
        NetlinkReason nr = {};
        size_t n_ports = 0;
        Namespace *ns;
        LinkInfo info;
        int r;

        if ((r = link_find(m, o->name, o->namespace, &ns, &info, error)) < 0)
                return r;
        /* The kernel moves ports that have the old default PVID (or none) to the new one. In network.conf the
         * default PVID is what new ports get: the existing ones keep their tables. */
        if (o->has_default_pvid && (r = bridge_ports_save(link_netns_fd(ns), info.ifindex, &ports, &n_ports)) < 0)
                return virtd_bus_error_setf(error, r, "Cannot read the ports of bridge %s: %s", o->name, strerror(-r));
        r = netlink_bridge_change(link_netns_fd(ns), info.ifindex, o->vlan_filtering, o->has_default_pvid ? o->default_pvid : -1,
                                  &nr);
        if (o->has_default_pvid)
                bridge_ports_restore(link_netns_fd(ns), ports, n_ports);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot configure bridge %s (vlan-filtering, default-pvid): %s", o->name,
                                            r == -EOPNOTSUPP ? BRIDGE_NO_VLAN_FILTERING : nr.text[0] ? nr.text : strerror(-r));
        return link_set_mtu(m, o->name, o->namespace, o->mtu, error);
}

/* After creating link @o (@r: how its configuration went so far): its addresses, up; deleted again on failure. */
static int link_created_finish(Manager *m, const NetObject *o, int r, sd_bus_error *error) {
        for (char **s = o->addresses; r >= 0 && s && *s; s++)
                r = do_address(m, o->name, o->namespace, *s, true, error);
        if (r >= 0)
                r = do_link_up(m, o->name, o->namespace, error);
        if (r < 0)
                (void) do_link_delete(m, o->name, o->namespace, NULL);
        return r;
}

static int bridge_create(Manager *m, const NetObject *o, sd_bus_error *error) {
        NetlinkReason nr = {};
        Namespace *ns;
        int r;

        if ((r = ns_lookup(m, o->namespace, &ns, error)) < 0)
                return r;
        r = netlink_bridge_add(link_netns_fd(ns), o->name, o->vlan_filtering > 0, &nr);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot create bridge %s%s: %s", o->name,
                                            o->vlan_filtering > 0 ? " with VLAN filtering" : "",
                                            r == -EOPNOTSUPP ? BRIDGE_NO_VLAN_FILTERING : nr.text[0] ? nr.text : strerror(-r));
        if (o->has_default_pvid || o->mtu)
                r = bridge_configure(m, &(NetObject) { .name = o->name, .namespace = o->namespace, .vlan_filtering = -1,
                                                      .has_default_pvid = o->has_default_pvid,
                                                      .default_pvid = o->default_pvid, .mtu = o->mtu },
                                     error);
        return link_created_finish(m, o, r, error);
}

/* ---- VLANs ---- */

static VlanLinkSpec vlan_spec(const NetObject *o, int parent_ifindex) {
        return (VlanLinkSpec) {
                .name = o->name, .parent_ifindex = parent_ifindex, .id = o->id, .protocol = o->protocol,
                .flags = o->flags, .flags_mask = VLAN_FLAGS_ALL,
                /* Both maps always: a map the file empties must be emptied in the kernel too. */
                .has_ingress_map = true, .ingress = o->ingress, .n_ingress = o->n_ingress,
                .has_egress_map = true, .egress = o->egress, .n_egress = o->n_egress, .mtu = o->mtu,
        };
}

static int vlan_create(Manager *m, const NetObject *o, sd_bus_error *error) {
        NetlinkReason nr = {};
        Namespace *ns;
        LinkInfo parent;
        int r;

        if ((r = ns_lookup(m, o->namespace, &ns, error)) < 0)
                return r;
        if ((r = netlink_link_get(link_netns_fd(ns), o->parent, 0, &parent)) < 0)
                return virtd_bus_error_setf(error, r, "Parent link %s of VLAN %s does not exist in %s.", o->parent, o->name,
                                            is_host(o->namespace) ? "the host" : o->namespace);
        VlanLinkSpec spec = vlan_spec(o, parent.ifindex);
        spec.has_ingress_map = o->n_ingress > 0;
        spec.has_egress_map = o->n_egress > 0;
        r = netlink_vlan_add(link_netns_fd(ns), &spec, &nr);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot create VLAN %s (id %u on %s): %s", o->name, o->id, o->parent,
                                            nr.text[0] ? nr.text : strerror(-r));
        return link_created_finish(m, o, r, error);
}

/* Flags, QoS maps and MTU of an existing VLAN, as @o gives them. */
static int vlan_change(Manager *m, const NetObject *o, sd_bus_error *error) {
        _cleanup_(vlan_info_done) VlanInfo old = {};
        NetlinkReason nr = {};
        Namespace *ns;
        LinkInfo info;
        int r;

        if ((r = link_find(m, o->name, o->namespace, &ns, &info, error)) < 0)
                return r;
        if ((r = netlink_vlan_get(link_netns_fd(ns), info.ifindex, &old)) < 0)
                return virtd_bus_error_setf(error, r, "Link %s is not a VLAN.", o->name);
        VlanLinkSpec spec = vlan_spec(o, old.parent_ifindex);
        r = netlink_vlan_change(link_netns_fd(ns), info.ifindex, &spec, &old, &nr);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot change VLAN %s: %s", o->name, nr.text[0] ? nr.text : strerror(-r));
        return 0;
}

/* Parent, id and protocol are fixed when the kernel makes a VLAN: the old one goes, the new one comes. */
static int vlan_recreate(Manager *m, const NetObject *from, const NetObject *to, sd_bus_error *error) {
        _cleanup_(sd_bus_error_free) sd_bus_error back = SD_BUS_ERROR_NULL;
        int r;

        if ((r = do_link_delete(m, from->name, from->namespace, error)) < 0)
                return r;
        r = vlan_create(m, to, error);
        if (r < 0 && vlan_create(m, from, &back) < 0)
                log_warning("Cannot recreate VLAN %s as it was: %s", from->name, back.message ? back.message : "failed");
        return r;
}

/* ---- ports ---- */

static int port_links(Manager *m, const PlanStep *s, Namespace **ret_ns, LinkInfo *ret_port, LinkInfo *ret_bridge,
                      sd_bus_error *error) {
        int r;

        if ((r = link_find(m, s->param, s->namespace, ret_ns, ret_bridge, error)) < 0)
                return r;
        return link_find(m, s->name, s->namespace, ret_ns, ret_port, error);
}

static int port_set(Manager *m, const PlanStep *s, StepUndo *u, sd_bus_error *error) {
        LinkInfo port, bridge;
        char reason[512];
        Namespace *ns;
        int r;

        if ((r = port_links(m, s, &ns, &port, &bridge, error)) < 0)
                return r;
        r = bridge_port_apply(link_netns_fd(ns), &port, &bridge, &s->net->port, &u->port, reason, sizeof(reason));
        if (r < 0) {
                /* bridge_port_apply() has put the port back already. */
                port_saved_done(&u->port);
                return virtd_bus_error_setf(error, r, "%s", reason);
        }
        u->port_saved = true;
        return 0;
}

/* A port the file no longer names leaves its bridge; undo puts it back with its table. */
static int port_release(Manager *m, const PlanStep *s, StepUndo *u, sd_bus_error *error) {
        LinkInfo port, bridge;
        NetlinkReason nr = {};
        Namespace *ns;
        int r;

        if ((r = port_links(m, s, &ns, &port, &bridge, error)) < 0)
                return r;
        u->port = (PortSaved) { .ifindex = port.ifindex, .master = bridge.ifindex, .master_changed = true };
        r = bridge_port_entries(link_netns_fd(ns), port.ifindex, &u->port.entries, &u->port.n_entries);
        if (r >= 0)
                r = netlink_link_set_master(link_netns_fd(ns), port.ifindex, 0, &nr);
        if (r < 0) {
                port_saved_done(&u->port);
                return virtd_bus_error_setf(error, r, "Cannot take %s out of bridge %s: %s", s->name, s->param,
                                            nr.text[0] ? nr.text : strerror(-r));
        }
        u->port_saved = true;
        return 0;
}

static void port_restore(Manager *m, const PlanStep *s, StepUndo *u) {
        Namespace *ns;

        if (!u->port_saved || ns_lookup(m, s->namespace, &ns, NULL) < 0)
                return;
        bridge_port_restore(link_netns_fd(ns), &u->port);
}

/* ---- steps ---- */

static int bridge_step(Manager *m, const PlanStep *s, sd_bus_error *error) {
        switch (s->action) {
        case PLAN_CREATE:
                return bridge_create(m, s->net, error);
        case PLAN_CHANGE:
                return bridge_configure(m, s->net, error);
        default:
                return do_link_delete(m, s->name, s->namespace, error);
        }
}

static int vlan_step(Manager *m, const PlanStep *s, sd_bus_error *error) {
        switch (s->action) {
        case PLAN_CREATE:
                return vlan_create(m, s->net, error);
        case PLAN_CHANGE:
                return s->recreate ? vlan_recreate(m, s->live, s->net, error) : vlan_change(m, s->net, error);
        default:
                return do_link_delete(m, s->name, s->namespace, error);
        }
}

int links_step_do(Manager *m, const PlanStep *s, StepUndo *u, sd_bus_error *error) {
        assert(m && s && u);
        switch (s->kind) {
        case PLAN_BRIDGE:
                return bridge_step(m, s, error);
        case PLAN_VLAN:
                return vlan_step(m, s, error);
        case PLAN_PORT:
                return s->action == PLAN_DELETE ? port_release(m, s, u, error) : port_set(m, s, u, error);
        default:
                return -EINVAL;
        }
}

static int bridge_undo(Manager *m, const PlanStep *s, sd_bus_error *error) {
        switch (s->action) {
        case PLAN_CREATE:
                return do_link_delete(m, s->name, s->namespace, error);
        case PLAN_CHANGE:
                return bridge_configure(m, s->live, error);
        default:
                /* Its ports were released by the steps before, whose undo enslaves them again. */
                return bridge_create(m, s->live, error);
        }
}

static int vlan_undo(Manager *m, const PlanStep *s, sd_bus_error *error) {
        switch (s->action) {
        case PLAN_CREATE:
                return do_link_delete(m, s->name, s->namespace, error);
        case PLAN_CHANGE:
                return s->recreate ? vlan_recreate(m, s->net, s->live, error) : vlan_change(m, s->live, error);
        default:
                return vlan_create(m, s->live, error);
        }
}

void links_step_undo(Manager *m, const PlanStep *s, StepUndo *u) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = 0;

        assert(m && s && u);
        if (s->kind == PLAN_BRIDGE)
                r = bridge_undo(m, s, &e);
        else if (s->kind == PLAN_VLAN)
                r = vlan_undo(m, s, &e);
        else if (s->kind == PLAN_PORT)
                port_restore(m, s, u);
        if (r < 0)
                log_warning("Rolling back '%s %s %s' failed: %s", plan_action_to_string(s->action), plan_kind_to_string(s->kind),
                            s->name, e.message ? e.message : strerror(-r));
}
