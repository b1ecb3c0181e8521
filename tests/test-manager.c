/* test-manager.c: virtd on a private system bus: introspection, host report, authorization, reload, exit. */
#include <glib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "harness.h"
#include "virtd-bus.h"

#define NOBODY 65534

/* Every shipped XML file's interface served at the root must be served exactly as written. */
static void test_introspection_matches_shipped_xml(void) {
        TestEnv e;

        test_env_start(&e, NULL);
        g_assert_cmpuint(test_assert_introspection(&e, VIRTD_OBJECT_ROOT), >=, 1);
        test_env_stop(&e);
}

static void test_busctl_introspect(void) {
        TestEnv e;
        g_autofree char *out = NULL;

        test_env_start(&e, NULL);
        g_assert_cmpint(test_sh(&out, "busctl --system introspect org.virtd.Virtd1 /org/virtd/Virtd1"), ==, 0);
        g_assert_nonnull(strstr(out, "org.virtd.Virtd1.Manager"));
        g_assert_nonnull(strstr(out, "org.freedesktop.DBus.ObjectManager"));
        g_assert_nonnull(strstr(out, ".GetHostReport"));
        g_assert_nonnull(strstr(out, ".Reload"));
        test_env_stop(&e);
}

typedef struct Report {
        GHashTable *result; /* id -> PASS|WARN|FAIL */
        GHashTable *detail;
} Report;

static void report_fetch(TestEnv *e, Report *r) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *id, *title, *result, *detail, *hint;

        r->result = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        r->detail = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        if (sd_bus_call_method(e->bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "GetHostReport", &error,
                               &reply, "") < 0)
                g_error("GetHostReport: %s", error.message);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(sssss)"), >, 0);
        while (sd_bus_message_read(reply, "(sssss)", &id, &title, &result, &detail, &hint) > 0) {
                g_assert_true(g_str_equal(result, "PASS") || g_str_equal(result, "WARN") || g_str_equal(result, "FAIL"));
                /* Anything short of PASS tells the administrator how to fix it. */
                if (!g_str_equal(result, "PASS") && !g_str_equal(id, "kvm-nested"))
                        g_assert_cmpstr(hint, !=, "");
                g_hash_table_insert(r->result, g_strdup(id), g_strdup(result));
                g_hash_table_insert(r->detail, g_strdup(id), g_strdup(detail));
        }
        sd_bus_message_unref(reply);
}

static void report_done(Report *r) {
        g_hash_table_unref(r->result);
        g_hash_table_unref(r->detail);
}

static const char *expect(bool pass) {
        return pass ? "PASS" : "FAIL";
}

static bool cpu_has_flag(const char *flag) {
        g_autofree char *cpuinfo = NULL;
        g_autofree char *pattern = g_strdup_printf("\\b%s\\b", flag);

        g_assert_true(g_file_get_contents("/proc/cpuinfo", &cpuinfo, NULL, NULL));
        return g_regex_match_simple(pattern, cpuinfo, G_REGEX_MULTILINE, 0);
}

/* Independent witnesses for the kernel network features: iproute2 in a namespace of our own. */
static bool iproute2_can(const char *commands) {
        return test_sh(NULL, "unshare --net sh -e -c '%s' >/dev/null 2>&1", commands) == 0;
}

static void test_host_report_matches_system(void) {
        TestEnv e;
        Report r;
        struct statfs sfs;
        bool v2_root;

        test_require_root();
        test_env_start(&e, NULL);
        report_fetch(&e, &r);

        g_assert_cmpstr(g_hash_table_lookup(r.result, "hardware-virtualization"), ==,
                        expect(cpu_has_flag("vmx") || cpu_has_flag("svm")));
        g_assert_cmpstr(g_hash_table_lookup(r.result, "kvm-device"), ==, expect(access("/dev/kvm", R_OK | W_OK) == 0));
        g_assert_cmpstr(g_hash_table_lookup(r.result, "namespaces"), ==,
                        expect(access("/proc/self/ns/time", F_OK) == 0 && access("/proc/self/ns/cgroup", F_OK) == 0) );

        g_assert_cmpint(statfs("/sys/fs/cgroup", &sfs), ==, 0);
        v2_root = sfs.f_type == CGROUP2_SUPER_MAGIC;
        g_assert_cmpstr(g_hash_table_lookup(r.result, "cgroup-mode"), ==, v2_root ? "PASS" : "WARN");
        if (!v2_root)
                g_assert_true(g_str_has_prefix(g_hash_table_lookup(r.detail, "cgroup-mode"),
                                               access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0 ? "hybrid" : "legacy"));

        g_assert_cmpstr(g_hash_table_lookup(r.result, "veth"), ==, expect(iproute2_can("ip link add vx0 type veth peer name vx1")));
        g_assert_cmpstr(g_hash_table_lookup(r.result, "vlan-8021q"), ==,
                        expect(iproute2_can("ip link add vx0 type veth peer name vx1; ip link add link vx0 name vx0.5 type vlan id 5")));
        g_assert_cmpstr(g_hash_table_lookup(r.result, "bridge-vlan-filtering"), ==,
                        expect(iproute2_can("ip link add vxbr type bridge vlan_filtering 1")));
        report_done(&r);
        test_env_stop(&e);
}

