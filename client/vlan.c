/* vlan.c: "virtctl vlan …", "virtctl bridge …" and "virtctl port …": VLAN links and switch-style bridge ports. */
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

static const char *take_value(int argc, char *argv[], int *i) {
        if (*i + 1 >= argc) {
                fprintf(stderr, _("virtctl: '%s' needs a value.\n"), argv[*i]);
                return NULL;
        }
        return argv[++*i];
}

/* Numbers go to virtd as they are; virtd's VLAN rules say what is wrong with them. */
static int parse_u32(const char *what, const char *s, uint32_t *ret) {
        char *end;
        unsigned long long v;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (!*s || *s == '-' || *end || errno || v > UINT32_MAX) {
                fprintf(stderr, _("virtctl: %s '%s' is not a number.\n"), what, s);
                return -EINVAL;
        }
        *ret = (uint32_t) v;
        return 0;
}

/* Finds "in NS" anywhere after the verb's first argument; "" (the host) without it. */
static const char *find_in(int argc, char *argv[]) {
        for (int i = 1; i + 1 < argc; i++)
                if (streq(argv[i], "in"))
                        return argv[i + 1];
        return "";
}

/* "reorder_hdr,gvrp,-mvrp": listed flags on, "-" flags off, the rest as they are (a new VLAN: reorder_hdr on). */
static int append_flags(sd_bus_message *call, const char *list) {
        _cleanup_strv_free_ char **words = strv_split(list ? list : "", ",");
        int r;

        if (!words)
                return -ENOMEM;
        r = sd_bus_message_open_container(call, 'a', "{sb}");
        for (char **w = words; r >= 0 && *w; w++)
                r = sd_bus_message_append(call, "{sb}", **w == '-' ? *w + 1 : *w, (int) (**w != '-'));
        return r < 0 ? r : sd_bus_message_close_container(call);
}

/* "FROM:TO,…" as a(uu); the ranges are virtd's to check. */
static int append_map(sd_bus_message *call, const char *what, const char *map) {
        _cleanup_strv_free_ char **words = strv_split(map ? map : "", ",");
        int r;

        if (!words)
                return -ENOMEM;
        r = sd_bus_message_open_container(call, 'a', "(uu)");
        for (char **w = words; r >= 0 && *w; w++) {
                _cleanup_free_ char *from = strdup(*w);
                char *colon = from ? strchr(from, ':') : NULL;
                uint32_t f, t;
                if (!colon) {
                        fprintf(stderr, _("virtctl: %s: '%s' is not FROM:TO.\n"), what, *w);
                        return -EINVAL;
                }
                *colon = 0;
                if (parse_u32(what, from, &f) < 0 || parse_u32(what, colon + 1, &t) < 0)
                        return -EINVAL;
                r = sd_bus_message_append(call, "(uu)", f, t);
        }
        return r < 0 ? r : sd_bus_message_close_container(call);
}

typedef struct VlanCli {
        const char *name, *protocol, *flags, *ingress, *egress, *ns;
        uint32_t id, mtu;
        bool has_id;
} VlanCli;

static int vlan_cli_parse(int argc, char *argv[], bool create, VlanCli *v) {
        const char *s;

        *v = (VlanCli) { .name = "", .protocol = "", .ns = "" };
        for (int i = 1; i < argc; i++) {
                const char *key = argv[i];
                if (!(s = take_value(argc, argv, &i)))
                        return -EINVAL;
                if (streq(key, "in"))
                        v->ns = s;
                else if (streq(key, "flags"))
                        v->flags = s;
                else if (streq(key, "ingress-qos-map"))
                        v->ingress = s;
                else if (streq(key, "egress-qos-map"))
                        v->egress = s;
                else if (streq(key, "mtu")) {
                        if (parse_u32(_("MTU"), s, &v->mtu) < 0)
                                return -EINVAL;
                } else if (create && streq(key, "id")) {
                        if (parse_u32(_("VLAN id"), s, &v->id) < 0)
                                return -EINVAL;
                        v->has_id = true;
                } else if (create && streq(key, "name"))
                        v->name = s;
                else if (create && streq(key, "protocol"))
                        v->protocol = s;
                else {
                        fprintf(stderr, _("virtctl: unknown VLAN option '%s'.\n"), key);
                        return -EINVAL;
                }
        }
        if (create && !v->has_id) {
                fprintf(stderr, _("virtctl: a VLAN needs 'id N'.\n"));
                return -EINVAL;
        }
        return 0;
}

static int append_setting(sd_bus_message *call, const char *key, const char *type) {
        int r = sd_bus_message_open_container(call, 'e', "sv");

        if (r >= 0)
                r = sd_bus_message_append(call, "s", key);
        return r < 0 ? r : sd_bus_message_open_container(call, 'v', type);
}

static int close_setting(sd_bus_message *call) {
        int r = sd_bus_message_close_container(call);

        return r < 0 ? r : sd_bus_message_close_container(call);
}

