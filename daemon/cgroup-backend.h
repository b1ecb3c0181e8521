/* cgroup-backend.h: the one wrapper around libcgroup; speaks -errno and plain C types only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Unset fields of CgroupPerm keep the kernel's default (root:root, 0755/0644). */
#define CGROUP_PERM_UNSET UINT32_MAX

/* cgconfig.conf's perm{} section: task{uid,gid,fperm}, admin{uid,gid,dperm,fperm}. */
typedef struct CgroupPerm {
        uint32_t task_uid, task_gid, task_fperm;
        uint32_t admin_uid, admin_gid, admin_dperm, admin_fperm;
} CgroupPerm;

#define CGROUP_PERM_NULL                                                                                   \
        ((CgroupPerm) { CGROUP_PERM_UNSET, CGROUP_PERM_UNSET, CGROUP_PERM_UNSET, CGROUP_PERM_UNSET,        \
                        CGROUP_PERM_UNSET, CGROUP_PERM_UNSET, CGROUP_PERM_UNSET })

/* One controller as /proc/cgroups and the mount table show it (lssubsys -am). */
typedef struct CgroupController {
        char *name;
        unsigned version;   /* 1, 2, or 0 when not mounted */
        unsigned hierarchy; /* v1 hierarchy id from /proc/cgroups; 0 for v2 and unmounted */
        char *mount;        /* "" when not mounted */
} CgroupController;

void cgroup_controllers_free(CgroupController *c, size_t n);

/**
 * cgroup_backend_init() - (re)scan the cgroup mounts with cgroup_init().
 *
 * libcgroup reads the mount table once; call again on Reload to notice new mounts.
 * Returns 0, -ENODEV when no cgroup hierarchy is mounted, or another -errno.
 */
int cgroup_backend_init(void);

/* Every controller the kernel knows, with its mount and version. Returns 0 or -errno. */
int cgroup_backend_list_controllers(CgroupController **ret, size_t *ret_n);

/* The hierarchy version (1 or 2) holding controller, or -ENODEV when it is not mounted. */
int cgroup_backend_version(const char *controller);

/* True when the whole host is cgroup v2 (/sys/fs/cgroup is cgroup2). */
bool cgroup_backend_unified(void);

/**
 * cgroup_backend_file() - file system path of a group's file, for what libcgroup lacks (events, fds, stat).
 * @controller: names the hierarchy
 * @path: group path from the hierarchy root ("/virtd/web")
 * @file: file name inside the group, or NULL for the directory itself
 * @ret: newly allocated absolute path
 *
 * Returns 0, -ENODEV when the controller is not mounted, -ENOMEM.
 */
int cgroup_backend_file(const char *controller, const char *path, const char *file, char **ret);

/* Whether the group directory exists in controller's hierarchy. */
bool cgroup_backend_exists(const char *controller, const char *path);

/**
 * cgroup_backend_create() - create one group in the hierarchies of the given controllers.
 * @path: group path from the hierarchy root
 * @controllers: NULL-terminated
 * @perm: ownership and modes, fields may be CGROUP_PERM_UNSET
 * @ret_message: on failure, libcgroup's and the kernel's reason (newly allocated)
 *
 * Missing parents are created like cgcreate does; on cgroup v2 the controllers are enabled in the
 * parents' cgroup.subtree_control first. The caller removes what a failure leaves behind.
 */
int cgroup_backend_create(const char *path, char * const *controllers, const CgroupPerm *perm, char **ret_message);

/**
 * cgroup_backend_delete() - remove a group from one hierarchy, migrating its tasks to the parent.
 * @recursive: remove subgroups too (CGFLAG_DELETE_RECURSIVE)
 *
 * Deletes one hierarchy per call: libcgroup 2.0.2 stops at the first hierarchy it fails in. Returns 0
 * (also when the group does not exist there) or -errno with ret_message set.
 */
int cgroup_backend_delete(const char *controller, const char *path, bool recursive, char **ret_message);

/* Writes one parameter into its file; -errno with the kernel's reason in ret_message. */
int cgroup_backend_set(const char *controller, const char *path, const char *name, const char *value,
                       char **ret_message);

/* Reads one parameter through cgroup_read_value_*(), all lines joined with '\n', without the trailing one. */
int cgroup_backend_get(const char *controller, const char *path, const char *name, char **ret_value);

/* Whether the parameter file exists and whether it can be written (mode has S_IWUSR). -ENOENT if missing. */
int cgroup_backend_parameter_writable(const char *controller, const char *path, const char *name);

/* All parameter names of controller (its files "<controller>.*") in the group, sorted. */
int cgroup_backend_list_parameters(const char *controller, const char *path, char ***ret);

/* The processes in the group (cgroup.procs) in one hierarchy, sorted. */
int cgroup_backend_procs(const char *controller, const char *path, pid_t **ret, size_t *ret_n);

/* Moves all threads of pid into path in the hierarchies of controllers (cgroup_change_cgroup_path()). */
int cgroup_backend_attach(const char *path, char * const *controllers, pid_t pid, char **ret_message);

/* Group paths at and below base in controller's hierarchy (readdir, directories only), pre-order; -ENOENT if
 * base does not exist there. */
int cgroup_backend_walk(const char *controller, const char *base, char ***ret);

/* The ownership and modes of an existing group (for cgsnapshot's perm{}). */
int cgroup_backend_get_perm(const char *controller, const char *path, CgroupPerm *ret);

/* The group path pid is in, in controller's hierarchy (cgroup_get_current_controller_path()). */
int cgroup_backend_current_path(pid_t pid, const char *controller, char **ret);

/* Default base on a unified host under systemd: moves virtd into "<own cgroup>/supervisor" (v2 forbids
 * processes in a cgroup whose children have controllers) and returns "<own cgroup>/groups". */
int cgroup_backend_delegated_base(char **ret);
