/* rules-engine.c: cgrulesengd inside virtd: the kernel's process events classified by cgrules.conf.
 *
 * libcgroup's own rule functions (cgroup_init_rules_cache(), cgroup_change_cgroup_flags()) are not used:
 * they read the fixed path /etc/cgrules.conf into a global cache (virtd's rules live in its config
 * directory, with runtime-only rules on top), they re-read and re-parse the file on each call when the
 * cache is stale, resolve names and read /proc themselves, and cgroup_change_cgroup_flags() creates
 * template groups with libcgroup's global template table taken from /etc/cgconfig.conf. None of that
 * can serve a daemon that must answer the bus while it classifies, keep counters per rule and honour
 * virtd's managed base, so the matching is done by cgrules.c and the moving by the group code. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <grp.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cgconfig.h"
#include "fileio.h"
#include "group-watch.h"
#include "group.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "rules-engine.h"
#include "rules-internal.h"
#include "strv.h"
#include "virtd-bus.h"


const char rules_runtime_origin[] = "<runtime>";

static int load_files(Manager *m, CgRules **ret_rules, CgConfig **ret_config, char **ret_message) {
        _cleanup_free_ char *rules = NULL, *rules_d = NULL, *conf = NULL, *conf_d = NULL;
        _cleanup_(cgrules_freep) CgRules *r = NULL;
        _cleanup_(cgconfig_freep) CgConfig *c = NULL;
        ConfError err = {};
        int k;

        if (asprintf(&rules, "%s/cgrules.conf", m->config_dir) < 0 || asprintf(&rules_d, "%s/cgrules.d", m->config_dir) < 0 ||
            asprintf(&conf, "%s/cgconfig.conf", m->config_dir) < 0 || asprintf(&conf_d, "%s/cgconfig.d", m->config_dir) < 0)
                return -ENOMEM;
        k = cgconfig_load(conf, conf_d, &c, &err);
        if (k >= 0)
                k = cgrules_load(rules, rules_d, &r, &err);
        if (k == -EBADMSG && ret_message)
                *ret_message = conf_error_format(&err);
        conf_error_done(&err);
        if (k < 0)
                return k;
        *ret_rules = TAKE_PTR(r);
        *ret_config = TAKE_PTR(c);
        return 0;
}

/* What cgrules_match() needs, read from /proc/PID. */
typedef struct ProcInfo {
        CgRuleProcess p;
        char name[64];
        char *path;
        char *user;
        char *group;
        gid_t *groups;
        CgRuleCgroup *cgroups;
        char *cgroup_text; /* /proc/PID/cgroup, cut into the strings cgroups point to */
        bool names_resolved;
} ProcInfo;

static void proc_info_done(ProcInfo *i) {
        free(i->path);
        free(i->user);
        free(i->group);
        free(i->groups);
        free(i->cgroups);
        free(i->cgroup_text);
}

/* @path relative to the managed @base: "/" for the base itself, NULL when outside it. */
static const char *relative_to(const char *base, const char *path) {
        size_t l = strlen(base);

        if (l <= 1)
                return path;
        if (strncmp(path, base, l) != 0 || (path[l] && path[l] != '/'))
                return NULL;
        return path[l] ? path + l : "/";
}

/* Where the process is, from /proc/PID/cgroup. On a hybrid layout the unified line ("0::") holds no
 * controller and is left out; on a unified one it stands for every controller. */
