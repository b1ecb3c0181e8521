/* netlink-vlan.c: the libnl wrapper's VLAN part: 802.1Q/802.1ad links, VLAN-filtering bridges, port VLAN tables. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/link/vlan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "netlink-internal.h"

void vlan_info_done(VlanInfo *i) {
        free(i->egress);
        i->egress = NULL;
        i->n_egress = 0;
}

/* What creating and changing a VLAN set alike on link: the flags s names and, when given, the MTU. */
static void set_flags_and_mtu(struct rtnl_link *link, const VlanLinkSpec *s) {
        uint32_t flags = s->flags, mask = s->flags_mask;

        if (flags & mask)
                rtnl_link_vlan_set_flags(link, flags & mask);
        if (~flags & mask)
                rtnl_link_vlan_unset_flags(link, ~flags & mask);
        if (s->mtu > 0)
                rtnl_link_set_mtu(link, s->mtu);
}

static int send_and_ack(struct nl_sock *sk, struct nl_msg *msg);

static int put_qos_mapping(struct nl_msg *msg, uint32_t from, uint32_t to) {
        struct ifla_vlan_qos_mapping m = { .from = from, .to = to };

        return nla_put(msg, IFLA_VLAN_QOS_MAPPING, sizeof(m), &m) < 0 ? -ENOMEM : 0;
}

static int put_ingress_map(struct nl_msg *msg, const VlanLinkSpec *s) {
        struct nlattr *nest = nla_nest_start(msg, IFLA_VLAN_INGRESS_QOS);

        if (!nest)
                return -ENOMEM;
        /* All eight PCPs are sent, so that a PCP the new map leaves out goes back to priority 0. */
        for (uint32_t pcp = 0; pcp <= 7; pcp++) {
                uint32_t to = 0;
                for (size_t i = 0; i < s->n_ingress; i++)
                        if (s->ingress[i].from == pcp)
                                to = s->ingress[i].to;
                if (put_qos_mapping(msg, pcp, to) < 0)
                        return -ENOMEM;
        }
        nla_nest_end(msg, nest);
        return 0;
}

static int put_egress_map(struct nl_msg *msg, const VlanLinkSpec *s, const VlanInfo *old) {
        struct nlattr *nest = nla_nest_start(msg, IFLA_VLAN_EGRESS_QOS);

        if (!nest)
                return -ENOMEM;
        /* The kernel keeps egress entries until they are set to PCP 0 (which it then stops reporting). */
        for (size_t i = 0; old && i < old->n_egress; i++) {
                bool kept = false;
                for (size_t j = 0; j < s->n_egress; j++)
                        kept = kept || s->egress[j].from == old->egress[i].from;
                if (!kept && put_qos_mapping(msg, old->egress[i].from, 0) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < s->n_egress; i++)
                if (put_qos_mapping(msg, s->egress[i].from, s->egress[i].to) < 0)
                        return -ENOMEM;
        nla_nest_end(msg, nest);
        return 0;
}

/* An RTM_NEWLINK message for ifindex (0 and name: a new link) with IFLA_LINKINFO open and its kind written;
 * NULL when memory runs out. The caller ends the nest at *ret_linkinfo. */
static struct nl_msg *link_msg_new(int nlflags, int ifindex, const char *name, const char *kind,
                                   struct nlattr **ret_linkinfo) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, nlflags);
        struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
        struct nlattr *linkinfo;

        if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
            (name && nla_put_string(msg, IFLA_IFNAME, name) < 0) || !(linkinfo = nla_nest_start(msg, IFLA_LINKINFO)) ||
            nla_put_string(msg, IFLA_INFO_KIND, kind) < 0)
                return NULL;
        *ret_linkinfo = linkinfo;
        return TAKE_PTR(msg);
}

/* Built by hand: libnl 3.7 writes each ingress mapping with the PCP as its attribute type, while the
 * kernel honours only IFLA_VLAN_QOS_MAPPING entries, so all but PCP 1 were lost (its egress maps too). */
