/* test-persist.c: mutating methods with and without the runtime flag: the files on disk, the kernel, Unsaved. */
#include <glib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "virtd-bus.h"

typedef struct Fixture {
        TestEnv e;
        char *base;      /* "/vper…": the managed cgroup base */
        char *netns_dir;
} Fixture;

static void fixture_cleanup(void *data) {
        Fixture *f = data;

        if (f->e.dir)
                test_umount_below(f->e.dir);
        test_remove_cgroup_subtree(f->base);
}

static void fixture_start(Fixture *f) {
        TestEnvOptions o = { .no_virtd = true };
        g_autofree char *base = test_unique_name("vper");

        test_require_root();
        memset(f, 0, sizeof(*f));
        f->base = g_strdup_printf("/%s", base);
        test_env_start(&f->e, &o);
        f->netns_dir = g_build_filename(f->e.dir, "netns", NULL);
        test_defer(fixture_cleanup, f);
        test_env_start_virtd_in(&f->e, f->base, f->netns_dir);
}

static void fixture_stop(Fixture *f) {
        test_env_stop_virtd(&f->e);
        fixture_cleanup(f);
        test_env_stop(&f->e);
        g_free(f->base);
        g_free(f->netns_dir);
}

static char *read_config(Fixture *f, const char *name) {
        g_autofree char *path = g_build_filename(f->e.config_dir, name, NULL);
        char *s = NULL;

        if (!g_file_get_contents(path, &s, NULL, NULL))
                return g_strdup("");
        return s;
}

static int create_group(Fixture *f, const char *group, const char *max, uint64_t flags, char **ret_object, sd_bus_error *error) {
        sd_bus_message *reply = NULL;
        const char *o;
        int r;

        r = sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateGroup", error,
                               &reply, "sa(ss)a{su}t", group, 1, "pids.max", max, 0, flags);
        if (r >= 0 && ret_object) {
                g_assert_cmpint(sd_bus_message_read(reply, "o", &o), >=, 0);
                *ret_object = g_strdup(o);
        }
        sd_bus_message_unref(reply);
        return r;
}

static int create_namespace(Fixture *f, const char *name, uint64_t flags, char **ret_object, sd_bus_error *error) {
        sd_bus_message *reply = NULL;
        const char *o;
        int r;

        r = sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateNamespace",
                               error, &reply, "sassa(uuu)a(uuu)t", name, 0, "", 0, 0, flags);
        if (r >= 0 && ret_object) {
                g_assert_cmpint(sd_bus_message_read(reply, "o", &o), >=, 0);
                *ret_object = g_strdup(o);
        }
        sd_bus_message_unref(reply);
        return r;
}

/* Unsaved is recomputed shortly after each change; wait until it has the expected value (or fail). */
static void assert_unsaved(Fixture *f, const char *object, const char *interface, bool expect) {
        gint64 deadline = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
        int value = !expect;

        while (g_get_monotonic_time() < deadline) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                g_assert_cmpint(sd_bus_get_property_trivial(f->e.bus, VIRTD_BUS_NAME, object, interface, "Unsaved", &error,
                                                            'b', &value), >=, 0);
                if (!!value == expect)
                        return;
                g_usleep(50 * 1000);
        }
        g_error("%s: Unsaved stayed %s", object, value ? "true" : "false");
}

static void save_ok(Fixture *f) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        if (sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "Save", &error, NULL,
                               "t", (uint64_t) 0) < 0)
                g_error("Save: %s: %s", error.name, error.message);
}

/* CreateGroup with perm{}: the tasks file owned by nobody:nogroup (65534), as cgconfig.conf can name them. */
static int create_group_owned(Fixture *f, const char *group, const char *max, char **ret_object, sd_bus_error *error) {
        sd_bus_message *reply = NULL;
        const char *o;
        int r;

        r = sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateGroup", error,
                               &reply, "sa(ss)a{su}t", group, 1, "pids.max", max, 2, "task-uid", 65534, "task-gid", 65534,
                               (uint64_t) 0);
        if (r >= 0) {
                g_assert_cmpint(sd_bus_message_read(reply, "o", &o), >=, 0);
                *ret_object = g_strdup(o);
        }
        sd_bus_message_unref(reply);
        return r;
}

