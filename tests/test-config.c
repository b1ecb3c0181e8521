/* test-config.c: the configuration files against the live kernel: boot-time apply, Plan, Apply with rollback, Save. */
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "virtd-bus.h"

typedef struct Fixture {
        TestEnv e;
        char *base;      /* "/vcfg…": the managed cgroup base, unique to the run */
        char *netns_dir; /* per run, inside the run's directory */
        char *ns_a, *ns_b;
        char *veth_a, *veth_b;
} Fixture;

static void fixture_cleanup(void *data) {
        Fixture *f = data;

        /* Unbinding the namespace files destroys the namespaces and the veth pair between them. */
        if (f->e.dir)
                test_umount_below(f->e.dir);
        test_remove_cgroup_subtree(f->base);
}

static char *group_name(Fixture *f, const char *sub) {
        return g_strdup_printf("%s/%s", f->base + 1, sub);
}

static void write_config(Fixture *f, const char *name, const char *text) {
        g_autofree char *path = g_build_filename(f->e.config_dir, name, NULL);

        g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* namespace A, namespace B, a veth pair between them with an address on each end; the seed's shape without
 * touching the host (the seed's VLAN, bridge and port sections are not applied by virtd yet). */
static void write_network(Fixture *f) {
        g_autofree char *text = g_strdup_printf(
                "namespace %s {\n\tkinds = net;\n}\n\n"
                "namespace %s {\n\tkinds = net;\n}\n\n"
                "veth %s {\n\tnamespace = %s;\n\tpeer = %s;\n\tpeer-namespace = %s;\n"
                "\taddress = 10.77.0.1/24;\n\tpeer-address = 10.77.0.2/24;\n}\n",
                f->ns_a, f->ns_b, f->veth_a, f->ns_a, f->veth_b, f->ns_b);
        write_config(f, "network.conf", text);
}

static void write_groups(Fixture *f, const char *sub, const char *pids_max) {
        g_autofree char *g = group_name(f, sub);
        g_autofree char *text = g_strdup_printf("group %s {\n\tpids {\n\t\tpids.max = \"%s\";\n\t}\n}\n", g, pids_max);

        write_config(f, "cgconfig.conf", text);
}

static void fixture_start_full(Fixture *f, bool start_virtd, bool polkit) {
        TestEnvOptions o = { .no_virtd = true, .polkit = polkit };

        test_require_root();
        memset(f, 0, sizeof(*f));
        g_autofree char *base = test_unique_name("vcfg");
        f->base = g_strdup_printf("/%s", base);
        f->ns_a = test_unique_name("cfa");
        f->ns_b = test_unique_name("cfb");
        f->veth_a = test_unique_name("cva");
        f->veth_b = test_unique_name("cvb");
        test_env_start(&f->e, &o);
        f->netns_dir = g_build_filename(f->e.dir, "netns", NULL);
        test_defer(fixture_cleanup, f);
        if (start_virtd)
                test_env_start_virtd_in(&f->e, f->base, f->netns_dir);
}

static void fixture_start(Fixture *f, bool start_virtd) {
        fixture_start_full(f, start_virtd, false);
}

static void start_virtd(Fixture *f) {
        test_env_start_virtd_in(&f->e, f->base, f->netns_dir);
}

static void fixture_stop(Fixture *f) {
        test_env_stop_virtd(&f->e);
        fixture_cleanup(f);
        test_env_stop(&f->e);
        g_free(f->base);
        g_free(f->netns_dir);
        g_free(f->ns_a);
        g_free(f->ns_b);
        g_free(f->veth_a);
        g_free(f->veth_b);
}

/* Plan() or Apply(0): the steps as "action kind name old new" lines; on error NULL with the error filled. */
static char *call_steps(Fixture *f, const char *method, sd_bus_error *error) {
        sd_bus_message *reply = NULL;
        GString *s = g_string_new(NULL);
        const char *a, *k, *n, *o, *nv;
        int r;

        if (g_str_equal(method, "Plan"))
                r = sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, method, error,
                                       &reply, "");
        else
                r = sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, method, error,
                                       &reply, "t", (uint64_t) 0);
        if (r < 0) {
                g_string_free(s, TRUE);
                return NULL;
        }
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(sssss)"), >=, 0);
        while ((r = sd_bus_message_read(reply, "(sssss)", &a, &k, &n, &o, &nv)) > 0)
                g_string_append_printf(s, "%s %s %s [%s] [%s]\n", a, k, n, o, nv);
        g_assert_cmpint(r, ==, 0);
        sd_bus_message_unref(reply);
        return g_string_free(s, FALSE);
}

static char *plan_ok(Fixture *f) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *s = call_steps(f, "Plan", &error);

        if (!s)
                g_error("Plan: %s: %s", error.name, error.message);
        return s;
}

static char *config_failures(Fixture *f) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        GString *s = g_string_new(NULL);
        const char *o, *r;

        g_assert_cmpint(sd_bus_get_property(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                            "ConfigFailures", &error, &reply, "a(ss)"), >=, 0);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(ss)"), >=, 0);
        while (sd_bus_message_read(reply, "(ss)", &o, &r) > 0)
                g_string_append_printf(s, "%s: %s\n", o, r);
        sd_bus_message_unref(reply);
        return g_string_free(s, FALSE);
}

static void save_ok(Fixture *f) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        if (sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "Save", &error, NULL,
                               "t", (uint64_t) 0) < 0)
                g_error("Save: %s: %s", error.name, error.message);
}

static char *ns_sh(Fixture *f, const char *ns, const char *cmd) {
        char *out = NULL;

        if (test_sh(&out, "nsenter --net=%s/%s %s", f->netns_dir, ns, cmd) != 0) {
                g_free(out);
                return NULL;
        }
        return out;
}

