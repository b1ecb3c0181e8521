/* netlink.h: virtd's only door to libnl-route-3; no libnl type leaves netlink.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "host-report.h"
#include "netns-names.h"

/* Converts a libnl -NLE_* code to a negative errno. */
int netlink_error_to_errno(int nle);

/* Probes veth, bridge, bridge VLAN filtering and 802.1Q/802.1ad by creating them in a throw-away
 * network namespace (a forked child), so the host's own link list is never touched. */
int netlink_probe_features(NetFeatures *ret);

/* The same probe in two halves, so that start-up need not wait for it: the child runs while the daemon
 * goes on; fd becomes readable when it has reported. finish() blocks until then and reaps the child. */
typedef struct NetProbe {
        pid_t pid;
        int fd;
} NetProbe;
int netlink_probe_start(NetProbe *ret);
int netlink_probe_finish(NetProbe *p, NetFeatures *ret);

/* The kernel's own words for a refused request (its extended ack message); "" when it gave none. */
typedef struct NetlinkReason {
        char text[256];
} NetlinkReason;

/* A link as the kernel reports it. */
typedef struct LinkInfo {
        int ifindex;
        char name[16];
        char kind[32];         /* "veth", "loopback", … */
        bool up;               /* administratively up (IFF_UP) */
        bool lower_up;         /* carrier (IFF_LOWER_UP) */
        char operstate[24];    /* RFC 2863 state, lower case */
        uint32_t mtu;
        char mac[24];          /* "aa:bb:cc:dd:ee:ff" or "" */
        int peer_ifindex;      /* IFLA_LINK: a veth's peer; 0 when none */
        int peer_netnsid;      /* the peer's namespace as this namespace numbers it; -1: same namespace */
} LinkInfo;

/* One end of a veth pair to create. netns_fd -1 means the daemon's own namespace; mtu 0 and mac NULL keep
 * the kernel's defaults. */
typedef struct VethEnd {
        const char *name;
        int netns_fd;
        uint32_t mtu;
        const uint8_t *mac;
        bool up; /* created administratively up, in the same request */
} VethEnd;

/* Attribute changes for netlink_link_change(); NULL/0/-1 leave an attribute alone. */
typedef struct LinkChange {
        const char *name;
        uint32_t mtu;
        const uint8_t *mac;
        int up; /* 1 up, 0 down, -1 unchanged */
} LinkChange;

/**
 * netlink_veth_add() - create a veth pair with each end directly in its namespace.
 * @a: the first end
 * @b: its peer
 * @reason: filled with the kernel's message when it refuses
 *
 * One RTM_NEWLINK carries both ends, so the kernel creates both or neither. Returns 0 or a negative errno.
 */
int netlink_veth_add(const VethEnd *a, const VethEnd *b, NetlinkReason *reason);
/* Changes name, MTU, MAC and up/down of link ifindex in the namespace of netns_fd (-1: the daemon's). */
int netlink_link_change(int netns_fd, int ifindex, const LinkChange *c, NetlinkReason *reason);
/* Moves link ifindex from netns_fd's namespace into target_fd's. */
int netlink_link_move(int netns_fd, int ifindex, int target_fd, NetlinkReason *reason);
int netlink_link_delete(int netns_fd, int ifindex, NetlinkReason *reason);
/* Adds (add=true) or removes an IPv4/IPv6 address with prefix on link ifindex. */
int netlink_address(int netns_fd, int ifindex, const IpPrefix *p, bool add, NetlinkReason *reason);
/* Asks the kernel for one link by name (when name is non-NULL) or ifindex; -ENODEV when there is none. */
int netlink_link_get(int netns_fd, const char *name, int ifindex, LinkInfo *ret);
/* The id under which the namespace of netns_fd knows the namespace of target_fd; -ENOENT when none is assigned. */
int netlink_get_nsid(int netns_fd, int target_fd);

/* Watching one network namespace through a libnl cache manager driven by sd-event. */
typedef struct NetlinkWatch NetlinkWatch;

typedef enum NetlinkEvent {
        NETLINK_EVENT_NEW,
        NETLINK_EVENT_CHANGE,
        NETLINK_EVENT_DEL,
} NetlinkEvent;

typedef struct NetlinkWatchCallbacks {
        void (*link)(NetlinkEvent event, int ifindex, void *userdata);
        void (*address)(int ifindex, void *userdata); /* an address of ifindex appeared or vanished */
        void (*bridge_port)(int ifindex, void *userdata); /* a bridge port's state or VLAN table changed */
} NetlinkWatchCallbacks;

/**
 * netlink_watch_new() - keep link and address caches of a namespace and report changes.
 * @event: the loop whose I/O source reads the kernel's notifications
 * @netns_fd: the namespace (its sockets are created inside it and stay bound to it)
 * @cb: what to call on changes; called from the event loop, after the cache changed
 * @userdata: passed to the callbacks
 * @ret: the watch
 *
 * Returns 0 or a negative errno.
 */
int netlink_watch_new(sd_event *event, int netns_fd, const NetlinkWatchCallbacks *cb, void *userdata,
                      NetlinkWatch **ret);
