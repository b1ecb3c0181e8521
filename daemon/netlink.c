/* netlink.c: libnl-route-3 wrapper: kernel link work and feature probes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vlan.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
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

int netlink_probe_features(NetFeatures *ret) {
        NetFeatures f = { TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN };
        int pipefd[2], status;
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
        ssize_t n = read(pipefd[0], &f, sizeof(f));
        close(pipefd[0]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (n != (ssize_t) sizeof(f))
                return log_warning_errno(EIO, "Network feature probe did not report back.");
        *ret = f;
        return 0;
}