static char *pids_value(Fixture *f, const char *sub) {
        g_autofree char *out = NULL;

        test_sh(&out, "cat $(find /sys/fs/cgroup -maxdepth 3 -type d -path '*%s/%s' | head -n1)/pids.max", f->base, sub);
        return g_strdup(g_strstrip(out));
}

/* libcgroup as the witness: the group removed runtime-only (the file keeps it), cgconfigparser makes it again
 * from virtd's file with the saved value. */
static void assert_cgconfigparser_makes(Fixture *f, const char *sub, const char *max) {
        g_autofree char *parser = g_find_program_in_path("cgconfigparser"), *group = g_strdup_printf("pids:/%s", sub);
        g_autofree char *path = g_build_filename(f->e.config_dir, "cgconfig.conf", NULL), *before = read_config(f, "cgconfig.conf");
        g_autofree char *after = NULL, *value = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;

        if (!parser) {
                g_test_message("cgconfigparser not installed: interop not checked");
                return;
        }
        g_assert_cmpint(sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "DeleteGroup",
                                           &error, NULL, "sbbt", group, 0, 1, (uint64_t) VIRTD_FLAG_RUNTIME), >=, 0);
        after = read_config(f, "cgconfig.conf");
        g_assert_cmpstr(before, ==, after);
        g_assert_cmpint(test_sh(NULL, "cgconfigparser -l %s", path), ==, 0);
        value = pids_value(f, sub);
        g_assert_cmpstr(value, ==, max);
}

static bool group_dir_exists(Fixture *f, const char *sub) {
        g_autofree char *out = NULL;

        test_sh(&out, "find /sys/fs/cgroup -maxdepth 3 -type d -path '*%s/%s' | head -n1", f->base, sub);
        return out && *g_strstrip(out);
}

