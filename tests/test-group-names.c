/* test-group-names.c: CONTROLLERS:PATH parsing, path validation, object paths and v1/v2 names, without I/O. */
#include <errno.h>
#include <glib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "group-name.h"
#include "macro.h"
#include "strv.h"

static void assert_spec(const char *s, const char *controllers, const char *path) {
        GroupSpec spec = {};
        const char *reason = NULL;
        g_autofree char *joined = NULL;

        g_assert_cmpint(group_spec_parse(s, &spec, &reason), ==, 0);
        g_assert_cmpstr(spec.path, ==, path);
        if (controllers) {
                joined = strv_join(spec.controllers, ",");
                g_assert_cmpstr(joined, ==, controllers);
        } else
                g_assert_null(spec.controllers);
        group_spec_done(&spec);
}

static void assert_spec_refused(const char *s, const char *reason_part) {
        GroupSpec spec = {};
        const char *reason = NULL;

        g_assert_cmpint(group_spec_parse(s, &spec, &reason), ==, -EINVAL);
        g_assert_nonnull(reason);
        if (reason_part && !strstr(reason, reason_part))
                g_error("'%s' refused for '%s', expected '%s'", s, reason, reason_part);
        g_assert_null(spec.path);
}

static void test_spec_parse(void) {
        assert_spec("cpu,memory:/service_group/web", "cpu,memory", "/service_group/web");
        assert_spec("cpu:/a", "cpu", "/a");
        assert_spec("/a/b", NULL, "/a/b");
        assert_spec("/", NULL, "/");
        assert_spec("io,pids:/x", "io,pids", "/x");
        assert_spec("name=systemd:/x", "name=systemd", "/x");
        /* A ':' after the first '/' belongs to the path. */
        assert_spec("/a:b", NULL, "/a:b");
        assert_spec("cpu:/a:b", "cpu", "/a:b");

        assert_spec_refused("cpu,cpu:/a", "twice");
        assert_spec_refused("cpu,frob:/a", "unknown controller");
        assert_spec_refused(":/a", "empty controller");
        assert_spec_refused("cpu,:/a", "empty controller");
        assert_spec_refused("cpu:a", "does not start with '/'");
        assert_spec_refused("cpu:", "is empty");
        assert_spec_refused("name=:/a", "unknown controller");
}

static void test_path_validate(void) {
        const char *reason = NULL;
        char long_name[300], long_path[1100];

        g_assert_cmpint(group_path_validate("/a/b.c/d-e_f@g+h", &reason), ==, 0);
        g_assert_cmpint(group_path_validate("/../etc", &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, ".."));
        g_assert_cmpint(group_path_validate("/a/../../b", &reason), ==, -EINVAL);
        g_assert_cmpint(group_path_validate("/a/./b", &reason), ==, -EINVAL);
        g_assert_cmpint(group_path_validate("/a/..", &reason), ==, -EINVAL);
        g_assert_cmpint(group_path_validate("a/b", &reason), ==, -EINVAL);
        g_assert_cmpint(group_path_validate("//a", &reason), ==, -EINVAL);
        g_assert_cmpint(group_path_validate("/a/", &reason), ==, -EINVAL);
        g_assert_cmpint(group_path_validate("/a\nb", &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "control character"));
        g_assert_cmpint(group_path_validate("/a\tb", &reason), ==, -EINVAL);
        g_assert_cmpint(group_path_validate("/a b", &reason), ==, -EINVAL);
        g_assert_cmpint(group_path_validate("/a\"b", &reason), ==, -EINVAL);
        g_assert_cmpint(group_path_validate("/é", &reason), ==, -EINVAL);
        /* "..." is an ordinary name. */
        g_assert_cmpint(group_path_validate("/...", &reason), ==, 0);

        long_name[0] = '/';
        memset(long_name + 1, 'x', 255);
        long_name[256] = 0;
        g_assert_cmpint(group_path_validate(long_name, &reason), ==, 0);
        long_name[256] = 'x';
        long_name[257] = 0;
        g_assert_cmpint(group_path_validate(long_name, &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "255"));

        for (size_t i = 0; i < sizeof(long_path) - 1; i += 2) {
                long_path[i] = '/';
                long_path[i + 1] = 'a';
        }
        long_path[1024] = 0;
        g_assert_cmpint(group_path_validate(long_path, &reason), ==, 0);
        long_path[1024] = '/';
        long_path[1025] = 'a';
        long_path[1026] = 0;
        g_assert_cmpint(group_path_validate(long_path, &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "1024"));
}

