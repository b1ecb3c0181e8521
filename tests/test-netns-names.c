/* test-netns-names.c: validation of namespace and link names, kinds, id maps, addresses and MACs. */
#include <arpa/inet.h>
#include <glib.h>
#include <string.h>

#include "netns-names.h"

static void test_link_names(void) {
        g_assert_null(link_name_invalid_reason("veth0"));
        g_assert_null(link_name_invalid_reason("a23456789012345")); /* 15 = IFNAMSIZ-1 */
        g_assert_nonnull(strstr(link_name_invalid_reason("a234567890123456"), "IFNAMSIZ"));
        g_assert_cmpstr(link_name_invalid_reason(""), ==, "is empty");
        g_assert_cmpstr(link_name_invalid_reason("a/b"), ==, "contains '/'");
        g_assert_cmpstr(link_name_invalid_reason("a b"), ==, "contains whitespace");
        g_assert_cmpstr(link_name_invalid_reason("a\tb"), ==, "contains a control character");
        g_assert_cmpstr(link_name_invalid_reason("a\x7f"), ==, "contains a control character");
        g_assert_nonnull(link_name_invalid_reason("."));
        g_assert_nonnull(link_name_invalid_reason(".."));
        g_assert_nonnull(strstr(link_name_invalid_reason("eth0:1"), "':'"));
        g_assert_null(link_name_invalid_reason("..."));
}

static void test_namespace_names(void) {
        char longname[66];

        g_assert_null(namespace_name_invalid_reason("zzns"));
        g_assert_null(namespace_name_invalid_reason("with:colon-and.dot"));
        g_assert_nonnull(namespace_name_invalid_reason("a/b"));
        g_assert_nonnull(namespace_name_invalid_reason(".."));
        g_assert_nonnull(namespace_name_invalid_reason("new\nline"));
        memset(longname, 'x', 65);
        longname[65] = 0;
        g_assert_nonnull(strstr(namespace_name_invalid_reason(longname), "64"));
        longname[64] = 0;
        g_assert_null(namespace_name_invalid_reason(longname));
}

static void test_kinds(void) {
        for (int k = 0; k < _NAMESPACE_KIND_MAX; k++) {
                g_assert_cmpint(namespace_kind_from_string(namespace_kind_to_string(k)), ==, k);
                g_assert_cmpint(namespace_kind_to_clone_flag(k), !=, 0);
        }
        g_assert_cmpint(namespace_kind_from_string("mount"), <, 0);
        /* Joining order: user first, mnt last. */
        g_assert_cmpint(NAMESPACE_USER, ==, 0);
        g_assert_cmpint(NAMESPACE_MNT, ==, _NAMESPACE_KIND_MAX - 1);
}

static void test_id_maps(void) {
        char reason[128];
        IdMapEntry ok[] = { { 0, 100000, 65536 }, { 65536, 1000, 1 } };
        IdMapEntry empty[] = { { 0, 1000, 0 } };
        IdMapEntry inside[] = { { 0, 100000, 10 }, { 5, 200000, 10 } };
        IdMapEntry outside[] = { { 0, 100000, 10 }, { 100, 100005, 10 } };
        IdMapEntry wrap[] = { { 4294967295u, 0, 2 } };
        IdMapEntry top[] = { { 4294967295u, 4294967295u, 1 } };
        g_autofree char *text = id_map_format(ok, 2);

        g_assert_cmpint(id_map_check(ok, 2, reason, sizeof(reason)), ==, 0);
        g_assert_cmpstr(text, ==, "0 100000 65536\n65536 1000 1\n");
        g_assert_cmpint(id_map_check(top, 1, reason, sizeof(reason)), ==, 0);
        g_assert_cmpint(id_map_check(empty, 1, reason, sizeof(reason)), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "empty"));
        g_assert_cmpint(id_map_check(inside, 2, reason, sizeof(reason)), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "inside"));
        g_assert_cmpint(id_map_check(outside, 2, reason, sizeof(reason)), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "outside"));
        g_assert_cmpint(id_map_check(wrap, 1, reason, sizeof(reason)), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "4294967295"));
        g_assert_cmpint(id_map_check(NULL, 0, reason, sizeof(reason)), ==, 0);
}

static void assert_prefix(const char *in, const char *out) {
        char buf[IP_PREFIX_STRING_MAX];
        IpPrefix p;

        g_assert_cmpint(ip_prefix_parse(in, &p), ==, 0);
        g_assert_cmpstr(ip_prefix_format(&p, buf, sizeof(buf)), ==, out);
}

static void test_prefixes(void) {
        IpPrefix p;

        assert_prefix("10.0.0.1/24", "10.0.0.1/24");
        assert_prefix("10.0.0.1", "10.0.0.1/32");
        assert_prefix("fd00:0::1/64", "fd00::1/64");
        assert_prefix("::1", "::1/128");
        g_assert_cmpint(ip_prefix_parse("10.0.0.1/24", &p), ==, 0);
        g_assert_cmpint(p.family, ==, AF_INET);
        const char *bad[] = { "", "10.0.0.300/24", "10.0.0.1/33", "fd00::1/129", "10.0.0.1/", "10.0.0.1/-1",
                              "10.0.0.1/2x", "host.example", "/24", "10.0.0.1/24/1" };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
                g_assert_cmpint(ip_prefix_parse(bad[i], &p), ==, -EINVAL);
}

static void test_macs(void) {
        const char *reason = NULL;
        uint8_t mac[6];

        g_assert_cmpint(mac_parse("02:00:5e:10:00:01", mac, &reason), ==, 0);
        g_assert_cmpint(mac[0], ==, 2);
        g_assert_cmpint(mac[5], ==, 1);
        g_assert_cmpint(mac_parse("02:00:5E:10:00:0A", mac, &reason), ==, 0);
        g_assert_cmpint(mac_parse("00:00:00:00:00:00", mac, &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "zeros"));
        g_assert_cmpint(mac_parse("01:00:5e:00:00:01", mac, &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "multicast"));
        g_assert_cmpint(mac_parse("02:00:5e:10:00", mac, &reason), ==, -EINVAL);
        g_assert_cmpint(mac_parse("02-00-5e-10-00-01", mac, &reason), ==, -EINVAL);
        g_assert_cmpint(mac_parse("02:00:5e:10:00:0g", mac, &reason), ==, -EINVAL);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/netns-names/link-names", test_link_names);
        g_test_add_func("/netns-names/namespace-names", test_namespace_names);
        g_test_add_func("/netns-names/kinds", test_kinds);
        g_test_add_func("/netns-names/id-maps", test_id_maps);
        g_test_add_func("/netns-names/prefixes", test_prefixes);
        g_test_add_func("/netns-names/macs", test_macs);
        return g_test_run();
}
