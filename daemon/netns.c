/* netns.c: named namespaces: a helper child unshares, the daemon bind-mounts, inotify sees iproute2's work. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "link-dbus.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "namespace-dbus.h"
#include "apply.h"
#include "netns.h"

/* The /proc/PID/ns entry that pins a kind once the helper has unshared it. time and pid move only the
 * children of the unsharing process, so their entries are read from the process that is inside. */
static const char *kind_proc_entry(NamespaceKind k) {
        return k == NAMESPACE_MNT ? "mnt" : namespace_kind_to_string(k);
}

unsigned namespace_kinds_supported(void) {
        /* The kernel's namespace types do not change while it runs; looked up once, not twice per call. */
        static unsigned kinds = 0;
        static bool known = false;

        if (known)
                return kinds;
        known = true;
        for (NamespaceKind k = 0; k < _NAMESPACE_KIND_MAX; k++) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/self/ns/%s", kind_proc_entry(k));
                if (access(path, F_OK) == 0)
                        kinds |= NAMESPACE_KIND_BIT(k);
        }
        return kinds;
}

/* Every function below that touches the netns directory or <state-dir>/ns runs in the host's mount namespace
 * (host-mount-ns.h): the public ones enter it, the static ones are only called from those. */
static int enter_host_mounts(NamespaceTable *t, HostMountNs **ret_scope) {
        return host_mount_ns_enter(&t->host_mounts, ret_scope);
}

static bool is_nsfs(const char *path) {
        struct statfs sfs;

        return statfs(path, &sfs) == 0 && sfs.f_type == NSFS_MAGIC;
}

char *namespace_kind_path(Namespace *ns, NamespaceKind kind) {
        NamespaceTable *t = ns->manager->namespaces;
        char *p = NULL;

        if (kind == NAMESPACE_NET)
                return asprintf(&p, "%s/%s", t->netns_dir, ns->name) < 0 ? NULL : p;
        return asprintf(&p, "%s/%s/%s", t->ns_dir, ns->name, namespace_kind_to_string(kind)) < 0 ? NULL : p;
}

Namespace *namespace_find(Manager *m, const char *name) {
        for (Namespace *ns = m->namespaces ? m->namespaces->list : NULL; ns; ns = ns->next)
                if (streq(ns->name, name))
                        return ns;
        return NULL;
}

static void on_link_event(NetlinkEvent event, int ifindex, void *userdata) {
        link_dbus_on_link_event(userdata, event, ifindex);
}

static void on_address_event(int ifindex, void *userdata) {
        link_dbus_on_address_event(userdata, ifindex);
}

/* A port's VLAN table changed (by virtd or by `bridge vlan`): it may have left the saved state. */
static void on_bridge_port_event(int ifindex, void *userdata) {
        Namespace *ns = userdata;

        apply_drift_schedule(ns->manager);
}

static int namespace_watch_start(Namespace *ns) {
        static const NetlinkWatchCallbacks cb = { .link = on_link_event, .address = on_address_event,
                                                  .bridge_port = on_bridge_port_event };
        _cleanup_free_ char *path = namespace_kind_path(ns, NAMESPACE_NET);

        if (!path)
                return -ENOMEM;
        ns->net_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (ns->net_fd < 0)
                return -errno;
        return netlink_watch_new(ns->manager->event, ns->net_fd, &cb, ns, &ns->watch);
}

static void namespace_stop_watch(Namespace *ns) {
        ns->watch = netlink_watch_free(ns->watch);
        if (ns->net_fd >= 0)
                close(TAKE_FD(ns->net_fd));
}

static Namespace *namespace_free(Namespace *ns) {
        if (!ns)
                return NULL;
        namespace_stop_watch(ns);
        sd_event_source_disable_unref(ns->helper_source);
        if (ns->helper_pidfd >= 0)
                close(ns->helper_pidfd);
        free(ns->name);
        free(ns);
        return NULL;
}

static int namespace_new(Manager *m, const char *name, Namespace **ret) {
        Namespace *ns = calloc(1, sizeof(*ns));

        if (!ns)
                return -ENOMEM;
        *ns = (Namespace) { .manager = m, .net_fd = -EBADF, .helper_pidfd = -EBADF };
        ns->name = strdup(name);
        if (!ns->name) {
                free(ns);
                return -ENOMEM;
        }
        *ret = ns;
        return 0;
}

static void namespace_unlink(Namespace *ns) {
        for (Namespace **p = &ns->manager->namespaces->list; *p; p = &(*p)->next)
                if (*p == ns) {
                        *p = ns->next;
                        return;
                }
}

