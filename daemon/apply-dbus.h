/* apply-dbus.h: the Manager's configuration methods: Plan, Apply, Save, ConfigFailures, Drift, ApplyProgress, DriftDetected. */
#pragma once

#include <systemd/sd-bus.h>

int method_Plan(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_Apply(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_Import(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_Save(sd_bus_message *m, void *userdata, sd_bus_error *error);
int property_get_config_failures(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error);
int property_get_drift(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error);
