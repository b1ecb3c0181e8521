/* test-hostile.c: every method and property from the shipped XML called by an unprivileged caller, and malformed
 * messages (wrong signatures, 1 MiB strings, 100k-element arrays, unknown members, 5,000 pipelined calls). */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "virtd-bus.h"

#define NOBODY 65534
#define HUGE_STRING_SIZE (1024 * 1024)
#define HUGE_ARRAY_SIZE 100000
#define PIPELINED_CALLS 5000
#define PIPELINE_CONNECTIONS 50
/* A call must be answered within a minute; ten under a VIRTD_TEST_WRAPPER such as valgrind. */
#define CALL_TIMEOUT_USEC ((g_getenv("VIRTD_TEST_WRAPPER") ? 600 : 60) * G_USEC_PER_SEC)

/* How argument values are made up from a method's signature. */
typedef enum ArgMode {
        ARGS_ZERO,        /* "", 0, empty arrays */
        ARGS_PLAUSIBLE,   /* values that pass validation, so that only authorization can stop the call */
        ARGS_HUGE_STRING, /* every string 1 MiB long */
        ARGS_HUGE_ARRAY,  /* every array 100,000 elements long, the rest plausible */
} ArgMode;

typedef struct Method {
        GDBusMethodInfo *info;
        char *action; /* the polkit action the XML comment names, NULL for a read method */
} Method;

typedef struct Hostile {
        TestEnv e;
        char *base, *base_arg, *netns_dir, *netns_arg;
        char *ns, *veth, *peer, *group, *vlan;
        GPtrArray *objects;   /* "PATH INTERFACE" of every live object */
        GPtrArray *methods;   /* Method*, Manager's */
        GHashTable *ifaces;   /* interface name -> GDBusInterfaceInfo (from the shipped XML) */
        GPtrArray *nodes;     /* GDBusNodeInfo, keeps ifaces alive */
        unsigned fresh;       /* counter for names that must not exist */
        unsigned n_inputs;
        unsigned n_unauthorized;
} Hostile;

/* ---- the shipped XML ---- */

/* The polkit action the comment right before <method name="NAME"> names, or NULL. */
static char *comment_action(const char *xml, const char *name) {
        g_autofree char *pattern = g_strdup_printf("<!--((?:(?!-->).)*)-->\\s*<method name=\"%s\"", name);
        g_autoptr(GRegex) re = g_regex_new(pattern, G_REGEX_DOTALL, 0, NULL);
        g_autoptr(GRegex) action = g_regex_new("polkit\\s+action\\s+(org\\.virtd\\.Virtd1\\.[a-z-]+)", 0, 0, NULL);
        g_autoptr(GMatchInfo) mi = NULL, ai = NULL;
        g_autofree char *comment = NULL;

        if (!g_regex_match(re, xml, 0, &mi))
                return NULL;
        comment = g_match_info_fetch(mi, 1);
        if (!g_regex_match(action, comment, 0, &ai))
                return NULL;
        return g_match_info_fetch(ai, 1);
}

static bool has_flags_arg(GDBusMethodInfo *m) {
        guint n = 0;

        while (m->in_args && m->in_args[n])
                n++;
        return n > 0 && g_str_equal(m->in_args[n - 1]->name, "flags") && g_str_equal(m->in_args[n - 1]->signature, "t");
}

/* Reads every dbus/org.virtd.Virtd1.*.xml; classifies each method as mutating (its comment names a polkit
 * action, and it takes "t flags") or reading (neither). A method with only one of the two fails the test,
 * except Reload, which predates the flags convention (it takes no arguments at all). */
static void load_xml(Hostile *h) {
        g_autofree char *policy = NULL;
        g_autoptr(GDir) dir = g_dir_open(TEST_SOURCE_PATH("dbus"), 0, NULL);
        const char *f;

        g_assert_true(g_file_get_contents(TEST_BUILD_PATH("dbus/org.virtd.Virtd1.policy"), &policy, NULL, NULL));
        g_assert_nonnull(dir);
        while ((f = g_dir_read_name(dir))) {
                g_autofree char *path = g_build_filename(TEST_SOURCE_PATH("dbus"), f, NULL), *xml = NULL;
                GDBusNodeInfo *node;

                if (!g_str_has_prefix(f, "org.virtd.Virtd1.") || !g_str_has_suffix(f, ".xml"))
                        continue;
                g_assert_true(g_file_get_contents(path, &xml, NULL, NULL));
                node = g_dbus_node_info_new_for_xml(xml, NULL);
                g_assert_nonnull(node);
                g_ptr_array_add(h->nodes, node);
                for (GDBusInterfaceInfo **i = node->interfaces; i && *i; i++) {
                        g_hash_table_insert(h->ifaces, (*i)->name, *i);
                        for (GDBusMethodInfo **m = (*i)->methods; m && *m; m++) {
                                Method *method = g_new0(Method, 1);

                                g_assert_cmpstr((*i)->name, ==, VIRTD_INTERFACE_MANAGER);
                                method->info = *m;
                                method->action = comment_action(xml, (*m)->name);
                                if (!method->action != !has_flags_arg(*m) && !g_str_equal((*m)->name, "Reload"))
                                        g_error("%s.%s: the XML comment %s a polkit action but the method %s the 't flags' "
                                                "argument: classify it", (*i)->name, (*m)->name,
                                                method->action ? "names" : "does not name",
                                                has_flags_arg(*m) ? "has" : "lacks");
                                if (method->action) {
                                        g_autofree char *id = g_strdup_printf("<action id=\"%s\">", method->action);
                                        if (!strstr(policy, id))
                                                g_error("%s: action %s is not in the polkit policy", (*m)->name, method->action);
                                }
                                g_ptr_array_add(h->methods, method);
                        }
                }
        }
        g_assert_cmpuint(h->methods->len, >, 0);
}

