/* link.c: links inside managed namespaces: object paths and configuration changes that undo themselves. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "link.h"
#include "log.h"
#include "macro.h"
#include "virtd-bus.h"

char *link_object_path(const char *ns_name, int ifindex) {
        char idx[16];
        char *path = NULL;

        snprintf(idx, sizeof(idx), "%d", ifindex);
        return sd_bus_path_encode_many(&path, VIRTD_OBJECT_LINK_PREFIX "/%/%", ns_name, idx) < 0 ? NULL : path;
}

int link_object_path_parse(const char *path, char **ret_ns, int *ret_ifindex) {
        _cleanup_free_ char *ns = NULL, *idx = NULL;
        char *end;
        long v;
        int r;

        r = sd_bus_path_decode_many(path, VIRTD_OBJECT_LINK_PREFIX "/%/%", &ns, &idx);
        if (r <= 0)
                return -EINVAL;
        v = strtol(idx, &end, 10);
        if (*end || v <= 0 || v > INT32_MAX)
                return -EINVAL;
        *ret_ns = TAKE_PTR(ns);
        *ret_ifindex = (int) v;
        return 0;
}

int link_netns_fd(Namespace *ns) {
        return ns ? ns->net_fd : -1;
}

static const char *ns_label(Namespace *ns) {
        return ns ? ns->name : "the host";
}

/* Writes "<what>: <kernel reason or strerror>". */
static int fail(int r, const NetlinkReason *nr, char *reason, size_t size, const char *what) {
        snprintf(reason, size, "%s: %s", what, nr->text[0] ? nr->text : strerror(-r));
        return r;
}

typedef struct Undo {
        Namespace *src;
        Namespace *cur;
        int ifindex;
        LinkInfo before;
        bool moved;
        bool changed;
        size_t removed;
        size_t added;
} Undo;

static void undo(Undo *u, const LinkSettings *s) {
        NetlinkReason nr;

        for (size_t i = u->added; i > 0; i--)
                (void) netlink_address(link_netns_fd(u->cur), u->ifindex, &s->add[i - 1], false, &nr);
        for (size_t i = u->removed; i > 0; i--)
                (void) netlink_address(link_netns_fd(u->cur), u->ifindex, &s->remove[i - 1], true, &nr);
        if (u->changed) {
                uint8_t mac[6];
                LinkChange c = { .name = u->before.name, .mtu = u->before.mtu, .up = u->before.up };
                if (sscanf(u->before.mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
                           &mac[5]) == 6)
                        c.mac = mac;
                if (netlink_link_change(link_netns_fd(u->cur), u->ifindex, &c, &nr) < 0)
                        log_warning("Cannot restore link %s after a failed change: %s", u->before.name, nr.text);
        }
        if (u->moved && netlink_link_move(link_netns_fd(u->cur), u->ifindex, link_netns_fd(u->src), &nr) < 0)
                log_warning("Cannot move link %s back to %s: %s", u->before.name, ns_label(u->src), nr.text);
}

static int step_move(Undo *u, const LinkSettings *s, char *reason, size_t size) {
        NetlinkReason nr;
        LinkInfo now;
        char what[128];
        int r;

        snprintf(what, sizeof(what), "Cannot move link %s from %s to %s", u->before.name, ns_label(u->src),
                 ns_label(s->target));
        r = netlink_link_move(link_netns_fd(u->src), u->ifindex, link_netns_fd(s->target), &nr);
        if (r < 0)
                return fail(r, &nr, reason, size, what);
        u->moved = true;
        u->cur = s->target;
        /* The kernel keeps the ifindex unless the target uses it already; ask by the (unique) name. */
        r = netlink_link_get(link_netns_fd(u->cur), u->before.name, 0, &now);
        if (r < 0)
                return snprintf(reason, size, "%s: the link vanished after the move", what), r;
        u->ifindex = now.ifindex;
        return 0;
}

