/* rules-dbus.c: bus glue for the cgrules engine: list, add, remove, move, reload and test rules. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "manager.h"
#include "polkit.h"
#include "rules-dbus.h"
#include "rules-engine.h"
#include "strv.h"
#include "virtd-bus.h"

/* The engine is missing only when the kernel refused the process events (no CAP_NET_ADMIN). */
static int engine_of(Manager *m, RulesEngine **ret, sd_bus_error *error) {
        if (!m->rules)
                return virtd_bus_error_setf(error, EOPNOTSUPP,
                                            "The cgrules engine is not running: the kernel's process events are not available.");
        *ret = m->rules;
        return 0;
}

static int append_rule(sd_bus_message *reply, RulesEngine *e, size_t i) {
        const CgRule *r = &rules_engine_rules(e)->rules[i];
        _cleanup_free_ char *user = NULL, *controllers = r->controllers ? strv_join(r->controllers, ",") : strdup("*");

        if (!controllers)
                return -ENOMEM;
        if (r->continuation)
                user = strdup("%");
        else if (asprintf(&user, "%s%s", r->subject == CGRULE_SUBJECT_GROUP ? "@" : r->subject == CGRULE_SUBJECT_ANY ? "*" : "",
                          strempty(r->name)) < 0)
                user = NULL;
        if (!user)
                return -ENOMEM;
        return sd_bus_message_append(reply, "(ussssst)", (uint32_t) i, user, r->continuation ? "" : strempty(r->process),
                                     controllers, r->destination, r->ignore ? "ignore" : "", rules_engine_matches(e, i));
}

static int method_ListRules(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        RulesEngine *e;
        int r;

        if ((r = engine_of(userdata, &e, error)) < 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ussssst)");
        for (size_t i = 0; r >= 0 && rules_engine_rules(e) && i < rules_engine_rules(e)->n_rules; i++)
                r = append_rule(reply, e, i);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* Every mutating method ends in (…, t flags); this reads the flags after rewinding past the others. */
static int read_flags(sd_bus_message *m, const char *skip, uint64_t *ret, sd_bus_error *error) {
        int r = sd_bus_message_rewind(m, true);

        if (r >= 0 && *skip)
                r = sd_bus_message_skip(m, skip);
        if (r >= 0)
                r = sd_bus_message_read(m, "t", ret);
        if (r < 0)
                return r;
        return virtd_bus_check_known_flags(*ret, error);
}

static int add_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        RulesEngine *e;
        const char *text;
        uint32_t position;
        uint64_t flags;
        int r;

        if ((r = engine_of(userdata, &e, error)) < 0 || (r = sd_bus_message_rewind(m, true)) < 0 ||
            (r = sd_bus_message_read(m, "ust", &position, &text, &flags)) < 0)
                return r;
        r = rules_engine_add(e, position, text, !(flags & VIRTD_FLAG_RUNTIME), error);
        return r < 0 ? r : sd_bus_reply_method_return(m, NULL);
}

static int remove_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        RulesEngine *e;
        uint32_t index;
        uint64_t flags;
        int r;

        if ((r = engine_of(userdata, &e, error)) < 0 || (r = sd_bus_message_rewind(m, true)) < 0 ||
            (r = sd_bus_message_read(m, "ut", &index, &flags)) < 0)
                return r;
        r = rules_engine_remove(e, index, !(flags & VIRTD_FLAG_RUNTIME), error);
        return r < 0 ? r : sd_bus_reply_method_return(m, NULL);
}

static int move_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        RulesEngine *e;
        uint32_t from, to;
        uint64_t flags;
        int r;

        if ((r = engine_of(userdata, &e, error)) < 0 || (r = sd_bus_message_rewind(m, true)) < 0 ||
            (r = sd_bus_message_read(m, "uut", &from, &to, &flags)) < 0)
                return r;
        r = rules_engine_move(e, from, to, !(flags & VIRTD_FLAG_RUNTIME), error);
        return r < 0 ? r : sd_bus_reply_method_return(m, NULL);
}

static int reload_authorized(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *message = NULL;
        RulesEngine *e;
        int r;

        if ((r = engine_of(userdata, &e, error)) < 0)
                return r;
        r = rules_engine_reload(e, &message);
        if (r == -EBADMSG)
                return virtd_bus_error_setf(error, EBADMSG, "Rules not reloaded, the old ones stay in use: %s", strempty(message));
        if (r < 0)
                return virtd_bus_error_setf(error, -r, "Rules not reloaded: %s.", strerror(-r));
        return sd_bus_reply_method_return(m, NULL);
}

static int authorize(sd_bus_message *m, const char *skip, AuthorizedFn fn, void *userdata, sd_bus_error *error) {
        uint64_t flags;
        int r;

        r = read_flags(m, skip, &flags, error);
        if (r < 0)
                return r;
        return polkit_authorize(m, VIRTD_ACTION_MANAGE_GROUPS, flags & VIRTD_FLAG_INTERACTIVE, fn, userdata, error);
}

static int method_AddRule(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return authorize(m, "us", add_authorized, userdata, error);
}

static int method_RemoveRule(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return authorize(m, "u", remove_authorized, userdata, error);
}

static int method_MoveRule(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return authorize(m, "uu", move_authorized, userdata, error);
}

static int method_ReloadRules(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return authorize(m, "", reload_authorized, userdata, error);
}

static int method_TestRule(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **controllers = NULL;
        _cleanup_free_ char *destination = NULL;
        const char *user, *process;
        int32_t index;
        RulesEngine *e;
        int r;

        if ((r = engine_of(userdata, &e, error)) < 0 || (r = sd_bus_message_read(m, "ss", &user, &process)) < 0)
                return r;
        r = rules_engine_test(e, user, process, &index, &destination, &controllers, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "is", index, destination);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, controllers);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable rules_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("ListRules", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ussssst)", rules), method_ListRules,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("AddRule", SD_BUS_ARGS("u", position, "s", rule, "t", flags), SD_BUS_NO_RESULT,
                                method_AddRule, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveRule", SD_BUS_ARGS("u", index, "t", flags), SD_BUS_NO_RESULT, method_RemoveRule,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("MoveRule", SD_BUS_ARGS("u", from, "u", to, "t", flags), SD_BUS_NO_RESULT, method_MoveRule,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ReloadRules", SD_BUS_ARGS("t", flags), SD_BUS_NO_RESULT, method_ReloadRules,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("TestRule", SD_BUS_ARGS("s", user, "s", process),
                                SD_BUS_RESULT("i", index, "s", destination, "as", controllers), method_TestRule,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

int rules_dbus_register(Manager *m) {
        return sd_bus_add_object_vtable(m->bus, NULL, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, rules_vtable, m);
}
