/* netns.h: named namespaces: creation by a helper child, bind mounts, discovery, deletion. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "host-mount-ns.h"
#include "netlink.h"
#include "netns-names.h"

typedef struct Manager Manager;
typedef struct Namespace Namespace;

struct Namespace {
        Manager *manager;
        char *name;
        unsigned kinds;          /* NAMESPACE_KIND_BIT()s that are bound */
        int net_fd;              /* open on the net namespace, -EBADF without one */
        NetlinkWatch *watch;     /* the links inside, for namespaces with net */
        pid_t helper_pid;        /* pid 1 of the pid namespace, 0 without one */
        int helper_pidfd;
        sd_event_source *helper_source;
        Namespace *next;
};

/* What the whole set of named namespaces needs: where they live and who watches the directory. */
typedef struct NamespaceTable {
        char *netns_dir;         /* named net namespaces, like /run/netns for iproute2 */
        char *ns_dir;            /* <state-dir>/ns/<name>/<kind> for the other kinds */
        Namespace *list;
        int inotify_fd;
        sd_event_source *inotify_source;
        sd_event_source *rescan_timer;
        unsigned rescan_retries;
        bool mounts_ready;       /* the directories' mounts are made on first use */
        HostMountNs host_mounts; /* where the directories' mounts are made and their files opened */
} NamespaceTable;

/* Options of a new namespace. */
typedef struct NamespaceSpec {
        const char *name;
        unsigned kinds;
        const char *hostname;    /* for uts; NULL keeps the host's */
        const IdMapEntry *uid_map, *gid_map;
        size_t n_uid_map, n_gid_map;
} NamespaceSpec;

/* The kinds this kernel offers (those in /proc/self/ns). */
unsigned namespace_kinds_supported(void);

/**
 * namespaces_start() - prepare the directories, load existing namespaces, watch the netns directory.
 * @m: the manager; m->namespaces is allocated here
 * @netns_dir: the netns directory
 * @host_mount_ns: the host's mount namespace file: all work on the directories is done there
 *
 * The netns directory becomes a shared mount, as "ip netns add" makes it, so namespaces bound there are seen
 * in every mount namespace; <state-dir>/ns becomes a private one, which binding mnt namespaces requires.
 */
int namespaces_start(Manager *m, const char *netns_dir, const char *host_mount_ns);
void namespaces_free(NamespaceTable *t);

Namespace *namespace_find(Manager *m, const char *name);

/**
 * namespace_create() - create and bind a namespace with the given kinds.
 * @m: the manager
 * @spec: validated options
 * @ret: the new namespace (owned by m)
 *
 * A forked child unshares the kinds (user first, with the maps written by the daemon); for pid a grandchild
 * stays as the namespace's pid 1. Everything made is undone on failure. Returns 0 or a negative errno.
 */
int namespace_create(Manager *m, const NamespaceSpec *spec, Namespace **ret);

/**
 * namespace_pids() - the processes inside any of the namespace's kinds (the pid helper excepted).
 * @ns: the namespace
 * @ret: pids, ascending
 * @ret_n: how many
 */
int namespace_pids(Namespace *ns, pid_t **ret, size_t *ret_n);
/* Whether a process other than the pid helper is inside: 1, 0 or -errno. Stops at the first one. */
int namespace_in_use(Namespace *ns);

/* Unbinds and removes the files; refuses with -EBUSY while processes are inside unless force. */
int namespace_delete(Namespace *ns, bool force);

/* The bind-mounted file of one kind; the caller frees it. */
/* Unbound files of namespace @name (not registered) left by a killed creation or deletion are removed;
 * returns how many. Called only for names virtd owns. */
int namespace_remove_stale(Manager *m, const char *name);
char *namespace_kind_path(Namespace *ns, NamespaceKind kind);
/* Opens the bound file of @kind (read-only, close-on-exec); returns the fd or a negative errno. */
int namespace_open_kind(Namespace *ns, NamespaceKind kind);
/* Reads the hostname of a uts namespace; NULL without uts. */
int namespace_hostname(Namespace *ns, char **ret);
/* Whether the namespace's net file is still bound (iproute2 may have deleted it a moment ago). */
bool namespace_net_is_bound(Namespace *ns);
