/* cgroup-backend.c: the one wrapper around libcgroup: ECG* codes become -errno here, messages keep libcgroup's words. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libcgroup.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup-backend.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "strv.h"

/* libcgroup 2.0.2 has no cgroup_setup_mode()/cgroup_mode(); the layout is detected here with statfs(). */

static void cgroup_freep(struct cgroup **g) {
        if (*g)
                cgroup_free(g);
}

/* libcgroup's own text; its table is off by one from ECGEOF on, so those codes get ours. */
static const char *ecg_text(int code) {
        switch (code) {
        case ECGEOF:
                return "end of data";
        case ECGCONFIGPARSEFAIL:
                return "cannot parse the configuration";
        case ECGROUPUNSUPP:
                return "not supported";
        case ECGCANTSETVALUE:
                return "cannot set the value";
        case ECGNONEMPTY:
                return "the group is not empty";
        default:
                return code < ECGEOF ? cgroup_strerror(code) : "unknown libcgroup error";
        }
}

/* ECGOTHER carries the kernel's errno; the others map to the closest errno the bus error map knows. */
static int ecg_to_errno(int code) {
        switch (code) {
        case 0:
                return 0;
        case ECGOTHER: {
                int e = cgroup_get_last_errno();
                return e > 0 ? -e : -EIO;
        }
        case ECGROUPNOTMOUNTED:
        case ECGROUPSUBSYSNOTMOUNTED:
        case ECGROUPNOTCOMPILED:
        case ECGROUPUNSUPP:
                return -EOPNOTSUPP;
        case ECGROUPNOTEXIST:
        case ECGEOF:
                return -ENOENT;
        case ECGROUPNOTOWNER:
        case ECGROUPNOTALLOWED:
                return -EPERM;
        case ECGINVAL:
        case ECGROUPVALUENOTEXIST:
        case ECGMAXVALUESEXCEEDED:
                return -EINVAL;
        case ECGCONTROLLEREXISTS:
        case ECGVALUEEXISTS:
                return -EEXIST;
        case ECGNONEMPTY:
                return -ENOTEMPTY;
        case ECGROUPPARSEFAIL:
        case ECGCONFIGPARSEFAIL:
                return -EBADMSG;
        default:
                return -EIO;
        }
}

/* Converts code and, when asked, describes it: "<kernel reason>" for ECGOTHER, libcgroup's text otherwise. */
static int ecg_fail(int code, char **ret_message) {
        int r = ecg_to_errno(code);

        if (ret_message) {
                free(*ret_message);
                *ret_message = strdup(code == ECGOTHER ? strerror(-r) : ecg_text(code));
        }
        return r;
}

static int set_message(char **ret_message, int r, const char *text) {
        if (ret_message) {
                free(*ret_message);
                *ret_message = strdup(text);
        }
        return r;
}

static int set_messagef(char **ret_message, int r, const char *format, ...) _printf_(3, 4);

static int set_messagef(char **ret_message, int r, const char *format, ...) {
        va_list ap;

        if (ret_message) {
                free(*ret_message);
                va_start(ap, format);
                if (vasprintf(ret_message, format, ap) < 0)
                        *ret_message = NULL;
                va_end(ap);
        }
        return r;
}

/* The filesystem type of each hierarchy, remembered as long as libcgroup's own mount table: statfs() on
 * every version check was ~13 % of a CreateGroup+DeleteGroup pair. Cleared when cgroup_init() re-reads the
 * mounts. */
static struct {
        char *mount;
        int version;
} version_cache[32];

/* -1: not looked at since the mounts were last read. Asked on every classification by the rules engine. */
static int unified_cache = -1;

static void version_cache_clear(void) {
        for (size_t i = 0; i < ELEMENTSOF(version_cache); i++) {
                free(version_cache[i].mount);
                version_cache[i].mount = NULL;
        }
}

int cgroup_backend_init(void) {
        int code;

        version_cache_clear();
        unified_cache = -1;
        code = cgroup_init();

        if (code == ECGROUPNOTMOUNTED)
                return -ENODEV;
        return ecg_to_errno(code);
}