static int on_helper_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Namespace *ns = userdata;
        siginfo_t si = {};

        /* The helper is our child once its parent exited (we are a subreaper); reap it. */
        (void) waitid((idtype_t) P_PIDFD, (id_t) fd, &si, WEXITED | WNOHANG);
        log_warning("pid 1 of namespace %s (pid %d) exited; its pid namespace cannot start processes any more.",
                    ns->name, (int) ns->helper_pid);
        ns->helper_source = sd_event_source_disable_unref(ns->helper_source);
        return 0;
}

static int namespace_track_helper(Namespace *ns, pid_t pid) {
        ns->helper_pid = pid;
        ns->helper_pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (ns->helper_pidfd < 0)
                return -errno;
        return sd_event_add_io(ns->manager->event, &ns->helper_source, ns->helper_pidfd, EPOLLIN, on_helper_exit, ns);
}

/* ---- finding processes inside ---- */

typedef struct NsId {
        dev_t dev;
        ino_t ino;
        NamespaceKind kind;
} NsId;

static int pid_status_nspid_is_init(pid_t pid) {
        _cleanup_free_ char *status = NULL, *path = NULL;
        const char *line;

        if (asprintf(&path, "/proc/%d/status", (int) pid) < 0)
                return -ENOMEM;
        if (read_full_file(path, &status, NULL) < 0)
                return 0;
        line = strstr(status, "\nNSpid:");
        if (!line)
                return 0;
        line = strchr(line + 1, '\n');
        /* The last field is the pid as the innermost pid namespace sees it. */
        return line && line[-1] == '1' && (line[-2] == '\t' || line[-2] == ' ');
}

/* readlink() rather than stat(): the link's text names the namespace's inode, and formatting it costs the
 * kernel less than resolving the link to an nsfs dentry, once per process on the host. Every namespace
 * lives on the one nsfs instance, so the inode number alone identifies it. */
static bool pid_in_any(int proc_fd, const char *pid, const NsId *ids, size_t n) {
        for (size_t i = 0; i < n; i++) {
                char path[64], link[64];
                ssize_t l;

                snprintf(path, sizeof(path), "%s/ns/%s", pid, kind_proc_entry(ids[i].kind));
                l = readlinkat(proc_fd, path, link, sizeof(link) - 1);
                if (l <= 0)
                        continue;
                link[l] = 0;
                const char *open = strchr(link, '[');
                if (open && strtoull(open + 1, NULL, 10) == (unsigned long long) ids[i].ino)
                        return true;
        }
        return false;
}

static int namespace_ids(Namespace *ns, NsId *ids, size_t *n) {
        *n = 0;
        for (NamespaceKind k = 0; k < _NAMESPACE_KIND_MAX; k++) {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                if (!(ns->kinds & NAMESPACE_KIND_BIT(k)))
                        continue;
                path = namespace_kind_path(ns, k);
                if (!path)
                        return -ENOMEM;
                if (stat(path, &st) < 0)
                        continue;
                ids[(*n)++] = (NsId) { st.st_dev, st.st_ino, k };
        }
        return 0;
}

/* At most @max processes inside: deciding whether a namespace is in use needs only the first. */
static int scan_pids(const NsId *ids, size_t n_ids, pid_t exclude, size_t max, pid_t **ret, size_t *ret_n) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        DIR *d;
        struct dirent *de;

        d = opendir("/proc");
        if (!d)
                return -errno;
        while (n < max && (de = readdir(d))) {
                char *end;
                long pid = strtol(de->d_name, &end, 10);
                pid_t *grown;

                if (*end || pid <= 0 || (pid_t) pid == exclude || !pid_in_any(dirfd(d), de->d_name, ids, n_ids))
                        continue;
                grown = realloc(pids, (n + 1) * sizeof(pid_t));
                if (!grown) {
                        closedir(d);
                        return -ENOMEM;
                }
                pids = grown;
                pids[n++] = (pid_t) pid;
        }
        closedir(d);
        *ret = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
}

static int namespace_scan(Namespace *ns, size_t max, pid_t **ret, size_t *ret_n) {
        _cleanup_(host_mount_ns_leavep) HostMountNs *scope = NULL;
        NsId ids[_NAMESPACE_KIND_MAX];
        size_t n_ids;
        int r;

        r = enter_host_mounts(ns->manager->namespaces, &scope);
        if (r >= 0)
                r = namespace_ids(ns, ids, &n_ids);
        if (r < 0)
                return r;
        /* readdir() on /proc lists pids in ascending order. */
        return scan_pids(ids, n_ids, ns->helper_pid, max, ret, ret_n);
}

