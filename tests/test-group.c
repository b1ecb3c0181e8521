/* test-group.c: cgroups through virtd on the real hierarchy, checked with the file system and libcgroup's own tools. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "virtd-bus.h"

#define NOBODY 65534

/* The layout, found at run time so that the same tests run on hybrid v1 here and on v2 in the VM lane. */
typedef struct Layout {
        bool v2;               /* cpu, memory, pids are on the unified hierarchy */
        const char *controllers; /* what the tests create groups with */
        const char *cpu_weight;  /* cpu.shares (v1) or cpu.weight (v2) */
        const char *weight_value;
        const char *memory_limit; /* memory.limit_in_bytes (v1) or memory.max (v2) */
} Layout;

static Layout layout;

static bool streq_str(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}

/* Whether the comma-separated list contains item ("cpu,cpuacct" contains "cpu"). */
static bool strstr_list(const char *list, const char *item) {
        g_auto(GStrv) l = g_strsplit(list, ",", -1);

        return g_strv_contains((const char * const *) l, item);
}

typedef struct Fixture {
        TestEnv e;
        char *base; /* "/vtest…", unique to the run */
        char *base_arg;
} Fixture;

static void detect_layout(void) {
        g_autofree char *fs = NULL;

        test_sh(&fs, "stat -f -c %%T /sys/fs/cgroup");
        layout.v2 = g_str_has_prefix(fs, "cgroup2");
        layout.controllers = layout.v2 ? "cpu,memory,pids" : "cpu,cpuacct,memory,pids";
        layout.cpu_weight = layout.v2 ? "cpu.weight" : "cpu.shares";
        layout.weight_value = layout.v2 ? "50" : "512";
        layout.memory_limit = layout.v2 ? "memory.max" : "memory.limit_in_bytes";
}

static char *cg_path(Fixture *f, const char *controller, const char *group, const char *file) {
        g_autofree char *mount = test_cgroup_mount_of(controller);

        return g_strdup_printf("%s%s%s%s%s", mount, f->base, streq_str(group, "/") ? "" : group, file ? "/" : "", file ? file : "");
}

/* Kills and removes everything under the base in every cgroup hierarchy: the leftovers of a failed test too. */
static void fixture_start(Fixture *f, bool polkit) {
        const char *args[2] = { NULL, NULL };
        TestEnvOptions o = { .polkit = polkit, .virtd_args = args };
        g_autofree char *name = test_unique_name("vtest");

        test_require_root();
        f->base = g_strdup_printf("/%s", name);
        f->base_arg = g_strdup_printf("--cgroup-base=%s", f->base);
        args[0] = f->base_arg;
        test_env_start(&f->e, &o);
        test_defer_remove_cgroup_subtree(f->base);
}

static void fixture_stop(Fixture *f) {
        test_env_stop(&f->e);
        g_assert_cmpint(test_sh(NULL, "find /sys/fs/cgroup -maxdepth 3 -name '%s' | grep -q .", f->base + 1), !=, 0);
        g_free(f->base);
        g_free(f->base_arg);
}

static char *read_file(const char *path) {
        g_autofree char *s = NULL;

        if (!g_file_get_contents(path, &s, NULL, NULL))
                g_error("cannot read %s", path);
        return g_strstrip(g_steal_pointer(&s));
}

/* CreateGroup with parameters as "name", "value", ..., NULL. Returns the error name or NULL on success. */
static char *create_group(Fixture *f, const char *group, char **ret_message, ...) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *call = NULL, *reply = NULL;
        va_list ap;
        char *name = NULL;

        g_assert_cmpint(sd_bus_message_new_method_call(f->e.bus, &call, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT,
                                                       VIRTD_INTERFACE_MANAGER, "CreateGroup"), >=, 0);
        g_assert_cmpint(sd_bus_message_append(call, "s", group), >=, 0);
        g_assert_cmpint(sd_bus_message_open_container(call, 'a', "(ss)"), >=, 0);
        va_start(ap, ret_message);
        for (const char *n; (n = va_arg(ap, const char *));)
                g_assert_cmpint(sd_bus_message_append(call, "(ss)", n, va_arg(ap, const char *)), >=, 0);
        va_end(ap);
        g_assert_cmpint(sd_bus_message_close_container(call), >=, 0);
        g_assert_cmpint(sd_bus_message_append(call, "a{su}t", 0, UINT64_C(0)), >=, 0);
        if (sd_bus_call(f->e.bus, call, 0, &error, &reply) < 0) {
                name = g_strdup(error.name);
                if (ret_message)
                        *ret_message = g_strdup(error.message);
        }
        sd_bus_error_free(&error);
        sd_bus_message_unref(call);
        sd_bus_message_unref(reply);
        return name;
}

static void create_ok(Fixture *f, const char *group) {
        g_autofree char *message = NULL;
        g_autofree char *name = create_group(f, group, &message, NULL);

        if (name)
                g_error("CreateGroup %s: %s: %s", group, name, message);
}

static char *group_spec(const char *controllers, const char *path) {
        return g_strdup_printf("%s:%s", controllers, path);
}

/* Runs virtctl and asserts its exit status; returns stdout. */
static char *virtctl_ok(Fixture *f, ...) {
        g_autoptr(GPtrArray) args = g_ptr_array_new();
        g_autofree char *err = NULL;
        char *out = NULL;
        va_list ap;
        int status;

        va_start(ap, f);
        for (const char *a; (a = va_arg(ap, const char *));)
                g_ptr_array_add(args, (char *) a);
        va_end(ap);
        g_ptr_array_add(args, NULL);
        status = test_virtctl_argv(&f->e, (const char * const *) args->pdata, NULL, &out, &err);
        if (status != 0)
                g_error("virtctl %s failed (%d): %s", (char *) args->pdata[0], status, err);
        return out;
}

static GPid spawn_child(const char *shell) {
        const char *argv[] = { "/bin/sh", "-c", shell, NULL };
        g_autoptr(GError) error = NULL;
        GPid pid;

        if (!g_spawn_async(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error))
                g_error("spawn: %s", error->message);
        return pid;
}

static void kill_child(void *data) {
        GPid pid = GPOINTER_TO_INT(data);

        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}

static GPid spawn_child_deferred(const char *shell) {
        GPid pid = spawn_child(shell);

        test_defer(kill_child, GINT_TO_POINTER(pid));
        return pid;
}

/* True when /proc/pid/cgroup shows the process in group under the base, in controller's hierarchy. */
static bool process_in(Fixture *f, GPid pid, const char *controller, const char *group) {
        g_autofree char *file = g_strdup_printf("/proc/%d/cgroup", pid);
        g_autofree char *text = read_file(file);
        g_autofree char *want = g_strdup_printf("%s%s\n", f->base, streq_str(group, "/") ? "" : group);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

        for (char **l = lines; *l; l++) {
                g_auto(GStrv) parts = g_strsplit(*l, ":", 3);
                g_autofree char *path = NULL;
                bool match;

                if (g_strv_length(parts) != 3)
                        continue;
                match = layout.v2 ? streq_str(parts[0], "0") : strstr_list(parts[1], controller);
                path = g_strdup_printf("%s\n", parts[2]);
                if (match && streq_str(path, want))
                        return true;
        }
        return false;
}

static char *get_property_string(Fixture *f, const char *object, const char *property) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *s = NULL;

        if (sd_bus_get_property_string(f->e.bus, VIRTD_BUS_NAME, object, VIRTD_INTERFACE_GROUP, property, &error, &s) < 0)
                g_error("Get %s.%s: %s", object, property, error.message);
        return s;
}

