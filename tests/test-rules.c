/* test-rules.c: the cgrules engine with real processes: users, groups, names, paths, templates, sticky pids.
 *
 * Safety: every rule matches only what the test itself starts: a copy of sleep under a name unique to the
 * run, or processes of the existing accounts irc and list, which nothing else on a test host runs (no
 * account is created). Destinations are relative to a cgroup base unique to the run, which is removed at
 * the end, also when an assertion fails; the test kills only the processes it started, by pid. */
#include <errno.h>
#include <glib.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "rules-fixture.h"
#include "virtd-bus.h"

/* Every rule form of libcgroup's grammar, each with a real process, in one rules file as an administrator
 * would write it for cgrulesengd. */
static void test_rule_forms(void) {
        Fixture f;
        g_autofree char *np = NULL, *nf = NULL, *ns = NULL, *ni = NULL, *nstar = NULL, *nw = NULL, *nid = NULL;
        g_autofree char *rules = NULL, *conf = NULL, *want = NULL, *dest = NULL, *prefix = NULL;
        uid_t luid;
        gid_t lgid;
        GPid p;

        fixture_start(&f);
        fixture_user(&f);
        ids_of(GROUP_USER, &luid, &lgid);
        np = unique_program(&f, "vrn");
        nf = unique_program(&f, "vrf");
        ns = unique_program(&f, "vrs");
        ni = unique_program(&f, "vri");
        nstar = unique_program(&f, "vra");
        nw = unique_program(&f, "vrw");
        nid = unique_program(&f, "vrd");
        prefix = g_strndup(nw, strlen(nw) - 1);
        rules = g_strdup_printf("# as cgrulesengd reads it\n"
                                "%s:%s\tmemory\t/byname\n"
                                "%%\tpids\t/byname-pids\n"
                                "*:%s\tmemory\t/bypath\n"
                                "*:%s\tmemory\t/anyname\n"
                                "*:%s\tmemory\t/keep\tignore\n"
                                "*:%s\tmemory\t/moved\n"
                                "*:%s\t*\t/star/%%p\n"
                                "*:%s*\tmemory\t/prefix\n"
                                "*:%s\tmemory\t/ids/%%U-%%g-%%G-%%P\n"
                                "%s\tmemory,pids\tusers/%%u\n"
                                "@%s\tmemory\t/bygroup\n",
                                f.user, base_of(np), nf, base_of(ns), base_of(ni), base_of(ni), base_of(nstar), prefix,
                                base_of(nid), f.user, GROUP_USER);
        write_config(&f, "cgrules.conf", rules);
        conf = g_strdup_printf("template users/%%u {\n\tmemory {\n\t\t%s = \"67108864\";\n\t}\n\tpids {\n\t}\n}\n", layout.limit);
        write_config(&f, "cgconfig.conf", conf);
        fixture_virtd(&f);
        create_group(&f, "memory:/byname");
        create_group(&f, "memory:/bypath");
        create_group(&f, "memory:/anyname");
        create_group(&f, "memory:/moved");
        create_group(&f, "memory:/keep");
        create_group(&f, "memory:/prefix");
        create_group(&f, "memory:/bygroup");
        create_group(&f, "pids:/byname-pids");

        /* user:process, and its "%" line for a second controller. */
        p = spawn_as(f.uid, f.gid, np);
        assert_lands(&f, p, "memory", layout.v2 ? "/byname-pids" : "/byname");
        assert_lands(&f, p, "pids", "/byname-pids");
        /* The same name started by root matches no rule: the user part counts. */
        p = spawn(np, "600", NULL);
        assert_stays(&f, p, np, "memory", "");
        /* "*" with a full path; "*" with a name; a path prefix ("/path/name*"). */
        p = spawn(nf, "600", NULL);
        assert_lands(&f, p, "memory", "/bypath");
        p = spawn(ns, "600", NULL);
        assert_lands(&f, p, "memory", "/anyname");
        p = spawn(nw, "600", NULL);
        assert_lands(&f, p, "memory", "/prefix");
        /* "ignore": a process already in the destination stays there; any other goes on to the next rule. */
        p = spawn(TEST_BUILD_PATH("client/virtctl"), "group", "exec", "/keep", "--", ni, "600", NULL);
        assert_stays(&f, p, ni, "memory", "/keep");
        p = spawn(ni, "600", NULL);
        assert_lands(&f, p, "memory", "/moved");
        /* Controllers "*": every controller of this host's layout; the %p group is made in each. */
        p = spawn(nstar, "600", NULL);
        dest = g_strdup_printf("/star/%s", base_of(nstar));
        assert_lands(&f, p, "memory", dest);
        assert_lands(&f, p, "pids", dest);
        assert_lands(&f, p, "cpu", dest);
        /* %U %g %G %P: made on demand without a template. */
        p = spawn_as(luid, lgid, nid);
        g_free(dest);
        dest = g_strdup_printf("/ids/%u-%s-%u-%d", luid, GROUP_USER, lgid, p);
        assert_lands(&f, p, "memory", dest);
        /* @group: uid 65534 with the group as its group. */
        p = spawn_as(65534, lgid, "/bin/sleep");
        assert_lands(&f, p, "memory", "/bygroup");
        /* A plain user rule with a %u destination: the group is created on demand from the template. */
        p = spawn_as(f.uid, f.gid, "/bin/sleep");
        g_free(dest);
        dest = g_strdup_printf("/users/%s", f.user);
        assert_lands(&f, p, "memory", dest);
        assert_lands(&f, p, "pids", dest);
        {
                g_autofree char *mount = test_cgroup_mount_of("memory"), *limit = NULL;
                g_autofree char *lfile = g_strdup_printf("%s%s%s/%s", mount, f.base, dest, layout.limit);
                g_assert_true(g_file_get_contents(lfile, &limit, NULL, NULL));
                g_assert_cmpstr(g_strstrip(limit), ==, "67108864");
        }

        /* The counters: each line counts the processes it moved, once each, however many events (gid
         * change, uid change, exec) a process gives. "ignore" counts the times it left a process alone.
         * A setpriv may be moved by a user or group rule before its exec, so those counts are at least 1;
         * on the unified hierarchy a rule and its "%" line into another group move the process back and
         * forth at every event, as in libcgroup. */
        want = g_strdup_printf("%s|%s|memory|/byname||%s\n"
                               "%%||pids|/byname-pids||%s\n"
                               "*|%s|memory|/bypath||1\n"
                               "*|%s|memory|/anyname||1\n"
                               "*|%s|memory|/keep|ignore|N\n"
                               "*|%s|memory|/moved||1\n"
                               "*|%s|*|/star/%%p||1\n"
                               "*|%s*|memory|/prefix||1\n"
                               "*|%s|memory|/ids/%%U-%%g-%%G-%%P||1\n"
                               "%s||memory,pids|users/%%u||N\n"
                               "@%s||memory|/bygroup||N\n",
                               f.user, base_of(np), layout.v2 ? "N" : "1", layout.v2 ? "N" : "1", nf, base_of(ns), base_of(ni), base_of(ni), base_of(nstar), prefix,
                               base_of(nid), f.user, GROUP_USER);
        assert_rules(&f, want);
        fixture_stop(&f);
}

