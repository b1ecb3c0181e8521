/* link.c: "virtctl link …" and "virtctl address …", in a grammar close to ip-link(8) and ip-address(8). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "json.h"
#include "macro.h"
#include "strv.h"
#include "verbs.h"
#include "virtd-bus.h"

typedef struct LinkRow {
        const char *ns, *name, *kind, *state, *mac, *path;
        int32_t ifindex;
        uint32_t mtu;
        char **addresses;
} LinkRow;

static void print_row(const LinkRow *l, JsonWriter *w) {
        _cleanup_free_ char *addrs = strv_join(l->addresses, " ");

        if (!w) {
                printf("%-16s %-15s %-8s %-5s %6u %-17s %s\n", l->ns, l->name, l->kind, l->state, l->mtu, l->mac,
                       strempty(addrs));
                return;
        }
        json_begin_object(w);
        json_string(w, "namespace", l->ns);
        json_string(w, "name", l->name);
        json_uint(w, "ifindex", (unsigned) l->ifindex);
        json_string(w, "kind", l->kind);
        json_string(w, "state", l->state);
        json_string(w, "mac", l->mac);
        json_uint(w, "mtu", l->mtu);
        json_strv(w, "addresses", l->addresses);
        json_string(w, "path", l->path);
        json_end_object(w);
}

static int read_row(sd_bus_message *reply, LinkRow *l) {
        int r;

        r = sd_bus_message_read(reply, "ssisssu", &l->ns, &l->name, &l->ifindex, &l->kind, &l->state, &l->mac, &l->mtu);
        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &l->addresses);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &l->path);
        return r < 0 ? r : sd_bus_message_exit_container(reply);
}

int verb_link_list(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        JsonWriter w = { .f = stdout };
        unsigned n = 0;
        int r;

        r = manager_new_call(ctx, "ListLinks", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "s", argc > 0 ? argv[0] : "");
        if (r < 0 || (r = call_and_reply(ctx, call, _("cannot list links"), &reply)) < 0)
                return r;
        if (ctx->json)
                json_begin_array(&w, NULL);
        else if (ctx->legend)
                printf("%-16s %-15s %-8s %-5s %6s %-17s %s\n", _("NAMESPACE"), _("NAME"), _("KIND"), _("STATE"), _("MTU"),
                       _("MAC"), _("ADDRESSES"));
        r = sd_bus_message_enter_container(reply, 'a', "(ssisssuaso)");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "ssisssuaso")) > 0) {
                LinkRow l = {};
                r = read_row(reply, &l);
                if (r >= 0)
                        print_row(&l, ctx->json ? &w : NULL);
                strv_free(l.addresses);
                n++;
        }
        if (r < 0)
                return log_bus_error(_("malformed link list"), NULL, r);
        if (ctx->json) {
                json_end_array(&w);
                json_finish(&w);
        } else if (ctx->legend)
                printf(_("\n%u links listed.\n"), n);
        return 0;
}

/* Takes the value after keyword argv[*i]; complains when there is none. */
static const char *take_value(int argc, char *argv[], int *i) {
        if (*i + 1 >= argc) {
                fprintf(stderr, _("virtctl: '%s' needs a value.\n"), argv[*i]);
                return NULL;
        }
        return argv[++*i];
}

static int parse_mtu(const char *s, uint32_t *ret) {
        char *end;
        unsigned long v = strtoul(s, &end, 10);

        if (!*s || *end || v == 0 || v > UINT32_MAX) {
                fprintf(stderr, _("virtctl: MTU '%s' is not a positive number.\n"), s);
                return -EINVAL;
        }
        *ret = (uint32_t) v;
        return 0;
}

typedef struct VethCli {
        const char *name, *ns, *mac;
} VethCli;

/* link add NAME [netns NS] [address MAC] [mtu N] type veth peer [name] PEER [netns NS] [address MAC] */
int verb_link_add(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        VethCli ends[2] = { { argv[0], "", "" }, { NULL, "", "" } };
        const char *v;
        uint32_t mtu = 0;
        int end = 0, r;

        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "type")) {
                        if (!(v = take_value(argc, argv, &i)))
                                return -EINVAL;
                        if (!streq(v, "veth")) {
                                fprintf(stderr, _("virtctl: link type '%s' is not supported; only 'veth' is.\n"), v);
                                return -EOPNOTSUPP;
                        }
                } else if (streq(argv[i], "peer")) {
                        end = 1;
                        if (i + 1 < argc && streq(argv[i + 1], "name"))
                                i++;
                        if (!(ends[1].name = take_value(argc, argv, &i)))
                                return -EINVAL;
                } else if (streq(argv[i], "netns")) {
                        if (!(ends[end].ns = take_value(argc, argv, &i)))
                                return -EINVAL;
                } else if (streq(argv[i], "address")) {
                        if (!(ends[end].mac = take_value(argc, argv, &i)))
                                return -EINVAL;
                } else if (streq(argv[i], "mtu")) {
                        if (!(v = take_value(argc, argv, &i)) || parse_mtu(v, &mtu) < 0)
                                return -EINVAL;
                } else {
                        fprintf(stderr, _("virtctl: unknown link option '%s'.\n"), argv[i]);
                        return -EINVAL;
                }
        }
        if (!ends[1].name) {
                fprintf(stderr, _("virtctl: a veth pair needs 'peer NAME'.\n"));
                return -EINVAL;
        }
        r = manager_new_call(ctx, "CreateVeth", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "ssssssut", ends[0].name, ends[0].ns, ends[0].mac, ends[1].name, ends[1].ns,
                                          ends[1].mac, mtu, method_flags(ctx));
        if (r < 0)
                return r;
        return call_and_reply(ctx, call, _("cannot create the veth pair"), NULL);
}

