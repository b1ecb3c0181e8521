/* test-rules.c: the cgrules engine with real processes: users, groups, names, paths, templates, sticky pids.
 *
 * Safety: every rule matches only what the test itself starts: a user and group created for the run, or
 * a copy of sleep under a name unique to the run. Destinations are relative to a cgroup base unique to the
 * run, which is removed at the end, also when an assertion fails. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "virtd-bus.h"

typedef struct Layout {
        bool v2;
        const char *limit; /* memory.limit_in_bytes (v1) or memory.max (v2) */
} Layout;

static Layout layout;

typedef struct Fixture {
        TestEnv e;
        char *base;     /* "/vrtest…" */
        char *bindir;   /* where the uniquely named copies of sleep live */
        char *user;     /* a user and group made for this run */
        uid_t uid;
        gid_t gid;
} Fixture;

static void detect_layout(void) {
        g_autofree char *fs = NULL;

        test_sh(&fs, "stat -f -c %%T /sys/fs/cgroup");
        layout.v2 = g_str_has_prefix(fs, "cgroup2");
        layout.limit = layout.v2 ? "memory.max" : "memory.limit_in_bytes";
}

/* Where controller's hierarchy is mounted, from the mount table. */
static char *mount_of(const char *controller) {
        g_autofree char *out = NULL;

        if (layout.v2)
                return g_strdup("/sys/fs/cgroup");
        test_sh(&out, "awk '$0 ~ / - cgroup / { n = split($NF, o, \",\"); for (i = 1; i <= n; i++) if (o[i] == \"%s\") print $5 }' "
                      "/proc/self/mountinfo | head -n1", controller);
        g_strstrip(out);
        g_assert_cmpstr(out, !=, "");
        return g_steal_pointer(&out);
}

/* The file name of a path (no allocation). */
static const char *base_of(const char *path) {
        const char *s = strrchr(path, '/');

        return s ? s + 1 : path;
}

static void remove_base(void *data) {
        const char *base = data;

        test_sh(NULL,
                "for m in $(awk '$0 ~ / - cgroup2? / { print $5 }' /proc/self/mountinfo); do "
                "  [ -d \"$m%s\" ] || continue; "
                "  for p in $(find \"$m%s\" -name cgroup.procs -exec cat {} +); do kill -9 $p; done 2>/dev/null; "
                "  sleep 0.1; find \"$m%s\" -depth -type d -exec rmdir {} + ; "
                "done",
                base, base, base);
}

static void remove_user(void *data) {
        const char *user = data;

        test_sh(NULL, "pkill -9 -u '%s'; sleep 0.1; userdel '%s' 2>/dev/null; groupdel '%s' 2>/dev/null; true", user, user, user);
}

/* Starts the bus; virtd starts in fixture_virtd() once the test has written its files. */
static void fixture_start_with(Fixture *f, bool polkit) {
        TestEnvOptions o = { .no_virtd = true, .polkit = polkit };
        g_autofree char *name = test_unique_name("vrtest");

        test_require_root();
        memset(f, 0, sizeof(*f));
        f->base = g_strdup_printf("/%s", name);
        test_env_start(&f->e, &o);
        test_defer(remove_base, f->base);
        f->bindir = g_build_filename(f->e.dir, "bin", NULL);
        g_assert_cmpint(g_mkdir_with_parents(f->bindir, 0755), ==, 0);
}

static void fixture_start(Fixture *f) {
        fixture_start_with(f, false);
}

static void fixture_user(Fixture *f) {
        g_autofree char *out = NULL;

        f->user = test_unique_name("vru");
        g_assert_cmpint(test_sh(NULL, "useradd --system --user-group --no-create-home --shell /usr/sbin/nologin '%s'", f->user), ==, 0);
        test_defer(remove_user, f->user);
        g_assert_cmpint(test_sh(&out, "id -u '%s'; id -g '%s'", f->user, f->user), ==, 0);
        g_assert_cmpint(sscanf(out, "%u %u", &f->uid, &f->gid), ==, 2);
}

static void fixture_virtd(Fixture *f) {
        g_autofree char *arg = g_strdup_printf("--cgroup-base=%s", f->base);
        const char *args[] = { arg, NULL };

        test_env_start_virtd(&f->e, args);
}