static void test_virtctl_host(void) {
        TestEnv e;
        g_autofree char *out = NULL, *err = NULL, *json = NULL;
        bool has_vlan = iproute2_can("ip link add vx0 type veth peer name vx1; ip link add link vx0 name vx0.5 type vlan id 5");
        int status;

        test_require_root();
        test_env_start(&e, NULL);
        status = test_virtctl(&e, &out, &err, "host", NULL);
        g_assert_nonnull(strstr(out, "Checking for hardware virtualization"));
        g_assert_nonnull(strstr(out, "Checking for 802.1Q VLAN support"));
        if (!has_vlan) {
                g_assert_nonnull(strstr(out, "this kernel has no 802.1Q VLAN support (CONFIG_VLAN_8021Q)"));
                g_assert_nonnull(strstr(out, "hint:"));
        }
        /* Like virt-host-validate: exit 1 exactly when some check failed. */
        g_assert_cmpint(status, ==, strstr(out, ": FAIL") ? 1 : 0);

        test_virtctl(&e, &json, NULL, "--json", "host", NULL);
        g_autofree char *path = g_build_filename(e.dir, "host.json", NULL);
        g_assert_true(g_file_set_contents(path, json, -1, NULL));
        g_assert_cmpint(test_sh(NULL, "/usr/bin/python3 -c 'import json,sys; d=json.load(open(\"%s\")); "
                                      "c={x[\"id\"]: x[\"result\"] for x in d[\"checks\"]}; "
                                      "sys.exit(0 if c[\"vlan-8021q\"] == \"%s\" and d[\"failed\"] > 0 else 1)'",
                                path, has_vlan ? "PASS" : "FAIL"), ==, 0);
        test_env_stop(&e);
}

static void test_virtctl_status_and_usage(void) {
        TestEnv e;
        g_autofree char *out = NULL, *json = NULL, *ver = NULL, *bad = NULL;

        test_env_start(&e, NULL);
        g_assert_cmpint(test_virtctl(&e, &out, NULL, "status", NULL), ==, 0);
        g_assert_nonnull(strstr(out, "Version: " VIRTD_VERSION));
        g_assert_nonnull(strstr(out, "host-report"));
        g_assert_cmpint(test_virtctl(&e, &json, NULL, "--json", "status", NULL), ==, 0);
        g_assert_true(g_str_has_prefix(json, "{\"version\":\"" VIRTD_VERSION "\""));
        g_assert_cmpint(test_virtctl(&e, &ver, NULL, "--version", NULL), ==, 0);
        g_assert_cmpstr(ver, ==, "virtctl " VIRTD_VERSION "\n");
        g_assert_cmpint(test_virtctl(&e, NULL, &bad, "frobnicate", NULL), ==, 1);
        g_assert_nonnull(strstr(bad, "unknown command 'frobnicate'"));
        g_clear_pointer(&out, g_free);
        g_assert_cmpint(test_virtctl(&e, &out, NULL, "--help", NULL), ==, 0);
        g_assert_nonnull(strstr(out, "host"));
        g_clear_pointer(&out, g_free);
        g_assert_cmpint(test_virtctl(&e, &out, NULL, "host", "--help", NULL), ==, 0);
        g_assert_true(g_str_has_prefix(out, "Usage: virtctl [OPTIONS...] host\n"));
        g_autofree char *usage_err = NULL;
        g_assert_cmpint(test_virtctl(&e, NULL, &usage_err, "host", "extra", NULL), ==, 1);
        g_assert_cmpstr(usage_err, ==, "virtctl: wrong number of arguments. Usage: virtctl host\n");
        test_env_stop(&e);
}

static int call_reload(sd_bus *bus, void *userdata) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "Reload", &error,
                                   NULL, "");
        if (r >= 0)
                return 0;
        fprintf(stderr, "Reload as nobody: %s: %s\n", error.name, error.message);
        if (sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED))
                return userdata && strstr(error.message, userdata) ? 10 : 11;
        return 12;
}

static int read_as_nobody(sd_bus *bus, void *userdata) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *mode = NULL;
        int r = sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "GetHostReport",
                                   &error, NULL, "");
        if (r < 0)
                return 1;
        r = sd_bus_get_property_string(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CgroupMode",
                                       &error, &mode);
        free(mode);
        return r < 0 ? 2 : 0;
}

