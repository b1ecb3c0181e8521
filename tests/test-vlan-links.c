/* test-vlan-links.c: VLAN links, VLAN-filtering bridges and switch ports through virtd, against the real kernel,
 * with iproute2 (ip -d link, bridge vlan) and ping as the independent witnesses. On a kernel without 802.1Q the
 * same calls must fail with NotSupported and leave nothing behind. */
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "harness.h"
#include "netns-fixture.h"
#include "virtd-bus.h"

#define NO_8021Q "this kernel has no 802.1Q VLAN support (CONFIG_VLAN_8021Q)"
#define NO_BRVLAN "this kernel has no bridge VLAN filtering support (CONFIG_BRIDGE_VLAN_FILTERING)"

static bool kernel_has(NsFixture *t, const char *feature) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_auto(GStrv) features = NULL;

        g_assert_cmpint(sd_bus_get_property_strv(t->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                                 "Features", &error, &features), >=, 0);
        return g_strv_contains((const char * const *) features, feature);
}

static char *create_ns(NsFixture *t, const char *prefix) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *name = ns_fixture_name(t, prefix);

        if (sd_bus_call_method(t->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateNamespace", &error,
                               NULL, "sassa(uuu)a(uuu)t", name, 0, "", 0, 0, (uint64_t) 0) < 0)
                g_error("CreateNamespace %s: %s", name, error.message);
        return name;
}

static int in_ns(NsFixture *t, const char *ns, char **out, const char *format, ...) G_GNUC_PRINTF(4, 5);
static int in_ns(NsFixture *t, const char *ns, char **out, const char *format, ...) {
        g_autofree char *cmd = NULL;
        va_list ap;

        va_start(ap, format);
        cmd = g_strdup_vprintf(format, ap);
        va_end(ap);
        return test_sh(out, "nsenter --net=%s/%s %s", t->netns_dir, ns, cmd);
}

static void virtctl_ok(NsFixture *t, char **out, ...) G_GNUC_NULL_TERMINATED;
static void virtctl_ok(NsFixture *t, char **out, ...) {
        g_autoptr(GPtrArray) args = g_ptr_array_new();
        g_autofree char *err = NULL;
        va_list ap;

        va_start(ap, out);
        for (const char *a; (a = va_arg(ap, const char *));)
                g_ptr_array_add(args, (char *) a);
        va_end(ap);
        g_ptr_array_add(args, NULL);
        if (test_virtctl_argv(&t->e, (const char * const *) args->pdata, NULL, out, &err) != 0)
                g_error("virtctl %s %s failed: %s", (char *) args->pdata[0], (char *) args->pdata[1], err);
}

/* virtctl must fail and its stderr must contain want. */
static void virtctl_fails(NsFixture *t, const char *want, ...) G_GNUC_NULL_TERMINATED;
static void virtctl_fails(NsFixture *t, const char *want, ...) {
        g_autoptr(GPtrArray) args = g_ptr_array_new();
        g_autofree char *err = NULL;
        va_list ap;

        va_start(ap, want);
        for (const char *a; (a = va_arg(ap, const char *));)
                g_ptr_array_add(args, (char *) a);
        va_end(ap);
        g_ptr_array_add(args, NULL);
        g_assert_cmpint(test_virtctl_argv(&t->e, (const char * const *) args->pdata, NULL, NULL, &err), !=, 0);
        if (!strstr(err, want))
                g_error("virtctl %s %s: stderr '%s' lacks '%s'", (char *) args->pdata[0], (char *) args->pdata[1], err, want);
}

static int create_vlan(NsFixture *t, sd_bus_error *error, const char *ns, const char *parent, const char *name, uint32_t id,
                       const char *protocol) {
        return sd_bus_call_method(t->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateVlan", error,
                                  NULL, "sssusa{sb}a(uu)a(uu)ut", ns, parent, name, id, protocol, 0, 0, 0, 0, (uint64_t) 0);
}

static void veth(NsFixture *t, const char *a, const char *ns_a, const char *b, const char *ns_b) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        if (sd_bus_call_method(t->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateVeth", &error, NULL,
                               "ssssssut", a, ns_a, "", b, ns_b, "", 0, (uint64_t) 0) < 0)
                g_error("CreateVeth %s/%s: %s", a, b, error.message);
}