NetlinkWatch *netlink_watch_free(NetlinkWatch *w);
/* Reads pending notifications now; after a request the kernel has queued them before its ack. */
int netlink_watch_process(NetlinkWatch *w);
int netlink_watch_get_link(NetlinkWatch *w, int ifindex, LinkInfo *ret);
int netlink_watch_find_link(NetlinkWatch *w, const char *name, LinkInfo *ret);
/* All ifindexes in the cache, ascending. */
int netlink_watch_list_links(NetlinkWatch *w, int **ret, size_t *ret_n);
/* "ADDRESS/PREFIXLEN" strings of ifindex, in cache order. */
int netlink_watch_get_addresses(NetlinkWatch *w, int ifindex, char ***ret);
/* The same without a watch: a one-time dump in the namespace of netns_fd (-1: virtd's own). */
int netlink_get_addresses(int netns_fd, int ifindex, char ***ret);

/* ---- VLANs and bridges (netlink-vlan.c) ---- */

#include "vlan.h"

/* A VLAN sub-interface to create or change. On change, parent/id/protocol/name are ignored (the kernel cannot
 * change them), flags only touch the bits in flags_mask, and a map given (has_*_map) replaces the old one. */
typedef struct VlanLinkSpec {
        const char *name;
        int parent_ifindex;
        uint16_t id;
        uint16_t protocol;
        uint32_t flags;
        uint32_t flags_mask;
        bool has_ingress_map, has_egress_map;
        const VlanQosMapping *ingress;
        size_t n_ingress;
        const VlanQosMapping *egress;
        size_t n_egress;
        uint32_t mtu; /* 0: the parent's */
} VlanLinkSpec;

/* What the kernel reports about a VLAN link. */
typedef struct VlanInfo {
        int parent_ifindex;
        uint16_t id;
        uint16_t protocol;
        uint32_t flags;
        VlanQosMapping ingress[8]; /* only the PCPs mapped to a non-zero priority */
        size_t n_ingress;
        VlanQosMapping *egress;    /* owned; vlan_info_done() frees it */
        size_t n_egress;
} VlanInfo;

void vlan_info_done(VlanInfo *i);

int netlink_vlan_add(int netns_fd, const VlanLinkSpec *s, NetlinkReason *reason);
/* old is the link's current state, so that egress entries the new map drops can be cleared. */
int netlink_vlan_change(int netns_fd, int ifindex, const VlanLinkSpec *s, const VlanInfo *old, NetlinkReason *reason);
/* -ENOTTY when ifindex is no VLAN link; -ENODEV when it does not exist. */
int netlink_vlan_get(int netns_fd, int ifindex, VlanInfo *ret);
int netlink_watch_get_vlan(NetlinkWatch *w, int ifindex, VlanInfo *ret);

/* Creates a bridge; with vlan_filtering the kernel must support CONFIG_BRIDGE_VLAN_FILTERING. */
int netlink_bridge_add(int netns_fd, const char *name, bool vlan_filtering, NetlinkReason *reason);
/* Whether ifindex is a bridge with VLAN filtering on: 1, 0, or a negative errno. */
int netlink_bridge_vlan_filtering(int netns_fd, int ifindex);

/* A bridge's VLAN settings as the kernel reports them. */
typedef struct BridgeInfo {
        bool vlan_filtering;
        uint16_t default_pvid; /* 0: none */
} BridgeInfo;

/* -ENOTTY when ifindex is no bridge. */
int netlink_bridge_get(int netns_fd, int ifindex, BridgeInfo *ret);
/* Turns VLAN filtering on (1) or off (0) and sets the default PVID (0: none); -1 leaves a setting alone. */
int netlink_bridge_change(int netns_fd, int ifindex, int vlan_filtering, int default_pvid, NetlinkReason *reason);
/* The bridge ifindex is enslaved to, 0 when none. */
int netlink_link_get_master(int netns_fd, int ifindex);
/* Enslaves ifindex to master_ifindex (0: releases it). */
int netlink_link_set_master(int netns_fd, int ifindex, int master_ifindex, NetlinkReason *reason);

/* One bridge port (or the bridge itself, master == ifindex) and its VLAN table as the kernel reports it. */
typedef struct BridgePortVlans {
        int ifindex;
        int master;
        char name[16];
        BridgeVlanEntry *entries;
        size_t n_entries;
} BridgePortVlans;

void bridge_port_vlans_free_many(BridgePortVlans *p, size_t n);
/* RTM_GETLINK dump of family AF_BRIDGE with RTEXT_FILTER_BRVLAN: every port's table. */
int netlink_bridge_vlans_dump(int netns_fd, BridgePortVlans **ret, size_t *ret_n);
/* Adds or updates (RTM_SETLINK) or removes (RTM_DELLINK) entries of port ifindex in one request each. */
int netlink_bridge_vlans_set(int netns_fd, int ifindex, const BridgeVlanEntry *e, size_t n, bool add,
                             NetlinkReason *reason);
