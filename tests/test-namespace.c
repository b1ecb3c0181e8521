/* test-namespace.c: named namespaces and veth links through virtd, against the real kernel and iproute2. */
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "netns-fixture.h"
#include "virtd-bus.h"

#define NOBODY 65534

static char *ns_path(NsFixture *t, const char *name) {
        return g_build_filename(t->netns_dir, name, NULL);
}

static void create_ns(NsFixture *t, const char *name) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        if (ns_fixture_call(t, &error, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", name, 0, "", 0, 0, (uint64_t) 0) < 0)
                g_error("CreateNamespace %s: %s", name, error.message);
}

static void virtctl_ok(NsFixture *t, char **out, ...) G_GNUC_NULL_TERMINATED;
static void virtctl_ok(NsFixture *t, char **out, ...) {
        g_autoptr(GPtrArray) args = g_ptr_array_new();
        g_autofree char *err = NULL;
        va_list ap;
        int status;

        va_start(ap, out);
        for (const char *a; (a = va_arg(ap, const char *));)
                g_ptr_array_add(args, (char *) a);
        va_end(ap);
        g_ptr_array_add(args, NULL);
        status = test_virtctl_argv(&t->e, (const char * const *) args->pdata, NULL, out, &err);
        if (status != 0)
                g_error("virtctl %s failed (%d): %s", (char *) args->pdata[0], status, err);
}

/* Runs a command inside a net namespace file, as iproute2 would see it. */
static int in_netns(NsFixture *t, const char *ns, char **out, const char *cmd) {
        g_autofree char *path = ns_path(t, ns);

        return test_sh(out, "nsenter --net=%s %s", path, cmd);
}

static void test_introspection(void) {
        NsFixture t;
        g_autofree char *a = NULL, *link = NULL, *nspath = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *p1, *p2;

        ns_fixture_start(&t, /* real_netns= */ false, /* polkit= */ false);
        a = ns_fixture_name(&t, "zi");
        create_ns(&t, a);
        g_assert_cmpint(ns_fixture_call(&t, &error, &reply, "CreateVeth", "ssssssut", "vi0", a, "", "vi1", a, "", 0, (uint64_t) 0), >=, 0);
        g_assert_cmpint(sd_bus_message_read(reply, "oo", &p1, &p2), >, 0);
        link = g_strdup(p1);
        sd_bus_message_unref(reply);
        g_assert_cmpint(sd_bus_path_encode(VIRTD_OBJECT_NAMESPACE_PREFIX, a, &nspath), >=, 0);
        g_assert_cmpuint(test_assert_introspection(&t.e, VIRTD_OBJECT_ROOT), ==, 1);
        g_assert_cmpuint(test_assert_introspection(&t.e, nspath), ==, 1);
        g_assert_cmpuint(test_assert_introspection(&t.e, link), ==, 1);
        ns_fixture_stop(&t);
}

/* The seed's example through virtctl alone: two namespaces, a veth pair between them, a ping across. */
static void test_seed_example(void) {
        NsFixture t;
        g_autofree char *a = NULL, *b = NULL, *v0 = NULL, *v1 = NULL, *out = NULL, *json = NULL, *ipout = NULL;
        g_autofree char *ping = NULL;

        ns_fixture_start(&t, /* real_netns= */ false, /* polkit= */ false);
        a = ns_fixture_name(&t, "zs");
        b = ns_fixture_name(&t, "zs");
        v0 = test_unique_name("veth0");
        v1 = test_unique_name("veth1");
        virtctl_ok(&t, NULL, "namespace", "add", a, NULL);
        virtctl_ok(&t, NULL, "netns", "add", b, NULL);
        virtctl_ok(&t, NULL, "link", "add", v0, "netns", b, "type", "veth", "peer", "name", v1, "netns", a, NULL);
        /* iproute2 agrees at every step. */
        g_assert_cmpint(in_netns(&t, a, &ipout, "ip -o link"), ==, 0);
        g_assert_nonnull(strstr(ipout, v1));
        g_assert_null(strstr(ipout, v0));
        virtctl_ok(&t, NULL, "address", "add", "10.201.0.1/24", "dev", v1, "in", a, NULL);
        virtctl_ok(&t, NULL, "address", "add", "10.201.0.2/24", "dev", v0, "in", b, NULL);
        virtctl_ok(&t, NULL, "link", "set", v1, "in", a, "up", NULL);
        virtctl_ok(&t, NULL, "link", "set", v0, "in", b, "up", NULL);
        g_clear_pointer(&ipout, g_free);
        g_assert_cmpint(in_netns(&t, b, &ipout, "ip -o addr show"), ==, 0);
        g_assert_nonnull(strstr(ipout, "10.201.0.2/24"));

        virtctl_ok(&t, &out, "link", "list", a, NULL);
        g_assert_nonnull(strstr(out, v1));
        g_assert_nonnull(strstr(out, "10.201.0.1/24"));
        virtctl_ok(&t, &json, "--json", "link", "list", NULL);
        g_assert_nonnull(strstr(json, "\"addresses\":[\"10.201.0.2/24\""));

        /* The witness is iproute2's own ping, and the same through virtctl namespace exec. */
        g_assert_cmpint(in_netns(&t, a, &ping, "ping -c1 -W2 10.201.0.2"), ==, 0);
        virtctl_ok(&t, NULL, "namespace", "exec", a, "--", "ping", "-c1", "-W2", "10.201.0.2", NULL);
        g_assert_cmpint(test_virtctl(&t.e, NULL, NULL, "namespace", "exec", a, "--", "ping", "-c1", "-W1", "10.201.0.9", NULL), !=, 0);

        /* Each link once, as the kernel's link (not as its IPv6 per-link announcements), with its kind. */
        g_clear_pointer(&json, g_free);
        virtctl_ok(&t, &json, "--json", "link", "list", a, NULL);
        g_autofree char *entry = g_strdup_printf("\"name\":\"%s\",\"ifindex\":", v1);
        g_assert_nonnull(strstr(json, entry));
        g_assert_null(strstr(strstr(json, entry) + 1, entry));
        g_assert_null(strstr(json, "\"kind\":\"device\""));
        g_assert_nonnull(strstr(json, "\"kind\":\"veth\""));

        virtctl_ok(&t, NULL, "link", "delete", v0, "in", b, NULL);
        g_clear_pointer(&ipout, g_free);
        g_assert_cmpint(in_netns(&t, a, &ipout, "ip -o link"), ==, 0);
        g_assert_null(strstr(ipout, v1)); /* a veth takes its peer along */
        virtctl_ok(&t, NULL, "namespace", "delete", a, NULL);
        virtctl_ok(&t, NULL, "namespace", "delete", b, NULL);
        g_clear_pointer(&out, g_free);
        virtctl_ok(&t, &out, "namespace", "list", NULL);
        g_assert_null(strstr(out, a));
        g_autofree char *pa = ns_path(&t, a);
        g_assert_false(g_file_test(pa, G_FILE_TEST_EXISTS));
        ns_fixture_stop(&t);
}

typedef struct Signals {
        GPtrArray *added, *removed; /* object paths */
        GPtrArray *changes;         /* "path property=value" for Link State */
        gint64 last_change_usec;
} Signals;

/* A Namespace's InterfacesAdded must carry its Name; other objects count by path alone. */
static bool added_is_complete(sd_bus_message *m) {
        const char *iface = NULL, *name = NULL, *value = NULL;

        if (sd_bus_message_enter_container(m, 'a', "{sa{sv}}") <= 0 || sd_bus_message_enter_container(m, 'e', "sa{sv}") <= 0 ||
            sd_bus_message_read(m, "s", &iface) <= 0)
                return false;
        if (!g_str_equal(iface, VIRTD_INTERFACE_NAMESPACE))
                return true;
        if (sd_bus_message_enter_container(m, 'a', "{sv}") <= 0)
                return false;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                if (sd_bus_message_read(m, "s", &name) <= 0)
                        return false;
                if (g_str_equal(name, "Name"))
                        return sd_bus_message_read(m, "v", "s", &value) > 0 && *value;
                if (sd_bus_message_skip(m, "v") < 0 || sd_bus_message_exit_container(m) < 0)
                        return false;
        }
        return false;
}