/* The witnesses: iproute2 inside each namespace, the cgroup file (cgget reads the same file). */
static void assert_live(Fixture *f, const char *pids_max) {
        g_autofree char *cmd_a = g_strdup_printf("ip -o -4 addr show dev %s", f->veth_a);
        g_autofree char *cmd_b = g_strdup_printf("ip -o -4 addr show dev %s", f->veth_b);
        g_autofree char *a = ns_sh(f, f->ns_a, cmd_a), *b = ns_sh(f, f->ns_b, cmd_b);
        g_autofree char *mount = test_cgroup_mount_of("pids");
        g_autofree char *file = g_strdup_printf("%s%s/web/pids.max", mount, f->base), *value = NULL;

        g_assert_nonnull(a);
        g_assert_nonnull(b);
        g_assert_nonnull(strstr(a, "10.77.0.1/24"));
        g_assert_nonnull(strstr(b, "10.77.0.2/24"));
        /* Apply brings both ends up (the first in the creating request, the peer afterwards). */
        g_autofree char *up_a = g_strdup_printf("ip -o link show dev %s up", f->veth_a);
        g_autofree char *up_b = g_strdup_printf("ip -o link show dev %s up", f->veth_b);
        g_autofree char *la = ns_sh(f, f->ns_a, up_a), *lb = ns_sh(f, f->ns_b, up_b);
        g_assert_nonnull(la);
        g_assert_nonnull(lb);
        g_assert_nonnull(strstr(la, f->veth_a));
        g_assert_nonnull(strstr(lb, f->veth_b));
        g_assert_true(g_file_get_contents(file, &value, NULL, NULL));
        g_assert_cmpstr(g_strstrip(value), ==, pids_max);
}

static void assert_gone(Fixture *f, const char *sub) {
        g_autofree char *fa = g_build_filename(f->netns_dir, f->ns_a, NULL), *fb = g_build_filename(f->netns_dir, f->ns_b, NULL);
        g_autofree char *mount = test_cgroup_mount_of("pids");
        g_autofree char *dir = g_strdup_printf("%s%s/%s", mount, f->base, sub);

        g_assert_false(g_file_test(fa, G_FILE_TEST_EXISTS));
        g_assert_false(g_file_test(fb, G_FILE_TEST_EXISTS));
        g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
}

static void assert_gone_group(Fixture *f, const char *sub) {
        g_autofree char *mount = test_cgroup_mount_of("pids");
        g_autofree char *dir = g_strdup_printf("%s%s/%s", mount, f->base, sub);

        g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
}

/* Tears the live state down behind virtd's back (it is stopped): namespaces unbound, the group removed. */
static void teardown_live(Fixture *f) {
        g_autofree char *mount = test_cgroup_mount_of("pids");

        test_umount_below(f->netns_dir);
        test_sh(NULL, "rm -f %s/%s %s/%s; rmdir %s%s/web", f->netns_dir, f->ns_a, f->netns_dir, f->ns_b, mount, f->base);
        assert_gone(f, "web");
}

static char *read_config(Fixture *f, const char *name) {
        g_autofree char *path = g_build_filename(f->e.config_dir, name, NULL);
        char *s = NULL;

        g_assert_true(g_file_get_contents(path, &s, NULL, NULL));
        return s;
}

static int on_drift(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        GString *s = userdata;
        const char *k, *n, *w;

        g_assert_cmpint(sd_bus_message_enter_container(m, 'a', "(sss)"), >=, 0);
        while (sd_bus_message_read(m, "(sss)", &k, &n, &w) > 0)
                g_string_append_printf(s, "%s %s: %s\n", k, n, w);
        return 0;
}

/* Deleting a managed veth with iproute2 behind virtd's back: DriftDetected names it, diff shows it, apply
 * brings it back and the drift goes away. */
static void check_drift(Fixture *f) {
        g_autoptr(GString) seen = g_string_new(NULL);
        g_autofree char *cmd = g_strdup_printf("ip link delete %s", f->veth_a), *expect = NULL, *out = NULL;
        sd_bus_slot *slot = NULL;
        gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
        g_autofree char *gone = NULL;

        g_assert_cmpint(sd_bus_match_signal(f->e.bus, &slot, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                            "DriftDetected", on_drift, seen), >=, 0);
        gone = ns_sh(f, f->ns_a, cmd);
        g_assert_nonnull(gone);
        while (seen->len == 0 && g_get_monotonic_time() < deadline)
                if (sd_bus_process(f->e.bus, NULL) == 0)
                        sd_bus_wait(f->e.bus, 100 * 1000);
        expect = g_strdup_printf("veth %s: missing\n", f->veth_a);
        g_assert_cmpstr(seen->str, ==, expect);
        sd_bus_slot_unref(slot);

        g_assert_cmpint(test_virtctl(&f->e, &out, NULL, "diff", NULL), ==, 0);
        g_assert_nonnull(strstr(out, "+ veth "));
        g_clear_pointer(&out, g_free);
        g_assert_cmpint(test_virtctl(&f->e, &out, NULL, "apply", NULL), ==, 0);
        assert_live(f, "100");
        /* The re-created pair is a kernel event too; the drift check after it finds nothing. */
        g_usleep(400 * 1000);
        sd_bus_message *reply = NULL;
        g_assert_cmpint(sd_bus_get_property(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "Drift",
                                            NULL, &reply, "a(sss)"), >=, 0);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(sss)"), >=, 0);
        g_assert_cmpint(sd_bus_message_at_end(reply, false), >, 0);
        sd_bus_message_unref(reply);
}

/* The saved state is applied before READY=1; after tearing it all down a restart brings it back, and a Save
 * of the restored state is byte-identical to the Save before. */