static void assert_error(const sd_bus_error *error, const char *name, const char *needle) {
        g_assert_cmpstr(error->name, ==, name);
        if (!strstr(error->message, needle))
                g_error("error message '%s' lacks '%s'", error->message, needle);
}

/* Ids 0, 4095 and 4096 are refused with the shared rule's words, from D-Bus and virtctl, for VLAN links and ports,
 * before any kernel support matters. */
static void test_bad_ids(void) {
        static const struct {
                uint32_t id;
                const char *text, *reason;
        } ids[] = {
                { 0, "0", "VLAN id 0 is reserved: it marks priority-tagged frames that belong to no VLAN (valid: 1–4094)" },
                { 4095, "4095", "VLAN id 4095 is reserved by 802.1Q (valid: 1–4094)" },
                { 4096, "4096", "VLAN id 4096 is out of range: the 802.1Q tag holds 12 bits (valid: 1–4094)" },
        };
        NsFixture t;
        g_autofree char *ns = NULL, *links_before = NULL, *links_after = NULL;

        ns_fixture_start(&t, /* real_netns= */ false, /* polkit= */ false);
        ns = create_ns(&t, "zvb");
        veth(&t, "p0", ns, "p1", ns);
        g_assert_cmpint(in_ns(&t, ns, &links_before, "ip -o link"), ==, 0);
        for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                g_assert_cmpint(create_vlan(&t, &error, ns, "p0", "", ids[i].id, ""), <, 0);
                assert_error(&error, VIRTD_ERROR_INVALID_ARGUMENT, ids[i].reason);
                sd_bus_error_free(&error);
                virtctl_fails(&t, ids[i].reason, "vlan", "add", "p0", "id", ids[i].text, "in", ns, NULL);
                virtctl_fails(&t, ids[i].reason, "port", "set", "p1", "bridge", "p0", "mode", "access", "vlan", ids[i].text,
                              "in", ns, NULL);
                virtctl_fails(&t, ids[i].reason, "port", "set", "p1", "bridge", "p0", "mode", "trunk", "allowed",
                              ids[i].text, "in", ns, NULL);
        }
        virtctl_fails(&t, "unknown VLAN flag 'nonsense'", "vlan", "add", "p0", "id", "10", "flags", "nonsense", "in", ns, NULL);
        virtctl_fails(&t, "8 is not a PCP value (0–7)", "vlan", "add", "p0", "id", "10", "ingress-qos-map", "8:1", "in", ns,
                      NULL);
        virtctl_fails(&t, "unknown protocol '802.1x'", "vlan", "add", "p0", "id", "10", "protocol", "802.1x", "in", ns, NULL);
        /* Nothing half-made. */
        g_assert_cmpint(in_ns(&t, ns, &links_after, "ip -o link"), ==, 0);
        g_assert_cmpstr(links_after, ==, links_before);
        ns_fixture_stop(&t);
}

/* A D-Bus call that must fail with NotSupported, its message naming what and the missing kernel feature. */
static void assert_not_supported(int r, sd_bus_error *error, const char *what, const char *missing) {
        g_assert_cmpint(r, <, 0);
        assert_error(error, VIRTD_ERROR_NOT_SUPPORTED, missing);
        if (!strstr(error->message, what))
                g_error("error message '%s' does not name '%s'", error->message, what);
        sd_bus_error_free(error);
}

