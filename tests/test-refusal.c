/* test-refusal.c: an Apply whose step the kernel refuses (EBUSY, ENOSPC, EPERM) is rolled back completely and
 * names the step, the object and the kernel's reason. */
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault-fixture.h"
#include "virtd-bus.h"

typedef struct Refusal {
        FaultFixture f;
        char *ns_old, *ns_new, *veth_a, *veth_b;
        GPid task;      /* a process inside the group whose change the kernel refuses */
} Refusal;

/* A refusal to provoke: the group it happens in, its controller and parameter, the value before and the
 * value the kernel refuses, whether a task must sit in the group, and what the kernel answers. */
typedef struct Case {
        const char *name;
        const char *controller;
        const char *extra;       /* further parameters of the group, written as they are */
        const char *param, *before, *refused;
        bool child;              /* the refused value goes into a new child group instead */
        bool task;
        const char *error_name, *reason;
} Case;

static const Case cases[] = {
        { "ebusy", "memory", "", "memory.limit_in_bytes", "67108864", "4096", false, true,
          VIRTD_ERROR_BUSY, "Device or resource busy" },
        { "enospc", "cpuset", "\t\tcpuset.mems = \"0\";\n", "cpuset.cpus", "0", "", false, true,
          VIRTD_ERROR_NO_SPACE, "No space left on device" },
        { "eperm", "devices", "", "devices.deny", "a", "c 1:3 rwm", true, false,
          VIRTD_ERROR_PERMISSION_DENIED, "Operation not permitted" },
};

static void kill_task(void *data) {
        Refusal *t = data;

        if (t->task > 0) {
                kill(t->task, SIGKILL);
                waitpid(t->task, NULL, 0);
                t->task = 0;
        }
}

static char *group_text(Refusal *t, const Case *c, bool refuse) {
        g_autofree char *g = fault_group_name(&t->f, c->name), *a0 = fault_group_name(&t->f, "a0");
        const char *value = refuse && !c->child ? c->refused : c->before;
        g_autofree char *own = g_strdup_printf("group %s {\n\t%s {\n\t\t%s = \"%s\";\n%s\t}\n}\n", g, c->controller, c->param,
                                               value, c->extra);

        if (!refuse)
                return g_steal_pointer(&own);
        /* A group created before the refused step ("a0" sorts first), and for the child case the child. */
        if (c->child)
                return g_strdup_printf("group %s {\n\tpids {\n\t\tpids.max = \"5\";\n\t}\n}\n\n%s\n"
                                       "group %s/zchild {\n\t%s {\n\t\tdevices.allow = \"%s\";\n\t}\n}\n",
                                       a0, own, g, c->controller, c->refused);
        return g_strdup_printf("group %s {\n\tpids {\n\t\tpids.max = \"5\";\n\t}\n}\n\n%s", a0, own);
}

static char *network_text(Refusal *t, bool refuse) {
        if (!refuse)
                return g_strdup_printf("namespace %s {\n\tkinds = net;\n}\n", t->ns_old);
        return g_strdup_printf("namespace %s {\n\tkinds = net;\n}\n\nnamespace %s {\n\tkinds = net;\n}\n\n"
                               "veth %s {\n\tnamespace = %s;\n\tpeer = %s;\n\tpeer-namespace = %s;\n"
                               "\taddress = 10.79.0.1/24;\n\tpeer-address = 10.79.0.2/24;\n}\n",
                               t->ns_old, t->ns_new, t->veth_a, t->ns_old, t->veth_b, t->ns_new);
}

/* Everything the Apply could have touched, as text: groups in every hierarchy with the values that matter,
 * namespaces, the links in the namespace that exists before, and what virtd lists. */
