/* test-vlan.c: VLAN id rules, priority maps, flags, id sets and switch-port translation. */
#include <glib.h>
#include <string.h>

#include "vlan.h"

static void assert_refused(unsigned long long id, const char *needle) {
        g_autofree char *reason = NULL;

        g_assert_cmpint(vlan_id_validate(id, &reason), ==, -EINVAL);
        g_assert_nonnull(reason);
        if (!strstr(reason, needle))
                g_error("reason for %llu is '%s', expected it to mention '%s'", id, reason, needle);
}

static void test_ids(void) {
        g_assert_cmpint(vlan_id_validate(1, NULL), ==, 0);
        g_assert_cmpint(vlan_id_validate(4094, NULL), ==, 0);
        assert_refused(0, "priority-tagged");
        assert_refused(4095, "4095 is reserved");
        assert_refused(4096, "out of range");
        assert_refused(70000, "out of range");
        assert_refused(1ULL << 40, "out of range");

        uint16_t id = 0;
        g_autofree char *reason = NULL;
        g_assert_cmpint(vlan_id_parse("10", &id, NULL), ==, 0);
        g_assert_cmpuint(id, ==, 10);
        g_assert_cmpint(vlan_id_parse("-1", &id, &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "not a VLAN id"));
        g_assert_cmpint(vlan_id_parse("10x", &id, NULL), ==, -EINVAL);
        g_assert_cmpint(vlan_id_parse("", &id, NULL), ==, -EINVAL);
        g_assert_cmpint(vlan_id_parse("99999999999999999999999", &id, NULL), ==, -EINVAL);
        g_assert_cmpint(vlan_id_parse("4095", &id, NULL), ==, -EINVAL);
}

static void test_protocols_and_flags(void) {
        uint16_t p = 0;
        uint32_t flags = 0;
        g_autofree char *reason = NULL, *s = NULL;

        g_assert_cmpint(vlan_protocol_parse("802.1Q", &p), ==, 0);
        g_assert_cmphex(p, ==, 0x8100);
        g_assert_cmpint(vlan_protocol_parse("802.1ad", &p), ==, 0);
        g_assert_cmphex(p, ==, 0x88a8);
        g_assert_cmpint(vlan_protocol_parse("0x88A8", &p), ==, 0);
        g_assert_cmpint(vlan_protocol_parse("802.1x", &p), ==, -EINVAL);
        g_assert_cmpstr(vlan_protocol_to_string(0x88a8), ==, "802.1ad");

        g_assert_cmpint(vlan_flags_parse("reorder_hdr,mvrp bridge_binding", &flags, NULL), ==, 0);
        g_assert_cmphex(flags, ==, 0x1 | 0x8 | 0x10);
        s = vlan_flags_to_string(flags);
        g_assert_cmpstr(s, ==, "reorder_hdr,mvrp,bridge_binding");
        g_assert_cmpint(vlan_flags_parse("reorder", &flags, &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "unknown VLAN flag 'reorder'"));
}

static void test_qos_maps(void) {
        VlanQosMapping *map = NULL;
        size_t n = 0;
        g_autofree char *reason = NULL, *s = NULL;

        g_assert_cmpint(vlan_qos_map_parse("0:3, 5:5,4294967295:7", true, &map, &n, NULL), ==, 0);
        g_assert_cmpuint(n, ==, 3);
        g_assert_cmpuint(map[2].from, ==, 4294967295u);
        s = vlan_qos_map_to_string(map, n);
        g_assert_cmpstr(s, ==, "0:3,5:5,4294967295:7");
        g_free(map);
        /* egress: the PCP side is 3 bits */
        g_assert_cmpint(vlan_qos_map_parse("1:8", true, &map, &n, &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "not a PCP value (0–7)"));
        g_clear_pointer(&reason, g_free);
        /* ingress: PCP → skb priority, so the left side is 0–7 */
        g_assert_cmpint(vlan_qos_map_parse("8:1", false, &map, &n, &reason), ==, -EINVAL);
        g_clear_pointer(&reason, g_free);
        g_assert_cmpint(vlan_qos_map_parse("7:100000", false, &map, &n, NULL), ==, 0);
        g_free(map);
        g_assert_cmpint(vlan_qos_map_parse("3:1,3:2", false, &map, &n, &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "mapped twice"));
        g_clear_pointer(&reason, g_free);
        g_assert_cmpint(vlan_qos_map_parse("3", false, &map, &n, &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "FROM:TO"));
}

