/* group-watch.c: event sources for group state: process exits (pidfd), cgroup.events, OOM notifications.
 *
 * cgroup v2 tells us itself: cgroup.events ("populated 0|1") and memory.events ("oom_kill N") are
 * modified files that inotify reports. cgroup v1 has no per-group emptiness event short of the
 * hierarchy-wide release_agent, which belongs to the host, and inotify on cgroup.procs never fires.
 * So on v1 virtd holds a pidfd for every task it has seen in a group: when one exits, the group's
 * tasks are read again (new children get pidfds of their own) and an empty list is reported. Tasks
 * that enter an empty group behind virtd's back are noticed the next time the group is read (its
 * Processes, Populated or a method touching it). OOM kills on v1 are read from memory.oom_control when
 * a watched task exits, and when the memory controller's eventfd (cgroup.event_control +
 * memory.oom_control) fires, which current kernels do only for groups with the OOM killer disabled. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fileio.h"
#include "group-dbus.h"
#include "group-watch.h"
#include "log.h"
#include "macro.h"
#include "strv.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int pidfd_open(pid_t pid) {
        return (int) syscall(SYS_pidfd_open, pid, 0);
}

static int on_pidfd(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        PidWatch *w = userdata;

        w->on_exit(w);
        return 0;
}

int pid_watch_add(PidWatch **list, sd_event *e, pid_t pid, void *owner, void (*on_exit)(PidWatch *w)) {
        _cleanup_close_ int fd = -EBADF;
        PidWatch *w;
        int r;

        for (w = *list; w; w = w->next)
                if (w->pid == pid)
                        return 0;
        fd = pidfd_open(pid);
        if (fd < 0)
                return -errno;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        *w = (PidWatch) { .pid = pid, .owner = owner, .on_exit = on_exit };
        r = sd_event_add_io(e, &w->source, fd, EPOLLIN, on_pidfd, w);
        if (r < 0) {
                free(w);
                return r;
        }
        (void) sd_event_source_set_io_fd_own(w->source, true);
        TAKE_FD(fd);
        w->next = *list;
        *list = w;
        return 1;
}

void pid_watch_remove(PidWatch **list, PidWatch *w) {
        for (PidWatch **p = list; *p; p = &(*p)->next)
                if (*p == w) {
                        *p = w->next;
                        sd_event_source_disable_unref(w->source);
                        free(w);
                        return;
                }
}

void pid_watch_free_all(PidWatch **list) {
        while (*list)
                pid_watch_remove(list, *list);
}

size_t pid_watch_count(const PidWatch *list) {
        size_t n = 0;

        for (; list; list = list->next)
                n++;
        return n;
}

static void oom_update(Group *g, const char *file, const char *key);
static int group_file(Group *g, const char *controller, const char *file, char **ret);

static void on_task_exit(PidWatch *w) {
        _cleanup_free_ char *oom = NULL;
        Group *g = w->owner;

        pid_watch_remove(&g->tasks, w);
        /* Kernels since 4.19 notify the v1 OOM eventfd only when the OOM killer is disabled for the group
         * (the task then waits); a kill by the OOM killer shows as a task exit plus a higher oom_kill. */
        if (strv_contains(g->controllers, "memory") && cgroup_backend_version("memory") == 1 &&
            group_file(g, "memory", "memory.oom_control", &oom) >= 0)
                oom_update(g, oom, "oom_kill");
        (void) group_update_populated(g);
}

int group_watch_tasks(Group *g, const pid_t *pids, size_t n) {
        bool v1 = false;
        int r;

        for (char **c = g->controllers; *c; c++)
                v1 = v1 || cgroup_backend_version(*c) == 1;
        if (!v1)
                return 0;
        for (size_t i = 0; i < n; i++) {
                r = pid_watch_add(&g->tasks, g->registry->event, pids[i], g, on_task_exit);
                if (r < 0 && r != -ESRCH)
                        return r;
        }
        return 0;
}

/* Reads "key N" from a flat keyed file such as memory.events or memory.oom_control. */
static int read_keyed(const char *file, const char *key, uint64_t *ret) {
        _cleanup_free_ char *text = NULL;
        size_t klen = strlen(key);
        int r;

        r = read_full_file(file, &text, NULL);
        if (r < 0)
                return r;
        for (char *line = text; line && *line;) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = 0;
                if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
                        *ret = strtoull(line + klen + 1, NULL, 10);
                        return 0;
                }
                line = nl ? nl + 1 : NULL;
        }
        return -ENOENT;
}