static void test_authorization_with_polkit(void) {
        TestEnv e;
        const char *reload[] = { VIRTD_ACTION_RELOAD, NULL };
        TestEnvOptions o = { .polkit = true };

        test_require_root();
        test_env_start(&e, &o);
        /* Reading is open to everyone; changing is not, until polkit says yes. */
        g_assert_cmpint(test_fork_as(&e, NOBODY, NOBODY, read_as_nobody, NULL), ==, 0);
        g_assert_cmpint(test_fork_as(&e, NOBODY, NOBODY, call_reload, (void *) "polkit denied"), ==, 10);
        test_env_polkit_allow(&e, reload);
        g_assert_cmpint(test_fork_as(&e, NOBODY, NOBODY, call_reload, NULL), ==, 0);
        /* root never needs polkit */
        g_assert_cmpint(sd_bus_call_method(e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "Reload",
                                           NULL, NULL, ""), >=, 0);
        test_env_stop(&e);
}

static void test_authorization_without_polkit(void) {
        TestEnv e;

        test_require_root();
        test_env_start(&e, NULL);
        g_assert_cmpint(test_fork_as(&e, NOBODY, NOBODY, call_reload, (void *) "polkit is not available"), ==, 10);
        g_assert_cmpint(test_virtctl(&e, NULL, NULL, "reload", NULL), ==, 0);
        test_env_stop(&e);
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *iface = NULL;

        if (sd_bus_message_read(m, "s", &iface) > 0 && g_str_equal(iface, VIRTD_INTERFACE_MANAGER))
                (*(int *) userdata)++;
        return 0;
}

static void wait_for_count(sd_bus *bus, int *count, int want) {
        for (int i = 0; i < 500 && *count < want; i++) {
                while (sd_bus_process(bus, NULL) > 0)
                        ;
                sd_bus_wait(bus, 10 * 1000);
        }
        g_assert_cmpint(*count, >=, want);
}

/* SIGHUP and Reload() run the same code: both re-probe the host and announce it. */
static void test_reload_signals(void) {
        TestEnv e;
        sd_bus_slot *slot = NULL;
        int changes = 0;

        test_env_start(&e, NULL);
        g_assert_cmpint(sd_bus_match_signal(e.bus, &slot, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT,
                                            "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                            on_properties_changed, &changes), >=, 0);
        g_assert_cmpint(kill(e.virtd_pid, SIGHUP), ==, 0);
        wait_for_count(e.bus, &changes, 1);
        g_assert_cmpint(sd_bus_call_method(e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "Reload",
                                           NULL, NULL, ""), >=, 0);
        wait_for_count(e.bus, &changes, 2);
        sd_bus_slot_unref(slot);
        test_env_stop(&e);
}

/* SIGINT ends virtd cleanly, like SIGTERM; its log lines carry syslog priority prefixes when stderr is no
 * terminal, so journald files them right. */
static void test_sigint_and_log_prefixes(void) {
        TestEnv e;
        g_autofree char *out = NULL, *log = NULL;

        test_env_start(&e, NULL);
        test_env_stop_virtd(&e);
        log = g_build_filename(e.dir, "virtd.log", NULL);
        g_assert_cmpint(test_sh(&out,
                                "%s --config-dir=%s --state-dir=%s 2>%s & p=$!; "
                                "for i in $(seq 600); do busctl --system status org.virtd.Virtd1 >/dev/null 2>&1 && break; sleep 0.05; done; "
                                "kill -INT $p; wait $p; echo \"exit $?\"",
                                TEST_BUILD_PATH("daemon/virtd"), e.config_dir, e.state_dir, log), ==, 0);
        g_assert_cmpstr(out, ==, "exit 0\n");
        g_clear_pointer(&out, g_free);
        g_assert_true(g_file_get_contents(log, &out, NULL, NULL));
        g_assert_nonnull(strstr(out, "<6>Serving org.virtd.Virtd1."));
        g_assert_nonnull(strstr(out, "<6>Received Interrupt, exiting."));
        test_env_stop(&e);
}

/* A second instance must not steal the name and must say why it exits. */
static void test_second_instance_refused(void) {
        TestEnv e;
        g_autofree char *err = NULL;
        int status;

        test_env_start(&e, NULL);
        status = test_sh(&err, "%s --state-dir=%s/run2 2>&1", TEST_BUILD_PATH("daemon/virtd"), e.dir);
        g_assert_cmpint(status, !=, 0);
        g_assert_nonnull(strstr(err, "Failed to acquire bus name org.virtd.Virtd1"));
        test_env_stop(&e);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/manager/introspection-matches-shipped-xml", test_introspection_matches_shipped_xml);
        g_test_add_func("/manager/busctl-introspect", test_busctl_introspect);
        g_test_add_func("/manager/host-report-matches-system", test_host_report_matches_system);
        g_test_add_func("/manager/virtctl-host", test_virtctl_host);
        g_test_add_func("/manager/virtctl-status-and-usage", test_virtctl_status_and_usage);
        g_test_add_func("/manager/authorization-with-polkit", test_authorization_with_polkit);
        g_test_add_func("/manager/authorization-without-polkit", test_authorization_without_polkit);
        g_test_add_func("/manager/reload-signals", test_reload_signals);
        g_test_add_func("/manager/second-instance-refused", test_second_instance_refused);
        g_test_add_func("/manager/sigint-and-log-prefixes", test_sigint_and_log_prefixes);
        return g_test_run();
}