static int on_interfaces_added(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Signals *s = userdata;
        const char *path;

        if (sd_bus_message_read(m, "o", &path) > 0 && added_is_complete(m))
                g_ptr_array_add(s->added, g_strdup(path));
        return 0;
}

static int on_interfaces_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Signals *s = userdata;
        const char *path;

        if (sd_bus_message_read(m, "o", &path) > 0)
                g_ptr_array_add(s->removed, g_strdup(path));
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Signals *s = userdata;
        const char *iface, *name, *value;

        if (sd_bus_message_read(m, "s", &iface) <= 0 || !g_str_equal(iface, VIRTD_INTERFACE_LINK))
                return 0;
        if (sd_bus_message_enter_container(m, 'a', "{sv}") <= 0)
                return 0;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                if (sd_bus_message_read(m, "s", &name) > 0 && g_str_equal(name, "State") &&
                    sd_bus_message_read(m, "v", "s", &value) > 0) {
                        g_ptr_array_add(s->changes, g_strdup_printf("%s State=%s", sd_bus_message_get_path(m), value));
                        s->last_change_usec = g_get_monotonic_time();
                } else
                        sd_bus_message_skip(m, "v");
                sd_bus_message_exit_container(m);
        }
        return 0;
}

static void signals_watch(NsFixture *t, Signals *s) {
        s->added = g_ptr_array_new_with_free_func(g_free);
        s->removed = g_ptr_array_new_with_free_func(g_free);
        s->changes = g_ptr_array_new_with_free_func(g_free);
        g_assert_cmpint(sd_bus_match_signal(t->e.bus, NULL, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, "org.freedesktop.DBus.ObjectManager",
                                            "InterfacesAdded", on_interfaces_added, s), >=, 0);
        g_assert_cmpint(sd_bus_match_signal(t->e.bus, NULL, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, "org.freedesktop.DBus.ObjectManager",
                                            "InterfacesRemoved", on_interfaces_removed, s), >=, 0);
        g_assert_cmpint(sd_bus_match_signal(t->e.bus, NULL, VIRTD_BUS_NAME, NULL, "org.freedesktop.DBus.Properties",
                                            "PropertiesChanged", on_properties_changed, s), >=, 0);
}

static bool contains(GPtrArray *a, const char *s) {
        for (guint i = 0; i < a->len; i++)
                if (g_str_equal(g_ptr_array_index(a, i), s))
                        return true;
        return false;
}

/* Processes the bus until want is in a, for at most timeout_ms. */
static bool wait_for(NsFixture *t, GPtrArray *a, const char *want, int timeout_ms) {
        gint64 end = g_get_monotonic_time() + timeout_ms * 1000;

        while (!contains(a, want) && g_get_monotonic_time() < end) {
                while (sd_bus_process(t->e.bus, NULL) > 0)
                        ;
                if (!contains(a, want))
                        sd_bus_wait(t->e.bus, 5 * 1000);
        }
        return contains(a, want);
}

static void signals_done(Signals *s) {
        g_ptr_array_unref(s->added);
        g_ptr_array_unref(s->removed);
        g_ptr_array_unref(s->changes);
}

/* virtd's namespaces are iproute2's and iproute2's are virtd's, with signals, in the real /run/netns. */
static void test_iproute2_interop(void) {
        NsFixture t;
        Signals s = {};
        g_autofree char *mine = NULL, *theirs = NULL, *list = NULL, *out = NULL, *theirs_path = NULL;

        ns_fixture_start(&t, /* real_netns= */ true, /* polkit= */ false);
        signals_watch(&t, &s);
        mine = ns_fixture_name(&t, "zv");
        theirs = ns_fixture_name(&t, "zi");
        virtctl_ok(&t, NULL, "namespace", "add", mine, NULL);
        g_assert_cmpint(test_sh(&list, "ip netns list"), ==, 0);
        g_assert_nonnull(strstr(list, mine));
        g_assert_cmpint(test_sh(NULL, "ip netns exec %s ip link set lo up", mine), ==, 0);

        g_assert_cmpint(sd_bus_path_encode(VIRTD_OBJECT_NAMESPACE_PREFIX, theirs, &theirs_path), >=, 0);
        g_assert_cmpint(test_sh(NULL, "ip netns add %s", theirs), ==, 0);
        g_assert_true(wait_for(&t, s.added, theirs_path, 3000));
        virtctl_ok(&t, &out, "namespace", "list", NULL);
        g_assert_nonnull(strstr(out, theirs));
        /* virtd works in it like in its own: a pair between the two (runtime-only: "theirs" is not in network.conf). */
        virtctl_ok(&t, NULL, "--runtime", "link", "add", "zvi0", "netns", mine, "type", "veth", "peer", "zvi1", "netns", theirs, NULL);
        g_clear_pointer(&out, g_free);
        g_assert_cmpint(test_sh(&out, "ip -n %s -o link", theirs), ==, 0);
        g_assert_nonnull(strstr(out, "zvi1"));

        g_assert_cmpint(test_sh(NULL, "ip netns delete %s", theirs), ==, 0);
        g_assert_true(wait_for(&t, s.removed, theirs_path, 3000));
        virtctl_ok(&t, NULL, "namespace", "delete", mine, NULL);
        g_clear_pointer(&list, g_free);
        g_assert_cmpint(test_sh(&list, "ip netns list"), ==, 0);
        g_assert_null(strstr(list, mine));
        signals_done(&s);
        ns_fixture_stop(&t);
}