static int read_cgroups(pid_t pid, const char *base, ProcInfo *i) {
        char path[64];
        size_t n = 0, lines = 1;
        bool unified = cgroup_backend_unified();
        int k;

        free(i->cgroups);
        free(i->cgroup_text);
        i->cgroups = NULL;
        i->cgroup_text = NULL;
        i->p.cgroups = NULL;
        i->p.n_cgroups = 0;
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        k = read_full_file(path, &i->cgroup_text, NULL);
        if (k < 0)
                return k == -ENOENT ? -ESRCH : k;
        for (const char *c = i->cgroup_text; *c; c++)
                lines += *c == '\n';
        i->cgroups = calloc(lines, sizeof(CgRuleCgroup));
        if (!i->cgroups)
                return -ENOMEM;
        for (char *line = i->cgroup_text, *next; line && *line; line = next) {
                char *controllers, *where;
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                controllers = strchr(line, ':');
                where = controllers ? strchr(controllers + 1, ':') : NULL;
                if (!where)
                        continue;
                *controllers++ = 0;
                *where++ = 0;
                if (!*controllers && !unified)
                        continue;
                i->cgroups[n++] = (CgRuleCgroup) { .controllers = controllers, .path = relative_to(base, where) };
        }
        i->p.cgroups = i->cgroups;
        i->p.n_cgroups = n;
        return 0;
}

