/* test-faults.c: kill -9 at random points of Apply and Save, and Save on a full disk. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "fault-fixture.h"
#include "virtd-bus.h"

/* Two versions of the configuration that differ in every kind of object: a namespace both keep, one each
 * alone, a veth pair each, a group both keep with a different value, a group each alone. */
typedef struct Version {
        char *cg, *net;          /* canonical text, as Save writes it */
        char *saved_cg, *saved_net; /* what Save writes when this is live and the files hold the other version */
        char *groups, *namespaces;
        char *links[2][2];       /* namespace, its links */
        char *value_common, *value_own, *own;
} Version;

typedef struct Kills {
        FaultFixture f;
        char *ns_shared, *ns_a, *ns_b, *veth[4];
        Version v[2];
        gint64 apply_usec, save_usec;
        unsigned kills, restarts, stray;
} Kills;

static char *network_text(Kills *k, int which) {
        const char *own = which ? k->ns_b : k->ns_a;

        return g_strdup_printf("namespace %s {\n\tkinds = net;\n}\n\nnamespace %s {\n\tkinds = net;\n}\n\n"
                               "veth %s {\n\tnamespace = %s;\n\tpeer = %s;\n\tpeer-namespace = %s;\n"
                               "\taddress = 10.78.%d.1/24;\n\tpeer-address = 10.78.%d.2/24;\n}\n",
                               k->ns_shared, own, k->veth[2 * which], k->ns_shared, k->veth[2 * which + 1], own, which, which);
}

static char *groups_text(Kills *k, int which) {
        g_autofree char *common = fault_group_name(&k->f, "common"), *own = fault_group_name(&k->f, which ? "b" : "a");

        return g_strdup_printf("group %s {\n\tpids {\n\t\tpids.max = \"%d\";\n\t}\n}\n\n"
                               "group %s {\n\tpids {\n\t\tpids.max = \"%d\";\n\t}\n}\n",
                               common, which ? 200 : 100, own, which ? 20 : 10);
}

static void version_init(Kills *k, int which) {
        Version *v = &k->v[which];
        const char *own_ns = which ? k->ns_b : k->ns_a;
        g_autofree char *mine = NULL;
        g_autofree char *dirs = NULL;

        v->own = g_strdup(which ? "b" : "a");
        v->value_common = g_strdup(which ? "200" : "100");
        v->value_own = g_strdup(which ? "20" : "10");
        /* The groups use the pids controller only: the pids hierarchy on v1, the unified tree on v2. */
        mine = fault_v1_mount("pids");
        dirs = g_strdup_printf("%s:%s\n%s:common\n", mine ? "pids" : "cgroup", v->own, mine ? "pids" : "cgroup");
        v->groups = g_strdup(dirs);
        if (g_strcmp0(k->ns_shared, own_ns) < 0)
                v->namespaces = g_strdup_printf("file %s\nfile %s\nmount %s\nmount %s\n", k->ns_shared, own_ns, k->ns_shared, own_ns);
        else
                v->namespaces = g_strdup_printf("file %s\nfile %s\nmount %s\nmount %s\n", own_ns, k->ns_shared, own_ns, k->ns_shared);
        v->links[0][0] = g_strdup(k->ns_shared);
        v->links[0][1] = g_strdup_printf("%s\n", k->veth[2 * which]);
        v->links[1][0] = g_strdup(own_ns);
        v->links[1][1] = g_strdup_printf("%s\n", k->veth[2 * which + 1]);
}

static void version_done(Version *v) {
        g_free(v->cg), g_free(v->net), g_free(v->saved_cg), g_free(v->saved_net);
        g_free(v->groups), g_free(v->namespaces), g_free(v->value_common), g_free(v->value_own), g_free(v->own);
        for (int i = 0; i < 2; i++)
                g_free(v->links[i][0]), g_free(v->links[i][1]);
}

/* The kernel holds exactly the groups of version cg and the namespaces and links of version net: nothing
 * missing, nothing left over (a leak), and virtd lists each object once. */