static void test_uts_pid_exec(void) {
        NsFixture t;
        g_autofree char *a = NULL, *out = NULL, *show = NULL, *pid = NULL;

        ns_fixture_start(&t, /* real_netns= */ false, /* polkit= */ false);
        a = ns_fixture_name(&t, "zu");
        virtctl_ok(&t, NULL, "--runtime", "namespace", "add", a, "kinds", "net,uts,pid,ipc,mnt", "hostname", "inner-host", NULL);
        virtctl_ok(&t, &out, "namespace", "exec", a, "--", "hostname", NULL);
        g_assert_cmpstr(out, ==, "inner-host\n");
        g_assert_cmpint(test_sh(&show, "hostname"), ==, 0);
        g_assert_cmpstr(show, !=, "inner-host\n");
        /* pid 1 is virtd's helper; the command is a child inside, and its exit status comes back. */
        virtctl_ok(&t, &pid, "namespace", "exec", a, "--", "sh", "-c", "readlink /proc/self/ns/pid; echo $$", NULL);
        g_autofree char *bound = g_strdup_printf("%s/ns/%s/pid", t.e.state_dir, a);
        g_autofree char *ino = NULL;
        g_assert_cmpint(test_sh(&ino, "stat -L -c %%i %s", bound), ==, 0);
        g_strchomp(ino);
        g_assert_nonnull(strstr(pid, ino));
        g_assert_cmpint(test_virtctl(&t.e, NULL, NULL, "namespace", "exec", a, "--", "sh", "-c", "exit 7", NULL), ==, 7);
        g_clear_pointer(&show, g_free);
        virtctl_ok(&t, &show, "--json", "namespace", "show", a, NULL);
        g_assert_nonnull(strstr(show, "\"hostname\":\"inner-host\""));
        g_assert_nonnull(strstr(show, "\"kinds\":[\"net\",\"uts\",\"ipc\",\"pid\",\"mnt\"]"));
        virtctl_ok(&t, NULL, "namespace", "delete", a, NULL);
        g_assert_false(g_file_test(bound, G_FILE_TEST_EXISTS));
        ns_fixture_stop(&t);
}

/* virtd's unit gives it a mount namespace of its own (PrivateMounts=, ProtectKernel*=): here unshare(1) makes one
 * the same way, a slave of the test's, with a tmpfs only virtd sees. Named namespaces must still be bound where
 * iproute2 and every other process see them, a new mnt kind must copy the host's mounts and not the sandbox's,
 * and a restarted virtd must find what it bound. */
static void start_virtd_sandboxed(NsFixture *t, const char *mark) {
        const char *saved = g_getenv("VIRTD_TEST_WRAPPER");
        g_autofree char *old = g_strdup(saved ? saved : "");
        g_autofree char *wrapper = g_strdup_printf("unshare --mount --propagation slave -- sh -c "
                                                   "'mount -t tmpfs virtd-sandbox %s && exec \"$@\"' sh %s", mark, old);
        g_autofree char *arg = g_strdup_printf("--netns-dir=%s", t->netns_dir);
        g_autofree char *host = g_strdup_printf("--host-mount-namespace=/proc/%d/ns/mnt", (int) getpid());
        const char *args[] = { arg, host, NULL };

        g_setenv("VIRTD_TEST_WRAPPER", wrapper, TRUE);
        test_env_start_virtd(&t->e, args);
        g_setenv("VIRTD_TEST_WRAPPER", old, TRUE);
}

static int count_in_mountinfo(const char *pid, const char *word) {
        g_autofree char *out = NULL;

        g_assert_cmpint(test_sh(&out, "grep -c -- '%s' /proc/%s/mountinfo || true", word, pid), ==, 0);
        return atoi(out);
}

static void test_private_mount_namespace(void) {
        NsFixture t;
        g_autofree char *mark = g_dir_make_tmp("virtd-mark-XXXXXX", NULL), *a = NULL, *b = NULL, *list = NULL,
                        *out = NULL, *virtd_pid = NULL, *uts = NULL, *mounts = NULL, *virtd_mnt = NULL,
                        *own_mnt = NULL;

        g_assert_nonnull(mark);
        ns_fixture_start(&t, /* real_netns= */ true, /* polkit= */ false);
        test_env_stop_virtd(&t.e);
        start_virtd_sandboxed(&t, mark);
        virtd_pid = g_strdup_printf("%d", (int) t.e.virtd_pid);
        g_assert_cmpint(test_sh(&virtd_mnt, "readlink /proc/%s/ns/mnt", virtd_pid), ==, 0);
        g_assert_cmpint(test_sh(&own_mnt, "readlink /proc/self/ns/mnt"), ==, 0);
        g_assert_cmpstr(virtd_mnt, !=, own_mnt);
        g_assert_cmpint(count_in_mountinfo(virtd_pid, "virtd-sandbox"), ==, 1);
        g_assert_cmpint(count_in_mountinfo("self", "virtd-sandbox"), ==, 0);

        a = ns_fixture_name(&t, "zm");
        virtctl_ok(&t, NULL, "namespace", "add", a, "kinds", "net,uts", "hostname", "sandboxed", NULL);
        g_assert_cmpint(test_sh(&list, "ip netns list"), ==, 0);
        assert_contains(list, a);
        g_assert_cmpint(test_sh(NULL, "ip netns exec %s ip link set lo up", a), ==, 0);
        uts = g_strdup_printf("%s/ns/%s/uts", t.e.state_dir, a);
        g_assert_cmpint(test_sh(&out, "nsenter --uts=%s hostname", uts), ==, 0);
        g_assert_cmpstr(out, ==, "sandboxed\n");
        g_clear_pointer(&out, g_free);
        virtctl_ok(&t, &out, "namespace", "exec", a, "--", "hostname", NULL);
        g_assert_cmpstr(out, ==, "sandboxed\n");

        b = ns_fixture_name(&t, "zk");
        virtctl_ok(&t, NULL, "--runtime", "namespace", "add", b, "kinds", "net,mnt", NULL);
        virtctl_ok(&t, &mounts, "namespace", "exec", b, "--", "cat", "/proc/self/mountinfo", NULL);
        g_assert_null(strstr(mounts, "virtd-sandbox"));
        virtctl_ok(&t, NULL, "--runtime", "namespace", "delete", b, NULL);
        g_assert_cmpint(count_in_mountinfo("self", b), ==, 0);

        /* A restarted virtd, in a new sandbox, adopts the (saved) namespace from the host's mounts. */
        test_env_stop_virtd(&t.e);
        start_virtd_sandboxed(&t, mark);
        g_clear_pointer(&out, g_free);
        virtctl_ok(&t, &out, "--json", "namespace", "show", a, NULL);
        assert_contains(out, "\"kinds\":[\"net\",\"uts\"]");
        assert_contains(out, "\"hostname\":\"sandboxed\"");

        virtctl_ok(&t, NULL, "namespace", "delete", a, NULL);
        g_assert_cmpint(count_in_mountinfo("self", a), ==, 0);
        g_assert_false(g_file_test(uts, G_FILE_TEST_EXISTS));
        ns_fixture_stop(&t);
        g_assert_cmpint(rmdir(mark), ==, 0);
}

