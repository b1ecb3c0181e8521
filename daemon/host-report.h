/* host-report.h: can this host virtualize? Facts read from the running system, and checks derived from them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef enum CheckResult {
        CHECK_PASS,
        CHECK_WARN,
        CHECK_FAIL,
        _CHECK_RESULT_MAX,
} CheckResult;

typedef enum CgroupMode {
        CGROUP_MODE_UNKNOWN,
        CGROUP_MODE_LEGACY,  /* only v1 hierarchies */
        CGROUP_MODE_HYBRID,  /* v1 hierarchies plus a cgroup2 mount beside them */
        CGROUP_MODE_UNIFIED, /* /sys/fs/cgroup is cgroup2 */
        _CGROUP_MODE_MAX,
} CgroupMode;

typedef enum Tristate {
        TRISTATE_UNKNOWN = -1,
        TRISTATE_NO = 0,
        TRISTATE_YES = 1,
} Tristate;

typedef struct NetFeatures {
        Tristate veth;
        Tristate bridge;
        Tristate bridge_vlan_filtering;
        Tristate vlan_8021q;
        Tristate vlan_8021ad;
} NetFeatures;

typedef struct ControllerInfo {
        char *name;
        int version;        /* 1 or 2; 0 when no hierarchy holds it */
        unsigned hierarchy; /* v1 hierarchy id from /proc/cgroups, 0 for v2 */
        char *mount;        /* where its hierarchy is mounted, NULL if nowhere */
        bool enabled;
} ControllerInfo;

typedef struct HostCheck {
        const char *id;    /* stable machine-readable name, e.g. "hardware-virtualization" */
        char *title;       /* "Checking for hardware virtualization" */
        CheckResult result;
        char *detail;
        char *hint; /* how to fix it; empty on PASS */
} HostCheck;

typedef struct HostReport {
        char *cpu_vendor;    /* "GenuineIntel", "AuthenticAMD", … */
        char *hw_virt_flag;  /* "vmx", "svm" or "" */
        bool kvm_present;
        bool kvm_usable;
        char *kvm_module;    /* kvm_intel, kvm_amd, kvm_pvm, … or "" */
        char *kvm_nested;    /* the module's nested parameter, "" when it has none */
        char *iommu_acpi_table; /* "DMAR", "IVRS" or "" */
        unsigned iommu_units;
        unsigned iommu_groups;
        char *hypervisor;    /* systemd-detect-virt names: kvm, qemu, vmware, xen, microsoft, oracle, bochs, none */
        char **namespaces;
        CgroupMode cgroup_mode;
        char *cgroup2_mount;
        ControllerInfo *controllers;
        size_t n_controllers;
        NetFeatures net;
        HostCheck *checks;
        size_t n_checks;
} HostReport;

/* Where the facts come from. Tests point root at a fake tree and supply the CPUID signature. */
typedef struct HostSources {
        const char *root;              /* "" for the real system */
        const char *cpuid_hypervisor;  /* CPUID 0x40000000 signature, NULL to read the CPU's */
        NetFeatures net;               /* probed by netlink_probe_features() */
} HostSources;

HostReport *host_report_free(HostReport *r);
/* Replaces the network features (probed later than the rest) and re-derives the checks from them. */
int host_report_set_net(HostReport *r, const NetFeatures *net);
static inline void host_report_freep(HostReport **r) {
        host_report_free(*r);
}

int host_report_collect(const HostSources *sources, HostReport **ret);

const char *check_result_to_string(CheckResult r);
const char *cgroup_mode_to_string(CgroupMode m);
const char *tristate_to_string(Tristate t);

/* Pure parsers, exposed for unit tests. */
int cpuinfo_parse(const char *text, char **ret_vendor, char **ret_flag);
CgroupMode cgroup_mode_from_mountinfo(const char *mountinfo, char **ret_cgroup2_mount);
int controllers_parse(const char *proc_cgroups, const char *mountinfo, const char *cgroup2_controllers,
                      const char *cgroup2_mount, ControllerInfo **ret, size_t *ret_n);
const char *hypervisor_from_cpuid_signature(const char *signature);
const char *hypervisor_from_dmi(const char *sys_vendor, const char *product_name, const char *bios_vendor);
bool controller_exists_in_v2(const char *name);