/* This kernel lacks 802.1Q: every VLAN call says so precisely, nothing is left behind, and virtd keeps working. */
static void test_not_supported(void) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *ns = NULL, *links = NULL, *host = NULL;
        NsFixture t;

        ns_fixture_start(&t, /* real_netns= */ false, /* polkit= */ false);
        if (kernel_has(&t, "vlan-8021q") && kernel_has(&t, "bridge-vlan-filtering")) {
                ns_fixture_stop(&t);
                g_test_skip("this kernel has 802.1Q and bridge VLAN filtering");
                return;
        }
        ns = create_ns(&t, "zvn");
        veth(&t, "p0", ns, "p1", ns);
        if (!kernel_has(&t, "vlan-8021q")) {
                g_assert_cmpint(create_vlan(&t, &error, ns, "p0", "", 10, ""), <, 0);
                assert_error(&error, VIRTD_ERROR_NOT_SUPPORTED, NO_8021Q);
                sd_bus_error_free(&error);
                virtctl_fails(&t, NO_8021Q, "vlan", "add", "p0", "id", "10", "in", ns, NULL);
                /* Changing a VLAN: the reason, not "p0 is a veth link" nor "no such link". */
                g_autofree char *what = g_strdup_printf("Cannot change VLAN p0 in %s", ns);
                assert_not_supported(ns_fixture_call(&t, &error, NULL, "ChangeVlan", "ssa{sv}t", ns, "p0", 1, "mtu", "u", 1400,
                                                  (uint64_t) 0),
                                     &error, what, NO_8021Q);
                assert_not_supported(ns_fixture_call(&t, &error, NULL, "ChangeVlan", "ssa{sv}t", ns, "p0.10", 0, (uint64_t) 0), &error,
                                     "Cannot change VLAN p0.10", NO_8021Q);
                virtctl_fails(&t, NO_8021Q, "vlan", "set", "p0", "in", ns, "mtu", "1400", NULL);
                /* Deleting: the reason again, and the veth named is left alone. */
                g_autofree char *del_what = g_strdup_printf("Cannot delete VLAN p0 in %s", ns);
                assert_not_supported(ns_fixture_call(&t, &error, NULL, "DeleteVlan", "sst", ns, "p0", (uint64_t) 0), &error, del_what,
                                     NO_8021Q);
                virtctl_fails(&t, NO_8021Q, "vlan", "delete", "p0", "in", ns, NULL);
                /* The host report says the same. */
                g_assert_cmpint(test_virtctl(&t.e, &host, NULL, "host", NULL), >=, 0);
                assert_contains(host, "CONFIG_VLAN_8021Q");
        }
        if (!kernel_has(&t, "bridge-vlan-filtering")) {
                g_assert_cmpint(sd_bus_call_method(t.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                                   "CreateBridge", &error, NULL, "ssbt", ns, "br0", 1, (uint64_t) 0), <, 0);
                assert_error(&error, VIRTD_ERROR_NOT_SUPPORTED, NO_BRVLAN);
                sd_bus_error_free(&error);
                virtctl_fails(&t, NO_BRVLAN, "bridge", "add", "br0", "vlan-filtering", "on", "in", ns, NULL);
                virtctl_fails(&t, NO_BRVLAN, "port", "set", "p1", "bridge", "p0", "mode", "access", "vlan", "10", "in", ns, NULL);
                assert_not_supported(ns_fixture_call(&t, &error, NULL, "SetBridgePorts", "sa(sssusu)t", ns, 1, "p1", "p0", "trunk", 0,
                                                  "10-20", 0, (uint64_t) 0),
                                     &error, "Cannot set the VLANs of port p1", NO_BRVLAN);
                /* The tables: an empty list would claim that no bridge has VLANs, "not a bridge port" would hide why. */
                g_autofree char *list_what = g_strdup_printf("Cannot list the bridge VLANs in %s", ns);
                assert_not_supported(ns_fixture_call(&t, &error, NULL, "ListVlans", "s", ns), &error, list_what, NO_BRVLAN);
                assert_not_supported(ns_fixture_call(&t, &error, NULL, "ListVlans", "s", ""), &error, "Cannot list the bridge VLANs in",
                                     NO_BRVLAN);
                virtctl_fails(&t, NO_BRVLAN, "vlan", "brief", "in", ns, NULL);
                virtctl_fails(&t, NO_BRVLAN, "vlan", "brief", NULL);
                virtctl_fails(&t, NO_BRVLAN, "--json", "vlan", "brief", NULL);
                g_autofree char *port_what = g_strdup_printf("Cannot show the VLANs of port p1 in %s", ns);
                assert_not_supported(ns_fixture_call(&t, &error, NULL, "GetBridgePort", "ss", ns, "p1"), &error, port_what, NO_BRVLAN);
                virtctl_fails(&t, NO_BRVLAN, "port", "show", "p1", "in", ns, NULL);
                /* Even a real port of a (non-filtering) bridge. */
                virtctl_ok(&t, NULL, "bridge", "add", "brp", "in", ns, NULL);
                g_assert_cmpint(in_ns(&t, ns, NULL, "ip link set p1 master brp"), ==, 0);
                virtctl_fails(&t, NO_BRVLAN, "port", "show", "p1", "in", ns, NULL);
        }
        g_assert_cmpint(in_ns(&t, ns, &links, "ip -o link"), ==, 0);
        g_assert_null(strstr(links, "br0"));
        g_assert_null(strstr(links, "p0.10"));
        /* The rest of virtd keeps working: a plain bridge and another veth pair. */
        virtctl_ok(&t, NULL, "bridge", "add", "br1", "in", ns, NULL);
        veth(&t, "p2", ns, "p3", ns);
        g_clear_pointer(&links, g_free);
        g_assert_cmpint(in_ns(&t, ns, &links, "ip -o link"), ==, 0);
        assert_contains(links, "br1");
        assert_contains(links, "p3@p2");
        ns_fixture_stop(&t);
}