static void test_groups(void) {
        Fixture f;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *web = NULL, *rt = NULL, *cg1 = NULL, *cg2 = NULL, *cg3 = NULL, *line = NULL, *bad = NULL;
        g_autofree char *group_web = NULL, *group_rt = NULL;

        fixture_start(&f);
        /* Persistent: the file names the group with its parameter and owner. */
        g_assert_cmpint(create_group_owned(&f, "pids:/web", "100", &web, &error), >=, 0);
        cg1 = read_config(&f, "cgconfig.conf");
        group_web = g_strdup_printf("group %s/web {", f.base + 1);
        g_assert_nonnull(strstr(cg1, group_web));
        g_assert_nonnull(strstr(cg1, "pids.max = \"100\";"));
        g_assert_nonnull(strstr(cg1, "perm {"));
        assert_unsaved(&f, web, VIRTD_INTERFACE_GROUP, false);
        assert_cgconfigparser_makes(&f, "web", "100");

        /* Runtime: the file stays byte for byte, the object says it is unsaved until Save. */
        g_assert_cmpint(create_group(&f, "pids:/rt", "50", VIRTD_FLAG_RUNTIME, &rt, &error), >=, 0);
        cg2 = read_config(&f, "cgconfig.conf");
        g_assert_cmpstr(cg1, ==, cg2);
        assert_unsaved(&f, rt, VIRTD_INTERFACE_GROUP, true);
        assert_unsaved(&f, web, VIRTD_INTERFACE_GROUP, false);
        save_ok(&f);
        assert_unsaved(&f, rt, VIRTD_INTERFACE_GROUP, false);
        g_clear_pointer(&cg2, g_free);
        cg2 = read_config(&f, "cgconfig.conf");
        group_rt = g_strdup_printf("group %s/rt {", f.base + 1);
        g_assert_nonnull(strstr(cg2, group_rt));
        /* Save captured the runtime group whole, with its parameter (as cgsnapshot reads it). */
        g_assert_nonnull(strstr(strstr(cg2, group_rt), "pids.max = \"50\";"));

        /* A runtime parameter change flips it again; a persistent one is written. */
        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                           "SetGroupParameters", &error, NULL, "sa(ss)t", "pids:/web", 1, "pids.max", "77",
                                           (uint64_t) VIRTD_FLAG_RUNTIME), >=, 0);
        assert_unsaved(&f, web, VIRTD_INTERFACE_GROUP, true);
        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                           "SetGroupParameters", &error, NULL, "sa(ss)t", "pids:/rt", 1, "pids.max", "60",
                                           (uint64_t) 0), >=, 0);
        /* Save takes web's runtime value in and clears the flag. */
        save_ok(&f);
        assert_unsaved(&f, web, VIRTD_INTERFACE_GROUP, false);
        g_autofree char *cg_web = read_config(&f, "cgconfig.conf");
        g_assert_nonnull(strstr(strstr(cg_web, group_web), "pids.max = \"77\";"));
        cg3 = read_config(&f, "cgconfig.conf");
        g_assert_nonnull(strstr(cg3, "pids.max = \"60\";"));

        /* Persistent delete removes it from the file. */
        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "DeleteGroup",
                                           &error, NULL, "sbbt", "pids:/rt", 0, 1, (uint64_t) 0), >=, 0);
        g_clear_pointer(&cg3, g_free);
        cg3 = read_config(&f, "cgconfig.conf");
        g_assert_null(strstr(cg3, group_rt));
        g_assert_nonnull(strstr(cg3, group_web));

        /* A file that does not parse: ParseError naming file and line, no group made, the file untouched. */
        g_autofree char *path = g_build_filename(f.e.config_dir, "cgconfig.conf", NULL);
        g_assert_true(g_file_set_contents(path, "group {\n", -1, NULL));
        g_assert_cmpint(create_group(&f, "pids:/bad", "10", 0, NULL, &error), <, 0);
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_PARSE);
        line = g_strdup_printf("%s:", path);
        g_assert_nonnull(strstr(error.message, line));
        sd_bus_error_free(&error);
        g_assert_false(group_dir_exists(&f, "bad"));
        bad = read_config(&f, "cgconfig.conf");
        g_assert_cmpstr(bad, ==, "group {\n");
        /* With the runtime flag the file is not consulted at all. */
        g_assert_cmpint(create_group(&f, "pids:/bad", "10", VIRTD_FLAG_RUNTIME, NULL, &error), >=, 0);
        g_assert_true(group_dir_exists(&f, "bad"));
        fixture_stop(&f);
}