static void fixture_stop(Fixture *f) {
        test_env_stop(&f->e);
        g_free(f->base);
        g_free(f->bindir);
        g_free(f->user);
}

/* A copy of sleep named uniquely for this run; returns its full path. */
static char *unique_program(Fixture *f, const char *prefix) {
        g_autofree char *name = test_unique_name(prefix);
        char *path = g_build_filename(f->bindir, name, NULL);

        g_assert_cmpint(test_sh(NULL, "cp /bin/sleep '%s' && chmod 0755 '%s'", path, path), ==, 0);
        return path;
}

static void write_config(Fixture *f, const char *file, const char *text) {
        g_autofree char *path = g_build_filename(f->e.config_dir, file, NULL);
        g_autofree char *dir = g_path_get_dirname(path);

        g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
        g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void kill_child(void *data) {
        GPid pid = GPOINTER_TO_INT(data);

        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}

/* Runs argv (NULL-terminated) in the background, killed at the end of the test. */
static GPid spawn(const char *first, ...) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autoptr(GError) error = NULL;
        va_list ap;
        GPid pid;

        va_start(ap, first);
        for (const char *a = first; a; a = va_arg(ap, const char *))
                g_ptr_array_add(argv, (char *) a);
        va_end(ap);
        g_ptr_array_add(argv, NULL);
        if (!g_spawn_async(NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                           NULL, &pid, &error))
                g_error("spawn %s: %s", first, error->message);
        test_defer(kill_child, GINT_TO_POINTER(pid));
        return pid;
}

/* Runs program (sleep 600) as uid/gid through setpriv, so that the exec happens with those ids. */
static GPid spawn_as(uid_t uid, gid_t gid, const char *program) {
        g_autofree char *ruid = g_strdup_printf("--reuid=%u", uid);
        g_autofree char *rgid = g_strdup_printf("--regid=%u", gid);

        return spawn("/usr/bin/setpriv", ruid, rgid, "--clear-groups", program, "600", NULL);
}

/* The process's group path in controller's hierarchy (or on the unified one), relative to the base;
 * "" when it is outside the base. */
static char *group_of(Fixture *f, GPid pid, const char *controller) {
        g_autofree char *file = g_strdup_printf("/proc/%d/cgroup", pid);
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;

        if (!g_file_get_contents(file, &text, NULL, NULL))
                return g_strdup("");
        lines = g_strsplit(text, "\n", -1);
        for (char **l = lines; *l; l++) {
                g_auto(GStrv) parts = g_strsplit(*l, ":", 3);
                g_auto(GStrv) ctl = NULL;

                if (g_strv_length(parts) != 3)
                        continue;
                ctl = g_strsplit(parts[1], ",", -1);
                if (layout.v2 ? strcmp(parts[0], "0") != 0 : !g_strv_contains((const char * const *) ctl, controller))
                        continue;
                if (!g_str_has_prefix(parts[2], f->base))
                        return g_strdup("");
                return g_strdup(parts[2][strlen(f->base)] ? parts[2] + strlen(f->base) : "/");
        }
        return g_strdup("");
}

static double now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Waits up to 5 s for the process to be in group; asserts it gets there. */
static void assert_lands(Fixture *f, GPid pid, const char *controller, const char *group) {
        double end = now_usec() + 5e6;
        g_autofree char *last = NULL;

        while (now_usec() < end) {
                g_free(last);
                last = group_of(f, pid, controller);
                if (strcmp(last, group) == 0)
                        return;
                g_usleep(2000);
        }
        g_error("process %d is in '%s' (%s), expected '%s'", pid, last, controller, group);
}

/* Waits until the process has exec'd program (its comm shows the name), then gives the engine time to
 * act, and asserts that it stayed where it was. */
static void assert_stays(Fixture *f, GPid pid, const char *program, const char *controller, const char *group) {
        g_autofree char *comm_file = g_strdup_printf("/proc/%d/comm", pid);
        g_autofree char *name = g_strdup(base_of(program));
        g_autofree char *where = NULL;
        double end = now_usec() + 5e6;

        for (;;) {
                g_autofree char *comm = NULL;
                if (g_file_get_contents(comm_file, &comm, NULL, NULL) && strncmp(g_strstrip(comm), name, 15) == 0)
                        break;
                g_assert_cmpfloat(now_usec(), <, end);
                g_usleep(2000);
        }
        g_usleep(300 * 1000);
        where = group_of(f, pid, controller);
        g_assert_cmpstr(where, ==, group);
}