static void test_sets(void) {
        VlanSet set;
        g_autofree char *reason = NULL, *s = NULL;

        g_assert_cmpint(vlan_set_parse("10,20,30-40, 4094", &set, NULL), ==, 0);
        g_assert_cmpuint(vlan_set_count(&set), ==, 14);
        g_assert_true(vlan_set_contains(&set, 35));
        g_assert_false(vlan_set_contains(&set, 41));
        s = vlan_set_to_string(&set);
        g_assert_cmpstr(s, ==, "10,20,30-40,4094");
        g_assert_cmpint(vlan_set_parse("40-30", &set, &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "backwards"));
        g_clear_pointer(&reason, g_free);
        g_assert_cmpint(vlan_set_parse("1-4095", &set, &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "4095 is reserved"));
}

static void test_port_modes(void) {
        PortConfig access = { .mode = PORT_MODE_ACCESS, .access_vlan = 10 }, trunk = { .mode = PORT_MODE_TRUNK }, back;
        BridgeVlanEntry *e = NULL;
        size_t n = 0;
        g_autofree char *reason = NULL;

        /* access N: PVID N, egress untagged, nothing else — in particular not the default VLAN 1 */
        g_assert_cmpint(port_config_to_entries(&access, &e, &n, NULL), ==, 0);
        g_assert_cmpuint(n, ==, 1);
        g_assert_cmpuint(e[0].vid, ==, 10);
        g_assert_true(e[0].pvid && e[0].untagged);
        g_assert_cmpint(port_config_from_entries(e, n, &back), ==, 0);
        g_assert_cmpint(back.mode, ==, PORT_MODE_ACCESS);
        g_assert_cmpuint(back.access_vlan, ==, 10);
        g_free(e);

        /* trunk: allowed tagged, native untagged PVID, exactly one native */
        g_assert_cmpint(vlan_set_parse("10,20,99", &trunk.allowed, NULL), ==, 0);
        trunk.native_vlan = 99;
        g_assert_cmpint(port_config_to_entries(&trunk, &e, &n, NULL), ==, 0);
        g_assert_cmpuint(n, ==, 3);
        unsigned pvids = 0;
        for (size_t i = 0; i < n; i++) {
                pvids += e[i].pvid;
                g_assert_true(e[i].vid != 1);
                g_assert_cmpint(e[i].untagged, ==, e[i].vid == 99);
        }
        g_assert_cmpuint(pvids, ==, 1);
        g_assert_cmpint(port_config_from_entries(e, n, &back), ==, 0);
        g_assert_cmpint(back.mode, ==, PORT_MODE_TRUNK);
        g_assert_cmpuint(back.native_vlan, ==, 99);
        g_assert_true(vlan_set_contains(&back.allowed, 20));
        g_free(e);

        access.access_vlan = 4095;
        g_assert_cmpint(port_config_to_entries(&access, &e, &n, &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "reserved"));
        g_clear_pointer(&reason, g_free);
        PortConfig empty = { .mode = PORT_MODE_TRUNK };
        g_assert_cmpint(port_config_to_entries(&empty, &e, &n, &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "trunk port needs"));
        g_assert_cmpint(port_mode_from_string("hybrid"), ==, _PORT_MODE_INVALID);
}

