/* link-dbus.h: org.virtd.Virtd1.Link objects and the Manager's link methods. */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>

#include "netlink.h"
#include "netns.h"

int link_dbus_register(Manager *m);
/* Deletes the link that m ("sst": namespace, name, flags) names, once the caller is authorized: the tail of
 * DeleteLink, also behind DeleteVlan's checks. */
int link_dbus_delete(sd_bus_message *m, Manager *mgr, uint64_t flags, sd_bus_error *error);

/* Called by a namespace's watch: objects appear, change and vanish with the kernel's links. */
void link_dbus_on_link_event(Namespace *ns, NetlinkEvent event, int ifindex);
void link_dbus_on_address_event(Namespace *ns, int ifindex);
/* Announces that every link object of ns is gone (the namespace is being deleted). */
void link_dbus_emit_all_removed(Namespace *ns);