static uint64_t get_property_u64(Fixture *f, const char *object, const char *property) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t v = 0;

        if (sd_bus_get_property_trivial(f->e.bus, VIRTD_BUS_NAME, object, VIRTD_INTERFACE_GROUP, property, &error, 't', &v) < 0)
                g_error("Get %s.%s: %s", object, property, error.message);
        return v;
}

static bool processes_contain(Fixture *f, const char *object, GPid pid) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const uint32_t *pids;
        size_t size;
        bool found = false;

        if (sd_bus_get_property(f->e.bus, VIRTD_BUS_NAME, object, VIRTD_INTERFACE_GROUP, "Processes", &error, &reply, "au") < 0)
                g_error("Processes: %s", error.message);
        g_assert_cmpint(sd_bus_message_read_array(reply, 'u', (const void **) &pids, &size), >=, 0);
        for (size_t i = 0; i < size / sizeof(uint32_t); i++)
                found = found || pids[i] == (uint32_t) pid;
        sd_bus_message_unref(reply);
        return found;
}

static char *object_of(const char *path) {
        char *o = NULL;

        g_assert_cmpint(sd_bus_path_encode(VIRTD_OBJECT_GROUP_PREFIX, path + 1, &o), >=, 0);
        return o;
}

/* The shipped XML of both interfaces equals what a live daemon serves. */
static void test_introspection(void) {
        Fixture f;
        g_autofree char *spec = NULL, *object = NULL;

        fixture_start(&f, false);
        spec = group_spec(layout.controllers, "/web");
        create_ok(&f, spec);
        object = object_of("/web");
        g_assert_cmpuint(test_assert_introspection(&f.e, object), ==, 1);
        g_assert_cmpuint(test_assert_introspection(&f.e, VIRTD_OBJECT_ROOT), ==, 1);
        fixture_stop(&f);
}

/* cgcreate + cgset + cgget: what virtd writes, the kernel holds and libcgroup's cgget reads back. */
static void test_create_set_get(void) {
        Fixture f;
        g_autofree char *spec = group_spec(layout.controllers, "/web");
        g_autofree char *param = g_strdup_printf("%s=%s", layout.cpu_weight, layout.weight_value);
        g_autofree char *out = NULL, *cgget = NULL, *file = NULL, *value = NULL, *json = NULL, *tasks = NULL;
        g_autofree char *rel = NULL, *get = NULL;
        struct stat st;

        fixture_start(&f, false);
        g_free(virtctl_ok(&f, "group", "create", spec, "-p", param, "-p", "pids.max=42", "--task-owner=65534:65534",
                          "--tperm=664", "--dperm=775", NULL));
        file = cg_path(&f, "cpu", "/web", layout.cpu_weight);
        value = read_file(file);
        g_assert_cmpstr(value, ==, layout.weight_value);
        g_free(value);
        file = (g_free(file), cg_path(&f, "pids", "/web", "pids.max"));
        value = read_file(file);
        g_assert_cmpstr(value, ==, "42");

        /* perm{}: the task file belongs to the task owner with the task mode; the directory has the admin mode. */
        tasks = cg_path(&f, "cpu", "/web", layout.v2 ? "cgroup.procs" : "tasks");
        g_assert_cmpint(stat(tasks, &st), ==, 0);
        g_assert_cmpuint(st.st_uid, ==, NOBODY);
        g_assert_cmpuint(st.st_gid, ==, NOBODY);
        g_assert_cmpuint(st.st_mode & 0777, ==, 0664);
        g_free(file);
        file = cg_path(&f, "cpu", "/web", NULL);
        g_assert_cmpint(stat(file, &st), ==, 0);
        g_assert_cmpuint(st.st_mode & 0777, ==, 0775);

        /* libcgroup's own reader agrees. */
        rel = g_strdup_printf("%s/web", f.base + 1);
        g_assert_cmpint(test_sh(&cgget, "cgget -n -v -r %s -r pids.max %s", layout.cpu_weight, rel), ==, 0);
        g_autofree char *expect = g_strdup_printf("%s\n42\n", layout.weight_value);
        g_assert_cmpstr(cgget, ==, expect);

        /* cgset through virtctl, then cgget again. */
        g_free(virtctl_ok(&f, "group", "set", "/web", "pids.max=7", NULL));
        g_free(cgget);
        g_assert_cmpint(test_sh(&cgget, "cgget -n -v -r pids.max %s", rel), ==, 0);
        g_assert_cmpstr(cgget, ==, "7\n");

        get = virtctl_ok(&f, "--no-legend", "group", "get", "/web", "pids.max", NULL);
        g_assert_cmpstr(get, ==, "7\n");
        json = virtctl_ok(&f, "--json", "group", "get", "/web", "pids.max", layout.cpu_weight, NULL);
        g_autofree char *want_json = g_strdup_printf("{\"pids.max\":\"7\",\"%s\":\"%s\"}\n", layout.cpu_weight,
                                                     layout.weight_value);
        g_assert_cmpstr(json, ==, want_json);
        /* All parameters, like cgget -g. */
        out = virtctl_ok(&f, "group", "get", "/web", NULL);
        g_assert_nonnull(strstr(out, "pids.max: 7\n"));
        g_assert_nonnull(strstr(out, "pids.current: "));
        fixture_stop(&f);
}

static GHashTable *lines_of(const char *text) {
        GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

        for (char **l = lines; *l; l++)
                if (**l)
                        g_hash_table_add(h, g_strdup(*l));
        return h;
}

/* Finds NAME's row in "virtctl --no-legend group controllers" output. */
static bool ctl_row(const char *ctl, const char *name, unsigned *version, unsigned *hierarchy, char **mount) {
        g_auto(GStrv) lines = g_strsplit(ctl, "\n", -1);

        for (char **l = lines; *l; l++) {
                char n[64], m[4096];
                if (sscanf(*l, "%63s %u %u %4095s", n, version, hierarchy, m) == 4 && streq_str(n, name)) {
                        *mount = g_strdup(m);
                        return true;
                }
        }
        return false;
}

