/* netlink.c: libnl-route-3 wrapper: feature probes, link and address work in any namespace, cache watches. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vlan.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "netlink-internal.h"
#include "netlink.h"
#include "strv.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

static inline void rtnl_addr_putp(struct rtnl_addr **a) {
        if (*a)
                rtnl_addr_put(*a);
}
static inline void nl_addr_putp(struct nl_addr **a) {
        if (*a)
                nl_addr_put(*a);
}

int netlink_error_to_errno(int nle) {
        switch (nle < 0 ? -nle : nle) {
        case NLE_SUCCESS: return 0;
        case NLE_INTR: return -EINTR;
        case NLE_AGAIN: return -EAGAIN;
        case NLE_NOMEM: return -ENOMEM;
        case NLE_EXIST: return -EEXIST;
        case NLE_INVAL: return -EINVAL;
        case NLE_RANGE: return -ERANGE;
        case NLE_MSGSIZE: return -EMSGSIZE;
        case NLE_OPNOTSUPP: return -EOPNOTSUPP;
        case NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
        case NLE_OBJ_NOTFOUND: return -ENOENT;
        case NLE_NOADDR: return -EADDRNOTAVAIL;
        case NLE_BUSY: return -EBUSY;
        case NLE_NOACCESS: return -EACCES;
        case NLE_PERM: return -EPERM;
        case NLE_NODEV: return -ENODEV;
        case NLE_BAD_SOCK: return -EBADF;
        default: return -EIO;
        }
}

static int netlink_open(struct nl_sock **ret) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = nl_socket_alloc();
        int r;

        if (!sk)
                return -ENOMEM;
        r = nl_connect(sk, NETLINK_ROUTE);
        if (r < 0)
                return netlink_error_to_errno(r);
        *ret = TAKE_PTR(sk);
        return 0;
}

static Tristate tristate_from_result(int r) {
        if (r >= 0)
                return TRISTATE_YES;
        return r == -NLE_OPNOTSUPP || r == -NLE_AF_NOSUPPORT ? TRISTATE_NO : TRISTATE_UNKNOWN;
}

/* libnl 3.7 has no setter for IFLA_BR_VLAN_FILTERING, so the message is built by hand. */
static int probe_bridge_vlan_filtering(struct nl_sock *sk) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
        struct nlattr *linkinfo, *data;

        msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        if (!msg)
                return -NLE_NOMEM;
        if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
            nla_put_string(msg, IFLA_IFNAME, "vprobe-vf") < 0 ||
            !(linkinfo = nla_nest_start(msg, IFLA_LINKINFO)) ||
            nla_put_string(msg, IFLA_INFO_KIND, "bridge") < 0 ||
            !(data = nla_nest_start(msg, IFLA_INFO_DATA)) ||
            nla_put_u8(msg, IFLA_BR_VLAN_FILTERING, 1) < 0)
                return -NLE_NOMEM;
        nla_nest_end(msg, data);
        nla_nest_end(msg, linkinfo);
        int r = nl_send_auto(sk, msg);
        return r < 0 ? r : nl_wait_for_ack(sk);
}

static int probe_vlan(struct nl_sock *sk, const char *parent, const char *name, uint16_t protocol) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *vlan = rtnl_link_vlan_alloc();
        int ifindex;

        if (!vlan)
                return -NLE_NOMEM;
        ifindex = (int) if_nametoindex(parent);
        if (ifindex <= 0)
                return -NLE_NODEV;
        rtnl_link_set_link(vlan, ifindex);
        rtnl_link_set_name(vlan, name);
        rtnl_link_vlan_set_id(vlan, 10);
        rtnl_link_vlan_set_protocol(vlan, htons(protocol));
        return rtnl_link_add(sk, vlan, NLM_F_CREATE | NLM_F_EXCL);
}

/* Runs in the forked child, inside its own fresh network namespace. */
static void probe_in_child(NetFeatures *f) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;

        if (unshare(CLONE_NEWNET) < 0 || netlink_open(&sk) < 0)
                return;
        f->veth = tristate_from_result(rtnl_link_veth_add(sk, "vprobe0", "vprobe1", getpid()));
        f->bridge = tristate_from_result(rtnl_link_bridge_add(sk, "vprobe-br"));
        f->bridge_vlan_filtering = tristate_from_result(probe_bridge_vlan_filtering(sk));
        if (f->veth == TRISTATE_YES) {
                f->vlan_8021q = tristate_from_result(probe_vlan(sk, "vprobe0", "vprobe0.10", 0x8100));
                f->vlan_8021ad = tristate_from_result(probe_vlan(sk, "vprobe1", "vprobe1.10", 0x88a8));
        }
}