static void test_qos_validate(void) {
        const VlanQosMapping ok_in[] = { { 0, 100 }, { 7, 4000000000u } }, bad_in[] = { { 8, 1 } };
        const VlanQosMapping ok_eg[] = { { 4000000000u, 7 } }, bad_eg[] = { { 3, 8 } }, twice[] = { { 1, 2 }, { 1, 3 } };
        g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL;

        g_assert_cmpint(vlan_qos_map_validate(ok_in, 2, false, NULL), ==, 0);
        g_assert_cmpint(vlan_qos_map_validate(ok_eg, 1, true, NULL), ==, 0);
        g_assert_cmpint(vlan_qos_map_validate(bad_in, 1, false, &r1), ==, -EINVAL);
        g_assert_nonnull(strstr(r1, "8 is not a PCP value (0–7)"));
        g_assert_cmpint(vlan_qos_map_validate(bad_eg, 1, true, &r2), ==, -EINVAL);
        g_assert_nonnull(strstr(r2, "egress priority mapping 3:8"));
        g_assert_cmpint(vlan_qos_map_validate(twice, 2, true, &r3), ==, -EINVAL);
        g_assert_nonnull(strstr(r3, "priority 1 is mapped twice"));
        /* The text parser and the numeric check agree. */
        g_assert_cmpint(vlan_qos_map_validate(bad_in, 1, true, NULL), ==, 0);
}

static void test_default_name(void) {
        g_autofree char *n = NULL;
        char *m = NULL;

        g_assert_cmpint(vlan_default_name("eth0", 10, &n), ==, 0);
        g_assert_cmpstr(n, ==, "eth0.10");
        g_assert_cmpint(vlan_default_name("averylongname", 4094, &m), ==, -ENAMETOOLONG);
        g_assert_null(m);
}

static void test_diff(void) {
        /* A port fresh on a VLAN-filtering bridge has VLAN 1 as PVID untagged; make it trunk 10,20 native 99. */
        const BridgeVlanEntry cur[] = { { 1, true, true }, { 20, true, true } };
        PortConfig c = { .mode = PORT_MODE_TRUNK, .native_vlan = 99 };
        g_autofree BridgeVlanEntry *want = NULL, *add = NULL, *del = NULL;
        size_t n_want, n_add, n_del;

        vlan_set_add(&c.allowed, 10);
        vlan_set_add(&c.allowed, 20);
        g_assert_cmpint(port_config_to_entries(&c, &want, &n_want, NULL), ==, 0);
        g_assert_cmpint(bridge_vlan_diff(cur, 2, want, n_want, &add, &n_add, &del, &n_del), ==, 0);
        g_assert_cmpuint(n_del, ==, 1);
        g_assert_cmpuint(del[0].vid, ==, 1);
        /* 20 stays but loses PVID/untagged, 10 and 99 are new. */
        g_assert_cmpuint(n_add, ==, 3);
        g_assert_cmpuint(add[0].vid, ==, 10);
        g_assert_cmpuint(add[1].vid, ==, 20);
        g_assert_false(add[1].pvid || add[1].untagged);
        g_assert_cmpuint(add[2].vid, ==, 99);
        g_assert_true(add[2].pvid && add[2].untagged);
        g_clear_pointer(&add, g_free);
        g_clear_pointer(&del, g_free);
        /* Applying the same table twice changes nothing. */
        g_assert_cmpint(bridge_vlan_diff(want, n_want, want, n_want, &add, &n_add, &del, &n_del), ==, 0);
        g_assert_cmpuint(n_add, ==, 0);
        g_assert_cmpuint(n_del, ==, 0);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/vlan/ids", test_ids);
        g_test_add_func("/vlan/protocols-and-flags", test_protocols_and_flags);
        g_test_add_func("/vlan/qos-maps", test_qos_maps);
        g_test_add_func("/vlan/sets", test_sets);
        g_test_add_func("/vlan/port-modes", test_port_modes);
        g_test_add_func("/vlan/qos-validate", test_qos_validate);
        g_test_add_func("/vlan/default-name", test_default_name);
        g_test_add_func("/vlan/diff", test_diff);
        return g_test_run();
}
