/* apply.h: plan, apply with rollback, save and boot-time apply of the configuration files. */
#pragma once

#include <stdbool.h>

#include <systemd/sd-bus.h>

#include "plan.h"

typedef struct Manager Manager;

/* Everything one plan was computed from; the plan's steps borrow from the configurations. */
typedef struct ApplyContext {
        CgConfig *want_cg, *live_cg;
        NetConfig *want_net, *live_net;
        char **owned;
        bool owned_dirty;        /* owned changed since it was last written */
        bool owned_write_at_end; /* apply_run() leaves the write to its caller (the boot-time apply's many runs) */
        Plan *plan;
} ApplyContext;

void apply_context_done(ApplyContext *c);

/* One failure of the boot-time apply: the top-level object ("group a/b") and the reason. */
typedef struct ConfigFailure {
        char *object;
        char *reason;
} ConfigFailure;

void config_failures_free(ConfigFailure *f, size_t n);

/**
 * apply_prepare() - load the files, read the live state, compute the plan.
 * @error: ParseError naming the file, line and problem when a file does not parse
 */
int apply_prepare(Manager *m, ApplyContext *ret, sd_bus_error *error);

/* Called before each step, with step numbers counted from 1. */
typedef void (*apply_progress_fn)(Manager *m, unsigned step, unsigned total, const char *description);

/**
 * apply_run() - run the steps of @c->plan from @from to @to (exclusive), all or nothing.
 * @progress: NULL or called before each step
 * @error: on failure, names the failing step (i of n), its object and the kernel's reason
 *
 * When a step fails, the steps already done are undone in reverse order, so the kernel ends as before.
 * Objects created are added to the ownership record in the state directory.
 */
int apply_run(Manager *m, ApplyContext *c, size_t from, size_t to, apply_progress_fn progress, sd_bus_error *error);

/* Boot-time apply: each top-level object on its own; failures land in m->config_failures. */
int apply_boot(Manager *m);

/* One difference between the live and the saved state: kind, name, and what differs. */
typedef struct ConfigDrift {
        char *kind;
        char *name;
        char *what;
} ConfigDrift;

void config_drift_free(ConfigDrift *d, size_t n);

/**
 * apply_drift_schedule() - re-compare the live state with the saved one soon.
 *
 * Called from the link, namespace and group change callbacks; a burst of kernel events causes one check.
 * When the differences change, the Manager's Drift property changes, and DriftDetected is emitted when
 * there are any.
 */
void apply_drift_schedule(Manager *m);
/* The comparison itself, at once (after the boot-time apply). */
int apply_drift_check(Manager *m);

/* Save: the live managed state into cgconfig.conf and network.conf, atomically, FILE~ kept. */
int apply_save(Manager *m, sd_bus_error *error);

/* One file handed to Import: which of virtd's files it becomes, where it came from (for messages), its text. */
typedef struct ImportFile {
        const char *kind; /* "cgconfig.conf" or "cgrules.conf" */
        const char *origin;
        const char *text;
} ImportFile;

/**
 * apply_import() - take libcgroup's cgconfig.conf and cgrules.conf into the configuration directory.
 *
 * Every file is parsed first (ParseError naming the origin, line and problem; nothing is written then).
 * The cgconfig.conf files (libcgroup's main file, then its cgconfig.d drop-ins in order) are merged into
 * virtd's own as libcgroup would apply them in turn; cgrules.conf replaces
 * virtd's, written in canonical form. Writes are atomic and keep FILE~; a current file that does not parse
 * is never overwritten.
 */
int apply_import(Manager *m, const ImportFile *files, size_t n, sd_bus_error *error);

/* One line per step, "create namespace zz: kinds=net", for logs. */
int plan_step_describe(const PlanStep *s, char **ret);