static int send_qos_maps(struct nl_sock *sk, int ifindex, const VlanLinkSpec *s, const VlanInfo *old) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        struct nlattr *linkinfo, *data;

        if (!s->has_ingress_map && !s->has_egress_map)
                return 0;
        msg = link_msg_new(0, ifindex, /* name= */ NULL, "vlan", &linkinfo);
        if (!msg || !(data = nla_nest_start(msg, IFLA_INFO_DATA)))
                return -ENOMEM;
        if ((s->has_ingress_map && put_ingress_map(msg, s) < 0) || (s->has_egress_map && put_egress_map(msg, s, old) < 0))
                return -ENOMEM;
        nla_nest_end(msg, data);
        nla_nest_end(msg, linkinfo);
        return send_and_ack(sk, msg);
}

int netlink_vlan_add(int netns_fd, const VlanLinkSpec *s, NetlinkReason *reason) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = rtnl_link_vlan_alloc(), *made = NULL;
        int r;

        assert(s && s->name);
        if (!link)
                return -ENOMEM;
        rtnl_link_set_link(link, s->parent_ifindex);
        rtnl_link_set_name(link, s->name);
        rtnl_link_vlan_set_id(link, s->id);
        /* libnl passes IFLA_VLAN_PROTOCOL through as it is on the wire: in network byte order. */
        rtnl_link_vlan_set_protocol(link, htons(s->protocol));
        set_flags_and_mtu(link, s);
        r = netlink_open_in(netns_fd, reason, &sk);
        if (r < 0)
                return r;
        r = netlink_error_to_errno(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
        if (r < 0 || (!s->has_ingress_map && !s->has_egress_map))
                return r;
        r = rtnl_link_get_kernel(sk, 0, s->name, &made);
        if (r < 0)
                return netlink_error_to_errno(r);
        r = send_qos_maps(sk, rtnl_link_get_ifindex(made), s, NULL);
        if (r < 0)
                (void) rtnl_link_delete(sk, made); /* all or nothing */
        return r;
}

/* Applies changes to link ifindex on a socket opened in netns_fd's namespace, handed out in *ret_sk (if not
 * NULL) for what else the caller sends. */
static int link_change_in(int netns_fd, int ifindex, struct rtnl_link *changes, NetlinkReason *reason,
                          struct nl_sock **ret_sk) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(rtnl_link_putp) struct rtnl_link *orig = rtnl_link_alloc();
        int r;

        if (!orig)
                return -ENOMEM;
        rtnl_link_set_ifindex(orig, ifindex);
        r = netlink_open_in(netns_fd, reason, &sk);
        if (r < 0)
                return r;
        r = netlink_error_to_errno(rtnl_link_change(sk, orig, changes, 0));
        if (r >= 0 && ret_sk)
                *ret_sk = TAKE_PTR(sk);
        return r;
}

int netlink_vlan_change(int netns_fd, int ifindex, const VlanLinkSpec *s, const VlanInfo *old, NetlinkReason *reason) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(rtnl_link_putp) struct rtnl_link *changes = rtnl_link_vlan_alloc();
        int r;

        assert(s);
        if (!changes)
                return -ENOMEM;
        set_flags_and_mtu(changes, s);
        r = link_change_in(netns_fd, ifindex, changes, reason, &sk);
        if (r < 0)
                return r;
        return send_qos_maps(sk, ifindex, s, old);
}

