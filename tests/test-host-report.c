/* test-host-report.c: the host report's parsers and checks, fed from fake /proc and /sys trees. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "host-report.h"
#include "macro.h"

static const char hybrid_mountinfo[] =
        "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
        "31 22 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char unified_mountinfo[] =
        "22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
        "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";

static const char legacy_mountinfo[] =
        "31 22 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n";

static void test_cgroup_mode(void) {
        g_autofree char *v2 = NULL;

        g_assert_cmpint(cgroup_mode_from_mountinfo(hybrid_mountinfo, &v2), ==, CGROUP_MODE_HYBRID);
        g_assert_cmpstr(v2, ==, "/sys/fs/cgroup/unified");
        g_clear_pointer(&v2, g_free);
        g_assert_cmpint(cgroup_mode_from_mountinfo(unified_mountinfo, &v2), ==, CGROUP_MODE_UNIFIED);
        g_assert_cmpstr(v2, ==, "/sys/fs/cgroup");
        g_clear_pointer(&v2, g_free);
        g_assert_cmpint(cgroup_mode_from_mountinfo(legacy_mountinfo, &v2), ==, CGROUP_MODE_LEGACY);
        g_assert_null(v2);
        g_assert_cmpint(cgroup_mode_from_mountinfo("", NULL), ==, CGROUP_MODE_UNKNOWN);
        g_assert_cmpint(cgroup_mode_from_mountinfo("garbage without separator\n\n", NULL), ==, CGROUP_MODE_UNKNOWN);
}

static void test_cpuinfo(void) {
        g_autofree char *vendor = NULL, *flag = NULL;

        g_assert_cmpint(cpuinfo_parse("processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme vmx sse\n", &vendor,
                                      &flag), ==, 0);
        g_assert_cmpstr(vendor, ==, "GenuineIntel");
        g_assert_cmpstr(flag, ==, "vmx");
        g_clear_pointer(&vendor, g_free);
        g_clear_pointer(&flag, g_free);
        g_assert_cmpint(cpuinfo_parse("vendor_id : AuthenticAMD\nflags : fpu svm\n", &vendor, &flag), ==, 0);
        g_assert_cmpstr(flag, ==, "svm");
        g_clear_pointer(&vendor, g_free);
        g_clear_pointer(&flag, g_free);
        /* "vmxfoo" is not "vmx": whole words only. */
        g_assert_cmpint(cpuinfo_parse("vendor_id : X\nflags : vmxfoo svm_lock\n", &vendor, &flag), ==, 0);
        g_assert_cmpstr(flag, ==, "");
        g_clear_pointer(&vendor, g_free);
        g_clear_pointer(&flag, g_free);
        g_assert_cmpint(cpuinfo_parse("", &vendor, &flag), ==, 0);
        g_assert_cmpstr(vendor, ==, "");
}

static void test_controllers(void) {
        static const char proc_cgroups[] =
                "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
                "cpu\t1\t1\t1\n"
                "cpuacct\t2\t1\t1\n"
                "memory\t4\t49\t1\n"
                "net_cls\t0\t1\t1\n"
                "hugetlb\t0\t1\t1\n";
        ControllerInfo *c = NULL;
        size_t n = 0;

        g_assert_cmpint(controllers_parse(proc_cgroups, hybrid_mountinfo, "hugetlb misc\n", "/sys/fs/cgroup/unified",
                                          &c, &n), ==, 0);
        g_assert_cmpuint(n, ==, 6);
        g_assert_cmpstr(c[0].name, ==, "cpu");
        g_assert_cmpint(c[0].version, ==, 1);
        g_assert_cmpuint(c[0].hierarchy, ==, 1);
        g_assert_cmpstr(c[0].mount, ==, "/sys/fs/cgroup/cpu");
        g_assert_cmpstr(c[3].name, ==, "net_cls");
        g_assert_cmpint(c[3].version, ==, 0);
        g_assert_null(c[3].mount);
        g_assert_cmpstr(c[4].name, ==, "hugetlb");
        g_assert_cmpint(c[4].version, ==, 2);
        g_assert_cmpstr(c[4].mount, ==, "/sys/fs/cgroup/unified");
        g_assert_cmpstr(c[5].name, ==, "misc"); /* v2-only, not in /proc/cgroups */
        g_assert_cmpint(c[5].version, ==, 2);
        for (size_t i = 0; i < n; i++) {
                g_free(c[i].name);
                g_free(c[i].mount);
        }
        g_free(c);
}

