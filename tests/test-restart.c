/* test-restart.c: a restarted virtd re-adopts what it created from the kernel and its ownership record, lists
 * each object once, and leaves alone what others made next to it. */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "fault-fixture.h"
#include "virtd-bus.h"

typedef struct Restart {
        FaultFixture f;
        char *ns_keep, *ns_drop, *ns_foreign, *veth_a, *veth_b, *link_foreign, *link_foreign_peer;
        char *pids; /* the pids hierarchy (v1) or the unified tree */
} Restart;

static char *network_text(Restart *t, bool with_drop) {
        if (!with_drop)
                return g_strdup_printf("namespace %s {\n\tkinds = net;\n}\n", t->ns_keep);
        return g_strdup_printf("namespace %s {\n\tkinds = net;\n}\n\nnamespace %s {\n\tkinds = net;\n}\n\n"
                               "veth %s {\n\tnamespace = %s;\n\tpeer = %s;\n\tpeer-namespace = %s;\n"
                               "\taddress = 10.80.0.1/24;\n\tpeer-address = 10.80.0.2/24;\n}\n",
                               t->ns_keep, t->ns_drop, t->veth_a, t->ns_keep, t->veth_b, t->ns_drop);
}

static char *groups_text(Restart *t, bool with_drop) {
        g_autofree char *keep = fault_group_name(&t->f, "keep"), *drop = fault_group_name(&t->f, "drop");
        g_autofree char *text = g_strdup_printf("group %s {\n\tpids {\n\t\tpids.max = \"30\";\n\t}\n}\n", keep);

        if (!with_drop)
                return g_steal_pointer(&text);
        return g_strdup_printf("group %s {\n\tpids {\n\t\tpids.max = \"40\";\n\t}\n}\n\n%s", drop, text);
}

static void write_files(Restart *t, bool with_drop) {
        g_autofree char *cg = groups_text(t, with_drop), *net = network_text(t, with_drop);

        fault_write_config(&t->f, "cgconfig.conf", cg);
        fault_write_config(&t->f, "network.conf", net);
}

/* Objects made behind virtd's back: a namespace bound in its directory, a veth pair in one of its namespaces,
 * a group below its base. */
static void make_foreign(Restart *t) {
        g_autofree char *group = g_strdup_printf("%s%s/foreign", t->pids, t->f.base);

        g_assert_cmpint(test_sh(NULL, "touch %s/%s && unshare --net=%s/%s true", t->f.netns_dir, t->ns_foreign,
                                t->f.netns_dir, t->ns_foreign), ==, 0);
        g_assert_cmpint(test_sh(NULL, "nsenter --net=%s/%s ip link add %s type veth peer name %s", t->f.netns_dir,
                                t->ns_keep, t->link_foreign, t->link_foreign_peer), ==, 0);
        g_assert_cmpint(g_mkdir_with_parents(group, 0755), ==, 0);
}

/* Everything below the test's names as text, and what virtd lists: each object once. */
static char *state(Restart *t) {
        g_autofree char *groups = fault_groups(&t->f), *namespaces = fault_namespaces(&t->f);
        g_autofree char *links = fault_links(&t->f, t->ns_keep);
        g_autofree char *listed_ns = fault_list_names(&t->f, "ListNamespaces", "saso", 0, NULL);
        g_autofree char *listed_groups = fault_list_names(&t->f, "ListGroups", "saso", 0, NULL);
        g_autofree char *listed_links = fault_list_names(&t->f, "ListLinks", "ssisssuaso", 1, t->ns_keep);

        return g_strdup_printf("groups:\n%snamespaces:\n%slinks in %s:\n%slisted namespaces:\n%slisted groups:\n%s"
                               "listed links in %s:\n%s",
                               groups, namespaces, t->ns_keep, links, listed_ns, listed_groups, t->ns_keep, listed_links);
}

static void assert_no_duplicates(const char *listing) {
        g_auto(GStrv) lines = g_strsplit(listing, "\n", -1);

        for (guint i = 1; lines[i]; i++)
                if (*lines[i] && g_str_equal(lines[i], lines[i - 1]))
                        g_error("%s appears twice:\n%s", lines[i], listing);
}

static void assert_listed_once(Restart *t) {
        g_autofree char *ns = fault_list_names(&t->f, "ListNamespaces", "saso", 0, NULL);
        g_autofree char *groups = fault_list_names(&t->f, "ListGroups", "saso", 0, NULL);
        g_autofree char *links = fault_list_names(&t->f, "ListLinks", "ssisssuaso", 1, t->ns_keep);

        assert_no_duplicates(ns);
        assert_no_duplicates(groups);
        assert_no_duplicates(links);
}

static char *plan(Restart *t) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        GString *s = g_string_new(NULL);
        const char *action, *kind, *name, *before, *after;

        if (sd_bus_call_method(t->f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "Plan", &error,
                               &reply, "") < 0)
                g_error("Plan: %s", error.message);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(sssss)"), >=, 0);
        while (sd_bus_message_read(reply, "(sssss)", &action, &kind, &name, &before, &after) > 0)
                g_string_append_printf(s, "%s %s %s\n", action, kind, name);
        sd_bus_message_unref(reply);
        return g_string_free(s, FALSE);
}