static int vlan_info_fill(struct rtnl_link *link, VlanInfo *ret) {
        struct vlan_map *egress;
        uint32_t *ingress;
        VlanInfo i = {};
        int n = 0;

        if (!rtnl_link_is_vlan(link))
                return -ENOTTY;
        i.parent_ifindex = rtnl_link_get_link(link);
        i.id = (uint16_t) rtnl_link_vlan_get_id(link);
        i.protocol = ntohs((uint16_t) rtnl_link_vlan_get_protocol(link));
        i.flags = (uint32_t) rtnl_link_vlan_get_flags(link);
        ingress = rtnl_link_vlan_get_ingress_map(link);
        for (uint32_t pcp = 0; ingress && pcp <= 7; pcp++)
                if (ingress[pcp] != 0)
                        i.ingress[i.n_ingress++] = (VlanQosMapping) { pcp, ingress[pcp] };
        egress = rtnl_link_vlan_get_egress_map(link, &n);
        if (egress && n > 0) {
                i.egress = calloc((size_t) n, sizeof(VlanQosMapping));
                if (!i.egress)
                        return -ENOMEM;
                for (int k = 0; k < n; k++)
                        if (egress[k].vm_to != 0)
                                i.egress[i.n_egress++] = (VlanQosMapping) { egress[k].vm_from, egress[k].vm_to };
        }
        *ret = i;
        return 0;
}

int netlink_vlan_get(int netns_fd, int ifindex, VlanInfo *ret) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
        int r;

        assert(ret);
        r = netlink_link_fetch(netns_fd, /* name= */ NULL, ifindex, &link);
        if (r < 0)
                return r;
        return vlan_info_fill(link, ret);
}

typedef struct VlanQuery {
        int ifindex;
        VlanInfo *ret;
        int result;
} VlanQuery;

static void match_vlan(struct nl_object *obj, void *arg) {
        struct rtnl_link *link = (struct rtnl_link *) obj;
        VlanQuery *q = arg;

        if (q->result != -ENODEV || rtnl_link_get_family(link) != AF_UNSPEC || rtnl_link_get_ifindex(link) != q->ifindex)
                return;
        q->result = vlan_info_fill(link, q->ret);
}

int netlink_watch_get_vlan(NetlinkWatch *w, int ifindex, VlanInfo *ret) {
        VlanQuery q = { .ifindex = ifindex, .ret = ret, .result = -ENODEV };

        assert(w && ret);
        nl_cache_foreach(w->links, match_vlan, &q);
        return q.result;
}

/* Sends msg and waits for the kernel's answer; libnl codes become errnos. */
static int send_and_ack(struct nl_sock *sk, struct nl_msg *msg) {
        int r = nl_send_auto(sk, msg);

        if (r >= 0)
                r = nl_wait_for_ack(sk);
        return netlink_error_to_errno(r);
}

/* Sends msg on a socket of its own inside netns_fd's namespace, whose errors fill reason. */
static int send_in(int netns_fd, struct nl_msg *msg, NetlinkReason *reason) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        int r;

        r = netlink_open_in(netns_fd, reason, &sk);
        if (r < 0)
                return r;
        return send_and_ack(sk, msg);
}

/* libnl 3.7 has no setter for IFLA_BR_VLAN_FILTERING, so the message is built by hand. */
int netlink_bridge_add(int netns_fd, const char *name, bool vlan_filtering, NetlinkReason *reason) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        struct nlattr *linkinfo, *data;

        assert(name);
        msg = link_msg_new(NLM_F_CREATE | NLM_F_EXCL, /* ifindex= */ 0, name, "bridge", &linkinfo);
        if (!msg)
                return -ENOMEM;
        if (vlan_filtering) {
                if (!(data = nla_nest_start(msg, IFLA_INFO_DATA)) || nla_put_u8(msg, IFLA_BR_VLAN_FILTERING, 1) < 0)
                        return -ENOMEM;
                nla_nest_end(msg, data);
        }
        nla_nest_end(msg, linkinfo);
        return send_in(netns_fd, msg, reason);
}

typedef struct BridgeQuery {
        bool kind_is_bridge;
        BridgeInfo info;
} BridgeQuery;