/* "ip link set X down" run by hand arrives as PropertiesChanged on the Link object. */
static void test_link_down_signal(void) {
        NsFixture t;
        Signals s = {};
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        g_autofree char *a = NULL, *p1 = NULL, *want_down = NULL, *want_up = NULL;
        const char *o1, *o2;
        gint64 t0, t1;

        ns_fixture_start(&t, /* real_netns= */ false, /* polkit= */ false);
        a = ns_fixture_name(&t, "zd");
        create_ns(&t, a);
        g_assert_cmpint(ns_fixture_call(&t, &error, &reply, "CreateVeth", "ssssssut", "zd0", a, "", "zd1", a, "", 0, (uint64_t) 0), >=, 0);
        g_assert_cmpint(sd_bus_message_read(reply, "oo", &o1, &o2), >, 0);
        p1 = g_strdup(o1);
        sd_bus_message_unref(reply);
        g_assert_cmpint(ns_fixture_call(&t, &error, NULL, "ConfigureLink", "ssa{sv}t", a, "zd0", 1, "up", "b", 1, (uint64_t) 0), >=, 0);
        signals_watch(&t, &s);
        want_down = g_strdup_printf("%s State=down", p1);
        want_up = g_strdup_printf("%s State=up", p1);

        t0 = g_get_monotonic_time();
        g_assert_cmpint(in_netns(&t, a, NULL, "ip link set zd0 down"), ==, 0);
        t1 = g_get_monotonic_time();
        g_assert_true(wait_for(&t, s.changes, want_down, 2000));
        g_test_message("PropertiesChanged(State=down) arrived %.1f ms after ip started, %.1f ms after it exited",
                       (s.last_change_usec - t0) / 1000.0, (s.last_change_usec - t1) / 1000.0);
        printf("# link-down latency: %.1f ms after 'ip link set down' started (ip itself took %.1f ms)\n",
               (s.last_change_usec - t0) / 1000.0, (t1 - t0) / 1000.0);
        g_assert_cmpint(s.last_change_usec - t1, <, 500 * 1000);
        g_assert_cmpint(in_netns(&t, a, NULL, "ip link set zd0 up"), ==, 0);
        g_assert_true(wait_for(&t, s.changes, want_up, 2000));

        /* A link made by hand becomes an object, and goes away again. */
        g_assert_cmpint(in_netns(&t, a, NULL, "ip link add zdh0 type veth peer name zdh1"), ==, 0);
        g_autofree char *out = NULL;
        g_assert_true(wait_for(&t, s.added, NULL, 0) || true);
        virtctl_ok(&t, &out, "link", "list", a, NULL);
        g_assert_nonnull(strstr(out, "zdh1"));
        signals_done(&s);
        ns_fixture_stop(&t);
}

/* ---- Link operations on the success path, with iproute2 as the witness ---- */

static char *get_string(NsFixture *t, const char *path, const char *iface, const char *property) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *v = NULL;

        if (sd_bus_get_property_string(t->e.bus, VIRTD_BUS_NAME, path, iface, property, &error, &v) < 0)
                g_error("Get %s %s: %s", path, property, error.message);
        return v;
}

/* Reads an "o" property (sd_bus_get_property_string() wants an "s"). */
static char *get_object_path(NsFixture *t, const char *path, const char *iface, const char *property) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *v;
        char *ret;

        if (sd_bus_get_property(t->e.bus, VIRTD_BUS_NAME, path, iface, property, &error, &reply, "o") < 0)
                g_error("Get %s %s: %s", path, property, error.message);
        g_assert_cmpint(sd_bus_message_read(reply, "o", &v), >, 0);
        ret = g_strdup(v);
        sd_bus_message_unref(reply);
        return ret;
}

/* g_ptr_array_sort() hands over pointers to the elements. */
static gint cmp_strp(gconstpointer x, gconstpointer y) {
        return g_strcmp0(*(char * const *) x, *(char * const *) y);
}

/* Reads an "as", "ao" or "au" property; numbers come back as decimal strings. Sorted, so that sets compare. */
static GStrv get_list(NsFixture *t, const char *path, const char *iface, const char *property, char type) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        char sig[2] = { type, 0 };
        GPtrArray *a = g_ptr_array_new();

        if (sd_bus_get_property(t->e.bus, VIRTD_BUS_NAME, path, iface, property, &error, &reply, (char[]) { 'a', type, 0 }) < 0)
                g_error("Get %s %s: %s", path, property, error.message);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', sig), >, 0);
        for (;;) {
                const char *str;
                uint32_t u;
                int r = type == 'u' ? sd_bus_message_read_basic(reply, 'u', &u) : sd_bus_message_read_basic(reply, type, &str);
                g_assert_cmpint(r, >=, 0);
                if (r == 0)
                        break;
                g_ptr_array_add(a, type == 'u' ? g_strdup_printf("%u", u) : g_strdup(str));
        }
        sd_bus_message_unref(reply);
        g_ptr_array_sort(a, cmp_strp);
        g_ptr_array_add(a, NULL);
        return (GStrv) g_ptr_array_free(a, false);
}

/* What virtd's Link object says, in the words of what_ip() below. */
static char *what_virtd(NsFixture *t, const char *path) {
        g_autofree char *name = get_string(t, path, VIRTD_INTERFACE_LINK, "Name");
        g_autofree char *mac = get_string(t, path, VIRTD_INTERFACE_LINK, "Mac");
        g_autofree char *state = get_string(t, path, VIRTD_INTERFACE_LINK, "State");
        g_autofree char *oper = get_string(t, path, VIRTD_INTERFACE_LINK, "OperationalState");
        g_autofree char *ns = get_string(t, path, VIRTD_INTERFACE_LINK, "Namespace");
        g_auto(GStrv) addrs = get_list(t, path, VIRTD_INTERFACE_LINK, "Addresses", 's');
        g_autofree char *joined = g_strjoinv(",", addrs);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t mtu = 0;

        g_assert_cmpint(sd_bus_get_property_trivial(t->e.bus, VIRTD_BUS_NAME, path, VIRTD_INTERFACE_LINK, "Mtu", &error, 'u',
                                                    &mtu), >=, 0);
        return g_strdup_printf("ns=%s name=%s mtu=%u mac=%s state=%s oper=%s addrs=%s", ns, name, mtu, mac, state, oper, joined);
}

/* What iproute2 says of link name in ns (ip -n NS -d -j link, ip -n NS -j addr). */
static char *what_ip(const char *ns, const char *name) {
        g_autofree char *link = NULL, *addrs = NULL;

        if (test_sh(&link, "ip -n %s -d -j link show dev %s | jq -r '.[0] | \"name=\\(.ifname) mtu=\\(.mtu) mac=\\(.address) "
                           "state=\\(if (.flags | index(\"UP\")) then \"up\" else \"down\" end) "
                           "oper=\\(.operstate | ascii_downcase)\"'", ns, name) != 0)
                return g_strdup_printf("ns=%s: no link %s", ns, name);
        g_assert_cmpint(test_sh(&addrs, "ip -n %s -j addr show dev %s | jq -r '[.[0].addr_info[] | \"\\(.local)/\\(.prefixlen)\"] "
                                        "| sort | join(\",\")'", ns, name), ==, 0);
        return g_strdup_printf("ns=%s %s addrs=%s", ns, g_strstrip(link), g_strstrip(addrs));
}

/* Waits (virtd learns from netlink, IPv6 link-local addresses come late) until the Link object agrees with
 * iproute2; fails with both views after 3 s. */
static void assert_link_matches(NsFixture *t, const char *ns, const char *path, const char *name) {
        g_autofree char *mine = NULL, *theirs = NULL;

        for (int i = 0; i < 60; i++) {
                g_free(mine);
                g_free(theirs);
                mine = what_virtd(t, path);
                theirs = what_ip(ns, name);
                if (g_str_equal(mine, theirs))
                        return;
                g_usleep(50 * 1000);
        }
        g_error("Link object %s disagrees with iproute2:\n  virtd: %s\n  ip:    %s", path, mine, theirs);
}