int namespace_pids(Namespace *ns, pid_t **ret, size_t *ret_n) {
        assert(ns && ret && ret_n);
        return namespace_scan(ns, SIZE_MAX, ret, ret_n);
}

int namespace_in_use(Namespace *ns) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        r = namespace_scan(ns, 1, &pids, &n);
        return r < 0 ? r : n > 0;
}

/* After a restart the pid helper is found again: the process that is pid 1 inside the bound pid namespace. */
static void namespace_find_helper(Namespace *ns) {
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_free_ char *path = namespace_kind_path(ns, NAMESPACE_PID);
        struct stat st;
        NsId id = { .kind = NAMESPACE_PID };
        size_t n = 0;

        if (!path || stat(path, &st) < 0)
                return;
        id.dev = st.st_dev, id.ino = st.st_ino;
        if (scan_pids(&id, 1, 0, SIZE_MAX, &pids, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++)
                if (pid_status_nspid_is_init(pids[i]) > 0) {
                        if (namespace_track_helper(ns, pids[i]) < 0)
                                log_warning("Cannot watch pid 1 of namespace %s.", ns->name);
                        return;
                }
}

/* ---- discovery ---- */

static unsigned bound_kinds(NamespaceTable *t, const char *name) {
        unsigned kinds = 0;

        for (NamespaceKind k = 0; k < _NAMESPACE_KIND_MAX; k++) {
                _cleanup_free_ char *path = NULL;

                if (k == NAMESPACE_NET)
                        (void) asprintf(&path, "%s/%s", t->netns_dir, name);
                else
                        (void) asprintf(&path, "%s/%s/%s", t->ns_dir, name, namespace_kind_to_string(k));
                if (path && is_nsfs(path))
                        kinds |= NAMESPACE_KIND_BIT(k);
        }
        return kinds;
}

/* Whether the netns file of @name is bound: one statfs(), where bound_kinds() makes one per kind. */
static bool net_bound(NamespaceTable *t, const char *name) {
        _cleanup_free_ char *path = NULL;

        return asprintf(&path, "%s/%s", t->netns_dir, name) >= 0 && is_nsfs(path);
}

static int namespace_add_existing(Manager *m, const char *name, unsigned kinds) {
        Namespace *ns;
        int r;

        r = namespace_new(m, name, &ns);
        if (r < 0)
                return r;
        ns->kinds = kinds;
        if (kinds & NAMESPACE_KIND_BIT(NAMESPACE_NET)) {
                r = namespace_watch_start(ns);
                if (r < 0) {
                        log_warning_errno(r, "Cannot watch the links of namespace %s: %m", name);
                        namespace_free(ns);
                        return r;
                }
        }
        if (kinds & NAMESPACE_KIND_BIT(NAMESPACE_PID))
                namespace_find_helper(ns);
        ns->next = m->namespaces->list;
        m->namespaces->list = ns;
        log_debug("Found namespace %s.", name);
        return 0;
}

static void load_dir(Manager *m, const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                unsigned kinds;

                if (namespace_name_invalid_reason(de->d_name) || namespace_find(m, de->d_name))
                        continue;
                kinds = bound_kinds(m->namespaces, de->d_name);
                if (kinds)
                        (void) namespace_add_existing(m, de->d_name, kinds);
        }
        closedir(d);
}

/* Removes the files a creation or deletion killed half-way left of namespace @name: files nothing is bound
 * on, which would make the next creation of that name fail with EEXIST. */
int namespace_remove_stale(Manager *m, const char *name) {
        _cleanup_(host_mount_ns_leavep) HostMountNs *scope = NULL;
        NamespaceTable *t = m->namespaces;
        _cleanup_free_ char *dir = NULL;
        int removed = 0, r;

        if (!t || namespace_name_invalid_reason(name) || namespace_find(m, name))
                return 0;
        r = enter_host_mounts(t, &scope);
        if (r < 0)
                return r;
        for (NamespaceKind k = 0; k < _NAMESPACE_KIND_MAX; k++) {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                if (k == NAMESPACE_NET ? asprintf(&path, "%s/%s", t->netns_dir, name) < 0
                                       : asprintf(&path, "%s/%s/%s", t->ns_dir, name, namespace_kind_to_string(k)) < 0)
                        return -ENOMEM;
                if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || is_nsfs(path))
                        continue;
                if (unlink(path) < 0)
                        return log_warning_errno(errno, "Cannot remove the stale namespace file %s: %m", path);
                log_notice("Removed %s, left unbound by an interrupted creation or deletion.", path);
                removed++;
        }
        if (asprintf(&dir, "%s/%s", t->ns_dir, name) < 0)
                return -ENOMEM;
        (void) rmdir(dir);
        return removed;
}