static int on_bridge_link(struct nl_msg *msg, void *arg) {
        struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1], *br[IFLA_BR_MAX + 1];
        BridgeQuery *q = arg;

        if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0 || !tb[IFLA_LINKINFO] ||
            nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) < 0 || !info[IFLA_INFO_KIND])
                return NL_OK;
        q->kind_is_bridge = streq(nla_get_string(info[IFLA_INFO_KIND]), "bridge");
        if (!q->kind_is_bridge || !info[IFLA_INFO_DATA] || nla_parse_nested(br, IFLA_BR_MAX, info[IFLA_INFO_DATA], NULL) < 0)
                return NL_OK;
        if (br[IFLA_BR_VLAN_FILTERING])
                q->info.vlan_filtering = nla_get_u8(br[IFLA_BR_VLAN_FILTERING]);
        if (br[IFLA_BR_VLAN_DEFAULT_PVID])
                q->info.default_pvid = nla_get_u16(br[IFLA_BR_VLAN_DEFAULT_PVID]);
        return NL_OK;
}

int netlink_bridge_get(int netns_fd, int ifindex, BridgeInfo *ret) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
        BridgeQuery q = {};
        int r;

        assert(ret);
        /* libnl 3.7 parses no bridge attributes, so the answer is read from IFLA_INFO_DATA directly. */
        r = netlink_open_in(netns_fd, NULL, &sk);
        if (r < 0)
                return r;
        msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST);
        if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
                return -ENOMEM;
        r = netlink_request(sk, msg, on_bridge_link, &q);
        if (r < 0)
                return r;
        if (!q.kind_is_bridge)
                return -ENOTTY;
        *ret = q.info;
        return 0;
}

int netlink_bridge_vlan_filtering(int netns_fd, int ifindex) {
        BridgeInfo info;
        int r = netlink_bridge_get(netns_fd, ifindex, &info);

        return r < 0 ? r : info.vlan_filtering;
}

int netlink_bridge_change(int netns_fd, int ifindex, int vlan_filtering, int default_pvid, NetlinkReason *reason) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        struct nlattr *linkinfo, *data;

        if (vlan_filtering < 0 && default_pvid < 0)
                return 0;
        /* One message: the kernel sets VLAN filtering before the default PVID, whatever their order here. */
        msg = link_msg_new(0, ifindex, /* name= */ NULL, "bridge", &linkinfo);
        if (!msg || !(data = nla_nest_start(msg, IFLA_INFO_DATA)))
                return -ENOMEM;
        if (vlan_filtering >= 0 && nla_put_u8(msg, IFLA_BR_VLAN_FILTERING, (uint8_t) vlan_filtering) < 0)
                return -ENOMEM;
        if (default_pvid >= 0 && nla_put_u16(msg, IFLA_BR_VLAN_DEFAULT_PVID, (uint16_t) default_pvid) < 0)
                return -ENOMEM;
        nla_nest_end(msg, data);
        nla_nest_end(msg, linkinfo);
        return send_in(netns_fd, msg, reason);
}

int netlink_link_get_master(int netns_fd, int ifindex) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
        int r;

        r = netlink_link_fetch(netns_fd, /* name= */ NULL, ifindex, &link);
        if (r < 0)
                return r;
        return rtnl_link_get_master(link);
}

int netlink_link_set_master(int netns_fd, int ifindex, int master_ifindex, NetlinkReason *reason) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *changes = rtnl_link_alloc();

        if (!changes)
                return -ENOMEM;
        rtnl_link_set_master(changes, master_ifindex);
        return link_change_in(netns_fd, ifindex, changes, reason, /* ret_sk= */ NULL);
}

void bridge_port_vlans_free_many(BridgePortVlans *p, size_t n) {
        for (size_t i = 0; p && i < n; i++)
                free(p[i].entries);
        free(p);
}

typedef struct PortDump {
        BridgePortVlans *items;
        size_t n;
        int error;
} PortDump;

