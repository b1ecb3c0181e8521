/* apply-drift.c: where the live state has left the saved one: the Drift property and DriftDetected. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "persist.h"
#include "virtd-bus.h"

/* ---- drift ---- */

void config_drift_free(ConfigDrift *d, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(d[i].kind);
                free(d[i].name);
                free(d[i].what);
        }
        free(d);
}

static bool step_is_drift(const PlanStep *s) {
        /* What the saved state has and the kernel lacks or holds differently. */
        return s->action != PLAN_DELETE;
}

static int drift_describe(const PlanStep *s, ConfigDrift *ret) {
        int k;

        ret->kind = strdup(plan_kind_to_string(s->kind == PLAN_PARAMETER ? PLAN_GROUP : s->kind == PLAN_ADDRESS ? PLAN_VETH : s->kind));
        ret->name = strdup(s->name);
        if (s->kind == PLAN_PARAMETER)
                k = asprintf(&ret->what, "%s is %s, saved %s", s->param, *s->old_value ? s->old_value : "unset", s->new_value);
        else if (s->kind == PLAN_ADDRESS)
                k = asprintf(&ret->what, "address %s missing", s->param);
        else if (s->action == PLAN_CHANGE)
                k = asprintf(&ret->what, "%s, saved %s", s->old_value, s->new_value);
        else
                k = asprintf(&ret->what, "missing");
        if (k < 0)
                ret->what = NULL;
        return ret->kind && ret->name && ret->what ? 0 : -ENOMEM;
}

static bool drift_equal(const ConfigDrift *a, size_t na, const ConfigDrift *b, size_t nb) {
        if (na != nb)
                return false;
        for (size_t i = 0; i < na; i++)
                if (!streq(a[i].kind, b[i].kind) || !streq(a[i].name, b[i].name) || !streq(a[i].what, b[i].what))
                        return false;
        return true;
}

static int emit_drift(Manager *m) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *signal = NULL;
        int r;

        r = sd_bus_emit_properties_changed(m->bus, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "Drift", NULL);
        if (r < 0 || m->n_drift == 0)
                return r;
        r = sd_bus_message_new_signal(m->bus, &signal, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "DriftDetected");
        if (r >= 0)
                r = sd_bus_message_open_container(signal, 'a', "(sss)");
        for (size_t i = 0; r >= 0 && i < m->n_drift; i++)
                r = sd_bus_message_append(signal, "(sss)", m->drift[i].kind, m->drift[i].name, m->drift[i].what);
        if (r >= 0)
                r = sd_bus_message_close_container(signal);
        return r < 0 ? r : sd_bus_send(m->bus, signal, NULL);
}

int apply_drift_check(Manager *m) {
        _cleanup_(apply_context_done) ApplyContext c = {};
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        ConfigDrift *d = NULL;
        size_t n = 0;
        int r;

        /* A file that does not parse is reported by Plan and Apply; there is nothing to compare against. */
        if (apply_prepare(m, &c, &error) < 0)
                return 0;
        if ((r = persist_unsaved_update(m, &c)) < 0)
                return r;
        if (!(d = calloc(c.plan->n_steps + 1, sizeof(ConfigDrift))))
                return -ENOMEM;
        for (size_t i = 0; i < c.plan->n_steps; i++)
                if (step_is_drift(&c.plan->steps[i]) && (r = drift_describe(&c.plan->steps[i], &d[n++])) < 0) {
                        config_drift_free(d, n);
                        return r;
                }
        if (drift_equal(d, n, m->drift, m->n_drift)) {
                config_drift_free(d, n);
                return 0;
        }
        config_drift_free(m->drift, m->n_drift);
        m->drift = d;
        m->n_drift = n;
        for (size_t i = 0; i < n; i++)
                log_info("Drift: %s %s: %s", d[i].kind, d[i].name, d[i].what);
        return m->bus && m->ready ? emit_drift(m) : 0;
}

#define DRIFT_QUIET_USEC (100 * 1000)

static int on_drift_check(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        int r;

        if (usec < m->drift_due) {
                /* Events came after this was armed: wait until they have been quiet long enough. */
                (void) sd_event_source_set_time(s, m->drift_due);
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
                return 0;
        }
        r = apply_drift_check(m);

        if (r < 0)
                log_warning_errno(r, "Cannot compare the live state with the saved one: %m");
        return 0;
}

void apply_drift_schedule(Manager *m) {
        uint64_t now = 0;
        int enabled = SD_EVENT_OFF, r;

        if (!m->event)
                return;
        /* A burst of events leads to one comparison 100 ms after the last of them. The timer is not re-armed
         * per event (a timerfd_settime() each, 13 % of the system time of a CreateGroup+DeleteGroup pair):
         * the callback moves itself on while events keep coming. */
        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        m->drift_due = now + DRIFT_QUIET_USEC;
        if (m->drift_check) {
                if (sd_event_source_get_enabled(m->drift_check, &enabled) >= 0 && enabled != SD_EVENT_OFF)
                        return;
                (void) sd_event_source_set_time(m->drift_check, m->drift_due);
                (void) sd_event_source_set_enabled(m->drift_check, SD_EVENT_ONESHOT);
                return;
        }
        r = sd_event_add_time(m->event, &m->drift_check, CLOCK_MONOTONIC, m->drift_due, 0, on_drift_check, m);
        if (r < 0)
                log_warning_errno(r, "Cannot schedule a drift check: %m");
}