static bool require_vlans(NsFixture *t) {
        if (kernel_has(t, "vlan-8021q") && kernel_has(t, "vlan-8021ad") && kernel_has(t, "bridge-vlan-filtering"))
                return true;
        ns_fixture_stop(t);
        test_skip_unless_vm_guest("this kernel has no 802.1Q/802.1ad or bridge VLAN filtering (runs in the real-kernel lane)");
        return false;
}

static bool ping(NsFixture *t, const char *ns, const char *dst) {
        return in_ns(t, ns, NULL, "ping -c1 -W1 %s >/dev/null 2>&1", dst) == 0;
}

/* "VID FLAGS" lines of a port as iproute2's bridge tool reports them. */
static char *bridge_vlan_show(NsFixture *t, const char *ns, const char *port) {
        char *out = NULL;

        g_assert_cmpint(in_ns(t, ns, &out, "bridge -j vlan show dev %s | jq -r '.[].vlans[] | \"\\(.vlan) \\(.flags // [] | join(\",\"))\"'", port), ==, 0);
        return out;
}

/* The same lines from virtd's GetBridgePort(). */
static char *virtd_port_vlans(NsFixture *t, const char *ns, const char *port, char **ret_mode) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *bridge, *mode, *allowed;
        uint32_t access, native;
        uint16_t vid;
        int pvid, untagged;
        GString *s = g_string_new("");

        if (sd_bus_call_method(t->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "GetBridgePort", &error,
                               &reply, "ss", ns, port) < 0)
                g_error("GetBridgePort %s: %s", port, error.message);
        g_assert_cmpint(sd_bus_message_read(reply, "ssuus", &bridge, &mode, &access, &native, &allowed), >, 0);
        *ret_mode = g_strdup(mode);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(qbb)"), >, 0);
        while (sd_bus_message_read(reply, "(qbb)", &vid, &pvid, &untagged) > 0)
                g_string_append_printf(s, "%u %s%s%s\n", vid, pvid ? "PVID" : "", pvid && untagged ? "," : "",
                                       untagged ? "Egress Untagged" : "");
        sd_bus_message_unref(reply);
        return g_string_free(s, false);
}

static void assert_port(NsFixture *t, const char *ns, const char *port, const char *mode, const char *want) {
        g_autofree char *theirs = bridge_vlan_show(t, ns, port), *got_mode = NULL;
        g_autofree char *ours = virtd_port_vlans(t, ns, port, &got_mode);

        g_assert_cmpstr(theirs, ==, want);
        g_assert_cmpstr(ours, ==, want);
        g_assert_cmpstr(got_mode, ==, mode);
}

