/* netlink.h: virtd's only door to libnl-route-3; no libnl type leaves netlink.c. */
#pragma once

#include "host-report.h"

/* Converts a libnl -NLE_* code to a negative errno. */
int netlink_error_to_errno(int nle);

/* Probes veth, bridge, bridge VLAN filtering and 802.1Q/802.1ad by creating them in a throw-away
 * network namespace (a forked child), so the host's own link list is never touched. */
int netlink_probe_features(NetFeatures *ret);