/* ---- building arguments from a signature ---- */

static size_t type_length(const char *s) {
        size_t i = 1;

        switch (*s) {
        case 'a':
                return 1 + type_length(s + 1);
        case '(':
        case '{':
                while (s[i] != ')' && s[i] != '}')
                        i += type_length(s + i);
                return i + 1;
        default:
                return 1;
        }
}

static char *fresh_name(Hostile *h) {
        return g_strdup_printf("hx%u-%u", (unsigned) getpid() % 100000, h->fresh++);
}

/* A string argument that passes validation: fresh names for what a Create* method makes, the live test
 * objects for everything else, so that a missing authorization check would show as a real change. */
static const char *plausible_string(Hostile *h, const char *method, const char *arg, GPtrArray *keep) {
        bool create = g_str_has_prefix(method, "Create");

        if (g_str_equal(arg, "namespace") || g_str_equal(arg, "peer_namespace"))
                return h->ns;
        if (g_str_equal(arg, "parent") || g_str_equal(arg, "port"))
                return h->veth;
        if (g_str_equal(arg, "protocol"))
                return "802.1Q";
        if (g_str_equal(arg, "group")) {
                if (!create)
                        return h->group;
                g_autofree char *n = fresh_name(h);
                char *g = g_strdup_printf("pids:/%s", n);
                g_ptr_array_add(keep, g);
                return g;
        }
        if (g_str_equal(arg, "name") || g_str_equal(arg, "peer_name")) {
                if (create) {
                        char *n = fresh_name(h);
                        g_ptr_array_add(keep, n);
                        return n;
                }
                if (strstr(method, "Namespace"))
                        return h->ns;
                return strstr(method, "Vlan") && h->vlan ? h->vlan : h->veth;
        }
        return "";
}

typedef struct ArgCtx {
        Hostile *h;
        const char *method, *arg;
        ArgMode mode;
        const char *huge; /* HUGE_STRING_SIZE bytes */
        GPtrArray *keep;  /* strings to free after the call */
} ArgCtx;

static void append_value(sd_bus_message *m, const char *sig, ArgCtx *c, bool top);

static void append_container(sd_bus_message *m, char type, const char *inner, ArgCtx *c) {
        g_autofree char *contents = g_strdup(inner);

        g_assert_cmpint(sd_bus_message_open_container(m, type, contents), >=, 0);
        for (const char *p = contents; *p; p += type_length(p)) {
                g_autofree char *one = g_strndup(p, type_length(p));
                append_value(m, one, c, false);
        }
        g_assert_cmpint(sd_bus_message_close_container(m), >=, 0);
}

