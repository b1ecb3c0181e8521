/* group-dbus.h: bus glue for cgroups: the Group objects and the Manager's group methods. */
#pragma once

#include "group.h"

/* Registers the Group fallback vtable, its node enumerator and the group methods of the Manager interface. */
int group_dbus_register(GroupRegistry *r);

/* ObjectManager InterfacesAdded/InterfacesRemoved for one group. */
int group_dbus_emit_added(Group *g);
int group_dbus_emit_removed(Group *g);
/* PopulatedChanged(b) plus PropertiesChanged for Populated. */
int group_dbus_emit_populated(Group *g);
/* OomKill(t) plus PropertiesChanged for OomKills. */
int group_dbus_emit_oom(Group *g);
int group_dbus_emit_sticky(GroupRegistry *r);
