/* plan.c: plan computation between the desired and the live state, and Save's refresh. Pure logic. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "cg-value.h"
#include "macro.h"
#include "strset.h"
#include "strv.h"

static const char * const action_names[_PLAN_ACTION_MAX] = {
        [PLAN_CREATE] = "create",
        [PLAN_CHANGE] = "change",
        [PLAN_DELETE] = "delete",
};

static const char * const kind_names[_PLAN_KIND_MAX] = {
        [PLAN_NAMESPACE] = "namespace",
        [PLAN_VETH] = "veth",
        [PLAN_ADDRESS] = "address",
        [PLAN_GROUP] = "group",
        [PLAN_PARAMETER] = "parameter",
        [PLAN_BRIDGE] = "bridge",
        [PLAN_PORT] = "port",
        [PLAN_VLAN] = "vlan",
};

const char *plan_action_to_string(PlanAction a) {
        return a >= 0 && a < _PLAN_ACTION_MAX ? action_names[a] : NULL;
}

const char *plan_kind_to_string(PlanKind k) {
        return k >= 0 && k < _PLAN_KIND_MAX ? kind_names[k] : NULL;
}

static void step_done(PlanStep *s) {
        free(s->name);
        free(s->namespace);
        free(s->param);
        free(s->old_value);
        free(s->new_value);
        free(s->top);
}

Plan *plan_free(Plan *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_steps; i++)
                step_done(&p->steps[i]);
        free(p->steps);
        free(p);
        return NULL;
}

char *config_owned_key(const char *kind, const char *name) {
        char *s = NULL;

        if (asprintf(&s, "%s %s", kind, name) < 0)
                return NULL;
        return s;
}

char *config_port_key(const char *bridge, const char *name) {
        char *s = NULL;

        if (asprintf(&s, "port %s %s", bridge, name) < 0)
                return NULL;
        return s;
}

static char *strdup_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

/* Appends a step; strings are copied. */
static int plan_add(Plan *p, PlanAction action, PlanKind kind, const char *top_kind, const char *top_name,
                    const char *name, const char *ns, const char *param, const char *old_value, const char *new_value,
                    PlanStep **ret) {
        PlanStep *steps, *s;

        steps = realloc(p->steps, (p->n_steps + 1) * sizeof(PlanStep));
        if (!steps)
                return -ENOMEM;
        p->steps = steps;
        s = &p->steps[p->n_steps];
        *s = (PlanStep) { .action = action, .kind = kind };
        s->name = strdup(name);
        s->namespace = strdup_or_null(ns);
        s->param = strdup_or_null(param);
        s->old_value = strdup(strempty(old_value));
        s->new_value = strdup(strempty(new_value));
        s->top = config_owned_key(top_kind, top_name);
        p->n_steps++;
        if (!s->name || (ns && !s->namespace) || (param && !s->param) || !s->old_value || !s->new_value || !s->top)
                return -ENOMEM;
        if (ret)
                *ret = s;
        return 0;
}

static bool same_ns(const char *a, const char *b) {
        if (a && streq(a, "host"))
                a = NULL;
        if (b && streq(b, "host"))
                b = NULL;
        return (!a && !b) || (a && b && streq(a, b));
}

static const NetObject *port_find(const NetConfig *c, const char *bridge, const char *name) {
        for (size_t i = 0; c && i < c->n_objects; i++) {
                const NetObject *o = &c->objects[i];
                if (o->type == NET_PORT && streq(o->name, name) && streq(o->bridge, bridge))
                        return o;
        }
        return NULL;
}

/* The first bridge of that name, in whatever namespace: a port section names its bridge only. */
static const NetObject *bridge_find(const NetConfig *c, const char *name) {
        for (size_t i = 0; c && i < c->n_objects; i++)
                if (c->objects[i].type == NET_BRIDGE && streq(c->objects[i].name, name))
                        return &c->objects[i];
        return NULL;
}

static const NetObject *net_find(const NetConfig *c, NetObjectType type, const char *name, const char *ns) {
        for (size_t i = 0; c && i < c->n_objects; i++) {
                const NetObject *o = &c->objects[i];
                if (o->type == type && streq(o->name, name) && (type == NET_NAMESPACE || same_ns(o->namespace, ns)))
                        return o;
        }
        return NULL;
}

/* The record as a set: a plan looks every live object up in it (10,000 groups: 10,000 lookups). */
static bool owns(const StrSet *owned, const char *kind, const char *name) {
        _cleanup_free_ char *key = config_owned_key(kind, name);

        return key && strset_contains(owned, key);
}