/* lscgroup and lssubsys, the libcgroup tools, against virtctl group list / controllers. */
static void test_list_and_controllers(void) {
        Fixture f;
        g_autofree char *spec = group_spec(layout.controllers, "/a");
        g_autofree char *spec2 = group_spec("memory", "/a/b");
        g_autofree char *list = NULL, *lscgroup = NULL, *json = NULL, *ctl = NULL, *lssubsys = NULL, *ctl_json = NULL;
        g_autoptr(GHashTable) ours = NULL;
        g_auto(GStrv) lines = NULL;
        unsigned n = 0;

        fixture_start(&f, false);
        create_ok(&f, spec);
        create_ok(&f, spec2);
        list = virtctl_ok(&f, "group", "list", NULL);
        g_autofree char *want1 = g_strdup_printf("%s:/a\n", layout.controllers);
        g_assert_nonnull(strstr(list, want1));
        g_assert_nonnull(strstr(list, "memory:/a/b\n"));

        /* lscgroup prints controller:/base/path per hierarchy; every such line must be one of ours. */
        g_assert_cmpint(test_sh(&lscgroup, "lscgroup | grep ':%s/'", f.base), ==, 0);
        ours = lines_of(list);
        lines = g_strsplit(lscgroup, "\n", -1);
        for (char **l = lines; *l; l++) {
                g_auto(GStrv) parts = NULL;
                bool found = false;
                GHashTableIter it;
                gpointer key;

                if (!**l)
                        continue;
                parts = g_strsplit(*l, ":", 2);
                g_hash_table_iter_init(&it, ours);
                while (g_hash_table_iter_next(&it, &key, NULL)) {
                        g_auto(GStrv) our = g_strsplit(key, ":", 2);
                        g_autofree char *full = g_strdup_printf("%s%s", f.base, our[1]);
                        /* On v2 lscgroup names every controller of the one hierarchy, not the group's own. */
                        if (streq_str(full, parts[1]) && (layout.v2 || strstr_list(our[0], parts[0])))
                                found = true;
                }
                if (!found)
                        g_error("lscgroup shows %s, virtctl group list does not", *l);
                n++;
        }
        /* cpu, cpuacct, memory, pids for /a and memory for /a/b on v1; v2 has one line per group. */
        g_assert_cmpuint(n, >=, 2);

        json = virtctl_ok(&f, "--json", "group", "list", NULL);
        /* Created without the runtime flag, the group is saved: unsaved is false. */
        g_assert_nonnull(strstr(json, "{\"path\":\"/a/b\",\"controllers\":[\"memory\"],\"object\":\"/org/virtd/Virtd1/group/a_2fb\","
                                      "\"unsaved\":false}"));

        /* lssubsys -a lists the controllers libcgroup finds unmounted: ours say version 0, or version 2 when
         * the unified hierarchy offers them (libcgroup 2.0.2 misses those on hybrid hosts). On hosts where
         * lssubsys -am prints mount points (it exits 82 on this hybrid layout) they must equal ours. */
        ctl = virtctl_ok(&f, "--no-legend", "group", "controllers", NULL);
        /* lssubsys -a prints, then exits 82 on this hybrid layout; its output is what counts. */
        test_sh(&lssubsys, "lssubsys -a 2>/dev/null");
        g_strfreev(lines);
        lines = g_strsplit(lssubsys, "\n", -1);
        for (char **l = lines; *l; l++) {
                unsigned version = 99, hierarchy = 99;
                g_autofree char *mount = NULL;

                if (!**l || strchr(*l, ',') || strchr(*l, ' '))
                        continue;
                g_assert_true(ctl_row(ctl, *l, &version, &hierarchy, &mount));
                if (version == 2) {
                        g_autofree char *file = g_strdup_printf("%s/cgroup.controllers", mount);
                        g_autofree char *available = read_file(file);
                        g_auto(GStrv) names = g_strsplit_set(available, " \n", -1);
                        g_assert_true(g_strv_contains((const char * const *) names, *l));
                } else {
                        g_assert_cmpuint(version, ==, 0);
                        g_assert_cmpstr(mount, ==, "-");
                }
        }
        /* Every controller of /proc/cgroups is listed, v1 ones with its hierarchy id and mount point. */
        g_autofree char *proc = read_file("/proc/cgroups");
        g_auto(GStrv) rows = g_strsplit(proc, "\n", -1);
        for (char **row = rows + 1; *row; row++) {
                g_auto(GStrv) cols = g_strsplit_set(*row, " \t", -1);
                unsigned version = 99, hierarchy = 99;
                g_autofree char *mount = NULL;

                if (!ctl_row(ctl, cols[0], &version, &hierarchy, &mount))
                        g_error("/proc/cgroups lists %s, virtctl group controllers does not", cols[0]);
                if (version == 1) {
                        g_autofree char *m = test_cgroup_mount_of(cols[0]);
                        g_assert_cmpuint(hierarchy, ==, (unsigned) atoi(cols[1]));
                        g_assert_cmpstr(mount, ==, m);
                }
        }
        if (test_sh(NULL, "lssubsys -am 2>/dev/null | grep -q ' /'") == 0) {
                g_autofree char *am = NULL;
                test_sh(&am, "lssubsys -am | awk 'NF == 2 { print $1, $2 }'");
                g_auto(GStrv) am_lines = g_strsplit(am, "\n", -1);
                for (char **l = am_lines; *l; l++) {
                        g_auto(GStrv) p = NULL, names = NULL;
                        if (!**l)
                                continue;
                        p = g_strsplit(*l, " ", 2);
                        names = g_strsplit(p[0], ",", -1);
                        for (char **nm = names; *nm; nm++) {
                                unsigned version = 99, hierarchy = 99;
                                g_autofree char *mount = NULL;
                                g_assert_true(ctl_row(ctl, *nm, &version, &hierarchy, &mount));
                                g_assert_cmpstr(mount, ==, p[1]);
                        }
                }
        }
        ctl_json = virtctl_ok(&f, "--json", "group", "controllers", NULL);
        g_autofree char *mem_mount = test_cgroup_mount_of("memory");
        g_autofree char *want_mem = g_strdup_printf("\"name\":\"memory\",\"version\":%d,", layout.v2 ? 2 : 1);
        g_assert_nonnull(strstr(ctl_json, want_mem));
        g_assert_nonnull(strstr(ctl_json, mem_mount));
        fixture_stop(&f);
}

static uint32_t nonexistent_pid(void) {
        g_autofree char *max = read_file("/proc/sys/kernel/pid_max");

        return (uint32_t) atoi(max) + 1;
}

/* cgclassify: a real process moves, in every hierarchy of the group; sticky pids are listed. */
static void test_classify(void) {
        Fixture f;
        g_autofree char *spec = group_spec(layout.controllers, "/jobs");
        g_autofree char *pid_s = NULL, *object = object_of("/jobs"), *err = NULL, *bad = NULL;
        GPid pid;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const uint32_t *sticky;
        size_t size;

        fixture_start(&f, false);
        create_ok(&f, spec);
        pid = spawn_child_deferred("exec sleep 600");
        pid_s = g_strdup_printf("%d", pid);
        g_assert_false(process_in(&f, pid, "cpu", "/jobs"));
        g_free(virtctl_ok(&f, "group", "classify", "/jobs", pid_s, "--sticky", NULL));
        g_assert_true(process_in(&f, pid, "cpu", "/jobs"));
        g_assert_true(process_in(&f, pid, "memory", "/jobs"));
        g_assert_true(process_in(&f, pid, "pids", "/jobs"));
        g_assert_true(processes_contain(&f, object, pid));
        g_assert_cmpint(sd_bus_get_property(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                            "StickyProcesses", &error, &reply, "au"), >=, 0);
        g_assert_cmpint(sd_bus_message_read_array(reply, 'u', (const void **) &sticky, &size), >=, 0);
        g_assert_cmpuint(size, ==, sizeof(uint32_t));
        g_assert_cmpuint(sticky[0], ==, (uint32_t) pid);
        sd_bus_message_unref(reply);

        /* A batch with one missing pid moves none. */
        GPid other = spawn_child_deferred("exec sleep 600");
        g_autofree char *other_s = g_strdup_printf("%d", other);
        g_autofree char *missing = g_strdup_printf("%u", nonexistent_pid());
        g_assert_cmpint(test_virtctl(&f.e, NULL, &err, "group", "classify", "/jobs", other_s, missing, NULL), ==, 1);
        g_autofree char *want = g_strdup_printf("Process %s does not exist", missing);
        g_assert_nonnull(strstr(err, want));
        g_assert_false(process_in(&f, other, "cpu", "/jobs"));
        g_assert_cmpint(test_virtctl(&f.e, NULL, &bad, "group", "classify", "/jobs", "abc", NULL), ==, 1);
        g_assert_nonnull(strstr(bad, "'abc' is not a process id"));
        fixture_stop(&f);
}

/* cgexec: virtctl asks virtd to move virtctl itself, then becomes the command, which finds itself inside. */
static void test_exec(void) {
        Fixture f;
        g_autofree char *spec = group_spec(layout.controllers, "/exec");
        g_autofree char *out = NULL;
        g_autofree char *want = NULL;

        fixture_start(&f, false);
        create_ok(&f, spec);
        out = virtctl_ok(&f, "group", "exec", "/exec", "--", "sh", "-c", "cat /proc/self/cgroup; echo pid=$$", NULL);
        want = g_strdup_printf(layout.v2 ? "0::%s/exec\n" : ":%s/exec\n", f.base);
        g_assert_nonnull(strstr(out, want));
        /* Each controller of the group holds the command. */
        g_auto(GStrv) controllers = g_strsplit(layout.controllers, ",", -1);
        for (char **c = controllers; *c && !layout.v2; c++) {
                g_autofree char *line = NULL;
                g_assert_cmpint(test_sh(&line, "printf '%%s' '%s' | grep -E '^[0-9]+:([a-z_,]*,)?%s(,[a-z_,]*)?:%s/exec$'", out,
                                        *c, f.base), ==, 0);
        }
        /* A missing command is the command's failure (127, like a shell), after the move. */
        g_assert_cmpint(test_virtctl(&f.e, NULL, NULL, "group", "exec", "/exec", "--", "/nonexistent/cmd", NULL), ==, 127);
        fixture_stop(&f);
}