/* A group a cgconfig.d/ drop-in defines: a saved change would not take effect, so only runtime changes go. */
static void test_dropin_group(void) {
        Fixture f;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *dir = NULL, *dropin = NULL, *text = NULL, *before = NULL, *after = NULL, *value = NULL;

        fixture_start(&f);
        g_assert_cmpint(create_group(&f, "pids:/din", "30", VIRTD_FLAG_RUNTIME, NULL, &error), >=, 0);
        dir = g_build_filename(f.e.config_dir, "cgconfig.d", NULL);
        dropin = g_build_filename(dir, "10-test.conf", NULL);
        text = g_strdup_printf("group %s/din {\n\tpids {\n\t\tpids.max = \"30\";\n\t}\n}\n", f.base + 1);
        g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
        g_assert_true(g_file_set_contents(dropin, text, -1, NULL));
        before = read_config(&f, "cgconfig.conf");

        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                           "SetGroupParameters", &error, NULL, "sa(ss)t", "pids:/din", 1, "pids.max", "40",
                                           (uint64_t) 0), <, 0);
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_NOT_SUPPORTED);
        g_assert_nonnull(strstr(error.message, dropin));
        sd_bus_error_free(&error);
        value = pids_value(&f, "din");
        g_assert_cmpstr(value, ==, "30");

        /* A recursive delete of the parent reaches the drop-in's group too. */
        g_assert_cmpint(create_group(&f, "pids:/din/sub", "5", VIRTD_FLAG_RUNTIME, NULL, &error), >=, 0);
        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "DeleteGroup",
                                           &error, NULL, "sbbt", "pids:/din", 1, 1, (uint64_t) 0), <, 0);
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_NOT_SUPPORTED);
        sd_bus_error_free(&error);
        g_assert_true(group_dir_exists(&f, "din"));
        after = read_config(&f, "cgconfig.conf");
        g_assert_cmpstr(before, ==, after);

        /* A group below it that no drop-in names is saved as usual; runtime-only changes always go. */
        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                           "SetGroupParameters", &error, NULL, "sa(ss)t", "pids:/din/sub", 1, "pids.max", "6",
                                           (uint64_t) 0), >=, 0);
        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "DeleteGroup",
                                           &error, NULL, "sbbt", "pids:/din", 1, 1, (uint64_t) VIRTD_FLAG_RUNTIME), >=, 0);
        g_assert_false(group_dir_exists(&f, "din"));
        g_assert_cmpint(unlink(dropin), ==, 0);
        fixture_stop(&f);
}

static void test_namespaces_and_veth(void) {
        Fixture f;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *a = test_unique_name("pna"), *b = test_unique_name("pnb"), *c = test_unique_name("pnc");
        g_autofree char *v0 = test_unique_name("pv0"), *v1 = test_unique_name("pv1");
        g_autofree char *obj_a = NULL, *obj_b = NULL, *n1 = NULL, *n2 = NULL, *n3 = NULL, *n4 = NULL, *section = NULL;
        g_autofree char *ns_c = NULL;

        fixture_start(&f);
        g_assert_cmpint(create_namespace(&f, a, 0, &obj_a, &error), >=, 0);
        n1 = read_config(&f, "network.conf");
        section = g_strdup_printf("namespace %s {", a);
        g_assert_nonnull(strstr(n1, section));
        assert_unsaved(&f, obj_a, VIRTD_INTERFACE_NAMESPACE, false);

        g_assert_cmpint(create_namespace(&f, b, VIRTD_FLAG_RUNTIME, &obj_b, &error), >=, 0);
        n2 = read_config(&f, "network.conf");
        g_assert_cmpstr(n1, ==, n2);
        assert_unsaved(&f, obj_b, VIRTD_INTERFACE_NAMESPACE, true);

        /* A persistent veth pair inside the saved namespace, then deleted again. */
        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateVeth",
                                           &error, NULL, "ssssssut", v0, a, "", v1, a, "", 0, (uint64_t) 0), >=, 0);
        n3 = read_config(&f, "network.conf");
        g_free(section);
        section = g_strdup_printf("veth %s {", v0);
        g_assert_nonnull(strstr(n3, section));
        g_assert_nonnull(strstr(n3, v1));
        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "DeleteLink",
                                           &error, NULL, "sst", a, v1, (uint64_t) 0), >=, 0);
        n4 = read_config(&f, "network.conf");
        g_assert_null(strstr(n4, section));
        g_assert_cmpstr(n4, ==, n1);

        /* A read-only configuration directory: PermissionDenied, and no namespace was made. */
        g_assert_cmpint(test_sh(NULL, "mount --bind %s %s && mount -o remount,bind,ro %s", f.e.config_dir, f.e.config_dir,
                                f.e.config_dir), ==, 0);
        g_assert_cmpint(create_namespace(&f, c, 0, NULL, &error), <, 0);
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_PERMISSION_DENIED);
        sd_bus_error_free(&error);
        ns_c = g_build_filename(f.netns_dir, c, NULL);
        g_assert_false(g_file_test(ns_c, G_FILE_TEST_EXISTS));
        test_sh(NULL, "umount %s", f.e.config_dir);

        /* Save captures a runtime pair between a saved and a runtime namespace: both ends, the peer's
         * namespace and the addresses. */
        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateVeth",
                                           &error, NULL, "ssssssut", v0, a, "", v1, b, "", 0, (uint64_t) VIRTD_FLAG_RUNTIME), >=, 0);
        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "ConfigureLink",
                                           &error, NULL, "ssa{sv}t", b, v1, 1, "add-addresses", "as", 1, "10.79.0.2/24",
                                           (uint64_t) VIRTD_FLAG_RUNTIME), >=, 0);
        g_autofree char *n5 = read_config(&f, "network.conf");
        g_assert_cmpstr(n5, ==, n1);
        save_ok(&f);
        assert_unsaved(&f, obj_b, VIRTD_INTERFACE_NAMESPACE, false);
        g_autofree char *n6 = read_config(&f, "network.conf"), *peer = g_strdup_printf("peer = %s;", v1);
        g_autofree char *peer_ns = g_strdup_printf("peer-namespace = %s;", b), *ns_b = g_strdup_printf("namespace %s {", b);
        const char *veth = strstr(n6, section);
        g_assert_nonnull(veth);
        g_assert_nonnull(strstr(n6, ns_b));
        g_assert_nonnull(strstr(veth, peer));
        g_assert_nonnull(strstr(veth, peer_ns));
        g_assert_nonnull(strstr(veth, "peer-address = 10.79.0.2/24;"));
        fixture_stop(&f);
}

