/* host-report.c: gathers the virtualization facts of the running host and derives virt-host-validate style checks. */
#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "fileio.h"
#include "host-report.h"
#include "log.h"
#include "macro.h"
#include "strv.h"

static const char * const namespace_kinds[] = { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts" };

/* The controllers virt-host-validate checks, plus pids which virtd limits too. */
static const struct {
        const char *name;
        const char *check_id;
} checked_controllers[] = {
        { "cpu", "cgroup-cpu" },         { "cpuacct", "cgroup-cpuacct" }, { "cpuset", "cgroup-cpuset" },
        { "memory", "cgroup-memory" },   { "devices", "cgroup-devices" }, { "freezer", "cgroup-freezer" },
        { "blkio", "cgroup-blkio" },     { "pids", "cgroup-pids" },
};

const char *check_result_to_string(CheckResult r) {
        static const char * const table[_CHECK_RESULT_MAX] = {
                [CHECK_PASS] = "PASS",
                [CHECK_WARN] = "WARN",
                [CHECK_FAIL] = "FAIL",
        };
        return r >= 0 && r < _CHECK_RESULT_MAX ? table[r] : NULL;
}

const char *cgroup_mode_to_string(CgroupMode m) {
        static const char * const table[_CGROUP_MODE_MAX] = {
                [CGROUP_MODE_UNKNOWN] = "unknown",
                [CGROUP_MODE_LEGACY] = "legacy",
                [CGROUP_MODE_HYBRID] = "hybrid",
                [CGROUP_MODE_UNIFIED] = "unified",
        };
        return m >= 0 && m < _CGROUP_MODE_MAX ? table[m] : NULL;
}

const char *tristate_to_string(Tristate t) {
        return t == TRISTATE_YES ? "yes" : t == TRISTATE_NO ? "no" : "unknown";
}

static void host_report_clear_checks(HostReport *r) {
        for (size_t i = 0; i < r->n_checks; i++) {
                free(r->checks[i].title);
                free(r->checks[i].detail);
                free(r->checks[i].hint);
        }
        free(r->checks);
        r->checks = NULL;
        r->n_checks = 0;
}

HostReport *host_report_free(HostReport *r) {
        if (!r)
                return NULL;
        free(r->cpu_vendor);
        free(r->hw_virt_flag);
        free(r->kvm_module);
        free(r->kvm_nested);
        free(r->iommu_acpi_table);
        free(r->hypervisor);
        strv_free(r->namespaces);
        free(r->cgroup2_mount);
        for (size_t i = 0; i < r->n_controllers; i++) {
                free(r->controllers[i].name);
                free(r->controllers[i].mount);
        }
        free(r->controllers);
        host_report_clear_checks(r);
        free(r);
        return NULL;
}

/* --- /proc/cpuinfo --- */

static char *cpuinfo_field(const char *text, const char *key) {
        size_t kl = strlen(key);

        for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
                if (strncmp(l, key, kl) != 0 || !strchr(" \t:", l[kl]))
                        continue;
                const char *colon = strchr(l, ':');
                if (!colon)
                        continue;
                colon += 1 + strspn(colon + 1, " \t");
                return strndup(colon, strcspn(colon, "\n"));
        }
        return NULL;
}

int cpuinfo_parse(const char *text, char **ret_vendor, char **ret_flag) {
        _cleanup_free_ char *vendor = NULL, *flags = NULL;
        _cleanup_strv_free_ char **l = NULL;
        const char *flag = "";

        assert(text);
        vendor = cpuinfo_field(text, "vendor_id");
        flags = cpuinfo_field(text, "flags");
        if (!vendor && !(vendor = strdup("")))
                return -ENOMEM;
        if (flags) {
                if (!(l = strv_split(flags, " \t")))
                        return -ENOMEM;
                if (strv_contains(l, "vmx"))
                        flag = "vmx";
                else if (strv_contains(l, "svm"))
                        flag = "svm";
        }
        char *f = strdup(flag);
        if (!f)
                return -ENOMEM;
        *ret_vendor = TAKE_PTR(vendor);
        *ret_flag = f;
        return 0;
}