/* The seed's switch: access ports in VLAN 10 (A, B) and 20 (C), a trunk (T) allowing 10,20 with native 99 (D). */
static void test_switch(void) {
        static const struct {
                const char *host, *port, *mode, *vlan;
        } hosts[] = { { "A", "pA", "access", "10" }, { "B", "pB", "access", "10" }, { "C", "pC", "access", "20" },
                      { "D", "pD", "access", "99" }, { "T", "pT", "trunk", NULL } };
        g_autofree char *sw = NULL, *brief = NULL, *json = NULL, *show = NULL;
        char *ns[G_N_ELEMENTS(hosts)];
        NsFixture t;

        ns_fixture_start(&t, /* real_netns= */ false, /* polkit= */ false);
        if (!require_vlans(&t))
                return;
        sw = create_ns(&t, "zsw");
        virtctl_ok(&t, NULL, "bridge", "add", "br0", "vlan-filtering", "on", "in", sw, NULL);
        virtctl_ok(&t, NULL, "link", "set", "br0", "in", sw, "up", NULL);
        for (size_t i = 0; i < G_N_ELEMENTS(hosts); i++) {
                ns[i] = create_ns(&t, "zh");
                veth(&t, hosts[i].port, sw, "eth0", ns[i]);
                if (hosts[i].vlan)
                        virtctl_ok(&t, NULL, "port", "set", hosts[i].port, "bridge", "br0", "mode", "access", "vlan",
                                   hosts[i].vlan, "in", sw, NULL);
                else
                        virtctl_ok(&t, NULL, "port", "set", hosts[i].port, "bridge", "br0", "mode", "trunk", "allowed", "10,20",
                                   "native", "99", "in", sw, NULL);
                virtctl_ok(&t, NULL, "link", "set", hosts[i].port, "in", sw, "up", NULL);
                virtctl_ok(&t, NULL, "link", "set", "eth0", "in", ns[i], "up", NULL);
        }
        /* The trunk's tagged sub-interfaces, made by virtd with the default name PARENT.ID. */
        virtctl_ok(&t, NULL, "vlan", "add", "eth0", "id", "10", "in", ns[4], NULL);
        virtctl_ok(&t, NULL, "vlan", "add", "eth0", "id", "20", "in", ns[4], NULL);
        virtctl_ok(&t, NULL, "link", "set", "eth0.10", "in", ns[4], "up", NULL);
        virtctl_ok(&t, NULL, "link", "set", "eth0.20", "in", ns[4], "up", NULL);
        /* One subnet across VLANs 10 and 20: only the bridge's VLAN separation keeps C away from A and B. */
        virtctl_ok(&t, NULL, "address", "add", "10.77.0.1/24", "dev", "eth0", "in", ns[0], NULL);
        virtctl_ok(&t, NULL, "address", "add", "10.77.0.2/24", "dev", "eth0", "in", ns[1], NULL);
        virtctl_ok(&t, NULL, "address", "add", "10.77.0.3/24", "dev", "eth0", "in", ns[2], NULL);
        virtctl_ok(&t, NULL, "address", "add", "10.99.0.4/24", "dev", "eth0", "in", ns[3], NULL);
        virtctl_ok(&t, NULL, "address", "add", "10.99.0.5/24", "dev", "eth0", "in", ns[4], NULL);
        virtctl_ok(&t, NULL, "address", "add", "10.77.0.10/24", "dev", "eth0.10", "in", ns[4], NULL);
        virtctl_ok(&t, NULL, "address", "add", "10.20.0.20/24", "dev", "eth0.20", "in", ns[4], NULL);
        virtctl_ok(&t, NULL, "address", "add", "10.20.0.3/24", "dev", "eth0", "in", ns[2], NULL);

        g_assert_true(ping(&t, ns[0], "10.77.0.2"));   /* A ↔ B: same access VLAN */
        g_assert_false(ping(&t, ns[0], "10.77.0.3"));  /* A ↔ C: VLAN 10 vs 20 */
        g_assert_true(ping(&t, ns[4], "10.77.0.1"));   /* T.10 ↔ A: tagged 10 on the trunk */
        g_assert_true(ping(&t, ns[4], "10.20.0.3"));   /* T.20 ↔ C: tagged 20 on the trunk */
        g_assert_true(ping(&t, ns[4], "10.99.0.4"));   /* T untagged ↔ D: the native VLAN 99 */
        g_assert_false(ping(&t, ns[1], "10.77.0.3"));  /* B ↔ C */

        /* bridge vlan show, the independent witness, agrees with virtd entry by entry; VLAN 1 is gone. */
        assert_port(&t, sw, "pA", "access", "10 PVID,Egress Untagged\n");
        assert_port(&t, sw, "pC", "access", "20 PVID,Egress Untagged\n");
        assert_port(&t, sw, "pT", "trunk", "10 \n20 \n99 PVID,Egress Untagged\n");

        /* virtctl port show, whole: a trunk has no access VLAN, an access port neither a native VLAN nor an allowed list. */
        virtctl_ok(&t, &show, "port", "show", "pT", "in", sw, NULL);
        g_assert_cmpstr(show, ==,
                        "Name: pT\nBridge: br0\nAdministrative Mode: trunk\nAccess Mode VLAN: none\n"
                        "Trunking Native Mode VLAN: 99\nTrunking VLANs Enabled: 10,20\n");
        g_clear_pointer(&show, g_free);
        virtctl_ok(&t, &show, "port", "show", "pC", "in", sw, NULL);
        g_assert_cmpstr(show, ==,
                        "Name: pC\nBridge: br0\nAdministrative Mode: access\nAccess Mode VLAN: 20\n"
                        "Trunking Native Mode VLAN: none\nTrunking VLANs Enabled: none\n");
        g_clear_pointer(&show, g_free);
        virtctl_ok(&t, &show, "--json", "port", "show", "pC", "in", sw, NULL);
        assert_contains(show, "\"mode\":\"access\",\"access_vlan\":20,\"native_vlan\":0,\"allowed_vlans\":\"\"");
        virtctl_ok(&t, &brief, "vlan", "brief", "in", sw, NULL);
        assert_contains(brief, "10   VLAN0010                         pA, pB, pT");
        assert_contains(brief, "20   VLAN0020                         pC, pT");
        assert_contains(brief, "99   VLAN0099                         pD, pT");
        virtctl_ok(&t, &json, "--json", "vlan", "brief", "in", sw, NULL);
        assert_contains(json, "\"vlan\":10,\"name\":\"VLAN0010\"");

        /* Re-configuring a port moves it: A becomes an access port of 20 and now reaches C, no longer B. */
        virtctl_ok(&t, NULL, "port", "set", "pA", "bridge", "br0", "mode", "access", "vlan", "20", "in", sw, NULL);
        assert_port(&t, sw, "pA", "access", "20 PVID,Egress Untagged\n");
        g_assert_true(ping(&t, ns[0], "10.77.0.3"));
        g_assert_false(ping(&t, ns[0], "10.77.0.2"));

        /* A refused batch changes nothing: the second port names a bridge that does not exist. */
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_assert_cmpint(sd_bus_call_method(t.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                           "SetBridgePorts", &error, NULL, "sa(sssusu)t", sw, 2, "pB", "br0", "access", 30, "",
                                           0, "pC", "nobr", "access", 30, "", 0, (uint64_t) 0), <, 0);
        assert_error(&error, VIRTD_ERROR_NOT_FOUND, "Bridge nobr does not exist");
        sd_bus_error_free(&error);
        assert_port(&t, sw, "pB", "access", "10 PVID,Egress Untagged\n");
        for (size_t i = 0; i < G_N_ELEMENTS(hosts); i++)
                g_free(ns[i]);
        ns_fixture_stop(&t);
}

