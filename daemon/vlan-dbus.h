/* vlan-dbus.h: org.virtd.Virtd1.Vlan on VLAN links, and the Manager's VLAN, bridge and port methods. */
#pragma once

#include "netlink.h"
#include "netns.h"

int vlan_dbus_register(Manager *m);

/* Called for every link event: VLAN links gain the Vlan interface and announce its changes. */
void vlan_dbus_on_link_event(Namespace *ns, NetlinkEvent event, int ifindex);