static void apply_ok(Restart *t) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        if (fault_call(&t->f, "Apply", &error) < 0)
                g_error("Apply: %s", error.message);
}

static void restart_test_init(Restart *t) {
        g_autofree char *v1 = fault_v1_mount("pids");

        fault_fixture_start(&t->f);
        t->pids = v1 ? g_steal_pointer(&v1) : g_strdup("/sys/fs/cgroup");
        t->ns_keep = test_unique_name("frk");
        t->ns_drop = test_unique_name("frd");
        t->ns_foreign = test_unique_name("frx");
        t->veth_a = test_unique_name("frv");
        t->veth_b = test_unique_name("frv");
        t->link_foreign = test_unique_name("frl");
        t->link_foreign_peer = test_unique_name("frl");
}

static void restart_test_done(Restart *t) {
        fault_fixture_stop(&t->f);
        g_free(t->pids), g_free(t->ns_keep), g_free(t->ns_drop), g_free(t->ns_foreign);
        g_free(t->veth_a), g_free(t->veth_b), g_free(t->link_foreign), g_free(t->link_foreign_peer);
}

/* What a virtd killed inside a namespace deletion leaves: the file, nothing bound on it. The veth pair goes
 * with the namespace, once the kernel has cleaned it up. */
static void leave_stale_file(Restart *t) {
        g_autofree char *path = g_build_filename(t->f.netns_dir, t->ns_drop, NULL);

        g_assert_cmpint(umount2(path, MNT_DETACH), ==, 0);
        g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
        for (int i = 0;; i++) {
                g_autofree char *links = fault_links(&t->f, t->ns_keep);

                if (!strstr(links, t->veth_a))
                        break;
                g_assert_cmpint(i, <, 500);
                g_usleep(10000);
        }
}

/* After a clean stop, after kill -9, without the ownership record (a Save killed before writing it) and with
 * an unbound namespace file (a kill inside a namespace deletion): the same objects, listed once, no step
 * planned; an Apply then touches nothing of the others', and a file that drops virtd's objects deletes those
 * and only those. */
static void test_readopt(gconstpointer data) {
        const char *how = data;
        Restart t = {};
        g_autofree char *before = NULL, *after = NULL, *steps = NULL, *owned = NULL, *final = NULL;
        g_autofree char *owned_path = NULL, *foreign_group = NULL;

        restart_test_init(&t);
        write_files(&t, true);
        fault_start_virtd(&t.f);
        make_foreign(&t);
        before = state(&t);

        if (g_str_equal(how, "kill"))
                fault_kill_virtd(&t.f);
        else
                test_env_stop_virtd(&t.f.e);
        owned_path = g_build_filename(t.f.e.state_dir, "owned", NULL);
        if (g_str_equal(how, "no-record"))
                g_assert_cmpint(unlink(owned_path), ==, 0);
        if (g_str_equal(how, "stale-file"))
                leave_stale_file(&t);
        fault_start_virtd(&t.f);
        after = state(&t);
        assert_text(after, before);
        assert_listed_once(&t);
        steps = plan(&t);
        assert_text(steps, "");
        apply_ok(&t);
        g_free(after);
        after = state(&t);
        assert_text(after, before);

        /* The record names virtd's objects again and none of the others'. */
        g_assert_true(g_file_get_contents(owned_path, &owned, NULL, NULL));
        g_assert_nonnull(strstr(owned, t.ns_drop));
        g_assert_nonnull(strstr(owned, t.veth_a));
        g_assert_null(strstr(owned, t.ns_foreign));
        g_assert_null(strstr(owned, t.link_foreign));
        g_assert_null(strstr(owned, "foreign"));

        write_files(&t, false);
        apply_ok(&t);
        final = fault_namespaces(&t.f);
        g_assert_null(strstr(final, t.ns_drop));
        g_assert_nonnull(strstr(final, t.ns_keep));
        g_assert_nonnull(strstr(final, t.ns_foreign));
        g_free(final);
        final = fault_links(&t.f, t.ns_keep);
        g_assert_null(strstr(final, t.veth_a));
        g_assert_nonnull(strstr(final, t.link_foreign));
        g_free(final);
        final = fault_groups(&t.f);
        g_assert_null(strstr(final, ":drop\n"));
        g_assert_nonnull(strstr(final, ":keep\n"));
        g_assert_nonnull(strstr(final, ":foreign\n"));
        foreign_group = g_strdup_printf("%s%s/foreign", t.pids, t.f.base);
        g_assert_true(g_file_test(foreign_group, G_FILE_TEST_IS_DIR));
        restart_test_done(&t);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_data_func("/restart/readopt-after-stop", "stop", test_readopt);
        g_test_add_data_func("/restart/readopt-after-kill", "kill", test_readopt);
        g_test_add_data_func("/restart/readopt-without-record", "no-record", test_readopt);
        g_test_add_data_func("/restart/readopt-stale-namespace-file", "stale-file", test_readopt);
        return g_test_run();
}
