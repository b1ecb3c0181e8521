/* save-capture.c: what Save adds beyond refreshing the files: new groups whole, owned links the files lack. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "group.h"
#include "link.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "netlink.h"
#include "persist-edit.h"
#include "persist-objects.h"
#include "save-capture.h"
#include "strset.h"
#include "strv.h"

/* ---- groups ---- */

int save_capture_groups(Manager *m, CgConfig *cg, char * const *file_groups) {
        _cleanup_(cgconfig_freep) CgConfig *snap = NULL;
        _cleanup_free_ char *text = NULL;
        ConfError err = {};
        int r;

        if (!m->groups)
                return 0;
        /* cgsnapshot's view of a group is its writable parameters and its owners: what cgconfigparser
         * needs to make it again. Groups the file already names keep the parameters the file chose. */
        r = group_snapshot(m->groups, NULL, &text);
        if (r >= 0)
                r = cgconfig_parse(text, strlen(text), "snapshot", &snap, &err);
        conf_error_done(&err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < cg->n_groups; i++) {
                const CgGroup *s = cgconfig_find_group(snap, cg->groups[i].name);
                _cleanup_free_ char *key = NULL;

                if (!s)
                        continue;
                /* A group a runtime-only call changed may hold parameters its section does not name yet. */
                if (asprintf(&key, "group %s", s->name) < 0)
                        return -ENOMEM;
                if ((!strv_contains(file_groups, s->name) || strset_contains(m->runtime_changed, key)) &&
                    (r = cgconfig_edit_group_from(cg, s)) < 0)
                        return r;
        }
        return 0;
}

/* ---- links ---- */

/* The namespace @fd's peer id @nsid names: a managed namespace, the host (NULL), or -ENOENT. */
static int peer_namespace(Manager *m, Namespace *ns, int nsid, Namespace **ret) {
        _cleanup_close_ int host = -EBADF;

        if (nsid < 0) {
                *ret = ns;
                return 0;
        }
        for (Namespace *o = m->namespaces ? m->namespaces->list : NULL; o; o = o->next)
                if (o != ns && o->net_fd >= 0 && netlink_get_nsid(link_netns_fd(ns), o->net_fd) == nsid) {
                        *ret = o;
                        return 0;
                }
        host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (ns && host >= 0 && netlink_get_nsid(ns->net_fd, host) == nsid) {
                *ret = NULL;
                return 0;
        }
        return -ENOENT;
}

/* Without the IPv6 link-local addresses: the kernel makes them itself from the link's random MAC, so saving
 * them would pin an address the recreated link does not have and make every Save differ. */
static int addresses(Namespace *ns, int ifindex, char ***ret) {
        _cleanup_strv_free_ char **all = NULL;
        int r;

        *ret = NULL;
        if ((r = netlink_get_addresses(link_netns_fd(ns), ifindex, &all)) < 0)
                return r;
        for (char **a = all; a && *a; a++)
                if (!startswith(*a, "fe80:") && (r = strv_extend(ret, *a)) < 0)
                        return r;
        return 0;
}

/* A veth end: its peer, both namespaces and both ends' addresses, read from the kernel. */
static int veth_capture(Manager *m, Namespace *ns, const LinkInfo *link, NetObject *ret) {
        Namespace *pns = NULL;
        LinkInfo peer;
        int r;

        if (link->peer_ifindex <= 0)
                return -ENODEV;
        if ((r = peer_namespace(m, ns, link->peer_netnsid, &pns)) < 0 ||
            (r = netlink_link_get(link_netns_fd(pns), NULL, link->peer_ifindex, &peer)) < 0)
                return r;
        *ret = (NetObject) { .type = NET_VETH, .vlan_filtering = -1, .mtu = link->mtu != 1500 ? link->mtu : 0 };
        ret->name = strdup(link->name);
        ret->peer = strdup(peer.name);
        ret->namespace = ns ? strdup(ns->name) : NULL;
        ret->peer_namespace = pns ? strdup(pns->name) : NULL;
        if (!ret->name || !ret->peer || (ns && !ret->namespace) || (pns && !ret->peer_namespace))
                return -ENOMEM;
        if ((r = addresses(ns, link->ifindex, &ret->addresses)) < 0 || (r = addresses(pns, peer.ifindex, &ret->peer_addresses)) < 0)
                return r;
        return 0;
}

