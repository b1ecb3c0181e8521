/* test-netconf.c: network.conf grammar, validation, canonical form and dependency order. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "netconf.h"

#define SEED TEST_SOURCE_ROOT "/tests/data/network-seed.conf"

static NetConfig *parse_ok(const char *text) {
        NetConfig *c = NULL;
        ConfError err = {};

        if (netconf_parse(text, strlen(text), "network.conf", &c, &err) < 0)
                g_error("parse failed: %s:%u:%u: %s", err.file, err.line, err.column, err.message);
        return c;
}

static void test_seed(void) {
        g_autofree char *text = NULL, *s = NULL, *s2 = NULL;
        size_t size = 0;
        NetConfig *c, *c2;

        g_assert_cmpint(read_full_file(SEED, &text, &size), ==, 0);
        c = parse_ok(text);
        g_assert_cmpuint(c->n_objects, ==, 8);
        const NetObject *ns = &c->objects[0], *veth = &c->objects[1], *br = &c->objects[2], *trunk = &c->objects[5],
                        *vlan = &c->objects[6], *qinq = &c->objects[7];
        g_assert_cmpuint(ns->kinds, ==, NET_KIND_NET | NET_KIND_UTS);
        g_assert_cmpstr(ns->hostname, ==, "zz");
        g_assert_cmpstr(veth->peer_namespace, ==, "zzns");
        g_assert_cmpstr(veth->peer_addresses[1], ==, "fd00:10::2/64");
        g_assert_cmpuint(veth->mtu, ==, 1500);
        g_assert_cmpint(br->vlan_filtering, ==, 1);
        g_assert_true(br->has_default_pvid);
        g_assert_cmpuint(br->default_pvid, ==, 0);
        g_assert_cmpint(c->objects[3].port.mode, ==, PORT_MODE_ACCESS);
        g_assert_cmpuint(c->objects[4].port.access_vlan, ==, 20);
        g_assert_cmpint(trunk->port.mode, ==, PORT_MODE_TRUNK);
        g_assert_cmpuint(vlan_set_count(&trunk->port.allowed), ==, 13);
        g_assert_cmpuint(trunk->port.native_vlan, ==, 99);
        g_assert_cmpuint(vlan->id, ==, 10);
        g_assert_cmphex(vlan->protocol, ==, VLAN_PROTO_8021Q);
        g_assert_cmphex(vlan->flags, ==, VLAN_FLAG_REORDER_HDR_BIT | VLAN_FLAG_LOOSE_BINDING_BIT);
        g_assert_cmpuint(vlan->n_egress, ==, 2);
        g_assert_cmpuint(vlan->egress[0].to, ==, 3);
        g_assert_cmphex(qinq->protocol, ==, VLAN_PROTO_8021AD);
        g_assert_cmpstr(qinq->namespace, ==, "zzns");

        /* The seed file is already canonical: byte-stable round trip. */
        g_assert_cmpint(netconf_serialize(c, &s), ==, 0);
        g_assert_cmpstr(s, ==, text);
        c2 = parse_ok(s);
        g_assert_cmpint(netconf_serialize(c2, &s2), ==, 0);
        g_assert_cmpstr(s, ==, s2);
        netconf_free(c);
        netconf_free(c2);
}

static void test_canonical_from_loose(void) {
        NetConfig *c = parse_ok("# loose layout\nvlan v { id = 7; parent = \"eth0\"; egress-qos-map = 0:3, 5:5; flags = mvrp reorder_hdr; }"
                                "  bridge b{vlan-filtering=no;}");
        g_autofree char *s = NULL;

        g_assert_cmpint(netconf_serialize(c, &s), ==, 0);
        g_assert_cmpstr(s, ==,
                        "vlan v {\n\tparent = eth0;\n\tid = 7;\n\tprotocol = 802.1Q;\n\tflags = reorder_hdr,mvrp;\n"
                        "\tegress-qos-map = 0:3,5:5;\n}\n\nbridge b {\n\tvlan-filtering = no;\n}\n");
        netconf_free(c);
}