static bool owns_object(const StrSet *owned, const NetObject *o) {
        _cleanup_free_ char *key = o->type == NET_PORT ? config_port_key(o->bridge, o->name)
                                                       : config_owned_key(net_object_type_to_string(o->type), o->name);

        return key && strset_contains(owned, key);
}

static int describe_namespace(const NetObject *o, char **ret) {
        char *s = NULL;

        if (asprintf(&s, "kinds=%s%s%s%s%s", o->kinds & NET_KIND_NET ? "net," : "", o->kinds & NET_KIND_UTS ? "uts," : "",
                     o->kinds & NET_KIND_IPC ? "ipc," : "", o->hostname ? " hostname=" : "", strempty(o->hostname)) < 0)
                return -ENOMEM;
        /* drop the trailing comma of the kinds list */
        char *comma = strstr(s, ", ");
        if (comma)
                memmove(comma, comma + 1, strlen(comma));
        else if (s[strlen(s) - 1] == ',')
                s[strlen(s) - 1] = 0;
        *ret = s;
        return 0;
}

static int describe_veth(const NetObject *o, char **ret) {
        _cleanup_free_ char *a = strv_join(o->addresses, ","), *pa = strv_join(o->peer_addresses, ",");
        char *s = NULL;

        if (!a || !pa)
                return -ENOMEM;
        if (asprintf(&s, "peer=%s peer-namespace=%s%s%s%s%s", o->peer, o->peer_namespace ? o->peer_namespace : "host",
                     *a ? " address=" : "", a, *pa ? " peer-address=" : "", pa) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int plan_addresses(Plan *p, const NetObject *want, const NetObject *live) {
        const char *top = net_object_type_to_string(want->type);
        int r;

        for (char **a = want->addresses; a && *a; a++)
                if (!strv_contains(live->addresses, *a) &&
                    (r = plan_add(p, PLAN_CREATE, PLAN_ADDRESS, top, want->name, want->name, want->namespace, *a, NULL,
                                  *a, NULL)) < 0)
                        return r;
        for (char **a = want->peer_addresses; a && *a; a++)
                if (!strv_contains(live->peer_addresses, *a) &&
                    (r = plan_add(p, PLAN_CREATE, PLAN_ADDRESS, top, want->name, want->peer, want->peer_namespace, *a,
                                  NULL, *a, NULL)) < 0)
                        return r;
        return 0;
}

/* ---- bridges, VLANs and ports: compared by the settings network.conf can give ---- */

/* The differing settings as two texts, "key=old …" and "key=new …". */
typedef struct SettingsDiff {
        FILE *old, *new;
        char *old_text, *new_text;
        size_t old_size, new_size;
        bool any;
        bool recreate;
} SettingsDiff;

static int diff_open(SettingsDiff *d) {
        *d = (SettingsDiff) {};
        d->old = open_memstream(&d->old_text, &d->old_size);
        d->new = open_memstream(&d->new_text, &d->new_size);
        return d->old && d->new ? 0 : -ENOMEM;
}

static int diff_close(SettingsDiff *d) {
        int r = 0;

        if (d->old && fclose(d->old) != 0)
                r = -ENOMEM;
        if (d->new && fclose(d->new) != 0)
                r = -ENOMEM;
        d->old = d->new = NULL;
        return r;
}

static void diff_done(SettingsDiff *d) {
        (void) diff_close(d);
        free(d->old_text);
        free(d->new_text);
}

static void diff_add(SettingsDiff *d, const char *key, const char *old, const char *new) {
        fprintf(d->old, "%s%s=%s", d->any ? " " : "", key, old);
        fprintf(d->new, "%s%s=%s", d->any ? " " : "", key, new);
        d->any = true;
}

static void diff_add_u(SettingsDiff *d, const char *key, unsigned old, unsigned new) {
        char a[16], b[16];

        snprintf(a, sizeof(a), "%u", old);
        snprintf(b, sizeof(b), "%u", new);
        diff_add(d, key, a, b);
}

static int diff_add_owned(SettingsDiff *d, const char *key, char *old, char *new) {
        _cleanup_free_ char *a = old, *b = new;

        if (!a || !b)
                return -ENOMEM;
        diff_add(d, key, *a ? a : "none", *b ? b : "none");
        return 0;
}

/* A mapping to 0 is the kernel's default, which it does not report back; the order does not matter. */
static bool qos_contains(const VlanQosMapping *map, size_t n, const VlanQosMapping *x) {
        for (size_t i = 0; i < n; i++)
                if (map[i].from == x->from && map[i].to == x->to)
                        return true;
        return false;
}

static bool qos_equal(const VlanQosMapping *a, size_t na, const VlanQosMapping *b, size_t nb) {
        for (size_t i = 0; i < na; i++)
                if (a[i].to != 0 && !qos_contains(b, nb, &a[i]))
                        return false;
        for (size_t i = 0; i < nb; i++)
                if (b[i].to != 0 && !qos_contains(a, na, &b[i]))
                        return false;
        return true;
}

static int vlan_diff(const NetObject *w, const NetObject *l, SettingsDiff *d) {
        int r;

        /* The kernel cannot change these three of an existing VLAN. A parent in another namespace has no name
         * here (""): it cannot be compared. */
        if (*l->parent && !streq(w->parent, l->parent))
                diff_add(d, "parent", l->parent, w->parent);
        if (w->id != l->id)
                diff_add_u(d, "id", l->id, w->id);
        if (w->protocol != l->protocol)
                diff_add(d, "protocol", vlan_protocol_to_string(l->protocol), vlan_protocol_to_string(w->protocol));
        d->recreate = d->any;
        if (w->flags != l->flags &&
            (r = diff_add_owned(d, "flags", vlan_flags_to_string(l->flags), vlan_flags_to_string(w->flags))) < 0)
                return r;
        if (!qos_equal(w->ingress, w->n_ingress, l->ingress, l->n_ingress) &&
            (r = diff_add_owned(d, "ingress-qos-map", vlan_qos_map_to_string(l->ingress, l->n_ingress),
                                vlan_qos_map_to_string(w->ingress, w->n_ingress))) < 0)
                return r;
        if (!qos_equal(w->egress, w->n_egress, l->egress, l->n_egress) &&
            (r = diff_add_owned(d, "egress-qos-map", vlan_qos_map_to_string(l->egress, l->n_egress),
                                vlan_qos_map_to_string(w->egress, w->n_egress))) < 0)
                return r;
        if (w->mtu && w->mtu != l->mtu)
                diff_add_u(d, "mtu", l->mtu, w->mtu);
        return 0;
}

static const char *pvid_text(uint16_t pvid, char buf[static 8]) {
        if (pvid == 0)
                return "none";
        snprintf(buf, 8, "%u", pvid);
        return buf;
}

static void bridge_diff(const NetObject *w, const NetObject *l, SettingsDiff *d) {
        char a[8], b[8];

        if (w->vlan_filtering >= 0 && w->vlan_filtering != l->vlan_filtering)
                diff_add(d, "vlan-filtering", l->vlan_filtering > 0 ? "yes" : "no", w->vlan_filtering > 0 ? "yes" : "no");
        if (w->has_default_pvid && w->default_pvid != l->default_pvid)
                diff_add(d, "default-pvid", pvid_text(l->default_pvid, a), pvid_text(w->default_pvid, b));
        if (w->mtu && w->mtu != l->mtu)
                diff_add_u(d, "mtu", l->mtu, w->mtu);
}

/* A port's table: the kernel's own for a live port, the translation of its mode for a file's. */
static int port_entries(const NetObject *o, BridgeVlanEntry **ret, size_t *ret_n) {
        if (!o->kernel_table)
                return port_config_to_entries(&o->port, ret, ret_n, NULL);
        *ret = NULL;
        *ret_n = o->n_port_entries;
        if (o->n_port_entries == 0)
                return 0;
        *ret = malloc(o->n_port_entries * sizeof(BridgeVlanEntry));
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, o->port_entries, o->n_port_entries * sizeof(BridgeVlanEntry));
        return 0;
}

static bool entries_equal(const BridgeVlanEntry *a, size_t na, const BridgeVlanEntry *b, size_t nb, int *ret_error) {
        _cleanup_free_ BridgeVlanEntry *add = NULL, *del = NULL;
        size_t n_add, n_del;

        *ret_error = bridge_vlan_diff(a, na, b, nb, &add, &n_add, &del, &n_del);
        return *ret_error >= 0 && n_add == 0 && n_del == 0;
}

/* "mode=access access-vlan=10", "mode=trunk allowed-vlans=10,20 native-vlan=99"; a table no mode describes is
 * listed entry by entry: "vlans=1(pvid+untagged),5", "vlans=none". */
static int describe_port(const NetObject *o, char **ret) {
        _cleanup_free_ BridgeVlanEntry *e = NULL, *back = NULL;
        _cleanup_free_ char *allowed = NULL;
        size_t n, n_back;
        PortConfig c = o->port;
        int r, k;

        if ((r = port_entries(o, &e, &n)) < 0)
                return r;
        if (o->kernel_table && (n == 0 || port_config_from_entries(e, n, &c) < 0 ||
                                port_config_to_entries(&c, &back, &n_back, NULL) < 0 ||
                                !entries_equal(e, n, back, n_back, &r))) {
                char *text = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&text, &size);

                if (!f)
                        return -ENOMEM;
                fputs(n == 0 ? "vlans=none" : "vlans=", f);
                for (size_t i = 0; i < n; i++)
                        fprintf(f, "%s%u%s%s%s%s", i ? "," : "", e[i].vid, e[i].pvid || e[i].untagged ? "(" : "",
                                e[i].pvid ? "pvid" : "", e[i].pvid && e[i].untagged ? "+" : "", e[i].untagged ? "untagged)" : e[i].pvid ? ")" : "");
                if (fclose(f) != 0) {
                        free(text);
                        return -ENOMEM;
                }
                *ret = text;
                return 0;
        }
        if (c.mode == PORT_MODE_ACCESS)
                k = asprintf(ret, "mode=access access-vlan=%u", c.access_vlan);
        else {
                if (!(allowed = vlan_set_to_string(&c.allowed)))
                        return -ENOMEM;
                k = c.native_vlan ? asprintf(ret, "mode=trunk allowed-vlans=%s native-vlan=%u", allowed, c.native_vlan)
                                  : asprintf(ret, "mode=trunk allowed-vlans=%s", allowed);
        }
        return k < 0 ? -ENOMEM : 0;
}