static void assert_state(Kills *k, int cg, int net) {
        g_autofree char *groups = fault_groups(&k->f), *namespaces = fault_namespaces(&k->f);
        g_autofree char *common = fault_group_value(&k->f, "pids", "common", "pids.max");
        g_autofree char *own = fault_group_value(&k->f, "pids", k->v[cg].own, "pids.max");
        g_autofree char *listed = fault_list_names(&k->f, "ListNamespaces", "saso", 0, NULL);
        g_autofree char *want_listed = g_strdup(k->v[net].namespaces);
        g_autofree char *host = NULL;

        assert_text(groups, k->v[cg].groups);
        assert_text(common, k->v[cg].value_common);
        assert_text(own, k->v[cg].value_own);
        assert_text(namespaces, k->v[net].namespaces);
        for (int i = 0; i < 2; i++) {
                g_autofree char *links = fault_links(&k->f, k->v[net].links[i][0]);
                assert_text(links, k->v[net].links[i][1]);
        }
        g_assert_cmpint(test_sh(&host, "ip -o link show | grep -E '%s|%s|%s|%s'", k->veth[0], k->veth[1], k->veth[2],
                                k->veth[3]), !=, 0);
        /* ListNamespaces: "file X" lines of the expected text are the names, in the same order. */
        g_auto(GStrv) lines = g_strsplit(want_listed, "\n", -1);
        GString *names = g_string_new(NULL);
        for (char **l = lines; *l; l++)
                if (g_str_has_prefix(*l, "file "))
                        g_string_append_printf(names, "%s\n", *l + 5);
        assert_text(listed, names->str);
        g_string_free(names, TRUE);
        g_autofree char *listed_groups = fault_list_names(&k->f, "ListGroups", "saso", 0, NULL);
        g_auto(GStrv) g = g_strsplit(listed_groups, "\n", -1);
        for (guint i = 1; g[i]; i++)
                if (*g[i] && g_str_equal(g[i], g[i - 1]))
                        g_error("ListGroups lists %s twice:\n%s", g[i], listed_groups);
}

/* Which version a file holds: 0 or 1 (the version whose live state it describes), or -1 when torn. */
static int file_version(Kills *k, const char *name, const char *text, const char *old_text, int old) {
        bool cg = g_str_equal(name, "cgconfig.conf");

        if (!text)
                return -1;
        if (g_str_equal(text, old_text))
                return old;
        if (g_str_equal(text, cg ? k->v[!old].saved_cg : k->v[!old].saved_net))
                return !old;
        return -1;
}

static void save_ok(Kills *k) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        if (fault_call(&k->f, "Save", &error) < 0)
                g_error("Save: %s", error.message);
}

static gint64 apply_timed(Kills *k) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        gint64 start = g_get_monotonic_time();

        if (fault_call(&k->f, "Apply", &error) < 0)
                g_error("Apply: %s", error.message);
        return g_get_monotonic_time() - start;
}

static void write_version(Kills *k, int which) {
        fault_write_config(&k->f, "cgconfig.conf", k->v[which].cg);
        fault_write_config(&k->f, "network.conf", k->v[which].net);
}

/* Learns the canonical texts and what Save writes from either side, and how long an Apply and a Save take. */
static void kills_learn(Kills *k) {
        for (int which = 0; which < 2; which++) {
                g_autofree char *net = network_text(k, which), *cg = groups_text(k, which);
                fault_write_config(&k->f, "network.conf", net);
                fault_write_config(&k->f, "cgconfig.conf", cg);
                if (which == 0)
                        fault_start_virtd(&k->f);
                else
                        k->apply_usec = apply_timed(k);
                assert_state(k, which, which);
                save_ok(k);
                k->v[which].cg = fault_read_config(&k->f, "cgconfig.conf");
                k->v[which].net = fault_read_config(&k->f, "network.conf");
        }
        /* Version 1 is live: Save over version 0's files. */
        for (int which = 1; which >= 0; which--) {
                gint64 start;

                if (which == 0) {
                        write_version(k, 0);
                        (void) apply_timed(k);
                }
                write_version(k, !which);
                start = g_get_monotonic_time();
                save_ok(k);
                k->save_usec = MAX(k->save_usec, g_get_monotonic_time() - start);
                k->v[which].saved_cg = fault_read_config(&k->f, "cgconfig.conf");
                k->v[which].saved_net = fault_read_config(&k->f, "network.conf");
                assert_state(k, which, which);
        }
        g_test_message("Apply takes %" G_GINT64_FORMAT " µs, Save %" G_GINT64_FORMAT " µs", k->apply_usec, k->save_usec);
}