/* A destination made from a template{}: its perm{} and its parameters, level by level as libcgroup does. */
static void test_template_perm(void) {
        Fixture f;
        g_autofree char *np = NULL, *rules = NULL, *conf = NULL, *mount = NULL, *dir = NULL, *parent = NULL;
        g_autofree char *procs = NULL, *limit_file = NULL, *pids_file = NULL, *value = NULL;
        struct stat st;
        GPid p;

        fixture_start(&f);
        np = unique_program(&f, "vrt");
        rules = g_strdup_printf("nobody:%s\tmemory,pids\tpeople/%%u\n", base_of(np));
        write_config(&f, "cgrules.conf", rules);
        conf = g_strdup_printf("template people/%%u {\n"
                               "\tperm {\n"
                               "\t\ttask {\n\t\t\tuid = nobody;\n\t\t\tgid = nogroup;\n\t\t\tfperm = 660;\n\t\t}\n"
                               "\t\tadmin {\n\t\t\tuid = nobody;\n\t\t\tgid = nogroup;\n\t\t\tdperm = 750;\n\t\t\tfperm = 640;\n\t\t}\n"
                               "\t}\n"
                               "\tmemory {\n\t\t%s = \"33554432\";\n\t}\n"
                               "\tpids {\n\t\tpids.max = \"77\";\n\t}\n"
                               "}\n",
                               layout.limit);
        write_config(&f, "cgconfig.conf", conf);
        fixture_virtd(&f);

        p = spawn_as(65534, 65534, np);
        assert_lands(&f, p, "memory", "/people/nobody");
        assert_lands(&f, p, "pids", "/people/nobody");
        mount = test_cgroup_mount_of("memory");
        dir = g_strdup_printf("%s%s/people/nobody", mount, f.base);
        /* The directory: the admin owner and dperm. */
        g_assert_cmpint(stat(dir, &st), ==, 0);
        g_assert_cmpuint(st.st_uid, ==, 65534);
        g_assert_cmpuint(st.st_gid, ==, 65534);
        g_assert_cmpuint(st.st_mode & 07777, ==, 0750);
        /* The task file: the task owner and fperm. */
        procs = g_strdup_printf("%s/%s", dir, layout.v2 ? "cgroup.procs" : "tasks");
        g_assert_cmpint(stat(procs, &st), ==, 0);
        g_assert_cmpuint(st.st_uid, ==, 65534);
        g_assert_cmpuint(st.st_gid, ==, 65534);
        g_assert_cmpuint(st.st_mode & 07777, ==, 0660);
        /* Another control file: the admin owner and fperm. */
        limit_file = g_strdup_printf("%s/%s", dir, layout.limit);
        g_assert_cmpint(stat(limit_file, &st), ==, 0);
        g_assert_cmpuint(st.st_uid, ==, 65534);
        g_assert_cmpuint(st.st_mode & 07777, ==, 0640);
        /* The parameters, as the kernel reports them. */
        g_assert_true(g_file_get_contents(limit_file, &value, NULL, NULL));
        g_assert_cmpstr(g_strstrip(value), ==, "33554432");
        g_clear_pointer(&value, g_free);
        g_free(mount);
        mount = test_cgroup_mount_of("pids");
        pids_file = g_strdup_printf("%s%s/people/nobody/pids.max", mount, f.base);
        g_assert_true(g_file_get_contents(pids_file, &value, NULL, NULL));
        g_assert_cmpstr(g_strstrip(value), ==, "77");
        /* The level above has no specifier: made plain, as libcgroup makes it (root's, default modes). */
        parent = g_strdup_printf("%s%s/people", mount, f.base);
        g_assert_cmpint(stat(parent, &st), ==, 0);
        g_assert_cmpuint(st.st_uid, ==, 0);
        g_assert_cmpuint(st.st_mode & 07777, ==, 0755);
        fixture_stop(&f);
}