/* flags, ingress-qos-map and egress-qos-map: CreateVlan takes all three in line, ChangeVlan the given ones in its a{sv}. */
static int append_flags_and_maps(sd_bus_message *call, const VlanCli *v, bool as_settings) {
        const struct {
                const char *key, *type, *label, *value;
        } parts[] = {
                { "flags", "a{sb}", NULL, v->flags },
                { "ingress-qos-map", "a(uu)", N_("ingress-qos-map"), v->ingress },
                { "egress-qos-map", "a(uu)", N_("egress-qos-map"), v->egress },
        };
        int r = 0;

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(parts); i++) {
                if (as_settings && !parts[i].value)
                        continue;
                if (as_settings)
                        r = append_setting(call, parts[i].key, parts[i].type);
                if (r >= 0)
                        r = parts[i].label ? append_map(call, _(parts[i].label), parts[i].value)
                                           : append_flags(call, parts[i].value);
                if (r >= 0 && as_settings)
                        r = close_setting(call);
        }
        return r;
}

/* Parses the options of "vlan add" (create) or "vlan set" into v and starts the matching method call. */
static int vlan_call_new(Context *ctx, int argc, char *argv[], bool create, VlanCli *v, sd_bus_message **ret) {
        int r;

        r = vlan_cli_parse(argc, argv, create, v);
        if (r < 0)
                return r;
        return manager_new_call(ctx, create ? "CreateVlan" : "ChangeVlan", ret);
}

/* vlan add PARENT id N [name NAME] [protocol P] [flags LIST] [ingress-qos-map MAP] [egress-qos-map MAP] [mtu N] [in NS] */
int verb_vlan_add(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        VlanCli v;
        int r;

        r = vlan_call_new(ctx, argc, argv, /* create= */ true, &v, &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "sssus", v.ns, argv[0], v.name, v.id, v.protocol);
        if (r >= 0)
                r = append_flags_and_maps(call, &v, /* as_settings= */ false);
        if (r >= 0)
                r = sd_bus_message_append(call, "ut", v.mtu, method_flags(ctx));
        if (r < 0)
                return r;
        return call_and_reply(ctx, call, _("cannot create the VLAN"), NULL);
}

/* vlan set NAME [in NS] [flags LIST] [ingress-qos-map MAP] [egress-qos-map MAP] [mtu N] */
int verb_vlan_set(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        VlanCli v;
        int r;

        r = vlan_call_new(ctx, argc, argv, /* create= */ false, &v, &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "ss", v.ns, argv[0]);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0)
                r = append_flags_and_maps(call, &v, /* as_settings= */ true);
        if (r >= 0 && v.mtu)
                r = sd_bus_message_append(call, "{sv}", "mtu", "u", v.mtu);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r >= 0)
                r = sd_bus_message_append(call, "t", method_flags(ctx));
        if (r < 0)
                return r;
        return call_and_reply(ctx, call, _("cannot change the VLAN"), NULL);
}

/* vlan delete NAME [in NS] */
int verb_vlan_delete(int argc, char *argv[], Context *ctx) {
        return link_delete(argc, argv, ctx, "DeleteVlan", _("virtctl: usage: vlan delete NAME [in NAMESPACE]\n"),
                           _("cannot delete the VLAN"));
}

/* vlan brief [in NS]: like a switch's "show vlan brief". */
int verb_vlan_brief(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        JsonWriter w = { .f = stdout };
        int r;

        if (argc != 0 && !(argc == 2 && streq(argv[0], "in"))) {
                fprintf(stderr, _("virtctl: usage: vlan brief [in NAMESPACE]\n"));
                return -EINVAL;
        }
        r = manager_new_call(ctx, "ListVlans", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "s", argc == 2 ? argv[1] : "");
        if (r < 0 || (r = call_and_reply(ctx, call, _("cannot list VLANs"), &reply)) < 0)
                return r;
        if (ctx->json)
                json_begin_array(&w, NULL);
        else if (ctx->legend)
                printf("%-4s %-32s %s\n", _("VLAN"), _("Name"), _("Ports"));
        r = sd_bus_message_enter_container(reply, 'a', "(ssqsas)");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "ssqsas")) > 0) {
                _cleanup_strv_free_ char **ports = NULL;
                _cleanup_free_ char *joined = NULL;
                const char *ns, *bridge, *name;
                uint16_t vid;
                r = sd_bus_message_read(reply, "ssqs", &ns, &bridge, &vid, &name);
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &ports);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        break;
                if (ctx->json) {
                        json_begin_object(&w);
                        json_uint(&w, "vlan", vid);
                        json_string(&w, "name", name);
                        json_string(&w, "namespace", ns);
                        json_string(&w, "bridge", bridge);
                        json_strv(&w, "ports", ports);
                        json_end_object(&w);
                } else if ((joined = strv_join(ports, ", ")))
                        printf("%-4u %-32s %s\n", vid, name, joined);
        }
        if (r < 0)
                return log_bus_error(_("malformed VLAN list"), NULL, r);
        if (ctx->json) {
                json_end_array(&w);
                json_finish(&w);
        }
        return 0;
}