static void test_order(void) {
        /* Written backwards: every object before what it needs. */
        NetConfig *c = parse_ok("port br0 veth2 { mode = access; access-vlan = 5; }\n"
                                "vlan v2.5 { parent = v1.5; id = 6; namespace = ns1; }\n"
                                "vlan v1.5 { parent = veth3; id = 5; namespace = ns1; }\n"
                                "veth veth2 { peer = veth3; peer-namespace = ns1; }\n"
                                "bridge br0 { vlan-filtering = yes; }\n"
                                "vlan eth0.9 { parent = eth0; id = 9; }\n"
                                "namespace ns1 { kinds = net; }\n");
        g_autofree size_t *order = NULL;
        GString *s = g_string_new(NULL);

        g_assert_cmpint(netconf_order(c, &order, NULL), ==, 0);
        for (size_t i = 0; i < c->n_objects; i++)
                g_string_append_printf(s, "%s%s", i ? " " : "", c->objects[order[i]].name);
        /* eth0.9 depends on nothing in the file and keeps its place relative to the other ready objects. */
        g_assert_cmpstr(s->str, ==, "br0 eth0.9 ns1 veth2 veth2 v1.5 v2.5");
        g_string_free(s, TRUE);
        netconf_free(c);

        c = parse_ok("vlan a { parent = b; id = 1; }\nvlan b { parent = a; id = 2; }\n");
        ConfError err = {};
        g_assert_cmpint(netconf_order(c, &order, &err), ==, -ELOOP);
        g_assert_nonnull(strstr(err.message, "vlan a is part of a dependency loop"));
        conf_error_done(&err);
        netconf_free(c);
}

static void assert_error(const char *text, const char *expected) {
        NetConfig *c = NULL;
        ConfError err = {};
        g_autofree char *msg = NULL;

        g_assert_cmpint(netconf_parse(text, strlen(text), "network.conf", &c, &err), ==, -EBADMSG);
        g_assert_null(c);
        msg = conf_error_format(&err);
        if (!g_str_equal(msg, expected) && getenv("SOFT"))
                printf("input «%s»\n  got      «%s»\n  expected «%s»\n", text, msg, expected);
        else if (!g_str_equal(msg, expected))
                g_error("input «%s»\n  got      «%s»\n  expected «%s»", text, msg, expected);
        conf_error_done(&err);
}