static int parse_groups(const char *s, gid_t **ret, size_t *ret_n) {
        gid_t *l = NULL;
        size_t n = 0;
        char *end;

        for (;;) {
                while (isspace((unsigned char) *s))
                        s++;
                if (!*s)
                        break;
                unsigned long v = strtoul(s, &end, 10);
                if (end == s)
                        break;
                gid_t *t = realloc(l, (n + 1) * sizeof(gid_t));
                if (!t) {
                        free(l);
                        return -ENOMEM;
                }
                l = t;
                l[n++] = (gid_t) v;
                s = end;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

/* The user and group names for %u/%g. getpwuid_r() may ask NSS; on a host with remote users that is the
 * one blocking call left here, as in cgrulesengd. */
static int resolve_names(ProcInfo *i) {
        char buf[16384];
        struct passwd pw, *pwr = NULL;
        struct group gr, *grr = NULL;

        if (i->names_resolved)
                return 0;
        i->names_resolved = true;
        if (getpwuid_r(i->p.uid, &pw, buf, sizeof(buf), &pwr) == 0 && pwr && !(i->user = strdup(pwr->pw_name)))
                return -ENOMEM;
        if (getgrgid_r(i->p.gid, &gr, buf, sizeof(buf), &grr) == 0 && grr && !(i->group = strdup(grr->gr_name)))
                return -ENOMEM;
        i->p.user = i->user;
        i->p.group = i->group;
        return 0;
}

/* Effective ids, as cgrulesengd matches them, and with @with_cgroups where the process is. -ESRCH when the
 * process is gone or is a kernel thread. */
static int proc_info_read(pid_t pid, const char *base, bool with_cgroups, ProcInfo *i) {
        _cleanup_free_ char *status = NULL;
        char path[64], exe[4096];
        unsigned long ids[2];
        bool have_uid = false, have_gid = false;
        ssize_t l;
        int k;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        k = read_full_file(path, &status, NULL);
        if (k < 0)
                return k == -ENOENT ? -ESRCH : k;
        snprintf(path, sizeof(path), "/proc/%d/exe", (int) pid);
        l = readlink(path, exe, sizeof(exe) - 1);
        if (l < 0)
                return -ESRCH; /* gone, or a kernel thread, which no rule may move */
        exe[l] = 0;
        if (!(i->path = strdup(exe)))
                return -ENOMEM;
        i->p.pid = pid;
        for (char *line = status, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (strncmp(line, "Name:\t", 6) == 0)
                        snprintf(i->name, sizeof(i->name), "%s", line + 6);
                else if (sscanf(line, "Uid: %lu %lu", &ids[0], &ids[1]) == 2)
                        i->p.uid = (uid_t) ids[1], have_uid = true;
                else if (sscanf(line, "Gid: %lu %lu", &ids[0], &ids[1]) == 2)
                        i->p.gid = (gid_t) ids[1], have_gid = true;
                else if (strncmp(line, "Groups:", 7) == 0 && (k = parse_groups(line + 7, &i->groups, &i->p.n_groups)) < 0)
                        return k;
        }
        if (!have_uid || !have_gid)
                return -ESRCH;
        if (with_cgroups && (k = read_cgroups(pid, base, i)) < 0)
                return k;
        i->p.name = i->name;
        i->p.path = i->path;
        i->p.groups = i->groups;
        return 0;
}

static bool pid_in(const pid_t *l, size_t n, pid_t pid) {
        for (size_t i = 0; i < n; i++)
                if (l[i] == pid)
                        return true;
        return false;
}

static bool is_sticky(RulesEngine *e, pid_t pid) {
        for (PidWatch *w = e->manager->groups->sticky; w; w = w->next)
                if (w->pid == pid)
                        return true;
        return pid_in(e->inherited, e->n_inherited, pid);
}

/* The controllers of a rule: as written, or for "*" every mounted controller of this host's layout. */
static int rule_controllers(const CgRule *rule, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        CgroupController *c = NULL;
        bool unified = cgroup_backend_unified();
        size_t n = 0;
        int k;

        if (!l)
                return -ENOMEM;
        if (rule->controllers) {
                for (char **s = rule->controllers; *s; s++)
                        if ((k = strv_extend(&l, *s)) < 0)
                                return k;
                *ret = TAKE_PTR(l);
                return 0;
        }
        k = cgroup_backend_list_controllers(&c, &n);
        if (k < 0)
                return k;
        for (size_t i = 0; i < n && k >= 0; i++)
                if (c[i].version == (unified ? 2u : 1u))
                        k = strv_extend(&l, c[i].name);
        cgroup_controllers_free(c, n);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(l);
        return 0;
}

static const char *skip_slash(const char *s) {
        while (*s == '/')
                s++;
        return s;
}

/* The template{} of that name, as libcgroup pairs a destination level with a template. */
static const CgGroup *find_template(RulesEngine *e, const char *name) {
        for (size_t i = 0; e->templates && i < e->templates->n_templates; i++)
                if (streq(skip_slash(e->templates->templates[i].name), skip_slash(name)))
                        return &e->templates->templates[i];
        return NULL;
}

/* The template's parameters for the controllers the group is made in, as name/value pairs. */
static int template_params(const CgGroup *t, char **controllers, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        int k;

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; t && i < t->n_controllers; i++) {
                if (!strv_contains(controllers, t->controllers[i].name))
                        continue;
                for (size_t j = 0; j < t->controllers[i].n_params; j++)
                        if ((k = strv_extend(&l, t->controllers[i].params[j].name)) < 0 ||
                            (k = strv_extend(&l, t->controllers[i].params[j].value)) < 0)
                                return k;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* The controllers of @wanted in which group @path does not exist yet. */
static int missing_controllers(GroupRegistry *reg, const char *path, char **wanted, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        Group *g = group_registry_lookup(reg, path);
        int k;

        if (!l)
                return -ENOMEM;
        for (char **c = wanted; *c; c++)
                if ((!g || !strv_contains(g->controllers, *c)) && (k = strv_extend(&l, *c)) < 0)
                        return k;
        *ret = TAKE_PTR(l);
        return 0;
}

/* Makes one level of a destination: from the template{} named like the rule's destination at that level,
 * with its parameters and perm{}, or empty when that level has no specifier or no template. */
static int create_level(RulesEngine *e, const char *template_name, const char *path, char **controllers,
                        sd_bus_error *error) {
        _cleanup_strv_free_ char **missing = NULL, **params = NULL;
        const CgGroup *t = strchr(template_name, '%') ? find_template(e, template_name) : NULL;
        CgroupPerm perm = t ? cgconfig_perm_resolve(&t->perm) : CGROUP_PERM_NULL;
        GroupSpec spec;
        int k;

        if ((k = missing_controllers(e->manager->groups, path, controllers, &missing)) < 0 || !missing[0])
                return k;
        if ((k = template_params(t, missing, &params)) < 0)
                return k;
        spec = (GroupSpec) { .controllers = missing, .path = (char *) path };
        return group_create(e->manager->groups, &spec, params, &perm, NULL, error);
}

/* libcgroup's cgroup_create_template_group(): every missing level of the expanded destination is made in
 * turn. A substituted name is one path component, so the levels of the rule's destination and of the
 * expanded path correspond one to one. */
static int create_destination(RulesEngine *e, const CgRule *rule, const GroupSpec *spec, sd_bus_error *error) {
        _cleanup_strv_free_ char **tl = strv_split(rule->destination, "/"), **gl = strv_split(spec->path, "/");
        size_t n = strv_length(gl);
        int k = 0;

        if (!tl || !gl)
                return -ENOMEM;
        if (strv_length(tl) != n)
                return virtd_bus_error_setf(error, EINVAL, "destination '%s' expands to %s, a different depth.",
                                            rule->destination, spec->path);
        for (size_t i = 1; i <= n && k >= 0; i++) {
                _cleanup_free_ char *path = NULL, *tname = NULL, *g = NULL;
                char *saved_t = tl[i], *saved_g = gl[i];
                tl[i] = gl[i] = NULL;
                tname = strv_join(tl, "/");
                g = strv_join(gl, "/");
                tl[i] = saved_t;
                gl[i] = saved_g;
                if (!tname || !g || asprintf(&path, "/%s", g) < 0)
                        return -ENOMEM;
                k = create_level(e, tname, path, spec->controllers, error);
        }
        return k;
}

/* Whether the process is in @spec's group in every one of its controllers already. */
static bool already_in(const ProcInfo *info, const GroupSpec *spec) {
        for (char **c = spec->controllers; *c; c++) {
                bool found = false;
                for (size_t i = 0; i < info->p.n_cgroups && !found; i++) {
                        _cleanup_strv_free_ char **have = strv_split(info->p.cgroups[i].controllers, ",");
                        if (have && (!have[0] || strv_contains(have, *c)))
                                found = info->p.cgroups[i].path && streq(info->p.cgroups[i].path, spec->path);
                }
                if (!found)
                        return false;
        }
        return true;
}

static void bookkeeping_run(RulesEngine *e) {
        /* group_moved() may emit signals, never classify: the queue cannot grow while it drains. */
        for (size_t i = 0; i < e->n_moved; i++) {
                group_moved(e->manager->groups, e->moved[i].path, &e->moved[i].pid, 1);
                free(e->moved[i].path);
        }
        e->n_moved = 0;
}

static int on_bookkeeping(sd_event_source *s, void *userdata) {
        bookkeeping_run(userdata);
        return 0;
}

/* A process event waits in the socket while the engine works, so only the move happens on the event's path;
 * the task watch, Populated and its signals follow once no process event or bus call is pending. A long
 * burst of events must not postpone them without bound, hence the cap. */
#define BOOKKEEPING_MAX 64

static void bookkeeping_queue(RulesEngine *e, const char *path, pid_t pid) {
        RulesMoved *l;
        char *p;

        if (e->n_moved >= BOOKKEEPING_MAX)
                bookkeeping_run(e);
        p = strdup(path);
        l = p ? realloc(e->moved, (e->n_moved + 1) * sizeof(RulesMoved)) : NULL;
        if (!l) {
                free(p);
                log_oom();
                group_moved(e->manager->groups, path, &pid, 1);
                return;
        }
        e->moved = l;
        e->moved[e->n_moved++] = (RulesMoved) { .path = p, .pid = pid };
        (void) sd_event_source_set_enabled(e->bookkeeping, SD_EVENT_ONESHOT);
}

/* Moves pid as one rule line says. Destinations are relative to the managed base, so a rule can never
 * move a process out of virtd's subtree; destinations with specifiers are created on demand, level by
 * level, from the template{} sections. Where there is no template libcgroup 2.0 gives up
 * (ECGROUPNOTEXIST) and leaves the process; virtd makes the group empty instead.
 * Returns 1 when the process was moved, 0 when it was there already. */
static int apply_rule(RulesEngine *e, const CgRule *rule, const ProcInfo *info, sd_bus_error *error) {
        _cleanup_strv_free_ char **controllers = NULL;
        _cleanup_free_ char *dest = NULL, *why = NULL, *joined = NULL, *spec_text = NULL;
        _cleanup_(group_spec_done) GroupSpec spec = {};
        GroupRegistry *reg = e->manager->groups;
        int k;

        k = cgrules_expand_destination(rule->destination, &info->p, &dest, &why);
        if (k < 0)
                return k == -EINVAL ? virtd_bus_error_setf(error, EINVAL, "%s.", strempty(why)) : k;
        if ((k = rule_controllers(rule, &controllers)) < 0)
                return k;
        if (!(joined = strv_join(controllers, ",")) || asprintf(&spec_text, "%s:/%s", joined, skip_slash(dest)) < 0)
                return -ENOMEM;
        k = group_parse_spec(spec_text, &spec, error);
        if (k < 0)
                return k;
        if (streq(spec.path, "/"))
                return virtd_bus_error_setf(error, EINVAL, "destination '%s' is the managed base itself.", rule->destination);
        if (already_in(info, &spec))
                return 0;
        k = group_attach(reg, &spec, &info->p.pid, 1, error);
        if (k == -ENOENT && strchr(rule->destination, '%')) {
                sd_bus_error_free(error);
                k = create_destination(e, rule, &spec, error);
                if (k >= 0)
                        k = group_attach(reg, &spec, &info->p.pid, 1, error);
        }
        if (k < 0)
                return k;
        bookkeeping_queue(e, spec.path, info->p.pid);
        return 1;
}

static bool rules_have_ignore(const CgRules *rules) {
        for (size_t i = 0; i < rules->n_rules; i++)
                if (rules->rules[i].ignore)
                        return true;
        return false;
}

/* Classifies one process. Returns 1 when a rule matched, 0 when none did (the process stays where it is:
 * virtd never moves a process that no rule matches), -ESRCH when it is gone. */
static int classify(RulesEngine *e, pid_t pid) {
        _cleanup_(proc_info_done) ProcInfo info = {};
        size_t index;
        int k;

        if (!e->rules || e->rules->n_rules == 0 || is_sticky(e, pid))
                return 0;
        /* Only "ignore" rules match on where a process is; for the others that is read once one matched,
         * and the many execs on a busy host that match no rule cost a file less each. */
        k = proc_info_read(pid, e->manager->groups->base, rules_have_ignore(e->rules), &info);
        if (k < 0)
                return k;
        if (cgrules_match(e->rules, &info.p, &index) < 0)
                return 0;
        if (!info.cgroup_text && (k = read_cgroups(pid, e->manager->groups->base, &info)) < 0)
                return k;
        /* Names only matter for %u and %g; NSS is not asked for every exec on the host. */
        for (size_t i = index; i < e->rules->n_rules && (i == index || e->rules->rules[i].continuation); i++)
                if (strchr(e->rules->rules[i].destination, '%') && (k = resolve_names(&info)) < 0)
                        return k;
        for (size_t i = index; i < e->rules->n_rules && (i == index || e->rules->rules[i].continuation); i++) {
                const CgRule *rule = &e->rules->rules[i];
                sd_bus_error error = SD_BUS_ERROR_NULL;

                if (rule->ignore) {
                        e->matches[i]++;
                        continue;
                }
                k = apply_rule(e, rule, &info, &error);
                if (k > 0)
                        e->matches[i]++;
                /* The "%" lines after a move must see where the process is now, not where it was. */
                if (k > 0 && i + 1 < e->rules->n_rules && e->rules->rules[i + 1].continuation &&
                    (k = read_cgroups(pid, e->manager->groups->base, &info)) < 0 && k != -ESRCH)
                        log_warning("Cannot read where process %d (%s) is: %s", (int) pid, info.name, strerror(-k));
                /* A process may exit while it is moved; libcgroup then reports ENOENT. Not worth a warning. */
                if (k < 0 && kill(pid, 0) < 0 && errno == ESRCH)
                        k = -ESRCH;
                if (k < 0 && k != -ESRCH)
                        log_warning("Cannot classify process %d (%s) by %s:%u: %s", (int) pid, info.name, rule->file,
                                    rule->line, error.message ?: strerror(-k));
                sd_bus_error_free(&error);
        }
        return 1;
}

static int classify_all(RulesEngine *e) {
        unsigned n = 0;
        DIR *d;

        if (!e->rules || e->rules->n_rules == 0)
                return 0;
        d = opendir("/proc");
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));) {
                char *end;
                long pid = strtol(de->d_name, &end, 10);
                if (*end || pid <= 0)
                        continue;
                if (classify(e, (pid_t) pid) > 0)
                        n++;
        }
        closedir(d);
        log_info("Classified %u running process%s by the cgrules.", n, n == 1 ? "" : "es");
        return 0;
}