/* Whether the live port's table is what the file's port asks for. */
static int port_matches(const NetObject *want, const NetObject *live) {
        _cleanup_free_ BridgeVlanEntry *w = NULL, *l = NULL;
        size_t nw, nl;
        int r;

        if ((r = port_entries(want, &w, &nw)) < 0 || (r = port_entries(live, &l, &nl)) < 0)
                return r;
        bool equal = entries_equal(w, nw, l, nl, &r);
        return r < 0 ? r : equal;
}

static int plan_port(Plan *p, const NetObject *o, const NetConfig *want, const NetConfig *live) {
        const NetObject *l = port_find(live, o->bridge, o->name), *b = bridge_find(want, o->bridge);
        _cleanup_free_ char *top = NULL, *old = NULL, *new = NULL;
        const char *ns = b ? b->namespace : NULL;
        PlanStep *s;
        int r;

        if (l && (r = port_matches(o, l)) != 0)
                return r < 0 ? r : 0;
        if (!(top = config_port_key(o->bridge, o->name)))
                return -ENOMEM;
        if ((r = describe_port(o, &new)) < 0 || (l && (r = describe_port(l, &old)) < 0))
                return r;
        r = plan_add(p, l ? PLAN_CHANGE : PLAN_CREATE, PLAN_PORT, "port", top + strlen("port "), o->name, ns, o->bridge,
                     old, new, &s);
        if (r < 0)
                return r;
        s->net = o;
        s->live = l;
        return 0;
}

