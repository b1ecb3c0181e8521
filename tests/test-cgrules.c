/* test-cgrules.c: cgrules.conf grammar, every rule form, destination templates and first-match matching. */
#include <glib.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "cgrules.h"

static CgRules *parse_ok(const char *text) {
        CgRules *r = NULL;
        ConfError err = {};

        if (cgrules_parse(text, strlen(text), "cgrules.conf", &r, &err) < 0)
                g_error("parse failed: %s:%u:%u: %s", err.file, err.line, err.column, err.message);
        return r;
}

/* A process of uid 65534 (nobody) in group 65534 with supplementary group root (0). */
static CgRuleProcess nobody_proc(const char *name, const char *path) {
        static const gid_t extra[] = { 0 };
        return (CgRuleProcess) { .uid = 65534, .user = "nobody", .gid = 65534, .group = "nogroup", .groups = extra,
                                 .n_groups = 1, .pid = 4242, .name = name, .path = path };
}

static const char rules_text[] =
        "# a comment line\n"
        "root:/usr/bin/cp   devices        /usergroup/cp\n"
        "nobody:sleep       cpu,cpuacct    sleepers/%u   # trailing comment\n"
        "%                  memory         sleepmem/%U\n"
        "%                  pids           sleeppids/%g/%G\n"
        "\n"
        "@root              *              admins/\n"
        "nobody:/opt/app/*  cpu            apps/%p-%P\n"
        "nobody:lo*         cpu            lo/\n"
        "*                  freezer        ignored/      ignore\n"
        "*                  *              default/\\%literal\n";

static void test_parse_every_form(void) {
        CgRules *r = parse_ok(rules_text);
        g_autofree char *s = NULL, *s2 = NULL;

        g_assert_cmpuint(r->n_rules, ==, 9);
        g_assert_cmpint(r->rules[0].subject, ==, CGRULE_SUBJECT_USER);
        g_assert_cmpuint(r->rules[0].uid, ==, 0);
        g_assert_cmpstr(r->rules[0].process, ==, "/usr/bin/cp");
        g_assert_cmpuint(r->rules[0].line, ==, 2);
        g_assert_cmpstr(r->rules[1].controllers[1], ==, "cpuacct");
        g_assert_true(r->rules[2].continuation);
        g_assert_cmpstr(r->rules[2].process, ==, "sleep");
        g_assert_cmpuint(r->rules[2].uid, ==, 65534);
        g_assert_cmpuint(r->rules[3].line, ==, 5);
        g_assert_cmpint(r->rules[4].subject, ==, CGRULE_SUBJECT_GROUP);
        g_assert_null(r->rules[4].controllers);
        g_assert_true(r->rules[7].ignore);
        g_assert_cmpint(r->rules[8].subject, ==, CGRULE_SUBJECT_ANY);

        g_assert_cmpint(cgrules_serialize(r, &s), ==, 0);
        g_assert_cmpstr(s, ==,
                        "root:/usr/bin/cp\tdevices\t/usergroup/cp\n"
                        "nobody:sleep\tcpu,cpuacct\tsleepers/%u\n"
                        "%\tmemory\tsleepmem/%U\n"
                        "%\tpids\tsleeppids/%g/%G\n"
                        "@root\t*\tadmins/\n"
                        "nobody:/opt/app/*\tcpu\tapps/%p-%P\n"
                        "nobody:lo*\tcpu\tlo/\n"
                        "*\tfreezer\tignored/\tignore\n"
                        "*\t*\tdefault/\\%literal\n");
        CgRules *r2 = parse_ok(s);
        g_assert_cmpint(cgrules_serialize(r2, &s2), ==, 0);
        g_assert_cmpstr(s, ==, s2);
        cgrules_free(r2);
        cgrules_free(r);
}

