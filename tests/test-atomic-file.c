/* test-atomic-file.c: atomic replacement, FILE~ backups, ENOSPC on a tiny tmpfs, SIGKILL during writes. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic-file.h"
#include "cgconfig.h"
#include "fileio.h"

static char *read_text(const char *path) {
        char *s = NULL;
        if (!g_file_get_contents(path, &s, NULL, NULL))
                return NULL;
        return s;
}

static guint count_entries(const char *dir) {
        GDir *d = g_dir_open(dir, 0, NULL);
        guint n = 0;
        while (g_dir_read_name(d))
                n++;
        g_dir_close(d);
        return n;
}

static void test_replace_and_backup(void) {
        g_autofree char *dir = g_dir_make_tmp("atomic-XXXXXX", NULL), *path = g_build_filename(dir, "f.conf", NULL),
                        *backup = g_strconcat(path, "~", NULL), *s = NULL, *b = NULL;
        struct stat st;

        g_assert_cmpint(atomic_write_file(path, "one\n", 4, 0640), ==, 0);
        s = read_text(path);
        g_assert_cmpstr(s, ==, "one\n");
        g_assert_false(g_file_test(backup, G_FILE_TEST_EXISTS));
        g_assert_cmpint(stat(path, &st), ==, 0);
        g_assert_cmpuint(st.st_mode & 07777, ==, 0640);

        g_assert_cmpint(atomic_write_file(path, "two\n", 4, 0600), ==, 0);
        g_free(s), s = read_text(path);
        b = read_text(backup);
        g_assert_cmpstr(s, ==, "two\n");
        g_assert_cmpstr(b, ==, "one\n");
        g_assert_cmpint(atomic_write_file(path, "three\n", 6, 0600), ==, 0);
        g_free(b), b = read_text(backup);
        g_assert_cmpstr(b, ==, "two\n");
        /* Only the file and its backup: no temporary files left behind. */
        g_assert_cmpuint(count_entries(dir), ==, 2);

        /* A directory that does not exist: an error, nothing created. */
        g_autofree char *missing = g_build_filename(dir, "nope", "f.conf", NULL);
        g_assert_cmpint(atomic_write_file(missing, "x", 1, 0600), ==, -ENOENT);
        g_unlink(path), g_unlink(backup), g_rmdir(dir);
}

/* In a child with its own mount namespace, so the host never sees the tmpfs. */
static int enospc_child(const char *dir) {
        g_autofree char *path = g_build_filename(dir, "f.conf", NULL), *old = NULL;
        size_t old_size = 16 * 1024, new_size = 80 * 1024;
        g_autofree char *a = g_malloc(old_size), *b = g_malloc(new_size);
        int r;

        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return 10;
        if (mount("tmpfs", dir, "tmpfs", 0, "size=64k") < 0)
                return 11;
        memset(a, 'A', old_size);
        memset(b, 'B', new_size);
        if (atomic_write_file(path, a, old_size, 0644) < 0)
                return 12;
        r = atomic_write_file(path, b, new_size, 0644);
        if (r != -ENOSPC)
                return 13;
        size_t size = 0;
        if (read_full_file(path, &old, &size) < 0 || size != old_size || memcmp(old, a, size) != 0)
                return 14;
        if (count_entries(dir) != 1) /* no stray temporary file */
                return 15;
        return 0;
}

/* Only the temporary files of the named bases go: not other files, not symlinks (editor locks), not the files. */
static void test_remove_stale(void) {
        static const char *const bases[] = { "cgconfig.conf", "network.conf", NULL };
        static const char *const stale[] = { ".#cgconfig.conf.new0123abcd4567", ".#network.conf.Ab12Cd", NULL };
        static const char *const kept[] = { "cgconfig.conf", "cgconfig.conf~", ".#other.conf.new1", ".#cgconfig.conf",
                                            ".#cgconfig.confX.1", NULL };
        g_autofree char *dir = g_dir_make_tmp("atomic-XXXXXX", NULL), *lock = g_build_filename(dir, ".#network.conf.lock", NULL);

        for (const char *const *n = stale; *n; n++) {
                g_autofree char *p = g_build_filename(dir, *n, NULL);
                g_assert_true(g_file_set_contents(p, "x", 1, NULL));
        }
        for (const char *const *n = kept; *n; n++) {
                g_autofree char *p = g_build_filename(dir, *n, NULL);
                g_assert_true(g_file_set_contents(p, "x", 1, NULL));
        }
        g_assert_cmpint(symlink("root@host.1234", lock), ==, 0);
        g_assert_cmpint(atomic_file_remove_stale(dir, bases), ==, 2);
        for (const char *const *n = stale; *n; n++) {
                g_autofree char *p = g_build_filename(dir, *n, NULL);
                g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
        }
        for (const char *const *n = kept; *n; n++) {
                g_autofree char *p = g_build_filename(dir, *n, NULL);
                g_assert_true(g_file_test(p, G_FILE_TEST_IS_REGULAR));
        }
        g_assert_true(g_file_test(lock, G_FILE_TEST_IS_SYMLINK));
        g_assert_cmpint(atomic_file_remove_stale(dir, bases), ==, 0);
        g_autofree char *missing = g_build_filename(dir, "missing", NULL);
        g_assert_cmpint(atomic_file_remove_stale(missing, bases), ==, 0);
        g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);
        g_assert_cmpint(system(rm), ==, 0);
}