static void inherited_remove(RulesEngine *e, pid_t pid) {
        for (size_t i = 0; i < e->n_inherited; i++)
                if (e->inherited[i] == pid) {
                        e->inherited[i] = e->inherited[--e->n_inherited];
                        return;
                }
}

static void on_fork(RulesEngine *e, pid_t parent, pid_t child) {
        pid_t *l;

        if (!is_sticky(e, parent) || pid_in(e->inherited, e->n_inherited, child))
                return;
        l = realloc(e->inherited, (e->n_inherited + 1) * sizeof(pid_t));
        if (!l)
                return (void) log_oom();
        e->inherited = l;
        e->inherited[e->n_inherited++] = child;
}

static void handle_event(RulesEngine *e, const struct proc_event *ev) {
        switch (ev->what) {
        case PROC_EVENT_FORK:
                if (ev->event_data.fork.child_pid == ev->event_data.fork.child_tgid)
                        on_fork(e, ev->event_data.fork.parent_tgid, ev->event_data.fork.child_tgid);
                break;
        case PROC_EVENT_EXEC:
                (void) classify(e, ev->event_data.exec.process_tgid);
                break;
        case PROC_EVENT_UID:
                (void) classify(e, ev->event_data.id.process_tgid);
                break;
        case PROC_EVENT_GID:
                (void) classify(e, ev->event_data.id.process_tgid);
                break;
        case PROC_EVENT_EXIT:
                if (ev->event_data.exit.process_pid == ev->event_data.exit.process_tgid)
                        inherited_remove(e, ev->event_data.exit.process_tgid);
                break;
        default:
                break;
        }
}

