/* persist-edit.c: one object changed inside a parsed cgconfig.conf or network.conf. Pure logic. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "group-name.h"
#include "macro.h"
#include "persist-edit.h"
#include "strv.h"

/* ---- cgconfig.conf ---- */

static CgGroup *group_add(CgConfig *c, const char *name) {
        CgGroup *groups = realloc(c->groups, (c->n_groups + 1) * sizeof(CgGroup));

        if (!groups)
                return NULL;
        c->groups = groups;
        groups[c->n_groups] = (CgGroup) {};
        if (!(groups[c->n_groups].name = strdup(name)))
                return NULL;
        return &groups[c->n_groups++];
}

static CgController *controller_get(CgGroup *g, const char *name) {
        CgController *l;

        for (size_t i = 0; i < g->n_controllers; i++)
                if (streq(g->controllers[i].name, name))
                        return &g->controllers[i];
        l = realloc(g->controllers, (g->n_controllers + 1) * sizeof(CgController));
        if (!l)
                return NULL;
        g->controllers = l;
        l[g->n_controllers] = (CgController) {};
        if (!(l[g->n_controllers].name = strdup(name)))
                return NULL;
        return &l[g->n_controllers++];
}

static int param_set(CgController *c, const char *name, const char *value) {
        char *v = strdup(value);
        CgParam *l;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_params; i++)
                if (streq(c->params[i].name, name)) {
                        free(c->params[i].value);
                        c->params[i].value = v;
                        return 0;
                }
        l = realloc(c->params, (c->n_params + 1) * sizeof(CgParam));
        if (!l) {
                free(v);
                return -ENOMEM;
        }
        c->params = l;
        l[c->n_params] = (CgParam) { .name = strdup(name), .value = v };
        if (!l[c->n_params].name) {
                free(v);
                return -ENOMEM;
        }
        c->n_params++;
        return 0;
}

static int perm_side_copy(CgPermSide *to, const CgPermSide *from) {
        free(to->uid);
        free(to->gid);
        *to = *from;
        to->uid = from->uid ? strdup(from->uid) : NULL;
        to->gid = from->gid ? strdup(from->gid) : NULL;
        return (from->uid && !to->uid) || (from->gid && !to->gid) ? -ENOMEM : 0;
}

int cgconfig_edit_group(CgConfig *c, const char *name, char * const *controllers, char * const *params,
                        const CgPerm *perm) {
        CgGroup *g = (CgGroup *) cgconfig_find_group(c, name);
        int r;

        assert(c && name);
        if (!g && !(g = group_add(c, name)))
                return -ENOMEM;
        for (char * const *s = controllers; s && *s; s++)
                if (!controller_get(g, *s))
                        return -ENOMEM;
        for (char * const *p = params; p && p[0] && p[1]; p += 2) {
                _cleanup_free_ char *controller = NULL;
                CgController *section;

                if ((r = group_parameter_controller(p[0], &controller)) < 0)
                        return r;
                if (!(section = controller_get(g, controller)) || (r = param_set(section, p[0], p[1])) < 0)
                        return r < 0 ? r : -ENOMEM;
        }
        if (perm) {
                g->perm.present = perm->present;
                if ((r = perm_side_copy(&g->perm.task, &perm->task)) < 0 || (r = perm_side_copy(&g->perm.admin, &perm->admin)) < 0)
                        return r;
        }
        return 0;
}

int cgconfig_edit_group_from(CgConfig *c, const CgGroup *from) {
        CgGroup *g = (CgGroup *) cgconfig_find_group(c, from->name);
        int r;

        assert(c && from);
        if (!g && !(g = group_add(c, from->name)))
                return -ENOMEM;
        for (size_t i = 0; i < from->n_controllers; i++) {
                CgController *section = controller_get(g, from->controllers[i].name);

                if (!section)
                        return -ENOMEM;
                for (size_t j = 0; j < from->controllers[i].n_params; j++)
                        if ((r = param_set(section, from->controllers[i].params[j].name, from->controllers[i].params[j].value)) < 0)
                                return r;
        }
        if (from->perm.present) {
                g->perm.present = true;
                if ((r = perm_side_copy(&g->perm.task, &from->perm.task)) < 0 ||
                    (r = perm_side_copy(&g->perm.admin, &from->perm.admin)) < 0)
                        return r;
        }
        return 0;
}

static bool group_below(const char *name, const char *top, bool recursive) {
        const char *rest = startswith(name, top);

        return rest && (!*rest || (recursive && *rest == '/'));
}

int cgconfig_edit_remove_group(CgConfig *c, const char *name, bool recursive) {
        int n = 0;

        assert(c && name);
        for (size_t i = 0; i < c->n_groups;) {
                if (!group_below(c->groups[i].name, name, recursive)) {
                        i++;
                        continue;
                }
                cgconfig_group_done(&c->groups[i]);
                memmove(&c->groups[i], &c->groups[i + 1], (c->n_groups - i - 1) * sizeof(CgGroup));
                c->n_groups--;
                n++;
        }
        return n;
}