static void test_boot_apply_restart_roundtrip(void) {
        Fixture f;
        g_autofree char *plan = NULL, *failures = NULL, *cg1 = NULL, *net1 = NULL, *cg2 = NULL, *net2 = NULL;

        fixture_start(&f, false);
        write_network(&f);
        write_groups(&f, "web", "100");
        start_virtd(&f);
        assert_live(&f, "100");
        failures = config_failures(&f);
        g_assert_cmpstr(failures, ==, "");
        plan = plan_ok(&f);
        g_assert_cmpstr(plan, ==, "");
        test_assert_introspection(&f.e, VIRTD_OBJECT_ROOT);

        check_drift(&f);
        save_ok(&f);
        cg1 = read_config(&f, "cgconfig.conf");
        net1 = read_config(&f, "network.conf");

        test_env_stop_virtd(&f.e);
        teardown_live(&f);

        /* libcgroup's own cgconfigparser accepts the file virtd saved and makes the same group. */
        g_autofree char *mount = test_cgroup_mount_of("pids"), *value = NULL;
        g_autofree char *file = g_strdup_printf("%s%s/web/pids.max", mount, f.base);
        g_assert_cmpint(test_sh(NULL, "cgconfigparser -l %s/cgconfig.conf", f.e.config_dir), ==, 0);
        g_assert_true(g_file_get_contents(file, &value, NULL, NULL));
        g_assert_cmpstr(g_strstrip(value), ==, "100");
        g_assert_cmpint(test_sh(NULL, "rmdir %s%s/web", mount, f.base), ==, 0);

        start_virtd(&f);
        assert_live(&f, "100");
        save_ok(&f);
        cg2 = read_config(&f, "cgconfig.conf");
        net2 = read_config(&f, "network.conf");
        g_assert_cmpstr(cg1, ==, cg2);
        g_assert_cmpstr(net1, ==, net2);
        fixture_stop(&f);
}

/* Plan lists exactly the differences; an Apply that fails at its last step undoes the namespaces and the
 * veth made before it; a broken entry at boot does not keep the others from being applied. */
static void test_plan_and_rollback(void) {
        Fixture f;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *plan = NULL, *expect = NULL, *g = NULL, *steps = NULL, *failures = NULL, *links = NULL;

        fixture_start(&f, true);
        g = group_name(&f, "web");
        write_network(&f);
        write_groups(&f, "web", "bogus");
        plan = plan_ok(&f);
        expect = g_strdup_printf("create namespace %s [] [kinds=net]\n"
                                 "create namespace %s [] [kinds=net]\n"
                                 "create veth %s [] [peer=%s peer-namespace=%s address=10.77.0.1/24 peer-address=10.77.0.2/24]\n"
                                 "create group %s [] [pids pids.max=bogus]\n",
                                 f.ns_a, f.ns_b, f.veth_a, f.veth_b, f.ns_b, g);
        g_assert_cmpstr(plan, ==, expect);

        steps = call_steps(&f, "Apply", &error);
        g_assert_null(steps);
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_INVALID_ARGUMENT);
        g_assert_nonnull(strstr(error.message, "Step 4 of 4"));
        g_assert_nonnull(strstr(error.message, "pids.max"));
        sd_bus_error_free(&error);
        /* The kernel is as before: no namespace files, no group, no veth on the host either. */
        assert_gone(&f, "web");
        g_assert_cmpint(test_sh(&links, "ip -o link show %s 2>/dev/null", f.veth_a), !=, 0);

        /* Fixed value: the apply goes through, and the plan is empty afterwards. */
        write_groups(&f, "web", "50");
        g_free(steps);
        steps = call_steps(&f, "Apply", &error);
        if (!steps)
                g_error("Apply: %s", error.message);
        assert_live(&f, "50");
        g_free(plan);
        plan = plan_ok(&f);
        g_assert_cmpstr(plan, ==, "");

        /* A parameter change, then a group the kernel refuses (groups are planned in name order, so "zbad"
         * comes second): the change is undone as well. */
        {
                g_autofree char *bad = group_name(&f, "zbad"), *web = group_name(&f, "web");
                g_autofree char *text = g_strdup_printf("group %s {\n\tpids {\n\t\tpids.max = \"70\";\n\t}\n}\n\n"
                                                        "group %s {\n\tpids {\n\t\tpids.max = \"bogus\";\n\t}\n}\n",
                                                        web, bad);
                write_config(&f, "cgconfig.conf", text);
                g_free(steps);
                steps = call_steps(&f, "Apply", &error);
                g_assert_null(steps);
                g_assert_nonnull(strstr(error.message, "Step 2 of 2"));
                g_assert_nonnull(strstr(error.message, bad));
                sd_bus_error_free(&error);
                assert_live(&f, "50");
                assert_gone_group(&f, "zbad");
        }

        /* One parameter changed in the file: exactly one step. */
        write_groups(&f, "web", "60");
        g_free(plan);
        plan = plan_ok(&f);
        g_free(expect);
        expect = g_strdup_printf("change parameter %s pids.max [50] [60]\n", g);
        g_assert_cmpstr(plan, ==, expect);

        /* The same through virtctl: diff, apply --dry-run (changes nothing), apply with its progress line. */
        g_autofree char *out = NULL, *err = NULL, *line = g_strdup_printf("~ parameter %s pids.max: 50 → 60\n", g);
        g_assert_cmpint(test_virtctl(&f.e, &out, &err, "diff", NULL), ==, 0);
        g_assert_cmpstr(out, ==, line);
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(test_virtctl(&f.e, &out, &err, "apply", "--dry-run", NULL), ==, 0);
        g_assert_cmpstr(out, ==, line);
        assert_live(&f, "50");
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(test_virtctl(&f.e, &out, &err, "apply", NULL), ==, 0);
        g_assert_cmpstr(out, ==, line);
        g_assert_nonnull(strstr(err, "[1/1] change group"));
        assert_live(&f, "60");
        g_clear_pointer(&out, g_free);
        g_assert_cmpint(test_virtctl(&f.e, &out, NULL, "diff", NULL), ==, 0);
        g_assert_cmpstr(out, ==, "The kernel matches the saved configuration.\n");
        g_clear_pointer(&out, g_free);
        g_assert_cmpint(test_virtctl(&f.e, &out, NULL, "--json", "diff", NULL), ==, 0);
        g_assert_cmpstr(g_strstrip(out), ==, "[]");

        /* Restart with a broken group next to good objects: the others are applied, the group is reported. */
        test_env_stop_virtd(&f.e);
        teardown_live(&f);
        write_groups(&f, "web", "bogus");
        start_virtd(&f);
        failures = config_failures(&f);
        g_assert_nonnull(strstr(failures, "group "));
        g_assert_nonnull(strstr(failures, "pids.max"));
        g_autofree char *status = NULL;
        g_assert_cmpint(test_virtctl(&f.e, &status, NULL, "status", NULL), ==, 0);
        g_assert_nonnull(strstr(status, "Config failed: group "));
        g_autofree char *cmd = g_strdup_printf("ip -o -4 addr show dev %s", f.veth_a);
        g_autofree char *addr = ns_sh(&f, f.ns_a, cmd);
        g_assert_nonnull(addr);
        g_assert_nonnull(strstr(addr, "10.77.0.1/24"));
        fixture_stop(&f);
}