static void kill_at_random(Kills *k, const char *method, gint64 usec) {
        fault_call_async(&k->f, method);
        g_usleep(g_random_int_range(0, (gint32) usec + 1));
        fault_kill_virtd(&k->f);
        k->kills++;
}

/* Nothing but the two files and their backups is in the configuration directory, except, right after a kill,
 * a named temporary file of the atomic write (a kill between naming it and the rename leaves one): those are
 * counted before the restart, and the restarted virtd must have removed them. Anything else fails. */
static unsigned count_leftovers(Kills *k) {
        g_autofree char *out = NULL;
        unsigned n_temp = 0;

        if (test_sh(&out, "ls -A %s | grep -v -x -e cgconfig.conf -e network.conf -e 'cgconfig.conf~' -e 'network.conf~'",
                    k->f.e.config_dir) != 0)
                return 0;
        g_auto(GStrv) names = g_strsplit(g_strstrip(out), "\n", -1);
        for (char **n = names; *n; n++) {
                if (!g_str_has_prefix(*n, ".#"))
                        g_error("unexpected file %s in the configuration directory after kill %u", *n, k->kills);
                g_test_message("temporary file %s after kill %u", *n, k->kills);
                n_temp++;
        }
        return n_temp;
}

static void restart_after_kill(Kills *k) {
        k->stray += count_leftovers(k);
        fault_start_virtd(&k->f);
        k->restarts++;
        if (count_leftovers(k) > 0)
                g_error("the restarted virtd left a killed write's temporary file behind (kill %u)", k->kills);
}

/* Apply towards version target from the other, killed at a random point; the restarted daemon converges. */
static void kill_apply(Kills *k, int target) {
        g_autofree char *cg = NULL, *net = NULL;

        write_version(k, target);
        kill_at_random(k, "Apply", k->apply_usec);
        cg = fault_read_config(&k->f, "cgconfig.conf");
        net = fault_read_config(&k->f, "network.conf");
        assert_text(cg, k->v[target].cg);
        assert_text(net, k->v[target].net);
        restart_after_kill(k);
        assert_state(k, target, target);
}

/* Save of version live over the other version's files, killed at a random point: each file is whole, old or
 * new, and the restarted daemon converges to what the files say. */
static void kill_save(Kills *k, int live) {
        g_autofree char *cg = NULL, *net = NULL;
        int cg_version, net_version;

        write_version(k, !live);
        kill_at_random(k, "Save", k->save_usec);
        cg = fault_read_config(&k->f, "cgconfig.conf");
        net = fault_read_config(&k->f, "network.conf");
        cg_version = file_version(k, "cgconfig.conf", cg, k->v[!live].cg, !live);
        net_version = file_version(k, "network.conf", net, k->v[!live].net, !live);
        if (cg_version < 0)
                g_error("torn cgconfig.conf after kill %u:\n%s", k->kills, cg ? cg : "(missing)");
        if (net_version < 0)
                g_error("torn network.conf after kill %u:\n%s", k->kills, net ? net : "(missing)");
        restart_after_kill(k);
        assert_state(k, cg_version, net_version);
}

static unsigned kills_wanted(void) {
        const char *s = g_getenv("VIRTD_TEST_KILLS");

        return s && *s ? (unsigned) g_ascii_strtoull(s, NULL, 10) : 100;
}

static void test_kill_apply_save(void) {
        Kills k = {};
        unsigned wanted = kills_wanted();

        fault_fixture_start(&k.f);
        k.ns_shared = test_unique_name("fkn");
        k.ns_a = test_unique_name("fka");
        k.ns_b = test_unique_name("fkb");
        for (int i = 0; i < 4; i++)
                k.veth[i] = test_unique_name("fkv");
        version_init(&k, 0);
        version_init(&k, 1);
        kills_learn(&k);

        for (int target = 1; k.kills < wanted; target = !target) {
                kill_apply(&k, target);
                kill_save(&k, target);
        }
        g_test_message("FIGURE kill-points=%u", k.kills);
        g_test_message("FIGURE kill-restarts=%u", k.restarts);
        g_test_message("FIGURE kill-torn-files=0");
        g_test_message("FIGURE kill-leaked-objects=0");
        g_test_message("FIGURE kill-stray-temp-files=%u", k.stray);
        g_test_message("FIGURE kill-apply-usec=%" G_GINT64_FORMAT, k.apply_usec);
        g_test_message("FIGURE kill-save-usec=%" G_GINT64_FORMAT, k.save_usec);
        fault_fixture_stop(&k.f);
        for (int i = 0; i < 2; i++)
                version_done(&k.v[i]);
        g_free(k.ns_shared), g_free(k.ns_a), g_free(k.ns_b);
        for (int i = 0; i < 4; i++)
                g_free(k.veth[i]);
}