/* The helper mode of this binary (see main()): renames itself, then changes its gid, so that the engine
 * sees a process whose name holds a '/'. */
static int run_as_renamed(const char *name) {
        prctl(PR_SET_NAME, name, 0, 0, 0);
        if (setresgid(65534, 65534, 65534) < 0)
                return 1;
        pause();
        return 0;
}

/* Destinations that would escape the hierarchy or loop through a template are refused with file and line,
 * and nothing is made for them. */
static void test_escape_and_loop(void) {
        Fixture f;
        g_autofree char *nl = NULL, *loop_path = NULL, *rules = NULL, *err = NULL, *msg = NULL, *path = NULL;
        g_autofree char *esc = NULL, *comm = NULL, *mount = NULL, *escaped = NULL, *loopdir = NULL, *listed = NULL;
        GPid p;

        fixture_start(&f);
        /* A program whose name holds a '%': as %p it would make the destination a template again. */
        nl = test_unique_name("vrl");
        loop_path = g_strdup_printf("%s/%%%s", f.bindir, nl);
        g_assert_cmpint(test_sh(NULL, "cp /bin/sleep '%s'", loop_path), ==, 0);
        rules = g_strdup_printf("# escapes\n"
                                "*:..\tmemory\tesc/%%p\n"
                                "*:%%%s\tmemory\tloop/%%p\n",
                                nl);
        write_config(&f, "cgrules.conf", rules);
        fixture_virtd(&f);
        path = g_build_filename(f.e.config_dir, "cgrules.conf", NULL);
        /* This test binary by its path, added after the start so that the test itself is not classified. */
        g_free(rules);
        rules = g_strdup_printf("*:%s memory slash/%%p", TEST_BUILD_PATH("tests/test-rules"));
        call_ok(&f, "AddRule", "ust", 2, rules, (uint64_t) VIRTD_FLAG_RUNTIME);

        /* TestRule names file and line. */
        err = call(&f, &msg, "TestRule", "ss", "root", "..");
        g_assert_cmpstr(err, ==, VIRTD_ERROR_INVALID_ARGUMENT);
        esc = g_strdup_printf("%s:2: destination 'esc/%%p': %%p would be '..', which would leave the hierarchy.", path);
        g_assert_cmpstr(msg, ==, esc);
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&msg, g_free);
        g_free(esc);
        err = call(&f, &msg, "TestRule", "ss", "root", loop_path);
        g_assert_cmpstr(err, ==, VIRTD_ERROR_INVALID_ARGUMENT);
        esc = g_strdup_printf("%s:3: destination 'loop/%%p': %%p would be '%%%s', which refers back to a template (a loop).",
                              path, nl);
        g_assert_cmpstr(msg, ==, esc);

        /* Real processes: the loop, and a process that renamed itself "../../NAME" (with prctl) before
         * changing its gid. Neither is moved and nothing is made for them. */
        p = spawn(loop_path, "600", NULL);
        assert_stays(&f, p, loop_path, "memory", "");
        g_free(comm);
        comm = g_strdup_printf("../../vre%d", (int) getpid() % 100000);
        p = spawn(TEST_BUILD_PATH("tests/test-rules"), "--renamed", comm, NULL);
        for (int i = 0; i < 500; i++) {
                g_autofree char *status = NULL, *file = g_strdup_printf("/proc/%d/status", p);
                if (g_file_get_contents(file, &status, NULL, NULL) && strstr(status, "\nGid:\t65534"))
                        break;
                g_usleep(10000);
        }
        g_usleep(300 * 1000);
        g_autofree char *where = group_of(&f, p, "memory");
        g_assert_false(strstr(where, ".."));
        mount = test_cgroup_mount_of("memory");
        escaped = g_strdup_printf("%s/%s", mount, comm + 6);
        g_assert_false(g_file_test(escaped, G_FILE_TEST_EXISTS));
        loopdir = g_strdup_printf("%s%s/loop", mount, f.base);
        g_assert_false(g_file_test(loopdir, G_FILE_TEST_EXISTS));
        /* The refused rules moved nothing. */
        listed = list_rules(&f);
        g_assert_true(g_str_has_prefix(listed, "*|..|memory|esc/%p||0\n*|"));
        g_assert_nonnull(strstr(listed, "|memory|loop/%p||0\n"));
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
        test_defer(kill_child, GINT_TO_POINTER(child));
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
        g_clear_pointer(&err, g_free);

        /* The MATCHES column counts the processes a rule moved. */
        create_group(&f, "memory:/a");
        GPid p = spawn(ns, "600", NULL);
        assert_lands(&f, p, "memory", "/a");
        g_assert_cmpint(test_virtctl(&f.e, &out, &err, "rules", "list", NULL), ==, 0);
        g_free(want);
        want = g_strdup_printf("%-4s %-20s %-24s %-16s %-24s %-8s %s\n%-4s %-20s %-24s %-16s %-24s %-8s %s\n", "#", "USER",
                               "PROCESS", "CONTROLLERS", "DESTINATION", "OPTIONS", "MATCHES", "0", "*", base_of(ns), "memory",
                               "/a", "-", "1");
        g_assert_cmpstr(out, ==, want);
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