int netlink_probe_start(NetProbe *ret) {
        NetFeatures f = { TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN };
        int pipefd[2];
        pid_t pid;

        assert(ret);
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                int e = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return e;
        }
        if (pid == 0) {
                close(pipefd[0]);
                probe_in_child(&f);
                (void) !write(pipefd[1], &f, sizeof(f));
                _exit(0);
        }
        close(pipefd[1]);
        *ret = (NetProbe) { .pid = pid, .fd = pipefd[0] };
        return 0;
}

int netlink_probe_finish(NetProbe *p, NetFeatures *ret) {
        NetFeatures f;
        ssize_t n;
        int status;

        assert(p);
        assert(ret);
        assert(p->fd >= 0);
        while ((n = read(p->fd, &f, sizeof(f))) < 0 && errno == EINTR)
                ;
        close(p->fd);
        p->fd = -EBADF;
        while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
                ;
        p->pid = 0;
        if (n != (ssize_t) sizeof(f))
                return log_warning_errno(EIO, "Network feature probe did not report back.");
        *ret = f;
        return 0;
}

int netlink_probe_features(NetFeatures *ret) {
        NetProbe p;
        int r;

        assert(ret);
        r = netlink_probe_start(&p);
        if (r < 0)
                return r;
        return netlink_probe_finish(&p, ret);
}

/* Switches the calling thread into netns_fd's network namespace and back. virtd is single-threaded and the
 * switch lasts only as long as creating a socket, which stays bound to the namespace it was created in. */
typedef struct NetnsSwitch {
        int saved_fd;
} NetnsSwitch;

static int netns_enter(int netns_fd, NetnsSwitch *sw) {
        sw->saved_fd = -EBADF;
        if (netns_fd < 0)
                return 0;
        sw->saved_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (sw->saved_fd < 0)
                return -errno;
        if (setns(netns_fd, CLONE_NEWNET) < 0) {
                int r = -errno;
                close(TAKE_FD(sw->saved_fd));
                return r;
        }
        return 0;
}

static void netns_leave(NetnsSwitch *sw) {
        if (sw->saved_fd < 0)
                return;
        /* Staying in the wrong namespace would make every later request act on the wrong links. */
        if (setns(sw->saved_fd, CLONE_NEWNET) < 0)
                abort();
        close(TAKE_FD(sw->saved_fd));
}

/* Copies the kernel's extended ack message, so D-Bus errors can carry the kernel's reason. */
static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg) {
        NetlinkReason *reason = arg;
        const struct nlmsghdr *hdr = (const struct nlmsghdr *) ((const char *) e - NLMSG_HDRLEN);
        size_t offset = sizeof(*e);
        const struct nlattr *a;
        int len;

        if (!reason || !(hdr->nlmsg_flags & NLM_F_ACK_TLVS))
                return NL_STOP;
        if (!(hdr->nlmsg_flags & NLM_F_CAPPED))
                offset += e->msg.nlmsg_len - NLMSG_HDRLEN;
        len = (int) hdr->nlmsg_len - NLMSG_HDRLEN - (int) offset;
        nla_for_each_attr(a, (const struct nlattr *) ((const char *) e + offset), len, len)
                if (nla_type(a) == NLMSGERR_ATTR_MSG)
                        snprintf(reason->text, sizeof(reason->text), "%.*s", nla_len(a), (const char *) nla_data(a));
        /* NL_STOP makes libnl return the error code the kernel sent. */
        return NL_STOP;
}

int netlink_open_in(int netns_fd, NetlinkReason *reason, struct nl_sock **ret) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        NetnsSwitch sw;
        int one = 1, r;

        if (reason)
                reason->text[0] = 0;
        r = netns_enter(netns_fd, &sw);
        if (r < 0)
                return r;
        r = netlink_open(&sk);
        netns_leave(&sw);
        if (r < 0)
                return r;
        (void) setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
        (void) setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
        r = nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_error, reason);
        if (r < 0)
                return netlink_error_to_errno(r);
        *ret = TAKE_PTR(sk);
        return 0;
}

