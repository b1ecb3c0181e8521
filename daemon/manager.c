/* manager.c: the daemon's lifecycle: event loop, signals, bus name, readiness, reload. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "apply.h"
#include "group-dbus.h"
#include "log.h"
#include "macro.h"
#include "manager-dbus.h"
#include "manager.h"
#include "owned.h"
#include "persist.h"
#include "strset.h"
#include "vlan-dbus.h"
#include "namespace-dbus.h"
#include "link-dbus.h"
#include "netlink.h"
#include "rules-dbus.h"
#include "rules-engine.h"
#include "strv.h"
#include "virtd-bus.h"

static int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int manager_new(const ManagerOptions *o, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        assert(o);
        assert(ret);

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->net_probe.fd = -EBADF;
        m->config_dir = strdup(o->config_dir);
        m->state_dir = strdup(o->state_dir);
        m->host_root = strdup(strempty(o->host_root));
        m->netns_dir = strdup(o->netns_dir ? o->netns_dir : "/run/netns");
        m->host_mount_ns = strdup(o->host_mount_ns ? o->host_mount_ns : "/proc/1/ns/mnt");
        m->cgroup_base = strdup(strempty(o->cgroup_base));
        if (!m->config_dir || !m->state_dir || !m->host_root || !m->netns_dir || !m->host_mount_ns ||
            !m->cgroup_base)
                return -ENOMEM;

        r = mkdir_p(m->state_dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create state directory %s: %m", m->state_dir);

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate event loop: %m");

        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        /* Before the bus goes: replies may wait for the record's write. */
        owned_record_free(m->owned);
        rules_engine_free(m->rules);
        namespaces_free(m->namespaces);
        group_registry_free(m->groups);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        host_report_free(m->host);
        config_failures_free(m->config_failures, m->n_config_failures);
        config_drift_free(m->drift, m->n_drift);
        persist_cache_free(m->persist_cache);
        strset_free(m->runtime_changed);
        strset_free(m->unsaved);
        sd_event_source_disable_unref(m->drift_check);
        sd_event_source_disable_unref(m->net_probe_source);
        if (m->net_probe.fd >= 0) {
                NetFeatures ignored;
                (void) netlink_probe_finish(&m->net_probe, &ignored);
        }
        free(m->config_dir);
        free(m->state_dir);
        free(m->host_root);
        free(m->netns_dir);
        free(m->host_mount_ns);
        free(m->cgroup_base);
        free(m);
        return NULL;
}

/* Ends a probe still running from start-up: waits for its answer and puts it into the report. */
static void manager_finish_net_probe(Manager *m) {
        NetFeatures f = { TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN };
        int r;

        if (m->net_probe.fd < 0)
                return;
        m->net_probe_source = sd_event_source_disable_unref(m->net_probe_source);
        r = netlink_probe_finish(&m->net_probe, &f);
        if (r < 0)
                log_warning_errno(r, "Cannot probe kernel network features, reporting them as unknown: %m");
        r = host_report_set_net(m->host, &f);
        if (r < 0)
                log_error_errno(r, "Failed to add the network features to the host report: %m");
}

static int on_net_probe_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        manager_finish_net_probe(userdata);
        return 0;
}

const HostReport *manager_host_report(Manager *m) {
        assert(m);
        /* Every reader of the report comes through here, so nobody ever sees the features before the probe
         * has answered: a read during the first ~50 ms waits for it instead. For the same reason the values
         * never change under a reader and no PropertiesChanged is due when the probe ends. */
        manager_finish_net_probe(m);
        return m->host;
}

static int manager_collect_host_report(Manager *m, NetFeatures net) {
        HostSources sources = { .root = m->host_root, .net = net };
        HostReport *report = NULL;
        int r;

        r = host_report_collect(&sources, &report);
        if (r < 0)
                return log_error_errno(r, "Failed to collect the host report: %m");
        host_report_free(m->host);
        m->host = report;
        return 0;
}