/* Persistent AddRule, RemoveRule and MoveRule edit cgrules.conf line by line: the administrator's
 * comments, blank lines and alignment stay byte for byte. */
static void test_persistent_edits(void) {
        static const char original[] = "# Rules of this host.\n"
                                       "\n"
                                       "# web servers\n"
                                       "*:vrpe-web    memory     /web     # the front end\n"
                                       "%             pids       /web\n"
                                       "\n"
                                       "# batch jobs\n"
                                       "*:vrpe-batch  memory     /batch\n"
                                       "# end";
        Fixture f;
        g_autofree char *text = NULL, *err = NULL, *msg = NULL, *listed = NULL;

        fixture_start(&f);
        write_config(&f, "cgrules.conf", original);
        fixture_virtd(&f);

        /* Add before rule 2 (the batch rule): the new line goes right above it. */
        call_ok(&f, "AddRule", "ust", 2, "*:vrpe-new memory /new", UINT64_C(0));
        text = read_config(&f, "cgrules.conf");
        g_assert_cmpstr(text, ==,
                        "# Rules of this host.\n"
                        "\n"
                        "# web servers\n"
                        "*:vrpe-web    memory     /web     # the front end\n"
                        "%             pids       /web\n"
                        "\n"
                        "# batch jobs\n"
                        "*:vrpe-new memory /new\n"
                        "*:vrpe-batch  memory     /batch\n"
                        "# end");
        g_clear_pointer(&text, g_free);
        /* Append: at the end, after the last line (which had no newline). */
        call_ok(&f, "AddRule", "ust", 4, "*:vrpe-last\tmemory\t/last\n", UINT64_C(0));
        text = read_config(&f, "cgrules.conf");
        g_assert_true(g_str_has_suffix(text, "/batch\n# end\n*:vrpe-last\tmemory\t/last\n"));
        g_clear_pointer(&text, g_free);
        /* Move the web rule and its "%" line to the end of the list: its two lines move, unchanged. */
        call_ok(&f, "MoveRule", "uut", 0, 3, UINT64_C(0));
        text = read_config(&f, "cgrules.conf");
        g_assert_cmpstr(text, ==,
                        "# Rules of this host.\n"
                        "\n"
                        "# web servers\n"
                        "\n"
                        "# batch jobs\n"
                        "*:vrpe-new memory /new\n"
                        "*:vrpe-batch  memory     /batch\n"
                        "# end\n"
                        "*:vrpe-last\tmemory\t/last\n"
                        "*:vrpe-web    memory     /web     # the front end\n"
                        "%             pids       /web\n");
        g_clear_pointer(&text, g_free);
        /* Remove the batch rule: its line goes, its comment stays. */
        call_ok(&f, "RemoveRule", "ut", 1, UINT64_C(0));
        text = read_config(&f, "cgrules.conf");
        g_assert_cmpstr(text, ==,
                        "# Rules of this host.\n"
                        "\n"
                        "# web servers\n"
                        "\n"
                        "# batch jobs\n"
                        "*:vrpe-new memory /new\n"
                        "# end\n"
                        "*:vrpe-last\tmemory\t/last\n"
                        "*:vrpe-web    memory     /web     # the front end\n"
                        "%             pids       /web\n");
        /* The rules in use know their new lines: a reload changes nothing. */
        listed = list_rules(&f);
        call_ok(&f, "ReloadRules", "t", UINT64_C(0));
        g_autofree char *again = list_rules(&f);
        g_assert_cmpstr(again, ==, listed);
        g_assert_cmpstr(again, ==, "*|vrpe-new|memory|/new||0\n*|vrpe-last|memory|/last||0\n*|vrpe-web|memory|/web||0\n%||pids|/web||0\n");

        /* A file changed behind virtd's back is not edited on stale line numbers. */
        write_config(&f, "cgrules.conf", "# rewritten\n*:vrpe-other memory /other\n");
        err = call(&f, &msg, "RemoveRule", "ut", 0, UINT64_C(0));
        g_assert_cmpstr(err, ==, VIRTD_ERROR_BUSY);
        g_assert_nonnull(strstr(msg, "was changed since the rules were loaded"));
        g_clear_pointer(&text, g_free);
        text = read_config(&f, "cgrules.conf");
        g_assert_cmpstr(text, ==, "# rewritten\n*:vrpe-other memory /other\n");
        fixture_stop(&f);
}