static void append_value(sd_bus_message *m, const char *sig, ArgCtx *c, bool top) {
        const char *s;
        size_t len = type_length(sig);

        switch (sig[0]) {
        case 'a': {
                g_autofree char *elem = g_strndup(sig + 1, len - 1);
                unsigned n = c->mode == ARGS_HUGE_ARRAY ? HUGE_ARRAY_SIZE : 0;
                ArgMode saved = c->mode;

                if (c->mode == ARGS_PLAUSIBLE && top && g_str_equal(c->arg, "kinds"))
                        n = 1;
                g_assert_cmpint(sd_bus_message_open_container(m, 'a', elem), >=, 0);
                /* Array elements stay small; 100,000 one-megabyte strings would test the test. */
                if (c->mode == ARGS_HUGE_STRING)
                        c->mode = ARGS_ZERO;
                for (unsigned i = 0; i < n; i++) {
                        if (elem[0] == '{') {
                                g_autofree char *inner = g_strndup(elem + 1, strlen(elem) - 2);
                                append_container(m, 'e', inner, c);
                        } else if (top && g_str_equal(c->arg, "kinds") && saved == ARGS_PLAUSIBLE)
                                g_assert_cmpint(sd_bus_message_append(m, "s", "net"), >=, 0);
                        else
                                append_value(m, elem, c, false);
                }
                c->mode = saved;
                g_assert_cmpint(sd_bus_message_close_container(m), >=, 0);
                return;
        }
        case '(': {
                g_autofree char *inner = g_strndup(sig + 1, len - 2);
                append_container(m, 'r', inner, c);
                return;
        }
        case 'v':
                g_assert_cmpint(sd_bus_message_append(m, "v", "s", ""), >=, 0);
                return;
        case 's':
                if (c->mode == ARGS_HUGE_STRING)
                        s = c->huge;
                else if (c->mode == ARGS_ZERO || !top)
                        s = "";
                else
                        s = plausible_string(c->h, c->method, c->arg, c->keep);
                g_assert_cmpint(sd_bus_message_append_basic(m, 's', s), >=, 0);
                return;
        case 'o':
                g_assert_cmpint(sd_bus_message_append_basic(m, 'o', "/"), >=, 0);
                return;
        case 'g':
                g_assert_cmpint(sd_bus_message_append_basic(m, 'g', ""), >=, 0);
                return;
        case 'u': {
                uint32_t u = c->mode != ARGS_ZERO && top && g_str_equal(c->arg, "id") ? 10 : 0;
                g_assert_cmpint(sd_bus_message_append_basic(m, 'u', &u), >=, 0);
                return;
        }
        case 'y': case 'b': case 'n': case 'q': case 'i': case 'x': case 't': case 'd': {
                uint64_t zero = 0;
                g_assert_cmpint(sd_bus_message_append_basic(m, sig[0], &zero), >=, 0);
                return;
        }
        default:
                g_error("%s.%s: no generator for type '%s'", c->method, c->arg, sig);
        }
}

static sd_bus_message *build_call(Hostile *h, sd_bus *bus, Method *method, ArgMode mode, const char *huge,
                                  GPtrArray *keep) {
        sd_bus_message *call = NULL;
        ArgCtx c = { .h = h, .method = method->info->name, .mode = mode, .huge = huge, .keep = keep };

        g_assert_cmpint(sd_bus_message_new_method_call(bus, &call, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT,
                                                       VIRTD_INTERFACE_MANAGER, method->info->name), >=, 0);
        for (GDBusArgInfo **a = method->info->in_args; a && *a; a++) {
                c.arg = (*a)->name;
                append_value(call, (*a)->signature, &c, true);
        }
        return call;
}

/* Sends, waits; returns the error name, or "" on success. */
static char *call_result(sd_bus *bus, sd_bus_message *call, char **ret_message) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        char *name;
        int r;

        r = sd_bus_call(bus, call, CALL_TIMEOUT_USEC, &error, &reply);
        if (r >= 0)
                name = g_strdup("");
        else
                name = g_strdup(error.name ? error.name : "(local error)");
        if (ret_message)
                *ret_message = g_strdup(error.message ? error.message : "");
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        return name;
}

static bool virtd_error(const char *name) {
        return g_str_has_prefix(name, VIRTD_ERROR_PREFIX);
}

/* ---- the unprivileged caller ---- */

typedef struct ChildArgs {
        Hostile *h;
        int fd;
} ChildArgs;

/* In the child (uid 65534): every Manager method with zero and with plausible arguments, every property of every
 * live object read and written. One line per input to the pipe: "KIND NAME MODE RESULT". */
static int unprivileged_calls(sd_bus *bus, void *userdata) {
        ChildArgs *a = userdata;
        Hostile *h = a->h;
        FILE *out = fdopen(a->fd, "w");

        if (!out)
                return 1;
        for (guint i = 0; i < h->methods->len; i++) {
                Method *method = g_ptr_array_index(h->methods, i);

                for (ArgMode mode = ARGS_ZERO; mode <= ARGS_PLAUSIBLE; mode++) {
                        g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_free);
                        sd_bus_message *call = build_call(h, bus, method, mode, NULL, keep);
                        g_autofree char *message = NULL;
                        g_autofree char *result = call_result(bus, call, &message);

                        sd_bus_message_unref(call);
                        g_strdelimit(message, "\n", ' ');
                        fprintf(out, "method %s %d %s %s\n", method->info->name, mode, *result ? result : "ok", message);
                }
        }
        for (guint i = 0; i < h->objects->len; i++) {
                g_auto(GStrv) pi = g_strsplit(g_ptr_array_index(h->objects, i), " ", 2);
                GDBusInterfaceInfo *iface = g_hash_table_lookup(h->ifaces, pi[1]);
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                int r;

                r = sd_bus_call_method(bus, VIRTD_BUS_NAME, pi[0], "org.freedesktop.DBus.Properties", "GetAll", &error,
                                       &reply, "s", pi[1]);
                fprintf(out, "getall %s 0 %s\n", pi[1], r >= 0 ? "ok" : error.name);
                sd_bus_error_free(&error);
                reply = sd_bus_message_unref(reply);
                for (GDBusPropertyInfo **p = iface->properties; p && *p; p++) {
                        sd_bus_message *set = NULL;
                        ArgCtx c = { .h = h, .method = "Set", .arg = (*p)->name, .mode = ARGS_ZERO };

                        r = sd_bus_call_method(bus, VIRTD_BUS_NAME, pi[0], "org.freedesktop.DBus.Properties", "Get",
                                               &error, &reply, "ss", pi[1], (*p)->name);
                        fprintf(out, "get %s.%s 0 %s\n", pi[1], (*p)->name, r >= 0 ? "ok" : error.name);
                        sd_bus_error_free(&error);
                        reply = sd_bus_message_unref(reply);

                        g_assert_cmpint(sd_bus_message_new_method_call(bus, &set, VIRTD_BUS_NAME, pi[0],
                                                                       "org.freedesktop.DBus.Properties", "Set"), >=, 0);
                        g_assert_cmpint(sd_bus_message_append(set, "ss", pi[1], (*p)->name), >=, 0);
                        g_assert_cmpint(sd_bus_message_open_container(set, 'v', (*p)->signature), >=, 0);
                        append_value(set, (*p)->signature, &c, false);
                        g_assert_cmpint(sd_bus_message_close_container(set), >=, 0);
                        g_autofree char *result = call_result(bus, set, NULL);
                        sd_bus_message_unref(set);
                        fprintf(out, "set %s.%s 0 %s\n", pi[1], (*p)->name, *result ? result : "ok");
                }
        }
        fclose(out);
        return 0;
}