static void test_parameter_controller(void) {
        char *c = NULL;

        g_assert_cmpint(group_parameter_controller("cpu.shares", &c), ==, 0);
        g_assert_cmpstr(c, ==, "cpu");
        g_clear_pointer(&c, free);
        g_assert_cmpint(group_parameter_controller("hugetlb.2MB.limit_in_bytes", &c), ==, 0);
        g_assert_cmpstr(c, ==, "hugetlb");
        g_clear_pointer(&c, free);
        g_assert_cmpint(group_parameter_controller("io.weight", &c), ==, 0);
        g_assert_cmpstr(c, ==, "io");
        g_clear_pointer(&c, free);
        g_assert_cmpint(group_parameter_controller("frob.x", &c), ==, -EINVAL);
        g_assert_cmpint(group_parameter_controller("cpu", &c), ==, -EINVAL);
        g_assert_cmpint(group_parameter_controller("cpu.", &c), ==, -EINVAL);
        g_assert_cmpint(group_parameter_controller("../cpu.shares", &c), ==, -EINVAL);
        g_assert_cmpint(group_parameter_controller("cpu.shares/../../x", &c), ==, -EINVAL);
        g_assert_cmpint(group_parameter_controller("cpu.sha res", &c), ==, -EINVAL);
        g_assert_null(c);
}

static void test_value_validate(void) {
        const char *reason = NULL;

        g_assert_cmpint(group_value_validate("c 1:3 rwm", &reason), ==, 0);
        g_assert_cmpint(group_value_validate("", &reason), ==, 0);
        g_assert_cmpint(group_value_validate("1\n2", &reason), ==, -EINVAL);
        g_assert_nonnull(strstr(reason, "line break"));
        g_assert_cmpint(group_value_validate("a\"b", &reason), ==, -EINVAL);
}

static void test_object_path(void) {
        g_autofree char *o = NULL, *back = NULL, *o2 = NULL, *back2 = NULL;

        g_assert_cmpint(group_object_path("/service_group/web", &o), ==, 0);
        g_assert_cmpstr(o, ==, "/org/virtd/Virtd1/group/service_5fgroup_2fweb");
        g_assert_cmpint(group_path_from_object(o, &back), ==, 0);
        g_assert_cmpstr(back, ==, "/service_group/web");

        g_assert_cmpint(group_object_path("/a.b@c:d+e-f", &o2), ==, 0);
        g_assert_true(sd_bus_object_path_is_valid(o2));
        g_assert_cmpint(group_path_from_object(o2, &back2), ==, 0);
        g_assert_cmpstr(back2, ==, "/a.b@c:d+e-f");

        char *x = NULL;
        g_assert_cmpint(group_path_from_object("/org/virtd/Virtd1/link/x", &x), <, 0);
        g_assert_cmpint(group_path_from_object("/org/virtd/Virtd1/group/_2e_2e", &x), ==, -ENXIO);
        g_assert_null(x);
}