/* Fills the file system of dir until not one more page fits. */
static void fill_up(const char *dir) {
        g_autofree char *path = g_build_filename(dir, "filler", NULL);
        char block[1024];
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        ssize_t n;

        g_assert_cmpint(fd, >=, 0);
        memset(block, 'x', sizeof(block));
        do
                n = write(fd, block, sizeof(block));
        while (n > 0);
        g_assert_cmpint(errno, ==, ENOSPC);
        close(fd);
}

static char *dir_listing(const char *dir) {
        char *out = NULL;

        g_assert_cmpint(test_sh(&out, "ls -A %s", dir), ==, 0);
        return out;
}

static void umount_config(void *data) {
        umount2((const char *) data, MNT_DETACH);
}

/* Save into a full 64 KiB tmpfs: NoSpace naming the file and the reason; the old file byte for byte, no
 * temporary file; with room again the same Save goes through. */
static void test_full_disk(void) {
        FaultFixture f;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *group = NULL, *text = NULL, *before = NULL, *after = NULL, *list_before = NULL;
        g_autofree char *list_after = NULL, *pids = NULL, *file = NULL, *filler = NULL, *saved = NULL;

        fault_fixture_start(&f);
        /* A mount namespace of the test's own, so the tmpfs is never seen by the host; virtd inherits it. */
        g_assert_cmpint(unshare(CLONE_NEWNS), ==, 0);
        g_assert_cmpint(mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL), ==, 0);
        g_assert_cmpint(mount("tmpfs", f.e.config_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755"), ==, 0);
        test_defer(umount_config, f.e.config_dir);

        group = fault_group_name(&f, "full");
        text = g_strdup_printf("group %s {\n\tpids {\n\t\tpids.max = \"100\";\n\t}\n}\n", group);
        fault_write_config(&f, "cgconfig.conf", text);
        fault_start_virtd(&f);
        before = fault_read_config(&f, "cgconfig.conf");
        fill_up(f.e.config_dir);
        list_before = dir_listing(f.e.config_dir);
        /* The live value differs from the file, so Save has something new to write. */
        pids = fault_v1_mount("pids");
        file = g_strdup_printf("%s%s/full/pids.max", pids ? pids : "/sys/fs/cgroup", f.base);
        g_assert_cmpint(test_sh(NULL, "echo 200 > %s", file), ==, 0);

        g_assert_cmpint(fault_call(&f, "Save", &error), <, 0);
        g_assert_cmpstr(error.name, ==, VIRTD_ERROR_NO_SPACE);
        g_test_message("Save on a full disk: %s: %s", error.name, error.message);
        g_assert_nonnull(strstr(error.message, "No space left on device"));
        g_assert_nonnull(strstr(error.message, "cgconfig.conf"));
        g_test_message("FIGURE full-disk-error=%s: %s", error.name, error.message);
        sd_bus_error_free(&error);
        after = fault_read_config(&f, "cgconfig.conf");
        g_assert_cmpstr(after, ==, before);
        list_after = dir_listing(f.e.config_dir);
        g_assert_cmpstr(list_after, ==, list_before);

        filler = g_build_filename(f.e.config_dir, "filler", NULL);
        g_assert_cmpint(unlink(filler), ==, 0);
        if (fault_call(&f, "Save", &error) < 0)
                g_error("Save with room: %s", error.message);
        saved = fault_read_config(&f, "cgconfig.conf");
        g_assert_nonnull(strstr(saved, "pids.max = \"200\""));
        test_env_stop_virtd(&f.e);
        g_assert_cmpint(umount2(f.e.config_dir, 0), ==, 0);
        fault_fixture_stop(&f);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/faults/kill-apply-save", test_kill_apply_save);
        g_test_add_func("/faults/full-disk", test_full_disk);
        return g_test_run();
}