static int port_entries_parse(struct nlattr *spec, BridgePortVlans *p) {
        struct nlattr *a;
        size_t count = 0;
        int rem;

        nla_for_each_nested(a, spec, rem)
                if (nla_type(a) == IFLA_BRIDGE_VLAN_INFO && nla_len(a) >= (int) sizeof(struct bridge_vlan_info))
                        count++;
        if (count == 0)
                return 0;
        p->entries = calloc(count, sizeof(BridgeVlanEntry));
        if (!p->entries)
                return -ENOMEM;
        nla_for_each_nested(a, spec, rem) {
                const struct bridge_vlan_info *vi = nla_data(a);
                if (nla_type(a) != IFLA_BRIDGE_VLAN_INFO || nla_len(a) < (int) sizeof(*vi))
                        continue;
                p->entries[p->n_entries++] = (BridgeVlanEntry) {
                        .vid = vi->vid,
                        .pvid = vi->flags & BRIDGE_VLAN_INFO_PVID,
                        .untagged = vi->flags & BRIDGE_VLAN_INFO_UNTAGGED,
                };
        }
        return 0;
}

static int on_port_vlans(struct nl_msg *msg, void *arg) {
        struct nlmsghdr *h = nlmsg_hdr(msg);
        struct nlattr *tb[IFLA_MAX + 1];
        const struct ifinfomsg *ifi = nlmsg_data(h);
        PortDump *d = arg;
        BridgePortVlans *grown, p = {};

        if (d->error < 0 || h->nlmsg_type != RTM_NEWLINK || nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
                return NL_OK;
        p.ifindex = ifi->ifi_index;
        p.master = tb[IFLA_MASTER] ? (int) nla_get_u32(tb[IFLA_MASTER]) : 0;
        if (tb[IFLA_IFNAME])
                snprintf(p.name, sizeof(p.name), "%s", nla_get_string(tb[IFLA_IFNAME]));
        if (tb[IFLA_AF_SPEC] && (d->error = port_entries_parse(tb[IFLA_AF_SPEC], &p)) < 0)
                return NL_OK;
        grown = realloc(d->items, (d->n + 1) * sizeof(*grown));
        if (!grown) {
                free(p.entries);
                d->error = -ENOMEM;
                return NL_OK;
        }
        d->items = grown;
        d->items[d->n++] = p;
        return NL_OK;
}

int netlink_bridge_vlans_dump(int netns_fd, BridgePortVlans **ret, size_t *ret_n) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE };
        PortDump d = {};
        int r;

        assert(ret && ret_n);
        r = netlink_open_in(netns_fd, NULL, &sk);
        if (r < 0)
                return r;
        msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
        if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
            nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN) < 0)
                return -ENOMEM;
        r = netlink_request(sk, msg, on_port_vlans, &d);
        if (r >= 0)
                r = d.error;
        if (r < 0) {
                bridge_port_vlans_free_many(d.items, d.n);
                return r;
        }
        *ret = d.items;
        *ret_n = d.n;
        return 0;
}

int netlink_bridge_vlans_set(int netns_fd, int ifindex, const BridgeVlanEntry *e, size_t n, bool add,
                             NetlinkReason *reason) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = ifindex };
        struct nlattr *spec;

        if (n == 0)
                return 0;
        /* A trunk may carry all 4094 VLANs: 8 bytes each, more than libnl's default page-sized message. */
        msg = nlmsg_alloc_size(n * NLA_ALIGN(NLA_HDRLEN + sizeof(struct bridge_vlan_info)) + 256);
        if (!msg || !nlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, add ? RTM_SETLINK : RTM_DELLINK, 0, 0) ||
            nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 || !(spec = nla_nest_start(msg, IFLA_AF_SPEC)))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct bridge_vlan_info vi = {
                        .flags = (uint16_t) ((e[i].pvid ? BRIDGE_VLAN_INFO_PVID : 0) |
                                             (e[i].untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0)),
                        .vid = e[i].vid,
                };
                if (nla_put(msg, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi) < 0)
                        return -ENOMEM;
        }
        nla_nest_end(msg, spec);
        return send_in(netns_fd, msg, reason);
}
