/* rules-dbus.h: bus glue for the cgrules engine: the Manager's rule methods. */
#pragma once

typedef struct Manager Manager;

/* Adds the rule methods to the Manager interface at the root object. */
int rules_dbus_register(Manager *m);
