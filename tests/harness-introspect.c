/* harness-introspect.c: the running daemon's introspection must equal the shipped XML. */
#include <gio/gio.h>
#include <string.h>

#include "harness.h"
#include "virtd-bus.h"

static char *introspect(TestEnv *e, const char *path) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *xml;
        char *copy;

        if (sd_bus_call_method(e->bus, VIRTD_BUS_NAME, path, "org.freedesktop.DBus.Introspectable", "Introspect", &error,
                               &reply, "") < 0)
                g_error("Introspect %s: %s", path, error.message);
        g_assert_cmpint(sd_bus_message_read(reply, "s", &xml), >, 0);
        copy = g_strdup(xml);
        sd_bus_message_unref(reply);
        return copy;
}

static void assert_args_equal(GDBusArgInfo **shipped, GDBusArgInfo **live, const char *member) {
        guint i;

        for (i = 0; shipped && shipped[i]; i++) {
                g_assert_nonnull(live);
                if (!live[i])
                        g_error("%s: live has fewer arguments than shipped", member);
                g_assert_cmpstr(shipped[i]->name, ==, live[i]->name);
                g_assert_cmpstr(shipped[i]->signature, ==, live[i]->signature);
        }
        if (live && live[i])
                g_error("%s: live has more arguments than shipped (%s)", member, live[i]->name);
}

static void assert_interface_equal(GDBusInterfaceInfo *shipped, GDBusInterfaceInfo *live) {
        guint n = 0;

        for (GDBusMethodInfo **m = shipped->methods; m && *m; m++, n++) {
                GDBusMethodInfo *l = g_dbus_interface_info_lookup_method(live, (*m)->name);
                if (!l)
                        g_error("%s.%s is shipped but not served", shipped->name, (*m)->name);
                assert_args_equal((*m)->in_args, l->in_args, (*m)->name);
                assert_args_equal((*m)->out_args, l->out_args, (*m)->name);
        }
        for (GDBusMethodInfo **m = live->methods; m && *m; m++)
                n--;
        g_assert_cmpint(n, ==, 0);

        n = 0;
        for (GDBusPropertyInfo **p = shipped->properties; p && *p; p++, n++) {
                GDBusPropertyInfo *l = g_dbus_interface_info_lookup_property(live, (*p)->name);
                if (!l)
                        g_error("property %s.%s is shipped but not served", shipped->name, (*p)->name);
                g_assert_cmpstr((*p)->signature, ==, l->signature);
                g_assert_cmpint((*p)->flags, ==, l->flags);
        }
        for (GDBusPropertyInfo **p = live->properties; p && *p; p++)
                n--;
        g_assert_cmpint(n, ==, 0);

        n = 0;
        for (GDBusSignalInfo **s = shipped->signals; s && *s; s++, n++) {
                GDBusSignalInfo *l = g_dbus_interface_info_lookup_signal(live, (*s)->name);
                if (!l)
                        g_error("signal %s.%s is shipped but not served", shipped->name, (*s)->name);
                assert_args_equal((*s)->args, l->args, (*s)->name);
        }
        for (GDBusSignalInfo **s = live->signals; s && *s; s++)
                n--;
        g_assert_cmpint(n, ==, 0);
}

/* Compares each org.virtd interface that object path serves with the shipped XML of the same name
 * (dbus/org.virtd.Virtd1.*.xml); fails on any difference or on a served interface that is not shipped.
 * Returns how many interfaces were compared. */
unsigned test_assert_introspection(TestEnv *e, const char *object_path) {
        g_autofree char *live_xml = NULL;
        g_autoptr(GDBusNodeInfo) live = NULL;
        g_autoptr(GError) error = NULL;
        unsigned checked = 0;

        live_xml = introspect(e, object_path);
        live = g_dbus_node_info_new_for_xml(live_xml, &error);
        g_assert_no_error(error);
        for (GDBusInterfaceInfo **i = live->interfaces; *i; i++) {
                g_autofree char *path = NULL, *xml = NULL;
                g_autoptr(GDBusNodeInfo) shipped = NULL;
                GDBusInterfaceInfo *s;

                if (!g_str_has_prefix((*i)->name, "org.virtd."))
                        continue;
                path = g_strdup_printf("%s/%s.xml", TEST_SOURCE_PATH("dbus"), (*i)->name);
                if (!g_file_get_contents(path, &xml, NULL, NULL))
                        g_error("%s serves %s but %s is not shipped", object_path, (*i)->name, path);
                shipped = g_dbus_node_info_new_for_xml(xml, &error);
                g_assert_no_error(error);
                s = g_dbus_node_info_lookup_interface(shipped, (*i)->name);
                g_assert_nonnull(s);
                assert_interface_equal(s, *i);
                checked++;
        }
        return checked;
}