static void test_v2_controller_names(void) {
        g_assert_cmpstr(group_controller_to_v2("blkio"), ==, "io");
        g_assert_cmpstr(group_controller_to_v2("cpuacct"), ==, "cpu");
        g_assert_cmpstr(group_controller_to_v2("cpu"), ==, "cpu");
        g_assert_cmpstr(group_controller_to_v2("memory"), ==, "memory");
        g_assert_cmpstr(group_controller_to_v2("pids"), ==, "pids");
        g_assert_cmpstr(group_controller_to_v2("cpuset"), ==, "cpuset");
        g_assert_cmpstr(group_controller_to_v2("hugetlb"), ==, "hugetlb");
        g_assert_cmpstr(group_controller_to_v2("perf_event"), ==, "perf_event");
        g_assert_null(group_controller_to_v2("devices"));
        g_assert_null(group_controller_to_v2("freezer"));
        g_assert_null(group_controller_to_v2("net_cls"));
        g_assert_null(group_controller_to_v2("net_prio"));
        g_assert_cmpstr(group_controller_to_v1("io"), ==, "blkio");
        g_assert_cmpstr(group_controller_to_v1("memory"), ==, "memory");
        g_assert_null(group_controller_to_v1("frob"));
        g_assert_cmpint(group_controller_validate("io"), ==, 0);
        g_assert_cmpint(group_controller_validate("blkio"), ==, 0);
        g_assert_cmpint(group_controller_validate("name=systemd"), ==, 0);
        g_assert_cmpint(group_controller_validate("name=Bad"), ==, -EINVAL);
        g_assert_cmpint(group_controller_validate("systemd"), ==, -EINVAL);
}

static void assert_v2(const char *name, const char *value, const char *v2_name, const char *v2_value) {
        g_autofree char *n = NULL, *v = NULL;

        g_assert_cmpint(group_parameter_to_v2(name, value, &n, &v), ==, 0);
        g_assert_cmpstr(n, ==, v2_name);
        g_assert_cmpstr(v, ==, v2_value);
}

static void test_v2_parameters(void) {
        char *n = NULL, *v = NULL;

        assert_v2("cpu.shares", "1024", "cpu.weight", "100");
        assert_v2("cpu.shares", "512", "cpu.weight", "50");
        assert_v2("cpu.shares", "2", "cpu.weight", "1");
        assert_v2("cpu.shares", "262144", "cpu.weight", "10000");
        assert_v2("cpu.cfs_quota_us", "50000", "cpu.max", "50000 100000");
        assert_v2("cpu.cfs_quota_us", "-1", "cpu.max", "max 100000");
        assert_v2("memory.limit_in_bytes", "104857600", "memory.max", "104857600");
        assert_v2("memory.limit_in_bytes", "-1", "memory.max", "max");
        assert_v2("memory.soft_limit_in_bytes", "1000", "memory.high", "1000");
        assert_v2("blkio.weight", "500", "io.weight", "500");
        assert_v2("hugetlb.2MB.limit_in_bytes", "4194304", "hugetlb.2MB.max", "4194304");
        assert_v2("cpuset.cpus", "0-1", "cpuset.cpus", "0-1");
        assert_v2("pids.max", "max", "pids.max", "max");

        g_assert_cmpint(group_parameter_to_v2("cpu.shares", "abc", &n, &v), ==, -EINVAL);
        g_assert_cmpint(group_parameter_to_v2("cpu.shares", "-5", &n, &v), ==, -EINVAL);
        g_assert_cmpint(group_parameter_to_v2("memory.limit_in_bytes", "lots", &n, &v), ==, -EINVAL);
        g_assert_cmpint(group_parameter_to_v2("devices.allow", "a", &n, &v), ==, -EOPNOTSUPP);
        g_assert_cmpint(group_parameter_to_v2("memory.swappiness", "10", &n, &v), ==, -EOPNOTSUPP);
        g_assert_null(n);
        g_assert_null(v);
        g_assert_cmpuint(group_cpu_shares_to_weight(0), ==, 1);
        g_assert_cmpuint(group_cpu_shares_to_weight(1ULL << 40), ==, 10000);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/group-names/spec-parse", test_spec_parse);
        g_test_add_func("/group-names/path-validate", test_path_validate);
        g_test_add_func("/group-names/parameter-controller", test_parameter_controller);
        g_test_add_func("/group-names/value-validate", test_value_validate);
        g_test_add_func("/group-names/object-path", test_object_path);
        g_test_add_func("/group-names/v2-controller-names", test_v2_controller_names);
        g_test_add_func("/group-names/v2-parameters", test_v2_parameters);
        return g_test_run();
}