static void delete_namespace(void *data) {
        g_autofree char *cmd = g_strdup_printf("%s namespace delete %s force >/dev/null 2>&1", TEST_BUILD_PATH("client/virtctl"),
                                               (char *) data);
        (void) test_sh(NULL, "%s", cmd);
}

/* ip netns exec, nsenter and cgexec in one step: the command sees the namespace's hostname and sits in the group. */
static void test_namespace_exec_in_group(void) {
        Fixture f;
        g_autofree char *spec = group_spec(layout.controllers, "/nsx");
        g_autofree char *ns = test_unique_name("zg");
        g_autofree char *out = NULL, *want = NULL;

        fixture_start(&f, false);
        create_ok(&f, spec);
        g_free(virtctl_ok(&f, "namespace", "add", ns, "kinds", "uts", "hostname", "inside", NULL));
        test_defer(delete_namespace, ns);
        out = virtctl_ok(&f, "namespace", "exec", "--group", "/nsx", ns, "--", "sh", "-c", "hostname; cat /proc/self/cgroup",
                         NULL);
        g_assert_true(g_str_has_prefix(out, "inside\n"));
        want = g_strdup_printf(layout.v2 ? "0::%s/nsx\n" : ":%s/nsx\n", f.base);
        g_assert_nonnull(strstr(out, want));
        /* A group that does not exist: refused before anything is entered. */
        g_autofree char *err = NULL;
        g_assert_cmpint(test_virtctl(&f.e, NULL, &err, "namespace", "exec", "--group", "/nope", ns, "--", "true", NULL), ==, 1);
        g_assert_nonnull(strstr(err, "/nope"));
        g_free(virtctl_ok(&f, "namespace", "delete", ns, NULL));
        fixture_stop(&f);
}

/* Statistics are read on demand and move when a child burns CPU inside. */
static void test_statistics(void) {
        Fixture f;
        g_autofree char *spec = group_spec(layout.controllers, "/burn");
        g_autofree char *object = object_of("/burn"), *pid_s = NULL, *top = NULL;
        uint64_t before, after;
        GPid pid;

        fixture_start(&f, false);
        create_ok(&f, spec);
        g_assert_cmpuint(get_property_u64(&f, object, "PidsCurrent"), ==, 0);
        before = get_property_u64(&f, object, "CpuUsageNsec");
        g_assert_cmpuint(before, !=, UINT64_MAX);
        /* Busy, and allocating after the move, so that memory is charged to the group too (v1 does not move
         * charges with a task). */
        pid = spawn_child_deferred("x=; while :; do x=\"$x.\"; [ ${#x} -gt 200000 ] && x=; done");
        pid_s = g_strdup_printf("%d", pid);
        g_free(virtctl_ok(&f, "group", "classify", "/burn", pid_s, NULL));
        /* A busy loop accumulates 100 ms of CPU well within 3 s, even on a loaded two-core machine. */
        for (int i = 0; i < 30; i++) {
                g_usleep(100 * 1000);
                after = get_property_u64(&f, object, "CpuUsageNsec");
                if (after > before + 100 * 1000 * 1000)
                        break;
        }
        g_assert_cmpuint(after, >, before + 100 * 1000 * 1000);
        g_assert_cmpuint(get_property_u64(&f, object, "PidsCurrent"), ==, 1);
        g_assert_cmpuint(get_property_u64(&f, object, "MemoryCurrent"), >, 0);
        g_assert_cmpuint(get_property_u64(&f, object, "MemoryPeak"), >=, get_property_u64(&f, object, "MemoryCurrent"));

        /* systemd-cgtop's batch mode: the second sample shows the burner near 100%. */
        top = virtctl_ok(&f, "--no-legend", "group", "top", "-b", "-n", "2", "-d", "0.5", "--order=cpu", NULL);
        g_auto(GStrv) lines = g_strsplit(top, "\n", -1);
        double cpu = -1;
        unsigned tasks = 0, seen = 0;
        for (char **l = lines; *l; l++) {
                char path[256], cpu_s[32], mem[32];
                if (sscanf(*l, "%255s %u %31s %31s", path, &tasks, cpu_s, mem) == 4 && streq_str(path, "/burn")) {
                        seen++;
                        if (seen == 2)
                                cpu = g_ascii_strtod(cpu_s, NULL);
                }
        }
        g_assert_cmpuint(seen, ==, 2);
        g_assert_cmpuint(tasks, ==, 1);
        /* A busy loop gets a whole core on an idle machine; well above zero is what matters, and a loaded
         * 2-core CI machine can give it far less than one core. */
        g_assert_cmpfloat(cpu, >, 10.0);
        fixture_stop(&f);
}

typedef struct Signals {
        int populated_true, populated_false, oom, added, removed;
        uint64_t oom_kills; /* the argument of the last OomKill */
} Signals;

/* An InterfacesAdded that names a group object, its Group interface and the group's Path. */
static bool added_names_group(sd_bus_message *m) {
        const char *object = NULL, *iface = NULL, *name = NULL, *path = NULL;
        bool found = false;

        if (sd_bus_message_read(m, "o", &object) < 0 || !g_str_has_prefix(object, "/org/virtd/Virtd1/group/") ||
            sd_bus_message_enter_container(m, 'a', "{sa{sv}}") < 0 || sd_bus_message_enter_container(m, 'e', "sa{sv}") < 0 ||
            sd_bus_message_read(m, "s", &iface) < 0 || !streq_str(iface, VIRTD_INTERFACE_GROUP) ||
            sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return false;
        while (!found && sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                if (sd_bus_message_read(m, "s", &name) < 0)
                        return false;
                if (streq_str(name, "Path"))
                        found = sd_bus_message_read(m, "v", "s", &path) > 0 && path[0] == '/';
                else if (sd_bus_message_skip(m, "v") < 0)
                        return false;
                if (sd_bus_message_exit_container(m) < 0)
                        return false;
        }
        return found;
}

static int on_group_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Signals *s = userdata;
        int b = 0;

        if (sd_bus_message_is_signal(m, VIRTD_INTERFACE_GROUP, "PopulatedChanged") && sd_bus_message_read(m, "b", &b) > 0)
                (*(b ? &s->populated_true : &s->populated_false))++;
        else if (sd_bus_message_is_signal(m, VIRTD_INTERFACE_GROUP, "OomKill") &&
                 sd_bus_message_read(m, "t", &s->oom_kills) > 0)
                s->oom++;
        else if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded") &&
                 added_names_group(m))
                s->added++;
        else if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved"))
                s->removed++;
        return 0;
}

static bool wait_for(sd_bus *bus, int *counter, int want, unsigned timeout_ms) {
        for (unsigned i = 0; i < timeout_ms / 10 && *counter < want; i++) {
                while (sd_bus_process(bus, NULL) > 0)
                        ;
                if (*counter >= want)
                        break;
                sd_bus_wait(bus, 10 * 1000);
        }
        return *counter >= want;
}