static void test_hypervisor_names(void) {
        g_assert_cmpstr(hypervisor_from_cpuid_signature("KVMKVMKVM"), ==, "kvm");
        g_assert_cmpstr(hypervisor_from_cpuid_signature("Microsoft Hv"), ==, "microsoft");
        g_assert_cmpstr(hypervisor_from_cpuid_signature("VMwareVMware"), ==, "vmware");
        g_assert_cmpstr(hypervisor_from_cpuid_signature("XenVMMXenVMM"), ==, "xen");
        g_assert_cmpstr(hypervisor_from_cpuid_signature("TCGTCGTCGTCG"), ==, "qemu");
        g_assert_cmpstr(hypervisor_from_cpuid_signature("SomethingNew"), ==, "other");
        g_assert_null(hypervisor_from_cpuid_signature(""));
        g_assert_cmpstr(hypervisor_from_dmi("QEMU", "Standard PC (Q35 + ICH9, 2009)", NULL), ==, "qemu");
        g_assert_cmpstr(hypervisor_from_dmi("Microsoft Corporation", "Virtual Machine", NULL), ==, "microsoft");
        g_assert_null(hypervisor_from_dmi("Microsoft Corporation", "Surface Pro", NULL));
        g_assert_null(hypervisor_from_dmi("Dell Inc.", "PowerEdge R740", "Dell Inc."));
}

static void test_v2_controller_names(void) {
        g_assert_false(controller_exists_in_v2("devices"));
        g_assert_false(controller_exists_in_v2("cpuacct"));
        g_assert_false(controller_exists_in_v2("freezer"));
        g_assert_false(controller_exists_in_v2("net_cls"));
        g_assert_true(controller_exists_in_v2("cpu"));
        g_assert_true(controller_exists_in_v2("memory"));
        g_assert_true(controller_exists_in_v2("io"));
}

/* --- a whole fake host --- */

static void put(const char *root, const char *path, const char *content) {
        g_autofree char *full = g_build_filename(root, path, NULL);
        g_autofree char *dir = g_path_get_dirname(full);

        g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
        g_assert_true(g_file_set_contents(full, content, -1, NULL));
}

static const HostCheck *find_check(const HostReport *r, const char *id) {
        for (size_t i = 0; i < r->n_checks; i++)
                if (streq(r->checks[i].id, id))
                        return &r->checks[i];
        g_error("no check %s", id);
}

static char *make_intel_host(bool unified) {
        char *root = g_dir_make_tmp("virtd-host-XXXXXX", NULL);

        put(root, "proc/cpuinfo", "vendor_id\t: GenuineIntel\nflags\t\t: fpu vmx ept\n");
        put(root, "dev/kvm", "");
        put(root, "sys/module/kvm_intel/parameters/nested", "Y\n");
        put(root, "sys/firmware/acpi/tables/DMAR", "");
        put(root, "sys/class/iommu/dmar0/x", "");
        put(root, "sys/kernel/iommu_groups/0/x", "");
        put(root, "sys/kernel/iommu_groups/1/x", "");
        put(root, "sys/class/dmi/id/sys_vendor", "Dell Inc.\n");
        for (const char *ns = "cgroup\0ipc\0mnt\0net\0pid\0time\0user\0uts\0"; *ns; ns += strlen(ns) + 1) {
                g_autofree char *p = g_strdup_printf("proc/self/ns/%s", ns);
                put(root, p, "");
        }
        if (unified) {
                put(root, "proc/self/mountinfo", unified_mountinfo);
                put(root, "proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t0\t1\t1\nmemory\t0\t1\t1\n");
                put(root, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
        } else {
                put(root, "proc/self/mountinfo", hybrid_mountinfo);
                put(root, "proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t1\t1\t1\ncpuacct\t2\t1\t1\nmemory\t4\t1\t1\n");
        }
        return root;
}

static int remove_tree(const char *root) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", root);
        return system(cmd);
}