/* --- mountinfo --- */

typedef struct MountEntry {
        char mountpoint[512];
        char fstype[64];
        char superopts[512];
} MountEntry;

/* Parses one mountinfo line: "id parent maj:min root mountpoint opts [optional…] - fstype source superopts". */
static bool mountinfo_parse_line(const char *line, MountEntry *e) {
        const char *sep = strstr(line, " - ");
        char mp[512];

        if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mp) != 1)
                return false;
        if (sscanf(sep + 3, "%63s %*s %511s", e->fstype, e->superopts) != 2)
                return false;
        memcpy(e->mountpoint, mp, sizeof(mp));
        return true;
}

/* Calls fn for each parseable line; stops early when fn returns true. */
static bool mountinfo_foreach(const char *mountinfo, bool (*fn)(const MountEntry *e, void *userdata), void *userdata) {
        for (const char *l = mountinfo; l && *l;) {
                size_t n = strcspn(l, "\n");
                char line[2048];
                MountEntry e;

                if (n < sizeof(line)) {
                        memcpy(line, l, n);
                        line[n] = 0;
                        if (mountinfo_parse_line(line, &e) && fn(&e, userdata))
                                return true;
                }
                l += n;
                if (*l == '\n')
                        l++;
        }
        return false;
}

typedef struct ModeScan {
        bool root_is_cgroup2;
        bool root_is_tmpfs;
        bool any_v1;
        char *cgroup2_mount;
} ModeScan;

static bool mode_scan_entry(const MountEntry *e, void *userdata) {
        ModeScan *s = userdata;

        if (streq(e->mountpoint, "/sys/fs/cgroup")) {
                s->root_is_cgroup2 = streq(e->fstype, "cgroup2");
                s->root_is_tmpfs = streq(e->fstype, "tmpfs");
        }
        if (streq(e->fstype, "cgroup"))
                s->any_v1 = true;
        if (streq(e->fstype, "cgroup2") && !s->cgroup2_mount)
                s->cgroup2_mount = strdup(e->mountpoint);
        return false;
}

CgroupMode cgroup_mode_from_mountinfo(const char *mountinfo, char **ret_cgroup2_mount) {
        ModeScan s = {};
        CgroupMode mode;

        assert(mountinfo);
        mountinfo_foreach(mountinfo, mode_scan_entry, &s);
        if (s.root_is_cgroup2)
                mode = CGROUP_MODE_UNIFIED;
        else if (s.any_v1 && s.cgroup2_mount)
                mode = CGROUP_MODE_HYBRID;
        else if (s.any_v1)
                mode = CGROUP_MODE_LEGACY;
        else if (s.cgroup2_mount)
                mode = CGROUP_MODE_UNIFIED; /* cgroup2 mounted somewhere other than the usual place */
        else
                mode = CGROUP_MODE_UNKNOWN;

        if (ret_cgroup2_mount)
                *ret_cgroup2_mount = s.cgroup2_mount;
        else
                free(s.cgroup2_mount);
        return mode;
}

typedef struct ControllerMountScan {
        const char *controller;
        char *mount;
} ControllerMountScan;

static bool controller_mount_entry(const MountEntry *e, void *userdata) {
        ControllerMountScan *s = userdata;
        _cleanup_strv_free_ char **opts = NULL;

        if (!streq(e->fstype, "cgroup"))
                return false;
        opts = strv_split(e->superopts, ",");
        if (!opts || !strv_contains(opts, s->controller))
                return false;
        s->mount = strdup(e->mountpoint);
        return true;
}

static char *controller_v1_mount(const char *mountinfo, const char *controller) {
        ControllerMountScan s = { .controller = controller };

        if (mountinfo)
                mountinfo_foreach(mountinfo, controller_mount_entry, &s);
        return s.mount;
}