/* Empty/populated signals: the move makes the group populated, the last task's exit makes it empty. */
static void test_populated_signal(void) {
        Fixture f;
        g_autofree char *spec = group_spec(layout.controllers, "/sig");
        g_autofree char *object = object_of("/sig"), *pid_s = NULL, *match = NULL;
        sd_bus_slot *slot = NULL;
        Signals s = {};
        GPid pid;

        fixture_start(&f, false);
        match = g_strdup_printf("type='signal',sender='%s',path_namespace='%s'", VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT);
        g_assert_cmpint(sd_bus_add_match(f.e.bus, &slot, match, on_group_signal, &s), >=, 0);
        create_ok(&f, spec);
        g_assert_true(wait_for(f.e.bus, &s.added, 1, 5000));
        pid = spawn_child("exec sleep 600");
        pid_s = g_strdup_printf("%d", pid);
        g_free(virtctl_ok(&f, "group", "classify", "/sig", pid_s, NULL));
        g_assert_true(wait_for(f.e.bus, &s.populated_true, 1, 5000));
        g_assert_cmpint(sd_bus_get_property_trivial(f.e.bus, VIRTD_BUS_NAME, object, VIRTD_INTERFACE_GROUP, "Populated",
                                                    NULL, 'b', &(int) { 0 }), >=, 0);
        kill_child(GINT_TO_POINTER(pid));
        g_assert_true(wait_for(f.e.bus, &s.populated_false, 1, 5000));
        g_assert_cmpint(s.populated_true, ==, 1);
        g_free(virtctl_ok(&f, "group", "delete", "/sig", NULL));
        g_assert_true(wait_for(f.e.bus, &s.removed, 1, 5000));
        sd_bus_slot_unref(slot);
        fixture_stop(&f);
}

/* The kernel's own count of OOM kills in the group: oom_kill in memory.events (v2) or memory.oom_control (v1,
 * since Linux 4.13). Returns false when the kernel does not count them. */
static bool kernel_oom_kills(Fixture *f, const char *group, uint64_t *ret) {
        g_autofree char *file = cg_path(f, "memory", group, layout.v2 ? "memory.events" : "memory.oom_control");
        g_autofree char *text = read_file(file);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

        for (char **l = lines; *l; l++)
                if (g_str_has_prefix(*l, "oom_kill ")) {
                        *ret = g_ascii_strtoull(*l + strlen("oom_kill "), NULL, 10);
                        return true;
                }
        return false;
}

/* OOM kills: a child allocating past the group's memory limit is killed and virtd says so. The kernel's own
 * counter is the witness: when it counts a kill, a missing OomKill signal or a wrong OomKills fails the test;
 * the test skips only when this kernel does not count OOM kills or did not kill at all. */
static void test_oom_signal(void) {
        Fixture f;
        g_autofree char *spec = group_spec(layout.controllers, "/oom");
        g_autofree char *object = object_of("/oom"), *match = NULL, *message = NULL, *err = NULL;
        g_autofree char *memsw = NULL;
        sd_bus_slot *slot = NULL;
        Signals s = {};
        uint64_t kills = 0;
        int status;

        fixture_start(&f, false);
        match = g_strdup_printf("type='signal',sender='%s',path='%s'", VIRTD_BUS_NAME, object);
        g_assert_cmpint(sd_bus_add_match(f.e.bus, &slot, match, on_group_signal, &s), >=, 0);
        g_autofree char *name = create_group(&f, spec, &message, layout.memory_limit, "33554432", NULL);
        g_assert_null(name);
        /* Without swap limits the child could swap instead of dying: v2 gets memory.swap.max=0, v1 (where the
         * kernel has swap accounting) a memory+swap limit equal to the memory limit. */
        memsw = cg_path(&f, "memory", "/oom", "memory.memsw.limit_in_bytes");
        if (layout.v2)
                g_free(virtctl_ok(&f, "group", "set", "/oom", "memory.swap.max=0", NULL));
        else if (g_file_test(memsw, G_FILE_TEST_EXISTS))
                g_free(virtctl_ok(&f, "group", "set", "/oom", "memory.memsw.limit_in_bytes=33554432", NULL));
        (void) kernel_oom_kills(&f, "/oom", &kills);
        g_assert_cmpuint(kills, ==, 0);
        status = test_virtctl(&f.e, NULL, &err, "group", "exec", "/oom", "--", "/usr/bin/python3", "-c",
                              "b = bytearray(256 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])", NULL);
        if (!kernel_oom_kills(&f, "/oom", &kills)) {
                sd_bus_slot_unref(slot);
                fixture_stop(&f);
                g_test_skip("this kernel does not count OOM kills (no oom_kill in memory.oom_control/memory.events)");
                return;
        }
        if (kills == 0 && status == 0) {
                sd_bus_slot_unref(slot);
                fixture_stop(&f);
                g_test_skip("the kernel let the child exceed the limit without an OOM kill (swap without accounting)");
                return;
        }
        /* The kernel killed: the child died of SIGKILL and virtd must have said so, with the kernel's count. */
        g_assert_cmpuint(kills, >=, 1);
        g_assert_cmpint(status, ==, 128 + SIGKILL);
        if (!wait_for(f.e.bus, &s.oom, 1, 5000))
                g_error("the kernel counts %" G_GUINT64_FORMAT " OOM kill(s) in /oom but virtd sent no OomKill signal", kills);
        g_assert_cmpuint(s.oom_kills, ==, kills);
        g_assert_cmpuint(get_property_u64(&f, object, "OomKills"), ==, kills);
        sd_bus_slot_unref(slot);
        fixture_stop(&f);
}

/* Reads a file below mount + dir. */
static char *cg_read(const char *mount, const char *dir, const char *file) {
        g_autofree char *path = g_strdup_printf("%s%s/%s", mount, dir, file);

        return read_file(path);
}

/* Asserts the content of a cpuset file of group under the base. */
static void assert_cpuset(Fixture *f, const char *group, const char *file, const char *want) {
        g_autofree char *path = cg_path(f, "cpuset", group, file);
        g_autofree char *have = read_file(path);

        if (!streq_str(have, want))
                g_error("%s is '%s', expected '%s'", path, have, want);
}

/* The reply of CreateGroup: the names of the parameters virtd copied from the parent, in reply order. */
static char *create_inherited(Fixture *f, const char *group, const char *param, const char *value) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        g_auto(GStrv) inherited = NULL;
        const char *object;
        int r;

        r = sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateGroup", &error,
                               &reply, "sa(ss)a{su}t", group, param ? 1 : 0, param, value, 0, UINT64_C(0));
        if (r < 0)
                g_error("CreateGroup %s: %s", group, error.message);
        g_assert_cmpint(sd_bus_message_read(reply, "o", &object), >, 0);
        g_assert_cmpint(sd_bus_message_read_strv(reply, &inherited), >=, 0);
        sd_bus_message_unref(reply);
        return inherited ? g_strjoinv(",", inherited) : g_strdup("");
}

/* cpuset inheritance (v1): a new cpuset group's cpuset.cpus and cpuset.mems start empty and an empty cpuset takes
 * no task, so virtd copies each one the caller did not give from the parent, at every level it creates, and says
 * which in the reply. The witness is the hierarchy itself and a task that the group accepts. */