/* ---- the fixture: live objects of every kind ---- */

/* Removes the test's namespace (and with it its links) and the cgroup base, also after a failed assertion. */
static void hostile_cleanup(void *data) {
        Hostile *h = data;

        if (h->e.bus && h->e.virtd_pid)
                sd_bus_call_method(h->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "DeleteNamespace",
                                   NULL, NULL, "sbt", h->ns, 1, (uint64_t) 0);
        test_umount_below(h->e.dir);
        test_remove_cgroup_subtree(h->base);
}

static bool has_feature(Hostile *h, const char *feature) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_auto(GStrv) features = NULL;

        g_assert_cmpint(sd_bus_get_property_strv(h->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                                 "Features", &error, &features), >=, 0);
        return g_strv_contains((const char * const *) features, feature);
}

static char *root_call_object(Hostile *h, const char *member, const char *types, ...) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *call = NULL, *reply = NULL;
        const char *path;
        char *ret;
        va_list ap;

        g_assert_cmpint(sd_bus_message_new_method_call(h->e.bus, &call, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT,
                                                       VIRTD_INTERFACE_MANAGER, member), >=, 0);
        va_start(ap, types);
        g_assert_cmpint(sd_bus_message_appendv(call, types, ap), >=, 0);
        va_end(ap);
        if (sd_bus_call(h->e.bus, call, 0, &error, &reply) < 0)
                g_error("%s: %s: %s", member, error.name, error.message);
        g_assert_cmpint(sd_bus_message_read(reply, "o", &path), >, 0);
        ret = g_strdup(path);
        sd_bus_message_unref(reply);
        sd_bus_message_unref(call);
        return ret;
}

static void hostile_start(Hostile *h) {
        TestEnvOptions o = { .polkit = true, .no_virtd = true };
        g_autofree char *base = NULL, *obj = NULL;

        test_require_root();
        memset(h, 0, sizeof(*h));
        h->objects = g_ptr_array_new_with_free_func(g_free);
        h->methods = g_ptr_array_new();
        h->nodes = g_ptr_array_new_with_free_func((GDestroyNotify) g_dbus_node_info_unref);
        h->ifaces = g_hash_table_new(g_str_hash, g_str_equal);
        load_xml(h);

        base = test_unique_name("hxb");
        h->base = g_strdup_printf("/%s", base);
        h->base_arg = g_strdup_printf("--cgroup-base=%s", h->base);
        h->ns = test_unique_name("hxn");
        h->veth = test_unique_name("hxv");
        h->peer = test_unique_name("hxp");
        h->group = g_strdup_printf("/%s", base);
        test_env_start(&h->e, &o);
        h->netns_dir = g_build_filename(h->e.dir, "netns", NULL);
        h->netns_arg = g_strdup_printf("--netns-dir=%s", h->netns_dir);
        const char *args[] = { h->base_arg, h->netns_arg, NULL };
        test_defer(hostile_cleanup, h);
        test_env_start_virtd(&h->e, args);

        /* One live object of every per-object interface, made by root. */
        g_ptr_array_add(h->objects, g_strdup_printf("%s %s", VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER));
        obj = root_call_object(h, "CreateNamespace", "sassa(uuu)a(uuu)t", h->ns, 1, "net", "", 0, 0, (uint64_t) 0);
        g_ptr_array_add(h->objects, g_strdup_printf("%s org.virtd.Virtd1.Namespace", obj));
        g_clear_pointer(&obj, g_free);
        obj = root_call_object(h, "CreateVeth", "ssssssut", h->veth, h->ns, "", h->peer, h->ns, "", 0, (uint64_t) 0);
        g_ptr_array_add(h->objects, g_strdup_printf("%s org.virtd.Virtd1.Link", obj));
        g_clear_pointer(&obj, g_free);
        /* pids is there on every layout this runs on: v1 here, v2 in the qemu lane. */
        g_autofree char *spec = g_strdup_printf("pids:%s", h->group);
        obj = root_call_object(h, "CreateGroup", "sa(ss)a{su}t", spec, 0, 0, (uint64_t) 0);
        g_ptr_array_add(h->objects, g_strdup_printf("%s org.virtd.Virtd1.Group", obj));
        g_clear_pointer(&obj, g_free);
        if (has_feature(h, "vlan-8021q")) {
                h->vlan = test_unique_name("hxq");
                obj = root_call_object(h, "CreateVlan", "sssusa{sb}a(uu)a(uu)ut", h->ns, h->veth, h->vlan, 10, "802.1Q", 0,
                                       0, 0, 0, (uint64_t) 0);
                g_ptr_array_add(h->objects, g_strdup_printf("%s org.virtd.Virtd1.Vlan", obj));
                g_clear_pointer(&obj, g_free);
        } else
                g_test_message("no 802.1Q in this kernel: the Vlan interface is not exercised");
}