static void create_group(Fixture *f, const char *spec) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;

        if (sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateGroup", &error,
                               &reply, "sa(ss)a{su}t", spec, 0, 0, UINT64_C(0)) < 0)
                g_error("CreateGroup %s: %s", spec, error.message);
        sd_bus_message_unref(reply);
}

/* Calls a rule method; returns the error name (NULL on success) and the message. */
static char *call(Fixture *f, char **ret_message, const char *member, const char *types, ...) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        char *name = NULL;
        va_list ap;

        g_assert_cmpint(sd_bus_message_new_method_call(f->e.bus, &m, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                                       member), >=, 0);
        va_start(ap, types);
        g_assert_cmpint(sd_bus_message_appendv(m, types, ap), >=, 0);
        va_end(ap);
        if (sd_bus_call(f->e.bus, m, 0, &error, &reply) < 0) {
                name = g_strdup(error.name);
                if (ret_message)
                        *ret_message = g_strdup(error.message);
        }
        sd_bus_error_free(&error);
        sd_bus_message_unref(m);
        sd_bus_message_unref(reply);
        return name;
}

static void call_ok(Fixture *f, const char *member, const char *types, ...) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        va_list ap;

        g_assert_cmpint(sd_bus_message_new_method_call(f->e.bus, &m, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                                       member), >=, 0);
        va_start(ap, types);
        g_assert_cmpint(sd_bus_message_appendv(m, types, ap), >=, 0);
        va_end(ap);
        if (sd_bus_call(f->e.bus, m, 0, &error, &reply) < 0)
                g_error("%s: %s: %s", member, error.name, error.message);
        sd_bus_message_unref(m);
        sd_bus_message_unref(reply);
}

/* ListRules as "user|process|controllers|destination|options|matches" lines. */
static char *list_rules(Fixture *f) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        GString *s = g_string_new("");
        const char *user, *process, *ctl, *dest, *opts;
        uint32_t index, expect = 0;
        uint64_t matches;

        if (sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "ListRules", &error,
                               &reply, "") < 0)
                g_error("ListRules: %s", error.message);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', "(ussssst)"), >=, 0);
        while (sd_bus_message_read(reply, "(ussssst)", &index, &user, &process, &ctl, &dest, &opts, &matches) > 0) {
                g_assert_cmpuint(index, ==, expect++);
                g_string_append_printf(s, "%s|%s|%s|%s|%s|%" G_GUINT64_FORMAT "\n", user, process, ctl, dest, opts, matches);
        }
        sd_bus_message_unref(reply);
        return g_string_free(s, false);
}

/* Every rule form of libcgroup's grammar, each with a real process, in one rules file as an administrator
 * would write it for cgrulesengd. */
