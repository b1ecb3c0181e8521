/* group-name.h: pure logic for cgroup names: CONTROLLERS:PATH parsing, path checks, object paths, v1/v2 names. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Longest group path (relative to the managed base) that virtd accepts, and longest component (NAME_MAX). */
#define GROUP_PATH_MAX 1024
#define GROUP_NAME_MAX 255

/* A parsed "CONTROLLERS:PATH" (libcgroup's -g syntax). controllers is NULL when the string had no
 * "CONTROLLERS:" part, meaning "every hierarchy the group exists in". */
typedef struct GroupSpec {
        char **controllers;
        char *path; /* normalized: starts with '/', no trailing '/', "/" is the base itself */
} GroupSpec;

void group_spec_done(GroupSpec *s);

/**
 * group_path_validate() - check a group path given relative to the managed base.
 * @path: e.g. "/service_group/web"
 * @ret_reason: on error, a static English sentence fragment naming what is wrong
 *
 * Refuses "..", ".", empty components, a missing leading '/', control characters (newline),
 * characters cgconfig.conf cannot express, components over GROUP_NAME_MAX and paths over GROUP_PATH_MAX.
 * "/" (the base itself) is valid here; callers that need a real child check for it.
 * Returns 0 or -EINVAL.
 */
int group_path_validate(const char *path, const char **ret_reason);

/**
 * group_controller_validate() - check one controller name.
 * @name: "cpu", "io", "name=systemd", ...
 *
 * Accepts the v1 and v2 controller names virtd knows and libcgroup's "name=NAME" for named hierarchies.
 * Returns 0 or -EINVAL.
 */
int group_controller_validate(const char *name);

/**
 * group_spec_parse() - parse "CONTROLLERS:PATH" or a bare "PATH".
 * @s: the string, e.g. "cpu,memory:/service_group/web"
 * @ret: filled on success; free with group_spec_done()
 * @ret_reason: on -EINVAL, what is wrong (static string)
 *
 * Duplicated or unknown controllers and bad paths are refused. Returns 0, -EINVAL or -ENOMEM.
 */
int group_spec_parse(const char *s, GroupSpec *ret, const char **ret_reason);

/**
 * group_parameter_controller() - the controller a parameter file belongs to.
 * @name: "cpu.shares", "memory.limit_in_bytes", "hugetlb.2MB.limit_in_bytes"
 * @ret: newly allocated controller name ("cpu", "memory", "hugetlb")
 *
 * Returns 0, -EINVAL for names that are not "<controller>.<file>" with a known controller or that contain
 * '/', or -ENOMEM.
 */
int group_parameter_controller(const char *name, char **ret);

/* Values are written to one kernel file; a newline would smuggle in a second write. Returns 0 or -EINVAL. */
int group_value_validate(const char *value, const char **ret_reason);

/**
 * group_object_path() - the D-Bus object path of the group at path (relative to the base).
 * @path: validated group path
 * @ret: e.g. "/org/virtd/Virtd1/group/service_5fgroup_2fweb"
 *
 * Uses sd_bus_path_encode() on the path without its leading '/'. Returns 0 or -ENOMEM.
 */
int group_object_path(const char *path, char **ret);

/* The inverse: returns 0 and the group path, -ENXIO when object_path is not a group object, -ENOMEM. */
int group_path_from_object(const char *object_path, char **ret);

/* The cgroup v2 name of a v1 controller (blkio -> io, cpuacct -> cpu, ...), or NULL when v2 has none
 * (devices, freezer, net_cls, net_prio are done with BPF, cgroup.freeze or not at all on v2). */
const char *group_controller_to_v2(const char *v1);
/* The v1 name of a v2 controller (io -> blkio), the name itself for shared names, NULL for unknown ones. */
const char *group_controller_to_v1(const char *v2);

/**
 * group_parameter_to_v2() - translate a v1 parameter and value to cgroup v2.
 * @name: v1 file, e.g. "cpu.shares"
 * @value: v1 value, e.g. "1024"
 * @ret_name: v2 file, e.g. "cpu.weight" (newly allocated)
 * @ret_value: v2 value, e.g. "100" (newly allocated)
 *
 * Covers the parameters that have a v2 meaning: cpu.shares -> cpu.weight (the kernel's own formula),
 * cpu.cfs_quota_us -> cpu.max, memory.limit_in_bytes -> memory.max, memory.soft_limit_in_bytes ->
 * memory.high, blkio.weight -> io.weight, hugetlb.*.limit_in_bytes -> hugetlb.*.max; cpuset.* and pids.*
 * keep their names. Returns 0, -EOPNOTSUPP for v1-only parameters, -EINVAL for unparsable values, -ENOMEM.
 */
int group_parameter_to_v2(const char *name, const char *value, char **ret_name, char **ret_value);

/* cpu.shares (2..262144) to cpu.weight (1..10000), as the kernel and systemd convert them. */
unsigned long long group_cpu_shares_to_weight(unsigned long long shares);