/* A bridge or VLAN that exists: one change step with the differing settings, then its missing addresses. */
static int plan_link_change(Plan *p, const NetObject *o, const NetObject *l) {
        const char *kind = net_object_type_to_string(o->type);
        SettingsDiff d;
        PlanStep *s;
        int r;

        if ((r = diff_open(&d)) < 0) {
                diff_done(&d);
                return r;
        }
        if (o->type == NET_VLAN)
                r = vlan_diff(o, l, &d);
        else
                bridge_diff(o, l, &d);
        if (r >= 0)
                r = diff_close(&d);
        if (r >= 0 && d.any &&
            (r = plan_add(p, PLAN_CHANGE, o->type == NET_VLAN ? PLAN_VLAN : PLAN_BRIDGE, kind, o->name, o->name,
                          o->namespace, NULL, d.old_text, d.new_text, &s)) >= 0) {
                s->net = o;
                s->live = l;
                s->recreate = d.recreate;
        }
        diff_done(&d);
        /* A recreated VLAN gets the file's addresses with it. */
        if (r < 0 || d.recreate)
                return r;
        return plan_addresses(p, o, l);
}

static int plan_net_object(Plan *p, const NetObject *o, const NetConfig *want, const NetConfig *live) {
        static const PlanKind other[] = { [NET_BRIDGE] = PLAN_BRIDGE, [NET_PORT] = PLAN_PORT, [NET_VLAN] = PLAN_VLAN };
        _cleanup_free_ char *d = NULL;
        const NetObject *l;
        PlanStep *s;
        int r;

        switch (o->type) {
        case NET_NAMESPACE:
                if (net_find(live, NET_NAMESPACE, o->name, NULL))
                        return 0;
                if ((r = describe_namespace(o, &d)) < 0 ||
                    (r = plan_add(p, PLAN_CREATE, PLAN_NAMESPACE, "namespace", o->name, o->name, NULL, NULL, NULL, d, &s)) < 0)
                        return r;
                s->net = o;
                return 0;
        case NET_VETH:
                l = net_find(live, NET_VETH, o->name, o->namespace);
                if (l)
                        return plan_addresses(p, o, l);
                if ((r = describe_veth(o, &d)) < 0 ||
                    (r = plan_add(p, PLAN_CREATE, PLAN_VETH, "veth", o->name, o->name, o->namespace, NULL, NULL, d, &s)) < 0)
                        return r;
                s->net = o;
                return 0;
        case NET_PORT:
                return plan_port(p, o, want, live);
        case NET_VLAN:
        case NET_BRIDGE:
                l = net_find(live, o->type, o->name, o->namespace);
                if (l)
                        return plan_link_change(p, o, l);
                __attribute__((fallthrough));
        default:
                if (o->type == NET_VLAN && asprintf(&d, "parent=%s id=%u", o->parent, o->id) < 0)
                        return -ENOMEM;
                if (o->type == NET_BRIDGE && asprintf(&d, "vlan-filtering=%s%s%s", o->vlan_filtering > 0 ? "yes" : "no",
                                                      o->has_default_pvid ? " default-pvid=" : "",
                                                      o->has_default_pvid ? pvid_text(o->default_pvid, (char[8]) {}) : "") < 0)
                        return -ENOMEM;
                r = plan_add(p, PLAN_CREATE, other[o->type], net_object_type_to_string(o->type), o->name, o->name,
                             o->namespace, NULL, NULL, d, &s);
                if (r >= 0)
                        s->net = o;
                return r;
        }
}