/* bridge add NAME [vlan-filtering on|off] [in NS] */
int verb_bridge_add(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        const char *ns = "", *s;
        bool filtering = false;
        int r;

        for (int i = 1; i < argc; i++) {
                const char *key = argv[i];
                if (!(s = take_value(argc, argv, &i)))
                        return -EINVAL;
                if (streq(key, "in"))
                        ns = s;
                else if (streq(key, "vlan-filtering") && (streq(s, "on") || streq(s, "off")))
                        filtering = streq(s, "on");
                else {
                        fprintf(stderr, _("virtctl: unknown bridge option '%s %s'.\n"), key, s);
                        return -EINVAL;
                }
        }
        r = manager_new_call(ctx, "CreateBridge", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "ssbt", ns, argv[0], (int) filtering, method_flags(ctx));
        if (r < 0)
                return r;
        return call_and_reply(ctx, call, _("cannot create the bridge"), NULL);
}

/* port set PORT bridge BR mode access vlan N | mode trunk allowed LIST [native N] [in NS] */
int verb_port_set(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        const char *ns = "", *bridge = NULL, *mode = NULL, *allowed = "", *s;
        uint32_t vlan = 0, native = 0;
        int r;

        for (int i = 1; i < argc; i++) {
                const char *key = argv[i];
                if (!(s = take_value(argc, argv, &i)))
                        return -EINVAL;
                if (streq(key, "in"))
                        ns = s;
                else if (streq(key, "bridge"))
                        bridge = s;
                else if (streq(key, "mode"))
                        mode = s;
                else if (streq(key, "allowed"))
                        allowed = s;
                else if (streq(key, "vlan")) {
                        if (parse_u32(_("VLAN id"), s, &vlan) < 0)
                                return -EINVAL;
                } else if (streq(key, "native")) {
                        if (parse_u32(_("VLAN id"), s, &native) < 0)
                                return -EINVAL;
                } else {
                        fprintf(stderr, _("virtctl: unknown port option '%s'.\n"), key);
                        return -EINVAL;
                }
        }
        if (!bridge || !mode) {
                fprintf(stderr, _("virtctl: a port needs 'bridge BR' and 'mode access|trunk'.\n"));
                return -EINVAL;
        }
        r = manager_new_call(ctx, "SetBridgePorts", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "sa(sssusu)t", ns, 1, argv[0], bridge, mode, vlan, allowed, native,
                                          method_flags(ctx));
        if (r < 0)
                return r;
        return call_and_reply(ctx, call, _("cannot configure the port"), NULL);
}

/* port show PORT [in NS] */
int verb_port_show(int argc, char *argv[], Context *ctx) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        const char *bridge, *mode, *allowed;
        uint32_t access, native;
        JsonWriter w = { .f = stdout };
        char none[32];
        int r;

        if (argc != 1 && !(argc == 3 && streq(argv[1], "in"))) {
                fprintf(stderr, _("virtctl: usage: port show PORT [in NAMESPACE]\n"));
                return -EINVAL;
        }
        r = manager_new_call(ctx, "GetBridgePort", &call);
        if (r >= 0)
                r = sd_bus_message_append(call, "ss", find_in(argc, argv), argv[0]);
        if (r < 0 || (r = call_and_reply(ctx, call, _("cannot show the port"), &reply)) < 0)
                return r;
        r = sd_bus_message_read(reply, "ssuus", &bridge, &mode, &access, &native, &allowed);
        if (r < 0)
                return log_bus_error(_("malformed port"), NULL, r);
        if (ctx->json) {
                json_begin_object(&w);
                json_string(&w, "port", argv[0]);
                json_string(&w, "bridge", bridge);
                json_string(&w, "mode", mode);
                json_uint(&w, "access_vlan", access);
                json_uint(&w, "native_vlan", native);
                json_string(&w, "allowed_vlans", allowed);
                json_end_object(&w);
                json_finish(&w);
                return 0;
        }
        snprintf(none, sizeof(none), "%s", _("none"));
        printf(_("Name: %s\n"), argv[0]);
        printf(_("Bridge: %s\n"), bridge);
        printf(_("Administrative Mode: %s\n"), *mode ? mode : none);
        if (access)
                printf(_("Access Mode VLAN: %u\n"), access);
        else
                printf(_("Access Mode VLAN: %s\n"), none);
        if (native)
                printf(_("Trunking Native Mode VLAN: %u\n"), native);
        else
                printf(_("Trunking Native Mode VLAN: %s\n"), none);
        printf(_("Trunking VLANs Enabled: %s\n"), *allowed ? allowed : none);
        return 0;
}