bool controller_exists_in_v2(const char *name) {
        /* devices is a BPF program in v2, cpuacct lives in cpu.stat, freezer is cgroup.freeze,
         * net_cls/net_prio have no v2 counterpart at all. */
        static const char * const v1_only[] = { "devices", "cpuacct", "freezer", "net_cls", "net_prio" };

        for (size_t i = 0; i < ELEMENTSOF(v1_only); i++)
                if (streq(name, v1_only[i]))
                        return false;
        return true;
}

static int controller_push(ControllerInfo **list, size_t *n, const ControllerInfo *c) {
        ControllerInfo *grown = realloc(*list, sizeof(ControllerInfo) * (*n + 1));

        if (!grown)
                return -ENOMEM;
        grown[(*n)++] = *c;
        *list = grown;
        return 0;
}

static void controllers_free(ControllerInfo *list, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(list[i].name);
                free(list[i].mount);
        }
        free(list);
}

int controllers_parse(const char *proc_cgroups, const char *mountinfo, const char *cgroup2_controllers,
                      const char *cgroup2_mount, ControllerInfo **ret, size_t *ret_n) {
        _cleanup_strv_free_ char **v2 = NULL, **seen = NULL;
        ControllerInfo *list = NULL;
        size_t n = 0;
        int r;

        v2 = strv_split(strempty(cgroup2_controllers), " \t\n");
        if (!v2)
                return -ENOMEM;

        /* /proc/cgroups: "#subsys_name hierarchy num_cgroups enabled". */
        for (const char *l = strempty(proc_cgroups); *l;) {
                char name[64];
                unsigned hierarchy, count, enabled;
                size_t len = strcspn(l, "\n");

                if (*l != '#' && sscanf(l, "%63s %u %u %u", name, &hierarchy, &count, &enabled) == 4) {
                        ControllerInfo c = { .hierarchy = hierarchy, .enabled = enabled };

                        c.name = strdup(name);
                        if (hierarchy > 0) {
                                c.version = 1;
                                c.mount = controller_v1_mount(mountinfo, name);
                        } else if (strv_contains(v2, name)) {
                                c.version = 2;
                                c.mount = cgroup2_mount ? strdup(cgroup2_mount) : NULL;
                        }
                        if (!c.name || (r = controller_push(&list, &n, &c)) < 0 || strv_extend(&seen, name) < 0) {
                                free(c.name);
                                free(c.mount);
                                controllers_free(list, n);
                                return -ENOMEM;
                        }
                }
                l += len;
                if (*l)
                        l++;
        }

        /* v2-only controllers (io, rdma, misc) do not appear in /proc/cgroups on older kernels. */
        for (char **c = v2; *c; c++) {
                if (strv_contains(seen, *c))
                        continue;
                ControllerInfo info = { .version = 2, .enabled = true };
                info.name = strdup(*c);
                info.mount = cgroup2_mount ? strdup(cgroup2_mount) : NULL;
                if (!info.name || controller_push(&list, &n, &info) < 0) {
                        free(info.name);
                        free(info.mount);
                        controllers_free(list, n);
                        return -ENOMEM;
                }
        }

        *ret = list;
        *ret_n = n;
        return 0;
}

/* --- hypervisor --- */

const char *hypervisor_from_cpuid_signature(const char *signature) {
        static const struct {
                const char *signature;
                const char *name;
        } table[] = {
                { "KVMKVMKVM", "kvm" },
                { "TCGTCGTCGTCG", "qemu" },
                { "Microsoft Hv", "microsoft" },
                { "VMwareVMware", "vmware" },
                { "XenVMMXenVMM", "xen" },
                { "bhyve bhyve ", "bhyve" },
                { "ACRNACRNACRN", "acrn" },
                { "VBoxVBoxVBox", "oracle" },
                { " lrpepyh  vr", "parallels" },
                { "QNXQVMBSQG", "qnx" },
        };

        if (!signature || !*signature)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(signature, table[i].signature))
                        return table[i].name;
        return "other";
}