/* Reload re-probes in line: the caller is told the new report is in place when the call returns. */
static int manager_probe_host(Manager *m) {
        NetFeatures net = { TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN };
        int r;

        manager_finish_net_probe(m);
        r = netlink_probe_features(&net);
        if (r < 0)
                log_warning_errno(r, "Cannot probe kernel network features, reporting them as unknown: %m");
        return manager_collect_host_report(m, net);
}

/* At start-up the network probe (≈ 45 ms on a kernel without 802.1Q, most of the time to READY=1) runs in a
 * child while the daemon sets up; its answer is taken when it arrives or when first needed. */
static int manager_probe_host_lazily(Manager *m) {
        NetFeatures unknown = { TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN,
                                TRISTATE_UNKNOWN };
        int r;

        r = manager_collect_host_report(m, unknown);
        if (r < 0)
                return r;
        r = netlink_probe_start(&m->net_probe);
        if (r < 0)
                return manager_probe_host(m);
        r = sd_event_add_io(m->event, &m->net_probe_source, m->net_probe.fd, EPOLLIN, on_net_probe_done, m);
        if (r < 0)
                log_debug_errno(r, "Cannot watch the network probe, taking its answer on first use: %m");
        return 0;
}

int manager_reload(Manager *m) {
        int r;

        assert(m);
        log_info("Reloading configuration from %s.", m->config_dir);
        (void) sd_notify(false, "RELOADING=1\nSTATUS=Reloading configuration...");

        r = manager_probe_host(m);
        if (m->groups) {
                int k = group_registry_reload(m->groups);
                if (k < 0)
                        log_warning_errno(k, "Cannot re-scan the cgroup hierarchies: %m");
        }
        if (m->groups) {
                /* Re-plan and apply the saved state, object by object as at boot. */
                int k = apply_boot(m);
                if (k < 0)
                        log_warning_errno(k, "Cannot apply the configuration: %m");
        }
        /* After the apply, so that the rules find the groups the configuration makes. */
        if (m->rules) {
                _cleanup_free_ char *message = NULL;
                int k = rules_engine_reload(m->rules, &message);
                if (k == -EBADMSG)
                        log_warning("Keeping the cgrules in use: %s", strempty(message));
                else if (k < 0)
                        log_warning_errno(k, "Cannot reload the cgrules: %m");
        }
        m->reload_count++;
        if (r >= 0 && m->bus)
                r = manager_dbus_emit_host_changed(m);

        (void) sd_notify(false, "READY=1\nSTATUS=Running.");
        return r;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        log_info("Received %s, exiting.", strsignal((int) si->ssi_signo));
        (void) sd_notify(false, "STOPPING=1");
        return sd_event_exit(m->event, 0);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        (void) manager_reload(userdata);
        return 0;
}

static int manager_install_signals(Manager *m) {
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        if ((r = sd_event_add_signal(m->event, NULL, SIGTERM, on_sigterm, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGINT, on_sigterm, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m)) < 0)
                return r;
        return 0;
}

static int on_name_acquired(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        uint32_t result = 0;

        if (e) {
                log_error("Failed to acquire bus name %s: %s", VIRTD_BUS_NAME, e->message);
                return sd_event_exit(m->event, -EACCES);
        }
        /* 1 = primary owner, 4 = already owner; 2 (queued) cannot happen as we do not queue, 3 = taken. */
        if (sd_bus_message_read(reply, "u", &result) < 0 || (result != 1 && result != 4)) {
                log_error("Failed to acquire bus name %s: another process owns it.", VIRTD_BUS_NAME);
                return sd_event_exit(m->event, -EEXIST);
        }
        m->ready = true;
        log_info("Serving %s.", VIRTD_BUS_NAME);
        (void) sd_notify(false, "READY=1\nSTATUS=Running.");
        return 0;
}

