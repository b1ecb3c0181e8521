/* fault-fixture.c: virtd killed and restarted on a private bus, and the kernel state it manages as text. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "fault-fixture.h"
#include "virtd-bus.h"

static void fault_cleanup(void *data) {
        FaultFixture *f = data;

        /* Unbinding the namespace files destroys the namespaces and the links in them. */
        if (f->e.dir)
                test_umount_below(f->e.dir);
        test_remove_cgroup_subtree(f->base);
}

void fault_fixture_start(FaultFixture *f) {
        TestEnvOptions o = { .no_virtd = true };
        g_autofree char *name = test_unique_name("vflt");

        test_require_root();
        memset(f, 0, sizeof(*f));
        f->base = g_strdup_printf("/%s", name);
        test_env_start(&f->e, &o);
        f->netns_dir = g_build_filename(f->e.dir, "netns", NULL);
        test_defer(fault_cleanup, f);
}

void fault_fixture_stop(FaultFixture *f) {
        test_env_stop_virtd(&f->e);
        fault_cleanup(f);
        test_env_stop(&f->e);
        g_clear_pointer(&f->base, g_free);
        g_clear_pointer(&f->netns_dir, g_free);
}

void fault_start_virtd(FaultFixture *f) {
        g_autofree char *a1 = g_strdup_printf("--cgroup-base=%s", f->base);
        g_autofree char *a2 = g_strdup_printf("--netns-dir=%s", f->netns_dir);
        const char *args[] = { a1, a2, "--log-level=notice", NULL };

        test_env_start_virtd(&f->e, args);
}

static bool virtd_on_bus(FaultFixture *f) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int has = 0;

        g_assert_cmpint(sd_bus_call_method(f->e.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                           "NameHasOwner", &error, &reply, "s", VIRTD_BUS_NAME), >=, 0);
        g_assert_cmpint(sd_bus_message_read(reply, "b", &has), >=, 0);
        sd_bus_message_unref(reply);
        return has;
}

void fault_kill_virtd(FaultFixture *f) {
        int status;

        g_assert_cmpint(f->e.virtd_pid, >, 0);
        g_assert_cmpint(kill(f->e.virtd_pid, SIGKILL), ==, 0);
        g_assert_cmpint(waitpid(f->e.virtd_pid, &status, 0), ==, f->e.virtd_pid);
        f->e.virtd_pid = 0;
        /* The bus notices the closed socket on its own time; a restart before that would find the old owner. */
        for (int i = 0; virtd_on_bus(f); i++) {
                g_assert_cmpint(i, <, 1000);
                g_usleep(2000);
        }
}

char *fault_group_name(FaultFixture *f, const char *sub) {
        return g_strdup_printf("%s/%s", f->base + 1, sub);
}

void fault_write_config(FaultFixture *f, const char *name, const char *text) {
        g_autofree char *path = g_build_filename(f->e.config_dir, name, NULL);

        g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

char *fault_read_config(FaultFixture *f, const char *name) {
        g_autofree char *path = g_build_filename(f->e.config_dir, name, NULL);
        char *text = NULL;

        return g_file_get_contents(path, &text, NULL, NULL) ? text : NULL;
}

void fault_call_async(FaultFixture *f, const char *method) {
        sd_bus *bus = NULL;
        sd_bus_message *call = NULL;

        (void) f;
        g_assert_cmpint(sd_bus_open_system(&bus), >=, 0);
        g_assert_cmpint(sd_bus_message_new_method_call(bus, &call, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT,
                                                       VIRTD_INTERFACE_MANAGER, method), >=, 0);
        g_assert_cmpint(sd_bus_message_append(call, "t", (uint64_t) 0), >=, 0);
        g_assert_cmpint(sd_bus_send(bus, call, NULL), >=, 0);
        g_assert_cmpint(sd_bus_flush(bus), >=, 0);
        sd_bus_message_unref(call);
        sd_bus_close_unref(bus);
}

int fault_call(FaultFixture *f, const char *method, sd_bus_error *error) {
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, method, error, &reply,
                               "t", (uint64_t) 0);
        sd_bus_message_unref(reply);
        return r;
}