static void hostile_stop(Hostile *h) {
        test_env_stop(&h->e);
        g_ptr_array_unref(h->objects);
        for (guint i = 0; i < h->methods->len; i++) {
                Method *m = g_ptr_array_index(h->methods, i);
                g_free(m->action);
                g_free(m);
        }
        g_ptr_array_unref(h->methods);
        g_hash_table_unref(h->ifaces);
        g_ptr_array_unref(h->nodes);
        g_free(h->base);
        g_free(h->base_arg);
        g_free(h->netns_dir);
        g_free(h->netns_arg);
        g_free(h->ns);
        g_free(h->veth);
        g_free(h->peer);
        g_free(h->group);
        g_free(h->vlan);
}

/* What a read-only caller can see of the managed state, to prove that refused calls changed nothing. */
static char *managed_state(Hostile *h) {
        static const char *const lists[] = { "ListNamespaces", "ListGroups", "ListVlans" };
        GString *s = g_string_new(NULL);

        for (size_t i = 0; i < G_N_ELEMENTS(lists) + 1; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                char *buf = NULL;
                size_t size = 0;
                FILE *f;
                int r;

                if (i < G_N_ELEMENTS(lists))
                        r = sd_bus_call_method(h->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                               lists[i], &error, &reply, g_str_equal(lists[i], "ListVlans") ? "s" : "",
                                               h->ns);
                else
                        r = sd_bus_call_method(h->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                               "ListLinks", &error, &reply, "s", "");
                /* Without bridge VLAN filtering ListVlans refuses: the error is the state it shows. */
                if (r < 0 && sd_bus_error_has_name(&error, VIRTD_ERROR_NOT_SUPPORTED)) {
                        g_string_append_printf(s, "%s: %s\n", lists[i], error.name);
                        sd_bus_error_free(&error);
                        continue;
                }
                g_assert_cmpint(r, >=, 0);
                f = open_memstream(&buf, &size);
                g_assert_cmpint(sd_bus_message_dump(reply, f, 0), >=, 0);
                fclose(f);
                g_string_append(s, buf);
                free(buf);
                sd_bus_message_unref(reply);
        }
        return g_string_free(s, false);
}

static void assert_serving(Hostile *h) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *version = NULL;

        g_assert_cmpint(sd_bus_get_property_string(h->e.bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                                   "Version", &error, &version), >=, 0);
        g_assert_cmpstr(version, ==, VIRTD_VERSION);
        free(version);
}

/* Without a polkit grant, uid 65534 is refused every mutating method (AccessDenied when the arguments are
 * valid, a named argument error at worst when they are not; without 802.1Q there is no VLAN for ChangeVlan
 * and CreateVlan is NotSupported before anything is authorized), is answered by every read method, reads every
 * property and writes none; the managed state does not change. */