static bool net_wanted(const NetConfig *want, const NetObject *l) {
        return l->type == NET_PORT ? port_find(want, l->bridge, l->name) != NULL : net_find(want, l->type, l->name, l->namespace) != NULL;
}

static PlanKind plan_kind_of(NetObjectType t) {
        static const PlanKind kinds[_NET_OBJECT_TYPE_MAX] = {
                [NET_NAMESPACE] = PLAN_NAMESPACE, [NET_VETH] = PLAN_VETH, [NET_BRIDGE] = PLAN_BRIDGE,
                [NET_PORT] = PLAN_PORT, [NET_VLAN] = PLAN_VLAN,
        };
        return kinds[t];
}

static int plan_net_delete(Plan *p, const NetObject *l) {
        _cleanup_free_ char *top = NULL;
        PlanStep *s;
        int r;

        if (l->type == NET_PORT) {
                if (!(top = config_port_key(l->bridge, l->name)))
                        return -ENOMEM;
                r = plan_add(p, PLAN_DELETE, PLAN_PORT, "port", top + strlen("port "), l->name, l->namespace, l->bridge,
                             "present", "", &s);
        } else
                r = plan_add(p, PLAN_DELETE, plan_kind_of(l->type), net_object_type_to_string(l->type), l->name, l->name,
                             l->namespace, NULL, "present", "", &s);
        if (r < 0)
                return r;
        s->net = s->live = l;
        return 0;
}

static int plan_net_deletes(Plan *p, const NetConfig *want, const NetConfig *live, const StrSet *owned) {
        /* Ports leave their bridge first, then VLANs go before the links they sit on, then the other links, and
         * the namespaces they may live in last. */
        static const NetObjectType passes[][2] = {
                { NET_PORT, NET_PORT }, { NET_VLAN, NET_VLAN }, { NET_VETH, NET_BRIDGE }, { NET_NAMESPACE, NET_NAMESPACE },
        };
        int r;

        for (size_t pass = 0; pass < ELEMENTSOF(passes); pass++)
                for (size_t i = live ? live->n_objects : 0; i-- > 0;) {
                        const NetObject *l = &live->objects[i];

                        if ((l->type != passes[pass][0] && l->type != passes[pass][1]) || net_wanted(want, l) || !owns_object(owned, l))
                                continue;
                        if ((r = plan_net_delete(p, l)) < 0)
                                return r;
                }
        return 0;
}