static void test_rule_forms(void) {
        Fixture f;
        g_autofree char *np = NULL, *nf = NULL, *ns = NULL, *ni = NULL, *nstar = NULL, *stardir = NULL, *rules = NULL, *conf = NULL, *limit = NULL;
        g_autofree char *listed = NULL, *want = NULL, *lfile = NULL, *userdir = NULL, *mount = NULL;
        GPid p;

        fixture_start(&f);
        fixture_user(&f);
        np = unique_program(&f, "vrn");
        nf = unique_program(&f, "vrf");
        ns = unique_program(&f, "vrs");
        ni = unique_program(&f, "vri");
        nstar = unique_program(&f, "vra");
        rules = g_strdup_printf("# as cgrulesengd reads it\n"
                                "%s:%s\tmemory\t/byname\n"
                                "%%\tpids\t/byname-pids\n"
                                "*:%s\tmemory\t/bypath\n"
                                "*:%s\tmemory\t/anyname\n"
                                "*:%s\tmemory\t/never\tignore\n"
                                "*:%s\t*\t/star/%%p\n"
                                "%s\tmemory,pids\tusers/%%u\n"
                                "@%s\tmemory\t/bygroup\n",
                                f.user, base_of(np), nf, base_of(ns), base_of(ni), base_of(nstar),
                                f.user, f.user);
        write_config(&f, "cgrules.conf", rules);
        conf = g_strdup_printf("template users/%%u {\n\tmemory {\n\t\t%s = \"%s\";\n\t}\n\tpids {\n\t}\n}\n", layout.limit,
                               layout.v2 ? "67108864" : "67108864");
        write_config(&f, "cgconfig.conf", conf);
        fixture_virtd(&f);
        for (const char *g = "memory:/byname memory:/bypath memory:/anyname memory:/bygroup"; *g;) {
                const char *sp = strchr(g, ' ');
                g_autofree char *one = sp ? g_strndup(g, sp - g) : g_strdup(g);
                create_group(&f, one);
                g = sp ? sp + 1 : g + strlen(g);
        }
        create_group(&f, "pids:/byname-pids");
        create_group(&f, "memory:/never");

        /* user:process, and its "%" line for a second controller. */
        p = spawn_as(f.uid, f.gid, np);
        assert_lands(&f, p, "memory", layout.v2 ? "/byname-pids" : "/byname");
        assert_lands(&f, p, "pids", "/byname-pids");
        /* The same name started by root matches no rule: the user part counts. */
        p = spawn(np, "600", NULL);
        assert_stays(&f, p, np, "memory", "");
        /* "*" with a full path; "*" with a name. */
        p = spawn(nf, "600", NULL);
        assert_lands(&f, p, "memory", "/bypath");
        p = spawn(ns, "600", NULL);
        assert_lands(&f, p, "memory", "/anyname");
        /* "ignore": the rule matches and the process stays where it is. */
        p = spawn(ni, "600", NULL);
        assert_stays(&f, p, ni, "memory", "");
        /* Controllers "*": every controller of this host's layout; the %p group is made in each. */
        p = spawn(nstar, "600", NULL);
        stardir = g_strdup_printf("/star/%s", base_of(nstar));
        assert_lands(&f, p, "memory", stardir);
        assert_lands(&f, p, "pids", stardir);
        assert_lands(&f, p, "cpu", stardir);
        /* @group: uid 65534 (not the run's user, whose rule comes first) with the run's group as its group. */
        p = spawn_as(65534, f.gid, "/bin/sleep");
        assert_lands(&f, p, "memory", "/bygroup");
        /* A plain user rule with a %u destination: the group is created on demand from the template. */
        p = spawn_as(f.uid, f.gid, "/bin/sleep");
        userdir = g_strdup_printf("/users/%s", f.user);
        assert_lands(&f, p, "memory", userdir);
        assert_lands(&f, p, "pids", userdir);
        mount = mount_of("memory");
        lfile = g_strdup_printf("%s%s%s/%s", mount, f.base, userdir, layout.limit);
        g_assert_true(g_file_get_contents(lfile, &limit, NULL, NULL));
        g_assert_cmpstr(g_strstrip(limit), ==, "67108864");

        /* The counters: each line counts the processes it classified. A process started through setpriv is
         * seen at its gid change, uid change and exec, each of which may already show the new program. */
        listed = list_rules(&f);
        want = g_strdup_printf("%s|%s|memory|/byname||N\n"
                               "%%||pids|/byname-pids||N\n"
                               "*|%s|memory|/bypath||1\n"
                               "*|%s|memory|/anyname||1\n"
                               "*|%s|memory|/never|ignore|1\n"
                               "*|%s|*|/star/%%p||1\n"
                               "%s||memory,pids|users/%%u||N\n"
                               "@%s||memory|/bygroup||N\n",
                               f.user, base_of(np), nf, base_of(ns), base_of(ni), base_of(nstar), f.user,
                               f.user);
        {
                g_auto(GStrv) got = g_strsplit(listed, "\n", -1), exp = g_strsplit(want, "\n", -1);
                g_assert_cmpuint(g_strv_length(got), ==, g_strv_length(exp));
                for (guint i = 0; exp[i] && exp[i][0]; i++) {
                        const char *bar = strrchr(got[i], '|');
                        g_assert_nonnull(bar);
                        g_assert_cmpint(strncmp(got[i], exp[i], bar - got[i] + 1), ==, 0);
                        if (g_str_has_suffix(exp[i], "|N"))
                                g_assert_cmpint(atoi(bar + 1), >=, 1);
                        else
                                g_assert_cmpstr(got[i], ==, exp[i]);
                }
        }
        fixture_stop(&f);
}