const char *hypervisor_from_dmi(const char *sys_vendor, const char *product_name, const char *bios_vendor) {
        static const struct {
                const char *vendor;
                const char *name;
        } table[] = {
                { "KVM", "kvm" },
                { "QEMU", "qemu" },
                { "VMware", "vmware" },
                { "innotek GmbH", "oracle" },
                { "Oracle Corporation", "oracle" },
                { "Xen", "xen" },
                { "Bochs", "bochs" },
                { "Parallels", "parallels" },
                { "BHYVE", "bhyve" },
                { "Amazon EC2", "amazon" },
        };
        const char *fields[] = { sys_vendor, bios_vendor, product_name };

        for (size_t f = 0; f < ELEMENTSOF(fields); f++)
                for (size_t i = 0; fields[f] && i < ELEMENTSOF(table); i++)
                        if (startswith(fields[f], table[i].vendor))
                                return table[i].name;
        if (sys_vendor && streq(sys_vendor, "Microsoft Corporation") && product_name &&
            streq(product_name, "Virtual Machine"))
                return "microsoft";
        return NULL;
}

static char *cpuid_hypervisor_signature(void) {
        unsigned eax, ebx, ecx, edx;
        char sig[13] = {};

        if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 31)))
                return strdup(""); /* the "running under a hypervisor" bit is clear */
        __cpuid(0x40000000, eax, ebx, ecx, edx);
        memcpy(sig, &ebx, 4);
        memcpy(sig + 4, &ecx, 4);
        memcpy(sig + 8, &edx, 4);
        return strdup(sig);
}

static char *read_dmi(const char *root, const char *field) {
        _cleanup_free_ char *path = NULL;
        char *v = NULL;

        if (asprintf(&path, "%s/sys/class/dmi/id/%s", strempty(root), field) < 0)
                return NULL;
        if (read_one_line_file(path, &v) < 0)
                return NULL;
        return v;
}

static char *detect_hypervisor(const HostSources *src) {
        _cleanup_free_ char *sig = NULL, *vendor = NULL, *product = NULL, *bios = NULL;
        const char *name;

        sig = src->cpuid_hypervisor ? strdup(src->cpuid_hypervisor) : cpuid_hypervisor_signature();
        name = hypervisor_from_cpuid_signature(sig);
        if (!name || streq(name, "other")) {
                vendor = read_dmi(src->root, "sys_vendor");
                product = read_dmi(src->root, "product_name");
                bios = read_dmi(src->root, "bios_vendor");
                const char *dmi = hypervisor_from_dmi(vendor, product, bios);
                if (dmi)
                        name = dmi;
        }
        return strdup(name ?: "none");
}

/* --- the rest of the facts --- */

static bool path_exists_at(const char *root, const char *path) {
        _cleanup_free_ char *p = path_join(root, path);
        return p && access(p, F_OK) == 0;
}

