/* netlink-internal.h: what the libnl wrapper's files (netlink.c, netlink-vlan.c) share; no other file includes it. */
#pragma once

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "netlink.h"

static inline void nl_socket_freep(struct nl_sock **s) {
        if (*s)
                nl_socket_free(*s);
}
static inline void rtnl_link_putp(struct rtnl_link **l) {
        if (*l)
                rtnl_link_put(*l);
}
static inline void nlmsg_freep(struct nl_msg **m) {
        if (*m)
                nlmsg_free(*m);
}

/* A route socket inside netns_fd's namespace (-1: the daemon's) whose errors fill reason. */
int netlink_open_in(int netns_fd, NetlinkReason *reason, struct nl_sock **ret);

/* The kernel's view of link name (or, when name is NULL, ifindex) in netns_fd's namespace; -ENODEV when it has
 * none. The caller owns a reference on *ret (rtnl_link_put()). */
int netlink_link_fetch(int netns_fd, const char *name, int ifindex, struct rtnl_link **ret);

/* Sends the request msg on sk and hands every answer to on_answer(answer, arg) until the kernel is done;
 * libnl codes become errnos. */
int netlink_request(struct nl_sock *sk, struct nl_msg *msg, nl_recvmsg_msg_cb_t on_answer, void *arg);

struct NetlinkWatch {
        struct nl_cache_mngr *mngr;
        struct nl_cache *links;
        struct nl_cache *addrs;
        sd_event_source *source;
        NetlinkWatchCallbacks cb;
        void *userdata;
};