/* A process already running when virtd starts is classified at start; its neighbours are not moved. */
static void test_classify_at_start(void) {
        Fixture f;
        g_autofree char *ns = NULL, *rules = NULL, *dest = NULL;
        GPid p, other;

        fixture_start(&f);
        ns = unique_program(&f, "vrs");
        p = spawn(ns, "600", NULL);
        other = spawn("/bin/sleep", "600", NULL);
        g_usleep(100 * 1000);
        rules = g_strdup_printf("*:%s\tmemory\t/start/%%p\n", base_of(ns));
        write_config(&f, "cgrules.conf", rules);
        fixture_virtd(&f);
        dest = g_strdup_printf("/start/%s", base_of(ns));
        assert_lands(&f, p, "memory", dest);
        assert_stays(&f, other, "/bin/sleep", "memory", "");
        fixture_stop(&f);
}

/* virtctl group exec --sticky: the process and its children stay in the group they were put in. */
static void test_sticky(void) {
        Fixture f;
        g_autofree char *ns = NULL, *rules = NULL, *pgrep = NULL, *shell = NULL;
        GPid p, child;

        fixture_start(&f);
        ns = unique_program(&f, "vrs");
        rules = g_strdup_printf("*:%s\tmemory\t/anyname\n", base_of(ns));
        write_config(&f, "cgrules.conf", rules);
        fixture_virtd(&f);
        create_group(&f, "memory:/anyname");
        create_group(&f, "memory:/kept");
        shell = g_strdup_printf("%s 600; true", ns);
        p = spawn(TEST_BUILD_PATH("client/virtctl"), "group", "exec", "--sticky", "/kept", "--", ns, "600", NULL);
        assert_stays(&f, p, ns, "memory", "/kept");
        /* A child forked by a sticky process is sticky as well, as with cgrulesengd. */
        p = spawn(TEST_BUILD_PATH("client/virtctl"), "group", "exec", "--sticky", "/kept", "--", "/bin/sh", "-c", shell, NULL);
        for (int i = 0; i < 500 && test_sh(&pgrep, "pgrep -P %d", p) != 0; i++) {
                g_clear_pointer(&pgrep, g_free);
                g_usleep(10000);
        }
        g_assert_nonnull(pgrep);
        child = atoi(pgrep);
        g_assert_cmpint(child, >, 0);
        assert_stays(&f, child, ns, "memory", "/kept");
        /* Without --sticky the rule applies after the exec. */
        p = spawn(TEST_BUILD_PATH("client/virtctl"), "group", "exec", "/kept", "--", ns, "600", NULL);
        assert_lands(&f, p, "memory", "/anyname");
        fixture_stop(&f);
}