static const CgGroup *group_find(const CgConfig *c, const char *name) {
        return c ? cgconfig_find_group(c, name) : NULL;
}

static const char *param_value(const CgGroup *g, const char *controller, const char *name) {
        for (size_t i = 0; g && i < g->n_controllers; i++) {
                if (!streq(g->controllers[i].name, controller))
                        continue;
                for (size_t j = 0; j < g->controllers[i].n_params; j++)
                        if (streq(g->controllers[i].params[j].name, name))
                                return g->controllers[i].params[j].value;
        }
        return NULL;
}

static int describe_group(const CgGroup *g, char **ret) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < g->n_controllers; i++) {
                fprintf(f, "%s%s", i ? "," : "", g->controllers[i].name);
                for (size_t j = 0; j < g->controllers[i].n_params; j++)
                        fprintf(f, " %s=%s", g->controllers[i].params[j].name, g->controllers[i].params[j].value);
        }
        if (fclose(f) != 0) {
                free(text);
                return -ENOMEM;
        }
        *ret = text;
        return 0;
}

static int group_name_cmp(const void *a, const void *b) {
        return strcmp((*(const CgGroup * const *) a)->name, (*(const CgGroup * const *) b)->name);
}

/* Sorted by name: a parent ("a") sorts before its children ("a/b"). */
static int groups_sorted(const CgConfig *c, const CgGroup ***ret) {
        size_t n = c ? c->n_groups : 0;
        const CgGroup **l = calloc(n + 1, sizeof(CgGroup *));

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                l[i] = &c->groups[i];
        qsort(l, n, sizeof(CgGroup *), group_name_cmp);
        *ret = l;
        return 0;
}

static int plan_group(Plan *p, const CgGroup *g, const CgConfig *live) {
        const CgGroup *l = group_find(live, g->name);
        _cleanup_free_ char *d = NULL;
        PlanStep *s;
        int r;

        if (!l) {
                if ((r = describe_group(g, &d)) < 0 ||
                    (r = plan_add(p, PLAN_CREATE, PLAN_GROUP, "group", g->name, g->name, NULL, NULL, NULL, d, &s)) < 0)
                        return r;
                s->group = g;
                return 0;
        }
        for (size_t i = 0; i < g->n_controllers; i++)
                for (size_t j = 0; j < g->controllers[i].n_params; j++) {
                        const CgParam *want = &g->controllers[i].params[j];
                        const char *now = param_value(l, g->controllers[i].name, want->name);

                        if (now && cg_value_equal(want->name, want->value, now))
                                continue;
                        r = plan_add(p, PLAN_CHANGE, PLAN_PARAMETER, "group", g->name, g->name, NULL, want->name, now,
                                     want->value, &s);
                        if (r < 0)
                                return r;
                        s->group = g;
                }
        return 0;
}

int config_plan(const CgConfig *want_cg, const NetConfig *want_net, const CgConfig *live_cg, const NetConfig *live_net,
                char * const *owned, Plan **ret) {
        _cleanup_(plan_freep) Plan *p = calloc(1, sizeof(Plan));
        _cleanup_free_ const CgGroup **want_groups = NULL, **live_groups = NULL;
        _cleanup_free_ size_t *order = NULL;
        _cleanup_(strset_freep) StrSet *owned_set = strset_new();
        int r;

        assert(ret);
        if (!p || !owned_set)
                return -ENOMEM;
        for (char * const *k = owned; k && *k; k++)
                if (strset_add(owned_set, *k) < 0)
                        return -ENOMEM;
        if (want_net && want_net->n_objects > 0) {
                r = netconf_order(want_net, &order, NULL);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < want_net->n_objects; i++)
                        if ((r = plan_net_object(p, &want_net->objects[order[i]], want_net, live_net)) < 0)
                                return r;
        }
        if ((r = groups_sorted(want_cg, &want_groups)) < 0 || (r = groups_sorted(live_cg, &live_groups)) < 0)
                return r;
        for (size_t i = 0; want_groups[i]; i++)
                if ((r = plan_group(p, want_groups[i], live_cg)) < 0)
                        return r;
        /* Deletes: children before parents, groups before links, links before namespaces. */
        size_t n_live = live_cg ? live_cg->n_groups : 0;
        for (size_t i = n_live; i-- > 0;) {
                const CgGroup *l = live_groups[i];
                PlanStep *s;

                if (group_find(want_cg, l->name) || !owns(owned_set, "group", l->name))
                        continue;
                if ((r = plan_add(p, PLAN_DELETE, PLAN_GROUP, "group", l->name, l->name, NULL, NULL, "present", "", &s)) < 0)
                        return r;
                s->group = l;
        }
        r = plan_net_deletes(p, want_net, live_net, owned_set);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