/* A cgconfig.conf that libcgroup's cgsnapshot wrote is virtd's saved state: a group made with cgcreate/cgset
 * matches it (no step), and a later cgset shows up as exactly one change back to the snapshot's value. */
static void test_cgsnapshot_file(void) {
        Fixture f;
        g_autofree char *g = NULL, *plan = NULL, *line = NULL, *expect = NULL;
        g_autofree char *prog = g_find_program_in_path("cgsnapshot");

        if (!prog) {
                g_test_skip("cgsnapshot (cgroup-tools) not installed");
                return;
        }
        fixture_start(&f, true);
        g = group_name(&f, "snap");
        g_assert_cmpint(test_sh(NULL, "cgcreate -g pids:%s && cgset -r pids.max=77 %s", g, g), ==, 0);
        g_assert_cmpint(test_sh(NULL, "cgsnapshot -s -b /dev/null -f %s/cgconfig.conf pids", f.e.config_dir), ==, 0);
        plan = plan_ok(&f);
        line = g_strdup_printf(" %s ", g);
        if (strstr(plan, line))
                g_error("the plan for cgsnapshot's own file has steps for %s:\n%s", g, plan);
        g_assert_cmpint(test_sh(NULL, "cgset -r pids.max=78 %s", g), ==, 0);
        g_free(plan);
        plan = plan_ok(&f);
        expect = g_strdup_printf("change parameter %s pids.max [78] [77]\n", g);
        g_assert_nonnull(strstr(plan, expect));
        fixture_stop(&f);
}

/* virtctl import: libcgroup's files (unquoted values as cgconfigparser allows) land in virtd's directory in
 * canonical form, and a reload applies it; a broken file is refused with its name and line, writing nothing. */
static void test_import(void) {
        Fixture f;
        g_autofree char *g = NULL, *cgc = NULL, *cgr = NULL, *text = NULL, *rules = NULL, *out = NULL, *err = NULL;
        g_autofree char *bad = NULL, *saved = NULL, *expect = NULL, *mount = NULL, *value = NULL, *file = NULL;

        fixture_start(&f, true);
        g = group_name(&f, "imp");
        cgc = g_build_filename(f.e.dir, "cgconfig.conf", NULL);
        cgr = g_build_filename(f.e.dir, "cgrules.conf", NULL);
        bad = g_build_filename(f.e.dir, "bad.conf", NULL);
        text = g_strdup_printf("group %s {\n  pids {\n    pids.max = 33;\n  }\n}\n", g);
        rules = g_strdup_printf("nobody\tpids\t%s/\n", g);
        g_assert_true(g_file_set_contents(cgc, text, -1, NULL));
        g_assert_true(g_file_set_contents(cgr, rules, -1, NULL));
        g_assert_true(g_file_set_contents(bad, "group x {\n  pids {\n    pids.max = ;\n", -1, NULL));

        g_assert_cmpint(test_virtctl(&f.e, &out, &err, "import", "--cgconfig", bad, "--cgrules", cgr, NULL), !=, 0);
        expect = g_strdup_printf("%s:3:", bad);
        g_assert_nonnull(strstr(err, expect));
        g_autofree char *mine = g_build_filename(f.e.config_dir, "cgrules.conf", NULL);
        g_assert_false(g_file_test(mine, G_FILE_TEST_EXISTS));
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);

        /* libcgroup's drop-ins next to the main file are read too, in order: the later value wins. */
        g_autofree char *dropins = g_build_filename(f.e.dir, "cgconfig.d", NULL);
        g_autofree char *d10 = g_build_filename(dropins, "10-more.conf", NULL), *d20 = g_build_filename(dropins, "20-override.conf", NULL);
        g_autofree char *g2 = group_name(&f, "imp2");
        g_autofree char *t10 = g_strdup_printf("group %s {\n  pids {\n    pids.max = 44;\n  }\n}\n", g2);
        g_autofree char *t20 = g_strdup_printf("group %s {\n  pids {\n    pids.max = 34;\n  }\n}\n", g);
        g_assert_cmpint(g_mkdir_with_parents(dropins, 0755), ==, 0);
        g_assert_true(g_file_set_contents(d10, t10, -1, NULL));
        g_assert_true(g_file_set_contents(d20, t20, -1, NULL));
        if (test_virtctl(&f.e, &out, &err, "import", "--cgconfig", cgc, "--cgrules", cgr, NULL) != 0)
                g_error("virtctl import: %s", err);
        saved = read_config(&f, "cgconfig.conf");
        g_free(expect);
        expect = g_strdup_printf("group %s {\n\tpids {\n\t\tpids.max = \"34\";\n\t}\n}\n", g);
        g_assert_nonnull(strstr(saved, expect));
        g_free(expect);
        expect = g_strdup_printf("group %s {\n\tpids {\n\t\tpids.max = \"44\";\n\t}\n}\n", g2);
        g_assert_nonnull(strstr(saved, expect));
        g_assert_true(g_file_test(mine, G_FILE_TEST_EXISTS));

        /* Reload (systemctl reload virtd) re-plans and applies. */
        g_clear_pointer(&out, g_free);
        g_assert_cmpint(test_virtctl(&f.e, &out, NULL, "reload", NULL), ==, 0);
        mount = test_cgroup_mount_of("pids");
        file = g_strdup_printf("%s%s/imp/pids.max", mount, f.base);
        g_assert_true(g_file_get_contents(file, &value, NULL, NULL));
        g_assert_cmpstr(g_strstrip(value), ==, "34");
        fixture_stop(&f);
}