static void test_match(void) {
        CgRules *r = parse_ok(rules_text);
        size_t i = 99;
        CgRuleProcess p;

        /* user:name by comm */
        p = nobody_proc("sleep", "/usr/bin/sleep");
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 1);
        /* name from the executable when comm differs (e.g. after prctl(PR_SET_NAME)) */
        p = nobody_proc("renamed", "/usr/bin/sleep");
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 1);
        /* @group through a supplementary group: nobody is also in root's group here */
        p = nobody_proc("cat", "/usr/bin/cat");
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 4);
        /* full path with wildcard, for someone not in group root */
        p = nobody_proc("app", "/opt/app/bin/app");
        p.n_groups = 0;
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 5);
        /* A name prefix compares with the full path, as libcgroup 2.0 does: "lo*" matches no process. */
        p = nobody_proc("logger", "/usr/bin/logger");
        p.n_groups = 0;
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 8);
        /* root running cp by full path; root running something else falls to @root */
        p = (CgRuleProcess) { .uid = 0, .gid = 0, .name = "cp", .path = "/usr/bin/cp" };
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 0);
        p.path = "/bin/cp"; /* a full-path rule needs the full path */
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 4);
        /* anyone else: "ignore" applies only to a process already in its destination, so the last rule */
        p = (CgRuleProcess) { .uid = 1234, .gid = 1234, .name = "x" };
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 8);
        cgrules_free(r);

        /* No rule applies. */
        r = parse_ok("root cpu a/\n");
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, -ENOENT);
        cgrules_free(r);
}

static void test_expand(void) {
        CgRuleProcess p = nobody_proc("sleep", "/usr/bin/sleep");
        g_autofree char *s = NULL, *why = NULL;

        g_assert_cmpint(cgrules_expand_destination("a/%u/%U/%g/%G/%p/%P/\\%u", &p, &s, NULL), ==, 0);
        g_assert_cmpstr(s, ==, "a/nobody/65534/nogroup/65534/sleep/4242/%u");
        g_clear_pointer(&s, free);
        /* Unknown names fall back to numbers, as in libcgroup. */
        p.user = p.group = p.name = NULL;
        g_assert_cmpint(cgrules_expand_destination("%u-%g-%p", &p, &s, NULL), ==, 0);
        g_assert_cmpstr(s, ==, "65534-65534-4242");
        g_clear_pointer(&s, free);
        /* A process that calls itself ".." must not walk out of the hierarchy. */
        p.name = "..";
        g_assert_cmpint(cgrules_expand_destination("users/%p/x", &p, &s, &why), ==, -EINVAL);
        g_assert_null(s);
        g_assert_nonnull(strstr(why, "would leave the hierarchy"));
}

/* libcgroup's cgroup_compare_ignore_rule(): the destination as a prefix of where the process is, in one of
 * the rule's controllers; the unified line ("") holds every controller. */
static void test_ignore(void) {
        CgRules *r = parse_ok("*:x freezer,cpu keep/ ignore\n* memory free ignore\n* * /other\n");
        CgRuleProcess p = { .uid = 1234, .gid = 1234, .name = "x" };
        CgRuleCgroup where[] = { { "memory", "/elsewhere" }, { "cpu,cpuacct", "/keep/child" } };
        size_t i = 99;

        p.cgroups = where;
        p.n_cgroups = 2;
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 0);
        /* In the destination, but another process name: the rule does not apply. */
        p.name = "y";
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 2);
        /* The destination in another controller only does not count. */
        p.name = "x";
        where[1] = (CgRuleCgroup) { "pids", "/keep" };
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 2);
        /* A string prefix, as libcgroup compares it: "free" covers "/freedom". */
        where[0] = (CgRuleCgroup) { "memory", "/freedom" };
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 1);
        /* Outside the managed base (path NULL) is never in a destination. */
        where[0].path = NULL;
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 2);
        /* The unified hierarchy holds every controller. */
        where[0] = (CgRuleCgroup) { "", "/keep" };
        p.n_cgroups = 1;
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 0);
        cgrules_free(r);
        /* The root destination covers the root only. */
        r = parse_ok("* memory / ignore\n* memory /x\n");
        where[0] = (CgRuleCgroup) { "memory", "/" };
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 0);
        where[0].path = "/a";
        g_assert_cmpint(cgrules_match(r, &p, &i), ==, 0);
        g_assert_cmpuint(i, ==, 1);
        cgrules_free(r);
}

/* A substituted name is one path component and no specifier: escapes and loops are refused. */
static void test_expand_refusals(void) {
        static const struct {
                const char *dest, *name, *why;
        } cases[] = {
                { "users/%p", "..", "%p would be '..', which would leave the hierarchy" },
                { "users/%p", ".", "%p would be '.', which would leave the hierarchy" },
                { "users/%p", "../../etc", "%p would be '../../etc', which would leave the hierarchy" },
                { "users/%p/x", "a/b", "%p would be 'a/b', which would leave the hierarchy" },
                { "users/.%p", ".", "%p would be '.', which would leave the hierarchy" },
                { "users/%p", "%p", "%p would be '%p', which refers back to a template (a loop)" },
                { "users/%p", "x%u", "%p would be 'x%u', which refers back to a template (a loop)" },
                { "users/%p", "a\nb", "%p would contain a control character" },
        };

        for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
                CgRuleProcess p = nobody_proc(cases[c].name, NULL);
                g_autofree char *s = NULL, *why = NULL;
                g_assert_cmpint(cgrules_expand_destination(cases[c].dest, &p, &s, &why), ==, -EINVAL);
                g_assert_null(s);
                if (!strstr(why, cases[c].why))
                        g_error("%s with %s: «%s», expected «%s»", cases[c].dest, cases[c].name, why, cases[c].why);
        }
}