static void test_errors(void) {
        assert_error("vlan eth0.4095 { parent = eth0; id = 4095; }",
                     "network.conf:1:38: id of vlan eth0.4095: VLAN id 4095 is reserved by 802.1Q (valid: 1–4094)");
        assert_error("vlan v { parent = eth0; id = 0; }",
                     "network.conf:1:30: id of vlan v: VLAN id 0 is reserved: it marks priority-tagged frames that belong to no VLAN (valid: 1–4094)");
        assert_error("vlan v { parent = eth0; id = 5000; }",
                     "network.conf:1:30: id of vlan v: VLAN id 5000 is out of range: the 802.1Q tag holds 12 bits (valid: 1–4094)");
        assert_error("vlan v { parent = eth0; }", "network.conf:1:1: vlan v needs a parent and an id");
        assert_error("vlan v { parent = eth0; id = 5; egress-qos-map = 1:9; }",
                     "network.conf:1:50: egress-qos-map of vlan v: priority mapping '1:9': '9' is not a PCP value (0–7)");
        assert_error("vlan v { parent = eth0; id = 5; protocol = 802.1x; }",
                     "network.conf:1:44: protocol of vlan v: expected 802.1q or 802.1ad");
        assert_error("vlan v { parent = eth0; id = 5; flags = fast; }",
                     "network.conf:1:41: flags of vlan v: unknown VLAN flag 'fast' (known: reorder_hdr, gvrp, mvrp, loose_binding, bridge_binding)");
        assert_error("veth averyveryverylongname { peer = x; }",
                     "network.conf:1:6: interface name 'averyveryverylongname' is longer than 15 bytes (IFNAMSIZ-1)");
        assert_error("veth \"a b\" { peer = x; }", "network.conf:1:6: interface name 'a b' contains whitespace");
        assert_error("veth a { peer = ../x; }", "network.conf:1:17: peer of veth a: interface name '../x' contains '/'");
        assert_error("veth .. { peer = x; }", "network.conf:1:6: interface name '..' is '.' or '..', which name directories");
        assert_error("namespace n { kinds = uts; hostname = \"x;y\"; }",
                     "network.conf:1:39: hostname of namespace n: may hold only letters, digits, '-' and '.'");
        assert_error("namespace n { kinds = uts; hostname = \"\"; }", "network.conf:1:39: hostname of namespace n: is empty");
        assert_error("veth a { peer = b; address = 10.0.0.1; }",
                     "network.conf:1:30: address of veth a: address '10.0.0.1' needs a prefix length, e.g. 10.0.0.1/24");
        assert_error("veth a { peer = b; address = 10.0.0.256/24; }", "network.conf:1:30: address of veth a: '10.0.0.256' is not an IPv4 address");
        assert_error("veth a { peer = b; peer-address = fd00::1/129; }",
                     "network.conf:1:35: peer-address of veth a: prefix length '129' of fd00::1 is out of range (0–128)");
        assert_error("veth a { peer = b; peer-namespace = nons; }",
                     "network.conf:1:1: veth a: peer-namespace 'nons' is neither defined in this file nor \"host\"");
        assert_error("veth a { }", "network.conf:1:1: veth a needs a peer");
        assert_error("veth a { peer = b; peer = c; }", "network.conf:1:20: peer is set twice in veth a (first on line 1)");
        assert_error("veth a { colour = red; }",
                     "network.conf:1:10: unknown setting 'colour' in veth a (known: peer, namespace, peer-namespace, mtu, address, peer-address)");
        assert_error("veth a { peer = b; mtu = 10; }", "network.conf:1:26: mtu of veth a: not an MTU (68–65535)");
        assert_error("port br9 eth1 { mode = access; access-vlan = 10; }", "network.conf:1:1: port eth1: bridge 'br9' is not defined in this file");
        assert_error("bridge b { vlan-filtering = yes; }\nport b e { mode = access; }",
                     "network.conf:2:1: port e of bridge b: an access port takes exactly one VLAN (access-vlan) and no allowed-vlans or native-vlan");
        assert_error("bridge b { vlan-filtering = yes; }\nport b e { mode = access; access-vlan = 3; native-vlan = 4; }",
                     "network.conf:2:1: port e of bridge b: an access port takes exactly one VLAN (access-vlan) and no allowed-vlans or native-vlan");
        assert_error("bridge b { vlan-filtering = yes; }\nport b e { mode = trunk; native-vlan = 4; }",
                     "network.conf:2:1: port e of bridge b: a trunk port takes allowed-vlans (and at most one native-vlan), not access-vlan");
        assert_error("bridge b { vlan-filtering = yes; }\nport b e { mode = trunk; allowed-vlans = 1-5000; }",
                     "network.conf:2:42: allowed-vlans of port e of bridge b: VLAN id 5000 is out of range: the 802.1Q tag holds 12 bits (valid: 1–4094)");
        assert_error("bridge b { vlan-filtering = no; }\nport b e { mode = access; access-vlan = 3; }",
                     "network.conf:2:1: port e: bridge b has vlan-filtering = no, so ports cannot have VLANs");
        assert_error("bridge b { mode = trunk; }", "network.conf:1:12: unknown setting 'mode' in bridge b (known: namespace, vlan-filtering, default-pvid, mtu, address)");
        assert_error("namespace host { }", "network.conf:1:11: 'host' means the host's own namespaces and cannot be defined");
        assert_error("namespace n { kinds = net, pid; }", "network.conf:1:23: kinds of namespace n: unknown namespace kind (known: net, uts, ipc)");
        assert_error("bridge x { }\nveth x { peer = y; }", "network.conf:2:1: veth x: the name x is already used on line 1");
        assert_error("veth a { peer = b; }\nbridge b { }", "network.conf:2:1: bridge b: the name b is already used on line 1");
        assert_error("veth a { peer = b; }\nveth c { peer = b; }", "network.conf:2:1: veth c: the name b is already used on line 1");
        assert_error("switch s { }", "network.conf:1:1: unknown section 'switch' (expected namespace, veth, bridge, port or vlan)");
        assert_error("veth a { peer = b }", "network.conf:1:19: expected a value or ';', found '}'");
        assert_error("veth a { peer = b; { } }", "network.conf:1:20: expected a setting or '}', found '{'");
        assert_error("veth a { peer; }", "network.conf:1:14: expected '=', found ';'");
        assert_error("veth a { peer = ; }", "network.conf:1:10: 'peer' has no value");
}

/* Names may hold the grammar's own characters; they come back quoted, and read back the same. */
static void test_quoted_names(void) {
        const char *text = "namespace \"n#1\" {\n\tkinds = net, uts;\n\thostname = h-1.example;\n}\n\n"
                           "veth \"a;b\" {\n\tpeer = \"c{d\";\n\tpeer-namespace = \"n#1\";\n\tnamespace = \"x=y\";\n}\n\n"
                           "namespace \"x=y\" {\n}\n";
        g_autofree char *s = NULL;
        NetConfig *c = parse_ok(text);

        g_assert_cmpstr(c->objects[1].name, ==, "a;b");
        g_assert_cmpstr(c->objects[1].peer, ==, "c{d");
        g_assert_cmpint(netconf_serialize(c, &s), ==, 0);
        g_assert_cmpstr(s, ==, text);
        netconf_free(c);
}