/* kill -9 while Save writes: the file is the old or the new version, whole, and it parses. */
static void test_kill_during_save(void) {
        Fixture f;
        g_autofree char *mount = NULL, *before = NULL, *after = NULL;
        sd_bus_message *call = NULL;
        int status;

        fixture_start(&f, false);
        write_groups(&f, "web", "100");
        start_virtd(&f);
        mount = test_cgroup_mount_of("pids");
        before = read_config(&f, "cgconfig.conf");
        g_assert_cmpint(test_sh(NULL, "echo 200 > %s%s/web/pids.max", mount, f.base), ==, 0);
        g_assert_cmpint(sd_bus_message_new_method_call(f.e.bus, &call, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT,
                                                       VIRTD_INTERFACE_MANAGER, "Save"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(call, "t", (uint64_t) 0), >=, 0);
        g_assert_cmpint(sd_bus_send(f.e.bus, call, NULL), >=, 0);
        sd_bus_message_unref(call);
        g_assert_cmpint(sd_bus_flush(f.e.bus), >=, 0);
        g_usleep(g_random_int_range(0, 3000));
        g_assert_cmpint(kill(f.e.virtd_pid, SIGKILL), ==, 0);
        g_assert_cmpint(waitpid(f.e.virtd_pid, &status, 0), ==, f.e.virtd_pid);
        f.e.virtd_pid = 0;

        after = read_config(&f, "cgconfig.conf");
        if (!g_str_equal(after, before)) {
                g_autofree char *g = group_name(&f, "web");
                g_assert_nonnull(strstr(after, "pids.max = \"200\""));
                g_assert_nonnull(strstr(after, g));
        }
        /* Whatever version is there, virtd reads it: the restarted daemon applies it without failures. */
        start_virtd(&f);
        g_autofree char *failures = config_failures(&f);
        g_assert_cmpstr(failures, ==, "");
        fixture_stop(&f);
}

#define NOBODY 65534

static bool has_feature(Fixture *f, const char *name) {
        char **features = NULL;
        bool found;

        g_assert_cmpint(sd_bus_get_property_strv(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                                 "Features", NULL, &features), >=, 0);
        found = g_strv_contains((const char * const *) features, name);
        g_strfreev(features);
        return found;
}

/* The seed's link kinds inside test namespaces: a bridge, and where the kernel has 802.1Q (the qemu lane) a
 * VLAN on the veth; created at start-up, witnessed by iproute2, brought back after being deleted. */
static void test_bridge_and_vlan(void) {
        Fixture f;
        g_autofree char *br = NULL, *vlan = NULL, *net = NULL, *text = NULL, *cmd = NULL, *out = NULL, *plan = NULL;
        bool vlans;

        fixture_start(&f, true);
        if (!has_feature(&f, "bridge")) {
                g_test_skip("the kernel cannot create bridges");
                fixture_stop(&f);
                return;
        }
        vlans = has_feature(&f, "vlan-8021q");
        test_env_stop_virtd(&f.e);
        br = test_unique_name("cbr");
        vlan = g_strdup_printf("%s.10", f.veth_a);
        write_network(&f);
        net = read_config(&f, "network.conf");
        text = g_strdup_printf("%s\nbridge %s {\n\tnamespace = %s;\n\tvlan-filtering = no;\n\taddress = 10.78.0.1/24;\n}\n"
                               "%s%s%s%s%s",
                               net, br, f.ns_b, vlans ? "\nvlan " : "", vlans ? vlan : "",
                               vlans ? " {\n\tparent = " : "", vlans ? f.veth_a : "", "");
        if (vlans) {
                g_autofree char *rest = g_strdup_printf("%s;\n\tid = 10;\n\tnamespace = %s;\n\taddress = 192.168.77.1/24;\n}\n",
                                                        text, f.ns_a);
                g_free(text);
                text = g_steal_pointer(&rest);
        }
        write_config(&f, "network.conf", text);
        start_virtd(&f);
        g_autofree char *failures = config_failures(&f);
        g_assert_cmpstr(failures, ==, "");
        cmd = g_strdup_printf("ip -o -4 addr show dev %s", br);
        out = ns_sh(&f, f.ns_b, cmd);
        g_assert_nonnull(out);
        g_assert_nonnull(strstr(out, "10.78.0.1/24"));
        if (vlans) {
                g_autofree char *vcmd = g_strdup_printf("ip -d -o link show dev %s", vlan);
                g_autofree char *vout = ns_sh(&f, f.ns_a, vcmd);
                g_assert_nonnull(vout);
                g_assert_nonnull(strstr(vout, "vlan protocol 802.1Q id 10"));
        } else if (test_in_vm_guest())
                g_test_fail_printf("virtd reports no 802.1Q in the qemu lane's guest, whose kernel must have it");
        else
                g_test_message("no 802.1Q in this kernel: the VLAN part runs in the qemu lane");
        plan = plan_ok(&f);
        g_assert_cmpstr(plan, ==, "");

        /* Deleted behind virtd's back: the plan creates it again, and apply does. */
        g_free(cmd);
        cmd = g_strdup_printf("ip link delete %s", br);
        g_free(out);
        out = ns_sh(&f, f.ns_b, cmd);
        g_assert_nonnull(out);
        g_free(plan);
        plan = plan_ok(&f);
        g_autofree char *expect = g_strdup_printf("create bridge %s [] [vlan-filtering=no]\n", br);
        g_assert_cmpstr(plan, ==, expect);
        g_free(out);
        out = NULL;
        g_assert_cmpint(test_virtctl(&f.e, &out, NULL, "apply", NULL), ==, 0);
        g_free(plan);
        plan = plan_ok(&f);
        g_assert_cmpstr(plan, ==, "");
        g_free(br);
        g_free(vlan);
        br = vlan = NULL;
        fixture_stop(&f);
}

/* ---- the seed's switch: a VLAN-filtering bridge with access and trunk ports, VLAN links (qemu lane) ---- */

typedef struct Switch {
        char *br, *e[3], *p[3];
} Switch;

static void switch_free(Switch *w) {
        g_free(w->br);
        for (int i = 0; i < 3; i++) {
                g_free(w->e[i]);
                g_free(w->p[i]);
        }
}

/* The man page's example in the run's namespaces: ns_a plays zzns, ns_b the host; eth1–3 are veths into ns_a. */
/* @changed: default PVID 1 on the bridge, access VLAN 11 on eth1, other flags and MTU on the 802.1Q VLAN,
 * 802.1Q instead of 802.1ad on the other (which the kernel can only do by recreating it). */
static char *switch_config(Fixture *f, const Switch *w, bool changed, const char *extra) {
        GString *s = g_string_new(NULL);

        g_string_append_printf(s, "namespace %s {\n\tkinds = net, uts;\n\thostname = zz;\n}\n\n", f->ns_a);
        g_string_append_printf(s, "namespace %s {\n\tkinds = net;\n}\n\n", f->ns_b);
        g_string_append_printf(s, "veth %s {\n\tnamespace = %s;\n\tpeer = %s;\n\tpeer-namespace = %s;\n"
                                  "\tpeer-address = 10.0.0.2/24, fd00:10::2/64;\n\tmtu = 1500;\n\taddress = 10.0.0.1/24, fd00:10::1/64;\n}\n\n",
                               f->veth_a, f->ns_b, f->veth_b, f->ns_a);
        g_string_append_printf(s, "bridge %s {\n\tnamespace = %s;\n\tvlan-filtering = yes;\n\tdefault-pvid = %s;\n}\n\n", w->br, f->ns_b,
                               changed ? "1" : "none");
        for (int i = 0; i < 3; i++)
                g_string_append_printf(s, "veth %s {\n\tnamespace = %s;\n\tpeer = %s;\n\tpeer-namespace = %s;\n}\n\n", w->e[i], f->ns_b,
                                       w->p[i], f->ns_a);
        g_string_append_printf(s, "port %s %s {\n\tmode = access;\n\taccess-vlan = %d;\n}\n\n", w->br, w->e[0], changed ? 11 : 10);
        g_string_append_printf(s, "port %s %s {\n\tmode = access;\n\taccess-vlan = 20;\n}\n\n", w->br, w->e[1]);
        g_string_append_printf(s, "port %s %s {\n\tmode = trunk;\n\tallowed-vlans = 10,20,30-40;\n\tnative-vlan = 99;\n}\n\n", w->br, w->e[2]);
        g_string_append_printf(s, "vlan %s.10 {\n\tparent = %s;\n\tid = 10;\n\tprotocol = 802.1Q;\n\tflags = %s;\n"
                                  "\tingress-qos-map = 0:0,5:5;\n\tegress-qos-map = 0:3,5:5;\n\tnamespace = %s;\n\tmtu = %d;\n"
                                  "\taddress = 192.168.10.1/24;\n}\n\n",
                               f->veth_a, f->veth_a, changed ? "reorder_hdr" : "reorder_hdr,loose_binding", f->ns_b,
                               changed ? 1400 : 1496);
        g_string_append_printf(s, "vlan %s.20 {\n\tparent = %s;\n\tid = 20;\n\tprotocol = %s;\n\tflags = gvrp,mvrp,bridge_binding;\n"
                                  "\tnamespace = %s;\n}\n%s",
                               f->veth_b, f->veth_b, changed ? "802.1Q" : "802.1ad", f->ns_a, extra);
        return g_string_free(s, FALSE);
}

/* `bridge -j vlan show` of one port as "VID FLAGS" lines: the independent witness of a port's table. */
static char *port_table(Fixture *f, const char *port) {
        g_autofree char *cmd = g_strdup_printf("bridge -j vlan show dev %s | jq -r '.[].vlans[] | "
                                               "\"\\(.vlan)\\(if .vlanEnd then \"-\\(.vlanEnd)\" else \"\" end) "
                                               "\\(.flags // [] | join(\",\"))\"'", port);
        char *out = ns_sh(f, f->ns_b, cmd);

        g_assert_nonnull(out);
        return out;
}

#define TRUNK_30_40 "30 \n31 \n32 \n33 \n34 \n35 \n36 \n37 \n38 \n39 \n40 \n"

static void assert_switch(Fixture *f, const Switch *w, int e1_vlan, bool trunk_has_20) {
        g_autofree char *e1 = port_table(f, w->e[0]), *e2 = port_table(f, w->e[1]), *e3 = port_table(f, w->e[2]);
        g_autofree char *want1 = g_strdup_printf("%d PVID,Egress Untagged\n", e1_vlan);
        g_autofree char *bcmd = g_strdup_printf("ip -d -j link show %s | jq -r '.[0].linkinfo.info_data | "
                                                "\"\\(.vlan_filtering) \\(.vlan_default_pvid)\"'", w->br);
        g_autofree char *vcmd = g_strdup_printf("ip -d -j link show %s.10 | jq -r '.[0] | \"\\(.mtu) \\(.linkinfo.info_data | "
                                                "\"\\(.protocol) \\(.id) \\(.flags | join(\",\")) \\(.ingress_qos | map(\"\\(.from):\\(.to)\") | join(\",\")) \\(.egress_qos | map(\"\\(.from):\\(.to)\") | join(\",\"))\")\"'",
                                                f->veth_a);
        g_autofree char *qcmd = g_strdup_printf("ip -d -j link show %s.20 | jq -r '.[0].linkinfo.info_data | "
                                                "\"\\(.protocol) \\(.id) \\(.flags | join(\",\"))\"'", f->veth_b);
        g_autofree char *br = ns_sh(f, f->ns_b, bcmd), *v10 = ns_sh(f, f->ns_b, vcmd), *v20 = ns_sh(f, f->ns_a, qcmd);

        g_assert_cmpstr(e1, ==, want1);
        g_assert_cmpstr(e2, ==, "20 PVID,Egress Untagged\n");
        g_assert_cmpstr(e3, ==, trunk_has_20 ? "10 \n20 \n" TRUNK_30_40 "99 PVID,Egress Untagged\n" : "10 \n" TRUNK_30_40 "99 PVID,Egress Untagged\n");
        g_assert_cmpstr(br, ==, "1 0\n");
        g_assert_nonnull(v10);
        g_assert_nonnull(v20);
        g_assert_cmpstr(v10, ==, "1496 802.1Q 10 REORDER_HDR,LOOSE_BINDING 5:5 0:3,5:5\n");
        g_assert_cmpstr(v20, ==, "802.1ad 20 GVRP,MVRP,BRIDGE_BINDING\n");
}

/* Waits for DriftDetected after @cmd ran in the switch namespace; returns its text. */
static char *drift_after(Fixture *f, const char *cmd) {
        GString *seen = g_string_new(NULL);
        sd_bus_slot *slot = NULL;
        gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
        g_autofree char *out = NULL;

        g_assert_cmpint(sd_bus_match_signal(f->e.bus, &slot, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                            "DriftDetected", on_drift, seen), >=, 0);
        out = ns_sh(f, f->ns_b, cmd);
        g_assert_nonnull(out);
        while (seen->len == 0 && g_get_monotonic_time() < deadline)
                if (sd_bus_process(f->e.bus, NULL) == 0)
                        sd_bus_wait(f->e.bus, 100 * 1000);
        sd_bus_slot_unref(slot);
        return g_string_free(seen, FALSE);
}

/* The seed's whole example on the real kernel: applied at start-up, witnessed by iproute2; drift after
 * `bridge vlan del`; an apply failing at its last step puts the ports back; a restart after deleting
 * everything brings it all back, and Save is byte-stable. */
static void test_switch_ports(void) {
        Fixture f;
        Switch w = {};
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *text = NULL, *plan = NULL, *failures = NULL, *drift = NULL, *expect = NULL, *steps = NULL;
        g_autofree char *bad = NULL, *del = NULL, *net1 = NULL, *net2 = NULL;

        fixture_start(&f, true);
        if (!has_feature(&f, "vlan-8021q") || !has_feature(&f, "vlan-8021ad") || !has_feature(&f, "bridge-vlan-filtering")) {
                test_skip_unless_vm_guest("this kernel has no 802.1Q/802.1ad or bridge VLAN filtering (runs in the real-kernel lane)");
                fixture_stop(&f);
                return;
        }
        test_env_stop_virtd(&f.e);
        w.br = test_unique_name("sbr");
        for (int i = 0; i < 3; i++) {
                w.e[i] = test_unique_name("se");
                w.p[i] = test_unique_name("sp");
        }
        text = switch_config(&f, &w, false, "");
        write_config(&f, "network.conf", text);
        gint64 t0 = g_get_monotonic_time();
        start_virtd(&f);
        g_test_message("start-up with the example's 12 steps until READY=1: %.0f ms", (g_get_monotonic_time() - t0) / 1000.0);
        failures = config_failures(&f);
        g_assert_cmpstr(failures, ==, "");
        assert_switch(&f, &w, 10, true);
        plan = plan_ok(&f);
        g_assert_cmpstr(plan, ==, "");

        /* A trunk VLAN removed behind virtd's back: drift names the port, Plan has exactly that change. */
        del = g_strdup_printf("bridge vlan del dev %s vid 20", w.e[2]);
        drift = drift_after(&f, del);
        expect = g_strdup_printf("port %s: mode=trunk allowed-vlans=10,30-40 native-vlan=99, saved mode=trunk "
                                 "allowed-vlans=10,20,30-40 native-vlan=99\n", w.e[2]);
        g_assert_cmpstr(drift, ==, expect);
        g_free(plan);
        plan = plan_ok(&f);
        g_free(expect);
        expect = g_strdup_printf("change port %s %s [mode=trunk allowed-vlans=10,30-40 native-vlan=99] "
                                 "[mode=trunk allowed-vlans=10,20,30-40 native-vlan=99]\n", w.e[2], w.br);
        g_assert_cmpstr(plan, ==, expect);

        /* A bridge change, access VLAN 10 → 11, the trunk repair, a VLAN change in place and one by recreating it,
         * then a VLAN on a missing parent fails: Plan lists exactly these, and Apply puts everything back. */
        bad = g_strdup_printf("\nvlan %s.7 {\n\tparent = nosuchlink;\n\tid = 7;\n\tnamespace = %s;\n}\n", f.veth_a, f.ns_b);
        g_free(text);
        text = switch_config(&f, &w, true, bad);
        write_config(&f, "network.conf", text);
        g_free(plan);
        plan = plan_ok(&f);
        g_free(expect);
        expect = g_strdup_printf(
                "change bridge %s [default-pvid=none] [default-pvid=1]\n"
                "change port %s %s [mode=access access-vlan=10] [mode=access access-vlan=11]\n"
                "change port %s %s [mode=trunk allowed-vlans=10,30-40 native-vlan=99] [mode=trunk allowed-vlans=10,20,30-40 native-vlan=99]\n"
                "change vlan %s.10 [flags=reorder_hdr,loose_binding mtu=1496] [flags=reorder_hdr mtu=1400]\n"
                "change vlan %s.20 [protocol=802.1ad] [protocol=802.1Q]\n"
                "create vlan %s.7 [] [parent=nosuchlink id=7]\n",
                w.br, w.e[0], w.br, w.e[2], w.br, f.veth_a, f.veth_b, f.veth_a);
        g_assert_cmpstr(plan, ==, expect);
        t0 = g_get_monotonic_time();
        steps = call_steps(&f, "Apply", &error);
        g_test_message("Apply failing at step 6 of 6, with rollback: %.0f ms", (g_get_monotonic_time() - t0) / 1000.0);
        g_assert_null(steps);
        g_assert_nonnull(strstr(error.message, "Step 6 of 6"));
        g_assert_nonnull(strstr(error.message, "nosuchlink"));
        sd_bus_error_free(&error);
        assert_switch(&f, &w, 10, false);

        /* The example again: apply repairs the trunk, and nothing is left to do. */
        g_free(text);
        text = switch_config(&f, &w, false, "");
        write_config(&f, "network.conf", text);
        steps = call_steps(&f, "Apply", &error);
        if (!steps)
                g_error("Apply: %s", error.message);
        assert_switch(&f, &w, 10, true);
        g_free(plan);
        plan = plan_ok(&f);
        g_assert_cmpstr(plan, ==, "");
        save_ok(&f);
        net1 = read_config(&f, "network.conf");

        /* Everything deleted (the namespaces take their links with them), then a restart brings it all back. */
        test_env_stop_virtd(&f.e);
        /* zzns has a uts namespace too, whose file lives in the state directory. */
        test_umount_below(f.e.dir);
        test_sh(NULL, "rm -rf %s/%s %s/%s %s/ns/%s", f.netns_dir, f.ns_a, f.netns_dir, f.ns_b, f.e.state_dir, f.ns_a);
        start_virtd(&f);
        g_free(failures);
        failures = config_failures(&f);
        g_assert_cmpstr(failures, ==, "");
        assert_switch(&f, &w, 10, true);
        save_ok(&f);
        net2 = read_config(&f, "network.conf");
        g_assert_cmpstr(net1, ==, net2);
        switch_free(&w);
        fixture_stop(&f);
}

/* Plan(), or with userdata the named mutating method with flags 0; 0 on success, 10 on AccessDenied, else 1. */
static int call_as_nobody(sd_bus *bus, void *userdata) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *method = userdata ? userdata : "Plan";
        int r;

        if (userdata)
                r = sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, method, &error, NULL,
                                       "t", (uint64_t) 0);
        else
                r = sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, method, &error, NULL, "");
        if (r >= 0)
                return 0;
        fprintf(stderr, "%s as nobody: %s: %s\n", method, error.name, error.message);
        return sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED) ? 10 : 1;
}