static int set_mac(struct rtnl_link *link, const uint8_t *mac) {
        _cleanup_(nl_addr_putp) struct nl_addr *a = NULL;

        if (!mac)
                return 0;
        a = nl_addr_build(AF_LLC, mac, 6);
        if (!a)
                return -ENOMEM;
        rtnl_link_set_addr(link, a);
        return 0;
}

static int veth_end_setup(struct rtnl_link *link, const VethEnd *end) {
        rtnl_link_set_name(link, end->name);
        if (end->netns_fd >= 0)
                rtnl_link_set_ns_fd(link, end->netns_fd);
        if (end->mtu > 0)
                rtnl_link_set_mtu(link, end->mtu);
        if (end->up)
                rtnl_link_set_flags(link, IFF_UP);
        return set_mac(link, end->mac);
}

int netlink_veth_add(const VethEnd *a, const VethEnd *b, NetlinkReason *reason) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL, *peer = NULL;
        int r;

        assert(a && b);
        r = netlink_open_in(-1, reason, &sk);
        if (r < 0)
                return r;
        link = rtnl_link_veth_alloc();
        if (!link)
                return -ENOMEM;
        /* rtnl_link_veth_get_peer() takes a reference, dropped by the cleanup. */
        peer = rtnl_link_veth_get_peer(link);
        if ((r = veth_end_setup(link, a)) < 0 || (r = veth_end_setup(peer, b)) < 0)
                return r;
        r = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
        return netlink_error_to_errno(r);
}

static int link_change(int netns_fd, int ifindex, struct rtnl_link *changes, NetlinkReason *reason) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(rtnl_link_putp) struct rtnl_link *orig = rtnl_link_alloc();
        int r;

        if (!orig)
                return -ENOMEM;
        r = netlink_open_in(netns_fd, reason, &sk);
        if (r < 0)
                return r;
        rtnl_link_set_ifindex(orig, ifindex);
        return netlink_error_to_errno(rtnl_link_change(sk, orig, changes, 0));
}

int netlink_link_change(int netns_fd, int ifindex, const LinkChange *c, NetlinkReason *reason) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *changes = rtnl_link_alloc();
        int r;

        assert(c);
        if (!changes)
                return -ENOMEM;
        if (c->name)
                rtnl_link_set_name(changes, c->name);
        if (c->mtu > 0)
                rtnl_link_set_mtu(changes, c->mtu);
        r = set_mac(changes, c->mac);
        if (r < 0)
                return r;
        if (c->up > 0)
                rtnl_link_set_flags(changes, IFF_UP);
        else if (c->up == 0)
                rtnl_link_unset_flags(changes, IFF_UP);
        return link_change(netns_fd, ifindex, changes, reason);
}

int netlink_link_move(int netns_fd, int ifindex, int target_fd, NetlinkReason *reason) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *changes = rtnl_link_alloc();
        _cleanup_close_ int self = -EBADF;

        if (!changes)
                return -ENOMEM;
        if (target_fd < 0) {
                /* The daemon's own namespace, named by a file descriptor like every other. */
                self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
                if (self < 0)
                        return -errno;
                target_fd = self;
        }
        rtnl_link_set_ns_fd(changes, target_fd);
        return link_change(netns_fd, ifindex, changes, reason);
}

int netlink_link_delete(int netns_fd, int ifindex, NetlinkReason *reason) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = rtnl_link_alloc();
        int r;

        if (!link)
                return -ENOMEM;
        r = netlink_open_in(netns_fd, reason, &sk);
        if (r < 0)
                return r;
        rtnl_link_set_ifindex(link, ifindex);
        return netlink_error_to_errno(rtnl_link_delete(sk, link));
}

int netlink_address(int netns_fd, int ifindex, const IpPrefix *p, bool add, NetlinkReason *reason) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(rtnl_addr_putp) struct rtnl_addr *addr = rtnl_addr_alloc();
        _cleanup_(nl_addr_putp) struct nl_addr *local = NULL;
        int r;

        assert(p);
        if (!addr)
                return -ENOMEM;
        local = nl_addr_build(p->family, &p->address, p->family == AF_INET ? 4 : 16);
        if (!local)
                return -ENOMEM;
        nl_addr_set_prefixlen(local, (int) p->prefixlen);
        rtnl_addr_set_ifindex(addr, ifindex);
        r = rtnl_addr_set_local(addr, local);
        if (r < 0)
                return netlink_error_to_errno(r);
        rtnl_addr_set_prefixlen(addr, (int) p->prefixlen);
        r = netlink_open_in(netns_fd, reason, &sk);
        if (r < 0)
                return r;
        r = add ? rtnl_addr_add(sk, addr, NLM_F_CREATE | NLM_F_EXCL) : rtnl_addr_delete(sk, addr, 0);
        return netlink_error_to_errno(r);
}