static void assert_splice(const char *text, const unsigned *drop, size_t n, unsigned before, const char *insert,
                          const char *expected) {
        g_autofree char *out = NULL;

        g_assert_cmpint(cgrules_text_splice(text, drop, n, before, insert, &out), ==, 0);
        g_assert_cmpstr(out, ==, expected);
}

/* Persistent edits: lines out, text in, every other byte as it was. */
static void test_splice(void) {
        const char *text = "# head\n\nroot  cpu   a/   # why\n# about b\nnobody\tcpu\tb/\n\n# tail";
        const unsigned drop3[] = { 3 }, drop35[] = { 3, 5 };
        g_autofree char *line = NULL;

        assert_splice(text, drop3, 1, 0, NULL, "# head\n\n# about b\nnobody\tcpu\tb/\n\n# tail");
        assert_splice(text, NULL, 0, 5, "* memory c/", "# head\n\nroot  cpu   a/   # why\n# about b\n* memory c/\nnobody\tcpu\tb/\n\n# tail");
        assert_splice(text, NULL, 0, 0, "* memory c/\n", "# head\n\nroot  cpu   a/   # why\n# about b\nnobody\tcpu\tb/\n\n# tail\n* memory c/\n");
        /* A move: the line leaves its place and comes in again, unchanged, before another one. */
        g_assert_cmpint(cgrules_text_line(text, 5, &line), ==, 0);
        g_assert_cmpstr(line, ==, "nobody\tcpu\tb/\n");
        assert_splice(text, drop35 + 1, 1, 3, line, "# head\n\nnobody\tcpu\tb/\nroot  cpu   a/   # why\n# about b\n\n# tail");
        assert_splice(text, drop35, 2, 0, NULL, "# head\n\n# about b\n\n# tail");
        assert_splice("", NULL, 0, 0, "root cpu a/", "root cpu a/\n");
        g_clear_pointer(&line, free);
        g_assert_cmpint(cgrules_text_line(text, 9, &line), ==, 0);
        g_assert_cmpstr(line, ==, "");
}

static void assert_error(const char *text, const char *expected) {
        CgRules *r = NULL;
        ConfError err = {};
        g_autofree char *msg = NULL;

        g_assert_cmpint(cgrules_parse(text, strlen(text), "cgrules.conf", &r, &err), ==, -EBADMSG);
        g_assert_null(r);
        msg = conf_error_format(&err);
        if (!g_str_equal(msg, expected))
                g_error("input «%s»\n  got      «%s»\n  expected «%s»", text, msg, expected);
        conf_error_done(&err);
}

static void test_errors(void) {
        assert_error("# c\nnosuchuserzz cpu a/\n", "cgrules.conf:2:1: unknown user 'nosuchuserzz'");
        assert_error("@nosuchgroupzz cpu a/\n", "cgrules.conf:1:1: unknown group 'nosuchgroupzz'");
        assert_error("root cpu\n", "cgrules.conf:1:1: expected '<user>[:<process>] <controllers> <destination> [<options>]', found 2 fields");
        assert_error("root cpu a/ ignore extra\n", "cgrules.conf:1:20: unexpected fifth field 'extra'");
        assert_error("root cpux a/\n", "cgrules.conf:1:6: unknown controller 'cpux'");
        assert_error("root cpu,,memory a/\n", "cgrules.conf:1:6: empty controller name in 'cpu,,memory'");
        assert_error("root cpu ../../etc\n", "cgrules.conf:1:10: destination '../../etc' contains '..', which would leave the hierarchy");
        assert_error("root cpu a/%x\n", "cgrules.conf:1:10: destination 'a/%x' uses an unknown specifier '%x' (known: %u %U %g %G %p %P)");
        assert_error("root cpu a/ sticky\n", "cgrules.conf:1:13: unknown option 'sticky' (libcgroup 2.0 knows: ignore)");
        assert_error("% cpu a/\n", "cgrules.conf:1:1: '%' continues the rule above, but there is none");
        assert_error("root cpu a/\n%:x cpu b/\n", "cgrules.conf:2:1: '%' takes the process of the rule above; drop ':x'");
        assert_error("root: cpu a/\n", "cgrules.conf:1:1: empty process name after ':'");
        assert_error("root cpu a\x01/\n", "cgrules.conf:1:11: unexpected control character 0x01");
}