static void test_same_name_in_other_namespace(void) {
        /* Two "eth0.5"s are fine when they live in different namespaces. */
        NetConfig *c = parse_ok("namespace n { kinds = net; }\nvlan eth0.5 { parent = eth0; id = 5; }\n"
                                "veth eth0 { peer = p0; namespace = n; }\nvlan e5 { parent = eth0; id = 5; namespace = n; }\n");
        g_autofree size_t *order = NULL;
        g_assert_cmpint(netconf_order(c, &order, NULL), ==, 0);
        /* e5 sits on the veth in n, eth0.5 on the host's eth0 (not in the file). */
        g_assert_cmpuint(order[0], ==, 0);
        g_assert_cmpuint(order[1], ==, 1);
        g_assert_cmpuint(order[2], ==, 2);
        g_assert_cmpuint(order[3], ==, 3);
        netconf_free(c);
}

static void test_garbage(void) {
        size_t size = 1024 * 1024;
        g_autofree char *buf = g_malloc(size);
        GRand *rand = g_rand_new_with_seed(3);
        NetConfig *c = NULL;
        ConfError err = {};
        gint64 start = g_get_monotonic_time();

        for (size_t i = 0; i < size; i++)
                buf[i] = (char) g_rand_int_range(rand, 0, 256);
        g_assert_cmpint(netconf_parse(buf, size, "rand", &c, &err), ==, -EBADMSG);
        conf_error_done(&err);
        memset(buf, '{', size);
        memcpy(buf, "veth a ", 7);
        g_assert_cmpint(netconf_parse(buf, size, "deep", &c, &err), ==, -EBADMSG);
        g_assert_cmpuint(err.column, ==, 9);
        conf_error_done(&err);
        /* One value of 1 MB of words. */
        memset(buf, ' ', size);
        memcpy(buf, "veth a { peer = ", 16);
        for (size_t i = 16; i + 1 < size; i += 2)
                buf[i] = 'x';
        g_assert_cmpint(netconf_parse(buf, size, "wide", &c, &err), ==, -EBADMSG);
        conf_error_done(&err);
        /* 1 MB of valid sections: checks and ordering stay linear. */
        GString *big = g_string_new("namespace n { kinds = net; }\n");
        for (unsigned i = 0; big->len < size; i++)
                g_string_append_printf(big, "vlan v%u { parent = eth0; id = %u; namespace = n; }\n", i, i % 4094 + 1);
        g_assert_cmpint(netconf_parse(big->str, big->len, "big", &c, &err), ==, 0);
        g_autofree size_t *order = NULL;
        g_assert_cmpint(netconf_order(c, &order, NULL), ==, 0);
        g_assert_cmpuint(order[0], ==, 0);
        g_test_message("%zu sections parsed and ordered", c->n_objects);
        netconf_free(c);
        g_string_free(big, TRUE);
        g_rand_free(rand);
        g_test_message("1 MB inputs refused in %.2f s", (g_get_monotonic_time() - start) / 1e6);
        g_assert_cmpint(g_get_monotonic_time() - start, <, 20 * G_USEC_PER_SEC);
}

/* virtd.conf(5) shows the seed example; it must be the file the tests parse, byte for byte. */
static void test_man_example(void) {
        g_autofree char *man = NULL, *seed = NULL;
        size_t size = 0;

        g_assert_cmpint(read_full_file(TEST_SOURCE_ROOT "/man/virtd.conf.5.in", &man, &size), ==, 0);
        g_assert_cmpint(read_full_file(SEED, &seed, &size), ==, 0);
        const char *start = strstr(man, ".SH EXAMPLE");
        g_assert_nonnull(start);
        start = strstr(start, "\n.nf\n");
        g_assert_nonnull(start);
        start += 5;
        const char *end = strstr(start, ".fi\n");
        g_assert_nonnull(end);
        g_autofree char *example = g_strndup(start, end - start);
        g_assert_cmpstr(example, ==, seed);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/netconf/seed", test_seed);
        g_test_add_func("/netconf/canonical-from-loose", test_canonical_from_loose);
        g_test_add_func("/netconf/order", test_order);
        g_test_add_func("/netconf/errors", test_errors);
        g_test_add_func("/netconf/quoted-names", test_quoted_names);
        g_test_add_func("/netconf/same-name-other-namespace", test_same_name_in_other_namespace);
        g_test_add_func("/netconf/garbage", test_garbage);
        g_test_add_func("/netconf/man-example", test_man_example);
        return g_test_run();
}
