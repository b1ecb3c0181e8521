/* common.c: what every virtctl verb needs: the bus, errors, translations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "macro.h"
#include "verbs.h"
#include "virtd-bus.h"

void i18n_init(void) {
        /* VIRTCTL_LOCALEDIR lets the test suite use catalogs from the build tree. */
        const char *dir = getenv("VIRTCTL_LOCALEDIR");

        setlocale(LC_ALL, "");
        bindtextdomain(GETTEXT_PACKAGE, dir ? dir : LOCALEDIR);
        bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
        textdomain(GETTEXT_PACKAGE);
}

int context_bus(Context *ctx, sd_bus **ret) {
        int r;

        if (!ctx->bus) {
                r = sd_bus_open_system(&ctx->bus);
                if (r < 0) {
                        fprintf(stderr, _("virtctl: cannot connect to the system bus: %s\n"), strerror(-r));
                        return r;
                }
        }
        *ret = ctx->bus;
        return 0;
}

int log_bus_error(const char *what, const sd_bus_error *error, int r) {
        if (error && sd_bus_error_is_set(error))
                fprintf(stderr, "virtctl: %s: %s\n", what, error->message ? error->message : error->name);
        else
                fprintf(stderr, "virtctl: %s: %s\n", what, strerror(r < 0 ? -r : r));
        return r < 0 ? r : -EIO;
}

int manager_new_call(Context *ctx, const char *member, sd_bus_message **ret) {
        sd_bus *bus;
        int r;

        r = context_bus(ctx, &bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, ret, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, member);
        if (r < 0)
                return r;
        return sd_bus_message_set_allow_interactive_authorization(*ret, ctx->ask_password);
}

int call_and_reply(Context *ctx, sd_bus_message *call, const char *what, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call(ctx->bus, call, 0, &error, ret_reply);
        if (r < 0)
                return log_bus_error(what, &error, r);
        return 0;
}

uint64_t method_flags(const Context *ctx) {
        return (ctx->ask_password ? VIRTD_FLAG_INTERACTIVE : 0) | (ctx->runtime ? VIRTD_FLAG_RUNTIME : 0);
}

bool object_unsaved(Context *ctx, const char *path, const char *interface) {
        sd_bus *bus;
        int value = 0;

        if (context_bus(ctx, &bus) < 0 ||
            sd_bus_get_property_trivial(bus, VIRTD_BUS_NAME, path, interface, "Unsaved", NULL, 'b', &value) < 0)
                return false;
        return value;
}
