/* config.c: "virtctl apply", "diff", "save" and "import": the saved configuration against the kernel. */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config-verbs.h"
#include "fileio.h"
#include "i18n.h"
#include "json.h"
#include "macro.h"
#include "verbs.h"
#include "virtd-bus.h"

static bool arg_dry_run;
static const char *arg_cgconfig, *arg_cgrules;

int config_parse_option(int c, const char *arg) {
        switch (c) {
        case ARG_CONFIG_DRY_RUN:
                arg_dry_run = true;
                return 1;
        case ARG_CONFIG_CGCONFIG:
                arg_cgconfig = arg;
                return 1;
        case ARG_CONFIG_CGRULES:
                arg_cgrules = arg;
                return 1;
        default:
                return 0;
        }
}

static uint64_t call_flags(Context *ctx) {
        return ctx->ask_password ? VIRTD_FLAG_INTERACTIVE : 0;
}

/* One step as a diff line: "+ namespace zz (kinds=net)", "~ parameter web pids.max: 50 → 60", "- group web". */
static void print_step(const char *action, const char *kind, const char *name, const char *old_value, const char *new_value) {
        if (streq(action, "create"))
                printf("+ %s %s%s%s%s\n", kind, name, *new_value ? " (" : "", new_value, *new_value ? ")" : "");
        else if (streq(action, "delete"))
                printf("- %s %s\n", kind, name);
        else
                printf("~ %s %s: %s → %s\n", kind, name, *old_value ? old_value : _("(unset)"), new_value);
}

static int print_steps(Context *ctx, sd_bus_message *reply, const char *empty) {
        const char *a, *k, *n, *o, *nv;
        JsonWriter w = { .f = stdout };
        unsigned count = 0;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "(sssss)");
        if (r < 0)
                return r;
        if (ctx->json)
                json_begin_array(&w, NULL);
        while ((r = sd_bus_message_read(reply, "(sssss)", &a, &k, &n, &o, &nv)) > 0) {
                count++;
                if (!ctx->json) {
                        print_step(a, k, n, o, nv);
                        continue;
                }
                json_begin_object(&w);
                json_string(&w, "action", a);
                json_string(&w, "kind", k);
                json_string(&w, "name", n);
                json_string(&w, "old", o);
                json_string(&w, "new", nv);
                json_end_object(&w);
        }
        if (r < 0)
                return r;
        if (ctx->json) {
                json_end_array(&w);
                json_finish(&w);
        } else if (count == 0 && empty)
                printf("%s\n", _(empty));
        return 0;
}

int verb_diff(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        int r;

        r = manager_new_call(ctx, "Plan", &call);
        if (r < 0)
                return r;
        r = call_and_reply(ctx, call, _("cannot compare the configuration with the kernel"), &reply);
        if (r < 0)
                return r;
        return print_steps(ctx, reply, N_("The kernel matches the saved configuration."));
}

typedef struct ApplyState {
        sd_bus_message *reply;
        sd_bus_error error;
        bool done;
        bool tty;
} ApplyState;

static int match_progress(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        ApplyState *s = userdata;
        const char *description;
        uint32_t step, total;

        if (sd_bus_message_read(m, "uus", &step, &total, &description) < 0)
                return 0;
        /* On a terminal one line that is overwritten, else one line per step. */
        fprintf(stderr, s->tty ? "\r\033[K[%u/%u] %s" : "[%u/%u] %s\n", step, total, description);
        return 0;
}

static int on_apply_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        ApplyState *s = userdata;

        s->done = true;
        if (sd_bus_message_is_method_error(m, NULL))
                return sd_bus_error_copy(&s->error, sd_bus_message_get_error(m));
        s->reply = sd_bus_message_ref(m);
        return 0;
}

int verb_apply(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *match = NULL;
        ApplyState s = { .error = SD_BUS_ERROR_NULL, .tty = isatty(STDERR_FILENO) };
        int r;

        if (arg_dry_run)
                return verb_diff(argc, argv, ctx);
        r = manager_new_call(ctx, "Apply", &call);
        if (r < 0 || (r = sd_bus_message_append(call, "t", call_flags(ctx))) < 0)
                return r;
        r = sd_bus_match_signal(ctx->bus, &match, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER,
                                "ApplyProgress", match_progress, &s);
        if (r < 0)
                return r;
        r = sd_bus_call_async(ctx->bus, NULL, call, on_apply_reply, &s, 0);
        while (r >= 0 && !s.done) {
                r = sd_bus_process(ctx->bus, NULL);
                if (r == 0)
                        r = sd_bus_wait(ctx->bus, UINT64_MAX);
        }
        if (s.tty)
                fputs("\r\033[K", stderr);
        if (r < 0)
                return log_bus_error(_("cannot apply the configuration"), NULL, r);
        if (sd_bus_error_is_set(&s.error)) {
                r = log_bus_error(_("cannot apply the configuration"), &s.error, sd_bus_error_get_errno(&s.error));
                sd_bus_error_free(&s.error);
                return r;
        }
        r = print_steps(ctx, s.reply, N_("Nothing to do: the kernel matches the saved configuration."));
        sd_bus_message_unref(s.reply);
        return r;
}