static char *ns_object(const char *ns) {
        char *path = NULL;

        g_assert_cmpint(sd_bus_path_encode(VIRTD_OBJECT_NAMESPACE_PREFIX, ns, &path), >=, 0);
        return path;
}

/* The Namespace's Links, as names; iproute2's names of the links in ns; both sorted and joined. */
static char *links_virtd(NsFixture *t, const char *ns) {
        g_autofree char *obj = ns_object(ns);
        g_auto(GStrv) paths = get_list(t, obj, VIRTD_INTERFACE_NAMESPACE, "Links", 'o');
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

        for (char **p = paths; *p; p++)
                g_ptr_array_add(names, get_string(t, *p, VIRTD_INTERFACE_LINK, "Name"));
        g_ptr_array_sort(names, cmp_strp);
        g_ptr_array_add(names, NULL);
        return g_strjoinv(",", (char **) names->pdata);
}

static char *links_ip(const char *ns) {
        char *out = NULL;

        g_assert_cmpint(test_sh(&out, "ip -n %s -j link | jq -r '[.[].ifname] | sort | join(\",\")'", ns), ==, 0);
        return g_strstrip(out);
}

static void assert_links_match(NsFixture *t, const char *ns) {
        g_autofree char *mine = NULL, *theirs = NULL;

        for (int i = 0; i < 60; i++) {
                g_free(mine);
                g_free(theirs);
                mine = links_virtd(t, ns);
                theirs = links_ip(ns);
                if (g_str_equal(mine, theirs))
                        return;
                g_usleep(50 * 1000);
        }
        g_error("Namespace %s: Links are %s, iproute2 lists %s", ns, mine, theirs);
}

/* The object path of link name in ns, found through the Namespace's Links. */
static char *link_object(NsFixture *t, const char *ns, const char *name) {
        g_autofree char *obj = ns_object(ns);
        g_auto(GStrv) paths = get_list(t, obj, VIRTD_INTERFACE_NAMESPACE, "Links", 'o');

        for (char **p = paths; *p; p++) {
                g_autofree char *n = get_string(t, *p, VIRTD_INTERFACE_LINK, "Name");
                if (g_str_equal(n, name))
                        return g_strdup(*p);
        }
        g_error("Namespace %s has no Link object named %s", ns, name);
}

static bool pids_contain(NsFixture *t, const char *ns, GPid pid) {
        g_autofree char *obj = ns_object(ns), *want = g_strdup_printf("%d", pid);
        g_auto(GStrv) pids = get_list(t, obj, VIRTD_INTERFACE_NAMESPACE, "Pids", 'u');

        return g_strv_contains((const char * const *) pids, want);
}

static void kill_pid(void *data) {
        GPid pid = GPOINTER_TO_INT(data);

        if (pid > 0 && kill(pid, SIGKILL) == 0)
                waitpid(pid, NULL, 0);
}

/* Every advertised link operation through virtctl and D-Bus, each checked against iproute2 and virtd's objects:
 * rename, MTU, MAC, down and up, IPv4 and IPv6 addresses added and removed, a move into another managed
 * namespace (the Peer follows), and the Namespace's Links and Pids. */
static void test_link_operations(void) {
        NsFixture t;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        g_autofree char *a = NULL, *b = NULL, *pa = NULL, *pb = NULL, *peer = NULL, *moved = NULL;
        const char *o1, *o2;
        GPid pid;

        ns_fixture_start(&t, /* real_netns= */ true, /* polkit= */ false);
        a = ns_fixture_name(&t, "zl");
        b = ns_fixture_name(&t, "zl");
        virtctl_ok(&t, NULL, "namespace", "add", a, NULL);
        virtctl_ok(&t, NULL, "namespace", "add", b, NULL);
        g_assert_cmpint(ns_fixture_call(&t, &error, &reply, "CreateVeth", "ssssssut", "zla", a, "", "zlb", b, "", 0, (uint64_t) 0), >=, 0);
        g_assert_cmpint(sd_bus_message_read(reply, "oo", &o1, &o2), >, 0);
        pa = g_strdup(o1);
        pb = g_strdup(o2);
        sd_bus_message_unref(reply);
        assert_link_matches(&t, a, pa, "zla");
        assert_link_matches(&t, b, pb, "zlb");
        peer = get_object_path(&t, pa, VIRTD_INTERFACE_LINK, "Peer");
        g_assert_cmpstr(peer, ==, pb);
        g_clear_pointer(&peer, g_free);
        peer = get_object_path(&t, pb, VIRTD_INTERFACE_LINK, "Peer");
        g_assert_cmpstr(peer, ==, pa);
        assert_links_match(&t, a);
        assert_links_match(&t, b);

        /* Rename: the same object (same ifindex), a new Name; iproute2 knows only the new name. */
        virtctl_ok(&t, NULL, "link", "set", "zla", "in", a, "name", "zlr", NULL);
        g_assert_cmpint(test_sh(NULL, "ip -n %s link show dev zla 2>/dev/null", a), !=, 0);
        assert_link_matches(&t, a, pa, "zlr");
        assert_links_match(&t, a);

        /* MTU and MAC, one virtctl call each, then both in one ConfigureLink. */
        virtctl_ok(&t, NULL, "link", "set", "zlr", "in", a, "mtu", "1400", NULL);
        assert_link_matches(&t, a, pa, "zlr");
        g_autofree char *now = what_ip(a, "zlr");
        assert_contains(now, "mtu=1400 ");
        virtctl_ok(&t, NULL, "link", "set", "zlr", "in", a, "address", "02:5a:00:00:00:01", NULL);
        assert_link_matches(&t, a, pa, "zlr");
        g_assert_cmpint(ns_fixture_call(&t, &error, NULL, "ConfigureLink", "ssa{sv}t", a, "zlr", 2, "mtu", "u", 1280, "mac", "s",
                             "02:5a:00:00:00:02", (uint64_t) 0), >=, 0);
        g_clear_pointer(&now, g_free);
        now = what_ip(a, "zlr");
        assert_contains(now, "mtu=1280 mac=02:5a:00:00:00:02 ");
        assert_link_matches(&t, a, pa, "zlr");

        /* Up (both ends, so the operational state goes up too), down, up again. */
        virtctl_ok(&t, NULL, "link", "set", "zlb", "in", b, "up", NULL);
        virtctl_ok(&t, NULL, "link", "set", "zlr", "in", a, "up", NULL);
        assert_link_matches(&t, a, pa, "zlr");
        assert_link_matches(&t, b, pb, "zlb");
        g_clear_pointer(&now, g_free);
        now = what_virtd(&t, pa);
        assert_contains(now, "state=up oper=up ");
        virtctl_ok(&t, NULL, "link", "set", "zlr", "in", a, "down", NULL);
        assert_link_matches(&t, a, pa, "zlr");
        g_clear_pointer(&now, g_free);
        now = what_virtd(&t, pa);
        assert_contains(now, "state=down oper=down ");
        virtctl_ok(&t, NULL, "link", "set", "zlr", "in", a, "up", NULL);
        assert_link_matches(&t, a, pa, "zlr");

        /* Addresses: IPv4 and IPv6 through virtctl, another pair through ConfigureLink; then all removed. */
        virtctl_ok(&t, NULL, "address", "add", "10.203.0.1/24", "fd00:203::1/64", "dev", "zlr", "in", a, NULL);
        assert_link_matches(&t, a, pa, "zlr");
        g_clear_pointer(&now, g_free);
        now = what_virtd(&t, pa);
        assert_contains(now, "10.203.0.1/24");
        assert_contains(now, "fd00:203::1/64");
        g_assert_cmpint(ns_fixture_call(&t, &error, NULL, "ConfigureLink", "ssa{sv}t", a, "zlr", 1, "add-addresses", "as", 2,
                             "10.203.1.1/16", "fd00:204::1/128", (uint64_t) 0), >=, 0);
        assert_link_matches(&t, a, pa, "zlr");
        g_clear_pointer(&now, g_free);
        now = what_ip(a, "zlr");
        assert_contains(now, "10.203.1.1/16");
        assert_contains(now, "fd00:204::1/128");
        virtctl_ok(&t, NULL, "address", "delete", "10.203.0.1/24", "fd00:203::1/64", "dev", "zlr", "in", a, NULL);
        g_assert_cmpint(ns_fixture_call(&t, &error, NULL, "ConfigureLink", "ssa{sv}t", a, "zlr", 1, "remove-addresses", "as", 2,
                             "10.203.1.1/16", "fd00:204::1/128", (uint64_t) 0), >=, 0);
        assert_link_matches(&t, a, pa, "zlr");
        g_clear_pointer(&now, g_free);
        now = what_ip(a, "zlr");
        g_assert_null(strstr(now, "10.203."));
        g_assert_null(strstr(now, "fd00:20"));

        /* Move into b: gone from a (object and kernel), a new object in b, and the peer's Peer follows. */
        virtctl_ok(&t, NULL, "link", "set", "zlr", "in", a, "netns", b, NULL);
        g_assert_cmpint(test_sh(NULL, "ip -n %s link show dev zlr 2>/dev/null", a), !=, 0);
        assert_links_match(&t, a);
        assert_links_match(&t, b);
        moved = link_object(&t, b, "zlr");
        g_assert_cmpstr(moved, !=, pa);
        g_assert_cmpint(sd_bus_get_property_string(t.e.bus, VIRTD_BUS_NAME, pa, VIRTD_INTERFACE_LINK, "Name", &error,
                                                   &(char *) { NULL }), <, 0);
        sd_bus_error_free(&error);
        assert_link_matches(&t, b, moved, "zlr");
        for (int i = 0; i < 60; i++) {
                g_clear_pointer(&peer, g_free);
                peer = get_object_path(&t, pb, VIRTD_INTERFACE_LINK, "Peer");
                if (g_str_equal(peer, moved))
                        break;
                g_usleep(50 * 1000);
        }
        g_assert_cmpstr(peer, ==, moved);
        g_clear_pointer(&peer, g_free);
        peer = get_object_path(&t, moved, VIRTD_INTERFACE_LINK, "Peer");
        g_assert_cmpstr(peer, ==, pb);

        /* Pids: a process that iproute2 starts inside b is listed there and not in a, and is gone once killed. */
        const char *argv[] = { "ip", "netns", "exec", b, "sleep", "30", NULL };
        g_assert_true(g_spawn_async(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                    &pid, NULL));
        test_defer(kill_pid, GINT_TO_POINTER(pid));
        for (int i = 0; i < 100 && !pids_contain(&t, b, pid); i++)
                g_usleep(20 * 1000);
        g_assert_true(pids_contain(&t, b, pid));
        g_assert_false(pids_contain(&t, a, pid));
        g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
        g_assert_cmpint(waitpid(pid, NULL, 0), ==, pid);
        g_assert_false(pids_contain(&t, b, pid));

        virtctl_ok(&t, NULL, "namespace", "delete", a, NULL);
        virtctl_ok(&t, NULL, "namespace", "delete", b, NULL);
        ns_fixture_stop(&t);
}