/* ---- network.conf ---- */

int netconf_edit_append(NetConfig *c, NetObject *o) {
        NetObject *l = realloc(c->objects, (c->n_objects + 1) * sizeof(NetObject));

        if (!l)
                return -ENOMEM;
        c->objects = l;
        l[c->n_objects++] = *o;
        *o = (NetObject) {};
        return 0;
}

static bool is_host(const char *ns) {
        return !ns || streq(ns, "host");
}

static bool same_ns(const char *a, const char *b) {
        return is_host(a) ? is_host(b) : !is_host(b) && streq(a, b);
}

static void remove_at(NetConfig *c, size_t i) {
        netconf_object_done(&c->objects[i]);
        memmove(&c->objects[i], &c->objects[i + 1], (c->n_objects - i - 1) * sizeof(NetObject));
        c->n_objects--;
}

/* Whether section @o depends on namespace @name: it lives there, or its veth peer does. */
static bool in_namespace(const NetObject *o, const char *name) {
        if (o->type == NET_NAMESPACE)
                return streq(o->name, name);
        return (!is_host(o->namespace) && streq(o->namespace, name)) ||
               (o->type == NET_VETH && !is_host(o->peer_namespace) && streq(o->peer_namespace, name));
}

int netconf_edit_remove_namespace(NetConfig *c, const char *name) {
        int n = 0;

        assert(c && name);
        for (size_t i = 0; i < c->n_objects;)
                if (in_namespace(&c->objects[i], name)) {
                        remove_at(c, i);
                        n++;
                } else
                        i++;
        return n;
}

NetObject *netconf_edit_find_link(NetConfig *c, const char *name, const char *ns, bool *ret_peer) {
        assert(c && name);
        for (size_t i = 0; i < c->n_objects; i++) {
                NetObject *o = &c->objects[i];
                bool peer = o->type == NET_VETH && o->peer && streq(o->peer, name) && same_ns(o->peer_namespace, ns);

                if (o->type == NET_NAMESPACE || o->type == NET_PORT)
                        continue;
                if (peer || (streq(o->name, name) && same_ns(o->namespace, ns))) {
                        if (ret_peer)
                                *ret_peer = peer;
                        return o;
                }
        }
        return NULL;
}

/* VLANs on the link and ports of it (or of it as a bridge) go with it: the kernel removes them too. */
static bool made_of(const NetObject *o, const char *name, const char *ns) {
        if (o->type == NET_VLAN)
                return same_ns(o->namespace, ns) && o->parent && streq(o->parent, name);
        /* A port section has no namespace of its own (its bridge's applies): matched by name. */
        if (o->type == NET_PORT)
                return (!o->namespace || same_ns(o->namespace, ns)) && (streq(o->name, name) || (o->bridge && streq(o->bridge, name)));
        return false;
}

int netconf_edit_remove_link(NetConfig *c, const char *name, const char *ns) {
        NetObject *o = netconf_edit_find_link(c, name, ns, NULL);
        _cleanup_free_ char *a = NULL, *a_ns = NULL, *b = NULL, *b_ns = NULL;
        NetObjectType type;
        int n = 0;

        assert(c && name);
        if (!o)
                return 0;
        /* Copies: the section itself is freed on the way. A veth section takes both ends with it. */
        type = o->type;
        a = strdup(o->name);
        a_ns = o->namespace ? strdup(o->namespace) : NULL;
        b = o->type == NET_VETH && o->peer ? strdup(o->peer) : NULL;
        b_ns = b && o->peer_namespace ? strdup(o->peer_namespace) : NULL;
        if (!a || (o->namespace && !a_ns) || (o->type == NET_VETH && o->peer && !b) || (b && o->peer_namespace && !b_ns))
                return -ENOMEM;
        for (size_t i = 0; i < c->n_objects;) {
                const NetObject *x = &c->objects[i];
                bool self = x->type == type && streq(x->name, a) && same_ns(x->namespace, a_ns);

                if (self || made_of(x, a, a_ns) || (b && made_of(x, b, b_ns))) {
                        remove_at(c, i);
                        n++;
                } else
                        i++;
        }
        return n;
}

static int strv_remove(char **l, const char *s) {
        for (char **p = l; p && *p; p++)
                if (streq(*p, s)) {
                        free(*p);
                        memmove(p, p + 1, (strv_length(p + 1) + 1) * sizeof(char *));
                        return 1;
                }
        return 0;
}

int netconf_edit_address(NetConfig *c, const char *name, const char *ns, const char *address, bool add) {
        bool peer = false;
        NetObject *o = netconf_edit_find_link(c, name, ns, &peer);
        char ***l;

        assert(c && name && address);
        if (!o)
                return -ENOENT;
        l = peer ? &o->peer_addresses : &o->addresses;
        if (!add)
                return strv_remove(*l, address);
        if (strv_contains(*l, address))
                return 0;
        return strv_extend(l, address);
}
