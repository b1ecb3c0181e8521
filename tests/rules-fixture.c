/* rules-fixture.c: what test-rules needs around virtd: a base, programs with unique names, spawned processes.
 *
 * Safety: every cgroup lives under a base unique to the run, removed at the end also when an assertion
 * fails; every process is started here and killed by its pid. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rules-fixture.h"
#include "virtd-bus.h"

Layout layout;

void detect_layout(void) {
        g_autofree char *fs = NULL;

        test_sh(&fs, "stat -f -c %%T /sys/fs/cgroup");
        layout.v2 = g_str_has_prefix(fs, "cgroup2");
        layout.limit = layout.v2 ? "memory.max" : "memory.limit_in_bytes";
}

/* The file name of a path (no allocation). */
const char *base_of(const char *path) {
        const char *s = strrchr(path, '/');

        return s ? s + 1 : path;
}

/* Starts the bus; virtd starts in fixture_virtd() once the test has written its files. */
void fixture_start_with(Fixture *f, bool polkit) {
        TestEnvOptions o = { .no_virtd = true, .polkit = polkit };
        g_autofree char *name = test_unique_name("vrtest");

        test_require_root();
        memset(f, 0, sizeof(*f));
        f->base = g_strdup_printf("/%s", name);
        test_env_start(&f->e, &o);
        test_defer_remove_cgroup_subtree(f->base);
        f->bindir = g_build_filename(f->e.dir, "bin", NULL);
        g_assert_cmpint(g_mkdir_with_parents(f->bindir, 0755), ==, 0);
}

void fixture_start(Fixture *f) {
        fixture_start_with(f, false);
}

void ids_of(const char *user, uid_t *ret_uid, gid_t *ret_gid) {
        struct passwd *pw = getpwnam(user);

        g_assert_nonnull(pw);
        *ret_uid = pw->pw_uid;
        *ret_gid = pw->pw_gid;
}

void fixture_user(Fixture *f) {
        f->user = RUN_USER;
        ids_of(f->user, &f->uid, &f->gid);
}

void fixture_virtd(Fixture *f) {
        g_autofree char *arg = g_strdup_printf("--cgroup-base=%s", f->base);
        const char *args[] = { arg, NULL };

        test_env_start_virtd(&f->e, args);
}

void fixture_stop(Fixture *f) {
        test_env_stop(&f->e);
        g_free(f->base);
        g_free(f->bindir);
}

/* A copy of sleep named uniquely for this run; returns its full path. */
char *unique_program(Fixture *f, const char *prefix) {
        g_autofree char *name = test_unique_name(prefix);
        char *path = g_build_filename(f->bindir, name, NULL);

        g_assert_cmpint(test_sh(NULL, "cp /bin/sleep '%s' && chmod 0755 '%s'", path, path), ==, 0);
        return path;
}

void write_config(Fixture *f, const char *file, const char *text) {
        g_autofree char *path = g_build_filename(f->e.config_dir, file, NULL);
        g_autofree char *dir = g_path_get_dirname(path);

        g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
        g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

void kill_child(void *data) {
        GPid pid = GPOINTER_TO_INT(data);

        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}

/* Runs argv (NULL-terminated) in the background, killed at the end of the test. */
GPid spawn(const char *first, ...) {
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
GPid spawn_as(uid_t uid, gid_t gid, const char *program) {
        g_autofree char *ruid = g_strdup_printf("--reuid=%u", uid);
        g_autofree char *rgid = g_strdup_printf("--regid=%u", gid);

        return spawn("/usr/bin/setpriv", ruid, rgid, "--clear-groups", program, "600", NULL);
}

/* The process's group path in controller's hierarchy (or on the unified one), relative to the base;
 * "" when it is outside the base. */
char *group_of(Fixture *f, GPid pid, const char *controller) {
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

double now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Waits up to 5 s for the process to be in group; asserts it gets there. */
void assert_lands(Fixture *f, GPid pid, const char *controller, const char *group) {
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
void assert_stays(Fixture *f, GPid pid, const char *program, const char *controller, const char *group) {
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

void create_group(Fixture *f, const char *spec) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;

        if (sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateGroup", &error,
                               &reply, "sa(ss)a{su}t", spec, 0, 0, UINT64_C(0)) < 0)
                g_error("CreateGroup %s: %s", spec, error.message);
        sd_bus_message_unref(reply);
}

/* Calls a rule method; returns the error name (NULL on success) and the message. */
char *call(Fixture *f, char **ret_message, const char *member, const char *types, ...) {
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

void call_ok(Fixture *f, const char *member, const char *types, ...) {
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
char *list_rules(Fixture *f) {
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

/* Compares ListRules with want, line by line; "|N" at the end of a wanted line accepts any count >= 1. */
void assert_rules(Fixture *f, const char *want) {
        g_autofree char *listed = list_rules(f);
        g_auto(GStrv) got = g_strsplit(listed, "\n", -1), exp = g_strsplit(want, "\n", -1);

        if (g_strv_length(got) != g_strv_length(exp))
                g_error("rules:\n%s\nexpected:\n%s", listed, want);
        for (guint i = 0; exp[i] && exp[i][0]; i++) {
                const char *bar = strrchr(got[i], '|');
                g_assert_nonnull(bar);
                if (!g_str_has_suffix(exp[i], "|N"))
                        g_assert_cmpstr(got[i], ==, exp[i]);
                else if (strncmp(got[i], exp[i], bar - got[i] + 1) != 0 || atoi(bar + 1) < 1)
                        g_error("rule %u is «%s», expected «%s»", i, got[i], exp[i]);
        }
}

char *read_config(Fixture *f, const char *file) {
        g_autofree char *path = g_build_filename(f->e.config_dir, file, NULL);
        char *text = NULL;

        g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
        return text;
}