/* Runs libcgroup's classification (tests/cgrules-interop) on pids, with rules as /etc/cgrules.conf in a
 * private mount namespace: an overlay on /etc that only that namespace sees or, where the kernel has no
 * overlayfs, a tmpfs on /etc with links to the real entries. The host's /etc is never written. Returns
 * false when the kernel cannot give such a namespace. */
static bool libcgroup_classify(Fixture *f, const char *rules_file, const char *cgconfig_file, const char *pids) {
        g_autofree char *dir = g_build_filename(f->e.dir, "overlay", NULL), *out = NULL;
        int r;

        r = test_sh(&out,
                    "mkdir -p %s/up %s/work %s/etc && unshare -m --propagation private sh -ec '"
                    "if ! mount -t overlay overlay -o lowerdir=/etc,upperdir=%s/up,workdir=%s/work /etc 2>/dev/null; then "
                    "  mount --bind /etc %s/etc && mount -t tmpfs tmpfs /etc || exit 77; "
                    "  for e in %s/etc/* %s/etc/.[!.]*; do [ -e \"$e\" ] && ln -s \"$e\" /etc/; done; "
                    "fi; "
                    "rm -rf /etc/cgrules.conf /etc/cgrules.d; cp %s /etc/cgrules.conf; %s %s %s'",
                    dir, dir, dir, dir, dir, dir, dir, dir, rules_file, TEST_BUILD_PATH("tests/cgrules-interop"),
                    cgconfig_file, pids);
        if (r == 77)
                return false;
        g_assert_cmpint(r, ==, 0);
        g_test_message("libcgroup: %s", out);
        return true;
}

