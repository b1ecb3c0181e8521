/* bridge.c: switch-style bridge ports: diff, apply, read back, and undo on failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "log.h"
#include "macro.h"

void port_saved_done(PortSaved *s) {
        free(s->entries);
        s->entries = NULL;
        s->n_entries = 0;
}

int bridge_port_entries(int netns_fd, int ifindex, BridgeVlanEntry **ret, size_t *ret_n) {
        BridgePortVlans *ports = NULL;
        size_t n = 0;
        int r;

        assert(ret && ret_n);
        r = netlink_bridge_vlans_dump(netns_fd, &ports, &n);
        if (r < 0)
                return r;
        *ret = NULL;
        *ret_n = 0;
        for (size_t i = 0; i < n; i++)
                if (ports[i].ifindex == ifindex) {
                        *ret = TAKE_PTR(ports[i].entries);
                        *ret_n = ports[i].n_entries;
                }
        bridge_port_vlans_free_many(ports, n);
        return 0;
}

static bool entries_equal(const BridgeVlanEntry *a, size_t n_a, const BridgeVlanEntry *b, size_t n_b) {
        _cleanup_free_ BridgeVlanEntry *add = NULL, *del = NULL;
        size_t n_add, n_del;

        if (bridge_vlan_diff(a, n_a, b, n_b, &add, &n_add, &del, &n_del) < 0)
                return false;
        return n_add == 0 && n_del == 0;
}

/* Turns the port's table from what the kernel holds into want: adds and updates first, removals second. */
static int set_entries(int netns_fd, int ifindex, const BridgeVlanEntry *want, size_t n_want, NetlinkReason *nr) {
        _cleanup_free_ BridgeVlanEntry *cur = NULL, *add = NULL, *del = NULL;
        size_t n_cur, n_add, n_del;
        int r;

        r = bridge_port_entries(netns_fd, ifindex, &cur, &n_cur);
        if (r < 0)
                return r;
        r = bridge_vlan_diff(cur, n_cur, want, n_want, &add, &n_add, &del, &n_del);
        if (r < 0)
                return r;
        r = netlink_bridge_vlans_set(netns_fd, ifindex, add, n_add, /* add= */ true, nr);
        if (r < 0)
                return r;
        return netlink_bridge_vlans_set(netns_fd, ifindex, del, n_del, /* add= */ false, nr);
}

void bridge_port_restore(int netns_fd, const PortSaved *saved) {
        NetlinkReason nr;

        if (saved->master_changed) {
                if (netlink_link_set_master(netns_fd, saved->ifindex, saved->master, &nr) < 0)
                        log_warning("Cannot give link %d its previous bridge back: %s", saved->ifindex, nr.text);
                /* Leaving a bridge drops the port's table; joining the old one again starts from its defaults. */
                if (saved->master == 0)
                        return;
        }
        if (set_entries(netns_fd, saved->ifindex, saved->entries, saved->n_entries, &nr) < 0)
                log_warning("Cannot restore the VLAN table of link %d: %s", saved->ifindex, nr.text);
}

static int fail(int r, const NetlinkReason *nr, char *reason, size_t size, const char *what) {
        const char *why = r == -EOPNOTSUPP ? BRIDGE_NO_VLAN_FILTERING : nr->text[0] ? nr->text : strerror(-r);

        snprintf(reason, size, "%s: %s", what, why);
        return r;
}

int bridge_port_apply(int netns_fd, const LinkInfo *port, const LinkInfo *bridge, const PortConfig *c, PortSaved *saved,
                      char *reason, size_t size) {
        _cleanup_free_ BridgeVlanEntry *want = NULL, *now = NULL;
        _cleanup_free_ char *why = NULL;
        size_t n_want, n_now;
        NetlinkReason nr = {};
        char what[128];
        int r;

        assert(port && bridge && c && saved && reason);
        *saved = (PortSaved) { .ifindex = port->ifindex };
        r = port_config_to_entries(c, &want, &n_want, &why);
        if (r < 0)
                return snprintf(reason, size, "Port %s: %s", port->name, strempty(why)), r;
        r = netlink_link_get_master(netns_fd, port->ifindex);
        if (r < 0)
                return snprintf(reason, size, "Cannot look up the bridge of %s: %s", port->name, strerror(-r)), r;
        saved->master = r;
        r = bridge_port_entries(netns_fd, port->ifindex, &saved->entries, &saved->n_entries);
        if (r < 0)
                return snprintf(reason, size, "Cannot read the VLAN table of %s: %s", port->name, strerror(-r)), r;
        if (saved->master != bridge->ifindex) {
                snprintf(what, sizeof(what), "Cannot make %s a port of bridge %s", port->name, bridge->name);
                r = netlink_link_set_master(netns_fd, port->ifindex, bridge->ifindex, &nr);
                if (r < 0)
                        return fail(r, &nr, reason, size, what);
                saved->master_changed = true;
        }
        snprintf(what, sizeof(what), "Cannot set the VLANs of port %s on bridge %s", port->name, bridge->name);
        r = set_entries(netns_fd, port->ifindex, want, n_want, &nr);
        if (r < 0) {
                fail(r, &nr, reason, size, what);
                goto undo;
        }
        /* The kernel is the witness: what it reports now must be exactly the wanted table. */
        r = bridge_port_entries(netns_fd, port->ifindex, &now, &n_now);
        if (r >= 0 && !entries_equal(now, n_now, want, n_want)) {
                snprintf(reason, size, "%s: the kernel reports a different table than the one applied", what);
                r = -EIO;
        } else if (r < 0)
                fail(r, &nr, reason, size, what);
        if (r >= 0)
                return 0;
undo:
        bridge_port_restore(netns_fd, saved);
        return r;
}
