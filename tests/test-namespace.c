/* test-namespace.c: named namespaces and veth links through virtd, against the real kernel and iproute2. */
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
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

/* Calls a Manager method; returns the call's result, the error and reply when asked for. */
static int call(NsFixture *t, sd_bus_error *error, sd_bus_message **reply, const char *member, const char *types, ...) {
        va_list ap;
        int r;

        va_start(ap, types);
        r = sd_bus_call_methodv(t->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, member, error, reply,
                                types, ap);
        va_end(ap);
        return r;
}

static void create_ns(NsFixture *t, const char *name) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        if (call(t, &error, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", name, 0, "", 0, 0, (uint64_t) 0) < 0)
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
        g_assert_cmpint(call(&t, &error, &reply, "CreateVeth", "ssssssut", "vi0", a, "", "vi1", a, "", 0, (uint64_t) 0), >=, 0);
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
        g_assert_cmpint(call(&t, &error, &reply, "CreateVeth", "ssssssut", "zd0", a, "", "zd1", a, "", 0, (uint64_t) 0), >=, 0);
        g_assert_cmpint(sd_bus_message_read(reply, "oo", &o1, &o2), >, 0);
        p1 = g_strdup(o1);
        sd_bus_message_unref(reply);
        g_assert_cmpint(call(&t, &error, NULL, "ConfigureLink", "ssa{sv}t", a, "zd0", 1, "up", "b", 1, (uint64_t) 0), >=, 0);
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

static void assert_error(int r, sd_bus_error *error, const char *name, const char *fragment) {
        g_assert_cmpint(r, <, 0);
        g_test_message("%s: %s", error->name, error->message);
        g_assert_cmpstr(error->name, ==, name);
        if (!strstr(error->message, fragment))
                g_error("'%s' does not contain '%s'", error->message, fragment);
        sd_bus_error_free(error);
}

static int veth(NsFixture *t, sd_bus_error *e, const char *n1, const char *ns1, const char *n2, const char *ns2) {
        return call(t, e, NULL, "CreateVeth", "ssssssut", n1, ns1, "", n2, ns2, "", 0, (uint64_t) 0);
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
        assert_error(call(&t, &e, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", "x/y", 0, "", 0, 0, (uint64_t) 0), &e,
                     VIRTD_ERROR_INVALID_ARGUMENT, "Namespace name 'x/y' contains '/'");
        assert_error(call(&t, &e, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", "..", 0, "", 0, 0, (uint64_t) 0), &e,
                     VIRTD_ERROR_INVALID_ARGUMENT, "Namespace name '..'");
        /* Duplicates. */
        assert_error(call(&t, &e, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", a, 0, "", 0, 0, (uint64_t) 0), &e,
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
        assert_error(call(&t, &e, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", "zbk", 1, "nonsense", "", 0, 0, (uint64_t) 0),
                     &e, VIRTD_ERROR_INVALID_ARGUMENT, "kind 'nonsense' is unknown");
        assert_error(call(&t, &e, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", "zbk", 1, "net", "h", 0, 0, (uint64_t) 0),
                     &e, VIRTD_ERROR_INVALID_ARGUMENT, "hostname needs the uts kind");
        assert_error(call(&t, &e, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", "zbk", 1, "user", "", 2, 0, 100000, 10, 5,
                          200000, 10, 0, (uint64_t) 0),
                     &e, VIRTD_ERROR_INVALID_ARGUMENT, "uid map ranges 1 and 2 overlap on the inside side");
        assert_error(call(&t, &e, NULL, "CreateNamespace", "sassa(uuu)a(uuu)t", "zbk", 0, "", 0, 0, (uint64_t) 4), &e,
                     VIRTD_ERROR_INVALID_ARGUMENT, "unknown flags 0x4");
        /* Addresses that do not parse; settings of the wrong type. */
        assert_error(call(&t, &e, NULL, "ConfigureLink", "ssa{sv}t", a, "zb0", 1, "add-addresses", "as", 1, "10.0.0.300/24",
                          (uint64_t) 0),
                     &e, VIRTD_ERROR_INVALID_ARGUMENT, "'10.0.0.300/24' is not an IPv4 or IPv6 address");
        assert_error(call(&t, &e, NULL, "ConfigureLink", "ssa{sv}t", a, "zb0", 1, "mtu", "s", "big", (uint64_t) 0), &e,
                     VIRTD_ERROR_INVALID_ARGUMENT, "setting 'mtu' must have type 'u'");
        assert_error(call(&t, &e, NULL, "ConfigureLink", "ssa{sv}t", a, "zb0", 1, "colour", "s", "red", (uint64_t) 0), &e,
                     VIRTD_ERROR_INVALID_ARGUMENT,
                     "Link zb0: unknown setting 'colour' (known: name, namespace, up, mtu, mac, add-addresses, remove-addresses).");
        assert_error(call(&t, &e, NULL, "ConfigureLink", "ssa{sv}t", a, "zb0", 1, "mac", "s", "01:00:5e:00:00:01", (uint64_t) 0),
                     &e, VIRTD_ERROR_INVALID_ARGUMENT, "multicast");
        /* All or nothing: rename + move + a refused MTU leaves the link where and as it was. */
        assert_error(call(&t, &e, NULL, "ConfigureLink", "ssa{sv}t", a, "zb0", 3, "namespace", "s", gone, "name", "s", "zbr",
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
        assert_error(call(&t, &e, NULL, "ConfigureLink", "ssa{sv}t", a, "zb0", 1, "namespace", "s", gone, (uint64_t) 0), &e,
                     VIRTD_ERROR_NOT_FOUND, gone);
        /* Deleting a link that someone else already deleted. */
        g_assert_cmpint(in_netns(&t, a, NULL, "ip link del zb0"), ==, 0);
        assert_error(call(&t, &e, NULL, "DeleteLink", "sst", a, "zb0", (uint64_t) 0), &e, VIRTD_ERROR_NOT_FOUND,
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
        assert_error(call(&t, &e, NULL, "DeleteNamespace", "sbt", a, 0, (uint64_t) 0), &e, VIRTD_ERROR_BUSY, pidstr);
        g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
        g_assert_cmpint(call(&t, &e, NULL, "DeleteNamespace", "sbt", a, 1, (uint64_t) 0), >=, 0);
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
        g_test_add_func("/namespace/link-down-signal", test_link_down_signal);
        g_test_add_func("/namespace/bad-input", test_bad_input);
        g_test_add_func("/namespace/delete-busy", test_delete_busy);
        g_test_add_func("/namespace/authorization", test_authorization);
        return g_test_run();
}
