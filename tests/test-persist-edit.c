/* test-persist-edit.c: one object changed in a parsed file, and kernel-rewritten cgroup values compared. */
#include <glib.h>
#include <string.h>

#include "cg-value.h"
#include "persist-edit.h"

static CgConfig *cg_parse(const char *text) {
        CgConfig *c = NULL;
        ConfError err = {};

        if (cgconfig_parse(text, strlen(text), "test", &c, &err) < 0)
                g_error("parse: %s", err.message);
        return c;
}

static NetConfig *net_parse(const char *text) {
        NetConfig *c = NULL;
        ConfError err = {};

        if (netconf_parse(text, strlen(text), "test", &c, &err) < 0)
                g_error("parse: %s", err.message);
        return c;
}

static char *cg_text(CgConfig *c) {
        char *s = NULL;

        g_assert_cmpint(cgconfig_serialize(c, &s), ==, 0);
        return s;
}

static char *net_text(NetConfig *c) {
        char *s = NULL;

        g_assert_cmpint(netconf_serialize(c, &s), ==, 0);
        return s;
}

static void test_group_edit(void) {
        CgConfig *c = cg_parse("group a {\n\tcpu {\n\t\tcpu.shares = \"100\";\n\t}\n}\n"
                               "group a/b {\n\tcpu {\n\t}\n}\ngroup other {\n\tpids {\n\t}\n}\n");
        char *params[] = { "cpu.shares", "512", "pids.max", "10", NULL };
        char *controllers[] = { "cpu", "pids", NULL };
        g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL;

        /* A value replaced, a controller section added, the other group untouched. */
        g_assert_cmpint(cgconfig_edit_group(c, "a", controllers, params, NULL), ==, 0);
        t1 = cg_text(c);
        g_assert_nonnull(strstr(t1, "group a {\n\tcpu {\n\t\tcpu.shares = \"512\";\n\t}\n\tpids {\n\t\tpids.max = \"10\";\n\t}\n}\n"));
        g_assert_nonnull(strstr(t1, "group other {"));
        /* A new group; an unknown parameter's controller is refused. */
        g_assert_cmpint(cgconfig_edit_group(c, "new", controllers, NULL, NULL), ==, 0);
        char *bad[] = { "nosuch", "1", NULL };
        g_assert_cmpint(cgconfig_edit_group(c, "new", NULL, bad, NULL), <, 0);
        /* Non-recursive removal leaves the child; recursive takes it, and not "other". */
        g_assert_cmpint(cgconfig_edit_remove_group(c, "a", false), ==, 1);
        t2 = cg_text(c);
        g_assert_nonnull(strstr(t2, "group a/b {"));
        g_assert_cmpint(cgconfig_edit_remove_group(c, "a", true), ==, 1);
        g_assert_cmpint(cgconfig_edit_remove_group(c, "nothing", true), ==, 0);
        t3 = cg_text(c);
        g_assert_null(strstr(t3, "group a"));
        g_assert_nonnull(strstr(t3, "group other {"));
        g_assert_nonnull(strstr(t3, "group new {"));
        cgconfig_free(c);
}

static const char network[] =
        "namespace zz {\n\tkinds = net;\n}\n\n"
        "namespace yy {\n\tkinds = net;\n}\n\n"
        "veth v0 {\n\tnamespace = zz;\n\tpeer = v1;\n\tpeer-namespace = yy;\n\taddress = 10.0.0.1/24;\n}\n\n"
        "veth h0 {\n\tpeer = h1;\n}\n\n"
        "vlan h0.10 {\n\tparent = h0;\n\tid = 10;\n}\n\n"
        "vlan v1.20 {\n\tnamespace = yy;\n\tparent = v1;\n\tid = 20;\n}\n";

static void test_net_edit(void) {
        NetConfig *c = net_parse(network);
        bool peer = false;
        g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL;

        /* Either end finds the veth section. */
        g_assert_nonnull(netconf_edit_find_link(c, "v1", "yy", &peer));
        g_assert_true(peer);
        g_assert_null(netconf_edit_find_link(c, "v1", NULL, NULL));
        g_assert_cmpint(netconf_edit_address(c, "v1", "yy", "10.0.0.2/24", true), >=, 0);
        g_assert_cmpint(netconf_edit_address(c, "v0", "zz", "10.0.0.1/24", false), ==, 1);
        g_assert_cmpint(netconf_edit_address(c, "nope", NULL, "10.0.0.9/24", true), ==, -ENOENT);
        t1 = net_text(c);
        g_assert_nonnull(strstr(t1, "peer-address = 10.0.0.2/24;"));
        g_assert_null(strstr(t1, "address = 10.0.0.1/24;"));

        /* Deleting the host pair by its peer end takes the VLAN on the other end with it. */
        g_assert_cmpint(netconf_edit_remove_link(c, "h1", NULL), ==, 2);
        g_assert_cmpint(netconf_edit_remove_link(c, "h0", NULL), ==, 0);
        t2 = net_text(c);
        g_assert_null(strstr(t2, "veth h0"));
        g_assert_null(strstr(t2, "vlan h0.10"));

        /* Deleting namespace yy removes the pair reaching into it and the VLAN inside; zz stays. */
        g_assert_cmpint(netconf_edit_remove_namespace(c, "yy"), ==, 3);
        t3 = net_text(c);
        g_assert_cmpstr(t3, ==, "namespace zz {\n\tkinds = net;\n}\n");
        netconf_free(c);
}

static void test_value_equal(void) {
        g_assert_true(cg_value_equal("memory.limit_in_bytes", "64M", "67108864\n"));
        g_assert_true(cg_value_equal("memory.max", "1G", "1073741824"));
        g_assert_true(cg_value_equal("memory.max", "max", "max\n"));
        g_assert_true(cg_value_equal("memory.limit_in_bytes", "-1", "9223372036854771712"));
        g_assert_true(cg_value_equal("cpuset.cpus", "0,1,2", "0-2\n"));
        g_assert_true(cg_value_equal("pids.max", "100", "100"));
        g_assert_false(cg_value_equal("memory.limit_in_bytes", "64M", "67108865"));
        g_assert_false(cg_value_equal("cpuset.cpus", "0,2", "0-2"));
        g_assert_false(cg_value_equal("cpu.shares", "512", "1024"));
        g_assert_false(cg_value_equal("devices.list", "a *:* rwm", "c 1:3 rwm"));
        g_assert_false(cg_value_equal("memory.max", "64X", "64"));
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/persist-edit/group", test_group_edit);
        g_test_add_func("/persist-edit/network", test_net_edit);
        g_test_add_func("/persist-edit/value-equal", test_value_equal);
        return g_test_run();
}