static char *test_rule(Fixture *f, const char *user, const char *process) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *dest;
        char *normalized;
        int32_t index;

        if (sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "TestRule", &error, &reply,
                               "ss", user, process) < 0)
                g_error("TestRule %s %s: %s", user, process, error.message);
        g_assert_cmpint(sd_bus_message_read(reply, "is", &index, &dest), >, 0);
        normalized = g_strdup_printf("/%s", dest + (dest[0] == '/'));
        if (g_str_has_suffix(normalized, "/") && strlen(normalized) > 1)
                normalized[strlen(normalized) - 1] = 0;
        sd_bus_message_unref(reply);
        return normalized;
}

/* The group of pid in controller's hierarchy from the hierarchy's root (not relative to the base). */
static char *absolute_group_of(GPid pid, const char *controller) {
        g_autofree char *out = NULL;

        if (layout.v2)
                test_sh(&out, "sed -n 's/^0:://p' /proc/%d/cgroup", pid);
        else
                test_sh(&out, "awk -F: '$2 ~ /(^|,)%s(,|$)/ { print $3 }' /proc/%d/cgroup", controller, pid);
        return g_strdup(g_strstrip(out));
}

/* A rules file written for cgrulesengd gives the same destinations in virtd: libcgroup's own matcher
 * (cgroup_init_rules_cache() and cgroup_change_cgroup_flags(), as cgrulesengd calls them) moves real
 * processes, and virtd's TestRule names the same group for each, from the same file, unchanged.
 * %p is left out: libcgroup 2.0 puts in the full path it was handed (and then finds no template for
 * the nested result); virtd puts in the process name, as cgrules.conf(5) says. */