static int step_change(Undo *u, const LinkSettings *s, char *reason, size_t size) {
        LinkChange c = { .name = s->name, .mtu = s->mtu, .mac = s->has_mac ? s->mac : NULL, .up = s->up };
        NetlinkReason nr;
        char what[160];
        int r;

        if (!s->name && !s->mtu && !s->has_mac && s->up < 0)
                return 0;
        /* The kernel applies a change attribute by attribute; a refusal can leave earlier ones applied. */
        u->changed = true;
        r = netlink_link_change(link_netns_fd(u->cur), u->ifindex, &c, &nr);
        if (r < 0) {
                char detail[96] = "";
                size_t l = 0;

                if (s->name)
                        l += (size_t) snprintf(detail + l, sizeof(detail) - l, ", name %s", s->name);
                if (s->mtu && l < sizeof(detail))
                        l += (size_t) snprintf(detail + l, sizeof(detail) - l, ", MTU %u", s->mtu);
                if (s->has_mac && l < sizeof(detail))
                        l += (size_t) snprintf(detail + l, sizeof(detail) - l, ", MAC %02x:%02x:%02x:%02x:%02x:%02x",
                                               s->mac[0], s->mac[1], s->mac[2], s->mac[3], s->mac[4], s->mac[5]);
                if (s->up >= 0 && l < sizeof(detail))
                        snprintf(detail + l, sizeof(detail) - l, ", %s", s->up ? "up" : "down");
                snprintf(what, sizeof(what), "Cannot change link %s in %s (%s)", u->before.name, ns_label(u->cur),
                         detail + 2);
                return fail(r, &nr, reason, size, what);
        }
        return 0;
}

static int step_addresses(Undo *u, const LinkSettings *s, char *reason, size_t size) {
        const char *name = s->name ? s->name : u->before.name;
        char buf[IP_PREFIX_STRING_MAX], what[160];
        NetlinkReason nr;
        int r;

        for (; u->removed < s->n_remove; u->removed++) {
                r = netlink_address(link_netns_fd(u->cur), u->ifindex, &s->remove[u->removed], false, &nr);
                if (r == -EADDRNOTAVAIL) {
                        snprintf(reason, size, "Address %s is not on link %s in %s",
                                 ip_prefix_format(&s->remove[u->removed], buf, sizeof(buf)), name, ns_label(u->cur));
                        return -ENOENT;
                }
                if (r < 0) {
                        snprintf(what, sizeof(what), "Cannot remove address %s from link %s in %s",
                                 ip_prefix_format(&s->remove[u->removed], buf, sizeof(buf)), name, ns_label(u->cur));
                        return fail(r, &nr, reason, size, what);
                }
        }
        for (; u->added < s->n_add; u->added++) {
                r = netlink_address(link_netns_fd(u->cur), u->ifindex, &s->add[u->added], true, &nr);
                if (r < 0) {
                        snprintf(what, sizeof(what), "Cannot add address %s to link %s in %s",
                                 ip_prefix_format(&s->add[u->added], buf, sizeof(buf)), name, ns_label(u->cur));
                        return fail(r, &nr, reason, size, what);
                }
        }
        return 0;
}

static void sync_watch(Namespace *ns) {
        if (ns && ns->watch)
                (void) netlink_watch_process(ns->watch);
}

int link_configure(Namespace *ns, int ifindex, const LinkSettings *s, char *reason, size_t reason_size,
                   int *ret_ifindex) {
        Undo u = { .src = ns, .cur = ns, .ifindex = ifindex };
        int r;

        assert(s && reason && ret_ifindex);
        r = netlink_link_get(link_netns_fd(ns), NULL, ifindex, &u.before);
        if (r < 0)
                return snprintf(reason, reason_size, "Link %d in %s does not exist (any more)", ifindex, ns_label(ns)), r;
        if (s->move && s->target != ns && (r = step_move(&u, s, reason, reason_size)) < 0)
                goto undo;
        if ((r = step_change(&u, s, reason, reason_size)) < 0 || (r = step_addresses(&u, s, reason, reason_size)) < 0)
                goto undo;
        /* The kernel queued its notifications before the ack: bring the caches (and objects) up to date now. */
        sync_watch(u.src);
        sync_watch(u.cur);
        *ret_ifindex = u.ifindex;
        return 0;
undo:
        undo(&u, s);
        sync_watch(u.src);
        sync_watch(u.cur);
        return r;
}
