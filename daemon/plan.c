/* plan.c: plan computation between the desired and the live state, and Save's refresh. Pure logic. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "macro.h"
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

static const NetObject *net_find(const NetConfig *c, NetObjectType type, const char *name, const char *ns) {
        for (size_t i = 0; c && i < c->n_objects; i++) {
                const NetObject *o = &c->objects[i];
                if (o->type == type && streq(o->name, name) && (type == NET_NAMESPACE || same_ns(o->namespace, ns)))
                        return o;
        }
        return NULL;
}

static bool owns(char * const *owned, const char *kind, const char *name) {
        _cleanup_free_ char *key = config_owned_key(kind, name);

        return key && strv_contains(owned, key);
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
        int r;

        for (char **a = want->addresses; a && *a; a++)
                if (!strv_contains(live->addresses, *a) &&
                    (r = plan_add(p, PLAN_CREATE, PLAN_ADDRESS, "veth", want->name, want->name, want->namespace, *a, NULL,
                                  *a, NULL)) < 0)
                        return r;
        for (char **a = want->peer_addresses; a && *a; a++)
                if (!strv_contains(live->peer_addresses, *a) &&
                    (r = plan_add(p, PLAN_CREATE, PLAN_ADDRESS, "veth", want->name, want->peer, want->peer_namespace, *a,
                                  NULL, *a, NULL)) < 0)
                        return r;
        return 0;
}

static int plan_net_object(Plan *p, const NetObject *o, const NetConfig *live) {
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
        case NET_VLAN:
        case NET_BRIDGE:
                /* Compared by existence only: settings of an existing VLAN or bridge are not read back yet. */
                if (net_find(live, o->type, o->name, o->namespace))
                        return 0;
                __attribute__((fallthrough));
        default:
                /* Ports are not read back from the kernel yet: always planned, and apply reports them as unsupported. */
                if (o->type == NET_VLAN && asprintf(&d, "parent=%s id=%u", o->parent, o->id) < 0)
                        return -ENOMEM;
                if (o->type == NET_BRIDGE && asprintf(&d, "vlan-filtering=%s", o->vlan_filtering > 0 ? "yes" : "no") < 0)
                        return -ENOMEM;
                r = plan_add(p, PLAN_CREATE, other[o->type], net_object_type_to_string(o->type), o->name, o->name,
                             o->namespace, NULL, NULL, d, &s);
                if (r >= 0)
                        s->net = o;
                return r;
        }
}

static int plan_net_deletes(Plan *p, const NetConfig *want, const NetConfig *live, char * const *owned) {
        int r;

        /* Links first, then the namespaces they may live in. */
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = live ? live->n_objects : 0; i-- > 0;) {
                        const NetObject *l = &live->objects[i];
                        NetObjectType t = pass == 0 ? NET_VETH : NET_NAMESPACE;
                        PlanStep *s;

                        if (l->type != t || net_find(want, t, l->name, l->namespace) ||
                            !owns(owned, net_object_type_to_string(t), l->name))
                                continue;
                        r = plan_add(p, PLAN_DELETE, t == NET_VETH ? PLAN_VETH : PLAN_NAMESPACE,
                                     net_object_type_to_string(t), l->name, l->name, l->namespace, NULL, "present", "", &s);
                        if (r < 0)
                                return r;
                        s->net = l;
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

                        if (now && streq(now, want->value))
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
        int r;

        assert(ret);
        if (!p)
                return -ENOMEM;
        if (want_net && want_net->n_objects > 0) {
                r = netconf_order(want_net, &order, NULL);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < want_net->n_objects; i++)
                        if ((r = plan_net_object(p, &want_net->objects[order[i]], live_net)) < 0)
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

                if (group_find(want_cg, l->name) || !owns(owned, "group", l->name))
                        continue;
                if ((r = plan_add(p, PLAN_DELETE, PLAN_GROUP, "group", l->name, l->name, NULL, NULL, "present", "", &s)) < 0)
                        return r;
                s->group = l;
        }
        r = plan_net_deletes(p, want_net, live_net, owned);
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

                        if (!now || streq(now, p->value))
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

static int refresh_net(NetConfig *c, const NetConfig *live) {
        int r;

        for (size_t i = 0; i < c->n_objects;) {
                NetObject *o = &c->objects[i];

                if ((o->type != NET_NAMESPACE && o->type != NET_VETH) || net_find(live, o->type, o->name, o->namespace)) {
                        i++;
                        continue;
                }
                netconf_object_done(o);
                memmove(o, o + 1, (c->n_objects - i - 1) * sizeof(NetObject));
                c->n_objects--;
        }
        for (size_t i = 0; live && i < live->n_objects; i++) {
                const NetObject *l = &live->objects[i];
                if (!net_find(c, l->type, l->name, l->namespace) && (r = net_append(c, l)) < 0)
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