bool cgroup_backend_unified(void) {
        struct statfs s;

        if (unified_cache < 0)
                unified_cache = statfs("/sys/fs/cgroup", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
        return unified_cache;
}

static int controller_mount(const char *controller, char **ret) {
        char *mount = NULL;
        int code;

        code = cgroup_get_subsys_mount_point(controller, &mount);
        if (code != 0 || !mount) {
                free(mount);
                return -ENODEV;
        }
        *ret = mount;
        return 0;
}

static int mount_version(const char *mount) {
        struct statfs s;

        if (statfs(mount, &s) < 0)
                return -errno;
        return s.f_type == CGROUP2_SUPER_MAGIC ? 2 : 1;
}

/* MOUNT's cgroup version, from the cache when it has been asked before. */
static int cached_mount_version(const char *mount) {
        size_t i;
        int r;

        for (i = 0; i < ELEMENTSOF(version_cache) && version_cache[i].mount; i++)
                if (streq(version_cache[i].mount, mount))
                        return version_cache[i].version;
        r = mount_version(mount);
        if (r > 0 && i < ELEMENTSOF(version_cache)) {
                version_cache[i].mount = strdup(mount);
                version_cache[i].version = version_cache[i].mount ? r : 0;
        }
        return r;
}

int cgroup_backend_version(const char *controller) {
        _cleanup_free_ char *mount = NULL;
        int r;

        r = controller_mount(controller, &mount);
        if (r < 0)
                return r;
        return cached_mount_version(mount);
}

void cgroup_controllers_free(CgroupController *c, size_t n) {
        for (size_t i = 0; c && i < n; i++) {
                free(c[i].name);
                free(c[i].mount);
        }
        free(c);
}

static int controllers_append(CgroupController **l, size_t *n, const char *name, unsigned hierarchy) {
        _cleanup_free_ char *mount = NULL;
        CgroupController *grown;
        int version = 0;

        if (controller_mount(name, &mount) >= 0)
                version = cached_mount_version(mount);
        grown = realloc(*l, sizeof(**l) * (*n + 1));
        if (!grown)
                return -ENOMEM;
        *l = grown;
        grown[*n] = (CgroupController) {
                .name = strdup(name),
                .version = version > 0 ? (unsigned) version : 0,
                .hierarchy = version == 1 ? hierarchy : 0,
                .mount = mount ? TAKE_PTR(mount) : strdup(""),
        };
        (*n)++;
        return grown[*n - 1].name && grown[*n - 1].mount ? 0 : -ENOMEM;
}

int cgroup_backend_list_controllers(CgroupController **ret, size_t *ret_n) {
        struct controller_data info;
        CgroupController *l = NULL;
        size_t n = 0;
        void *handle = NULL;
        int code, r = 0;

        /* /proc/cgroups lists v1 hierarchy ids; a controller shown with id 0 may still be on the v2 mount. */
        code = cgroup_get_all_controller_begin(&handle, &info);
        while (code == 0 && r >= 0) {
                r = controllers_append(&l, &n, info.name, (unsigned) info.hierarchy);
                code = cgroup_get_all_controller_next(&handle, &info);
        }
        if (handle)
                cgroup_get_all_controller_end(&handle);
        if (r >= 0 && code != ECGEOF)
                r = ecg_to_errno(code);
        if (r < 0) {
                cgroup_controllers_free(l, n);
                return r;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

int cgroup_backend_file(const char *controller, const char *path, const char *file, char **ret) {
        _cleanup_free_ char *mount = NULL;
        int r;

        assert(controller && path && ret);
        r = controller_mount(controller, &mount);
        if (r < 0)
                return r;
        if (asprintf(ret, "%s%s%s%s", mount, streq(path, "/") ? "" : path, file ? "/" : "", strempty(file)) < 0)
                return -ENOMEM;
        return 0;
}

bool cgroup_backend_exists(const char *controller, const char *path) {
        _cleanup_free_ char *dir = NULL;
        struct stat st;

        return cgroup_backend_file(controller, path, NULL, &dir) >= 0 && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Written by hand: libcgroup 2.0.2 has no call that enables a controller in cgroup.subtree_control.
 * Every ancestor of path, top down, must list the controller before path can use it, so missing
 * ancestors are made here (the caller removes what a failed create made, from its first missing one). */
static int ensure_parent_directory(const char *file) {
        _cleanup_free_ char *dir = strdup(file);
        char *slash;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash)
                *slash = 0;
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int write_subtree_control(const char *file, const char *word) {
        _cleanup_close_ int fd = open(file, O_WRONLY | O_CLOEXEC);

        if (fd < 0 || write(fd, word, strlen(word)) < 0)
                return -errno;
        return 0;
}

/* Records "+controller" writes as "FILE\tcontroller" in *undo, so a failed create can take them back. */
static int enable_v2_controller(const char *controller, const char *path, char ***undo) {
        _cleanup_free_ char *prefix = strdup(path);
        char *slash;

        if (!prefix)
                return -ENOMEM;
        for (slash = prefix; (slash = strchr(slash, '/')); slash++) {
                _cleanup_free_ char *file = NULL, *current = NULL, *word = NULL;
                char saved = slash[1];
                int r;

                /* Cut after this '/' to address the ancestor ("/" first, then "/a/", ...). */
                if (!saved)
                        break;
                slash[1] = 0;
                r = cgroup_backend_file(controller, prefix, "cgroup.subtree_control", &file);
                slash[1] = saved;
                if (r < 0)
                        return r;
                r = ensure_parent_directory(file);
                if (r < 0)
                        return r;
                r = read_full_file(file, &current, NULL);
                if (r < 0)
                        return r;
                _cleanup_strv_free_ char **enabled = strv_split(current, " \n");
                if (!enabled)
                        return -ENOMEM;
                if (strv_contains(enabled, controller))
                        continue;
                if (asprintf(&word, "+%s", controller) < 0)
                        return -ENOMEM;
                r = write_subtree_control(file, word);
                if (r < 0)
                        return r;
                free(word);
                if (asprintf(&word, "%s\t%s", file, controller) < 0 || strv_extend(undo, word) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Switches off, newest first, what enable_v2_controller() switched on. Threaded controllers (cpu, pids)
 * can be enabled above a group holding processes while memory cannot, so a create may fail half-way. */
static void undo_v2_enable(char **undo) {
        for (size_t i = strv_length(undo); i > 0; i--) {
                _cleanup_free_ char *word = NULL;
                char *tab = strchr(undo[i - 1], '\t');

                *tab = 0;
                if (asprintf(&word, "-%s", tab + 1) >= 0)
                        (void) write_subtree_control(undo[i - 1], word);
        }
}

/* Written by hand: libcgroup 2.0.2 applies task{} ownership and fperm to "tasks", which v2 does not have;
 * there the files a task owner needs are cgroup.procs and cgroup.threads. */
static int apply_v2_task_perm(const char *controller, const char *path, const CgroupPerm *perm) {
        static const char * const files[] = { "cgroup.procs", "cgroup.threads" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *file = NULL;
                int r = cgroup_backend_file(controller, path, files[i], &file);

                if (r < 0)
                        return r;
                if ((perm->task_uid != CGROUP_PERM_UNSET || perm->task_gid != CGROUP_PERM_UNSET) &&
                    chown(file, perm->task_uid, perm->task_gid) < 0)
                        return -errno;
                if (perm->task_fperm != CGROUP_PERM_UNSET && chmod(file, perm->task_fperm) < 0)
                        return -errno;
        }
        return 0;
}

static int build_cgroup(const char *path, char * const *controllers, struct cgroup **ret) {
        _cleanup_(cgroup_freep) struct cgroup *g = NULL;

        g = cgroup_new_cgroup(path);
        if (!g)
                return -ENOMEM;
        for (char * const *c = controllers; c && *c; c++)
                if (!cgroup_add_controller(g, *c))
                        return -ENOMEM;
        *ret = TAKE_PTR(g);
        return 0;
}

static bool perm_is_default(const CgroupPerm *p) {
        return p->task_uid == CGROUP_PERM_UNSET && p->task_gid == CGROUP_PERM_UNSET && p->admin_uid == CGROUP_PERM_UNSET &&
               p->admin_gid == CGROUP_PERM_UNSET && p->task_fperm == CGROUP_PERM_UNSET &&
               p->admin_fperm == CGROUP_PERM_UNSET && p->admin_dperm == CGROUP_PERM_UNSET;
}

static int create_with_libcgroup(const char *path, char * const *controllers, const CgroupPerm *perm,
                                 char **ret_message) {
        _cleanup_(cgroup_freep) struct cgroup *g = NULL;
        int r, code;

        r = build_cgroup(path, controllers, &g);
        if (r < 0)
                return r;
        code = cgroup_set_uid_gid(g, perm->task_uid, perm->task_gid, perm->admin_uid, perm->admin_gid);
        if (code != 0)
                return ecg_fail(code, ret_message);
        /* NO_PERMS (-1U) equals CGROUP_PERM_UNSET, so unset modes stay the kernel's. */
        cgroup_set_permissions(g, perm->admin_dperm, perm->admin_fperm, perm->task_fperm);
        /* With nothing to change, libcgroup's ownership pass would only chown(-1, -1) every file of the new
         * group: ~25 no-op calls per hierarchy, ~8 % of a CreateGroup. */
        code = cgroup_create_cgroup(g, /* ignore_ownership= */ perm_is_default(perm));
        if (code != 0)
                return ecg_fail(code, ret_message);
        for (char * const *c = controllers; *c; c++)
                if (cgroup_backend_version(*c) == 2) {
                        r = apply_v2_task_perm(*c, path, perm);
                        if (r < 0)
                                return set_message(ret_message, r, "cannot give cgroup.procs to the task owner");
                        break; /* one directory serves every v2 controller */
                }
        return 0;
}

static int mkdir_parents(const char *dir) {
        _cleanup_free_ char *parent = strdup(dir);
        char *slash;

        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (!slash || slash == parent)
                return -ENOENT;
        *slash = 0;
        if (mkdir(parent, 0755) == 0 || errno == EEXIST)
                return 0;
        if (errno != ENOENT)
                return -errno;
        int r = mkdir_parents(parent);
        if (r < 0)
                return r;
        return mkdir(parent, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

/* With default permissions a group is one mkdir per hierarchy: libcgroup's cgroup_create_cgroup() adds a
 * read of /proc/mounts and a mkdir of every ancestor from / down for each. */
static int create_plain(const char *path, char * const *controllers, char **ret_message) {
        for (char * const *c = controllers; *c; c++) {
                _cleanup_free_ char *dir = NULL;
                int r = cgroup_backend_file(*c, path, NULL, &dir);

                if (r < 0)
                        return set_message(ret_message, r, "the controller is not mounted on this host");
                int e = mkdir(dir, 0755) < 0 ? errno : 0;
                if (e == ENOENT) {
                        r = mkdir_parents(dir);
                        if (r < 0)
                                return set_message(ret_message, r, strerror(-r));
                        e = mkdir(dir, 0755) < 0 ? errno : 0;
                }
                /* An existing directory is fine, as it is to libcgroup: on v2 every controller shares one. */
                if (e != 0 && e != EEXIST)
                        return set_message(ret_message, -e, strerror(e));
        }
        return 0;
}

int cgroup_backend_create(const char *path, char * const *controllers, const CgroupPerm *perm, char **ret_message) {
        _cleanup_strv_free_ char **undo = NULL;
        int r;

        assert(path && controllers && perm);
        for (char * const *c = controllers; *c; c++) {
                r = cgroup_backend_version(*c);
                if (r < 0) {
                        undo_v2_enable(undo);
                        return set_message(ret_message, -EOPNOTSUPP, "the controller is not mounted on this host");
                }
                if (r == 2 && (r = enable_v2_controller(*c, path, &undo)) < 0) {
                        undo_v2_enable(undo);
                        return set_message(ret_message, r,
                                           "cannot enable the controller in cgroup.subtree_control (cgroup v2 allows no "
                                           "subgroups with controllers under a group that holds processes)");
                }
        }
        r = perm_is_default(perm) ? create_plain(path, controllers, ret_message)
                                  : create_with_libcgroup(path, controllers, perm, ret_message);
        if (r < 0)
                undo_v2_enable(undo);
        return r;
}

/* Returns 1 and the first subgroup of parent_dir other than child_name, 0 when there is none. */
static int find_other_subgroup(const char *parent_dir, const char *child_name, char **ret) {
        DIR *d = opendir(parent_dir);
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d)))
                if (de->d_type == DT_DIR && de->d_name[0] != '.' && !streq(de->d_name, child_name)) {
                        *ret = strdup(de->d_name);
                        closedir(d);
                        return *ret ? 1 : -ENOMEM;
                }
        closedir(d);
        return 0;
}


/* cgroup.events says "populated 1" while the group or any subgroup holds a process. */
static int v2_populated(const char *controller, const char *path) {
        _cleanup_free_ char *file = NULL, *events = NULL;
        int r;

        if ((r = cgroup_backend_file(controller, path, "cgroup.events", &file)) < 0 ||
            (r = read_full_file(file, &events, NULL)) < 0)
                return r;
        return strstr(events, "populated 1") != NULL;
}

/* Written by hand, libcgroup 2.0.2 does not know v2's "no internal processes" rule: cgdelete moves a group's
 * tasks to its parent, which v2 refuses (EBUSY) while the parent enables controllers for its subgroups. When
 * the group being deleted is the parent's last subgroup, those controllers serve nobody any more, so they are
 * switched off first. */
static int release_v2_parent(const char *controller, const char *path, char **ret_message) {
        _cleanup_free_ char *dir = NULL, *file = NULL, *enabled = NULL, *other = NULL;
        _cleanup_strv_free_ char **l = NULL;
        char *slash;
        int r;

        if ((r = cgroup_backend_file(controller, path, NULL, &dir)) < 0)
                return r;
        slash = strrchr(dir, '/');
        *slash = 0;
        r = find_other_subgroup(dir, slash + 1, &other);
        if (r < 0)
                return r;
        if (r > 0)
                return set_messagef(ret_message, -EBUSY,
                                    "cgroup v2 allows no processes in a group whose subgroups use controllers, and the "
                                    "parent still has subgroup '%s', so the tasks cannot move there", other);
        if (asprintf(&file, "%s/cgroup.subtree_control", dir) < 0)
                return -ENOMEM;
        if ((r = read_full_file(file, &enabled, NULL)) < 0)
                return r;
        if (!(l = strv_split(enabled, " \n")))
                return -ENOMEM;
        for (char **c = l; *c; c++) {
                _cleanup_free_ char *word = NULL;

                if (asprintf(&word, "-%s", *c) < 0)
                        return -ENOMEM;
                if ((r = write_subtree_control(file, word)) < 0)
                        return set_messagef(ret_message, r,
                                            "cannot switch off '%s' in the parent's cgroup.subtree_control to let the "
                                            "tasks move there: %s", *c, strerror(-r));
        }
        return 0;
}

int cgroup_backend_delete(const char *controller, const char *path, bool recursive, char **ret_message) {
        _cleanup_(cgroup_freep) struct cgroup *g = NULL;
        char * const one[] = { (char *) controller, NULL };
        int r, code;

        /* An empty leaf goes with one rmdir; the kernel refuses it (EBUSY) while tasks or subgroups remain,
         * and only then is libcgroup's path, which moves the tasks to the parent first, needed. */
        if (!recursive) {
                _cleanup_free_ char *dir = NULL;
                r = cgroup_backend_file(controller, path, NULL, &dir);
                if (r < 0)
                        return r;
                if (rmdir(dir) == 0 || errno == ENOENT)
                        return 0;
        }
        if (!cgroup_backend_exists(controller, path))
                return 0;
        r = build_cgroup(path, one, &g);
        if (r < 0)
                return r;
        /* Only a populated group has tasks to hand to its parent. */
        if (cgroup_backend_version(controller) == 2 && v2_populated(controller, path) > 0 &&
            (r = release_v2_parent(controller, path, ret_message)) < 0)
                return r;
        code = cgroup_delete_cgroup_ext(g, recursive ? CGFLAG_DELETE_RECURSIVE : 0);
        if (code != 0)
                return ecg_fail(code, ret_message);
        /* libcgroup reports success when rmdir() was refused for a busy group; trust only the file system. */
        if (cgroup_backend_exists(controller, path))
                return set_message(ret_message, -EBUSY, "the kernel kept the group (tasks could not be moved out)");
        return 0;
}

/* Written by hand: libcgroup 2.0.2 lacks a correct write of an empty value (cgroup_set_value_string() plus
 * cgroup_modify_cgroup() write nothing and report success, see below), and its path re-read /proc/mounts and
 * stat()ed the file for every value, ~16 % of a bulk Apply. The kernel's refusal is reported as libcgroup
 * reported it. */
int cgroup_backend_set(const char *controller, const char *path, const char *name, const char *value,
                       char **ret_message) {
        _cleanup_free_ char *file = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(value);
        int r;

        r = cgroup_backend_file(controller, path, name, &file);
        if (r < 0)
                return r;
        fd = open(file, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return set_message(ret_message, -errno, strerror(errno));
        /* An empty value goes as "echo '' > FILE" writes it, a newline, which the kernel reads as the empty list;
         * writing nothing, as libcgroup did, reported success while the kernel never saw the value. */
        if (write(fd, len > 0 ? value : "\n", len > 0 ? len : 1) < 0)
                return set_message(ret_message, -errno, strerror(errno));
        return 0;
}

/* libcgroup 2.0.2's cgroup_read_value_end() calls fclose(NULL) when _begin() could not open the file,
 * although its documentation asks for _end() after a failed _begin(). */
static void read_value_end(void **handle) {
        if (*handle)
                cgroup_read_value_end(handle);
}

int cgroup_backend_get(const char *controller, const char *path, const char *name, char **ret_value) {
        char buffer[4096];
        void *handle = NULL;
        size_t len = 0;
        char *out = NULL;
        int code;

        code = cgroup_read_value_begin(controller, path, (char *) name, &handle, buffer, sizeof(buffer));
        while (code == 0) {
                size_t n = strlen(buffer);
                char *grown = realloc(out, len + n + 1);

                if (!grown) {
                        read_value_end(&handle);
                        free(out);
                        return -ENOMEM;
                }
                out = grown;
                memcpy(out + len, buffer, n + 1);
                len += n;
                code = cgroup_read_value_next(&handle, buffer, sizeof(buffer));
        }
        read_value_end(&handle);
        if (code != ECGEOF) {
                free(out);
                return ecg_to_errno(code);
        }
        if (!out && !(out = strdup("")))
                return -ENOMEM;
        while (len > 0 && out[len - 1] == '\n')
                out[--len] = 0;
        *ret_value = out;
        return 0;
}

int cgroup_backend_parameter_writable(const char *controller, const char *path, const char *name) {
        _cleanup_free_ char *file = NULL;
        struct stat st;
        int r;

        r = cgroup_backend_file(controller, path, name, &file);
        if (r < 0)
                return r;
        if (stat(file, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -ENOENT;
        return !!(st.st_mode & S_IWUSR);
}

static int strv_sort_cmp(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

/* Written by hand: libcgroup's cgroup_get_cgroup() fills every hierarchy at once and fails on this
 * hybrid layout (ECGINVAL); listing one directory is all that is needed. */
int cgroup_backend_list_parameters(const char *controller, const char *path, char ***ret) {
        _cleanup_free_ char *dir = NULL, *prefix = NULL;
        _cleanup_strv_free_ char **l = NULL;
        DIR *d;
        struct dirent *de;
        int r = 0;

        r = cgroup_backend_file(controller, path, NULL, &dir);
        if (r < 0)
                return r;
        /* On v2 the cpu controller also owns cpuacct's statistics; file names use the v2 name. */
        if (asprintf(&prefix, "%s.", controller) < 0)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return -errno;
        l = calloc(1, sizeof(char *));
        while (l && r >= 0 && (de = readdir(d)))
                if (de->d_type == DT_REG && startswith(de->d_name, prefix))
                        r = strv_extend(&l, de->d_name);
        closedir(d);
        if (!l)
                return -ENOMEM;
        if (r < 0)
                return r;
        qsort(l, strv_length(l), sizeof(char *), strv_sort_cmp);
        *ret = TAKE_PTR(l);
        return 0;
}

int cgroup_backend_procs(const char *controller, const char *path, pid_t **ret, size_t *ret_n) {
        _cleanup_free_ char *name = strdup(path);
        pid_t *pids = NULL;
        int size = 0, code;

        if (!name)
                return -ENOMEM;
        code = cgroup_get_procs(name, (char *) controller, &pids, &size);
        if (code != 0) {
                free(pids);
                return ecg_to_errno(code);
        }
        /* The list is sorted but may repeat a pid; keep each once. */
        size_t n = 0;
        for (int i = 0; i < size; i++)
                if (n == 0 || pids[n - 1] != pids[i])
                        pids[n++] = pids[i];
        *ret = pids;
        *ret_n = n;
        return 0;
}

int cgroup_backend_attach(const char *path, char * const *controllers, pid_t pid, char **ret_message) {
        int code;

        code = cgroup_change_cgroup_path(path, pid, (const char * const *) controllers);
        if (code != 0)
                return ecg_fail(code, ret_message);
        return 0;
}

/* Appends DIR (a path below the mount, "" for the mount itself) and every directory below it, pre-order.
 * readdir()'s d_type tells directories from files: libcgroup's walk (fts) stat()ed every file of every
 * group, ~50 per group on v1, the largest cost left in a CreateGroup. */
static int walk_dirs(const char *mount, const char *dir, char ***l) {
        _cleanup_free_ char *full = NULL;
        DIR *d;
        struct dirent *de;
        int r;

        if ((r = strv_extend(l, *dir ? dir : "/")) < 0)
                return r;
        if (asprintf(&full, "%s%s", mount, dir) < 0)
                return -ENOMEM;
        d = opendir(full);
        if (!d)
                return errno == ENOENT ? 0 : -errno; /* removed while we looked: nothing below it */
        while (r >= 0 && (de = readdir(d))) {
                _cleanup_free_ char *child = NULL;
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (de->d_type == DT_UNKNOWN && fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    S_ISDIR(st.st_mode))
                        de->d_type = DT_DIR;
                if (de->d_type != DT_DIR)
                        continue;
                if (asprintf(&child, "%s/%s", dir, de->d_name) < 0)
                        r = -ENOMEM;
                else
                        r = walk_dirs(mount, child, l);
        }
        closedir(d);
        return r;
}

int cgroup_backend_walk(const char *controller, const char *base, char ***ret) {
        _cleanup_free_ char *mount = NULL;
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = controller_mount(controller, &mount);
        if (r < 0)
                return r;
        if (!cgroup_backend_exists(controller, base))
                return -ENOENT;
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        r = walk_dirs(mount, streq(base, "/") ? "" : base, &l);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

int cgroup_backend_get_perm(const char *controller, const char *path, CgroupPerm *ret) {
        _cleanup_free_ char *dir = NULL, *tasks = NULL, *admin = NULL;
        struct stat d, t, a;
        int r, version = cgroup_backend_version(controller);

        if (version < 0)
                return version;
        /* libcgroup's task permissions go to the file tasks join through ("tasks" on v1, "cgroup.procs" on
         * v2); its admin file permissions to every other file, of which cgroup.subtree_control (v2) and
         * notify_on_release (v1) exist in every group. */
        if ((r = cgroup_backend_file(controller, path, NULL, &dir)) < 0 ||
            (r = cgroup_backend_file(controller, path, version == 2 ? "cgroup.procs" : "tasks", &tasks)) < 0 ||
            (r = cgroup_backend_file(controller, path, version == 2 ? "cgroup.subtree_control" : "notify_on_release",
                                     &admin)) < 0)
                return r;
        if (stat(dir, &d) < 0 || stat(tasks, &t) < 0 || stat(admin, &a) < 0)
                return -errno;
        *ret = (CgroupPerm) {
                .task_uid = t.st_uid, .task_gid = t.st_gid, .task_fperm = t.st_mode & 0777,
                .admin_uid = d.st_uid, .admin_gid = d.st_gid, .admin_dperm = d.st_mode & 0777,
                .admin_fperm = a.st_mode & 0777,
        };
        return 0;
}

int cgroup_backend_current_path(pid_t pid, const char *controller, char **ret) {
        char *path = NULL;
        int code;

        code = cgroup_get_current_controller_path(pid, controller, &path);
        if (code != 0)
                return ecg_to_errno(code);
        *ret = path;
        return 0;
}

/* Written by hand: libcgroup 2.0.2 knows nothing of delegation; this is systemd's Delegate=yes contract. */
int cgroup_backend_delegated_base(char **ret) {
        _cleanup_free_ char *text = NULL, *leaf = NULL, *procs = NULL;
        const char *own = NULL;
        int r;

        r = read_full_file("/proc/self/cgroup", &text, NULL);
        if (r < 0)
                return r;
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
                if ((own = startswith(line, "0::")))
                        break;
        if (!own || streq(own, "/"))
                return (*ret = strdup("/virtd")) ? 0 : -ENOMEM;
        if (asprintf(&leaf, "/sys/fs/cgroup%s/supervisor", own) < 0 ||
            asprintf(&procs, "/sys/fs/cgroup%s/supervisor/cgroup.procs", own) < 0)
                return -ENOMEM;
        if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
                return -errno;
        _cleanup_close_ int fd = open(procs, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) < 0)
                return -errno;
        if (asprintf(ret, "%s/groups", own) < 0)
                return -ENOMEM;
        return 0;
}