static void test_cpuset_inherit(void) {
        g_autofree char *mount = NULL, *unified = NULL, *root_cpus = NULL, *root_mems = NULL, *first = NULL;
        g_autofree char *out = NULL, *pid_s = NULL, *inherited = NULL;
        Fixture f;
        GPid pid;

        test_require_root();
        mount = test_cgroup_mount_of("cpuset");
        unified = g_build_filename(mount, "cgroup.controllers", NULL);
        if (g_file_test(unified, G_FILE_TEST_EXISTS)) {
                g_test_skip("cpuset is on cgroup v2 here, where a new group's cpuset is never empty");
                return;
        }
        fixture_start(&f, false);
        root_cpus = cg_read(mount, "", "cpuset.cpus");
        root_mems = cg_read(mount, "", "cpuset.mems");
        first = g_strndup(root_cpus, strspn(root_cpus, "0123456789")); /* one CPU the root has */

        /* Two levels made by one call (the base and /cs): each gets the parent's values, and the reply says so. */
        inherited = create_inherited(&f, "cpuset:/cs", NULL, NULL);
        g_assert_cmpstr(inherited, ==, "cpuset.cpus,cpuset.mems");
        assert_cpuset(&f, "/", "cpuset.cpus", root_cpus);
        assert_cpuset(&f, "/cs", "cpuset.cpus", root_cpus);
        assert_cpuset(&f, "/cs", "cpuset.mems", root_mems);

        /* From the parent, not the root: narrow /cs, and /cs/sub gets the narrowed set; virtctl reports it. */
        g_autofree char *narrow = g_strdup_printf("cpuset.cpus=%s", first);
        g_free(virtctl_ok(&f, "group", "set", "/cs", narrow, NULL));
        out = virtctl_ok(&f, "group", "create", "cpuset:/cs/sub", NULL);
        g_assert_nonnull(strstr(out, "cpuset.cpus inherited from the parent group."));
        g_assert_nonnull(strstr(out, "cpuset.mems inherited from the parent group."));
        assert_cpuset(&f, "/cs/sub", "cpuset.cpus", first);
        assert_cpuset(&f, "/cs/sub", "cpuset.mems", root_mems);
        g_clear_pointer(&out, g_free);
        out = virtctl_ok(&f, "group", "get", "/cs/sub", "cpuset.cpus", NULL);
        g_assert_nonnull(strstr(out, first));

        /* What the caller gives is kept and not reported as inherited. */
        g_clear_pointer(&inherited, g_free);
        inherited = create_inherited(&f, "cpuset:/cs/given", "cpuset.mems", root_mems);
        g_assert_cmpstr(inherited, ==, "cpuset.cpus");
        assert_cpuset(&f, "/cs/given", "cpuset.cpus", first);

        /* The point of it all: the new group takes a task (an empty cpuset would refuse with ENOSPC). */
        pid = spawn_child_deferred("exec sleep 600");
        pid_s = g_strdup_printf("%d", pid);
        g_free(virtctl_ok(&f, "group", "classify", "/cs/sub", pid_s, NULL));
        g_assert_true(process_in(&f, pid, "cpuset", "/cs/sub"));
        kill_child(GINT_TO_POINTER(pid));
        g_free(virtctl_ok(&f, "group", "delete", "-r", "--migrate", "/cs", NULL));
        fixture_stop(&f);
}

static bool exists_anywhere(Fixture *f, const char *group) {
        return test_sh(NULL, "for m in $(awk '$0 ~ / - cgroup2? / { print $5 }' /proc/self/mountinfo); do "
                             "[ -e \"$m%s%s\" ] && exit 0; done; exit 1", f->base, group) == 0;
}

/* cgdelete: subgroups need -r, tasks need --migrate (then they land in the parent), the directories go. */
static void test_delete(void) {
        Fixture f;
        g_autofree char *spec = group_spec(layout.controllers, "/d");
        g_autofree char *spec2 = group_spec(layout.controllers, "/d/sub");
        g_autofree char *err = NULL, *err2 = NULL, *pid_s = NULL;
        GPid pid;

        fixture_start(&f, false);
        create_ok(&f, spec);
        create_ok(&f, spec2);
        g_assert_cmpint(test_virtctl(&f.e, NULL, &err, "group", "delete", "/d", NULL), ==, 1);
        g_assert_nonnull(strstr(err, "Group /d has subgroups"));
        g_assert_true(exists_anywhere(&f, "/d/sub"));

        pid = spawn_child_deferred("exec sleep 600");
        pid_s = g_strdup_printf("%d", pid);
        g_free(virtctl_ok(&f, "group", "classify", "/d/sub", pid_s, NULL));
        g_assert_cmpint(test_virtctl(&f.e, NULL, &err2, "group", "delete", "/d/sub", NULL), ==, 1);
        g_autofree char *want = g_strdup_printf("(first: %d); move them or delete with migration", pid);
        g_assert_nonnull(strstr(err2, want));
        g_assert_true(process_in(&f, pid, "cpu", "/d/sub"));

        /* Like cgdelete: the task moves to the parent group. */
        g_free(virtctl_ok(&f, "group", "delete", "--migrate", "/d/sub", NULL));
        g_assert_false(exists_anywhere(&f, "/d/sub"));
        g_assert_true(process_in(&f, pid, "cpu", "/d"));
        g_assert_true(process_in(&f, pid, "memory", "/d"));

        if (layout.v2) {
                /* v2's "no internal processes": /d now holds the task, so its subgroups cannot use controllers. */
                g_autofree char *msg = NULL;
                g_autofree char *name = create_group(&f, spec2, &msg, NULL);
                g_assert_nonnull(name);
                g_assert_nonnull(strstr(msg, "allows no subgroups with controllers under a group that holds processes"));
                g_assert_false(exists_anywhere(&f, "/d/sub"));
        } else
                create_ok(&f, spec2);
        g_free(virtctl_ok(&f, "group", "delete", "-r", "--migrate", "/d", NULL));
        g_assert_false(exists_anywhere(&f, "/d"));
        g_assert_true(process_in(&f, pid, "cpu", "/"));
        fixture_stop(&f);
}

static char *call_create_params(Fixture *f, const char *group, char **ret_message, const char *const *params) {
        switch (g_strv_length((char **) params)) {
        case 2:
                return create_group(f, group, ret_message, params[0], params[1], NULL);
        case 6:
                return create_group(f, group, ret_message, params[0], params[1], params[2], params[3], params[4], params[5],
                                    NULL);
        default:
                return create_group(f, group, ret_message, NULL);
        }
}

static void assert_create_refused(Fixture *f, const char *group, const char *const *params, const char *error_name,
                                  const char *message_part) {
        g_autofree char *message = NULL;
        g_autofree char *name = call_create_params(f, group, &message, params);

        if (!name)
                g_error("CreateGroup '%s' succeeded, expected %s", group, error_name);
        g_test_message("%s -> %s: %s", group, name, message);
        g_assert_cmpstr(name, ==, error_name);
        if (message_part && !strstr(message, message_part))
                g_error("CreateGroup '%s': message '%s' lacks '%s'", group, message, message_part);
}