static void test_interop_libcgroup(void) {
        Fixture f;
        g_autofree char *lc = NULL, *lcbase = NULL, *np = NULL, *nf = NULL, *nw = NULL, *nid = NULL, *ng = NULL, *nu = NULL;
        g_autofree char *prefix = NULL, *rules = NULL, *conf = NULL, *rules_file = NULL, *conf_file = NULL, *pids = NULL;
        uid_t luid, iuid;
        gid_t lgid, igid;
        struct {
                GPid pid;
                const char *user, *process;
        } probes[6];

        fixture_start(&f);
        ids_of(RUN_USER, &iuid, &igid);
        ids_of(GROUP_USER, &luid, &lgid);
        /* libcgroup's destinations are from the hierarchy's root: a second base unique to the run. */
        lc = test_unique_name("vrlc");
        lcbase = g_strdup_printf("/%s", lc);
        test_defer_remove_cgroup_subtree(lcbase);
        np = unique_program(&f, "vrn");
        nf = unique_program(&f, "vrf");
        nw = unique_program(&f, "vrw");
        nid = unique_program(&f, "vrd");
        ng = unique_program(&f, "vrg");
        nu = unique_program(&f, "vru");
        prefix = g_strndup(nw, strlen(nw) - 1);
        rules = g_strdup_printf("# the same file for cgrulesengd and virtd\n"
                                "%s:%s\tmemory\t%s/byname\n"
                                "%%\tpids\t%s/byname\n"
                                "*:%s\tmemory\t%s/bypath\n"
                                "*:%s*\tmemory\t%s/prefix\n"
                                "%s:%s\tmemory\t%s/ids/%%U-%%g-%%G\n"
                                "@%s\tmemory\t%s/bygroup/%%u\n"
                                "%s\tmemory\t%s/users/%%u\n",
                                RUN_USER, base_of(np), lc, lc, nf, lc, prefix, lc, GROUP_USER, base_of(nid), lc, GROUP_USER, lc,
                                RUN_USER, lc);
        write_config(&f, "cgrules.conf", rules);
        /* libcgroup 2.0 makes a destination with specifiers only from a template of that name. */
        conf = g_strdup_printf("template %s/users/%%u {\n\tmemory {\n\t}\n}\n"
                               "template %s/ids/%%U-%%g-%%G {\n\tmemory {\n\t}\n}\n"
                               "template %s/bygroup/%%u {\n\tmemory {\n\t}\n}\n",
                               lc, lc, lc);
        write_config(&f, "cgconfig.conf", conf);
        rules_file = g_build_filename(f.e.config_dir, "cgrules.conf", NULL);
        conf_file = g_build_filename(f.e.config_dir, "cgconfig.conf", NULL);
        fixture_virtd(&f);
        /* Both move only into groups that exist, except templated ones. */
        {
                g_autofree char *a = g_strdup_printf("memory,pids:/%s/byname", lc), *b = g_strdup_printf("memory:/%s/bypath", lc),
                                *c = g_strdup_printf("memory:/%s/prefix", lc);
                create_group(&f, a);
                create_group(&f, b);
                create_group(&f, c);
        }
        g_assert_cmpint(test_sh(NULL, "for c in memory pids; do m=$(awk '$0 ~ / - cgroup2? / && ($NF ~ /(^|,)'$c'(,|$)/ || $9 == \"cgroup2\") { print $5; exit }' /proc/self/mountinfo); "
                                      "mkdir -p $m%s/byname $m%s/bypath $m%s/prefix; done", lcbase, lcbase, lcbase), ==, 0);
        /* On the unified hierarchy the controllers must be enabled for the children of libcgroup's base. */
        if (layout.v2)
                g_assert_cmpint(test_sh(NULL, "echo '+memory +pids' > /sys/fs/cgroup%s/cgroup.subtree_control", lcbase), ==, 0);

        probes[0].pid = spawn_as(iuid, igid, np), probes[0].user = RUN_USER, probes[0].process = base_of(np);
        probes[1].pid = spawn(nf, "600", NULL), probes[1].user = "root", probes[1].process = nf;
        probes[2].pid = spawn(nw, "600", NULL), probes[2].user = "root", probes[2].process = nw;
        probes[3].pid = spawn_as(luid, lgid, nid), probes[3].user = GROUP_USER, probes[3].process = base_of(nid);
        probes[4].pid = spawn_as(luid, lgid, ng), probes[4].user = GROUP_USER, probes[4].process = base_of(ng);
        probes[5].pid = spawn_as(iuid, igid, nu), probes[5].user = RUN_USER, probes[5].process = base_of(nu);
        /* virtd classifies them as they start; libcgroup is run on each afterwards, and moves them out
         * of virtd's base into its own, where the test reads where each went. */
        for (size_t i = 0; i < G_N_ELEMENTS(probes); i++) {
                g_autofree char *d = test_rule(&f, probes[i].user, probes[i].process);
                g_autofree char *want = g_strdup_printf("/%s", d + 1);
                assert_lands(&f, probes[i].pid, "memory", want);
        }
        pids = g_strdup_printf("%d %d %d %d %d %d", probes[0].pid, probes[1].pid, probes[2].pid, probes[3].pid, probes[4].pid,
                               probes[5].pid);
        if (!libcgroup_classify(&f, rules_file, conf_file, pids)) {
                fixture_stop(&f);
                g_test_skip("no overlay file system for a private /etc");
                return;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(probes); i++) {
                g_autofree char *virtd_says = test_rule(&f, probes[i].user, probes[i].process);
                g_autofree char *libcgroup_did = absolute_group_of(probes[i].pid, "memory");
                g_test_message("%s %s: virtd %s, libcgroup %s", probes[i].user, probes[i].process, virtd_says, libcgroup_did);
                g_assert_cmpstr(virtd_says, ==, libcgroup_did);
                g_assert_true(g_str_has_prefix(libcgroup_did, lcbase));
        }
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
        if (argc == 3 && strcmp(argv[1], "--renamed") == 0)
                return run_as_renamed(argv[2]);
        g_test_init(&argc, &argv, NULL);
        detect_layout();
        g_test_add_func("/rules/rule-forms", test_rule_forms);
        g_test_add_func("/rules/template-perm", test_template_perm);
        g_test_add_func("/rules/escape-and-loop", test_escape_and_loop);
        g_test_add_func("/rules/classify-at-start", test_classify_at_start);
        g_test_add_func("/rules/sticky", test_sticky);
        g_test_add_func("/rules/edit-and-errors", test_edit_and_errors);
        g_test_add_func("/rules/persistent-edits", test_persistent_edits);
        g_test_add_func("/rules/virtctl", test_virtctl_verbs);
        g_test_add_func("/rules/interop-libcgroup", test_interop_libcgroup);
        g_test_add_func("/rules/authorization", test_authorization);
        g_test_add_func("/rules/latency", test_latency);
        return g_test_run();
}
