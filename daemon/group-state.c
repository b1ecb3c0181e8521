/* group-state.c: what a group holds right now, read on demand: processes, parameter values, statistics, populated. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "group-dbus.h"
#include "group-watch.h"
#include "group.h"
#include "log.h"
#include "macro.h"
#include "strv.h"

static int pid_cmp(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;

        return x < y ? -1 : x > y;
}

int group_processes(Group *g, pid_t **ret, size_t *ret_n) {
        _cleanup_free_ char *full = NULL;
        pid_t *all = NULL;
        size_t n = 0;
        int k;

        k = group_full_path(g->registry, g->path, &full);
        if (k < 0)
                return k;
        for (char **c = g->controllers; *c; c++) {
                pid_t *pids = NULL, *grown;
                size_t m = 0;

                if (cgroup_backend_procs(*c, full, &pids, &m) < 0)
                        continue;
                grown = realloc(all, sizeof(pid_t) * (n + m + 1));
                if (!grown) {
                        free(pids);
                        free(all);
                        return -ENOMEM;
                }
                all = grown;
                memcpy(all + n, pids, sizeof(pid_t) * m);
                n += m;
                free(pids);
        }
        if (!all && !(all = calloc(1, sizeof(pid_t))))
                return -ENOMEM;
        qsort(all, n, sizeof(pid_t), pid_cmp);
        size_t u = 0;
        for (size_t i = 0; i < n; i++)
                if (u == 0 || all[u - 1] != all[i])
                        all[u++] = all[i];
        *ret = all;
        *ret_n = u;
        return 0;
}

int group_parameters(Group *g, char ***ret_pairs) {
        _cleanup_strv_free_ char **pairs = calloc(1, sizeof(char *));
        _cleanup_free_ char *full = NULL;
        int k;

        if (!pairs)
                return -ENOMEM;
        k = group_full_path(g->registry, g->path, &full);
        if (k < 0)
                return k;
        for (char **c = g->controllers; *c; c++) {
                _cleanup_strv_free_ char **names = NULL;

                if (cgroup_backend_list_parameters(*c, full, &names) < 0)
                        continue;
                for (char **n = names; *n; n++) {
                        _cleanup_free_ char *value = NULL;

                        /* Write-only files (memory.force_empty, devices.allow) have no value to show. */
                        if (cgroup_backend_get(*c, full, *n, &value) < 0)
                                continue;
                        if ((k = strv_extend(&pairs, *n)) < 0 || (k = strv_extend(&pairs, value)) < 0)
                                return k;
                }
        }
        *ret_pairs = TAKE_PTR(pairs);
        return 0;
}

static uint64_t read_u64(const char *controller, const char *full, const char *name, const char *key) {
        _cleanup_free_ char *value = NULL;
        const char *p;

        if (cgroup_backend_get(controller, full, name, &value) < 0)
                return UINT64_MAX;
        p = value;
        if (key) {
                size_t kl = strlen(key);
                for (p = value; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                        if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
                                break;
                if (!p)
                        return UINT64_MAX;
                p += kl + 1;
        }
        if (streq(p, "max"))
                return UINT64_MAX;
        return strtoull(p, NULL, 10);
}

int group_stats(Group *g, GroupStats *ret) {
        _cleanup_free_ char *full = NULL;
        GroupStats s = { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX };
        int k;

        k = group_full_path(g->registry, g->path, &full);
        if (k < 0)
                return k;
        for (char **c = g->controllers; *c; c++) {
                int version = cgroup_backend_version(*c);

                if (version == 1 && streq(*c, "cpuacct"))
                        s.cpu_usage_nsec = read_u64(*c, full, "cpuacct.usage", NULL);
                else if (version == 2 && s.cpu_usage_nsec == UINT64_MAX) {
                        /* cpu.stat exists in every v2 group, with or without the cpu controller. */
                        uint64_t usec = read_u64("cpu", full, "cpu.stat", "usage_usec");
                        if (usec != UINT64_MAX)
                                s.cpu_usage_nsec = usec * 1000;
                }
                if (streq(*c, "memory")) {
                        s.memory_current = read_u64(*c, full, version == 2 ? "memory.current" : "memory.usage_in_bytes", NULL);
                        s.memory_peak = read_u64(*c, full, version == 2 ? "memory.peak" : "memory.max_usage_in_bytes", NULL);
                }
                if (streq(*c, "pids"))
                        s.pids_current = read_u64(*c, full, "pids.current", NULL);
        }
        *ret = s;
        return 0;
}

static int read_populated(Group *g, bool *ret) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int k;

        for (char **c = g->controllers; *c; c++)
                if (cgroup_backend_version(*c) == 2) {
                        _cleanup_free_ char *full = NULL, *events = NULL;

                        if (group_full_path(g->registry, g->path, &full) < 0 ||
                            cgroup_backend_get(*c, full, "cgroup.events", &events) < 0)
                                break;
                        *ret = strstr(events, "populated 1") != NULL;
                        return 0;
                }
        k = group_processes(g, &pids, &n);
        if (k < 0)
                return k;
        (void) group_watch_tasks(g, pids, n);
        *ret = n > 0;
        return 0;
}

int group_update_populated(Group *g) {
        bool populated = false;
        int k;

        k = read_populated(g, &populated);
        if (k < 0)
                return k;
        if (populated == g->populated)
                return 0;
        g->populated = populated;
        log_debug("Group %s is now %s.", g->path, populated ? "populated" : "empty");
        return group_dbus_emit_populated(g);
}