static void handle_datagram(RulesEngine *e, const void *buf, size_t n) {
        for (const struct nlmsghdr *h = buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
                const struct cn_msg *cn = NLMSG_DATA(h);
                struct proc_event ev = {};

                if (h->nlmsg_type != NLMSG_DONE || cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC)
                        continue;
                /* cn_msg's payload is only 4-byte aligned; proc_event holds 64-bit fields. */
                memcpy(&ev, cn->data, cn->len < sizeof(ev) ? cn->len : sizeof(ev));
                handle_event(e, &ev);
        }
}

/* The kernel sends one datagram per process event; on a busy host many wait at each wakeup, and one
 * recvmmsg() takes them all instead of a recvfrom() each. A datagram holds one event of < 100 bytes. */
#define CONNECTOR_BATCH 32
#define CONNECTOR_DATAGRAM 512

static int on_connector(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        RulesEngine *e = userdata;
        union {
                struct nlmsghdr h;
                char buf[CONNECTOR_DATAGRAM];
        } u[CONNECTOR_BATCH];
        struct sockaddr_nl sa[CONNECTOR_BATCH];
        struct iovec iov[CONNECTOR_BATCH];
        struct mmsghdr msgs[CONNECTOR_BATCH];
        int n;

        for (int i = 0; i < CONNECTOR_BATCH; i++) {
                iov[i] = (struct iovec) { .iov_base = &u[i], .iov_len = sizeof(u[i]) };
                msgs[i] = (struct mmsghdr) { .msg_hdr = { .msg_name = &sa[i], .msg_namelen = sizeof(sa[i]),
                                                          .msg_iov = &iov[i], .msg_iovlen = 1 } };
        }
        n = recvmmsg(fd, msgs, CONNECTOR_BATCH, MSG_DONTWAIT, NULL);
        if (n < 0 && errno == ENOBUFS) {
                /* Events were dropped: look at every process again rather than miss one. */
                log_warning("Process events overflowed the socket buffer; classifying all processes again.");
                (void) classify_all(e);
                return 0;
        }
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : log_error_errno(-errno, "Proc connector: %m");
        for (int i = 0; i < n; i++)
                if (sa[i].nl_pid == 0) /* only the kernel speaks here */
                        handle_datagram(e, &u[i], msgs[i].msg_len);
        /* The source is level-triggered: what is left in the socket wakes the loop again at once. */
        return 0;
}