static char *ip_details(NsFixture *t, const char *ns, const char *link) {
        char *out = NULL;

        g_assert_cmpint(in_ns(t, ns, &out, "ip -d link show %s", link), ==, 0);
        return out;
}

/* The object path of link in ns. */
static char *link_path(NsFixture *t, const char *ns, const char *link) {
        g_autofree char *out = NULL;
        char *path = NULL;

        g_assert_cmpint(in_ns(t, ns, &out, "ip -j link show %s | jq -r '.[0].ifindex'", link), ==, 0);
        g_assert_cmpint(sd_bus_path_encode_many(&path, VIRTD_OBJECT_LINK_PREFIX "/%/%", ns, g_strstrip(out)), >=, 0);
        return path;
}

/* "from:to,…" of one of the Vlan interface's a(uu) priority maps. */
static char *vlan_map_property(NsFixture *t, const char *path, const char *property) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        uint32_t from, to;
        GString *s = g_string_new("");

        if (sd_bus_get_property(t->e.bus, VIRTD_BUS_NAME, path, VIRTD_INTERFACE_VLAN, property, &error, &reply, "a(uu)") < 0)
                g_error("%s of %s: %s", property, path, error.message);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(uu)"), >, 0);
        while (sd_bus_message_read(reply, "(uu)", &from, &to) > 0)
                g_string_append_printf(s, "%s%u:%u", s->len > 0 ? "," : "", from, to);
        sd_bus_message_unref(reply);
        return g_string_free(s, false);
}

