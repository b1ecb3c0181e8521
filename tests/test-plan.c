/* test-plan.c: plan computation between desired and live configurations, and Save's refresh, on pure structs. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "plan.h"

static CgConfig *cg(const char *text) {
        CgConfig *c = NULL;
        ConfError err = {};

        if (cgconfig_parse(text, strlen(text), "cgconfig.conf", &c, &err) < 0)
                g_error("cgconfig: %u: %s", err.line, err.message);
        return c;
}

static NetConfig *net(const char *text) {
        NetConfig *c = NULL;
        ConfError err = {};

        if (netconf_parse(text, strlen(text), "network.conf", &c, &err) < 0)
                g_error("network.conf: %u: %s", err.line, err.message);
        return c;
}

static char *plan_text(const char *want_cg, const char *want_net, const char *live_cg, const char *live_net,
                       const char * const *owned) {
        CgConfig *wc = cg(want_cg), *lc = cg(live_cg);
        NetConfig *wn = net(want_net), *ln = net(live_net);
        GString *s = g_string_new(NULL);
        Plan *p = NULL;

        g_assert_cmpint(config_plan(wc, wn, lc, ln, (char * const *) owned, &p), ==, 0);
        for (size_t i = 0; i < p->n_steps; i++) {
                const PlanStep *st = &p->steps[i];
                g_string_append_printf(s, "%s %s %s%s%s [%s] [%s] (%s)\n", plan_action_to_string(st->action),
                                       plan_kind_to_string(st->kind), st->name, st->param ? " " : "",
                                       st->param ? st->param : "", st->old_value, st->new_value, st->top);
        }
        plan_free(p);
        cgconfig_free(wc);
        cgconfig_free(lc);
        netconf_free(wn);
        netconf_free(ln);
        return g_string_free(s, FALSE);
}

#define NET_WANT                                                                                         \
        "veth v0 {\n\tnamespace = b;\n\tpeer = v1;\n\tpeer-namespace = a;\n\taddress = 10.0.0.1/24;\n}\n"  \
        "namespace a {\n\tkinds = net;\n}\n"                                                               \
        "namespace b {\n\tkinds = net, uts;\n\thostname = bb;\n}\n"

/* Dependency order: both namespaces before the veth that the file lists first; parents before children. */
static void test_create_order(void) {
        g_autofree char *t = plan_text("group v/a/b { pids { pids.max = \"5\"; } }\ngroup v/a { pids { } }\n", NET_WANT, "",
                                       "", NULL);

        g_assert_cmpstr(t, ==,
                        "create namespace a [] [kinds=net] (namespace a)\n"
                        "create namespace b [] [kinds=net,uts hostname=bb] (namespace b)\n"
                        "create veth v0 [] [peer=v1 peer-namespace=a address=10.0.0.1/24] (veth v0)\n"
                        "create group v/a [] [pids] (group v/a)\n"
                        "create group v/a/b [] [pids pids.max=5] (group v/a/b)\n");
}

/* Only the differences: a changed parameter with old and new value, a missing address; nothing else. */
static void test_differences_only(void) {
        g_autofree char *t = plan_text(
                "group v/a { pids { pids.max = \"5\"; } cpu { cpu.shares = \"512\"; } }\n", NET_WANT,
                "group v/a { pids { pids.max = \"7\"; } cpu { cpu.shares = \"512\"; } }\n",
                "namespace a {\n\tkinds = net;\n}\nnamespace b {\n\tkinds = net;\n}\n"
                "veth v0 {\n\tnamespace = b;\n\tpeer = v1;\n\tpeer-namespace = a;\n}\n",
                NULL);

        g_assert_cmpstr(t, ==,
                        "create address v0 10.0.0.1/24 [] [10.0.0.1/24] (veth v0)\n"
                        "change parameter v/a pids.max [7] [5] (group v/a)\n");
}

/* Deletes only what virtd owns, children before parents, links before their namespace. */
static void test_deletes_owned_only(void) {
        const char * const owned[] = { "group v/x", "group v/x/y", "namespace gone", "veth vg", NULL };
        g_autofree char *t = plan_text("", "",
                                       "group v/x { pids { } }\ngroup v/x/y { pids { } }\ngroup v/admins { pids { } }\n",
                                       "namespace gone {\n\tkinds = net;\n}\nnamespace theirs {\n\tkinds = net;\n}\n"
                                       "veth vg {\n\tnamespace = gone;\n\tpeer = vh;\n}\n",
                                       owned);

        g_assert_cmpstr(t, ==,
                        "delete group v/x/y [present] [] (group v/x/y)\n"
                        "delete group v/x [present] [] (group v/x)\n"
                        "delete veth vg [present] [] (veth vg)\n"
                        "delete namespace gone [present] [] (namespace gone)\n");
}