static int connector_open(int *ret) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
        enum proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
        union {
                struct nlmsghdr h;
                char buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(op))];
        } u = {};
        struct cn_msg *cn = NLMSG_DATA(&u.h);
        int size = 4 * 1024 * 1024;

        fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
        if (fd < 0)
                return -errno;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        u.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(op));
        u.h.nlmsg_type = NLMSG_DONE;
        u.h.nlmsg_pid = (uint32_t) getpid();
        cn->id.idx = CN_IDX_PROC;
        cn->id.val = CN_VAL_PROC;
        cn->len = sizeof(op);
        memcpy(cn->data, &op, sizeof(op));
        if (send(fd, &u, u.h.nlmsg_len, 0) < 0)
                return -errno;
        *ret = TAKE_FD(fd);
        return 0;
}

static int bookkeeping_source_new(RulesEngine *e) {
        int k;

        k = sd_event_add_defer(e->manager->event, &e->bookkeeping, on_bookkeeping, e);
        if (k >= 0)
                k = sd_event_source_set_priority(e->bookkeeping, SD_EVENT_PRIORITY_NORMAL + 1);
        if (k >= 0)
                k = sd_event_source_set_enabled(e->bookkeeping, SD_EVENT_OFF);
        return k;
}

void rules_engine_set_rules(RulesEngine *e, CgRules *rules, uint64_t *matches) {
        cgrules_free(e->rules);
        free(e->matches);
        e->rules = rules;
        e->matches = matches;
}