static char *sh_out(const char *cmd) {
        char *out = NULL;

        g_assert_cmpint(test_sh(&out, "%s", cmd), ==, 0);
        return out;
}

char *fault_groups(FaultFixture *f) {
        g_autofree char *cmd = g_strdup_printf(
                "for m in $(awk '$0 ~ / - cgroup2? / { print $5 }' /proc/self/mountinfo); do "
                "  [ -d \"$m%s\" ] && find \"$m%s\" -mindepth 1 -type d -printf \"${m##*/}:%%P\\n\"; "
                "done | sort",
                f->base, f->base);
        return sh_out(cmd);
}

char *fault_namespaces(FaultFixture *f) {
        g_autofree char *cmd = g_strdup_printf(
                "{ [ -d %s ] && ls -1 %s | sed 's/^/file /'; "
                "  awk -v d=%s/ 'index($5, d) == 1 { print \"mount \" substr($5, length(d) + 1) }' /proc/self/mountinfo; } | sort -u",
                f->netns_dir, f->netns_dir, f->netns_dir);
        return sh_out(cmd);
}

char *fault_links(FaultFixture *f, const char *ns) {
        g_autofree char *cmd = g_strdup_printf(
                "nsenter --net=%s/%s ip -o link show | awk -F': ' '{ sub(/@.*/, \"\", $2); if ($2 != \"lo\") print $2 }' | sort",
                f->netns_dir, ns);
        return sh_out(cmd);
}

char *fault_v1_mount(const char *controller) {
        g_autofree char *cmd = g_strdup_printf(
                "awk '$0 ~ / - cgroup / { n = split($NF, o, \",\"); for (i = 1; i <= n; i++) if (o[i] == \"%s\") print $5 }' "
                "/proc/self/mountinfo | head -n1",
                controller);
        g_autofree char *out = sh_out(cmd);

        g_strstrip(out);
        return *out ? g_steal_pointer(&out) : NULL;
}

char *fault_group_value(FaultFixture *f, const char *controller, const char *sub, const char *file) {
        g_autofree char *mount = fault_v1_mount(controller);
        g_autofree char *path = NULL;
        char *value = NULL;

        path = g_strdup_printf("%s%s/%s/%s", mount ? mount : "/sys/fs/cgroup", f->base, sub, file);
        if (!g_file_get_contents(path, &value, NULL, NULL))
                return g_strdup("(none)");
        return g_strstrip(value);
}

static gint compare_names(gconstpointer a, gconstpointer b) {
        return g_strcmp0(*(char * const *) a, *(char * const *) b);
}

char *fault_list_names(FaultFixture *f, const char *method, const char *signature, unsigned field, const char *ns) {
        g_autofree char *strct = g_strdup_printf("(%s)", signature);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        GString *s = g_string_new(NULL);
        const char *name;
        int r;

        g_assert_cmpuint(strspn(signature, "s"), >, field);
        if (ns)
                r = sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, method, &error,
                                       &reply, "s", ns);
        else
                r = sd_bus_call_method(f->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, method, &error,
                                       &reply, "");
        if (r < 0)
                g_error("%s: %s", method, error.message);
        g_assert_cmpint(sd_bus_message_enter_container(reply, 'a', strct), >=, 0);
        while ((r = sd_bus_message_enter_container(reply, 'r', signature)) > 0) {
                for (unsigned i = 0; i <= field; i++)
                        g_assert_cmpint(sd_bus_message_read(reply, "s", &name), >=, 0);
                g_ptr_array_add(names, g_strdup(name));
                g_assert_cmpint(sd_bus_message_skip(reply, signature + field + 1), >=, 0);
                g_assert_cmpint(sd_bus_message_exit_container(reply), >=, 0);
        }
        g_assert_cmpint(r, >=, 0);
        sd_bus_message_unref(reply);
        g_ptr_array_sort(names, compare_names);
        for (guint i = 0; i < names->len; i++)
                g_string_append_printf(s, "%s\n", (char *) names->pdata[i]);
        return g_string_free(s, FALSE);
}