static void namespace_forget(Namespace *ns) {
        namespace_dbus_emit_removed(ns);
        apply_drift_schedule(ns->manager);
        namespace_unlink(ns);
        namespace_free(ns);
}

/* Brings the set of objects in line with the netns directory; returns how many files are not bound yet. */
static unsigned reconcile(Manager *m) {
        _cleanup_(host_mount_ns_leavep) HostMountNs *scope = NULL;
        NamespaceTable *t = m->namespaces;
        unsigned pending = 0;
        DIR *d;
        struct dirent *de;

        if (enter_host_mounts(t, &scope) < 0)
                return 0;

        for (Namespace *ns = t->list, *next; ns; ns = next) {
                next = ns->next;
                if (!(ns->kinds & NAMESPACE_KIND_BIT(NAMESPACE_NET)) || net_bound(t, ns->name))
                        continue;
                log_info("Namespace %s was deleted behind virtd's back.", ns->name);
                if (ns->kinds == NAMESPACE_KIND_BIT(NAMESPACE_NET)) {
                        namespace_forget(ns);
                        continue;
                }
                link_dbus_emit_all_removed(ns);
                namespace_stop_watch(ns);
                ns->kinds &= ~NAMESPACE_KIND_BIT(NAMESPACE_NET);
                namespace_dbus_emit_changed(ns);
        }
        d = opendir(t->netns_dir);
        if (!d)
                return 0;
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL;

                if (de->d_name[0] == '.' || namespace_name_invalid_reason(de->d_name) || namespace_find(m, de->d_name))
                        continue;
                if (asprintf(&path, "%s/%s", t->netns_dir, de->d_name) < 0)
                        break;
                /* "ip netns add" creates the file first and bind-mounts it a moment later. */
                if (!is_nsfs(path)) {
                        pending++;
                        continue;
                }
                if (namespace_add_existing(m, de->d_name, bound_kinds(t, de->d_name)) >= 0)
                        namespace_dbus_emit_added(m->namespaces->list);
        }
        closedir(d);
        return pending;
}

static int on_rescan(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        NamespaceTable *t = m->namespaces;

        /* Give an unbound file 2 s (200 × 10 ms) to become a namespace; then it is just a file. */
        if (reconcile(m) > 0 && ++t->rescan_retries < 200)
                return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT) < 0 ? 0 :
                       sd_event_source_set_time_relative(s, 10 * 1000);
        return 0;
}

static int schedule_rescan(Manager *m) {
        NamespaceTable *t = m->namespaces;
        int r;

        t->rescan_retries = 0;
        if (!t->rescan_timer)
                return sd_event_add_time_relative(m->event, &t->rescan_timer, CLOCK_MONOTONIC, 1000, 0, on_rescan, m);
        r = sd_event_source_set_time_relative(t->rescan_timer, 1000);
        return r < 0 ? r : sd_event_source_set_enabled(t->rescan_timer, SD_EVENT_ONESHOT);
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        ssize_t n;

        /* Drain, then reconcile once: the directory, not the event stream, is the truth. */
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                ;
        if (schedule_rescan(userdata) < 0)
                log_warning("Cannot schedule a rescan of the netns directory.");
        return 0;
}

/* ---- directories ---- */

static int mkdir_parents_and(const char *path) {
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = 0;
                        (void) mkdir(p, 0755);
                        *s = '/';
                }
        return mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* Gives dir the propagation type, bind-mounting it on itself first when it is no mount point (as iproute2). */
static int make_mount(const char *dir, unsigned long propagation) {
        bool bound = false;

        while (mount("", dir, "none", propagation | MS_REC, NULL) < 0) {
                if (errno != EINVAL || bound)
                        return -errno;
                if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0)
                        return -errno;
                bound = true;
        }
        return 0;
}