static void oom_update(Group *g, const char *file, const char *key) {
        uint64_t n = 0;

        if (read_keyed(file, key, &n) < 0 || n <= g->oom_kills)
                return;
        g->oom_kills = n;
        log_info("Group %s: the OOM killer struck (%" PRIu64 " kills so far).", g->path, n);
        (void) group_dbus_emit_oom(g);
}

static int group_file(Group *g, const char *controller, const char *file, char **ret) {
        _cleanup_free_ char *full = NULL;
        int r;

        r = group_full_path(g->registry, g->path, &full);
        if (r < 0)
                return r;
        return cgroup_backend_file(controller, full, file, ret);
}

static int on_v1_oom(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Group *g = userdata;
        _cleanup_free_ char *file = NULL;
        uint64_t counter;

        (void) read(fd, &counter, sizeof(counter));
        if (group_file(g, "memory", "memory.oom_control", &file) >= 0)
                oom_update(g, file, "oom_kill");
        return 0;
}

static int on_v2_events(sd_event_source *s, const struct inotify_event *event, void *userdata) {
        Group *g = userdata;
        _cleanup_free_ char *file = NULL;

        (void) group_update_populated(g);
        if (strv_contains(g->controllers, "memory") && group_file(g, "memory", "memory.events", &file) >= 0)
                oom_update(g, file, "oom_kill");
        return 0;
}

/* Registers an eventfd for memory.oom_control through cgroup.event_control (v1's notification API). */
static int watch_v1_oom(Group *g) {
        _cleanup_free_ char *control = NULL, *oom = NULL, *line = NULL;
        _cleanup_close_ int efd = -EBADF, ofd = -EBADF, cfd = -EBADF;
        int r;

        if ((r = group_file(g, "memory", "cgroup.event_control", &control)) < 0 ||
            (r = group_file(g, "memory", "memory.oom_control", &oom)) < 0)
                return r;
        efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        ofd = open(oom, O_RDONLY | O_CLOEXEC);
        cfd = open(control, O_WRONLY | O_CLOEXEC);
        if (efd < 0 || ofd < 0 || cfd < 0)
                return -errno;
        if (asprintf(&line, "%d %d", efd, ofd) < 0)
                return -ENOMEM;
        if (write(cfd, line, strlen(line)) < 0)
                return -errno;
        (void) read_keyed(oom, "oom_kill", &g->oom_kills);
        r = sd_event_add_io(g->registry->event, &g->oom, efd, EPOLLIN, on_v1_oom, g);
        if (r < 0)
                return r;
        (void) sd_event_source_set_io_fd_own(g->oom, true);
        TAKE_FD(efd);
        return 0;
}

static int watch_v2(Group *g, const char *controller) {
        _cleanup_free_ char *events = NULL, *memory = NULL;
        int r;

        r = group_file(g, controller, "cgroup.events", &events);
        if (r < 0)
                return r;
        r = sd_event_add_inotify(g->registry->event, &g->events, events, IN_MODIFY, on_v2_events, g);
        if (r < 0)
                return r;
        if (!strv_contains(g->controllers, "memory") || group_file(g, "memory", "memory.events", &memory) < 0)
                return 0;
        (void) read_keyed(memory, "oom_kill", &g->oom_kills);
        return sd_event_add_inotify(g->registry->event, &g->oom, memory, IN_MODIFY, on_v2_events, g);
}

int group_watch_start(Group *g) {
        int r;

        for (char **c = g->controllers; *c; c++) {
                int version = cgroup_backend_version(*c);

                if (version == 2 && !g->events) {
                        r = watch_v2(g, *c);
                        if (r < 0)
                                return log_warning_errno(r, "Cannot watch cgroup.events of %s: %m", g->path);
                } else if (version == 1 && streq(*c, "memory") && !g->oom) {
                        r = watch_v1_oom(g);
                        if (r < 0)
                                log_warning_errno(r, "Cannot watch OOM events of %s: %m", g->path);
                }
        }
        return 0;
}

void group_watch_stop(Group *g) {
        pid_watch_free_all(&g->tasks);
        g->events = sd_event_source_disable_unref(g->events);
        g->oom = sd_event_source_disable_unref(g->oom);
}