static bool has_feature(Fixture *f, const char *name) {
        char **features = NULL;
        bool found;

        g_assert_cmpint(sd_bus_get_property_strv(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                                 "Features", NULL, &features), >=, 0);
        found = g_strv_contains((const char * const *) features, name);
        g_strfreev(features);
        return found;
}

static int manager_call(Fixture *f, sd_bus_error *error, const char *member, const char *types, ...) {
        sd_bus_message *call = NULL;
        va_list ap;
        int r;

        g_assert_cmpint(sd_bus_message_new_method_call(f->e.bus, &call, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT,
                                                       VIRTD_INTERFACE_MANAGER, member), >=, 0);
        va_start(ap, types);
        g_assert_cmpint(sd_bus_message_appendv(call, types, ap), >=, 0);
        va_end(ap);
        r = sd_bus_call(f->e.bus, call, 0, error, NULL);
        sd_bus_message_unref(call);
        return r;
}

/* Needs 802.1Q and bridge VLAN filtering: a guest suite in the qemu lane; skipped where the kernel lacks them. */
static void test_vlan_and_bridge(void) {
        Fixture f;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *ns = test_unique_name("pvn"), *v0 = test_unique_name("pw0"), *v1 = test_unique_name("pw1");
        g_autofree char *br = test_unique_name("pbr"), *vlan = NULL, *n1 = NULL, *n2 = NULL, *n3 = NULL, *n4 = NULL;
        g_autofree char *sec_vlan = NULL, *sec_br = NULL, *sec_port = NULL, *cmd = NULL, *out = NULL;

        fixture_start(&f);
        if (!has_feature(&f, "vlan-8021q") || !has_feature(&f, "bridge-vlan-filtering")) {
                test_skip_unless_vm_guest("the kernel has no 802.1Q or no bridge VLAN filtering (the qemu lane runs this)");
                fixture_stop(&f);
                return;
        }
        vlan = g_strdup_printf("%s.10", v0);
        g_assert_cmpint(create_namespace(&f, ns, 0, NULL, &error), >=, 0);
        g_assert_cmpint(manager_call(&f, &error, "CreateVeth", "ssssssut", v0, ns, "", v1, ns, "", 0, (uint64_t) 0), >=, 0);
        /* VLAN 10 on one end, saved as the kernel has it. */
        g_assert_cmpint(manager_call(&f, &error, "CreateVlan", "sssusa{sb}a(uu)a(uu)ut", ns, v0, "", 10, "", 0, 0, 0, 0,
                                     (uint64_t) 0), >=, 0);
        n1 = read_config(&f, "network.conf");
        sec_vlan = g_strdup_printf("vlan %s {", vlan);
        g_assert_nonnull(strstr(n1, sec_vlan));
        g_assert_nonnull(strstr(strstr(n1, sec_vlan), "id = 10;"));
        /* A VLAN-filtering bridge with the other end as access port 20. */
        g_assert_cmpint(manager_call(&f, &error, "CreateBridge", "ssbt", ns, br, 1, (uint64_t) 0), >=, 0);
        cmd = g_strdup_printf("nsenter --net=%s/%s ip link set %s master %s", f.netns_dir, ns, v1, br);
        g_assert_cmpint(test_sh(NULL, "%s", cmd), ==, 0);
        g_assert_cmpint(manager_call(&f, &error, "SetBridgePorts", "sa(sssusu)t", ns, 1, v1, br, "access", 20, "", 0,
                                     (uint64_t) 0), >=, 0);
        n2 = read_config(&f, "network.conf");
        sec_br = g_strdup_printf("bridge %s {", br);
        sec_port = g_strdup_printf("port %s %s {", br, v1);
        g_assert_nonnull(strstr(n2, sec_br));
        g_assert_nonnull(strstr(n2, sec_port));
        g_assert_nonnull(strstr(strstr(n2, sec_port), "access-vlan = 20;"));
        /* Runtime-only port change: the file stays byte for byte. */
        g_assert_cmpint(manager_call(&f, &error, "SetBridgePorts", "sa(sssusu)t", ns, 1, v1, br, "access", 30, "", 0,
                                     (uint64_t) VIRTD_FLAG_RUNTIME), >=, 0);
        n3 = read_config(&f, "network.conf");
        g_assert_cmpstr(n2, ==, n3);
        /* Deleting the VLAN removes its section; the rest stays. */
        g_assert_cmpint(manager_call(&f, &error, "DeleteLink", "sst", ns, vlan, (uint64_t) 0), >=, 0);
        n4 = read_config(&f, "network.conf");
        g_assert_null(strstr(n4, sec_vlan));
        g_assert_nonnull(strstr(n4, sec_port));
        out = g_strdup_printf("nsenter --net=%s/%s ip link show %s", f.netns_dir, ns, vlan);
        g_assert_cmpint(test_sh(NULL, "%s 2>/dev/null", out), !=, 0);
        fixture_stop(&f);
}