/* Where an owned link lives: the host or a managed namespace. */
static int find_live(Manager *m, const char *name, const char *kind, Namespace **ret_ns, LinkInfo *ret) {
        if (netlink_link_get(link_netns_fd(NULL), name, 0, ret) >= 0 && streq(ret->kind, kind)) {
                *ret_ns = NULL;
                return 0;
        }
        for (Namespace *ns = m->namespaces ? m->namespaces->list : NULL; ns; ns = ns->next)
                if (ns->net_fd >= 0 && netlink_link_get(ns->net_fd, name, 0, ret) >= 0 && streq(ret->kind, kind)) {
                        *ret_ns = ns;
                        return 0;
                }
        return -ENODEV;
}

int save_capture_link(Manager *m, Namespace *ns, const char *name, NetObject *ret) {
        LinkInfo link;
        int r;

        if ((r = netlink_link_get(link_netns_fd(ns), name, 0, &link)) < 0)
                return r;
        if (streq(link.kind, "veth"))
                return veth_capture(m, ns, &link, ret);
        if (streq(link.kind, "vlan"))
                return persist_vlan_capture(ns, name, ret);
        if (!streq(link.kind, "bridge"))
                return -EOPNOTSUPP;
        *ret = (NetObject) { .type = NET_BRIDGE, .vlan_filtering = netlink_bridge_vlan_filtering(link_netns_fd(ns), link.ifindex) > 0 };
        if (!(ret->name = strdup(name)) || (ns && !(ret->namespace = strdup(ns->name))))
                return -ENOMEM;
        return addresses(ns, link.ifindex, &ret->addresses);
}

static int add_addresses(Namespace *ns, const char *name, char **list) {
        NetlinkReason nr;
        LinkInfo link;
        int r;

        if ((r = netlink_link_get(link_netns_fd(ns), name, 0, &link)) < 0)
                return r;
        for (char **a = list; a && *a; a++) {
                IpPrefix p;
                if ((r = ip_prefix_parse(*a, &p)) < 0 || (r = netlink_address(link_netns_fd(ns), link.ifindex, &p, true, &nr)) < 0)
                        return r;
        }
        return 0;
}

static Namespace *namespace_of(Manager *m, const char *name) {
        return !name || streq(name, "host") ? NULL : namespace_find(m, name);
}

int save_link_recreate(Manager *m, const NetObject *o) {
        Namespace *ns = namespace_of(m, o->namespace);
        NetlinkReason nr;
        int r;

        if (o->type == NET_VETH) {
                Namespace *pns = namespace_of(m, o->peer_namespace);
                VethEnd a = { .name = o->name, .netns_fd = link_netns_fd(ns), .mtu = o->mtu },
                        b = { .name = o->peer, .netns_fd = link_netns_fd(pns), .mtu = o->mtu };
                if ((r = netlink_veth_add(&a, &b, &nr)) < 0 || (r = add_addresses(pns, o->peer, o->peer_addresses)) < 0)
                        return r;
        } else if (o->type == NET_VLAN) {
                LinkInfo parent;
                VlanLinkSpec spec = { .name = o->name, .id = o->id, .protocol = o->protocol, .flags = o->flags,
                                      .flags_mask = UINT32_MAX, .has_ingress_map = true, .has_egress_map = true,
                                      .ingress = o->ingress, .n_ingress = o->n_ingress, .egress = o->egress,
                                      .n_egress = o->n_egress, .mtu = o->mtu };
                if ((r = netlink_link_get(link_netns_fd(ns), o->parent, 0, &parent)) < 0)
                        return r;
                spec.parent_ifindex = parent.ifindex;
                if ((r = netlink_vlan_add(link_netns_fd(ns), &spec, &nr)) < 0)
                        return r;
        } else if ((r = netlink_bridge_add(link_netns_fd(ns), o->name, o->vlan_filtering > 0, &nr)) < 0)
                return r;
        return add_addresses(ns, o->name, o->addresses);
}