/* Opens ConfigureLink(namespace, name, a{sv} …); the caller appends settings and closes. */
static int configure_call(Context *ctx, const char *ns, const char *name, sd_bus_message **ret) {
        int r;

        r = manager_new_call(ctx, "ConfigureLink", ret);
        if (r >= 0)
                r = sd_bus_message_append(*ret, "ss", ns, name);
        if (r >= 0)
                r = sd_bus_message_open_container(*ret, 'a', "{sv}");
        return r;
}

static int configure_finish(Context *ctx, sd_bus_message *call) {
        int r;

        r = sd_bus_message_close_container(call);
        if (r >= 0)
                r = sd_bus_message_append(call, "t", method_flags(ctx));
        if (r < 0)
                return r;
        return call_and_reply(ctx, call, _("cannot change the link"), NULL);
}

/* Finds "in NS" anywhere after the verb's first argument; "" (the host) without it. */
static const char *find_in(int argc, char *argv[]) {
        for (int i = 1; i + 1 < argc; i++)
                if (streq(argv[i], "in"))
                        return argv[i + 1];
        return "";
}

/* link set NAME [in NS] [up|down] [mtu N] [address MAC] [name NEW] [netns NS|host] */
int verb_link_set(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        uint32_t mtu;
        const char *v;
        int r;

        r = configure_call(ctx, find_in(argc, argv), argv[0], &call);
        for (int i = 1; r >= 0 && i < argc; i++) {
                if (streq(argv[i], "in"))
                        i++;
                else if (streq(argv[i], "up") || streq(argv[i], "down"))
                        r = sd_bus_message_append(call, "{sv}", "up", "b", (int) streq(argv[i], "up"));
                else if (streq(argv[i], "mtu")) {
                        if (!(v = take_value(argc, argv, &i)) || parse_mtu(v, &mtu) < 0)
                                return -EINVAL;
                        r = sd_bus_message_append(call, "{sv}", "mtu", "u", mtu);
                } else if (streq(argv[i], "address") || streq(argv[i], "name")) {
                        const char *key = streq(argv[i], "address") ? "mac" : "name";
                        if (!(v = take_value(argc, argv, &i)))
                                return -EINVAL;
                        r = sd_bus_message_append(call, "{sv}", key, "s", v);
                } else if (streq(argv[i], "netns")) {
                        if (!(v = take_value(argc, argv, &i)))
                                return -EINVAL;
                        r = sd_bus_message_append(call, "{sv}", "namespace", "s", streq(v, "host") ? "" : v);
                } else {
                        fprintf(stderr, _("virtctl: unknown link option '%s'.\n"), argv[i]);
                        return -EINVAL;
                }
        }
        if (r < 0)
                return r;
        return configure_finish(ctx, call);
}

int link_delete(int argc, char *argv[], Context *ctx, const char *method, const char *usage, const char *failure) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        if (argc != 1 && !(argc == 3 && streq(argv[1], "in"))) {
                fputs(usage, stderr);
                return -EINVAL;
        }
        r = manager_new_call(ctx, method, &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "sst", find_in(argc, argv), argv[0], method_flags(ctx));
        if (r < 0)
                return r;
        return call_and_reply(ctx, call, failure, NULL);
}

/* link delete NAME [in NS] */
int verb_link_delete(int argc, char *argv[], Context *ctx) {
        return link_delete(argc, argv, ctx, "DeleteLink", _("virtctl: usage: link delete NAME [in NAMESPACE]\n"),
                           _("cannot delete the link"));
}

/* address add|delete ADDRESS… dev NAME [in NS]: one ConfigureLink() call for the whole batch. */
static int address_change(int argc, char *argv[], Context *ctx, const char *key) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_strv_free_ char **addrs = calloc(1, sizeof(char *));
        const char *dev = NULL, *ns = "";
        int r;

        if (!addrs)
                return -ENOMEM;
        for (int i = 0; i < argc; i++) {
                if (streq(argv[i], "dev") || streq(argv[i], "in")) {
                        const char **slot = streq(argv[i], "dev") ? &dev : &ns;
                        if (!(*slot = take_value(argc, argv, &i)))
                                return -EINVAL;
                } else if ((r = strv_extend(&addrs, argv[i])) < 0)
                        return r;
        }
        if (!dev || !addrs[0]) {
                fprintf(stderr, _("virtctl: usage: address add|delete ADDRESS... dev NAME [in NAMESPACE]\n"));
                return -EINVAL;
        }
        r = configure_call(ctx, ns, dev, &call);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(call, "s", key);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(call, addrs);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r < 0)
                return r;
        return configure_finish(ctx, call);
}

int verb_address_add(int argc, char *argv[], Context *ctx) {
        return address_change(argc, argv, ctx, "add-addresses");
}

int verb_address_delete(int argc, char *argv[], Context *ctx) {
        return address_change(argc, argv, ctx, "remove-addresses");
}