int manager_start(Manager *m) {
        int r;

        assert(m);

        r = manager_install_signals(m);
        if (r < 0)
                return log_error_errno(r, "Failed to install signal handlers: %m");
        /* The registry moves virtd into its delegated cgroup's "supervisor" leaf; it goes first so that the probe
         * child forked next is not left in the delegated root, where cgroup v2 would then refuse to enable
         * controllers for the groups below (no processes in inner groups) until the probe exits. */
        r = group_registry_new(m, m->cgroup_base, &m->groups);
        if (r < 0)
                return log_error_errno(r, "Failed to set up cgroup management: %m");
        r = manager_probe_host_lazily(m);
        if (r < 0)
                return r;

        /* sd_bus_open_system() honours DBUS_SYSTEM_BUS_ADDRESS, which is how tests redirect us. */
        r = sd_bus_open_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        r = namespaces_start(m, m->netns_dir, m->host_mount_ns);
        if (r < 0)
                return log_error_errno(r, "Failed to set up named namespaces: %m");
        r = manager_dbus_register(m);
        if (r >= 0)
                r = namespace_dbus_register(m);
        if (r >= 0)
                r = link_dbus_register(m);
        if (r >= 0)
                r = vlan_dbus_register(m);
        if (r < 0)
                return log_error_errno(r, "Failed to register bus objects: %m");
        r = group_dbus_register(m->groups);
        if (r < 0)
                return log_error_errno(r, "Failed to set up cgroup management: %m");
        /* The saved state is applied before the name is requested, so READY=1 means it is in place. */
        r = apply_boot(m);
        if (r < 0)
                return log_error_errno(r, "Failed to apply the configuration: %m");
        r = rules_dbus_register(m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the rule methods: %m");
        r = rules_engine_new(m, &m->rules);
        if (r < 0)
                log_warning_errno(r, "Not classifying processes by cgrules: %m");
        r = sd_bus_request_name_async(m->bus, NULL, VIRTD_BUS_NAME, 0, on_name_acquired, m);
        if (r < 0)
                return log_error_errno(r, "Failed to request bus name %s: %m", VIRTD_BUS_NAME);
        return 0;
}

int manager_run(Manager *m) {
        int r;

        assert(m);
        /* Returns the code passed to sd_event_exit(): negative when start-up failed after the loop began. */
        r = sd_event_loop(m->event);
        return r;
}

static int features_add(char ***l, bool have, const char *name) {
        return have ? strv_extend(l, name) : 0;
}

int manager_features(Manager *m, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const HostReport *h = manager_host_report(m);
        int r;

        assert(m);
        if (!(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        /* What this build serves, then what the kernel allows. */
        static const char * const built[] = { "host-report", "polkit", "groups", "namespaces", "links",
                                              "vlans", "config", "cgrules" };
        for (size_t i = 0; i < ELEMENTSOF(built); i++)
                if ((r = strv_extend(&l, built[i])) < 0)
                        return r;
        if ((r = features_add(&l, m->rules != NULL, "cgrules-engine")) < 0)
                return r;
        if (h) {
                bool v1 = h->cgroup_mode == CGROUP_MODE_LEGACY || h->cgroup_mode == CGROUP_MODE_HYBRID;
                bool v2 = h->cgroup_mode == CGROUP_MODE_UNIFIED || h->cgroup_mode == CGROUP_MODE_HYBRID;

                if ((r = features_add(&l, v1, "cgroup-v1")) < 0 || (r = features_add(&l, v2, "cgroup-v2")) < 0 ||
                    (r = features_add(&l, strv_contains(h->namespaces, "net"), "netns")) < 0 ||
                    (r = features_add(&l, h->net.veth == TRISTATE_YES, "veth")) < 0 ||
                    (r = features_add(&l, h->net.bridge == TRISTATE_YES, "bridge")) < 0 ||
                    (r = features_add(&l, h->net.bridge_vlan_filtering == TRISTATE_YES, "bridge-vlan-filtering")) < 0 ||
                    (r = features_add(&l, h->net.vlan_8021q == TRISTATE_YES, "vlan-8021q")) < 0 ||
                    (r = features_add(&l, h->net.vlan_8021ad == TRISTATE_YES, "vlan-8021ad")) < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}