static int group_refresh(CgGroup *g, const CgGroup *live) {
        for (size_t i = 0; i < g->n_controllers; i++)
                for (size_t j = 0; j < g->controllers[i].n_params; j++) {
                        CgParam *p = &g->controllers[i].params[j];
                        const char *now = param_value(live, g->controllers[i].name, p->name);
                        char *v;

                        if (!now || cg_value_equal(p->name, p->value, now))
                                continue;
                        if (!(v = strdup(now)))
                                return -ENOMEM;
                        free(p->value);
                        p->value = v;
                }
        return 0;
}

/* A live group the file does not name: its controllers, without parameters. */
static int group_append(CgConfig *c, const CgGroup *live) {
        CgGroup *groups = realloc(c->groups, (c->n_groups + 1) * sizeof(CgGroup));
        CgGroup *g;

        if (!groups)
                return -ENOMEM;
        c->groups = groups;
        g = &c->groups[c->n_groups++];
        *g = (CgGroup) {};
        if (!(g->name = strdup(live->name)) || !(g->controllers = calloc(live->n_controllers + 1, sizeof(CgController))))
                return -ENOMEM;
        for (size_t i = 0; i < live->n_controllers; i++, g->n_controllers++)
                if (!(g->controllers[i].name = strdup(live->controllers[i].name)))
                        return -ENOMEM;
        return 0;
}

static int refresh_groups(CgConfig *c, const CgConfig *live) {
        int r;

        for (size_t i = 0; i < c->n_groups;) {
                const CgGroup *l = group_find(live, c->groups[i].name);

                if (l) {
                        if ((r = group_refresh(&c->groups[i], l)) < 0)
                                return r;
                        i++;
                        continue;
                }
                cgconfig_group_done(&c->groups[i]);
                memmove(&c->groups[i], &c->groups[i + 1], (c->n_groups - i - 1) * sizeof(CgGroup));
                c->n_groups--;
        }
        for (size_t i = 0; live && i < live->n_groups; i++)
                if (!group_find(c, live->groups[i].name) && (r = group_append(c, &live->groups[i])) < 0)
                        return r;
        return 0;
}

static int net_append(NetConfig *c, const NetObject *live) {
        NetObject *objects = realloc(c->objects, (c->n_objects + 1) * sizeof(NetObject));
        NetObject *o;

        if (!objects)
                return -ENOMEM;
        c->objects = objects;
        o = &c->objects[c->n_objects++];
        *o = (NetObject) { .type = live->type, .kinds = live->kinds, .vlan_filtering = -1 };
        o->name = strdup(live->name);
        o->namespace = strdup_or_null(live->namespace);
        o->hostname = strdup_or_null(live->hostname);
        o->peer = strdup_or_null(live->peer);
        o->peer_namespace = strdup_or_null(live->peer_namespace);
        if (!o->name || (live->namespace && !o->namespace) || (live->hostname && !o->hostname) ||
            (live->peer && !o->peer) || (live->peer_namespace && !o->peer_namespace))
                return -ENOMEM;
        return 0;
}

/* A live port's table as a mode; -EINVAL for a table no mode describes (the file keeps what it says then). */
static int live_port_config(const NetObject *l, PortConfig *ret) {
        if (!l->kernel_table) {
                *ret = l->port;
                return 0;
        }
        if (l->n_port_entries == 0)
                return -EINVAL;
        return port_config_from_entries(l->port_entries, l->n_port_entries, ret);
}

/* A live bridge, VLAN or port the file lacks, as the file would say it: settings, no MTU or addresses (as for
 * veths, which are added without them). -EINVAL for a port whose table no mode describes and for a VLAN whose
 * parent has no name in its namespace. */