/* The write fails after the kernel change (a full file system): the kernel change is undone, the caller gets
 * NoSpace, and the files are what they were. */
static void test_write_fails(void) {
        Fixture f;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *a = test_unique_name("pfa"), *b = test_unique_name("pfb"), *v0 = test_unique_name("pf0");
        g_autofree char *v1 = test_unique_name("pf1"), *net = NULL, *net_after = NULL, *ns_b = NULL, *links = NULL;
        g_autofree char *d0 = test_unique_name("pd0"), *d1 = test_unique_name("pd1");

        fixture_start(&f);
        g_assert_cmpint(create_namespace(&f, a, VIRTD_FLAG_RUNTIME, NULL, &error), >=, 0);
        /* A pair to delete, with an address on its peer end that must come back. */
        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateVeth",
                                           &error, NULL, "ssssssut", d0, a, "", d1, a, "", 0, (uint64_t) VIRTD_FLAG_RUNTIME), >=, 0);
        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "ConfigureLink",
                                           &error, NULL, "ssa{sv}t", a, d1, 1, "add-addresses", "as", 1, "10.80.0.2/24",
                                           (uint64_t) VIRTD_FLAG_RUNTIME), >=, 0);
        g_assert_cmpint(test_sh(NULL, "mount -t tmpfs -o size=64k virtd-test-full %s", f.e.config_dir), ==, 0);
        net = g_strdup_printf("namespace %s {\n\tkinds = net;\n}\n\nveth %s {\n\tnamespace = %s;\n\tpeer = %s;\n"
                              "\tpeer-namespace = %s;\n\tpeer-address = 10.80.0.2/24;\n}\n", a, d0, a, d1, a);
        g_autofree char *path = g_build_filename(f.e.config_dir, "network.conf", NULL);
        g_assert_true(g_file_set_contents(path, net, -1, NULL));
        test_sh(NULL, "dd if=/dev/zero of=%s/fill bs=1k >/dev/null 2>&1", f.e.config_dir);

        g_assert_cmpint(create_namespace(&f, b, 0, NULL, &error), <, 0);
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_NO_SPACE);
        sd_bus_error_free(&error);
        ns_b = g_build_filename(f.netns_dir, b, NULL);
        g_assert_false(g_file_test(ns_b, G_FILE_TEST_EXISTS));

        g_assert_cmpint(create_group(&f, "pids:/full", "10", 0, NULL, &error), <, 0);
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_NO_SPACE);
        sd_bus_error_free(&error);
        g_assert_false(group_dir_exists(&f, "full"));

        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateVeth",
                                           &error, NULL, "ssssssut", v0, a, "", v1, a, "", 0, (uint64_t) 0), <, 0);
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_NO_SPACE);
        sd_bus_error_free(&error);
        g_assert_cmpint(test_sh(&links, "nsenter --net=%s/%s ip -o link show", f.netns_dir, a), ==, 0);
        g_assert_null(strstr(links, v0));

        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "DeleteLink",
                                           &error, NULL, "sst", a, d0, (uint64_t) 0), <, 0);
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_NO_SPACE);
        sd_bus_error_free(&error);
        g_clear_pointer(&links, g_free);
        g_assert_cmpint(test_sh(&links, "nsenter --net=%s/%s ip -o addr show dev %s", f.netns_dir, a, d1), ==, 0);
        g_assert_nonnull(strstr(links, "10.80.0.2/24"));

        net_after = read_config(&f, "network.conf");
        g_assert_cmpstr(net_after, ==, net);
        test_sh(NULL, "umount %s", f.e.config_dir);
        fixture_stop(&f);
}