int rules_engine_new(Manager *m, RulesEngine **ret) {
        _cleanup_free_ char *message = NULL;
        RulesEngine *e;
        int k;

        assert(m);
        assert(m->groups);
        assert(ret);
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->manager = m;
        e->fd = -EBADF;
        if (asprintf(&e->main_path, "%s/cgrules.conf", m->config_dir) < 0) {
                free(e);
                return -ENOMEM;
        }
        k = connector_open(&e->fd);
        if (k >= 0)
                k = sd_event_add_io(m->event, &e->source, e->fd, EPOLLIN, on_connector, e);
        if (k >= 0)
                k = bookkeeping_source_new(e);
        if (k < 0) {
                log_error_errno(k, "Cannot listen to the kernel's process events: %m");
                rules_engine_free(e);
                return k;
        }
        k = rules_engine_reload(e, &message);
        if (k == -EBADMSG)
                log_error("Not classifying processes: %s", strempty(message));
        else if (k < 0) {
                rules_engine_free(e);
                return k;
        }
        *ret = e;
        return 0;
}

RulesEngine *rules_engine_free(RulesEngine *e) {
        if (!e)
                return NULL;
        sd_event_source_disable_unref(e->source);
        sd_event_source_disable_unref(e->bookkeeping);
        for (size_t i = 0; i < e->n_moved; i++)
                free(e->moved[i].path);
        free(e->moved);
        if (e->fd >= 0)
                close(e->fd);
        rules_engine_set_rules(e, NULL, NULL);
        cgconfig_free(e->templates);
        free(e->main_path);
        free(e->inherited);
        free(e);
        return NULL;
}