static void test_unprivileged_every_method(void) {
        g_autofree char *before = NULL, *after = NULL;
        g_autoptr(GString) results = g_string_new(NULL);
        unsigned n_denied = 0, n_read = 0, n_props = 0;
        char buf[4096];
        int fds[2];
        Hostile h;
        ssize_t n;

        hostile_start(&h);
        before = managed_state(&h);
        g_assert_cmpint(pipe(fds), ==, 0);
        /* The parent reads only after the child exits: about 200 short lines must fit the pipe. */
        g_assert_cmpint(fcntl(fds[1], F_SETPIPE_SZ, 1024 * 1024), >, 0);
        ChildArgs a = { .h = &h, .fd = fds[1] };
        g_assert_cmpint(test_fork_as(&h.e, NOBODY, NOBODY, unprivileged_calls, &a), ==, 0);
        close(fds[1]);
        while ((n = read(fds[0], buf, sizeof(buf))) > 0)
                g_string_append_len(results, buf, n);
        close(fds[0]);

        g_auto(GStrv) lines = g_strsplit(results->str, "\n", -1);
        for (char **l = lines; *l && **l; l++) {
                g_auto(GStrv) f = g_strsplit(*l, " ", 5);
                const char *kind = f[0], *name = f[1], *result = f[3];
                bool ok = g_str_equal(result, "ok");

                h.n_inputs++;
                if (g_str_equal(kind, "method")) {
                        Method *method = NULL;
                        for (guint i = 0; i < h.methods->len && !method; i++)
                                if (g_str_equal(((Method *) g_ptr_array_index(h.methods, i))->info->name, name))
                                        method = g_ptr_array_index(h.methods, i);
                        g_assert_nonnull(method);
                        if (method->action) {
                                if (ok)
                                        h.n_unauthorized++;
                                else if (g_str_equal(result, "org.freedesktop.DBus.Error.AccessDenied"))
                                        n_denied++;
                                else if (g_str_equal(result, VIRTD_ERROR_PREFIX "NotSupported"))
                                        g_test_message("%s: not supported by this kernel, refused before authorization", name);
                                else if ((atoi(f[2]) == ARGS_PLAUSIBLE && !((g_str_equal(name, "ChangeVlan") || g_str_equal(name, "DeleteVlan")) && !h.vlan)) ||
                                         !virtd_error(result))
                                        g_error("%s (mode %s) as uid 65534: %s (%s), expected AccessDenied", name, f[2], result,
                                                f[4] ? f[4] : "");
                        } else {
                                if (!ok && !virtd_error(result))
                                        g_error("read method %s (mode %s) as uid 65534: %s (%s)", name, f[2], result, f[4] ? f[4] : "");
                                n_read++;
                        }
                } else if (g_str_equal(kind, "set")) {
                        if (ok)
                                h.n_unauthorized++;
                        else if (!g_str_equal(result, "org.freedesktop.DBus.Error.PropertyReadOnly") &&
                                 !g_str_equal(result, "org.freedesktop.DBus.Error.AccessDenied"))
                                g_error("Set %s as uid 65534: %s", name, result);
                } else {
                        if (!ok)
                                g_error("%s %s as uid 65534: %s", kind, name, result);
                        n_props++;
                }
        }
        g_assert_cmpuint(h.n_unauthorized, ==, 0);
        g_assert_cmpuint(n_denied, >, 0);
        after = managed_state(&h);
        g_assert_cmpstr(after, ==, before);
        assert_serving(&h);
        g_test_message("FIGURE hostile-unprivileged-inputs=%u", h.n_inputs);
        g_test_message("FIGURE hostile-unauthorized-successes=%u", h.n_unauthorized);
        g_test_message("%u refused with AccessDenied, %u read calls answered, %u property reads", n_denied, n_read, n_props);
        hostile_stop(&h);
}

/* Root sends what no client should: wrong signatures, truncated arguments, 1 MiB strings, 100,000-element
 * arrays, unknown members, interfaces and objects. Each gets an error reply (a read method may answer), none
 * goes unanswered, and virtd keeps serving. */