/* Every property of link's Vlan interface in one line: "parent=NAME protocol=P id=N flags=F,… ingress=F:T,…
 * egress=F:T,…". The parent is the Name of the link object that Parent points to, which must be in ns. */
static char *virtd_vlan(NsFixture *t, const char *ns, const char *link) {
        g_autofree char *path = link_path(t, ns, link), *parent = NULL, *parent_ns = NULL, *parent_ifindex = NULL;
        g_autofree char *parent_name = NULL, *protocol = NULL, *flags = NULL, *ingress = NULL, *egress = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        g_auto(GStrv) vflags = NULL;
        const char *p;
        uint16_t id = 0;

        if (sd_bus_get_property(t->e.bus, VIRTD_BUS_NAME, path, VIRTD_INTERFACE_VLAN, "Parent", &error, &reply, "o") < 0)
                g_error("Parent of %s: %s", path, error.message);
        g_assert_cmpint(sd_bus_message_read(reply, "o", &p), >, 0);
        parent = g_strdup(p);
        sd_bus_message_unref(reply);
        g_assert_cmpint(sd_bus_path_decode_many(parent, VIRTD_OBJECT_LINK_PREFIX "/%/%", &parent_ns, &parent_ifindex), >, 0);
        g_assert_cmpstr(parent_ns, ==, ns);
        g_assert_cmpint(sd_bus_get_property_string(t->e.bus, VIRTD_BUS_NAME, parent, VIRTD_INTERFACE_LINK, "Name", &error,
                                                   &parent_name), >=, 0);
        g_assert_cmpint(sd_bus_get_property_string(t->e.bus, VIRTD_BUS_NAME, path, VIRTD_INTERFACE_VLAN, "Protocol", &error,
                                                   &protocol), >=, 0);
        g_assert_cmpint(sd_bus_get_property_trivial(t->e.bus, VIRTD_BUS_NAME, path, VIRTD_INTERFACE_VLAN, "Id", &error, 'q', &id),
                        >=, 0);
        g_assert_cmpint(sd_bus_get_property_strv(t->e.bus, VIRTD_BUS_NAME, path, VIRTD_INTERFACE_VLAN, "Flags", &error, &vflags),
                        >=, 0);
        flags = g_strjoinv(",", vflags);
        ingress = vlan_map_property(t, path, "IngressQosMap");
        egress = vlan_map_property(t, path, "EgressQosMap");
        return g_strdup_printf("parent=%s protocol=%s id=%u flags=%s ingress=%s egress=%s", parent_name, protocol, id, flags,
                               ingress, egress);
}

/* The same line from iproute2's JSON (ip -d -j link show), the independent witness; its flags are upper case. */
static char *ip_vlan(NsFixture *t, const char *ns, const char *link) {
        char *out = NULL;

        g_assert_cmpint(in_ns(t, ns, &out,
                              "ip -d -j link show %s | jq -j '.[0] | .linkinfo.info_data as $v | "
                              "\"parent=\\(.link) protocol=\\($v.protocol) id=\\($v.id) "
                              "flags=\\($v.flags // [] | map(ascii_downcase) | join(\",\")) "
                              "ingress=\\($v.ingress_qos // [] | map(\"\\(.from):\\(.to)\") | join(\",\")) "
                              "egress=\\($v.egress_qos // [] | map(\"\\(.from):\\(.to)\") | join(\",\"))\"'",
                              link), ==, 0);
        return out;
}

/* iproute2 and the Vlan interface both show want. */
static void assert_vlan(NsFixture *t, const char *ns, const char *link, const char *want) {
        g_autofree char *theirs = ip_vlan(t, ns, link), *ours = virtd_vlan(t, ns, link);

        g_assert_cmpstr(theirs, ==, want);
        g_assert_cmpstr(ours, ==, want);
}