/* Plan is open to everyone; Apply and Save need manage-config; unknown flag bits are refused by name. */
static void test_authorization(void) {
        const char *manage[] = { VIRTD_ACTION_MANAGE_CONFIG, NULL };
        sd_bus_error error = SD_BUS_ERROR_NULL;
        Fixture f;

        fixture_start_full(&f, true, true);
        g_assert_cmpint(test_fork_as(&f.e, NOBODY, NOBODY, call_as_nobody, NULL), ==, 0);
        g_assert_cmpint(test_fork_as(&f.e, NOBODY, NOBODY, call_as_nobody, (void *) "Apply"), ==, 10);
        g_assert_cmpint(test_fork_as(&f.e, NOBODY, NOBODY, call_as_nobody, (void *) "Save"), ==, 10);
        test_env_polkit_allow(&f.e, manage);
        g_assert_cmpint(test_fork_as(&f.e, NOBODY, NOBODY, call_as_nobody, (void *) "Apply"), ==, 0);

        g_assert_cmpint(sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "Apply",
                                           &error, NULL, "t", (uint64_t) 1 << 40), <, 0);
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_INVALID_ARGUMENT);
        g_assert_nonnull(strstr(error.message, "Apply"));
        sd_bus_error_free(&error);
        fixture_stop(&f);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/config/boot-apply-restart-roundtrip", test_boot_apply_restart_roundtrip);
        g_test_add_func("/config/plan-and-rollback", test_plan_and_rollback);
        g_test_add_func("/config/cgsnapshot-file", test_cgsnapshot_file);
        g_test_add_func("/config/bridge-and-vlan", test_bridge_and_vlan);
        g_test_add_func("/config/switch-ports", test_switch_ports);
        g_test_add_func("/config/import", test_import);
        g_test_add_func("/config/authorization", test_authorization);
        g_test_add_func("/config/kill-during-save", test_kill_during_save);
        return g_test_run();
}