static void test_malformed_messages(void) {
        g_autofree char *huge = g_malloc(HUGE_STRING_SIZE + 1);
        unsigned n_inputs = 0;
        Hostile h;

        memset(huge, 'a', HUGE_STRING_SIZE);
        huge[HUGE_STRING_SIZE] = 0;
        hostile_start(&h);
        for (guint i = 0; i < h.methods->len; i++) {
                Method *method = g_ptr_array_index(h.methods, i);
                const char *name = method->info->name;
                bool has_args = method->info->in_args && method->info->in_args[0];
                sd_bus_message *call = NULL;

                /* A wrong signature: one uint32 where the method wants something else (or nothing). */
                g_assert_cmpint(sd_bus_message_new_method_call(h.e.bus, &call, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT,
                                                               VIRTD_INTERFACE_MANAGER, name), >=, 0);
                g_assert_cmpint(sd_bus_message_append(call, "u", 7), >=, 0);
                g_autofree char *wrong = call_result(h.e.bus, call, NULL);
                call = sd_bus_message_unref(call);
                if (!g_str_equal(wrong, "org.freedesktop.DBus.Error.InvalidArgs"))
                        g_error("%s with signature 'u': %s, expected InvalidArgs", name, wrong);
                n_inputs++;

                /* Truncated: every argument but the last. */
                if (has_args) {
                        g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_free);
                        GDBusArgInfo **args = method->info->in_args;
                        guint n = 0;
                        while (args[n])
                                n++;
                        GDBusArgInfo *last = args[n - 1];
                        args[n - 1] = NULL;
                        call = build_call(&h, h.e.bus, method, ARGS_PLAUSIBLE, NULL, keep);
                        args[n - 1] = last;
                        g_autofree char *truncated = call_result(h.e.bus, call, NULL);
                        call = sd_bus_message_unref(call);
                        if (!g_str_equal(truncated, "org.freedesktop.DBus.Error.InvalidArgs"))
                                g_error("%s without its last argument: %s, expected InvalidArgs", name, truncated);
                        n_inputs++;
                }

                /* 1 MiB strings and 100,000-element arrays, where the signature has them. */
                for (ArgMode mode = ARGS_HUGE_STRING; mode <= ARGS_HUGE_ARRAY; mode++) {
                        g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_free);
                        bool applies = false;
                        gint64 start;

                        for (GDBusArgInfo **a = method->info->in_args; a && *a; a++)
                                applies |= strchr((*a)->signature, mode == ARGS_HUGE_STRING ? 's' : 'a') != NULL;
                        if (!applies)
                                continue;
                        call = build_call(&h, h.e.bus, method, mode, huge, keep);
                        start = g_get_monotonic_time();
                        g_autofree char *message = NULL;
                        g_autofree char *result = call_result(h.e.bus, call, &message);
                        call = sd_bus_message_unref(call);
                        if (g_str_equal(result, "org.freedesktop.DBus.Error.NoReply") ||
                            g_str_equal(result, "org.freedesktop.DBus.Error.Timeout") || g_str_equal(result, "(local error)"))
                                g_error("%s with %s: no answer (%s)", name,
                                        mode == ARGS_HUGE_STRING ? "1 MiB strings" : "100k-element arrays", result);
                        if (*result && !virtd_error(result) && !g_str_equal(result, "org.freedesktop.DBus.Error.InvalidArgs"))
                                g_error("%s with %s: %s (%s)", name,
                                        mode == ARGS_HUGE_STRING ? "1 MiB strings" : "100k-element arrays", result, message);
                        g_test_message("%s with %s: %s in %.1f s", name,
                                       mode == ARGS_HUGE_STRING ? "1 MiB strings" : "100k-element arrays",
                                       *result ? result : "success", (g_get_monotonic_time() - start) / 1e6);
                        n_inputs++;
                }
        }

        /* Unknown members, interfaces and objects. */
        static const struct {
                const char *path, *iface, *member, *expect;
        } unknown[] = {
                { VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "NoSuchMethod", "org.freedesktop.DBus.Error.UnknownMethod" },
                { VIRTD_OBJECT_ROOT, "org.virtd.Virtd1.NoSuchInterface", "Reload", NULL },
                { "/org/virtd/Virtd1/nosuch", VIRTD_INTERFACE_MANAGER, "Reload", NULL },
                { "/org/virtd/Virtd1/group/_7a_7a_7a", "org.freedesktop.DBus.Properties", "GetAll", NULL },
                { "/org/virtd/Virtd1/namespace/nosuch", "org.freedesktop.DBus.Properties", "GetAll", NULL },
                { "/org/virtd/Virtd1/link/nosuch", "org.freedesktop.DBus.Properties", "GetAll", NULL },
                { "/", VIRTD_INTERFACE_MANAGER, "Reload", NULL },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(unknown); i++) {
                sd_bus_message *call = NULL;

                g_assert_cmpint(sd_bus_message_new_method_call(h.e.bus, &call, VIRTD_BUS_NAME, unknown[i].path,
                                                               unknown[i].iface, unknown[i].member), >=, 0);
                if (g_str_equal(unknown[i].member, "GetAll"))
                        g_assert_cmpint(sd_bus_message_append(call, "s", "org.virtd.Virtd1.Group"), >=, 0);
                g_autofree char *result = call_result(h.e.bus, call, NULL);
                sd_bus_message_unref(call);
                if (unknown[i].expect)
                        g_assert_cmpstr(result, ==, unknown[i].expect);
                else if (!g_str_equal(result, "org.freedesktop.DBus.Error.UnknownObject") &&
                         !g_str_equal(result, "org.freedesktop.DBus.Error.UnknownInterface") &&
                         !g_str_equal(result, "org.freedesktop.DBus.Error.UnknownMethod"))
                        g_error("%s %s.%s: %s", unknown[i].path, unknown[i].iface, unknown[i].member, result);
                n_inputs++;
        }
        assert_serving(&h);
        g_test_message("FIGURE hostile-malformed-inputs=%u", n_inputs);
        hostile_stop(&h);
}

typedef struct Pipeline {
        unsigned answered, failed;
        char *first_error;
} Pipeline;

static int pipelined_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Pipeline *p = userdata;

        p->answered++;
        if (sd_bus_message_is_method_error(m, NULL)) {
                p->failed++;
                if (!p->first_error)
                        p->first_error = g_strdup(sd_bus_message_get_error(m)->name);
        }
        return 0;
}