int namespaces_start(Manager *m, const char *netns_dir, const char *host_mount_ns) {
        _cleanup_(host_mount_ns_leavep) HostMountNs *scope = NULL;
        NamespaceTable *t;
        int r;

        assert(m && netns_dir && host_mount_ns);
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        m->namespaces = t;
        t->inotify_fd = -EBADF;
        t->host_mounts = (HostMountNs) HOST_MOUNT_NS_NULL;
        r = host_mount_ns_open(&t->host_mounts, host_mount_ns);
        if (r < 0)
                return r;
        r = enter_host_mounts(t, &scope);
        if (r < 0)
                return log_error_errno(r, "Cannot enter the host's mount namespace: %m");
        t->netns_dir = strdup(netns_dir);
        if (!t->netns_dir || asprintf(&t->ns_dir, "%s/ns", m->state_dir) < 0)
                return -ENOMEM;
        /* The pid helpers are orphaned when their parent exits; become their reaper. */
        (void) prctl(PR_SET_CHILD_SUBREAPER, 1);
        /* Only the directories now; their mounts are made on first use, as "ip netns add" does. */
        if ((r = mkdir_parents_and(t->netns_dir)) < 0 || (r = mkdir_parents_and(t->ns_dir)) < 0)
                return log_error_errno(r, "Failed to create %s or %s: %m", t->netns_dir, t->ns_dir);
        load_dir(m, t->netns_dir);
        load_dir(m, t->ns_dir);

        t->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (t->inotify_fd < 0)
                return -errno;
        if (inotify_add_watch(t->inotify_fd, t->netns_dir, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO) < 0)
                return log_error_errno(errno, "Failed to watch %s: %m", t->netns_dir);
        return sd_event_add_io(m->event, &t->inotify_source, t->inotify_fd, EPOLLIN, on_inotify, m);
}

/* The netns directory becomes a shared mount, so that namespaces bound there are seen in every mount
 * namespace; the state directory's ns/ a private one, which binding mnt namespaces requires. */
static int namespaces_prepare_mounts(NamespaceTable *t) {
        int r;

        if (t->mounts_ready)
                return 0;
        r = make_mount(t->netns_dir, MS_SHARED);
        if (r < 0)
                return log_error_errno(r, "Failed to make %s a shared mount: %m", t->netns_dir);
        r = make_mount(t->ns_dir, MS_PRIVATE);
        if (r < 0)
                return log_error_errno(r, "Failed to make %s a private mount: %m", t->ns_dir);
        t->mounts_ready = true;
        return 0;
}

/* Drops the private bind of <state-dir>/ns when no namespace has a kind bound below it any more. */
static void namespaces_release_mounts(NamespaceTable *t) {
        for (Namespace *ns = t->list; ns; ns = ns->next)
                if (ns->kinds & ~NAMESPACE_KIND_BIT(NAMESPACE_NET))
                        return;
        if (t->mounts_ready)
                (void) umount2(t->ns_dir, MNT_DETACH | UMOUNT_NOFOLLOW);
}

void namespaces_free(NamespaceTable *t) {
        HostMountNs *scope = NULL;

        if (!t)
                return;
        if (enter_host_mounts(t, &scope) >= 0) {
                namespaces_release_mounts(t);
                host_mount_ns_leavep(&scope);
        }
        while (t->list) {
                Namespace *ns = t->list;
                t->list = ns->next;
                namespace_free(ns);
        }
        sd_event_source_disable_unref(t->inotify_source);
        sd_event_source_disable_unref(t->rescan_timer);
        if (t->inotify_fd >= 0)
                close(t->inotify_fd);
        host_mount_ns_close(&t->host_mounts);
        free(t->netns_dir);
        free(t->ns_dir);
        free(t);
}

/* ---- creation ---- */

typedef enum HelperStage {
        STAGE_USER_READY,   /* the user namespace exists; write its maps */
        STAGE_READY,        /* every kind exists; bind them from holder */
        STAGE_FAILED,
} HelperStage;

typedef struct HelperReport {
        HelperStage stage;
        int error;          /* errno of the failed step */
        char step[32];      /* which step failed */
        pid_t holder;       /* the process whose /proc/PID/ns entries to bind */
} HelperReport;

static void helper_report(int fd, HelperStage stage, int error, const char *step, pid_t holder) {
        HelperReport rep = { .stage = stage, .error = error, .holder = holder };

        snprintf(rep.step, sizeof(rep.step), "%s", step);
        (void) !write(fd, &rep, sizeof(rep));
}

_noreturn_ static void helper_pid1(void) {
        sigset_t all;

        /* pid 1 of the new pid namespace: it only keeps the namespace alive until virtd kills it. */
        (void) prctl(PR_SET_NAME, "virtd-ns-init");
        sigfillset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        for (int fd = 3; fd < 1024; fd++)
                close(fd);
        for (;;)
                pause();
}