int rules_engine_reload(RulesEngine *e, char **ret_message) {
        CgRules *rules = NULL;
        CgConfig *config = NULL;
        uint64_t *matches;
        int k;

        assert(e);
        k = load_files(e->manager, &rules, &config, ret_message);
        if (k < 0)
                return k;
        matches = calloc(rules->n_rules + 1, sizeof(uint64_t));
        if (!matches) {
                cgrules_free(rules);
                cgconfig_free(config);
                return -ENOMEM;
        }
        rules_engine_set_rules(e, rules, matches);
        cgconfig_free(e->templates);
        e->templates = config;
        log_info("Loaded %zu cgrules line%s.", rules->n_rules, rules->n_rules == 1 ? "" : "s");
        return classify_all(e);
}

const CgRules *rules_engine_rules(RulesEngine *e) {
        return e->rules;
}

uint64_t rules_engine_matches(RulesEngine *e, size_t index) {
        return e->rules && index < e->rules->n_rules ? e->matches[index] : 0;
}

int rules_engine_test(RulesEngine *e, const char *user, const char *process, int32_t *ret_index, char **ret_destination,
                      char ***ret_controllers, sd_bus_error *error) {
        _cleanup_(proc_info_done) ProcInfo info = {};
        _cleanup_strv_free_ char **controllers = calloc(1, sizeof(char *));
        _cleanup_free_ char *dest = NULL, *why = NULL;
        struct passwd pw, *res = NULL;
        char buf[16384];
        int groups_n = 64;
        size_t index;
        int k;

        assert(e);
        if (!controllers)
                return -ENOMEM;
        if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || !res)
                return virtd_bus_error_setf(error, ENOENT, "User '%s' does not exist.", user);
        info.p.uid = res->pw_uid;
        info.p.gid = res->pw_gid;
        info.groups = calloc(groups_n, sizeof(gid_t));
        if (!info.groups)
                return -ENOMEM;
        if (getgrouplist(res->pw_name, res->pw_gid, info.groups, &groups_n) < 0)
                groups_n = 0;
        info.p.groups = info.groups;
        info.p.n_groups = (size_t) groups_n;
        if (*process) {
                const char *base = strrchr(process, '/');
                snprintf(info.name, sizeof(info.name), "%.15s", base ? base + 1 : process);
                info.p.name = info.name;
                if (base && !(info.path = strdup(process)))
                        return -ENOMEM;
                info.p.path = info.path;
        }
        if ((k = resolve_names(&info)) < 0)
                return k;
        if (!e->rules || cgrules_match(e->rules, &info.p, &index) < 0) {
                *ret_index = -1;
                *ret_destination = strdup("");
                *ret_controllers = TAKE_PTR(controllers);
                return *ret_destination ? 0 : -ENOMEM;
        }
        k = cgrules_expand_destination(e->rules->rules[index].destination, &info.p, &dest, &why);
        if (k == -EINVAL)
                return virtd_bus_error_setf(error, EINVAL, "%s:%u: %s.", e->rules->rules[index].file,
                                            e->rules->rules[index].line, strempty(why));
        if (k < 0)
                return k;
        for (size_t i = index; i < rules_block_end(e->rules, index); i++) {
                static char *any[] = { (char *) "*", NULL };
                char **c = e->rules->rules[i].controllers;
                for (char **s = c ? c : any; *s; s++)
                        if (!strv_contains(controllers, *s) && (k = strv_extend(&controllers, *s)) < 0)
                                return k;
        }
        *ret_index = (int32_t) index;
        *ret_destination = TAKE_PTR(dest);
        *ret_controllers = TAKE_PTR(controllers);
        return 0;
}