static void link_info_fill(struct rtnl_link *link, LinkInfo *ret) {
        struct nl_addr *mac = rtnl_link_get_addr(link);
        const char *kind = rtnl_link_get_type(link);
        int32_t nsid = -1;

        *ret = (LinkInfo) { .ifindex = rtnl_link_get_ifindex(link), .peer_netnsid = -1 };
        snprintf(ret->name, sizeof(ret->name), "%s", strempty(rtnl_link_get_name(link)));
        if (!kind)
                kind = rtnl_link_get_arptype(link) == ARPHRD_LOOPBACK ? "loopback" : "device";
        snprintf(ret->kind, sizeof(ret->kind), "%s", kind);
        ret->up = rtnl_link_get_flags(link) & IFF_UP;
        ret->lower_up = rtnl_link_get_flags(link) & IFF_LOWER_UP;
        rtnl_link_operstate2str(rtnl_link_get_operstate(link), ret->operstate, sizeof(ret->operstate));
        for (char *c = ret->operstate; *c; c++)
                *c = (char) tolower((unsigned char) *c);
        ret->mtu = rtnl_link_get_mtu(link);
        if (mac && nl_addr_get_len(mac) == 6)
                nl_addr2str(mac, ret->mac, sizeof(ret->mac));
        if (rtnl_link_get_link_netnsid(link, &nsid) >= 0)
                ret->peer_netnsid = nsid;
        /* IFLA_LINK equal to the link's own index means "no other link" only within one namespace: the two ends
         * of a veth between fresh namespaces are both ifindex 2, and each one's IFLA_LINK (2) names the other. */
        if (rtnl_link_get_link(link) != ret->ifindex || ret->peer_netnsid >= 0)
                ret->peer_ifindex = rtnl_link_get_link(link);
}

int netlink_link_fetch(int netns_fd, const char *name, int ifindex, struct rtnl_link **ret) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        int r;

        assert(ret);
        r = netlink_open_in(netns_fd, NULL, &sk);
        if (r < 0)
                return r;
        r = rtnl_link_get_kernel(sk, name ? 0 : ifindex, name, ret);
        if (r < 0)
                return r == -NLE_OBJ_NOTFOUND ? -ENODEV : netlink_error_to_errno(r);
        return 0;
}

int netlink_link_get(int netns_fd, const char *name, int ifindex, LinkInfo *ret) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
        int r;

        /* libnl asserts (aborts the daemon) on a request with neither; a veth whose peer is unknown has 0. */
        if (!name && ifindex <= 0)
                return -ENODEV;
        /* No link has a name this long; the kernel would answer ERANGE or EMSGSIZE instead of "no such device",
         * which reached callers of ConfigureLink/ChangeVlan/DeleteLink as an unnamed System.Error (fuzz-bus-args). */
        if (name && strlen(name) >= IFNAMSIZ)
                return -ENODEV;
        r = netlink_link_fetch(netns_fd, name, ifindex, &link);
        if (r < 0)
                return r;
        link_info_fill(link, ret);
        return 0;
}

static int on_nsid(struct nl_msg *msg, void *arg) {
        struct nlattr *tb[NETNSA_MAX + 1];
        int *nsid = arg;

        if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct rtgenmsg), tb, NETNSA_MAX, NULL) >= 0 && tb[NETNSA_NSID])
                *nsid = (int32_t) nla_get_u32(tb[NETNSA_NSID]);
        return NL_OK;
}

int netlink_request(struct nl_sock *sk, struct nl_msg *msg, nl_recvmsg_msg_cb_t on_answer, void *arg) {
        int r;

        assert(sk && msg && on_answer);
        r = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_answer, arg);
        if (r >= 0)
                r = nl_send_auto(sk, msg);
        if (r >= 0)
                r = nl_recvmsgs_default(sk);
        return r < 0 ? netlink_error_to_errno(r) : 0;
}