/* The kernel pads the columns of uid_map: one space between words, none at the start of a line. */
static char *squeeze(const char *s) {
        GString *o = g_string_new(NULL);

        for (const char *c = s; *c; c++)
                if (*c != ' ' || (o->len > 0 && o->str[o->len - 1] != ' ' && o->str[o->len - 1] != '\n' && c[1] != '\n' && c[1]))
                        g_string_append_c(o, *c);
        return g_string_free(o, false);
}

/* The inode of a namespace file, as "kind:[inode]" the way /proc/PID/ns/KIND reads. */
static char *ns_file_id(const char *kind, const char *path) {
        g_autofree char *ino = NULL;

        g_assert_cmpint(test_sh(&ino, "stat -L -c %%i %s", path), ==, 0);
        return g_strdup_printf("%s:[%s]", kind, g_strstrip(ino));
}

/* The kinds beyond net, uts, ipc, pid and mnt: a user namespace with uid and gid maps, cgroup and time. A process
 * that "namespace exec" starts is in exactly the bound namespaces (readlink /proc/self/ns/KIND equals the inode of
 * <state-dir>/ns/NAME/KIND, net at <netns-dir>/NAME) and sees the maps; delete leaves no file and no mount. */
static void test_user_cgroup_time(void) {
        static const char *const wanted[] = { "user", "net", "uts", "cgroup", "time" };
        g_autoptr(GPtrArray) kinds = g_ptr_array_new();
        g_autofree char *a = NULL, *list = NULL, *out = NULL, *dir = NULL, *mounts = NULL, *obj = NULL;
        g_auto(GStrv) got = NULL;
        NsFixture t;

        /* Whatever this kernel offers of them. */
        for (size_t i = 0; i < G_N_ELEMENTS(wanted); i++) {
                g_autofree char *f = g_strdup_printf("/proc/self/ns/%s", wanted[i]);
                if (g_file_test(f, G_FILE_TEST_EXISTS))
                        g_ptr_array_add(kinds, (char *) wanted[i]);
        }
        g_ptr_array_add(kinds, NULL);
        if (!g_strv_contains((const char * const *) kinds->pdata, "user")) {
                g_test_skip("this kernel has no user namespaces");
                return;
        }
        list = g_strjoinv(",", (char **) kinds->pdata);

        ns_fixture_start(&t, /* real_netns= */ false, /* polkit= */ false);
        a = ns_fixture_name(&t, "zk");
        /* network.conf holds the kinds net, uts and ipc only: these are runtime namespaces. */
        virtctl_ok(&t, NULL, "--runtime", "namespace", "add", a, "kinds", list, "uidmap", "0:100000:65536",
                   "gidmap", "0:200000:1000", "hostname", "k-host", NULL);
        obj = ns_object(a);
        got = get_list(&t, obj, VIRTD_INTERFACE_NAMESPACE, "Kinds", 's');
        g_autofree char *got_s = g_strjoinv(",", got);
        g_auto(GStrv) want_sorted = g_strdupv((char **) kinds->pdata);
        qsort(want_sorted, g_strv_length(want_sorted), sizeof(char *), (int (*)(const void *, const void *)) cmp_strp);
        g_autofree char *want_s = g_strjoinv(",", want_sorted);
        g_assert_cmpstr(got_s, ==, want_s);

        /* The maps, as the kernel shows them to a process inside. */
        virtctl_ok(&t, &out, "namespace", "exec", a, "--", "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g", NULL);
        g_autofree char *squeezed = squeeze(out);
        g_assert_cmpstr(squeezed, ==, "0 100000 65536\n0 200000 1000\n0\n0\n"); /* root inside, as with nsenter */

        /* Each kind: the process's namespace is the bound file's (time applies to children, which exec forks). */
        dir = g_strdup_printf("%s/ns/%s", t.e.state_dir, a);
        for (char **k = (char **) kinds->pdata; *k; k++) {
                g_autofree char *bound = g_str_equal(*k, "net") ? ns_path(&t, a) : g_build_filename(dir, *k, NULL);
                g_autofree char *want = ns_file_id(*k, bound), *have = NULL, *host = NULL;
                g_autofree char *link = g_strdup_printf("/proc/self/ns/%s", *k);
                virtctl_ok(&t, &have, "namespace", "exec", a, "--", "readlink", link, NULL);
                g_assert_cmpstr(g_strstrip(have), ==, want);
                host = g_file_read_link(link, NULL);
                g_assert_cmpstr(host, !=, want); /* and not the host's */
        }
        g_clear_pointer(&out, g_free);
        virtctl_ok(&t, &out, "namespace", "exec", a, "--", "hostname", NULL);
        g_assert_cmpstr(out, ==, "k-host\n");

        virtctl_ok(&t, NULL, "namespace", "delete", a, NULL);
        g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
        g_autofree char *netns = ns_path(&t, a);
        g_assert_false(g_file_test(netns, G_FILE_TEST_EXISTS));
        g_assert_cmpint(test_sh(&mounts, "grep -F '/%s' /proc/self/mountinfo || true", a), ==, 0);
        g_assert_cmpstr(mounts, ==, "");
        g_clear_pointer(&out, g_free);
        virtctl_ok(&t, &out, "namespace", "list", NULL);
        g_assert_null(strstr(out, a));
        ns_fixture_stop(&t);
}