/* stat() of a file in the state or configuration directory: which version is there. */
static bool same_file(const struct stat *a, const struct stat *b) {
        return a->st_ino == b->st_ino && a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
               a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Runtime calls never rewrite cgconfig.conf nor the ownership record file: a runtime create is recorded by
 * one line appended to owned.journal, which is on disk before the reply; a runtime parameter change
 * writes nothing. A clean stop folds the journal into the record. */
static void test_runtime_files(void) {
        Fixture f;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *cg_path = NULL, *owned_path = NULL, *journal_path = NULL, *cg_before = NULL, *cg_after = NULL;
        g_autofree char *journal = NULL, *owned = NULL, *line_rt = NULL, *line_gone = NULL;
        struct stat cg_st, owned_st, st;

        fixture_start(&f);
        cg_path = g_build_filename(f.e.config_dir, "cgconfig.conf", NULL);
        owned_path = g_build_filename(f.e.state_dir, "owned", NULL);
        journal_path = g_build_filename(f.e.state_dir, "owned.journal", NULL);
        /* A saved group, so that both files exist; the restart folds its journal line into the record. */
        g_assert_cmpint(create_group(&f, "pids:/keep", "100", 0, NULL, &error), >=, 0);
        test_env_stop_virtd(&f.e);
        test_env_start_virtd_in(&f.e, f.base, f.netns_dir);
        g_assert_cmpint(stat(cg_path, &cg_st), ==, 0);
        g_assert_cmpint(stat(owned_path, &owned_st), ==, 0);
        cg_before = read_config(&f, "cgconfig.conf");

        line_rt = g_strdup_printf("+group %s/rt\n", f.base + 1);
        line_gone = g_strdup_printf("group %s/gone", f.base + 1);
        g_assert_cmpint(create_group(&f, "pids:/rt", "50", VIRTD_FLAG_RUNTIME, NULL, &error), >=, 0);
        /* The reply came after the record's change was written. */
        g_assert_true(g_file_get_contents(journal_path, &journal, NULL, NULL));
        g_assert_nonnull(strstr(journal, line_rt));
        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                           "SetGroupParameters", &error, NULL, "sa(ss)t", "pids:/rt", 1, "pids.max", "40",
                                           (uint64_t) VIRTD_FLAG_RUNTIME), >=, 0);
        g_assert_cmpint(create_group(&f, "pids:/gone", "50", VIRTD_FLAG_RUNTIME, NULL, &error), >=, 0);
        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "DeleteGroup",
                                           &error, NULL, "sbbt", "pids:/gone", 0, 1, (uint64_t) VIRTD_FLAG_RUNTIME), >=, 0);

        g_assert_cmpint(stat(cg_path, &st), ==, 0);
        g_assert_true(same_file(&st, &cg_st));
        cg_after = read_config(&f, "cgconfig.conf");
        g_assert_cmpstr(cg_after, ==, cg_before);
        g_assert_cmpint(stat(owned_path, &st), ==, 0);
        g_assert_true(same_file(&st, &owned_st));

        /* A clean stop leaves the record whole in its file: rt is virtd's, gone is forgotten. */
        test_env_stop_virtd(&f.e);
        g_assert_true(g_file_get_contents(owned_path, &owned, NULL, NULL));
        line_rt[strlen(line_rt) - 1] = 0;
        g_assert_nonnull(strstr(owned, line_rt + 1));
        g_assert_null(strstr(owned, line_gone));
        test_env_start_virtd_in(&f.e, f.base, f.netns_dir);
        fixture_stop(&f);
}