/* Editing at runtime and persistently, reordering, TestRule, and the refusals with file and line. */
static void test_edit_and_errors(void) {
        Fixture f;
        g_autofree char *ns = NULL, *line = NULL, *msg = NULL, *err = NULL, *listed = NULL, *file = NULL, *path = NULL;
        g_autofree char *backup = NULL, *dest = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *s;
        int32_t index;
        GPid p;

        fixture_start(&f);
        ns = unique_program(&f, "vrs");
        write_config(&f, "cgrules.conf", "# none yet\n");
        fixture_virtd(&f);
        test_assert_introspection(&f.e, VIRTD_OBJECT_ROOT);
        create_group(&f, "memory:/a");
        create_group(&f, "memory:/b");

        /* Runtime only: in effect, not written. */
        line = g_strdup_printf("*:%s memory /a", base_of(ns));
        call_ok(&f, "AddRule", "ust", 0, line, (uint64_t) VIRTD_FLAG_RUNTIME);
        path = g_build_filename(f.e.config_dir, "cgrules.conf", NULL);
        g_assert_true(g_file_get_contents(path, &file, NULL, NULL));
        g_assert_cmpstr(file, ==, "# none yet\n");
        g_clear_pointer(&file, g_free);
        p = spawn(ns, "600", NULL);
        assert_lands(&f, p, "memory", "/a");

        /* Persistent: a second rule in front of it, saved atomically with the old file kept as FILE~. */
        g_free(line);
        line = g_strdup_printf("*:%s memory /b", base_of(ns));
        call_ok(&f, "AddRule", "ust", 0, line, UINT64_C(0));
        g_assert_true(g_file_get_contents(path, &file, NULL, NULL));
        g_assert_nonnull(strstr(file, "/b"));
        g_assert_null(strstr(file, "/a")); /* the runtime rule is not saved */
        backup = g_strdup_printf("%s~", path);
        g_assert_true(g_file_test(backup, G_FILE_TEST_EXISTS));
        p = spawn(ns, "600", NULL);
        assert_lands(&f, p, "memory", "/b");

        /* TestRule answers without moving anything. */
        if (sd_bus_call_method(f.e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "TestRule", &error, &reply,
                               "ss", "root", ns) < 0)
                g_error("TestRule: %s", error.message);
        g_assert_cmpint(sd_bus_message_read(reply, "is", &index, &s), >, 0);
        g_assert_cmpint(index, ==, 0);
        g_assert_cmpstr(s, ==, "/b");
        sd_bus_message_unref(reply);
        reply = NULL;

        /* Reorder (runtime): /a first again; the counters travel with their rules. */
        call_ok(&f, "MoveRule", "uut", 1, 0, (uint64_t) VIRTD_FLAG_RUNTIME);
        listed = list_rules(&f);
        dest = g_strdup_printf("*|%s|memory|/a||1\n*|%s|memory|/b||1\n", base_of(ns), base_of(ns));
        g_assert_cmpstr(listed, ==, dest);
        p = spawn(ns, "600", NULL);
        assert_lands(&f, p, "memory", "/a");
        call_ok(&f, "RemoveRule", "ut", 0, (uint64_t) VIRTD_FLAG_RUNTIME);
        g_clear_pointer(&listed, g_free);
        listed = list_rules(&f);
        g_assert_null(strstr(listed, "/a"));

        /* Refusals: each names the reason; nothing changes. */
        err = call(&f, &msg, "AddRule", "ust", 0, "nosuchuser-vr memory /x", UINT64_C(0));
        g_assert_cmpstr(err, ==, VIRTD_ERROR_PARSE);
        g_assert_nonnull(strstr(msg, "unknown user 'nosuchuser-vr'"));
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&msg, g_free);
        err = call(&f, &msg, "AddRule", "ust", 0, "* memory /../escape", UINT64_C(0));
        g_assert_cmpstr(err, ==, VIRTD_ERROR_PARSE);
        g_assert_nonnull(strstr(msg, "leave the hierarchy"));
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&msg, g_free);
        err = call(&f, &msg, "AddRule", "ust", 0, "root memory", UINT64_C(0));
        g_assert_cmpstr(err, ==, VIRTD_ERROR_PARSE);
        g_assert_nonnull(strstr(msg, ":1:"));
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&msg, g_free);
        err = call(&f, &msg, "AddRule", "ust", 7, line, UINT64_C(0));
        g_assert_cmpstr(err, ==, VIRTD_ERROR_INVALID_ARGUMENT);
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&msg, g_free);
        err = call(&f, &msg, "RemoveRule", "ut", 5, UINT64_C(0));
        g_assert_cmpstr(err, ==, VIRTD_ERROR_NOT_FOUND);
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&msg, g_free);
        err = call(&f, &msg, "ReloadRules", "t", UINT64_C(0x80));
        g_assert_cmpstr(err, ==, VIRTD_ERROR_INVALID_ARGUMENT);
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&msg, g_free);
        err = call(&f, &msg, "TestRule", "ss", "nosuchuser-vr", "");
        g_assert_cmpstr(err, ==, VIRTD_ERROR_NOT_FOUND);
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&msg, g_free);

        /* A malformed drop-in: Reload names file and line and keeps the rules in use. */
        write_config(&f, "cgrules.d/50-bad.conf", "# comment\nroot\tmemory\n");
        err = call(&f, &msg, "ReloadRules", "t", UINT64_C(0));
        g_assert_cmpstr(err, ==, VIRTD_ERROR_PARSE);
        g_assert_nonnull(strstr(msg, "50-bad.conf:2:"));
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&msg, g_free);
        g_clear_pointer(&listed, g_free);
        listed = list_rules(&f);
        g_assert_nonnull(strstr(listed, "/b"));
        /* Fixed, reloaded: the file's rules, counters from zero. */
        write_config(&f, "cgrules.d/50-bad.conf", "# fixed\n");
        call_ok(&f, "ReloadRules", "t", UINT64_C(0));
        g_clear_pointer(&listed, g_free);
        listed = list_rules(&f);
        g_free(dest);
        dest = g_strdup_printf("*|%s|memory|/b||", base_of(ns));
        g_assert_true(g_str_has_prefix(listed, dest));

        /* A drop-in's rule belongs to its file: removing it persistently is refused, at runtime it works. */
        g_free(line);
        line = g_strdup_printf("*:%s\tmemory\t/c\n", base_of(ns));
        write_config(&f, "cgrules.d/60-pkg.conf", line);
        call_ok(&f, "ReloadRules", "t", UINT64_C(0));
        err = call(&f, &msg, "RemoveRule", "ut", 1, UINT64_C(0));
        g_assert_cmpstr(err, ==, VIRTD_ERROR_NOT_SUPPORTED);
        g_assert_nonnull(strstr(msg, "60-pkg.conf"));
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&msg, g_free);
        call_ok(&f, "RemoveRule", "ut", 1, (uint64_t) VIRTD_FLAG_RUNTIME);
        g_clear_pointer(&listed, g_free);
        listed = list_rules(&f);
        g_assert_null(strstr(listed, "/c"));
        fixture_stop(&f);
}