static void test_equal_is_empty(void) {
        const char *g = "group v/a { pids { pids.max = \"5\"; } }\n";
        g_autofree char *t = plan_text(g, NET_WANT, g, NET_WANT, NULL);

        g_assert_cmpstr(t, ==, "");
}

/* Save: values follow the live state, vanished groups go, new live groups come with their controllers. */
static void test_refresh(void) {
        CgConfig *want = cg("group v/a { pids { pids.max = \"5\"; } }\ngroup v/gone { pids { } }\n");
        CgConfig *live = cg("group v/a { pids { pids.max = \"9\"; } }\ngroup v/new { cpu { } pids { } }\n");
        g_autofree char *text = NULL;

        g_assert_cmpint(config_refresh(want, live, NULL, NULL), ==, 0);
        g_assert_cmpint(cgconfig_serialize(want, &text), ==, 0);
        g_assert_nonnull(strstr(text, "pids.max = \"9\""));
        g_assert_null(strstr(text, "gone"));
        g_assert_nonnull(strstr(text, "group v/new"));
        cgconfig_free(want);
        cgconfig_free(live);
}

#define SWITCH_WANT                                                                                       \
        "bridge br0 {\n\tvlan-filtering = yes;\n\tdefault-pvid = none;\n}\n"                               \
        "port br0 eth1 {\n\tmode = access;\n\taccess-vlan = 10;\n}\n"                                       \
        "port br0 eth3 {\n\tmode = trunk;\n\tallowed-vlans = 10,20,30-40;\n\tnative-vlan = 99;\n}\n"        \
        "vlan v.10 {\n\tparent = v;\n\tid = 10;\n\tflags = reorder_hdr;\n\tingress-qos-map = 0:0,5:5;\n}\n"

/* Bridges, ports and VLANs: exactly the differing settings as old → new, a missing port created after its
 * bridge, an owned port the file dropped released, a VLAN id change (which the kernel cannot do) recreating. */
static void test_switch_differences(void) {
        const char * const owned[] = { "port br0 eth9", NULL };
        g_autofree char *same = plan_text("", SWITCH_WANT, "", SWITCH_WANT, NULL);
        g_autofree char *t = plan_text(
                "", SWITCH_WANT, "",
                "bridge br0 {\n\tvlan-filtering = yes;\n\tdefault-pvid = 1;\n}\n"
                "port br0 eth3 {\n\tmode = trunk;\n\tallowed-vlans = 10,30-40;\n\tnative-vlan = 99;\n}\n"
                "port br0 eth9 {\n\tmode = access;\n\taccess-vlan = 5;\n}\n"
                "vlan v.10 {\n\tparent = v;\n\tid = 11;\n\tflags = gvrp;\n\tingress-qos-map = 5:5;\n}\n",
                owned);

        g_assert_cmpstr(same, ==, "");
        g_assert_cmpstr(t, ==,
                        "change bridge br0 [default-pvid=1] [default-pvid=none] (bridge br0)\n"
                        "create port eth1 br0 [] [mode=access access-vlan=10] (port br0 eth1)\n"
                        "change port eth3 br0 [mode=trunk allowed-vlans=10,30-40 native-vlan=99] "
                        "[mode=trunk allowed-vlans=10,20,30-40 native-vlan=99] (port br0 eth3)\n"
                        "change vlan v.10 [id=11 flags=gvrp] [id=10 flags=reorder_hdr] (vlan v.10)\n"
                        "delete port eth9 br0 [present] [] (port br0 eth9)\n");
}

/* Owned links the file dropped: ports leave their bridge first, VLANs go before the links they sit on, the
 * namespace last; a bridge nobody owns stays. */
static void test_deletes_links_order(void) {
        const char * const owned[] = { "namespace n", "bridge br0", "vlan v.5", "veth v", "port br0 p", NULL };
        g_autofree char *t = plan_text("", "", "",
                                       "namespace n {\n\tkinds = net;\n}\n"
                                       "bridge br0 {\n\tnamespace = n;\n\tvlan-filtering = yes;\n}\n"
                                       "bridge theirs {\n\tnamespace = n;\n}\n"
                                       "veth v {\n\tnamespace = n;\n\tpeer = w;\n}\n"
                                       "vlan v.5 {\n\tnamespace = n;\n\tparent = v;\n\tid = 5;\n}\n"
                                       "port br0 p {\n\tmode = access;\n\taccess-vlan = 5;\n}\n",
                                       owned);

        g_assert_cmpstr(t, ==,
                        "delete port p br0 [present] [] (port br0 p)\n"
                        "delete vlan v.5 [present] [] (vlan v.5)\n"
                        "delete veth v [present] [] (veth v)\n"
                        "delete bridge br0 [present] [] (bridge br0)\n"
                        "delete namespace n [present] [] (namespace n)\n");
}