static int link_append(NetConfig *c, const NetObject *live) {
        NetObject copy, *objects;
        PortConfig port;
        int r;

        if (live->type == NET_PORT && (r = live_port_config(live, &port)) < 0)
                return r;
        if (live->type == NET_VLAN && !*live->parent)
                return -EINVAL;
        objects = realloc(c->objects, (c->n_objects + 1) * sizeof(NetObject));
        if (!objects)
                return -ENOMEM;
        c->objects = objects;
        if ((r = netconf_object_copy(live, &copy)) < 0)
                return r;
        copy.mtu = 0;
        strv_free(copy.addresses);
        copy.addresses = NULL;
        free(copy.port_entries);
        copy.port_entries = NULL;
        copy.n_port_entries = 0;
        copy.kernel_table = false;
        if (copy.type == NET_PORT) {
                copy.port = port;
                free(copy.namespace); /* a port lives where its bridge does */
                copy.namespace = NULL;
        }
        c->objects[c->n_objects++] = copy;
        return 0;
}

static int copy_qos(VlanQosMapping **map, size_t *n, const VlanQosMapping *from, size_t n_from) {
        VlanQosMapping *m = n_from ? malloc(n_from * sizeof(VlanQosMapping)) : NULL;

        if (n_from && !m)
                return -ENOMEM;
        if (n_from)
                memcpy(m, from, n_from * sizeof(VlanQosMapping));
        free(*map);
        *map = m;
        *n = n_from;
        return 0;
}

static int refresh_vlan(NetObject *o, const NetObject *l) {
        int r;

        /* A parent in another namespace has no name here (""); the file keeps its own. */
        if (*l->parent && !streq(o->parent, l->parent)) {
                char *p = strdup(l->parent);
                if (!p)
                        return -ENOMEM;
                free(o->parent);
                o->parent = p;
        }
        o->id = l->id;
        o->protocol = l->protocol;
        o->flags = l->flags;
        if (!qos_equal(o->ingress, o->n_ingress, l->ingress, l->n_ingress) &&
            (r = copy_qos(&o->ingress, &o->n_ingress, l->ingress, l->n_ingress)) < 0)
                return r;
        if (!qos_equal(o->egress, o->n_egress, l->egress, l->n_egress) &&
            (r = copy_qos(&o->egress, &o->n_egress, l->egress, l->n_egress)) < 0)
                return r;
        return 0;
}

/* The file's object takes the live value of every setting it gives; what it leaves out stays out. */
static int refresh_link(NetObject *o, const NetObject *l) {
        PortConfig c;
        int r;

        /* Only bridges and VLANs are read back with their MTU. */
        if (o->mtu && (o->type == NET_BRIDGE || o->type == NET_VLAN))
                o->mtu = l->mtu;
        switch (o->type) {
        case NET_BRIDGE:
                if (o->vlan_filtering >= 0)
                        o->vlan_filtering = l->vlan_filtering;
                if (o->has_default_pvid)
                        o->default_pvid = l->default_pvid;
                return 0;
        case NET_VLAN:
                return refresh_vlan(o, l);
        case NET_PORT:
                if ((r = port_matches(o, l)) != 0)
                        return r < 0 ? r : 0;
                if (live_port_config(l, &c) >= 0)
                        o->port = c;
                return 0;
        default:
                return 0;
        }
}

static const NetObject *live_of(const NetConfig *live, const NetObject *o) {
        return o->type == NET_PORT ? port_find(live, o->bridge, o->name) : net_find(live, o->type, o->name, o->namespace);
}

static int refresh_net(NetConfig *c, const NetConfig *live) {
        int r;

        for (size_t i = 0; i < c->n_objects;) {
                NetObject *o = &c->objects[i];
                const NetObject *l = live_of(live, o);

                if (l) {
                        if ((r = refresh_link(o, l)) < 0)
                                return r;
                        i++;
                        continue;
                }
                netconf_object_done(o);
                memmove(o, o + 1, (c->n_objects - i - 1) * sizeof(NetObject));
                c->n_objects--;
        }
        for (size_t i = 0; live && i < live->n_objects; i++) {
                const NetObject *l = &live->objects[i];

                if (l->type == NET_PORT ? port_find(c, l->bridge, l->name) || !bridge_find(c, l->bridge)
                                        : net_find(c, l->type, l->name, l->namespace) != NULL)
                        continue;
                r = l->type == NET_NAMESPACE || l->type == NET_VETH ? net_append(c, l) : link_append(c, l);
                if (r < 0 && r != -EINVAL)
                        return r;
        }
        return 0;
}

int config_refresh(CgConfig *c, const CgConfig *live_cg, NetConfig *net, const NetConfig *live_net) {
        int r;

        if (c && (r = refresh_groups(c, live_cg)) < 0)
                return r;
        if (net && (r = refresh_net(net, live_net)) < 0)
                return r;
        return 0;
}