/* The same through virtctl, as an administrator uses it. */
static void test_virtctl_verbs(void) {
        Fixture f;
        g_autofree char *ns = NULL, *rules = NULL, *out = NULL, *err = NULL, *want = NULL, *line = NULL;

        fixture_start(&f);
        ns = unique_program(&f, "vrs");
        rules = g_strdup_printf("*:%s\tmemory\t/a\n", base_of(ns));
        write_config(&f, "cgrules.conf", rules);
        fixture_virtd(&f);

        g_assert_cmpint(test_virtctl(&f.e, &out, &err, "--json", "rules", "list", NULL), ==, 0);
        want = g_strdup_printf("[{\"index\":0,\"user\":\"*\",\"process\":\"%s\",\"controllers\":\"memory\","
                               "\"destination\":\"/a\",\"options\":\"\",\"matches\":0}]",
                               base_of(ns));
        g_assert_cmpstr(g_strstrip(out), ==, want);
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);

        line = g_strdup_printf("*:%s memory,pids /b/%%p", base_of(ns));
        g_assert_cmpint(test_virtctl(&f.e, NULL, &err, "rules", "add", line, "0", "--runtime", NULL), ==, 0);
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(test_virtctl(&f.e, &out, &err, "--json", "rules", "test", "root", ns, NULL), ==, 0);
        g_free(want);
        want = g_strdup_printf("{\"index\":0,\"destination\":\"/b/%s\",\"controllers\":[\"memory\",\"pids\"]}",
                               base_of(ns));
        g_assert_cmpstr(g_strstrip(out), ==, want);
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(test_virtctl(&f.e, NULL, &err, "rules", "move", "0", "1", "--runtime", NULL), ==, 0);
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(test_virtctl(&f.e, &out, &err, "rules", "test", "root", ns, NULL), ==, 0);
        g_assert_cmpstr(out, ==, "Rule 0: memory:/a\n");
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(test_virtctl(&f.e, NULL, &err, "rules", "remove", "1", "--runtime", NULL), ==, 0);
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(test_virtctl(&f.e, &out, &err, "rules", "test", "root", "/bin/true", NULL), ==, 0);
        g_assert_cmpstr(out, ==, "No rule matches; the process would stay where it is.\n");
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&err, g_free);

        /* Refusals reach the user with the reason. */
        g_assert_cmpint(test_virtctl(&f.e, NULL, &err, "rules", "add", "nosuchuser-vr memory /x", NULL), !=, 0);
        g_assert_nonnull(strstr(err, "unknown user 'nosuchuser-vr'"));
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(test_virtctl(&f.e, NULL, &err, "rules", "remove", "x", NULL), !=, 0);
        g_assert_nonnull(strstr(err, "not a rule number"));
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(test_virtctl(&f.e, NULL, &err, "rules", "reload", NULL), ==, 0);
        fixture_stop(&f);
}

