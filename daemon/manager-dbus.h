/* manager-dbus.h: the org.virtd.Virtd1.Manager interface at /org/virtd/Virtd1. */
#pragma once

#include "manager.h"

int manager_dbus_register(Manager *m);
int manager_dbus_emit_host_changed(Manager *m);