/* A kernel table no mode describes (a PVID that is tagged, an untagged VLAN that is no PVID) is shown entry by
 * entry; a trunk with native VLAN 1 as such. */
static void test_kernel_table(void) {
        const char *bridge = "bridge br0 {\n\tvlan-filtering = yes;\n}\n";
        g_autofree char *want_text = g_strdup_printf("%sport br0 p {\n\tmode = access;\n\taccess-vlan = 10;\n}\n", bridge);
        NetConfig *want = net(want_text), *live = net(want_text);
        NetObject *port = &live->objects[1];
        Plan *p = NULL;

        port->kernel_table = true;
        port->port_entries = g_new0(BridgeVlanEntry, 2);
        port->port_entries[0] = (BridgeVlanEntry) { .vid = 5, .pvid = true };
        port->port_entries[1] = (BridgeVlanEntry) { .vid = 7, .untagged = true };
        port->n_port_entries = 2;
        g_assert_cmpint(config_plan(NULL, want, NULL, live, NULL, &p), ==, 0);
        g_assert_cmpuint(p->n_steps, ==, 1);
        g_assert_cmpstr(p->steps[0].old_value, ==, "vlans=5(pvid),7(untagged)");
        g_assert_cmpstr(p->steps[0].new_value, ==, "mode=access access-vlan=10");
        plan_free(p);

        port->port_entries[0] = (BridgeVlanEntry) { .vid = 1, .pvid = true, .untagged = true };
        port->port_entries[1] = (BridgeVlanEntry) { .vid = 5 };
        g_assert_cmpint(config_plan(NULL, want, NULL, live, NULL, &p), ==, 0);
        g_assert_cmpstr(p->steps[0].old_value, ==, "mode=trunk allowed-vlans=5 native-vlan=1");
        plan_free(p);

        /* The kernel's table equal to the mode's: nothing to do. */
        port->port_entries[0] = (BridgeVlanEntry) { .vid = 10, .pvid = true, .untagged = true };
        port->n_port_entries = 1;
        g_assert_cmpint(config_plan(NULL, want, NULL, live, NULL, &p), ==, 0);
        g_assert_cmpuint(p->n_steps, ==, 0);
        plan_free(p);
        netconf_free(want);
        netconf_free(live);
}

/* Save: a port takes its live table, an owned live port the file lacks is added after its bridge. */
static void test_refresh_ports(void) {
        NetConfig *want = net(SWITCH_WANT);
        NetConfig *live = net("bridge br0 {\n\tvlan-filtering = yes;\n\tdefault-pvid = none;\n}\n"
                              "port br0 eth1 {\n\tmode = access;\n\taccess-vlan = 20;\n}\n"
                              "port br0 eth2 {\n\tmode = access;\n\taccess-vlan = 30;\n}\n");
        g_autofree char *text = NULL;

        g_assert_cmpint(config_refresh(NULL, NULL, want, live), ==, 0);
        g_assert_cmpint(netconf_serialize(want, &text), ==, 0);
        g_assert_cmpstr(text, ==,
                        "bridge br0 {\n\tvlan-filtering = yes;\n\tdefault-pvid = none;\n}\n\n"
                        "port br0 eth1 {\n\tmode = access;\n\taccess-vlan = 20;\n}\n\n"
                        "port br0 eth2 {\n\tmode = access;\n\taccess-vlan = 30;\n}\n");
        netconf_free(want);
        netconf_free(live);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/plan/create-order", test_create_order);
        g_test_add_func("/plan/differences-only", test_differences_only);
        g_test_add_func("/plan/deletes-owned-only", test_deletes_owned_only);
        g_test_add_func("/plan/equal-is-empty", test_equal_is_empty);
        g_test_add_func("/plan/refresh", test_refresh);
        g_test_add_func("/plan/switch-differences", test_switch_differences);
        g_test_add_func("/plan/refresh-ports", test_refresh_ports);
        g_test_add_func("/plan/deletes-links-order", test_deletes_links_order);
        g_test_add_func("/plan/kernel-table", test_kernel_table);
        return g_test_run();
}
