/* rules.c: "virtctl rules ...": the cgrules engine's rules: list, add, remove, move, reload, test. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "json.h"
#include "macro.h"
#include "rules-verbs.h"
#include "verbs.h"
#include "virtd-bus.h"

static uint64_t call_flags(Context *ctx) {
        return method_flags(ctx);
}

static int parse_index(const char *s, uint32_t *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (!*s || *end || errno || v > UINT32_MAX || *s == '-') {
                fprintf(stderr, _("virtctl: '%s' is not a rule number.\n"), s);
                return -EINVAL;
        }
        *ret = (uint32_t) v;
        return 0;
}

int verb_rules_list(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        const char *user, *process, *controllers, *destination, *options;
        JsonWriter w = { .f = stdout };
        uint32_t index;
        uint64_t matches;
        int r;

        r = manager_new_call(ctx, "ListRules", &call);
        if (r >= 0)
                r = call_and_reply(ctx, call, _("list rules"), &reply);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(ussssst)");
        if (r < 0)
                return r;
        if (ctx->json)
                json_begin_array(&w, NULL);
        else if (ctx->legend)
                printf("%-4s %-20s %-24s %-16s %-24s %-8s %s\n", _("#"), _("USER"), _("PROCESS"), _("CONTROLLERS"),
                       _("DESTINATION"), _("OPTIONS"), _("MATCHES"));
        while ((r = sd_bus_message_read(reply, "(ussssst)", &index, &user, &process, &controllers, &destination, &options,
                                        &matches)) > 0) {
                if (ctx->json) {
                        json_begin_object(&w);
                        json_uint(&w, "index", index);
                        json_string(&w, "user", user);
                        json_string(&w, "process", process);
                        json_string(&w, "controllers", controllers);
                        json_string(&w, "destination", destination);
                        json_string(&w, "options", options);
                        json_uint(&w, "matches", matches);
                        json_end_object(&w);
                } else
                        printf("%-4" PRIu32 " %-20s %-24s %-16s %-24s %-8s %" PRIu64 "\n", index, user, *process ? process : "-",
                               controllers, destination, *options ? options : "-", matches);
        }
        if (r < 0)
                return r;
        if (ctx->json) {
                json_end_array(&w);
                json_finish(&w);
        }
        return 0;
}

int verb_rules_add(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        uint32_t position = UINT32_MAX;
        int r;

        if (argc == 2 && (r = parse_index(argv[1], &position)) < 0)
                return r;
        if (argc == 1) {
                /* Append: the position is the number of rules, which ListRules tells. */
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *list = NULL, *reply = NULL;
                r = manager_new_call(ctx, "ListRules", &list);
                if (r >= 0)
                        r = call_and_reply(ctx, list, _("list rules"), &reply);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "(ussssst)");
                for (position = 0; r >= 0 && (r = sd_bus_message_skip(reply, "(ussssst)")) > 0; position++)
                        ;
                if (r < 0)
                        return r;
        }
        r = manager_new_call(ctx, "AddRule", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "ust", position, argv[0], call_flags(ctx));
        if (r >= 0)
                r = call_and_reply(ctx, call, _("add rule"), NULL);
        return r;
}

int verb_rules_remove(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        uint32_t index;
        int r;

        if ((r = parse_index(argv[0], &index)) < 0)
                return r;
        r = manager_new_call(ctx, "RemoveRule", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "ut", index, call_flags(ctx));
        if (r >= 0)
                r = call_and_reply(ctx, call, _("remove rule"), NULL);
        return r;
}

int verb_rules_move(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        uint32_t from, to;
        int r;

        if ((r = parse_index(argv[0], &from)) < 0 || (r = parse_index(argv[1], &to)) < 0)
                return r;
        r = manager_new_call(ctx, "MoveRule", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "uut", from, to, call_flags(ctx));
        if (r >= 0)
                r = call_and_reply(ctx, call, _("move rule"), NULL);
        return r;
}

int verb_rules_reload(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = manager_new_call(ctx, "ReloadRules", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "t", call_flags(ctx));
        if (r >= 0)
                r = call_and_reply(ctx, call, _("reload rules"), NULL);
        return r;
}

int verb_rules_test(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_strv_free_ char **controllers = NULL;
        JsonWriter w = { .f = stdout };
        const char *destination;
        int32_t index;
        int r;

        r = manager_new_call(ctx, "TestRule", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "ss", argv[0], argc > 1 ? argv[1] : "");
        if (r >= 0)
                r = call_and_reply(ctx, call, _("test rules"), &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "is", &index, &destination);
        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &controllers);
        if (r < 0)
                return r;
        if (ctx->json) {
                json_begin_object(&w);
                if (index >= 0)
                        json_uint(&w, "index", (unsigned) index);
                json_string(&w, "destination", destination);
                json_strv(&w, "controllers", controllers);
                json_end_object(&w);
                json_finish(&w);
        } else if (index < 0)
                printf(_("No rule matches; the process would stay where it is.\n"));
        else {
                _cleanup_free_ char *joined = NULL;
                size_t l = 0;
                for (char **c = controllers; *c; c++)
                        l += strlen(*c) + 1;
                joined = calloc(l + 1, 1);
                if (!joined)
                        return -ENOMEM;
                for (char **c = controllers; *c; c++)
                        strcat(strcat(joined, c == controllers ? "" : ","), *c);
                printf(_("Rule %d: %s:%s\n"), (int) index, joined, destination);
        }
        return 0;
}