/* Every bad input gets a named error naming the group, the parameter and the reason; nothing stays behind. */
static void test_bad_input(void) {
        Fixture f;
        const char *none[] = { NULL };
        g_autofree char *c = NULL, *long_name = g_strnfill(256, 'x');
        g_autofree char *bad_value_param = g_strdup(layout.cpu_weight);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        fixture_start(&f, false);
#define SPEC(p) (g_free(c), c = g_strdup_printf("%s:%s", layout.controllers, p))
        assert_create_refused(&f, SPEC("/../escape"), none, VIRTD_ERROR_INVALID_ARGUMENT, "may not leave the managed base");
        assert_create_refused(&f, SPEC("/a/../../escape"), none, VIRTD_ERROR_INVALID_ARGUMENT, "'..'");
        assert_create_refused(&f, SPEC("relative"), none, VIRTD_ERROR_INVALID_ARGUMENT, "does not start with '/'");
        assert_create_refused(&f, SPEC("/new\nline"), none, VIRTD_ERROR_INVALID_ARGUMENT, "control character");
        g_autofree char *long_path = g_strdup_printf("/%s", long_name);
        assert_create_refused(&f, SPEC(long_path), none, VIRTD_ERROR_INVALID_ARGUMENT, "longer than 255 bytes");
        assert_create_refused(&f, "frob:/x", none, VIRTD_ERROR_INVALID_ARGUMENT, "unknown controller");
        assert_create_refused(&f, SPEC("/"), none, VIRTD_ERROR_INVALID_ARGUMENT, "the managed base");
        assert_create_refused(&f, "/nocontrollers", none, VIRTD_ERROR_INVALID_ARGUMENT, "name the controllers");
        const char *unknown_param[] = { "cpu.frobnicate", "1", NULL };
        assert_create_refused(&f, SPEC("/p1"), unknown_param, VIRTD_ERROR_INVALID_ARGUMENT,
                              "Group /p1 has no parameter cpu.frobnicate");
        const char *foreign_param[] = { "freezer.state", "FROZEN", NULL };
        assert_create_refused(&f, SPEC("/p2"), foreign_param, VIRTD_ERROR_INVALID_ARGUMENT, "has no controller 'freezer'");
        const char *kernel_refuses[] = { bad_value_param, "abc", NULL };
        g_autofree char *kernel_msg = g_strdup_printf("Group /p3: cannot set %s to 'abc': Invalid argument", layout.cpu_weight);
        assert_create_refused(&f, SPEC("/p3"), kernel_refuses, VIRTD_ERROR_INVALID_ARGUMENT, kernel_msg);
        /* Nothing half-created: the third parameter fails after two were written. */
        const char *third_bad[] = { "pids.max", "10", layout.cpu_weight, layout.weight_value, "pids.max", "lots", NULL };
        assert_create_refused(&f, SPEC("/half/deep"), third_bad, VIRTD_ERROR_INVALID_ARGUMENT, "cannot set pids.max to 'lots'");
        for (const char *g = "/p1"; g; g = streq_str(g, "/p1") ? "/p2" : streq_str(g, "/p2") ? "/p3" : streq_str(g, "/p3") ? "/half" : NULL)
                g_assert_false(exists_anywhere(&f, g));
        g_assert_false(exists_anywhere(&f, "/"));

        /* Exists, NotFound, NotEmpty, unknown flags. */
        create_ok(&f, SPEC("/ok"));
        assert_create_refused(&f, SPEC("/ok"), none, VIRTD_ERROR_EXISTS, "already exists");
        r = sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "DeleteGroup", &error,
                               NULL, "sbbt", "/missing", 0, 0, UINT64_C(0));
        g_assert_cmpint(r, <, 0);
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_NOT_FOUND);
        g_assert_nonnull(strstr(error.message, "Group /missing does not exist"));
        sd_bus_error_free(&error);
        r = sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "SetGroupParameters",
                               &error, NULL, "sa(ss)t", "/ok", 1, "pids.max", "5", UINT64_C(1) << 40);
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_INVALID_ARGUMENT);
        g_assert_nonnull(strstr(error.message, "Unknown flags"));
        sd_bus_error_free(&error);
        r = sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "MoveProcesses", &error,
                               NULL, "saubt", "/ok", 1, nonexistent_pid(), 0, UINT64_C(0));
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_NOT_FOUND);
        g_assert_nonnull(strstr(error.message, "does not exist"));
        sd_bus_error_free(&error);

        /* cgset is all or nothing: the first value is restored when the second is refused. */
        r = sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "SetGroupParameters",
                               &error, NULL, "sa(ss)t", "/ok", 2, "pids.max", "5", layout.cpu_weight, "abc", UINT64_C(0));
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_INVALID_ARGUMENT);
        sd_bus_error_free(&error);
        g_autofree char *pids_max = cg_path(&f, "pids", "/ok", "pids.max");
        g_autofree char *value = read_file(pids_max);
        g_assert_cmpstr(value, ==, "max");
        r = sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "GetGroupParameters",
                               &error, NULL, "sas", "/ok", 1, "pids.nothing");
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_INVALID_ARGUMENT);
        g_assert_nonnull(strstr(error.message, "Group /ok has no parameter pids.nothing"));
        sd_bus_error_free(&error);
#undef SPEC
        fixture_stop(&f);
}

/* cgsnapshot: the text virtd writes is accepted by libcgroup's cgconfigparser, which recreates the groups. */
static void test_snapshot(void) {
        Fixture f;
        g_autofree char *spec = group_spec(layout.controllers, "/snap");
        g_autofree char *spec2 = group_spec("memory", "/snap/inner");
        g_autofree char *snapshot = NULL, *file = NULL, *err = NULL, *w = NULL, *value = NULL, *mem = NULL;
        g_autofree char *message = NULL;

        fixture_start(&f, false);
        g_autofree char *name = create_group(&f, spec, &message, layout.cpu_weight, layout.weight_value, "pids.max", "33", NULL);
        g_assert_null(name);
        g_autofree char *name2 = create_group(&f, spec2, &message, layout.memory_limit, "67108864", NULL);
        g_assert_null(name2);
        snapshot = virtctl_ok(&f, "group", "snapshot", NULL);
        g_autofree char *header = g_strdup_printf("group %s/snap {", f.base + 1);
        g_assert_nonnull(strstr(snapshot, header));
        g_assert_nonnull(strstr(snapshot, "pids.max = \"33\";"));
        /* Read-only statistics are not configuration. */
        g_assert_null(strstr(snapshot, "pids.current"));
        g_assert_null(strstr(snapshot, "usage_in_bytes"));

        file = g_build_filename(f.e.dir, "cgconfig.conf", NULL);
        g_assert_true(g_file_set_contents(file, snapshot, -1, NULL));
        g_free(virtctl_ok(&f, "group", "delete", "-r", "/snap", NULL));
        g_assert_false(exists_anywhere(&f, "/snap"));
        if (test_sh(&err, "cgconfigparser -l %s 2>&1", file) != 0)
                g_error("cgconfigparser refused virtd's snapshot: %s\n%s", err, snapshot);
        w = cg_path(&f, "cpu", "/snap", layout.cpu_weight);
        value = read_file(w);
        g_assert_cmpstr(value, ==, layout.weight_value);
        g_autofree char *pm = cg_path(&f, "pids", "/snap", "pids.max");
        g_autofree char *pv = read_file(pm);
        g_assert_cmpstr(pv, ==, "33");
        g_autofree char *ml = cg_path(&f, "memory", "/snap/inner", layout.memory_limit);
        mem = read_file(ml);
        g_assert_cmpstr(mem, ==, "67108864");
        /* Only the named controllers. */
        g_autofree char *only = virtctl_ok(&f, "group", "snapshot", "pids", NULL);
        g_assert_nonnull(strstr(only, "pids.max"));
        g_assert_null(strstr(only, "memory."));
        fixture_stop(&f);
}

static int nobody_calls(sd_bus *bus, void *userdata) {
        const char *group = userdata;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r, failures = 0;
        char *v = NULL;

#define REFUSED(member, sig, ...)                                                                                 \
        do {                                                                                                      \
                r = sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, member, &error, \
                                       NULL, sig, __VA_ARGS__);                                                   \
                if (r >= 0 || !sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED)) {                      \
                        fprintf(stderr, "%s as nobody: %s\n", member, r >= 0 ? "allowed" : error.name);           \
                        failures++;                                                                               \
                }                                                                                                 \
                sd_bus_error_free(&error);                                                                        \
        } while (0)
        REFUSED("CreateGroup", "sa(ss)a{su}t", "memory:/nobody", 0, 0, UINT64_C(0));
        REFUSED("DeleteGroup", "sbbt", group, 1, 1, UINT64_C(0));
        REFUSED("SetGroupParameters", "sa(ss)t", group, 1, "pids.max", "1", UINT64_C(0));
        REFUSED("MoveProcesses", "saubt", group, 1, (uint32_t) getpid(), 0, UINT64_C(0));
        REFUSED("MoveCaller", "sbt", group, 0, UINT64_C(0));