/* 5,000 calls sent back to back before any reply is read: every one is answered with success, and another
 * client is answered meanwhile (within the call timeout: virtd serves its queue in order, so that client waits
 * for what is queued before it; the figure shows how long). dbus-daemon lets one connection wait for at most 128 replies
 * (max_replies_per_connection) and answers the rest itself with LimitsExceeded, so the calls are spread over
 * PIPELINE_CONNECTIONS connections of PIPELINED_CALLS / PIPELINE_CONNECTIONS pipelined calls each. */
static void test_pipelined_calls(void) {
        sd_bus *buses[PIPELINE_CONNECTIONS] = {}, *other = NULL;
        gint64 start, deadline, other_usec = 0;
        Pipeline p = {};
        Hostile h;

        hostile_start(&h);
        for (unsigned c = 0; c < PIPELINE_CONNECTIONS; c++)
                g_assert_cmpint(sd_bus_open_system(&buses[c]), >=, 0);
        g_assert_cmpint(sd_bus_open_system(&other), >=, 0);
        start = g_get_monotonic_time();
        for (unsigned i = 0; i < PIPELINED_CALLS; i++) {
                sd_bus *bus = buses[i % PIPELINE_CONNECTIONS];
                sd_bus_message *call = NULL;

                if (i % 2) {
                        g_assert_cmpint(sd_bus_message_new_method_call(bus, &call, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT,
                                                                       "org.freedesktop.DBus.Properties", "Get"), >=, 0);
                        g_assert_cmpint(sd_bus_message_append(call, "ss", VIRTD_INTERFACE_MANAGER, "Version"), >=, 0);
                } else
                        g_assert_cmpint(sd_bus_message_new_method_call(bus, &call, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT,
                                                                       VIRTD_INTERFACE_MANAGER, "ListGroups"), >=, 0);
                g_assert_cmpint(sd_bus_call_async(bus, NULL, call, pipelined_reply, &p, CALL_TIMEOUT_USEC), >=, 0);
                sd_bus_message_unref(call);
        }
        for (unsigned c = 0; c < PIPELINE_CONNECTIONS; c++)
                g_assert_cmpint(sd_bus_flush(buses[c]), >=, 0);
        /* While thousands are pending, another client is still answered. */
        {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *call = NULL, *reply = NULL;
                char *version = NULL;
                gint64 t0 = g_get_monotonic_time();

                g_assert_cmpint(sd_bus_message_new_method_call(other, &call, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT,
                                                               VIRTD_INTERFACE_MANAGER, "ListNamespaces"), >=, 0);
                if (sd_bus_call(other, call, CALL_TIMEOUT_USEC, &error, &reply) < 0)
                        g_error("another client while 5,000 calls are pending: %s", error.message);
                other_usec = g_get_monotonic_time() - t0;
                sd_bus_message_unref(reply);
                sd_bus_message_unref(call);
                g_assert_cmpint(sd_bus_get_property_string(other, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT,
                                                           VIRTD_INTERFACE_MANAGER, "Version", &error, &version), >=, 0);
                free(version);
        }
        deadline = g_get_monotonic_time() + 2 * CALL_TIMEOUT_USEC;
        while (p.answered < PIPELINED_CALLS && g_get_monotonic_time() < deadline) {
                bool progress = false;

                for (unsigned c = 0; c < PIPELINE_CONNECTIONS; c++) {
                        int r = sd_bus_process(buses[c], NULL);
                        g_assert_cmpint(r, >=, 0);
                        progress |= r > 0;
                }
                if (!progress)
                        g_usleep(1000);
        }
        g_assert_cmpuint(p.answered, ==, PIPELINED_CALLS);
        if (p.failed)
                g_error("%u of %u pipelined calls failed, the first with %s", p.failed, PIPELINED_CALLS, p.first_error);
        g_test_message("%u pipelined calls on %u connections answered in %.2f s; another client meanwhile in %.3f s",
                       p.answered, PIPELINE_CONNECTIONS, (g_get_monotonic_time() - start) / 1e6, other_usec / 1e6);
        g_test_message("FIGURE hostile-pipelined-calls=%u", p.answered);
        g_test_message("FIGURE hostile-other-client-ms=%.0f", other_usec / 1e3);
        for (unsigned c = 0; c < PIPELINE_CONNECTIONS; c++)
                sd_bus_flush_close_unref(buses[c]);
        sd_bus_flush_close_unref(other);
        g_free(p.first_error);
        assert_serving(&h);
        hostile_stop(&h);
}

int main(int argc, char *argv[]) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/hostile/unprivileged-every-method", test_unprivileged_every_method);
        g_test_add_func("/hostile/malformed-messages", test_malformed_messages);
        g_test_add_func("/hostile/pipelined-calls", test_pipelined_calls);
        return g_test_run();
}