/* Runs in the forked child: only system calls from here on, then _exit(). */
_noreturn_ static void helper_child(const NamespaceSpec *spec, int to_parent, int from_parent) {
        pid_t holder = getpid();
        int flags = 0;
        char c;

        if (spec->kinds & NAMESPACE_KIND_BIT(NAMESPACE_USER)) {
                if (unshare(CLONE_NEWUSER) < 0)
                        helper_report(to_parent, STAGE_FAILED, errno, "unshare(user)", 0), _exit(1);
                helper_report(to_parent, STAGE_USER_READY, 0, "", holder);
                if (read(from_parent, &c, 1) != 1)
                        _exit(1);
        }
        for (NamespaceKind k = 0; k < _NAMESPACE_KIND_MAX; k++)
                if (k != NAMESPACE_USER && (spec->kinds & NAMESPACE_KIND_BIT(k)))
                        flags |= namespace_kind_to_clone_flag(k);
        if (unshare(flags) < 0)
                helper_report(to_parent, STAGE_FAILED, errno, "unshare", 0), _exit(1);
        if ((spec->kinds & NAMESPACE_KIND_BIT(NAMESPACE_UTS)) && spec->hostname &&
            sethostname(spec->hostname, strlen(spec->hostname)) < 0)
                helper_report(to_parent, STAGE_FAILED, errno, "sethostname", 0), _exit(1);
        if (spec->kinds & NAMESPACE_KIND_BIT(NAMESPACE_PID)) {
                holder = fork();
                if (holder < 0)
                        helper_report(to_parent, STAGE_FAILED, errno, "fork", 0), _exit(1);
                if (holder == 0)
                        helper_pid1();
        }
        helper_report(to_parent, STAGE_READY, 0, "", holder);
        /* Stay until the daemon has bound our namespaces (it closes its end then). */
        (void) !read(from_parent, &c, 1);
        _exit(0);
}

static int write_id_map(pid_t pid, const char *file, const IdMapEntry *map, size_t n) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_close_ int fd = -EBADF;

        if (n == 0)
                return 0;
        text = id_map_format(map, n);
        if (!text || asprintf(&path, "/proc/%d/%s", (int) pid, file) < 0)
                return -ENOMEM;
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return write(fd, text, strlen(text)) < 0 ? -errno : 0;
}

typedef struct Creation {
        Manager *m;
        const NamespaceSpec *spec;
        pid_t child;
        pid_t holder;
        int to_child, from_child;
        unsigned bound;          /* kinds whose file is bound so far */
        bool made_dir;
} Creation;

static char *spec_kind_path(Creation *c, NamespaceKind k) {
        NamespaceTable *t = c->m->namespaces;
        char *p = NULL;

        if (k == NAMESPACE_NET)
                return asprintf(&p, "%s/%s", t->netns_dir, c->spec->name) < 0 ? NULL : p;
        return asprintf(&p, "%s/%s/%s", t->ns_dir, c->spec->name, namespace_kind_to_string(k)) < 0 ? NULL : p;
}

static void unbind(const char *path) {
        (void) umount2(path, MNT_DETACH);
        (void) unlink(path);
}

/* Undoes whatever the creation has done so far. */
static void creation_undo(Creation *c) {
        for (NamespaceKind k = 0; k < _NAMESPACE_KIND_MAX; k++) {
                _cleanup_free_ char *path = NULL;

                if (!(c->bound & NAMESPACE_KIND_BIT(k)) || !(path = spec_kind_path(c, k)))
                        continue;
                unbind(path);
        }
        if (c->made_dir) {
                _cleanup_free_ char *dir = NULL;
                if (asprintf(&dir, "%s/%s", c->m->namespaces->ns_dir, c->spec->name) >= 0)
                        (void) rmdir(dir);
        }
        if (c->holder > 0 && c->holder != c->child) {
                (void) kill(c->holder, SIGKILL);
                (void) waitpid(c->holder, NULL, __WALL);
        }
}

static int bind_kind(Creation *c, NamespaceKind k) {
        _cleanup_free_ char *path = spec_kind_path(c, k), *source = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *entry = kind_proc_entry(k);

        if (!path)
                return -ENOMEM;
        if (k == NAMESPACE_TIME && c->holder == c->child)
                entry = "time_for_children";
        if (asprintf(&source, "/proc/%d/ns/%s", (int) c->holder, entry) < 0)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (mount(source, path, "none", MS_BIND, NULL) < 0) {
                int r = -errno;
                (void) unlink(path);
                return log_debug_errno(r, "Failed to bind %s to %s: %m", source, path);
        }
        c->bound |= NAMESPACE_KIND_BIT(k);
        return 0;
}

