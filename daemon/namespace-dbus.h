/* namespace-dbus.h: org.virtd.Virtd1.Namespace objects and the Manager's namespace methods. */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>

#include "netns.h"

/* Registers the fallback vtable, object finder and enumerator under VIRTD_OBJECT_NAMESPACE_PREFIX, and the
 * namespace methods of the Manager interface. */
int namespace_dbus_register(Manager *m);

/* "/org/virtd/Virtd1/namespace/<escaped name>"; NULL on OOM. */
char *namespace_object_path(const char *name);

/* ObjectManager and PropertiesChanged signals; errors are logged, not returned. */
void namespace_dbus_emit_added(Namespace *ns);
void namespace_dbus_emit_removed(Namespace *ns);
void namespace_dbus_emit_changed(Namespace *ns);
void namespace_dbus_emit_links_changed(Namespace *ns);

/* Refuses flag bits other than VIRTD_FLAG_INTERACTIVE and VIRTD_FLAG_RUNTIME, naming the method. */
int bus_check_flags(uint64_t flags, const char *method, sd_bus_error *error);
