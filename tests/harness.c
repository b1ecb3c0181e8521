/* harness.c: integration test fixture: a private system bus, the polkitd mock and the built virtd. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <grp.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

typedef struct Deferred {
        void (*fn)(void *data);
        void *data;
} Deferred;

static GArray *deferred = NULL;
static TestEnv *current_env = NULL;

void test_defer(void (*fn)(void *data), void *data) {
        Deferred d = { fn, data };

        if (!deferred)
                deferred = g_array_new(FALSE, FALSE, sizeof(Deferred));
        g_array_append_val(deferred, d);
}

void test_run_deferred(void) {
        while (deferred && deferred->len > 0) {
                Deferred d = g_array_index(deferred, Deferred, deferred->len - 1);
                g_array_set_size(deferred, deferred->len - 1);
                d.fn(d.data);
        }
}

/* Removes dir_fd's contents without crossing into other mounts: a directory on another device is a mount
 * (left behind by a failing test) and is skipped, never emptied. Only directories are compared, since
 * overlayfs (the qemu lane's root) reports the upper layer's device for files. */
static void rm_rf_children(int dir_fd, dev_t dev) {
        DIR *d = fdopendir(dir_fd);
        struct dirent *de;

        if (!d) {
                close(dir_fd);
                return;
        }
        while ((de = readdir(d))) {
                struct stat st;

                if (g_str_equal(de->d_name, ".") || g_str_equal(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        int fd;

                        if (st.st_dev != dev)
                                continue;
                        fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (fd >= 0)
                                rm_rf_children(fd, dev);
                        unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
                } else
                        unlinkat(dirfd(d), de->d_name, 0);
        }
        closedir(d);
}

static void rm_rf(const char *path) {
        struct stat st;
        int fd;

        if (!path || lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
                return;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return;
        rm_rf_children(fd, st.st_dev);
        rmdir(path);
}

static void kill_and_reap(GPid *pid, int sig) {
        if (*pid <= 0)
                return;
        kill(*pid, sig);
        waitpid(*pid, NULL, 0);
        *pid = 0;
}

/* On a failed assertion the test aborts: clean up the kernel objects, processes and files first. */
static void on_abort(int sig) {
        signal(sig, SIG_DFL);
        test_run_deferred();
        if (current_env) {
                kill_and_reap(&current_env->virtd_pid, SIGKILL);
                kill_and_reap(&current_env->polkit_pid, SIGKILL);
                kill_and_reap(&current_env->bus_pid, SIGKILL);
                rm_rf(current_env->dir);
        }
        raise(sig);
}

static void install_abort_handler(void) {
        signal(SIGABRT, on_abort);
        signal(SIGSEGV, on_abort);
        signal(SIGTRAP, on_abort);
        signal(SIGTERM, on_abort);
        signal(SIGINT, on_abort);
}

void test_remove_cgroup_subtree(const char *base) {
        test_sh(NULL,
                "for m in $(awk '$0 ~ / - cgroup2? / { print $5 }' /proc/self/mountinfo); do "
                "  [ -d \"$m%s\" ] || continue; "
                "  for p in $(find \"$m%s\" -name cgroup.procs -exec cat {} +); do echo $p > \"$m/cgroup.procs\"; done 2>/dev/null; "
                "  find \"$m%s\" -depth -type d -exec rmdir {} + ; "
                "done",
                base, base, base);
}

static void remove_cgroup_subtree_deferred(void *base) {
        test_remove_cgroup_subtree(base);
}

void test_defer_remove_cgroup_subtree(const char *base) {
        test_defer(remove_cgroup_subtree_deferred, (void *) base);
}

void test_umount_below(const char *dir) {
        g_autofree char *mountinfo = NULL;
        g_auto(GStrv) lines = NULL;

        if (!g_file_get_contents("/proc/self/mountinfo", &mountinfo, NULL, NULL))
                return;
        lines = g_strsplit(mountinfo, "\n", -1);
        for (int i = (int) g_strv_length(lines) - 1; i >= 0; i--) {
                g_auto(GStrv) f = g_strsplit(lines[i], " ", 6);
                if (g_strv_length(f) >= 5 && g_str_has_prefix(f[4], dir))
                        umount2(f[4], MNT_DETACH);
        }
}

void test_require_root(void) {
        if (geteuid() != 0) {
                g_test_skip("needs root");
                printf("1..0 # SKIP needs root\n");
                exit(77);
        }
}

bool test_in_vm_guest(void) {
        const char *v = getenv("VIRTD_VM_GUEST");

        return v && strcmp(v, "1") == 0;
}

void test_skip_unless_vm_guest(const char *reason) {
        g_assert_nonnull(reason);
        if (test_in_vm_guest())
                g_test_fail_printf("%s, but this is the qemu lane's guest (VIRTD_VM_GUEST=1), whose kernel must have it",
                                   reason);
        else
                g_test_skip(reason);
}

char *test_unique_name(const char *prefix) {
        static unsigned counter = 0;
        char *s = g_strdup_printf("%s%x%u", prefix, (unsigned) getpid() & 0xfffff, counter++);

        g_assert_cmpuint(strlen(s), <=, 15);
        return s;
}

int test_sh(char **ret_stdout, const char *format, ...) {
        g_autofree char *cmd = NULL, *out = NULL, *err = NULL;
        g_autoptr(GError) error = NULL;
        const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
        int status;
        va_list ap;

        va_start(ap, format);
        cmd = g_strdup_vprintf(format, ap);
        va_end(ap);
        argv[2] = cmd;
        if (!g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error))
                g_error("cannot run '%s': %s", cmd, error->message);
        if (err && *err)
                g_test_message("%s: stderr: %s", cmd, err);
        if (ret_stdout)
                *ret_stdout = g_steal_pointer(&out);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Children die with the test, so a crashed test never leaves a bus or daemon behind. */
static void child_setup(gpointer data) {
        (void) data;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* With ret_stdout_fd NULL the child's stdout goes to stderr: TAP on our stdout must stay clean. */
static void child_setup_stdout_to_stderr(gpointer data) {
        child_setup(data);
        dup2(STDERR_FILENO, STDOUT_FILENO);
}

static GPid spawn_async(const char * const *argv, int *ret_stdout_fd) {
        g_autoptr(GError) error = NULL;
        GPid pid;

        if (!g_spawn_async_with_pipes(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH,
                                      ret_stdout_fd ? child_setup : child_setup_stdout_to_stderr, NULL, &pid,
                                      NULL, ret_stdout_fd, NULL, &error))
                g_error("cannot start %s: %s", argv[0], error->message);
        return pid;
}

static void write_bus_config(TestEnv *e) {
        g_autofree char *path = g_build_filename(e->dir, "bus.conf", NULL);
        g_autofree char *policy = g_canonicalize_filename(TEST_SOURCE_PATH("dbus/org.virtd.Virtd1.conf"), NULL);
        g_autofree char *template = NULL;
        g_autoptr(GString) conf = NULL;
        g_autoptr(GError) error = NULL;

        if (!g_file_get_contents(TEST_SOURCE_PATH("tests/data/system-bus.conf.in"), &template, NULL, &error))
                g_error("cannot read the bus configuration template: %s", error->message);
        conf = g_string_new(template);
        g_string_replace(conf, "@DIR@", e->dir, 0);
        g_string_replace(conf, "@POLICY@", policy, 0);
        if (!g_file_set_contents(path, conf->str, -1, &error))
                g_error("cannot write %s: %s", path, error->message);
}

static void start_bus(TestEnv *e) {
        g_autofree char *conf = g_build_filename(e->dir, "bus.conf", NULL);
        g_autofree char *config_arg = g_strdup_printf("--config-file=%s", conf);
        const char *argv[] = { "dbus-daemon", config_arg, "--nofork", "--print-address=1", "--nosyslog", NULL };
        char line[512] = "";
        int fd = -1;
        FILE *f;

        write_bus_config(e);
        e->bus_pid = spawn_async(argv, &fd);
        f = fdopen(fd, "r");
        g_assert_nonnull(f);
        if (!fgets(line, sizeof(line), f))
                g_error("dbus-daemon did not print its address");
        fclose(f);
        g_strstrip(line);
        e->bus_address = g_strdup(line);
        g_setenv("DBUS_SYSTEM_BUS_ADDRESS", e->bus_address, TRUE);
        g_assert_cmpint(sd_bus_open_system(&e->bus), >=, 0);
}

static bool name_has_owner(TestEnv *e, const char *name) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int has = 0;

        if (sd_bus_call_method(e->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", &error, &reply, "s", name) >= 0)
                sd_bus_message_read(reply, "b", &has);
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        return has;
}

/* VIRTD_TEST_WRAPPER (e.g. "valgrind --leak-check=full ...") runs virtd under a tool, which is much slower. */
static const char *test_wrapper(void) {
        const char *w = g_getenv("VIRTD_TEST_WRAPPER");

        return w && *w ? w : NULL;
}

static void wait_for_name(TestEnv *e, const char *name, GPid pid) {
        int tries = test_wrapper() && pid == e->virtd_pid ? 12000 : 1000;

        for (int i = 0; i < tries; i++) {
                int status;

                if (name_has_owner(e, name))
                        return;
                if (waitpid(pid, &status, WNOHANG) == pid) {
                        if (pid == e->virtd_pid)
                                e->virtd_pid = 0;
                        else if (pid == e->polkit_pid)
                                e->polkit_pid = 0;
                        g_error("process for %s exited (status %d) before owning the name", name, status);
                }
                g_usleep(10 * 1000);
        }
        g_error("%s did not appear on the bus within %d s", name, tries / 100);
}

static void start_polkit(TestEnv *e) {
        const char *argv[] = { "/usr/bin/python3", "-m", "dbusmock", "--system", "--template", "polkitd", NULL };

        e->polkit_pid = spawn_async(argv, NULL);
        wait_for_name(e, "org.freedesktop.PolicyKit1", e->polkit_pid);
}

void test_env_start_virtd_in(TestEnv *e, const char *cgroup_base, const char *netns_dir) {
        g_autofree char *a1 = g_strdup_printf("--cgroup-base=%s", cgroup_base);
        g_autofree char *a2 = g_strdup_printf("--netns-dir=%s", netns_dir);
        const char *args[] = { a1, a2, NULL };

        test_env_start_virtd(e, args);
}

char *test_cgroup_mount_of(const char *controller) {
        g_autofree char *out = NULL;
        struct statfs fs;

        if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
                return g_strdup("/sys/fs/cgroup");
        test_sh(&out, "awk '$0 ~ / - cgroup / { n = split($NF, o, \",\"); for (i = 1; i <= n; i++) if (o[i] == \"%s\") print $5 }' "
                      "/proc/self/mountinfo | head -n1", controller);
        g_strstrip(out);
        g_assert_cmpstr(out, !=, "");
        return g_steal_pointer(&out);
}

void test_env_start_virtd(TestEnv *e, const char * const *extra_args) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_auto(GStrv) wrapper = NULL;
        g_autoptr(GError) error = NULL;

        if (test_wrapper() && !g_shell_parse_argv(test_wrapper(), NULL, &wrapper, &error))
                g_error("VIRTD_TEST_WRAPPER: %s", error->message);
        for (char **w = wrapper; w && *w; w++)
                g_ptr_array_add(argv, g_strdup(*w));
        g_ptr_array_add(argv, g_strdup(TEST_BUILD_PATH("daemon/virtd")));
        g_ptr_array_add(argv, g_strdup_printf("--config-dir=%s", e->config_dir));
        g_ptr_array_add(argv, g_strdup_printf("--state-dir=%s", e->state_dir));
        g_ptr_array_add(argv, g_strdup("--log-level=debug"));
        for (const char * const *a = extra_args; a && *a; a++)
                g_ptr_array_add(argv, g_strdup(*a));
        g_ptr_array_add(argv, NULL);
        e->virtd_pid = spawn_async((const char * const *) argv->pdata, NULL);
        wait_for_name(e, "org.virtd.Virtd1", e->virtd_pid);
}

void test_env_start(TestEnv *e, const TestEnvOptions *o) {
        TestEnvOptions defaults = {};

        if (!o)
                o = &defaults;
        memset(e, 0, sizeof(*e));
        current_env = e;
        install_abort_handler();

        e->dir = g_dir_make_tmp("virtd-test-XXXXXX", NULL);
        g_assert_nonnull(e->dir);
        /* Unprivileged test callers must reach the bus socket inside. */
        g_assert_cmpint(chmod(e->dir, 0755), ==, 0);
        e->config_dir = g_build_filename(e->dir, "etc", NULL);
        e->state_dir = g_build_filename(e->dir, "run", NULL);
        g_assert_cmpint(g_mkdir_with_parents(e->config_dir, 0755), ==, 0);

        start_bus(e);
        if (o->polkit)
                start_polkit(e);
        if (!o->no_virtd)
                test_env_start_virtd(e, o->virtd_args);
}

void test_env_stop_virtd(TestEnv *e) {
        int status = 0;

        if (e->virtd_pid <= 0)
                return;
        g_assert_cmpint(kill(e->virtd_pid, SIGTERM), ==, 0);
        g_assert_cmpint(waitpid(e->virtd_pid, &status, 0), ==, e->virtd_pid);
        e->virtd_pid = 0;
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

void test_env_stop(TestEnv *e) {
        test_run_deferred();
        test_env_stop_virtd(e);
        e->bus = sd_bus_flush_close_unref(e->bus);
        kill_and_reap(&e->polkit_pid, SIGTERM);
        kill_and_reap(&e->bus_pid, SIGTERM);
        rm_rf(e->dir);
        g_unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
        g_clear_pointer(&e->dir, g_free);
        g_clear_pointer(&e->bus_address, g_free);
        g_clear_pointer(&e->config_dir, g_free);
        g_clear_pointer(&e->state_dir, g_free);
        current_env = NULL;
}

void test_env_polkit_allow(TestEnv *e, const char * const *actions) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL;

        g_assert_cmpint(sd_bus_message_new_method_call(e->bus, &m, "org.freedesktop.PolicyKit1",
                                                       "/org/freedesktop/PolicyKit1/Authority",
                                                       "org.freedesktop.DBus.Mock", "SetAllowed"), >=, 0);
        g_assert_cmpint(sd_bus_message_append_strv(m, (char **) actions), >=, 0);
        if (sd_bus_call(e->bus, m, 0, &error, NULL) < 0)
                g_error("SetAllowed failed: %s", error.message);
        sd_bus_message_unref(m);
}

int test_virtctl_argv(TestEnv *e, const char * const *args, const char * const *env, char **ret_stdout,
                      char **ret_stderr) {
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_auto(GStrv) envp = g_get_environ();
        g_autoptr(GError) error = NULL;
        g_autofree char *out = NULL, *err = NULL;
        int status;

        g_ptr_array_add(argv, (char *) TEST_BUILD_PATH("client/virtctl"));
        for (const char * const *a = args; a && *a; a++)
                g_ptr_array_add(argv, (char *) *a);
        g_ptr_array_add(argv, NULL);
        envp = g_environ_setenv(envp, "DBUS_SYSTEM_BUS_ADDRESS", e->bus_address, TRUE);
        envp = g_environ_setenv(envp, "LC_ALL", "C.UTF-8", FALSE);
        for (const char * const *v = env; v && *v; v++) {
                g_auto(GStrv) kv = g_strsplit(*v, "=", 2);
                envp = g_environ_setenv(envp, kv[0], kv[1] ? kv[1] : "", TRUE);
        }
        if (!g_spawn_sync(NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, child_setup, NULL, &out, &err, &status,
                          &error))
                g_error("cannot run virtctl: %s", error->message);
        g_test_message("virtctl stdout: %s", out);
        g_test_message("virtctl stderr: %s", err);
        if (ret_stdout)
                *ret_stdout = g_steal_pointer(&out);
        if (ret_stderr)
                *ret_stderr = g_steal_pointer(&err);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int test_virtctl(TestEnv *e, char **ret_stdout, char **ret_stderr, ...) {
        g_autoptr(GPtrArray) args = g_ptr_array_new();
        va_list ap;

        va_start(ap, ret_stderr);
        for (const char *a; (a = va_arg(ap, const char *));)
                g_ptr_array_add(args, (char *) a);
        va_end(ap);
        g_ptr_array_add(args, NULL);
        return test_virtctl_argv(e, (const char * const *) args->pdata, NULL, ret_stdout, ret_stderr);
}

int test_fork_as(TestEnv *e, uid_t uid, gid_t gid, int (*fn)(sd_bus *bus, void *userdata), void *userdata) {
        int status;
        pid_t pid;

        fflush(NULL);
        pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
                sd_bus *bus = NULL;

                /* The child must never run the parent's cleanups. */
                signal(SIGABRT, SIG_DFL);
                signal(SIGSEGV, SIG_DFL);
                current_env = NULL;
                deferred = NULL;

                if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
                        _exit(250);
                if (sd_bus_open_system(&bus) < 0)
                        _exit(251);
                _exit(fn(bus, userdata));
        }
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}
