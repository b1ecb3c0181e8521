/* group.h: managed cgroups: the registry of Group objects under the managed base and the work behind each call. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "cgroup-backend.h"
#include "group-name.h"

typedef struct Manager Manager;
typedef struct GroupRegistry GroupRegistry;
typedef struct Group Group;
typedef struct PidWatch PidWatch;

/* Live statistics, read on demand; UINT64_MAX when the group's controllers do not provide one. */
typedef struct GroupStats {
        uint64_t cpu_usage_nsec;
        uint64_t memory_current;
        uint64_t memory_peak;
        uint64_t pids_current;
} GroupStats;

struct Group {
        GroupRegistry *registry;
        char *path;        /* relative to the managed base, e.g. "/web" */
        char *object_path; /* /org/virtd/Virtd1/group/web */
        char **controllers; /* the hierarchies it exists in */
        bool populated;
        uint64_t oom_kills;
        PidWatch *tasks;          /* v1: one pidfd per known task, to notice the last one leaving */
        sd_event_source *events;  /* v2: inotify on cgroup.events and memory.events */
        sd_event_source *oom;     /* v1: eventfd registered through cgroup.event_control */
        Group *next, *prev;  /* the registry's list, in no particular order */
        Group *hash_next;    /* group-index.c's bucket chain */
        unsigned n_children; /* registered groups directly below this one */
};

struct GroupRegistry {
        Manager *manager;
        sd_event *event;
        sd_bus *bus;  /* NULL until the bus is connected; no signals before that */
        char *base;   /* the managed base in every hierarchy, e.g. "/virtd" */
        Group *groups;
        Group **buckets;     /* group-index.c: by path */
        size_t n_buckets, n_groups;
        size_t n_orphans;    /* registered groups below the top whose parent is not registered */
        PidWatch *sticky; /* processes moved with --sticky; a rules engine must leave them alone */
};

/**
 * group_registry_new() - set up cgroup management under base.
 * @m: the manager (for the event loop and bus)
 * @base: the managed base path, "" for the default (/virtd, or the service's delegated cgroup on v2)
 * @ret: the registry
 *
 * Initializes libcgroup and learns the groups that already exist below the base.
 */
int group_registry_new(Manager *m, const char *base, GroupRegistry **ret);
GroupRegistry *group_registry_free(GroupRegistry *r);

/* Re-reads the mounts (libcgroup only scans them once) and re-syncs the objects: Reload's part for groups. */
int group_registry_reload(GroupRegistry *r);

/* Walks the base in every hierarchy; adds objects for new groups and drops vanished ones, with signals. */
int group_registry_sync(GroupRegistry *r);
int group_registry_sync_under(GroupRegistry *r, const char *under);
int group_registry_sync_in(GroupRegistry *r, const char *under, char **only);
Group *group_registry_find(GroupRegistry *r, const char *path);
/* Same, syncing first when path is not known yet (created by cgcreate behind virtd's back). */
Group *group_registry_lookup(GroupRegistry *r, const char *path);

/* The hierarchy path of a group path: base + path. */
int group_full_path(GroupRegistry *r, const char *path, char **ret);

/* Parses and checks a "CONTROLLERS:PATH" argument; error names the argument and the reason. */
int group_parse_spec(const char *s, GroupSpec *ret, sd_bus_error *error);

/**
 * group_create() - cgcreate: make the group in each controller's hierarchy, then set parameters in order.
 * @params: NULL-terminated name/value pairs
 * @perm: ownership and modes
 * @ret_inherited: parameters copied from the parent (cpuset.cpus/cpuset.mems when not given)
 * @error: names the group, the parameter and the kernel's reason
 *
 * All or nothing: on any failure every directory this call made is removed again.
 */
int group_create(GroupRegistry *r, const GroupSpec *spec, char **params, const CgroupPerm *perm,
                 char ***ret_inherited, sd_bus_error *error);

/**
 * group_delete() - cgdelete.
 * @recursive: remove subgroups as well; without it a group with subgroups is refused (NotEmpty)
 * @migrate: move the group's tasks to the parent like cgdelete; without it a group with tasks is refused
 */
int group_delete(GroupRegistry *r, const GroupSpec *spec, bool recursive, bool migrate, sd_bus_error *error);

/* cgset: all pairs or none; values already written are restored when a later one fails. */
int group_set(GroupRegistry *r, const GroupSpec *spec, char **params, sd_bus_error *error);

/* cgget: name/value pairs of the named parameters, or of every parameter when names is empty. */
int group_get(GroupRegistry *r, const GroupSpec *spec, char **names, char ***ret_pairs, sd_bus_error *error);

/* cgclassify: moves every thread of each pid; checks all pids exist before moving any. */
int group_move(GroupRegistry *r, const GroupSpec *spec, const pid_t *pids, size_t n, bool sticky,
               sd_bus_error *error);
/* group_move() in two halves: the move alone (all pids or none), and the bookkeeping that follows it (the
 * v1 task watches, Populated and its signal), which a caller on a latency-critical path may run later. */
int group_attach(GroupRegistry *r, const GroupSpec *spec, const pid_t *pids, size_t n, sd_bus_error *error);
void group_moved(GroupRegistry *r, const char *path, const pid_t *pids, size_t n);

/* cgsnapshot: the managed groups as cgconfig.conf text, restricted to controllers when not empty. */
int group_snapshot(GroupRegistry *r, char **controllers, char **ret);

/* The group's processes: the union of cgroup.procs over its hierarchies, sorted. */
int group_processes(Group *g, pid_t **ret, size_t *ret_n);
/* Current values of every parameter of every controller, as name/value pairs. */
int group_parameters(Group *g, char ***ret_pairs);
int group_stats(Group *g, GroupStats *ret);

/* Re-reads the group's tasks (v1) or cgroup.events (v2) and emits PopulatedChanged when it changed. */
int group_update_populated(Group *g);

/* The pids moved with sticky=true that still run. */
int group_registry_sticky(GroupRegistry *r, pid_t **ret, size_t *ret_n);