int netlink_get_nsid(int netns_fd, int target_fd) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        struct rtgenmsg g = { .rtgen_family = AF_UNSPEC };
        int nsid = NETNSA_NSID_NOT_ASSIGNED, r;

        r = netlink_open_in(netns_fd, NULL, &sk);
        if (r < 0)
                return r;
        /* libnl has no call for RTM_GETNSID; the request is small enough to build by hand. */
        msg = nlmsg_alloc_simple(RTM_GETNSID, NLM_F_REQUEST);
        if (!msg || nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) < 0 ||
            nla_put_u32(msg, NETNSA_FD, (uint32_t) target_fd) < 0)
                return -ENOMEM;
        r = netlink_request(sk, msg, on_nsid, &nsid);
        if (r < 0)
                return r;
        return nsid < 0 ? -ENOENT : nsid;
}

/* The kernel also announces links with family AF_INET6 (IPv6 per-link state); libnl caches those as separate
 * objects without kind or addresses. The link itself is the AF_UNSPEC object. */
static bool is_link_object(struct nl_object *obj) {
        return rtnl_link_get_family((struct rtnl_link *) obj) == AF_UNSPEC;
}

static void on_link_change(struct nl_cache *cache, struct nl_object *obj, int action, void *data) {
        NetlinkWatch *w = data;

        /* The kernel announces a port's VLAN table (`bridge vlan add/del`) as a link of family AF_BRIDGE. */
        if (rtnl_link_get_family((struct rtnl_link *) obj) == AF_BRIDGE) {
                if (w->cb.bridge_port)
                        w->cb.bridge_port(rtnl_link_get_ifindex((struct rtnl_link *) obj), w->userdata);
                return;
        }
        if (!is_link_object(obj))
                return;
        NetlinkEvent ev = action == NL_ACT_NEW ? NETLINK_EVENT_NEW : action == NL_ACT_DEL ? NETLINK_EVENT_DEL : NETLINK_EVENT_CHANGE;

        if (w->cb.link)
                w->cb.link(ev, rtnl_link_get_ifindex((struct rtnl_link *) obj), w->userdata);
}

static void on_addr_change(struct nl_cache *cache, struct nl_object *obj, int action, void *data) {
        NetlinkWatch *w = data;

        if (w->cb.address)
                w->cb.address(rtnl_addr_get_ifindex((struct rtnl_addr *) obj), w->userdata);
}

static int on_watch_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        int r = netlink_watch_process(userdata);

        if (r < 0)
                log_warning_errno(r, "Failed to read network namespace notifications: %m");
        return 0;
}

int netlink_watch_process(NetlinkWatch *w) {
        int r;

        assert(w);
        r = nl_cache_mngr_data_ready(w->mngr);
        return r < 0 ? netlink_error_to_errno(r) : 0;
}

static int watch_setup(NetlinkWatch *w) {
        int r;

        /* No NL_AUTO_PROVIDE: each namespace has its own caches, none of them may become libnl's global one. */
        r = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, 0, &w->mngr);
        if (r >= 0)
                r = nl_cache_mngr_add(w->mngr, "route/link", on_link_change, w, &w->links);
        if (r >= 0)
                r = nl_cache_mngr_add(w->mngr, "route/addr", on_addr_change, w, &w->addrs);
        return netlink_error_to_errno(r);
}

int netlink_watch_new(sd_event *event, int netns_fd, const NetlinkWatchCallbacks *cb, void *userdata,
                      NetlinkWatch **ret) {
        NetlinkWatch *w;
        NetnsSwitch sw;
        int r;

        assert(event && cb && ret);
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->cb = *cb;
        w->userdata = userdata;
        /* The manager's sockets (notifications and refills) are all created here, inside the namespace. */
        r = netns_enter(netns_fd, &sw);
        if (r >= 0) {
                r = watch_setup(w);
                netns_leave(&sw);
        }
        if (r >= 0)
                r = sd_event_add_io(event, &w->source, nl_cache_mngr_get_fd(w->mngr), EPOLLIN, on_watch_io, w);
        if (r < 0) {
                netlink_watch_free(w);
                return r;
        }
        *ret = w;
        return 0;
}

NetlinkWatch *netlink_watch_free(NetlinkWatch *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->source);
        /* The manager owns the caches it filled. */
        if (w->mngr)
                nl_cache_mngr_free(w->mngr);
        free(w);
        return NULL;
}

typedef struct LinkQuery {
        int ifindex;
        const char *name;
        LinkInfo *ret;
        bool found;
} LinkQuery;

