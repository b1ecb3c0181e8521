/* group-watch.h: event sources for group state: process exits (pidfd), cgroup.events, OOM notifications. */
#pragma once

#include <sys/types.h>
#include <systemd/sd-event.h>

#include "group.h"

/* One watched process: its pidfd turns readable when it exits. */
struct PidWatch {
        pid_t pid;
        sd_event_source *source;
        void *owner;
        void (*on_exit)(PidWatch *w);
        PidWatch *next;
};

/**
 * pid_watch_add() - watch pid with a pidfd in the event loop.
 * @list: the owner's list; nothing happens when pid is already in it
 * @owner: passed back through w->owner
 * @on_exit: called after the process exited, before w is freed
 *
 * Returns 1 when added, 0 when already watched, -ESRCH when the process is gone, other -errno.
 */
int pid_watch_add(PidWatch **list, sd_event *e, pid_t pid, void *owner, void (*on_exit)(PidWatch *w));
void pid_watch_remove(PidWatch **list, PidWatch *w);
void pid_watch_free_all(PidWatch **list);
size_t pid_watch_count(const PidWatch *list);

/* Starts the watches of a group that fit its hierarchies: pidfds for v1 tasks, inotify on v2's
 * cgroup.events and memory.events, the v1 memory.oom_control eventfd. */
int group_watch_start(Group *g);
void group_watch_stop(Group *g);
/* Adds pidfd watches for the tasks in pids (v1 only; v2 needs none). */
int group_watch_tasks(Group *g, const pid_t *pids, size_t n);