static bool is_host(const char *ns) {
        return !ns || streq(ns, "host");
}

/* A veth section Save's refresh added from the ownership record, which knows only one end's name. */
static int complete_veth(Manager *m, NetObject *o) {
        Namespace *ns = is_host(o->namespace) ? NULL : namespace_find(m, o->namespace);
        NetObject full = {};
        LinkInfo link;
        int r;

        if ((!is_host(o->namespace) && !ns) || netlink_link_get(link_netns_fd(ns), o->name, 0, &link) < 0)
                return 0;
        r = veth_capture(m, ns, &link, &full);
        if (r >= 0) {
                netconf_object_done(o);
                *o = full;
                full = (NetObject) {};
        }
        netconf_object_done(&full);
        /* A peer that cannot be found leaves the section peerless; save_capture_links() drops it. */
        return r == -ENODEV || r == -ENOENT ? 0 : r;
}

static int capture_owned(Manager *m, NetConfig *net, const char *kind, const char *name) {
        NetObject o = {};
        Namespace *ns;
        LinkInfo link;
        int r;

        if (find_live(m, name, kind, &ns, &link) < 0 || netconf_edit_find_link(net, name, ns ? ns->name : NULL, NULL))
                return 0;
        if (streq(kind, "veth"))
                r = veth_capture(m, ns, &link, &o);
        else if (streq(kind, "vlan"))
                r = persist_vlan_capture(ns, name, &o);
        else {
                int filtering = netlink_bridge_vlan_filtering(link_netns_fd(ns), link.ifindex);
                o = (NetObject) { .type = NET_BRIDGE, .vlan_filtering = filtering > 0 };
                r = (o.name = strdup(name)) && (!ns || (o.namespace = strdup(ns->name))) ? 0 : -ENOMEM;
        }
        if (r >= 0)
                r = netconf_edit_append(net, &o);
        netconf_object_done(&o);
        if (r == -ENODEV || r == -ENOENT) {
                log_warning("Not saving %s %s: it cannot be read back from the kernel.", kind, name);
                return 0;
        }
        return r;
}

int save_capture_links(Manager *m, NetConfig *net, char * const *owned) {
        int r;

        for (size_t i = 0; i < net->n_objects; i++)
                if (net->objects[i].type == NET_VETH && !net->objects[i].peer && (r = complete_veth(m, &net->objects[i])) < 0)
                        return r;
        for (char * const *s = owned; s && *s; s++) {
                const char *kinds[] = { "veth", "vlan", "bridge" }, *name = NULL;
                size_t k;

                for (k = 0; k < ELEMENTSOF(kinds) && !name; k++)
                        if (startswith(*s, kinds[k]) && (*s)[strlen(kinds[k])] == ' ')
                                name = *s + strlen(kinds[k]) + 1;
                if (name && (r = capture_owned(m, net, kinds[k - 1], name)) < 0)
                        return r;
        }
        /* A link the kernel no longer has the peer of cannot be described; it goes rather than fail Save. */
        for (size_t i = 0; i < net->n_objects;)
                if (net->objects[i].type == NET_VETH && !net->objects[i].peer) {
                        log_warning("Not saving veth %s: its peer cannot be found.", net->objects[i].name);
                        netconf_object_done(&net->objects[i]);
                        memmove(&net->objects[i], &net->objects[i + 1], (net->n_objects - i - 1) * sizeof(NetObject));
                        net->n_objects--;
                } else
                        i++;
        return 0;
}