static char *kernel_state(Refusal *t, const Case *c) {
        g_autofree char *groups = fault_groups(&t->f), *namespaces = fault_namespaces(&t->f);
        g_autofree char *links = fault_links(&t->f, t->ns_old);
        g_autofree char *value = fault_group_value(&t->f, c->controller, c->name,
                                                    g_str_equal(c->controller, "devices") ? "devices.list" : c->param);
        g_autofree char *pids = fault_group_value(&t->f, "pids", "a0", "pids.max");
        g_autofree char *listed_groups = fault_list_names(&t->f, "ListGroups", "saso", 0, NULL);
        g_autofree char *listed_ns = fault_list_names(&t->f, "ListNamespaces", "saso", 0, NULL);
        g_autofree char *host = NULL;

        (void) test_sh(&host, "ip -o link show | grep -c -E '%s|%s'", t->veth_a, t->veth_b);
        return g_strdup_printf("groups:\n%s%s: %s\na0 pids.max: %s\nnamespaces:\n%slinks in %s:\n%s"
                               "host links of the test: %slisted groups:\n%slisted namespaces:\n%s",
                               groups, c->param, value, pids, namespaces, t->ns_old, links, host, listed_groups, listed_ns);
}

static void start_task(Refusal *t, const Case *c) {
        g_autofree char *mount = fault_v1_mount(c->controller);
        g_autofree char *tasks = g_strdup_printf("%s%s/%s/tasks", mount, t->f.base, c->name);
        g_autofree char *script = g_strdup_printf("echo $$ > %s && exec sleep 600", tasks);
        const char *argv[] = { "/bin/sh", "-c", script, NULL };
        g_autoptr(GError) error = NULL;

        g_assert_true(g_spawn_async(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &t->task, &error));
        test_defer(kill_task, t);
        /* Until sleep runs in the group and its pages are charged there. */
        for (int i = 0;; i++) {
                g_autofree char *in = NULL, *comm = NULL, *path = g_strdup_printf("/proc/%d/comm", t->task);

                g_assert_true(g_file_get_contents(tasks, &in, NULL, NULL));
                if (g_file_get_contents(path, &comm, NULL, NULL) && g_str_has_prefix(comm, "sleep") && *in)
                        break;
                g_assert_cmpint(i, <, 500);
                g_usleep(10000);
        }
}

static void run_case(gconstpointer data) {
        const Case *c = data;
        Refusal t = {};
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *mount = fault_v1_mount(c->controller);
        g_autofree char *cg = NULL, *net = NULL, *before = NULL, *after = NULL, *group = NULL;

        if (!mount) {
                /* cgroup v2 reclaims or kills instead of refusing these writes (memory.max, empty cpuset.cpus are
                 * accepted), so the refusals exist only on a v1 hierarchy. */
                g_test_skip("no cgroup v1 hierarchy of this controller: the kernel would not refuse");
                return;
        }
        fault_fixture_start(&t.f);
        t.ns_old = test_unique_name("frf");
        t.ns_new = test_unique_name("frn");
        t.veth_a = test_unique_name("frv");
        t.veth_b = test_unique_name("frv");
        cg = group_text(&t, c, false);
        net = network_text(&t, false);
        fault_write_config(&t.f, "cgconfig.conf", cg);
        fault_write_config(&t.f, "network.conf", net);
        fault_start_virtd(&t.f);
        if (c->task)
                start_task(&t, c);
        before = kernel_state(&t, c);

        g_free(cg), g_free(net);
        cg = group_text(&t, c, true);
        net = network_text(&t, true);
        fault_write_config(&t.f, "cgconfig.conf", cg);
        fault_write_config(&t.f, "network.conf", net);
        g_assert_cmpint(fault_call(&t.f, "Apply", &error), <, 0);
        g_test_message("%s: %s: %s", c->name, error.name, error.message);
        g_test_message("FIGURE refusal-%s=%s: %s", c->name, error.name, error.message);
        g_assert_cmpstr(error.name, ==, c->error_name);
        group = fault_group_name(&t.f, c->child ? "" : c->name);
        g_assert_nonnull(strstr(error.message, "Step "));
        g_assert_nonnull(strstr(error.message, group));
        g_assert_nonnull(strstr(error.message, c->child ? "devices.allow" : c->param));
        g_assert_nonnull(strstr(error.message, c->reason));
        sd_bus_error_free(&error);

        after = kernel_state(&t, c);
        assert_text(after, before);
        kill_task(&t);
        fault_fixture_stop(&t.f);
        g_free(t.ns_old), g_free(t.ns_new), g_free(t.veth_a), g_free(t.veth_b);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *path = g_strdup_printf("/refusal/%s", cases[i].name);
                g_test_add_data_func(path, &cases[i], run_case);
        }
        return g_test_run();
}