static int creation_run(Creation *c, char *what, size_t what_size) {
        HelperReport rep;
        int r;

        for (;;) {
                if (read(c->from_child, &rep, sizeof(rep)) != (ssize_t) sizeof(rep))
                        return snprintf(what, what_size, "the helper process died"), -ECHILD;
                if (rep.stage == STAGE_FAILED)
                        return snprintf(what, what_size, "%s failed", rep.step), -rep.error;
                if (rep.stage == STAGE_READY)
                        break;
                r = write_id_map(rep.holder, "uid_map", c->spec->uid_map, c->spec->n_uid_map);
                if (r >= 0)
                        r = write_id_map(rep.holder, "gid_map", c->spec->gid_map, c->spec->n_gid_map);
                if (r < 0)
                        return snprintf(what, what_size, "writing the user namespace's id maps failed"), r;
                if (write(c->to_child, "g", 1) != 1)
                        return -errno;
        }
        c->holder = rep.holder;
        if (c->spec->kinds & ~NAMESPACE_KIND_BIT(NAMESPACE_NET)) {
                _cleanup_free_ char *dir = NULL;
                if (asprintf(&dir, "%s/%s", c->m->namespaces->ns_dir, c->spec->name) < 0)
                        return -ENOMEM;
                if (mkdir(dir, 0755) < 0)
                        return snprintf(what, what_size, "creating %s failed", dir), -errno;
                c->made_dir = true;
        }
        for (NamespaceKind k = 0; k < _NAMESPACE_KIND_MAX; k++)
                if ((c->spec->kinds & NAMESPACE_KIND_BIT(k)) && (r = bind_kind(c, k)) < 0)
                        return snprintf(what, what_size, "binding its %s namespace failed", namespace_kind_to_string(k)), r;
        return 0;
}

static int creation_finish(Creation *c, Namespace **ret) {
        Namespace *ns;
        int r;

        r = namespace_new(c->m, c->spec->name, &ns);
        if (r < 0)
                return r;
        ns->kinds = c->spec->kinds;
        if ((ns->kinds & NAMESPACE_KIND_BIT(NAMESPACE_PID)) && (r = namespace_track_helper(ns, c->holder)) < 0) {
                namespace_free(ns);
                return r;
        }
        if ((ns->kinds & NAMESPACE_KIND_BIT(NAMESPACE_NET)) && (r = namespace_watch_start(ns)) < 0) {
                namespace_free(ns);
                return r;
        }
        ns->next = c->m->namespaces->list;
        c->m->namespaces->list = ns;
        *ret = ns;
        return 0;
}

/* A network namespace alone needs no helper process: the daemon unshares one itself, binds it and goes back
 * to its own, as `ip netns add` does. Forking the daemon for it was a third of a namespace's cost. virtd is
 * single-threaded, so nothing else runs in the new namespace meanwhile. */
static int create_net_in_place(Creation *c) {
        _cleanup_close_ int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        int r;

        if (own < 0)
                return -errno;
        if (unshare(CLONE_NEWNET) < 0)
                return -errno;
        c->child = c->holder = getpid();
        r = bind_kind(c, NAMESPACE_NET);
        if (setns(own, CLONE_NEWNET) < 0) {
                /* Serving the host from a throw-away namespace would be worse than stopping. */
                log_error_errno(errno, "Cannot return to the daemon's own network namespace: %m");
                abort();
        }
        return r;
}

static int namespace_create_net(Manager *m, const NamespaceSpec *spec, Namespace **ret) {
        Creation c = { .m = m, .spec = spec, .to_child = -EBADF, .from_child = -EBADF };
        Namespace *ns = NULL;
        int r;

        r = create_net_in_place(&c);
        if (r >= 0)
                r = creation_finish(&c, &ns);
        if (r < 0) {
                creation_undo(&c);
                return log_warning_errno(r, "Failed to create namespace %s: %m", spec->name);
        }
        namespace_dbus_emit_added(ns);
        *ret = ns;
        return 0;
}

