/* manager-dbus.c: bus glue for the Manager: properties, host report, Reload(). */
#include <errno.h>
#include <stdlib.h>

#include "apply-dbus.h"
#include "log.h"
#include "macro.h"
#include "manager-dbus.h"
#include "polkit.h"
#include "strv.h"
#include "virtd-bus.h"

#ifndef VIRTD_VERSION
#define VIRTD_VERSION "0"
#endif

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", VIRTD_VERSION);
}

static int property_get_features(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = manager_features(userdata, &l);
        if (r < 0)
                return r;
        return sd_bus_message_append_strv(reply, l);
}

/* The host report's string facts, one getter keyed by property name. */
static int property_get_host_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const HostReport *h = manager_host_report(userdata);
        const char *v = "";

        if (streq(property, "CpuVendor"))
                v = h->cpu_vendor;
        else if (streq(property, "HardwareVirtualization"))
                v = h->hw_virt_flag;
        else if (streq(property, "KvmDevice"))
                v = h->kvm_usable ? "usable" : h->kvm_present ? "present" : "absent";
        else if (streq(property, "KvmModule"))
                v = h->kvm_module;
        else if (streq(property, "KvmNested"))
                v = h->kvm_nested;
        else if (streq(property, "Hypervisor"))
                v = h->hypervisor;
        else if (streq(property, "CgroupMode"))
                v = cgroup_mode_to_string(h->cgroup_mode);
        else if (streq(property, "Iommu"))
                v = h->iommu_groups > 0 ? "enabled" : *h->iommu_acpi_table ? "firmware-only" : "absent";
        return sd_bus_message_append(reply, "s", v);
}

static int property_get_namespaces(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append_strv(reply, manager_host_report(userdata)->namespaces);
}

static int property_get_controllers(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const HostReport *h = manager_host_report(userdata);
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(suusb)");
        for (size_t i = 0; r >= 0 && i < h->n_controllers; i++) {
                const ControllerInfo *c = &h->controllers[i];
                r = sd_bus_message_append(reply, "(suusb)", c->name, (uint32_t) c->version, (uint32_t) c->hierarchy,
                                          strempty(c->mount), (int) c->enabled);
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_get_network_features(sd_bus *bus, const char *path, const char *interface, const char *property,
                                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const NetFeatures *f = &manager_host_report(userdata)->net;

        return sd_bus_message_append(reply, "a{ss}", 5, "veth", tristate_to_string(f->veth), "bridge",
                                     tristate_to_string(f->bridge), "bridge-vlan-filtering",
                                     tristate_to_string(f->bridge_vlan_filtering), "vlan-8021q",
                                     tristate_to_string(f->vlan_8021q), "vlan-8021ad",
                                     tristate_to_string(f->vlan_8021ad));
}

static int method_GetHostReport(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const HostReport *h = manager_host_report(userdata);
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sssss)");
        for (size_t i = 0; r >= 0 && i < h->n_checks; i++) {
                const HostCheck *c = &h->checks[i];
                r = sd_bus_message_append(reply, "(sssss)", c->id, c->title, check_result_to_string(c->result),
                                          c->detail, c->hint);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int reload_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        int r;

        r = manager_reload(userdata);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Reload failed: %s", strerror(-r));
        return sd_bus_reply_method_return(m, NULL);
}

static int method_Reload(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return polkit_authorize(m, VIRTD_ACTION_RELOAD, false, reload_authorized, userdata, error);
}

#define HOST_PROPERTY(name, sig, getter) \
        SD_BUS_PROPERTY(name, sig, getter, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        HOST_PROPERTY("Features", "as", property_get_features),
        HOST_PROPERTY("CpuVendor", "s", property_get_host_string),
        HOST_PROPERTY("HardwareVirtualization", "s", property_get_host_string),
        HOST_PROPERTY("KvmDevice", "s", property_get_host_string),
        HOST_PROPERTY("KvmModule", "s", property_get_host_string),
        HOST_PROPERTY("KvmNested", "s", property_get_host_string),
        HOST_PROPERTY("Iommu", "s", property_get_host_string),
        HOST_PROPERTY("Hypervisor", "s", property_get_host_string),
        HOST_PROPERTY("Namespaces", "as", property_get_namespaces),
        HOST_PROPERTY("CgroupMode", "s", property_get_host_string),
        HOST_PROPERTY("Controllers", "a(suusb)", property_get_controllers),
        HOST_PROPERTY("NetworkFeatures", "a{ss}", property_get_network_features),
        SD_BUS_METHOD_WITH_ARGS("GetHostReport", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(sssss)", checks),
                                method_GetHostReport, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("ConfigFailures", "a(ss)", property_get_config_failures, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Drift", "a(sss)", property_get_drift, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("Plan", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(sssss)", steps), method_Plan,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Apply", SD_BUS_ARGS("t", flags), SD_BUS_RESULT("a(sssss)", steps), method_Apply,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Save", SD_BUS_ARGS("t", flags), SD_BUS_NO_RESULT, method_Save,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Import", SD_BUS_ARGS("a(sss)", files, "t", flags), SD_BUS_NO_RESULT, method_Import,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("ApplyProgress", SD_BUS_ARGS("u", step, "u", total, "s", description), 0),
        SD_BUS_SIGNAL_WITH_ARGS("DriftDetected", SD_BUS_ARGS("a(sss)", drift), 0),
        SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_Reload,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

int manager_dbus_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, manager_vtable, m);
        if (r < 0)
                return r;
        return sd_bus_add_object_manager(m->bus, NULL, VIRTD_OBJECT_ROOT);
}

int manager_dbus_emit_host_changed(Manager *m) {
        return sd_bus_emit_properties_changed_strv(m->bus, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, NULL);
}