static void match_link(struct nl_object *obj, void *arg) {
        struct rtnl_link *link = (struct rtnl_link *) obj;
        LinkQuery *q = arg;

        if (q->found || !is_link_object(obj))
                return;
        if (q->name ? !streq_ptr(rtnl_link_get_name(link), q->name) : rtnl_link_get_ifindex(link) != q->ifindex)
                return;
        link_info_fill(link, q->ret);
        q->found = true;
}

int netlink_watch_get_link(NetlinkWatch *w, int ifindex, LinkInfo *ret) {
        LinkQuery q = { .ifindex = ifindex, .ret = ret };

        assert(w && ret);
        nl_cache_foreach(w->links, match_link, &q);
        return q.found ? 0 : -ENODEV;
}

int netlink_watch_find_link(NetlinkWatch *w, const char *name, LinkInfo *ret) {
        LinkQuery q = { .name = name, .ret = ret };

        assert(w && name && ret);
        nl_cache_foreach(w->links, match_link, &q);
        return q.found ? 0 : -ENODEV;
}

typedef struct IndexList {
        int *items;
        size_t n;
        int error;
} IndexList;

static void collect_ifindex(struct nl_object *obj, void *arg) {
        IndexList *l = arg;
        int *grown;

        if (l->error < 0 || !is_link_object(obj))
                return;
        grown = realloc(l->items, (l->n + 1) * sizeof(int));
        if (!grown) {
                l->error = -ENOMEM;
                return;
        }
        l->items = grown;
        l->items[l->n++] = rtnl_link_get_ifindex((struct rtnl_link *) obj);
}

static int cmp_int(const void *a, const void *b) {
        return *(const int *) a - *(const int *) b;
}

int netlink_watch_list_links(NetlinkWatch *w, int **ret, size_t *ret_n) {
        IndexList l = {};

        assert(w && ret && ret_n);
        nl_cache_foreach(w->links, collect_ifindex, &l);
        if (l.error < 0) {
                free(l.items);
                return l.error;
        }
        if (l.n > 0)
                qsort(l.items, l.n, sizeof(int), cmp_int);
        *ret = l.items;
        *ret_n = l.n;
        return 0;
}

typedef struct AddressList {
        int ifindex;
        char **items;
        int error;
} AddressList;

static void collect_address(struct nl_object *obj, void *arg) {
        struct rtnl_addr *a = (struct rtnl_addr *) obj;
        struct nl_addr *local = rtnl_addr_get_local(a);
        AddressList *l = arg;
        char ip[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 8];
        int r;

        if (l->error < 0 || rtnl_addr_get_ifindex(a) != l->ifindex || !local)
                return;
        /* Always ADDRESS/PREFIXLEN: nl_addr2str() leaves out a full-length prefix (/32, /128). */
        if (!inet_ntop(nl_addr_get_family(local), nl_addr_get_binary_addr(local), ip, sizeof(ip))) {
                l->error = -errno;
                return;
        }
        snprintf(buf, sizeof(buf), "%s/%d", ip, rtnl_addr_get_prefixlen(a));
        r = strv_extend(&l->items, buf);
        if (r < 0)
                l->error = r;
}

/* For namespaces virtd does not watch (the host's): one dump of the kernel's addresses. */
int netlink_get_addresses(int netns_fd, int ifindex, char ***ret) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        struct nl_cache *cache = NULL;
        AddressList l = { .ifindex = ifindex };
        int r;

        assert(ret);
        r = netlink_open_in(netns_fd, NULL, &sk);
        if (r < 0)
                return r;
        r = rtnl_addr_alloc_cache(sk, &cache);
        if (r < 0)
                return netlink_error_to_errno(r);
        l.items = calloc(1, sizeof(char *));
        if (!l.items) {
                nl_cache_free(cache);
                return -ENOMEM;
        }
        nl_cache_foreach(cache, collect_address, &l);
        nl_cache_free(cache);
        if (l.error < 0) {
                strv_free(l.items);
                return l.error;
        }
        *ret = l.items;
        return 0;
}

int netlink_watch_get_addresses(NetlinkWatch *w, int ifindex, char ***ret) {
        AddressList l = { .ifindex = ifindex };

        assert(w && ret);
        l.items = calloc(1, sizeof(char *));
        if (!l.items)
                return -ENOMEM;
        nl_cache_foreach(w->addrs, collect_address, &l);
        if (l.error < 0) {
                strv_free(l.items);
                return l.error;
        }
        *ret = l.items;
        return 0;
}
