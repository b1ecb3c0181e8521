/* apply-dbus.c: bus glue for plan, apply and save of the configuration files (on the Manager object). */
#include <errno.h>
#include <stdlib.h>

#include "apply-dbus.h"
#include "apply.h"
#include "macro.h"
#include "manager.h"
#include "namespace-dbus.h"
#include "polkit.h"
#include "virtd-bus.h"

static int append_steps(sd_bus_message *reply, const Plan *p, size_t n) {
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sssss)");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const PlanStep *s = &p->steps[i];
                _cleanup_free_ char *name = NULL;

                /* Parameters and addresses name their object and the item: "a/b cpu.shares", "veth0 10.0.0.1/24". */
                if (s->param ? asprintf(&name, "%s %s", s->name, s->param) < 0 : !(name = strdup(s->name)))
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "(sssss)", plan_action_to_string(s->action), plan_kind_to_string(s->kind),
                                          name, s->old_value, s->new_value);
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int reply_steps(sd_bus_message *m, const Plan *p) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = append_steps(reply, p, p->n_steps);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

int method_Plan(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(apply_context_done) ApplyContext c = {};
        int r;

        r = apply_prepare(userdata, &c, error);
        return r < 0 ? r : reply_steps(m, c.plan);
}

static void emit_progress(Manager *m, unsigned step, unsigned total, const char *description) {
        if (m->bus)
                (void) sd_bus_emit_signal(m->bus, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "ApplyProgress", "uus", step,
                                          total, description);
}

static int apply_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(apply_context_done) ApplyContext c = {};
        Manager *mgr = userdata;
        int r;

        r = apply_prepare(mgr, &c, error);
        if (r < 0)
                return r;
        r = apply_run(mgr, &c, 0, c.plan->n_steps, emit_progress, error);
        if (r < 0)
                return r;
        (void) apply_drift_check(mgr);
        return reply_steps(m, c.plan);
}

static int read_flags(sd_bus_message *m, const char *method, uint64_t *ret, sd_bus_error *error) {
        int r;

        r = sd_bus_message_read(m, "t", ret);
        if (r < 0)
                return r;
        return bus_check_flags(*ret, method, error);
}

int method_Apply(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        uint64_t flags;
        int r;

        if ((r = read_flags(m, "Apply", &flags, error)) < 0)
                return r;
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_CONFIG, flags & VIRTD_FLAG_INTERACTIVE, apply_authorized, userdata,
                                error);
}

static int save_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        int r;

        r = apply_save(userdata, error);
        if (r < 0)
                return r;
        (void) apply_drift_check(userdata);
        return sd_bus_reply_method_return(m, NULL);
}

int method_Save(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        uint64_t flags;
        int r;

        if ((r = read_flags(m, "Save", &flags, error)) < 0)
                return r;
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_CONFIG, flags & VIRTD_FLAG_INTERACTIVE, save_authorized, userdata,
                                error);
}

int property_get_config_failures(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(ss)");
        for (size_t i = 0; r >= 0 && i < m->n_config_failures; i++)
                r = sd_bus_message_append(reply, "(ss)", m->config_failures[i].object, m->config_failures[i].reason);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

int property_get_drift(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sss)");
        for (size_t i = 0; r >= 0 && i < m->n_drift; i++)
                r = sd_bus_message_append(reply, "(sss)", m->drift[i].kind, m->drift[i].name, m->drift[i].what);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

#define IMPORT_FILES_MAX 64

static int import_read(sd_bus_message *m, ImportFile **ret, size_t *ret_n, uint64_t *ret_flags, sd_bus_error *error) {
        _cleanup_free_ ImportFile *files = NULL;
        const char *kind, *origin, *text;
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(sss)");
        while (r >= 0 && (r = sd_bus_message_read(m, "(sss)", &kind, &origin, &text)) > 0) {
                /* libcgroup has two files to import; a caller sending thousands is refused, not served slowly. */
                if (n == IMPORT_FILES_MAX)
                        return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                                 "Import takes at most %d files.", IMPORT_FILES_MAX);
                ImportFile *f = realloc(files, (n + 1) * sizeof(ImportFile));
                if (!f)
                        return -ENOMEM;
                files = f;
                files[n++] = (ImportFile) { kind, origin, text };
        }
        if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0 || (r = sd_bus_message_read(m, "t", ret_flags)) < 0 ||
            (r = bus_check_flags(*ret_flags, "Import", error)) < 0)
                return r;
        *ret = TAKE_PTR(files);
        *ret_n = n;
        return 0;
}

static int import_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ ImportFile *files = NULL;
        uint64_t flags;
        size_t n;
        int r;

        r = sd_bus_message_rewind(m, true);
        if (r < 0 || (r = import_read(m, &files, &n, &flags, error)) < 0)
                return r;
        r = apply_import(userdata, files, n, error);
        if (r < 0)
                return r;
        (void) apply_drift_check(userdata);
        return sd_bus_reply_method_return(m, NULL);
}

int method_Import(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ ImportFile *files = NULL;
        uint64_t flags;
        size_t n;
        int r;

        r = import_read(m, &files, &n, &flags, error);
        if (r < 0)
                return r;
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_CONFIG, flags & VIRTD_FLAG_INTERACTIVE, import_authorized, userdata,
                                error);
}