static void test_dropins(void) {
        g_autofree char *dir = g_dir_make_tmp("cgrules-XXXXXX", NULL), *main_path = g_build_filename(dir, "cgrules.conf", NULL),
                        *d = g_build_filename(dir, "cgrules.d", NULL), *a = g_build_filename(d, "b.conf", NULL),
                        *b = g_build_filename(d, "a.conf", NULL);
        CgRules *r = NULL;
        ConfError err = {};

        g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
        g_assert_true(g_file_set_contents(main_path, "root cpu main/\n", -1, NULL));
        g_assert_true(g_file_set_contents(a, "* * b/\n", -1, NULL));
        g_assert_true(g_file_set_contents(b, "nobody cpu a/\n% memory a2/\n", -1, NULL));
        g_assert_cmpint(cgrules_load(main_path, d, &r, &err), ==, 0);
        g_assert_cmpuint(r->n_rules, ==, 4);
        g_assert_cmpstr(r->rules[0].destination, ==, "main/");
        g_assert_cmpstr(r->rules[1].destination, ==, "a/");
        g_assert_true(g_str_has_suffix(r->rules[2].file, "a.conf"));
        g_assert_cmpstr(r->rules[3].destination, ==, "b/");
        cgrules_free(r);

        /* A '%' at the top of a drop-in cannot continue another file's rule. */
        g_assert_true(g_file_set_contents(a, "% cpu x/\n", -1, NULL));
        g_assert_cmpint(cgrules_load(main_path, d, &r, &err), ==, -EBADMSG);
        g_assert_true(g_str_has_suffix(err.file, "b.conf"));
        conf_error_done(&err);
        g_unlink(a), g_unlink(b), g_unlink(main_path), g_rmdir(d), g_rmdir(dir);
}

static void test_garbage(void) {
        size_t size = 1024 * 1024;
        g_autofree char *buf = g_malloc(size);
        GRand *rand = g_rand_new_with_seed(11);
        CgRules *r = NULL;
        ConfError err = {};
        gint64 start = g_get_monotonic_time();

        for (size_t i = 0; i < size; i++)
                buf[i] = (char) g_rand_int_range(rand, 0, 256);
        g_assert_cmpint(cgrules_parse(buf, size, "rand", &r, &err), ==, -EBADMSG);
        conf_error_done(&err);
        /* One enormous line of words. */
        for (size_t i = 0; i < size; i++)
                buf[i] = i % 2 ? ' ' : 'x';
        g_assert_cmpint(cgrules_parse(buf, size, "wide", &r, &err), ==, -EBADMSG);
        conf_error_done(&err);
        /* Many valid lines: linear. */
        GString *s = g_string_new(NULL);
        while (s->len < size)
                g_string_append(s, "* cpu,memory a/%u\n");
        g_assert_cmpint(cgrules_parse(s->str, s->len, "many", &r, &err), ==, 0);
        cgrules_free(r);
        g_string_free(s, TRUE);
        g_rand_free(rand);
        g_assert_cmpint(g_get_monotonic_time() - start, <, 20 * G_USEC_PER_SEC);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        if (!getpwnam("nobody") || getpwnam("nobody")->pw_uid != 65534 || !getgrgid(0)) {
                printf("1..0 # SKIP needs user nobody = 65534\n");
                return 77;
        }
        g_test_add_func("/cgrules/parse-every-form", test_parse_every_form);
        g_test_add_func("/cgrules/match", test_match);
        g_test_add_func("/cgrules/expand", test_expand);
        g_test_add_func("/cgrules/expand-refusals", test_expand_refusals);
        g_test_add_func("/cgrules/ignore", test_ignore);
        g_test_add_func("/cgrules/splice", test_splice);
        g_test_add_func("/cgrules/errors", test_errors);
        g_test_add_func("/cgrules/dropins", test_dropins);
        g_test_add_func("/cgrules/garbage", test_garbage);
        return g_test_run();
}
