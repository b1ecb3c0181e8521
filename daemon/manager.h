/* manager.h: the daemon's top-level state: event loop, bus connection, directories, host facts. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "host-report.h"
#include "netlink.h"
#include "netns.h"

typedef struct ManagerOptions {
        const char *config_dir;
        const char *state_dir;
        const char *host_root; /* "" normally; tests may point the host report at a fake tree */
        const char *netns_dir; /* named network namespaces, as iproute2's /run/netns */
        const char *cgroup_base; /* "" for the default */
        const char *host_mount_ns; /* the host's mount namespace file, where named namespaces are bound */
} ManagerOptions;

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;
        char *config_dir;
        char *state_dir;
        char *host_root;
        HostReport *host; /* read it through manager_host_report() */
        NetProbe net_probe; /* fd -EBADF when no probe is running */
        sd_event_source *net_probe_source;
        char *netns_dir;
        char *host_mount_ns;
        NamespaceTable *namespaces;
        char *cgroup_base;
        struct GroupRegistry *groups;
        struct RulesEngine *rules; /* NULL when the kernel's process events are not available */
        unsigned reload_count;
        struct ConfigFailure *config_failures; /* the last boot-time or Reload apply */
        size_t n_config_failures;
        struct ConfigDrift *drift; /* where the live state differs from the saved one */
        size_t n_drift;
        sd_event_source *drift_check;
        uint64_t drift_due;      /* CLOCK_MONOTONIC µs: the drift check runs once events have been quiet until then */
        struct OwnedRecord *owned; /* the ownership record (owned.h), loaded at the first use */
        struct PersistCache *persist_cache; /* the saved files as parsed (persist.h) */
        struct StrSet *runtime_changed; /* keys of objects runtime-only calls changed since the last Save (persist.h) */
        struct StrSet *unsaved;         /* the keys whose Unsaved property is true */
        bool ready;
} Manager;

int manager_new(const ManagerOptions *options, Manager **ret);
Manager *manager_free(Manager *m);
static inline void manager_freep(Manager **m) {
        manager_free(*m);
}

/* Connects to the system bus, serves the objects, requests the name; READY=1 follows the name. */
int manager_start(Manager *m);
/* Re-reads configuration and re-probes the host: the code behind Reload(), SIGHUP and systemctl reload. */
int manager_reload(Manager *m);
int manager_run(Manager *m);

/* The host report, with the network features once their probe has answered (waiting for it if need be). */
const HostReport *manager_host_report(Manager *m);

/* The build's and the kernel's capabilities, as reported by the Features property. */
int manager_features(Manager *m, char ***ret);