static unsigned count_dir_entries(const char *root, const char *path) {
        _cleanup_free_ char *p = path_join(root, path);
        unsigned n = 0;
        DIR *d;

        if (!p || !(d = opendir(p)))
                return 0;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

static void probe_kvm_device(const HostSources *src, HostReport *r) {
        _cleanup_free_ char *p = path_join(src->root, "/dev/kvm");
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (!p || stat(p, &st) < 0)
                return;
        r->kvm_present = true;
        fd = open(p, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return;
        /* A real device must also speak the stable KVM API; fake trees in tests are plain files. */
        r->kvm_usable = !S_ISCHR(st.st_mode) || ioctl(fd, KVM_GET_API_VERSION, 0) == KVM_API_VERSION;
}

static int probe_kvm_module(const HostSources *src, HostReport *r) {
        static const char * const modules[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };
        const char *module = "";

        for (size_t i = 0; i < ELEMENTSOF(modules); i++) {
                _cleanup_free_ char *dir = NULL;
                if (asprintf(&dir, "/sys/module/%s", modules[i]) < 0)
                        return -ENOMEM;
                if (path_exists_at(src->root, dir)) {
                        module = modules[i];
                        break;
                }
        }
        if (!(r->kvm_module = strdup(module)))
                return -ENOMEM;

        _cleanup_free_ char *nested_path = NULL;
        char *nested = NULL;
        if (asprintf(&nested_path, "%s/sys/module/%s/parameters/nested", strempty(src->root), module) < 0)
                return -ENOMEM;
        if (!*module || read_one_line_file(nested_path, &nested) < 0)
                nested = strdup("");
        r->kvm_nested = nested;
        return nested ? 0 : -ENOMEM;
}

static int probe_iommu(const HostSources *src, HostReport *r) {
        const char *table = "";

        if (path_exists_at(src->root, "/sys/firmware/acpi/tables/DMAR"))
                table = "DMAR";
        else if (path_exists_at(src->root, "/sys/firmware/acpi/tables/IVRS"))
                table = "IVRS";
        r->iommu_units = count_dir_entries(src->root, "/sys/class/iommu");
        r->iommu_groups = count_dir_entries(src->root, "/sys/kernel/iommu_groups");
        return (r->iommu_acpi_table = strdup(table)) ? 0 : -ENOMEM;
}

static int probe_namespaces(const HostSources *src, HostReport *r) {
        if (!(r->namespaces = calloc(1, sizeof(char *))))
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(namespace_kinds); i++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "/proc/self/ns/%s", namespace_kinds[i]) < 0)
                        return -ENOMEM;
                if (path_exists_at(src->root, p) && strv_extend(&r->namespaces, namespace_kinds[i]) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int probe_cgroups(const HostSources *src, HostReport *r) {
        _cleanup_free_ char *mountinfo = NULL, *proc_cgroups = NULL, *v2 = NULL, *v2path = NULL;

        (void) read_full_file_at_root(src->root, "/proc/self/mountinfo", &mountinfo);
        (void) read_full_file_at_root(src->root, "/proc/cgroups", &proc_cgroups);
        r->cgroup_mode = cgroup_mode_from_mountinfo(strempty(mountinfo), &r->cgroup2_mount);
        if (r->cgroup2_mount) {
                if (asprintf(&v2path, "%s/cgroup.controllers", r->cgroup2_mount) < 0)
                        return -ENOMEM;
                (void) read_full_file_at_root(src->root, v2path, &v2);
        }
        return controllers_parse(proc_cgroups, mountinfo, v2, r->cgroup2_mount, &r->controllers, &r->n_controllers);
}

/* --- checks --- */

static int check_add(HostReport *r, const char *id, const char *title, CheckResult result, const char *hint,
                     const char *detail_format, ...) _printf_(6, 7);

static int check_add(HostReport *r, const char *id, const char *title, CheckResult result, const char *hint,
                     const char *detail_format, ...) {
        HostCheck *grown = realloc(r->checks, sizeof(HostCheck) * (r->n_checks + 1));
        HostCheck *c;
        va_list ap;
        int k;

        if (!grown)
                return -ENOMEM;
        r->checks = grown;
        c = &r->checks[r->n_checks];
        *c = (HostCheck) { .id = id, .result = result };
        if (!(c->title = strdup(title)))
                return -ENOMEM;
        va_start(ap, detail_format);
        k = vasprintf(&c->detail, detail_format, ap);
        va_end(ap);
        if (k < 0) {
                free(c->title);
                return -ENOMEM;
        }
        if (!(c->hint = strdup(result == CHECK_PASS ? "" : strempty(hint)))) {
                free(c->title);
                free(c->detail);
                return -ENOMEM;
        }
        r->n_checks++;
        return 0;
}

static int check_cpu(HostReport *r) {
        const char *firmware_hint = streq(r->cpu_vendor, "AuthenticAMD")
                ? "enable AMD-V (SVM) in the firmware setup; inside a VM, enable nested virtualization on the outer host"
                : "enable Intel VT-x in the firmware setup; inside a VM, enable nested virtualization on the outer host";

        if (streq(r->hw_virt_flag, "vmx"))
                return check_add(r, "hardware-virtualization", "Checking for hardware virtualization", CHECK_PASS,
                                 NULL, "Intel VT-x (vmx) on %s", r->cpu_vendor);
        if (streq(r->hw_virt_flag, "svm"))
                return check_add(r, "hardware-virtualization", "Checking for hardware virtualization", CHECK_PASS,
                                 NULL, "AMD-V (svm) on %s", r->cpu_vendor);
        return check_add(r, "hardware-virtualization", "Checking for hardware virtualization", CHECK_FAIL,
                         firmware_hint, "neither vmx nor svm in /proc/cpuinfo flags (CPU %s); only emulated CPUs are available",
                         *r->cpu_vendor ? r->cpu_vendor : "unknown");
}

static int check_kvm(HostReport *r) {
        int k;

        if (!r->kvm_present)
                k = check_add(r, "kvm-device", "Checking if device /dev/kvm exists", CHECK_FAIL,
                              "load the KVM module for this CPU (modprobe kvm_intel or kvm_amd) after enabling virtualization in the firmware",
                              "/dev/kvm is missing");
        else if (!r->kvm_usable)
                k = check_add(r, "kvm-device", "Checking if device /dev/kvm is accessible", CHECK_FAIL,
                              "check the permissions of /dev/kvm (group kvm) and that the KVM module loaded without errors",
                              "/dev/kvm exists but cannot be opened or does not answer KVM_GET_API_VERSION");
        else
                k = check_add(r, "kvm-device", "Checking if device /dev/kvm is accessible", CHECK_PASS, NULL,
                              "/dev/kvm usable%s%s%s", *r->kvm_module ? " (module " : "", r->kvm_module,
                              *r->kvm_module ? ")" : "");
        if (k < 0)
                return k;

        if (!*r->kvm_module)
                return check_add(r, "kvm-nested", "Checking for nested virtualization", CHECK_WARN,
                                 "load kvm_intel or kvm_amd to see and set the nested parameter",
                                 "no KVM CPU module is loaded");
        if (!*r->kvm_nested)
                return check_add(r, "kvm-nested", "Checking for nested virtualization", CHECK_WARN, NULL,
                                 "module %s does not expose a nested parameter", r->kvm_module);
        if (streq(r->kvm_nested, "Y") || streq(r->kvm_nested, "1"))
                return check_add(r, "kvm-nested", "Checking for nested virtualization", CHECK_PASS, NULL,
                                 "%s nested=%s", r->kvm_module, r->kvm_nested);
        return check_add(r, "kvm-nested", "Checking for nested virtualization", CHECK_WARN,
                         "add 'options kvm_intel nested=1' (or kvm_amd) to /etc/modprobe.d/kvm.conf and reload the module",
                         "%s nested=%s", r->kvm_module, r->kvm_nested);
}

static int check_iommu(HostReport *r) {
        bool intel = !streq(r->cpu_vendor, "AuthenticAMD");
        int k;

        if (*r->iommu_acpi_table)
                k = check_add(r, "iommu-firmware", "Checking for device assignment IOMMU support", CHECK_PASS, NULL,
                              "ACPI %s table present", r->iommu_acpi_table);
        else
                k = check_add(r, "iommu-firmware", "Checking for device assignment IOMMU support", CHECK_WARN,
                              intel ? "enable VT-d in the firmware setup" : "enable AMD-Vi (IOMMU) in the firmware setup",
                              "no ACPI DMAR or IVRS table: the IOMMU is disabled in the firmware or absent");
        if (k < 0)
                return k;

        if (r->iommu_groups > 0)
                return check_add(r, "iommu-kernel", "Checking if IOMMU is enabled by kernel", CHECK_PASS, NULL,
                                 "%u IOMMU unit(s), %u IOMMU group(s)", r->iommu_units, r->iommu_groups);
        return check_add(r, "iommu-kernel", "Checking if IOMMU is enabled by kernel", CHECK_WARN,
                         intel ? "add intel_iommu=on to the kernel command line" : "add amd_iommu=on iommu=pt to the kernel command line",
                         "no IOMMU groups in /sys/kernel/iommu_groups");
}

static int check_namespaces(HostReport *r) {
        _cleanup_strv_free_ char **missing = NULL;
        _cleanup_free_ char *have = NULL, *miss = NULL;

        if (!(missing = calloc(1, sizeof(char *))))
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(namespace_kinds); i++)
                if (!strv_contains(r->namespaces, namespace_kinds[i]) && strv_extend(&missing, namespace_kinds[i]) < 0)
                        return -ENOMEM;
        if (!(have = strv_join(r->namespaces, " ")) || !(miss = strv_join(missing, " ")))
                return -ENOMEM;
        if (!missing[0])
                return check_add(r, "namespaces", "Checking for namespace support", CHECK_PASS, NULL, "%s", have);
        return check_add(r, "namespaces", "Checking for namespace support",
                         strv_contains(missing, "net") || strv_contains(missing, "mnt") ? CHECK_FAIL : CHECK_WARN,
                         "use a kernel built with CONFIG_NAMESPACES and the missing CONFIG_*_NS options",
                         "missing: %s (present: %s)", miss, have);
}

static const ControllerInfo *controller_find(const HostReport *r, const char *name) {
        for (size_t i = 0; i < r->n_controllers; i++)
                if (streq(r->controllers[i].name, name))
                        return &r->controllers[i];
        return NULL;
}

static int check_cgroup_controller(HostReport *r, const char *name, const char *id) {
        const char *v2name = streq(name, "blkio") ? "io" : name;
        const ControllerInfo *c = controller_find(r, name);
        _cleanup_free_ char *title = NULL;

        if (asprintf(&title, "Checking for cgroup '%s' controller support", name) < 0)
                return -ENOMEM;
        if (r->cgroup_mode == CGROUP_MODE_UNIFIED) {
                if (!controller_exists_in_v2(name))
                        return check_add(r, id, title, CHECK_PASS, NULL,
                                         "built into cgroup v2, no separate controller needed");
                c = controller_find(r, v2name);
        }
        if (c && c->version > 0 && c->mount)
                return check_add(r, id, title, CHECK_PASS, NULL, "'%s' in cgroup v%d%s at %s",
                                 c->name, c->version, c->version == 1 ? " hierarchy" : "", c->mount);
        return check_add(r, id, title, CHECK_FAIL,
                         r->cgroup_mode == CGROUP_MODE_UNIFIED
                                 ? "enable the controller in the parent's cgroup.subtree_control (or boot without cgroup_disable=)"
                                 : "mount the controller's hierarchy (mount -t cgroup -o CONTROLLER cgroup /sys/fs/cgroup/CONTROLLER)",
                         "'%s' is not available in any mounted hierarchy", name);
}

static int check_cgroups(HostReport *r) {
        int k;

        switch (r->cgroup_mode) {
        case CGROUP_MODE_UNIFIED:
                k = check_add(r, "cgroup-mode", "Checking cgroup layout", CHECK_PASS, NULL,
                              "unified (cgroup v2 at %s)", strempty(r->cgroup2_mount));
                break;
        case CGROUP_MODE_HYBRID:
                k = check_add(r, "cgroup-mode", "Checking cgroup layout", CHECK_WARN,
                              "boot with systemd.unified_cgroup_hierarchy=1 to get the unified hierarchy",
                              "hybrid (v1 hierarchies, cgroup v2 at %s)", strempty(r->cgroup2_mount));
                break;
        case CGROUP_MODE_LEGACY:
                k = check_add(r, "cgroup-mode", "Checking cgroup layout", CHECK_WARN,
                              "boot with systemd.unified_cgroup_hierarchy=1 to get the unified hierarchy",
                              "legacy (v1 hierarchies only)");
                break;
        default:
                k = check_add(r, "cgroup-mode", "Checking cgroup layout", CHECK_FAIL,
                              "mount cgroup2 at /sys/fs/cgroup", "no cgroup filesystem is mounted");
        }
        for (size_t i = 0; k >= 0 && i < ELEMENTSOF(checked_controllers); i++)
                k = check_cgroup_controller(r, checked_controllers[i].name, checked_controllers[i].check_id);
        return k;
}

static int check_net_feature(HostReport *r, const char *id, Tristate have, const char *what, const char *config) {
        _cleanup_free_ char *hint = NULL, *title = NULL;

        if (asprintf(&title, "Checking for %s support", what) < 0)
                return -ENOMEM;
        if (have == TRISTATE_YES)
                return check_add(r, id, title, CHECK_PASS, NULL, "%s available (%s)", what, config);
        if (asprintf(&hint, "use a kernel built with %s (or load its module)", config) < 0)
                return -ENOMEM;
        if (have == TRISTATE_UNKNOWN)
                return check_add(r, id, title, CHECK_WARN, hint, "%s could not be probed", what);
        return check_add(r, id, title, CHECK_FAIL, hint, "this kernel has no %s support (%s)", what, config);
}

static int check_net(HostReport *r) {
        int k;

        if ((k = check_net_feature(r, "veth", r->net.veth, "veth pair", "CONFIG_VETH")) < 0 ||
            (k = check_net_feature(r, "bridge", r->net.bridge, "Linux bridge", "CONFIG_BRIDGE")) < 0 ||
            (k = check_net_feature(r, "bridge-vlan-filtering", r->net.bridge_vlan_filtering,
                                   "bridge VLAN filtering", "CONFIG_BRIDGE_VLAN_FILTERING")) < 0 ||
            (k = check_net_feature(r, "vlan-8021q", r->net.vlan_8021q, "802.1Q VLAN", "CONFIG_VLAN_8021Q")) < 0)
                return k;
        return check_net_feature(r, "vlan-8021ad", r->net.vlan_8021ad, "802.1ad (QinQ) VLAN", "CONFIG_VLAN_8021Q");
}

static int host_report_checks(HostReport *r) {
        int k;

        if ((k = check_cpu(r)) < 0 || (k = check_kvm(r)) < 0 || (k = check_iommu(r)) < 0)
                return k;
        if ((k = check_add(r, "hypervisor", "Checking which hypervisor this host runs under", CHECK_PASS, NULL,
                           "%s", streq(r->hypervisor, "none") ? "none (bare metal)" : r->hypervisor)) < 0)
                return k;
        if ((k = check_namespaces(r)) < 0 || (k = check_cgroups(r)) < 0)
                return k;
        return check_net(r);
}

int host_report_set_net(HostReport *r, const NetFeatures *net) {
        assert(r);
        assert(net);
        r->net = *net;
        host_report_clear_checks(r);
        return host_report_checks(r);
}

int host_report_collect(const HostSources *src, HostReport **ret) {
        _cleanup_(host_report_freep) HostReport *r = NULL;
        _cleanup_free_ char *cpuinfo = NULL;
        int k;

        assert(src);
        assert(ret);

        if (!(r = calloc(1, sizeof(*r))))
                return -ENOMEM;
        r->net = src->net;

        k = read_full_file_at_root(src->root, "/proc/cpuinfo", &cpuinfo);
        if (k < 0)
                log_debug_errno(k, "Cannot read /proc/cpuinfo: %m");
        if ((k = cpuinfo_parse(strempty(cpuinfo), &r->cpu_vendor, &r->hw_virt_flag)) < 0)
                return k;
        probe_kvm_device(src, r);
        if ((k = probe_kvm_module(src, r)) < 0 || (k = probe_iommu(src, r)) < 0 ||
            (k = probe_namespaces(src, r)) < 0 || (k = probe_cgroups(src, r)) < 0)
                return k;
        if (!(r->hypervisor = detect_hypervisor(src)))
                return -ENOMEM;
        if ((k = host_report_checks(r)) < 0)
                return k;

        *ret = TAKE_PTR(r);
        return 0;
}