static void test_intel_host_unified(void) {
        g_autofree char *root = make_intel_host(true);
        HostSources src = { .root = root, .cpuid_hypervisor = "",
                            .net = { TRISTATE_YES, TRISTATE_YES, TRISTATE_YES, TRISTATE_YES, TRISTATE_YES } };
        HostReport *r = NULL;

        g_assert_cmpint(host_report_collect(&src, &r), ==, 0);
        g_assert_cmpstr(r->cpu_vendor, ==, "GenuineIntel");
        g_assert_cmpstr(r->hw_virt_flag, ==, "vmx");
        g_assert_true(r->kvm_present && r->kvm_usable);
        g_assert_cmpstr(r->kvm_module, ==, "kvm_intel");
        g_assert_cmpstr(r->kvm_nested, ==, "Y");
        g_assert_cmpstr(r->iommu_acpi_table, ==, "DMAR");
        g_assert_cmpuint(r->iommu_groups, ==, 2);
        g_assert_cmpstr(r->hypervisor, ==, "none");
        g_assert_cmpuint(g_strv_length(r->namespaces), ==, 8);
        g_assert_cmpint(r->cgroup_mode, ==, CGROUP_MODE_UNIFIED);

        g_assert_cmpint(find_check(r, "hardware-virtualization")->result, ==, CHECK_PASS);
        g_assert_cmpint(find_check(r, "kvm-device")->result, ==, CHECK_PASS);
        g_assert_cmpint(find_check(r, "kvm-nested")->result, ==, CHECK_PASS);
        g_assert_cmpint(find_check(r, "iommu-kernel")->result, ==, CHECK_PASS);
        g_assert_cmpint(find_check(r, "cgroup-mode")->result, ==, CHECK_PASS);
        /* virt-host-validate warns about 'devices' on v2; it is a BPF program there, not a controller. */
        g_assert_cmpint(find_check(r, "cgroup-devices")->result, ==, CHECK_PASS);
        g_assert_cmpint(find_check(r, "cgroup-freezer")->result, ==, CHECK_PASS);
        g_assert_cmpint(find_check(r, "cgroup-blkio")->result, ==, CHECK_PASS); /* as io */
        g_assert_cmpint(find_check(r, "vlan-8021q")->result, ==, CHECK_PASS);
        g_assert_cmpstr(find_check(r, "vlan-8021q")->hint, ==, "");
        host_report_free(r);
        remove_tree(root);
}

static void test_bare_host_failures(void) {
        g_autofree char *root = make_intel_host(false);
        HostSources src = { .root = root, .cpuid_hypervisor = "KVMKVMKVM",
                            .net = { TRISTATE_YES, TRISTATE_YES, TRISTATE_NO, TRISTATE_NO, TRISTATE_NO } };
        HostReport *r = NULL;
        const HostCheck *c;

        put(root, "proc/cpuinfo", "vendor_id\t: GenuineIntel\nflags\t\t: fpu sse\n");
        put(root, "sys/module/kvm_intel/parameters/nested", "N\n");
        g_autofree char *kvm = g_build_filename(root, "dev/kvm", NULL);
        g_autofree char *time_ns = g_build_filename(root, "proc/self/ns/time", NULL);
        g_assert_cmpint(g_remove(kvm), ==, 0);
        g_assert_cmpint(g_remove(time_ns), ==, 0);

        g_assert_cmpint(host_report_collect(&src, &r), ==, 0);
        c = find_check(r, "hardware-virtualization");
        g_assert_cmpint(c->result, ==, CHECK_FAIL);
        g_assert_nonnull(strstr(c->hint, "VT-x"));
        g_assert_cmpint(find_check(r, "kvm-device")->result, ==, CHECK_FAIL);
        c = find_check(r, "kvm-nested");
        g_assert_cmpint(c->result, ==, CHECK_WARN);
        g_assert_nonnull(strstr(c->hint, "nested=1"));
        g_assert_cmpstr(r->hypervisor, ==, "kvm");
        c = find_check(r, "namespaces");
        g_assert_cmpint(c->result, ==, CHECK_WARN);
        g_assert_nonnull(strstr(c->detail, "time"));
        g_assert_cmpint(find_check(r, "cgroup-mode")->result, ==, CHECK_WARN);
        g_assert_cmpint(find_check(r, "cgroup-cpu")->result, ==, CHECK_PASS);
        g_assert_cmpint(find_check(r, "cgroup-pids")->result, ==, CHECK_FAIL);
        c = find_check(r, "vlan-8021q");
        g_assert_cmpint(c->result, ==, CHECK_FAIL);
        g_assert_nonnull(strstr(c->detail, "CONFIG_VLAN_8021Q"));
        g_assert_cmpint(find_check(r, "bridge-vlan-filtering")->result, ==, CHECK_FAIL);
        host_report_free(r);
        remove_tree(root);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/host-report/cgroup-mode", test_cgroup_mode);
        g_test_add_func("/host-report/cpuinfo", test_cpuinfo);
        g_test_add_func("/host-report/controllers", test_controllers);
        g_test_add_func("/host-report/hypervisor-names", test_hypervisor_names);
        g_test_add_func("/host-report/v2-controller-names", test_v2_controller_names);
        g_test_add_func("/host-report/intel-host-unified", test_intel_host_unified);
        g_test_add_func("/host-report/bare-host-failures", test_bare_host_failures);
        return g_test_run();
}
