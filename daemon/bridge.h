/* bridge.h: switch-style bridge ports: a port configuration applied to the kernel as one transaction. */
#pragma once

#include <stddef.h>

#include "netlink.h"
#include "netns.h"
#include "vlan.h"

#define BRIDGE_NO_VLAN_FILTERING "this kernel has no bridge VLAN filtering support (CONFIG_BRIDGE_VLAN_FILTERING)"

/* What a port was before bridge_port_apply() changed it, so that it can be put back. */
typedef struct PortSaved {
        int ifindex;
        int master;              /* the bridge it was enslaved to, 0 for none */
        bool master_changed;
        BridgeVlanEntry *entries;
        size_t n_entries;
} PortSaved;

void port_saved_done(PortSaved *s);

/**
 * bridge_port_entries() - a port's VLAN table as the kernel reports it now.
 * @netns_fd: the namespace
 * @ifindex: the port
 * @ret: the entries (caller frees; NULL when none)
 * @ret_n: how many
 */
int bridge_port_entries(int netns_fd, int ifindex, BridgeVlanEntry **ret, size_t *ret_n);

/**
 * bridge_port_apply() - make a link a port of a bridge with a switch-style VLAN configuration.
 * @netns_fd: the namespace of both links
 * @port: the link
 * @bridge: a bridge with VLAN filtering
 * @c: the configuration, already validated
 * @saved: filled with the port's previous state (also on failure); release with port_saved_done()
 * @reason: on failure, what failed, naming port and bridge
 * @size: size of @reason
 *
 * Enslaves the port if needed, adds and updates the entries the configuration wants, removes the others
 * (VLAN 1 too where the mode does not want it), and reads the table back from the kernel to confirm. On
 * failure the previous state is restored before returning.
 */
int bridge_port_apply(int netns_fd, const LinkInfo *port, const LinkInfo *bridge, const PortConfig *c, PortSaved *saved,
                      char *reason, size_t size);
/* Puts a port back as saved (best effort; logs what it cannot undo). */
void bridge_port_restore(int netns_fd, const PortSaved *saved);