static void test_enospc(void) {
        g_autofree char *dir = g_dir_make_tmp("atomic-XXXXXX", NULL);
        int status = 0;
        pid_t pid;

        if (geteuid() != 0) {
                g_test_skip("needs root for a private tmpfs");
                return;
        }
        pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0)
                _exit(enospc_child(dir));
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
        /* The tmpfs lived only in the child's namespace: the host directory is still empty. */
        g_assert_cmpuint(count_entries(dir), ==, 0);
        g_rmdir(dir);
}

static int validate_cgconfig(const char *text, size_t size, const char *filename, char **ret_error) {
        CgConfig *c = NULL;
        ConfError err = {};
        int r = cgconfig_parse(text, size, filename, &c, &err);

        if (r < 0 && ret_error)
                *ret_error = conf_error_format(&err);
        conf_error_done(&err);
        cgconfig_free(c);
        return r;
}

static void test_config_file_replace(void) {
        g_autofree char *dir = g_dir_make_tmp("atomic-XXXXXX", NULL), *path = g_build_filename(dir, "cgconfig.conf", NULL);
        const char *good = "group a { cpu { } }\n", *good2 = "group b { cpu { } }\n", *broken = "group a { cpu {\n";
        char *error = NULL;
        g_autofree char *s = NULL;

        /* No file yet: created. */
        g_assert_cmpint(config_file_replace(path, good, strlen(good), 0644, validate_cgconfig, false, NULL), ==, 0);
        /* New contents must parse. */
        g_assert_cmpint(config_file_replace(path, broken, strlen(broken), 0644, validate_cgconfig, false, &error), ==, -EBADMSG);
        g_assert_nonnull(strstr(error, "cgconfig.conf:2:1:"));
        g_clear_pointer(&error, free);
        /* An administrator half-way through an edit: the file on disk does not parse, so it is not replaced. */
        g_assert_true(g_file_set_contents(path, broken, -1, NULL));
        g_assert_cmpint(config_file_replace(path, good2, strlen(good2), 0644, validate_cgconfig, false, &error), ==, -EBADMSG);
        g_assert_nonnull(strstr(error, "cgconfig.conf:2:1: expected a parameter name or '}', found end of file"));
        g_clear_pointer(&error, free);
        s = read_text(path);
        g_assert_cmpstr(s, ==, broken);
        /* ... unless forced. */
        g_assert_cmpint(config_file_replace(path, good2, strlen(good2), 0644, validate_cgconfig, true, NULL), ==, 0);
        g_free(s), s = read_text(path);
        g_assert_cmpstr(s, ==, good2);
        g_autofree char *backup = g_strconcat(path, "~", NULL);
        g_free(s), s = read_text(backup);
        g_assert_cmpstr(s, ==, broken);
        g_unlink(path), g_unlink(backup), g_rmdir(dir);
}

#define BIG (1024 * 1024)

static void fill(char *buf, char c) {
        memset(buf, c, BIG);
        buf[BIG - 1] = '\n';
}

static void test_kill9(void) {
        g_autofree char *dir = g_dir_make_tmp("atomic-XXXXXX", NULL), *path = g_build_filename(dir, "big", NULL);
        g_autofree char *a = g_malloc(BIG), *b = g_malloc(BIG);
        unsigned kills = 200, saw_a = 0, saw_b = 0;
        GRand *rand = g_rand_new_with_seed(42);
        gint64 start = g_get_monotonic_time();

        fill(a, 'A');
        fill(b, 'B');
        g_assert_cmpint(atomic_write_file(path, a, BIG, 0644), ==, 0);
        for (unsigned i = 0; i < kills; i++) {
                int status;
                pid_t pid = fork();
                g_assert_cmpint(pid, >=, 0);
                if (pid == 0) {
                        for (unsigned n = 0;; n++)
                                if (atomic_write_file(path, n % 2 ? a : b, BIG, 0644) < 0)
                                        _exit(1);
                }
                g_usleep(g_rand_int_range(rand, 0, 20000));
                g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
                g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
                g_assert_true(WIFSIGNALED(status));

                g_autofree char *s = NULL;
                size_t size = 0;
                g_assert_cmpint(read_full_file(path, &s, &size), ==, 0);
                g_assert_cmpuint(size, ==, BIG);
                if (memcmp(s, a, BIG) == 0)
                        saw_a++;
                else if (memcmp(s, b, BIG) == 0)
                        saw_b++;
                else
                        g_error("kill %u left a torn file", i);
        }
        /* A kill between naming the temporary file and the rename can leave ".#big.new…"; count them. */
        guint strays = count_entries(dir) - 2;
        g_test_message("%u SIGKILLs during 1 MiB writes: %u times A, %u times B, 0 torn, %u stray temporary files, %.1f s",
                       kills, saw_a, saw_b, strays, (g_get_monotonic_time() - start) / 1e6);
        g_assert_cmpuint(saw_a + saw_b, ==, kills);
        GDir *d = g_dir_open(dir, 0, NULL);
        const char *name;
        while ((name = g_dir_read_name(d))) {
                g_autofree char *p = g_build_filename(dir, name, NULL);
                g_unlink(p);
        }
        g_dir_close(d);
        g_rmdir(dir);
        g_rand_free(rand);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/atomic-file/replace-and-backup", test_replace_and_backup);
        g_test_add_func("/atomic-file/remove-stale", test_remove_stale);
        g_test_add_func("/atomic-file/enospc", test_enospc);
        g_test_add_func("/atomic-file/config-file-replace", test_config_file_replace);
        g_test_add_func("/atomic-file/kill9", test_kill9);
        return g_test_run();
}
