/* verbs.h: virtctl's noun/verb tables and the state every verb shares. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

typedef struct Context {
        sd_bus *bus;
        bool json;
        bool legend;
        bool ask_password;
        bool runtime; /* --runtime: change the live state only, do not save it */
} Context;

typedef int (*VerbFn)(int argc, char *argv[], Context *ctx);

typedef struct Verb {
        const char *name;
        unsigned min_args; /* arguments after the verb */
        unsigned max_args; /* VERB_ANY for no limit */
        VerbFn fn;
        const char *synopsis;    /* arguments, for --help; translatable */
        const char *description; /* one line; translatable */
} Verb;

#define VERB_ANY ((unsigned) -1)

typedef struct Noun {
        const char *name;
        const char *alias; /* e.g. "netns" for "namespace"; may be NULL */
        const Verb *verbs; /* NULL-name terminated; a noun with a single nameless verb is a top-level verb */
} Noun;

extern const Noun virtctl_nouns[];

/* Connects to the system bus (honouring DBUS_SYSTEM_BUS_ADDRESS) on first use. */
int context_bus(Context *ctx, sd_bus **ret);
/* Prints the D-Bus error's message (never a bare errno) and returns -errno. */
int log_bus_error(const char *what, const sd_bus_error *error, int r);
/* Prepares a method call on the Manager object, with interactive authorization as the user asked. */
int manager_new_call(Context *ctx, const char *member, sd_bus_message **ret);
/* The t flags argument of a mutating method: interactive authorization and --runtime as asked. */
uint64_t method_flags(const Context *ctx);
/* An object's Unsaved property: it differs from the saved configuration. false when it cannot be read. */
bool object_unsaved(Context *ctx, const char *path, const char *interface);
int call_and_reply(Context *ctx, sd_bus_message *call, const char *what, sd_bus_message **ret_reply);

/* Deletes the link named in argv (NAME [in NS]): what "link delete" and "vlan delete" do. */
int link_delete(int argc, char *argv[], Context *ctx, const char *method, const char *usage, const char *failure);

/* Verbs, one file per noun. */
int verb_host(int argc, char *argv[], Context *ctx);
int verb_status(int argc, char *argv[], Context *ctx);
int verb_reload(int argc, char *argv[], Context *ctx);
int verb_apply(int argc, char *argv[], Context *ctx);
int verb_diff(int argc, char *argv[], Context *ctx);
int verb_save(int argc, char *argv[], Context *ctx);
int verb_import(int argc, char *argv[], Context *ctx);
int config_print_failures(Context *ctx);
int verb_namespace_list(int argc, char *argv[], Context *ctx);
int verb_namespace_show(int argc, char *argv[], Context *ctx);
int verb_namespace_add(int argc, char *argv[], Context *ctx);
int verb_namespace_delete(int argc, char *argv[], Context *ctx);
int verb_namespace_exec(int argc, char *argv[], Context *ctx);
int verb_link_list(int argc, char *argv[], Context *ctx);
int verb_link_add(int argc, char *argv[], Context *ctx);
int verb_link_set(int argc, char *argv[], Context *ctx);
int verb_link_delete(int argc, char *argv[], Context *ctx);
int verb_address_add(int argc, char *argv[], Context *ctx);
int verb_address_delete(int argc, char *argv[], Context *ctx);
int verb_group_create(int argc, char *argv[], Context *ctx);
int verb_group_delete(int argc, char *argv[], Context *ctx);
int verb_group_set(int argc, char *argv[], Context *ctx);
int verb_group_get(int argc, char *argv[], Context *ctx);
int verb_group_list(int argc, char *argv[], Context *ctx);
int verb_group_controllers(int argc, char *argv[], Context *ctx);
int verb_group_classify(int argc, char *argv[], Context *ctx);
int verb_group_exec(int argc, char *argv[], Context *ctx);
int verb_group_snapshot(int argc, char *argv[], Context *ctx);
int verb_group_tree(int argc, char *argv[], Context *ctx);
int verb_group_top(int argc, char *argv[], Context *ctx);
int verb_vlan_add(int argc, char *argv[], Context *ctx);
int verb_vlan_set(int argc, char *argv[], Context *ctx);
int verb_vlan_delete(int argc, char *argv[], Context *ctx);
int verb_vlan_brief(int argc, char *argv[], Context *ctx);
int verb_bridge_add(int argc, char *argv[], Context *ctx);
int verb_port_set(int argc, char *argv[], Context *ctx);
int verb_port_show(int argc, char *argv[], Context *ctx);
int verb_rules_list(int argc, char *argv[], Context *ctx);
int verb_rules_add(int argc, char *argv[], Context *ctx);
int verb_rules_remove(int argc, char *argv[], Context *ctx);
int verb_rules_move(int argc, char *argv[], Context *ctx);
int verb_rules_reload(int argc, char *argv[], Context *ctx);
int verb_rules_test(int argc, char *argv[], Context *ctx);
