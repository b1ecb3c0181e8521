/* host.c: "virtctl host", "virtctl status" and "virtctl reload". */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "json.h"
#include "macro.h"
#include "strv.h"
#include "verbs.h"
#include "virtd-bus.h"

typedef struct Check {
        const char *id, *title, *result, *detail, *hint;
} Check;

static const char *result_color(const char *result, bool on) {
        if (!on)
                return "";
        return streq(result, "PASS") ? "\033[32m" : streq(result, "WARN") ? "\033[33m" : "\033[31m";
}

/* Titles are translated here, by check id, since the daemon speaks English on the bus. */
static const char *check_title(const Check *c, char *buf, size_t size) {
        static const struct {
                const char *id;
                const char *title;
        } titles[] = {
                { "hardware-virtualization", N_("Checking for hardware virtualization") },
                { "kvm-device", N_("Checking if device /dev/kvm is accessible") },
                { "kvm-nested", N_("Checking for nested virtualization") },
                { "iommu-firmware", N_("Checking for device assignment IOMMU support") },
                { "iommu-kernel", N_("Checking if IOMMU is enabled by kernel") },
                { "hypervisor", N_("Checking which hypervisor this host runs under") },
                { "namespaces", N_("Checking for namespace support") },
                { "cgroup-mode", N_("Checking cgroup layout") },
                { "veth", N_("Checking for veth pair support") },
                { "bridge", N_("Checking for Linux bridge support") },
                { "bridge-vlan-filtering", N_("Checking for bridge VLAN filtering support") },
                { "vlan-8021q", N_("Checking for 802.1Q VLAN support") },
                { "vlan-8021ad", N_("Checking for 802.1ad (QinQ) VLAN support") },
        };
        const char *controller = startswith(c->id, "cgroup-");

        if (controller && !streq(controller, "mode")) {
                snprintf(buf, size, _("Checking for cgroup '%s' controller support"), controller);
                return buf;
        }
        for (size_t i = 0; i < ELEMENTSOF(titles); i++)
                if (streq(c->id, titles[i].id) && (!streq(c->id, "kvm-device") || streq(c->result, "PASS")))
                        return _(titles[i].title);
        return c->title;
}

static void print_check(const Check *c, bool color) {
        char buf[256];

        printf("%-52s : %s%s%s", check_title(c, buf, sizeof(buf)), result_color(c->result, color), c->result, color ? "\033[0m" : "");
        if (*c->detail)
                printf(" (%s)", c->detail);
        putchar('\n');
        if (*c->hint)
                printf("%-52s   %s %s\n", "", _("hint:"), c->hint);
}

static void json_check(JsonWriter *w, const Check *c) {
        json_begin_object(w);
        json_string(w, "id", c->id);
        json_string(w, "title", c->title);
        json_string(w, "result", c->result);
        json_string(w, "detail", c->detail);
        json_string(w, "hint", c->hint);
        json_end_object(w);
}