/* QinQ: an 802.1Q VLAN stacked on an 802.1ad one; flags and priority maps as iproute2 and the Vlan interface see them. */
static void test_qinq_and_qos(void) {
        g_autofree char *ns = NULL, *s = NULL, *c = NULL, *c2 = NULL, *path = NULL, *links = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        NsFixture t;

        ns_fixture_start(&t, /* real_netns= */ false, /* polkit= */ false);
        if (!require_vlans(&t))
                return;
        ns = create_ns(&t, "zvq");
        veth(&t, "q0", ns, "q1", ns);
        virtctl_ok(&t, NULL, "vlan", "add", "q0", "id", "100", "protocol", "802.1ad", "name", "svlan", "in", ns, NULL);
        virtctl_ok(&t, NULL, "vlan", "add", "svlan", "id", "10", "name", "cvlan", "flags", "gvrp,-reorder_hdr",
                   "ingress-qos-map", "1:2,3:4", "egress-qos-map", "5:6", "mtu", "1400", "in", ns, NULL);
        s = ip_details(&t, ns, "svlan");
        assert_contains(s, "vlan protocol 802.1ad id 100 <REORDER_HDR>");
        c = ip_details(&t, ns, "cvlan");
        assert_contains(c, "vlan protocol 802.1Q id 10 <GVRP>");
        assert_contains(c, "ingress-qos-map { 1:2 3:4 }");
        assert_contains(c, "egress-qos-map { 5:6 }");
        assert_contains(c, "mtu 1400");
        /* Every Vlan property against ip -d -j, the parent included: the S-VLAN sits on the veth, the C-VLAN on it. */
        assert_vlan(&t, ns, "svlan", "parent=q0 protocol=802.1ad id=100 flags=reorder_hdr ingress= egress=");
        assert_vlan(&t, ns, "cvlan", "parent=svlan protocol=802.1Q id=10 flags=gvrp ingress=1:2,3:4 egress=5:6");

        /* Change: maps are replaced, flags only where named. */
        virtctl_ok(&t, NULL, "vlan", "set", "cvlan", "in", ns, "flags", "reorder_hdr", "egress-qos-map", "7:1",
                   "ingress-qos-map", "", NULL);
        c2 = ip_details(&t, ns, "cvlan");
        assert_contains(c2, "vlan protocol 802.1Q id 10 <REORDER_HDR,GVRP>");
        assert_contains(c2, "egress-qos-map { 7:1 }");
        g_assert_null(strstr(c2, "ingress-qos-map { 1:2"));
        g_assert_null(strstr(c2, "5:6"));

        /* The Vlan interface reports the same as iproute2 after the change: the emptied ingress map as well. */
        assert_vlan(&t, ns, "cvlan", "parent=svlan protocol=802.1Q id=10 flags=reorder_hdr,gvrp ingress= egress=7:1");
        path = link_path(&t, ns, "cvlan");
        g_assert_cmpuint(test_assert_introspection(&t.e, path), ==, 2);

        /* Id 4095 through ChangeVlan's sibling CreateVlan on the stacked link: refused, nothing made. */
        g_assert_cmpint(create_vlan(&t, &error, ns, "svlan", "bad", 4095, ""), <, 0);
        assert_error(&error, VIRTD_ERROR_INVALID_ARGUMENT, "VLAN id 4095 is reserved by 802.1Q (valid: 1–4094)");
        sd_bus_error_free(&error);
        /* vlan delete deletes VLANs only: the veth under them is refused and stays. */
        virtctl_fails(&t, "Link q0 in", "vlan", "delete", "q0", "in", ns, NULL);
        virtctl_fails(&t, "is a veth link, not a VLAN", "vlan", "delete", "q0", "in", ns, NULL);
        g_assert_cmpint(in_ns(&t, ns, NULL, "ip link show q0"), ==, 0);
        virtctl_ok(&t, NULL, "vlan", "delete", "cvlan", "in", ns, NULL);
        virtctl_ok(&t, NULL, "vlan", "delete", "svlan", "in", ns, NULL);
        g_clear_pointer(&links, g_free);
        g_assert_cmpint(in_ns(&t, ns, &links, "ip -o link"), ==, 0);
        g_assert_null(strstr(links, "vlan"));
        ns_fixture_stop(&t);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/vlan-links/bad-ids", test_bad_ids);
        g_test_add_func("/vlan-links/not-supported", test_not_supported);
        g_test_add_func("/vlan-links/switch", test_switch);
        g_test_add_func("/vlan-links/qinq-and-qos", test_qinq_and_qos);
        return g_test_run();
}