/* What saving costs per call (reported, not asserted: the host is shared): create + delete of a group,
 * runtime-only and saved; the file ends as it began. */
static void test_cost(void) {
        Fixture f;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const unsigned n = 20;
        double usec[2];
        g_autofree char *before = NULL, *after = NULL;

        fixture_start(&f);
        before = read_config(&f, "cgconfig.conf");
        for (int saved = 0; saved < 2; saved++) {
                gint64 start = g_get_monotonic_time();
                for (unsigned i = 0; i < n; i++) {
                        g_autofree char *g = g_strdup_printf("pids:/c%u", i);
                        uint64_t flags = saved ? 0 : VIRTD_FLAG_RUNTIME;
                        g_assert_cmpint(create_group(&f, g, "10", flags, NULL, &error), >=, 0);
                        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                                           "DeleteGroup", &error, NULL, "sbbt", g, 0, 1, flags), >=, 0);
                }
                usec[saved] = (double) (g_get_monotonic_time() - start) / n;
        }
        after = read_config(&f, "cgconfig.conf");
        g_assert_cmpstr(before, ==, after);
        g_test_message("CreateGroup+DeleteGroup: runtime-only %.0f us, saved %.0f us per pair (%u pairs each)", usec[0],
                       usec[1], n);
        fixture_stop(&f);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/persist/groups", test_groups);
        g_test_add_func("/persist/dropin-group", test_dropin_group);
        g_test_add_func("/persist/namespaces-and-veth", test_namespaces_and_veth);
        g_test_add_func("/persist/vlan-and-bridge", test_vlan_and_bridge);
        g_test_add_func("/persist/write-fails", test_write_fails);
        g_test_add_func("/persist/runtime-files", test_runtime_files);
        g_test_add_func("/persist/cost", test_cost);
        return g_test_run();
}