/* As uid 65534: reading and testing rules is open; changing them needs polkit's manage-groups. */
static int as_nobody(sd_bus *bus, void *userdata) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r;

        if (sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "ListRules", &error, &reply, "") < 0)
                return 1;
        reply = sd_bus_message_unref(reply);
        if (sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "TestRule", &error, &reply, "ss",
                               "root", "") < 0)
                return 2;
        reply = sd_bus_message_unref(reply);
        r = sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "AddRule", &error, NULL, "ust", 0,
                               "root memory /x", (uint64_t) VIRTD_FLAG_RUNTIME);
        if (r >= 0)
                return 3;
        fprintf(stderr, "AddRule as nobody: %s: %s\n", error.name, error.message);
        r = sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED) ? 0 : 4;
        sd_bus_error_free(&error);
        return r;
}

static int add_as_nobody(sd_bus *bus, void *userdata) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "AddRule", &error, NULL,
                                   "ust", 0, (const char *) userdata, (uint64_t) VIRTD_FLAG_RUNTIME);

        if (r < 0)
                fprintf(stderr, "AddRule as nobody: %s: %s\n", error.name, error.message);
        sd_bus_error_free(&error);
        return r < 0 ? 1 : 0;
}

static void test_authorization(void) {
        const char *manage[] = { VIRTD_ACTION_MANAGE_GROUPS, NULL };
        g_autofree char *ns = NULL, *line = NULL, *listed = NULL;
        Fixture f;

        fixture_start_with(&f, true);
        ns = unique_program(&f, "vrs");
        fixture_virtd(&f);
        g_assert_cmpint(test_fork_as(&f.e, 65534, 65534, as_nobody, NULL), ==, 0);
        g_assert_cmpstr((listed = list_rules(&f)), ==, "");
        test_env_polkit_allow(&f.e, manage);
        line = g_strdup_printf("*:%s memory /x", base_of(ns));
        g_assert_cmpint(test_fork_as(&f.e, 65534, 65534, add_as_nobody, line), ==, 0);
        g_free(listed);
        listed = list_rules(&f);
        g_assert_nonnull(strstr(listed, "/x"));
        fixture_stop(&f);
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

/* exec → in the group, over 200 execs. A figure, not an assertion: the machine is shared. */
static void test_latency(void) {
        enum { N = 200 };
        Fixture f;
        g_autofree char *ns = NULL, *rules = NULL;
        double lat[N];

        fixture_start(&f);
        ns = unique_program(&f, "vrs");
        rules = g_strdup_printf("*:%s\tmemory\t/lat\n", base_of(ns));
        write_config(&f, "cgrules.conf", rules);
        fixture_virtd(&f);
        create_group(&f, "memory:/lat");
        for (int i = 0; i < N; i++) {
                const char *argv[] = { ns, "600", NULL };
                GPid pid;
                double start = now_usec();

                g_assert_true(g_spawn_async(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL));
                for (;;) {
                        g_autofree char *g = group_of(&f, pid, "memory");
                        if (strcmp(g, "/lat") == 0)
                                break;
                        g_assert_cmpfloat(now_usec() - start, <, 5e6);
                        g_usleep(50);
                }
                lat[i] = now_usec() - start;
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
        }
        qsort(lat, N, sizeof(double), cmp_double);
        g_test_message("classification latency (spawn+exec to in group) over %d execs: p50 %.0f us, p99 %.0f us", N,
                       lat[N / 2], lat[N * 99 / 100]);
        printf("# rules latency: p50 %.0f us p99 %.0f us (n=%d)\n", lat[N / 2], lat[N * 99 / 100], N);
        fixture_stop(&f);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        detect_layout();
        g_test_add_func("/rules/rule-forms", test_rule_forms);
        g_test_add_func("/rules/classify-at-start", test_classify_at_start);
        g_test_add_func("/rules/sticky", test_sticky);
        g_test_add_func("/rules/edit-and-errors", test_edit_and_errors);
        g_test_add_func("/rules/virtctl", test_virtctl_verbs);
        g_test_add_func("/rules/authorization", test_authorization);
        g_test_add_func("/rules/latency", test_latency);
        return g_test_run();
}