int namespace_create(Manager *m, const NamespaceSpec *spec, Namespace **ret) {
        _cleanup_(host_mount_ns_leavep) HostMountNs *scope = NULL;
        Creation c = { .m = m, .spec = spec, .to_child = -EBADF, .from_child = -EBADF };
        int down[2], up[2], status, r;
        char what[128] = "";
        Namespace *ns = NULL;

        assert(m && spec && ret);
        /* The helper forked below inherits the host's mount namespace: a new mnt kind is a copy of the host's
         * mounts, not of the unit's sandbox. */
        r = enter_host_mounts(m->namespaces, &scope);
        if (r < 0)
                return r;
        r = namespaces_prepare_mounts(m->namespaces);
        if (r < 0)
                return r;
        if (spec->kinds == NAMESPACE_KIND_BIT(NAMESPACE_NET))
                return namespace_create_net(m, spec, ret);
        if (pipe2(down, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(up, O_CLOEXEC) < 0) {
                r = -errno;
                close(down[0]), close(down[1]);
                return r;
        }
        c.child = fork();
        if (c.child == 0) {
                close(down[1]), close(up[0]);
                helper_child(spec, up[1], down[0]);
        }
        close(down[0]), close(up[1]);
        c.to_child = down[1], c.from_child = up[0];
        if (c.child < 0) {
                r = -errno;
                goto finish;
        }
        r = creation_run(&c, what, sizeof(what));
        /* Closing our end lets the child exit; its pid helper, if any, is reparented to us. */
        close(TAKE_FD(c.to_child));
        (void) waitpid(c.child, &status, 0);
        if (r >= 0)
                r = creation_finish(&c, &ns);
        if (r < 0) {
                creation_undo(&c);
                log_warning_errno(r, "Failed to create namespace %s: %s: %m", spec->name, what[0] ? what : "setup failed");
                goto finish;
        }
        namespace_dbus_emit_added(ns);
        *ret = ns;
finish:
        if (c.to_child >= 0)
                close(c.to_child);
        close(c.from_child);
        return r;
}

/* ---- deletion ---- */

int namespace_delete(Namespace *ns, bool force) {
        _cleanup_(host_mount_ns_leavep) HostMountNs *scope = NULL;
        _cleanup_free_ char *dir = NULL;
        int r;

        assert(ns);
        r = enter_host_mounts(ns->manager->namespaces, &scope);
        if (r < 0)
                return r;
        if (!force && (r = namespace_in_use(ns)) != 0)
                return r < 0 ? r : -EBUSY;
        link_dbus_emit_all_removed(ns);
        namespace_stop_watch(ns);
        if (ns->helper_pidfd >= 0 && ns->helper_source) {
                siginfo_t si = {};
                /* Killing pid 1 of a pid namespace ends every process inside it. */
                (void) syscall(SYS_pidfd_send_signal, ns->helper_pidfd, SIGKILL, NULL, 0);
                (void) waitid((idtype_t) P_PIDFD, (id_t) ns->helper_pidfd, &si, WEXITED);
        }
        for (NamespaceKind k = 0; k < _NAMESPACE_KIND_MAX; k++) {
                _cleanup_free_ char *path = NULL;

                if (!(ns->kinds & NAMESPACE_KIND_BIT(k)) || !(path = namespace_kind_path(ns, k)))
                        continue;
                unbind(path);
        }
        if (asprintf(&dir, "%s/%s", ns->manager->namespaces->ns_dir, ns->name) >= 0)
                (void) rmdir(dir);
        log_info("Deleted namespace %s.", ns->name);
        namespace_forget(ns);
        return 0;
}

int namespace_open_kind(Namespace *ns, NamespaceKind kind) {
        _cleanup_(host_mount_ns_leavep) HostMountNs *scope = NULL;
        _cleanup_free_ char *path = NULL;
        int r, fd;

        assert(ns);
        r = enter_host_mounts(ns->manager->namespaces, &scope);
        if (r < 0)
                return r;
        path = namespace_kind_path(ns, kind);
        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int namespace_hostname(Namespace *ns, char **ret) {
        _cleanup_close_ int fd = -EBADF, self = -EBADF;
        struct utsname u;

        assert(ns && ret);
        *ret = NULL;
        if (!(ns->kinds & NAMESPACE_KIND_BIT(NAMESPACE_UTS)))
                return 0;
        fd = namespace_open_kind(ns, NAMESPACE_UTS);
        if (fd < 0)
                return fd;
        self = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return -errno;
        /* Single-threaded and only for the length of uname(): the same pattern as netlink sockets. */
        if (setns(fd, CLONE_NEWUTS) < 0)
                return -errno;
        (void) uname(&u);
        if (setns(self, CLONE_NEWUTS) < 0)
                abort();
        *ret = strdup(u.nodename);
        return *ret ? 0 : -ENOMEM;
}

bool namespace_net_is_bound(Namespace *ns) {
        _cleanup_(host_mount_ns_leavep) HostMountNs *scope = NULL;
        _cleanup_free_ char *path = NULL;

        if (!(ns->kinds & NAMESPACE_KIND_BIT(NAMESPACE_NET)) || ns->net_fd < 0 ||
            enter_host_mounts(ns->manager->namespaces, &scope) < 0)
                return false;
        path = namespace_kind_path(ns, NAMESPACE_NET);
        return path && is_nsfs(path);
}