static void assert_error(int r, sd_bus_error *error, const char *name, const char *fragment) {
        g_assert_cmpint(r, <, 0);
        g_test_message("%s: %s", error->name, error->message);
        g_assert_cmpstr(error->name, ==, name);
        if (!strstr(error->message, fragment))
                g_error("'%s' does not contain '%s'", error->message, fragment);
        sd_bus_error_free(error);
}

static int veth(NsFixture *t, sd_bus_error *e, const char *n1, const char *ns1, const char *n2, const char *ns2) {
        return ns_fixture_call(t, e, NULL, "CreateVeth", "ssssssut", n1, ns1, "", n2, ns2, "", 0, (uint64_t) 0);
}

static void test_bad_input(void) {
        NsFixture t;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        g_autofree char *a = NULL, *b = NULL, *gone = NULL, *out = NULL, *gone_path = NULL;

        ns_fixture_start(&t, /* real_netns= */ false, /* polkit= */ false);
        a = ns_fixture_name(&t, "zb");
        b = ns_fixture_name(&t, "zb");
        gone = ns_fixture_name(&t, "zg");
        create_ns(&t, a);
        create_ns(&t, b);
        create_ns(&t, gone);

        /* Names. */
        assert_error(veth(&t, &e, "a234567890123456", a, "zbp", b), &e, VIRTD_ERROR_INVALID_ARGUMENT,
                     "'a234567890123456' is longer than 15 bytes");
        assert_error(veth(&t, &e, "zb/x", a, "zbp", b), &e, VIRTD_ERROR_INVALID_ARGUMENT, "'zb/x' contains '/'");
        assert_error(veth(&t, &e, "zb x", a, "zbp", b), &e, VIRTD_ERROR_INVALID_ARGUMENT, "contains whitespace");
        assert_error(veth(&t, &e, "zb\x01", a, "zbp", b), &e, VIRTD_ERROR_INVALID_ARGUMENT, "control character");
        assert_error(veth(&t, &e, "zbx", a, "..", b), &e, VIRTD_ERROR_INVALID_ARGUMENT, "Peer name '..'");
        assert_error(veth(&t, &e, ".", a, "zbp", b), &e, VIRTD_ERROR_INVALID_ARGUMENT, "Link name '.'");
        assert_error(ns_fixture_call(&t, &e, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", "x/y", 0, "", 0, 0, (uint64_t) 0), &e,
                     VIRTD_ERROR_INVALID_ARGUMENT, "Namespace name 'x/y' contains '/'");
        assert_error(ns_fixture_call(&t, &e, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", "..", 0, "", 0, 0, (uint64_t) 0), &e,
                     VIRTD_ERROR_INVALID_ARGUMENT, "Namespace name '..'");
        /* Duplicates. */
        assert_error(ns_fixture_call(&t, &e, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", a, 0, "", 0, 0, (uint64_t) 0), &e,
                     VIRTD_ERROR_EXISTS, a);
        assert_error(veth(&t, &e, "zbd", a, "zbd", a), &e, VIRTD_ERROR_INVALID_ARGUMENT, "both ends");
        g_assert_cmpint(veth(&t, &e, "zb0", a, "zb1", b), >=, 0);
        assert_error(veth(&t, &e, "zbn", a, "zb1", b), &e, VIRTD_ERROR_EXISTS, "Link zb1 already exists in");
        /* ... and nothing half-made: zbn was not created in a. */
        g_assert_cmpint(in_netns(&t, a, &out, "ip -o link"), ==, 0);
        g_assert_null(strstr(out, "zbn"));
        /* Namespaces that do not exist. */
        assert_error(veth(&t, &e, "zbx", a, "zby", "zbnosuch"), &e, VIRTD_ERROR_NOT_FOUND, "Peer namespace zbnosuch does not exist");
        /* Options. */
        assert_error(ns_fixture_call(&t, &e, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", "zbk", 1, "nonsense", "", 0, 0, (uint64_t) 0),
                     &e, VIRTD_ERROR_INVALID_ARGUMENT, "kind 'nonsense' is unknown");
        assert_error(ns_fixture_call(&t, &e, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", "zbk", 1, "net", "h", 0, 0, (uint64_t) 0),
                     &e, VIRTD_ERROR_INVALID_ARGUMENT, "hostname needs the uts kind");
        assert_error(ns_fixture_call(&t, &e, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", "zbk", 1, "user", "", 2, 0, 100000, 10, 5,
                          200000, 10, 0, (uint64_t) 0),
                     &e, VIRTD_ERROR_INVALID_ARGUMENT, "uid map ranges 1 and 2 overlap on the inside side");
        assert_error(ns_fixture_call(&t, &e, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", "zbk", 0, "", 0, 0, (uint64_t) 4), &e,
                     VIRTD_ERROR_INVALID_ARGUMENT, "unknown flags 0x4");
        /* Addresses that do not parse; settings of the wrong type. */
        assert_error(ns_fixture_call(&t, &e, NULL, "ConfigureLink", "ssa{sv}t", a, "zb0", 1, "add-addresses", "as", 1, "10.0.0.300/24",
                          (uint64_t) 0),
                     &e, VIRTD_ERROR_INVALID_ARGUMENT, "'10.0.0.300/24' is not an IPv4 or IPv6 address");
        assert_error(ns_fixture_call(&t, &e, NULL, "ConfigureLink", "ssa{sv}t", a, "zb0", 1, "mtu", "s", "big", (uint64_t) 0), &e,
                     VIRTD_ERROR_INVALID_ARGUMENT, "setting 'mtu' must have type 'u'");
        assert_error(ns_fixture_call(&t, &e, NULL, "ConfigureLink", "ssa{sv}t", a, "zb0", 1, "colour", "s", "red", (uint64_t) 0), &e,
                     VIRTD_ERROR_INVALID_ARGUMENT,
                     "Link zb0: unknown setting 'colour' (known: name, namespace, up, mtu, mac, add-addresses, remove-addresses).");
        assert_error(ns_fixture_call(&t, &e, NULL, "ConfigureLink", "ssa{sv}t", a, "zb0", 1, "mac", "s", "01:00:5e:00:00:01", (uint64_t) 0),
                     &e, VIRTD_ERROR_INVALID_ARGUMENT, "multicast");
        /* All or nothing: rename + move + a refused MTU leaves the link where and as it was. */
        assert_error(ns_fixture_call(&t, &e, NULL, "ConfigureLink", "ssa{sv}t", a, "zb0", 3, "namespace", "s", gone, "name", "s", "zbr",
                          "mtu", "u", 70000, (uint64_t) 0),
                     &e, VIRTD_ERROR_INVALID_ARGUMENT, "MTU 70000");
        g_clear_pointer(&out, g_free);
        g_assert_cmpint(in_netns(&t, a, &out, "ip -o link show zb0"), ==, 0);
        g_assert_nonnull(strstr(out, "mtu 1500"));
        g_clear_pointer(&out, g_free);
        g_assert_cmpint(in_netns(&t, gone, &out, "ip -o link"), ==, 0);
        g_assert_null(strstr(out, "zbr"));
        /* Moving into a namespace that is gone (deleted behind virtd's back, as "ip netns delete" does). */
        gone_path = ns_path(&t, gone);
        g_assert_cmpint(umount2(gone_path, MNT_DETACH), ==, 0);
        g_assert_cmpint(unlink(gone_path), ==, 0);
        assert_error(ns_fixture_call(&t, &e, NULL, "ConfigureLink", "ssa{sv}t", a, "zb0", 1, "namespace", "s", gone, (uint64_t) 0), &e,
                     VIRTD_ERROR_NOT_FOUND, gone);
        /* Deleting a link that someone else already deleted. */
        g_assert_cmpint(in_netns(&t, a, NULL, "ip link del zb0"), ==, 0);
        assert_error(ns_fixture_call(&t, &e, NULL, "DeleteLink", "sst", a, "zb0", (uint64_t) 0), &e, VIRTD_ERROR_NOT_FOUND,
                     "Link zb0 does not exist in");
        /* The same through virtctl: the message names the link and the reason. */
        g_autofree char *err = NULL;
        g_assert_cmpint(test_virtctl(&t.e, NULL, &err, "link", "delete", "zb0", "in", a, NULL), ==, 1);
        g_assert_nonnull(strstr(err, "Link zb0 does not exist in"));
        ns_fixture_stop(&t);
}

static void test_delete_busy(void) {
        NsFixture t;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        g_autofree char *a = NULL, *path = NULL, *pidstr = NULL;
        GPid pid;

        ns_fixture_start(&t, /* real_netns= */ false, /* polkit= */ false);
        a = ns_fixture_name(&t, "zp");
        create_ns(&t, a);
        path = ns_path(&t, a);
        const char *argv[] = { "nsenter", NULL, "sleep", "30", NULL };
        g_autofree char *net = g_strdup_printf("--net=%s", path);
        argv[1] = net;
        g_assert_true(g_spawn_async(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL));
        /* Wait until nsenter has joined the namespace: a fixed 200 ms was too short under TCG on a loaded host
         * (vm-namespace saw DeleteNamespace succeed). The joined process's ns/net is the pinned file's inode. */
        g_autofree char *pid_net = g_strdup_printf("/proc/%d/ns/net", pid);
        struct stat want, st;
        g_assert_cmpint(stat(path, &want), ==, 0);
        for (int i = 0; i < 1000 && !(stat(pid_net, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino); i++)
                g_usleep(10 * 1000);
        g_assert_cmpint(stat(pid_net, &st), ==, 0);
        g_assert_true(st.st_dev == want.st_dev && st.st_ino == want.st_ino);
        pidstr = g_strdup_printf("%d", pid);
        assert_error(ns_fixture_call(&t, &e, NULL, "DeleteNamespace", "sbt", a, 0, (uint64_t) 0), &e, VIRTD_ERROR_BUSY, pidstr);
        g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
        g_assert_cmpint(ns_fixture_call(&t, &e, NULL, "DeleteNamespace", "sbt", a, 1, (uint64_t) 0), >=, 0);
        g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
        kill(pid, SIGKILL);
        g_spawn_close_pid(pid);
        waitpid(pid, NULL, 0);
        ns_fixture_stop(&t);
}

static int create_as_nobody(sd_bus *bus, void *userdata) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "ListNamespaces", &error,
                               &reply, "");
        sd_bus_message_unref(reply);
        if (r < 0)
                return 1;
        r = sd_bus_call_method(bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "CreateNamespace", &error,
                               NULL, "sassa(uuu)a(uuu)t", (const char *) userdata, 0, "", 0, 0, (uint64_t) 0);
        if (r >= 0)
                return 0;
        return sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED) ? 10 : 11;
}

static void test_authorization(void) {
        NsFixture t;
        g_autofree char *a = NULL;
        const char *actions[] = { VIRTD_ACTION_MANAGE_NAMESPACES, NULL };

        ns_fixture_start(&t, /* real_netns= */ false, /* polkit= */ true);

        a = ns_fixture_name(&t, "za");
        g_assert_cmpint(test_fork_as(&t.e, NOBODY, NOBODY, create_as_nobody, a), ==, 10);
        g_autofree char *p = ns_path(&t, a);
        g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
        test_env_polkit_allow(&t.e, actions);
        g_assert_cmpint(test_fork_as(&t.e, NOBODY, NOBODY, create_as_nobody, a), ==, 0);
        g_assert_true(g_file_test(p, G_FILE_TEST_EXISTS));
        ns_fixture_stop(&t);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/namespace/introspection", test_introspection);
        g_test_add_func("/namespace/seed-example", test_seed_example);
        g_test_add_func("/namespace/iproute2-interop", test_iproute2_interop);
        g_test_add_func("/namespace/uts-pid-exec", test_uts_pid_exec);
        g_test_add_func("/namespace/user-cgroup-time", test_user_cgroup_time);
        g_test_add_func("/namespace/private-mount-namespace", test_private_mount_namespace);
        g_test_add_func("/namespace/link-down-signal", test_link_down_signal);
        g_test_add_func("/namespace/link-operations", test_link_operations);
        g_test_add_func("/namespace/bad-input", test_bad_input);
        g_test_add_func("/namespace/delete-busy", test_delete_busy);
        g_test_add_func("/namespace/authorization", test_authorization);
        return g_test_run();
}
