/* netns-fixture.c: virtd with a per-run network namespace directory, and proof that nothing is left behind. */
#include <stdarg.h>
#include <string.h>

#include "netns-fixture.h"
#include "virtd-bus.h"

static char *host_link_names(void) {
        char *out = NULL;

        g_assert_cmpint(test_sh(&out, "ip -o link | cut -d: -f2 | sort"), ==, 0);
        return out;
}

/* Deleting a namespace takes every link inside along. */
static void ns_fixture_cleanup(void *data) {
        NsFixture *t = data;

        for (guint i = 0; i < t->names->len; i++) {
                const char *name = g_ptr_array_index(t->names, i);
                sd_bus_call_method(t->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "DeleteNamespace",
                                   NULL, NULL, "sbt", name, 1, (uint64_t) 0);
                if (t->real_netns)
                        test_sh(NULL, "ip netns delete %s 2>/dev/null", name);
        }
        test_umount_below(t->e.dir);
}

void ns_fixture_start(NsFixture *t, bool real_netns, bool polkit) {
        TestEnvOptions o = { .no_virtd = true, .polkit = polkit };
        g_autofree char *arg = NULL;

        test_require_root();
        memset(t, 0, sizeof(*t));
        t->host_links_before = host_link_names();
        t->names = g_ptr_array_new_with_free_func(g_free);
        t->real_netns = real_netns;
        test_env_start(&t->e, &o);
        t->netns_dir = real_netns ? g_strdup("/run/netns") : g_build_filename(t->e.dir, "netns", NULL);
        arg = g_strdup_printf("--netns-dir=%s", t->netns_dir);
        const char *args[] = { arg, NULL };
        test_defer(ns_fixture_cleanup, t);
        test_env_start_virtd(&t->e, args);
}

void ns_fixture_stop(NsFixture *t) {
        g_autofree char *after = NULL, *dir = g_strdup(t->e.dir);

        test_env_stop(&t->e);
        /* The harness could remove the run's directory only if no bind mount was left inside. */
        g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
        after = host_link_names();
        g_assert_cmpstr(after, ==, t->host_links_before);
        for (guint i = 0; t->real_netns && i < t->names->len; i++) {
                g_autofree char *path = g_build_filename("/run/netns", g_ptr_array_index(t->names, i), NULL);
                g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
        }
        g_ptr_array_unref(t->names);
        g_free(t->netns_dir);
        g_free(t->host_links_before);
}

char *ns_fixture_name(NsFixture *t, const char *prefix) {
        char *name = test_unique_name(prefix);

        g_ptr_array_add(t->names, g_strdup(name));
        return name;
}

int ns_fixture_call(NsFixture *t, sd_bus_error *error, sd_bus_message **reply, const char *member, const char *types,
                    ...) {
        va_list ap;
        int r;

        va_start(ap, types);
        r = sd_bus_call_methodv(t->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, member, error, reply,
                                types, ap);
        va_end(ap);
        return r;
}