int verb_save(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = manager_new_call(ctx, "Save", &call);
        if (r < 0 || (r = sd_bus_message_append(call, "t", call_flags(ctx))) < 0)
                return r;
        return call_and_reply(ctx, call, _("cannot save the configuration"), NULL);
}

/* Adds one file to the Import call; a default file that does not exist is skipped, a named one is an error. */
static int import_add(sd_bus_message *call, const char *kind, const char *path, bool named, unsigned *n) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = read_full_file(path, &text, &size);
        if (r == -ENOENT && !named)
                return 0;
        if (r < 0) {
                fprintf(stderr, _("virtctl: cannot read %s: %s\n"), path, strerror(-r));
                return r;
        }
        if (strlen(text) != size) {
                fprintf(stderr, _("virtctl: %s contains a NUL byte and is no configuration file.\n"), path);
                return -EBADMSG;
        }
        (*n)++;
        return sd_bus_message_append(call, "(sss)", kind, path, text);
}

/* libcgroup's drop-ins: the .conf files in the cgconfig.d directory next to the main file (/etc/cgconfig.d),
 * in lexical order as cgconfigparser -L reads them. */
static int import_dropins(sd_bus_message *call, const char *main_path, unsigned *n) {
        _cleanup_free_ char *dir = strdup(main_path), *pattern = NULL;
        const char *parent = ".";
        glob_t g = {};
        char *slash;
        int r = 0;

        if (!dir)
                return -ENOMEM;
        if ((slash = strrchr(dir, '/'))) {
                *slash = 0;
                parent = *dir ? dir : "/";
        }
        if (asprintf(&pattern, "%s/cgconfig.d/*.conf", parent) < 0)
                return -ENOMEM;
        if (glob(pattern, 0, NULL, &g) != 0)
                return 0;
        for (size_t i = 0; r >= 0 && i < g.gl_pathc; i++)
                r = import_add(call, "cgconfig.conf", g.gl_pathv[i], /* named= */ true, n);
        globfree(&g);
        return r;
}

int verb_import(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        const char *cgconfig = arg_cgconfig ? arg_cgconfig : "/etc/cgconfig.conf";
        unsigned n = 0;
        int r;

        r = manager_new_call(ctx, "Import", &call);
        if (r < 0 || (r = sd_bus_message_open_container(call, 'a', "(sss)")) < 0)
                return r;
        if ((r = import_add(call, "cgconfig.conf", cgconfig, arg_cgconfig, &n)) < 0 ||
            (r = import_dropins(call, cgconfig, &n)) < 0 ||
            (r = import_add(call, "cgrules.conf", arg_cgrules ? arg_cgrules : "/etc/cgrules.conf", arg_cgrules, &n)) < 0)
                return r;
        if (n == 0) {
                fprintf(stderr, _("virtctl: nothing to import: neither /etc/cgconfig.conf nor /etc/cgrules.conf exists.\n"));
                return -ENOENT;
        }
        if ((r = sd_bus_message_close_container(call)) < 0 || (r = sd_bus_message_append(call, "t", call_flags(ctx))) < 0)
                return r;
        return call_and_reply(ctx, call, _("cannot import the libcgroup configuration"), NULL);
}

/* For "virtctl status": the objects the last boot-time or Reload apply could not configure. */
int config_print_failures(Context *ctx) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *object, *reason;
        bool first = true;
        int r;

        r = sd_bus_get_property(ctx->bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "ConfigFailures",
                                &error, &reply, "a(ss)");
        if (r < 0)
                return log_bus_error(_("cannot read the configuration failures"), &error, r);
        if ((r = sd_bus_message_enter_container(reply, 'a', "(ss)")) < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(ss)", &object, &reason)) > 0) {
                printf("%16s: %s: %s\n", first ? _("Config failed") : "", object, reason);
                first = false;
        }
        if (r >= 0 && first)
                printf("%16s: %s\n", _("Configuration"), _("applied"));
        return r;
}