#undef REFUSED
        /* Reading is open. */
        if (sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "ListGroups", &error, NULL, "") < 0 ||
            sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "GetGroupParameters", &error,
                               NULL, "sas", group, 1, "pids.max") < 0 ||
            sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "SnapshotGroups", &error, NULL,
                               "as", 0) < 0 ||
            sd_bus_get_property_string(bus, VIRTD_BUS_NAME, "/org/virtd/Virtd1/group/u", VIRTD_INTERFACE_GROUP, "Path", &error,
                                       &v) < 0) {
                fprintf(stderr, "read as nobody: %s\n", error.message);
                failures += 100;
        }
        free(v);
        return failures > 100 ? 100 : failures;
}

/* Once polkit says yes, the same caller's calls run (the continuation re-reads the arguments). */
static int nobody_creates(sd_bus *bus, void *userdata) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        if (sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateGroup", &error, NULL,
                               "sa(ss)a{su}t", "pids:/granted", 1, "pids.max", "9", 0, UINT64_C(0)) < 0 ||
            sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "SetGroupParameters", &error,
                               NULL, "sa(ss)t", "/granted", 1, "pids.max", "11", UINT64_C(0)) < 0) {
                fprintf(stderr, "as nobody with polkit's consent: %s\n", error.message);
                return 1;
        }
        return 0;
}

/* An unprivileged caller is refused every mutating group method (polkit says no) and may read everything. */
static void test_unprivileged(void) {
        Fixture f;
        g_autofree char *spec = group_spec(layout.controllers, "/u");

        fixture_start(&f, true);
        create_ok(&f, spec);
        g_assert_cmpint(test_fork_as(&f.e, NOBODY, NOBODY, nobody_calls, (void *) "/u"), ==, 0);
        g_assert_true(exists_anywhere(&f, "/u"));
        g_assert_false(exists_anywhere(&f, "/nobody"));
        test_env_polkit_allow(&f.e, (const char *[]) { VIRTD_ACTION_MANAGE_GROUPS, NULL });
        g_assert_cmpint(test_fork_as(&f.e, NOBODY, NOBODY, nobody_creates, NULL), ==, 0);
        g_autofree char *file = cg_path(&f, "pids", "/granted", "pids.max");
        g_autofree char *value = read_file(file);
        g_assert_cmpstr(value, ==, "11");
        fixture_stop(&f);
}

/* systemd-cgls: the tree shows groups nested with their processes and command lines. */
static void test_tree(void) {
        Fixture f;
        g_autofree char *spec = group_spec(layout.controllers, "/t");
        g_autofree char *spec2 = group_spec(layout.controllers, "/t/leaf");
        g_autofree char *tree = NULL, *json = NULL, *pid_s = NULL, *line = NULL;
        GPid pid;

        fixture_start(&f, false);
        create_ok(&f, spec);
        create_ok(&f, spec2);
        pid = spawn_child_deferred("exec sleep 600");
        pid_s = g_strdup_printf("%d", pid);
        g_free(virtctl_ok(&f, "group", "classify", "/t/leaf", pid_s, NULL));
        tree = virtctl_ok(&f, "group", "tree", NULL);
        g_autofree char *header = g_strdup_printf("Control groups under %s:\n", f.base);
        g_assert_true(g_str_has_prefix(tree, header));
        line = g_strdup_printf("│ └─%d sleep 600\n", pid);
        g_assert_nonnull(strstr(tree, "├─t ["));
        g_assert_nonnull(strstr(tree, "│ ├─leaf ["));
        g_assert_nonnull(strstr(tree, line));
        json = virtctl_ok(&f, "--json", "group", "tree", "/t/leaf", NULL);
        g_autofree char *want = g_strdup_printf("\"processes\":[{\"pid\":%d,\"command\":\"sleep 600\"}]", pid);
        g_assert_nonnull(strstr(json, want));
        g_assert_null(strstr(json, "\"path\":\"/t\","));
        fixture_stop(&f);
}

/* Groups made behind virtd's back (here by libcgroup's cgcreate) become objects at the next listing. */
static void test_external_group(void) {
        Fixture f;
        g_autofree char *out = NULL, *ext = NULL;

        fixture_start(&f, false);
        g_assert_cmpint(test_sh(NULL, "cgcreate -g pids:%s/ext", f.base), ==, 0);
        out = virtctl_ok(&f, "group", "list", NULL);
        g_assert_nonnull(strstr(out, "pids:/ext\n"));
        ext = get_property_string(&f, "/org/virtd/Virtd1/group/ext", "Path");
        g_assert_cmpstr(ext, ==, "/ext");
        fixture_stop(&f);
}

/* The registry follows partial changes: a recursive delete drops the whole subtree's objects, a delete from
 * one hierarchy keeps the group in the others, and a group registered before its parents (made behind
 * virtd's back) is still found when its parent goes. */
static void test_registry_follows_changes(void) {
        Fixture f;
        g_autofree char *spec = group_spec(layout.controllers, "/r");
        g_autofree char *spec2 = group_spec(layout.controllers, "/r/sub");
        g_autofree char *list = NULL, *list2 = NULL, *list3 = NULL, *list4 = NULL;

        fixture_start(&f, false);
        create_ok(&f, spec);
        create_ok(&f, spec2);
        g_free(virtctl_ok(&f, "group", "delete", "-r", "/r", NULL));
        list = virtctl_ok(&f, "group", "list", NULL);
        g_assert_null(strstr(list, ":/r\n"));
        g_assert_null(strstr(list, ":/r/sub\n"));

        g_assert_cmpint(test_sh(NULL, "cgcreate -g memory:%s/o/p", f.base), ==, 0);
        create_ok(&f, "memory:/o/p/q");
        list2 = virtctl_ok(&f, "group", "list", NULL);
        g_assert_nonnull(strstr(list2, "memory:/o/p/q\n"));
        g_free(virtctl_ok(&f, "group", "delete", "-r", "memory:/o", NULL));
        list3 = virtctl_ok(&f, "group", "list", NULL);
        g_assert_null(strstr(list3, ":/o"));

        if (!layout.v2) {
                create_ok(&f, "cpu,memory:/two");
                g_free(virtctl_ok(&f, "group", "delete", "cpu:/two", NULL));
                list4 = virtctl_ok(&f, "group", "list", NULL);
                g_autoptr(GHashTable) lines = lines_of(list4);
                g_assert_true(g_hash_table_contains(lines, "memory:/two"));
        }
        fixture_stop(&f);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        detect_layout();
        g_test_add_func("/group/introspection", test_introspection);
        g_test_add_func("/group/create-set-get-cgget", test_create_set_get);
        g_test_add_func("/group/list-and-controllers", test_list_and_controllers);
        g_test_add_func("/group/classify", test_classify);
        g_test_add_func("/group/exec", test_exec);
        g_test_add_func("/group/statistics-and-top", test_statistics);
        g_test_add_func("/group/populated-signal", test_populated_signal);
        g_test_add_func("/group/oom-signal", test_oom_signal);
        g_test_add_func("/group/cpuset-inherit", test_cpuset_inherit);
        g_test_add_func("/group/delete", test_delete);
        g_test_add_func("/group/bad-input", test_bad_input);
        g_test_add_func("/group/snapshot-cgconfigparser", test_snapshot);
        g_test_add_func("/group/unprivileged", test_unprivileged);
        g_test_add_func("/group/tree", test_tree);
        g_test_add_func("/group/external-group", test_external_group);
        g_test_add_func("/group/namespace-exec-in-group", test_namespace_exec_in_group);
        g_test_add_func("/group/registry-follows-changes", test_registry_follows_changes);
        return g_test_run();
}