int verb_host(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        JsonWriter w = { .f = stdout };
        bool color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        unsigned failed = 0;
        Check c;
        int r;

        r = manager_new_call(ctx, "GetHostReport", &call);
        if (r < 0 || (r = call_and_reply(ctx, call, _("cannot get the host report"), &reply)) < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(sssss)");
        if (r < 0)
                return log_bus_error(_("malformed host report"), NULL, r);
        if (ctx->json) {
                json_begin_object(&w);
                json_begin_array(&w, "checks");
        }
        while ((r = sd_bus_message_read(reply, "(sssss)", &c.id, &c.title, &c.result, &c.detail, &c.hint)) > 0) {
                if (ctx->json)
                        json_check(&w, &c);
                else
                        print_check(&c, color);
                failed += streq(c.result, "FAIL");
        }
        if (r < 0)
                return log_bus_error(_("malformed host report"), NULL, r);
        if (ctx->json) {
                json_end_array(&w);
                json_uint(&w, "failed", failed);
                json_end_object(&w);
                json_finish(&w);
        }
        /* Like virt-host-validate: a failed check makes the exit status 1. */
        return failed ? 1 : 0;
}

typedef struct Status {
        char *version, *cpu_vendor, *hw_virt, *kvm, *iommu, *hypervisor, *cgroup_mode;
        char **features, **namespaces;
} Status;

static void status_done(Status *s) {
        free(s->version);
        free(s->cpu_vendor);
        free(s->hw_virt);
        free(s->kvm);
        free(s->iommu);
        free(s->hypervisor);
        free(s->cgroup_mode);
        strv_free(s->features);
        strv_free(s->namespaces);
}

static int read_status(Context *ctx, Status *s) {
        static const struct {
                const char *name;
                size_t offset;
        } strings[] = {
                { "Version", offsetof(Status, version) },
                { "CpuVendor", offsetof(Status, cpu_vendor) },
                { "HardwareVirtualization", offsetof(Status, hw_virt) },
                { "KvmDevice", offsetof(Status, kvm) },
                { "Iommu", offsetof(Status, iommu) },
                { "Hypervisor", offsetof(Status, hypervisor) },
                { "CgroupMode", offsetof(Status, cgroup_mode) },
        };
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus *bus;
        int r;

        r = context_bus(ctx, &bus);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                char **field = (char **) ((char *) s + strings[i].offset);
                r = sd_bus_get_property_string(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                               strings[i].name, &error, field);
                if (r < 0)
                        return log_bus_error(_("cannot read virtd's status"), &error, r);
        }
        r = sd_bus_get_property_strv(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "Features", &error,
                                     &s->features);
        if (r >= 0)
                r = sd_bus_get_property_strv(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                             "Namespaces", &error, &s->namespaces);
        if (r < 0)
                return log_bus_error(_("cannot read virtd's status"), &error, r);
        return 0;
}

int verb_status(int argc, char *argv[], Context *ctx) {
        _cleanup_(status_done) Status s = {};
        _cleanup_free_ char *features = NULL, *namespaces = NULL;
        int r;

        r = read_status(ctx, &s);
        if (r < 0)
                return r;
        if (ctx->json) {
                JsonWriter w = { .f = stdout };
                json_begin_object(&w);
                json_string(&w, "version", s.version);
                json_strv(&w, "features", s.features);
                json_string(&w, "cpu_vendor", s.cpu_vendor);
                json_string(&w, "hardware_virtualization", s.hw_virt);
                json_string(&w, "kvm_device", s.kvm);
                json_string(&w, "iommu", s.iommu);
                json_string(&w, "hypervisor", s.hypervisor);
                json_string(&w, "cgroup_mode", s.cgroup_mode);
                json_strv(&w, "namespaces", s.namespaces);
                json_end_object(&w);
                json_finish(&w);
                return 0;
        }
        features = strv_join(s.features, " ");
        namespaces = strv_join(s.namespaces, " ");
        if (!features || !namespaces)
                return -ENOMEM;
        printf("%16s: %s\n", _("Version"), s.version);
        printf("%16s: %s\n", _("Features"), features);
        printf("%16s: %s %s\n", _("CPU"), s.cpu_vendor, *s.hw_virt ? s.hw_virt : _("(no VT-x/AMD-V)"));
        printf("%16s: %s\n", "/dev/kvm", s.kvm);
        printf("%16s: %s\n", _("IOMMU"), s.iommu);
        printf("%16s: %s\n", _("Hypervisor"), s.hypervisor);
        printf("%16s: %s\n", _("Cgroup mode"), s.cgroup_mode);
        printf("%16s: %s\n", _("Namespaces"), namespaces);
        return config_print_failures(ctx);
}

int verb_reload(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = manager_new_call(ctx, "Reload", &call);
        if (r < 0)
                return r;
        return call_and_reply(ctx, call, _("cannot reload virtd"), NULL);
}
