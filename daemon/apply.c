/* apply.c: the desired state against the kernel: reading the live state, running a plan with undo, saving. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "apply-internal.h"
#include "atomic-file.h"
#include "fileio.h"
#include "group.h"
#include "link.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "owned.h"
#include "netlink.h"
#include "strv.h"
#include "virtd-bus.h"

void apply_context_done(ApplyContext *c) {
        plan_free(c->plan);
        cgconfig_free(c->want_cg);
        cgconfig_free(c->live_cg);
        netconf_free(c->want_net);
        netconf_free(c->live_net);
        strv_free(c->owned);
        *c = (ApplyContext) {};
}

void config_failures_free(ConfigFailure *f, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(f[i].object);
                free(f[i].reason);
        }
        free(f);
}

int plan_step_describe(const PlanStep *s, char **ret) {
        char *d = NULL;
        int k;

        if (s->kind == PLAN_PARAMETER)
                k = asprintf(&d, "%s %s %s: %s: %s → %s", plan_action_to_string(s->action), "group", s->name, s->param,
                             *s->old_value ? s->old_value : "(unset)", s->new_value);
        else if (s->kind == PLAN_ADDRESS)
                k = asprintf(&d, "%s address %s on %s in %s", plan_action_to_string(s->action), s->param, s->name,
                             s->namespace ? s->namespace : "host");
        else if (s->action == PLAN_CHANGE)
                k = asprintf(&d, "change %s %s: %s → %s", plan_kind_to_string(s->kind), s->name, s->old_value, s->new_value);
        else if (s->kind == PLAN_PORT)
                k = asprintf(&d, "%s port %s of bridge %s%s%s", plan_action_to_string(s->action), s->name, s->param,
                             *s->new_value ? ": " : "", s->new_value);
        else
                k = asprintf(&d, "%s %s %s%s%s", plan_action_to_string(s->action), plan_kind_to_string(s->kind), s->name,
                             *s->new_value ? ": " : "", s->new_value);
        if (k < 0)
                return -ENOMEM;
        *ret = d;
        return 0;
}

/* ---- reading the files ---- */

char *dir_file(const char *dir, const char *name) {
        char *p = NULL;
        return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

static int load_network(const char *path, NetConfig **ret, ConfError *err) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r;

        r = read_full_file(path, &text, &size);
        if (r == -ENOENT) {
                *ret = calloc(1, sizeof(NetConfig));
                return *ret ? 0 : -ENOMEM;
        }
        if (r < 0)
                return r;
        return netconf_parse(text, size, path, ret, err);
}

int parse_error(sd_bus_error *error, int r, ConfError *err, const char *what) {
        _cleanup_free_ char *msg = conf_error_format(err);

        if (r == -EBADMSG)
                return sd_bus_error_setf(error, VIRTD_ERROR_PARSE, "%s", msg ? msg : what);
        return virtd_bus_error_setf(error, r, "Cannot read %s: %s", what, strerror(-r));
}

static int load_desired(Manager *m, CgConfig **ret_cg, NetConfig **ret_net, sd_bus_error *error) {
        _cleanup_free_ char *cg = dir_file(m->config_dir, "cgconfig.conf"), *dropins = dir_file(m->config_dir, "cgconfig.d"),
                            *net = dir_file(m->config_dir, "network.conf");
        ConfError err = {};
        int r;

        if (!cg || !dropins || !net)
                return -ENOMEM;
        r = cgconfig_load(cg, dropins, ret_cg, &err);
        if (r < 0) {
                r = parse_error(error, r, &err, cg);
                conf_error_done(&err);
                return r;
        }
        r = load_network(net, ret_net, &err);
        if (r < 0) {
                r = parse_error(error, r, &err, net);
                conf_error_done(&err);
                cgconfig_free(TAKE_PTR(*ret_cg));
        }
        return r;
}

/* ---- ownership record: "KIND NAME" lines in <state-dir>/owned ---- */

int owned_mark(char ***owned, const char *kind, const char *name, bool add) {
        _cleanup_free_ char *key = config_owned_key(kind, name);
        int r;

        if (!key)
                return -ENOMEM;
        if (add && !strv_contains(*owned, key) && (r = strv_extend(owned, key)) < 0)
                return r;
        if (!add)
                for (char **s = *owned; *s; s++)
                        if (streq(*s, key)) {
                                free(*s);
                                memmove(s, s + 1, (strv_length(s + 1) + 1) * sizeof(char *));
                                break;
                        }
        return 0;
}

/* ---- the live state ---- */

/* "virtd/web" (a cgconfig.conf name) → "/web" (a path below the managed base); -EXDEV when outside it. */
static int group_managed_path(GroupRegistry *r, const char *name, char **ret) {
        const char *base = r->base + 1;
        size_t n = strlen(base);

        if (n == 0)
                return asprintf(ret, "/%s", name) < 0 ? -ENOMEM : 0;
        if (strncmp(name, base, n) != 0 || name[n] != '/' || !name[n + 1])
                return -EXDEV;
        *ret = strdup(name + n);
        return *ret ? 0 : -ENOMEM;
}

static int controller_add_param(CgController *c, const char *name, const char *value) {
        CgParam *p = realloc(c->params, (c->n_params + 1) * sizeof(CgParam));

        if (!p)
                return -ENOMEM;
        c->params = p;
        p = &c->params[c->n_params++];
        p->name = strdup(name);
        p->value = strdup(value);
        return p->name && p->value ? 0 : -ENOMEM;
}

/* One live group with the values of the parameters the desired group names. */
/* Reads the live values of @w's parameters of @controller into @lc. */
static int live_params(const char *controller, const char *full, const CgGroup *w, CgController *lc) {
        int k;

        for (size_t i = 0; w && i < w->n_controllers; i++) {
                if (!streq(w->controllers[i].name, controller))
                        continue;
                for (size_t j = 0; j < w->controllers[i].n_params; j++) {
                        _cleanup_free_ char *v = NULL;
                        if (cgroup_backend_get(controller, full, w->controllers[i].params[j].name, &v) < 0)
                                continue;
                        if ((k = controller_add_param(lc, w->controllers[i].params[j].name, v)) < 0)
                                return k;
                }
        }
        return 0;
}

static int live_group_fill(GroupRegistry *r, Group *g, const CgConfig *want, CgGroup *out) {
        _cleanup_free_ char *full = NULL;
        const CgGroup *w;
        int k;

        if ((k = group_full_path(r, g->path, &full)) < 0)
                return k;
        out->name = strdup(full + 1);
        w = cgconfig_find_group(want, out->name);
        out->controllers = calloc(strv_length(g->controllers) + (w ? w->n_controllers : 0) + 1, sizeof(CgController));
        if (!out->name || !out->controllers)
                return -ENOMEM;
        for (char **c = g->controllers; *c; c++) {
                CgController *lc = &out->controllers[out->n_controllers++];

                if (!(lc->name = strdup(*c)))
                        return -ENOMEM;
                if ((k = live_params(*c, full, w, lc)) < 0)
                        return k;
        }
        /* Sections the group is not listed under, such as cgroup v2's core "cgroup" files that cgsnapshot
         * writes: their values are read all the same, so that an unchanged file plans no step. */
        for (size_t i = 0; w && i < w->n_controllers; i++) {
                CgController *lc;

                if (strv_contains(g->controllers, w->controllers[i].name))
                        continue;
                lc = &out->controllers[out->n_controllers++];
                if (!(lc->name = strdup(w->controllers[i].name)))
                        return -ENOMEM;
                if ((k = live_params(lc->name, full, w, lc)) < 0)
                        return k;
        }
        return 0;
}

static int read_live_groups(Manager *m, const CgConfig *want, CgConfig **ret) {
        _cleanup_(cgconfig_freep) CgConfig *c = calloc(1, sizeof(CgConfig));
        size_t n = 0;
        int r;

        if (!c)
                return -ENOMEM;
        if (m->groups) {
                if ((r = group_registry_sync(m->groups)) < 0)
                        return r;
                for (Group *g = m->groups->groups; g; g = g->next)
                        n++;
                if (!(c->groups = calloc(n + 1, sizeof(CgGroup))))
                        return -ENOMEM;
                for (Group *g = m->groups->groups; g; g = g->next)
                        if ((r = live_group_fill(m->groups, g, want, &c->groups[c->n_groups++])) < 0)
                                return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

NetObject *live_append(NetConfig *c) {
        NetObject *o = realloc(c->objects, (c->n_objects + 1) * sizeof(NetObject));

        if (!o)
                return NULL;
        c->objects = o;
        o = &c->objects[c->n_objects++];
        *o = (NetObject) { .vlan_filtering = -1 };
        return o;
}

bool is_host(const char *ns) {
        return !ns || streq(ns, "host");
}

/* The addresses of link @name in @ns: from the namespace's watch, or asked from the kernel for the host. */
int link_addresses(Namespace *ns, const char *name, char ***ret) {
        LinkInfo info;

        /* Asked from the kernel, not the namespace's watch: its address cache can lag behind an address added
         * a moment ago, which made the drift check after the boot-time apply report addresses as missing. */
        *ret = NULL;
        if (netlink_link_get(link_netns_fd(ns), name, 0, &info) < 0)
                return 0;
        return netlink_get_addresses(link_netns_fd(ns), info.ifindex, ret);
}

/* A veth end is live when a veth of that name exists in its namespace. */
static int live_veth(Manager *m, const char *name, const char *ns_name, const NetObject *want, NetConfig *c) {
        Namespace *ns = is_host(ns_name) ? NULL : namespace_find(m, ns_name);
        NetObject *o;
        LinkInfo info;
        int r;

        if (!is_host(ns_name) && !ns)
                return 0;
        if (netlink_link_get(link_netns_fd(ns), name, 0, &info) < 0 || !streq(info.kind, "veth"))
                return 0;
        if (!(o = live_append(c)))
                return -ENOMEM;
        o->type = NET_VETH;
        if (!(o->name = strdup(name)) || (!is_host(ns_name) && !(o->namespace = strdup(ns_name))))
                return -ENOMEM;
        if ((r = link_addresses(ns, name, &o->addresses)) < 0)
                return r;
        if (want) {
                Namespace *pns = is_host(want->peer_namespace) ? NULL : namespace_find(m, want->peer_namespace);
                if (!(o->peer = strdup(want->peer)) ||
                    (!is_host(want->peer_namespace) && !(o->peer_namespace = strdup(want->peer_namespace))))
                        return -ENOMEM;
                if ((r = link_addresses(pns, want->peer, &o->peer_addresses)) < 0)
                        return r;
        }
        return 0;
}

static int read_live_net(Manager *m, const NetConfig *want, char **owned, NetConfig **ret) {
        _cleanup_(netconf_freep) NetConfig *c = calloc(1, sizeof(NetConfig));
        int r;

        if (!c)
                return -ENOMEM;
        for (Namespace *ns = m->namespaces ? m->namespaces->list : NULL; ns; ns = ns->next) {
                NetObject *o = live_append(c);
                if (!o || !(o->name = strdup(ns->name)))
                        return -ENOMEM;
                o->type = NET_NAMESPACE;
                o->kinds = (ns->kinds & NAMESPACE_KIND_BIT(NAMESPACE_NET) ? NET_KIND_NET : 0) |
                           (ns->kinds & NAMESPACE_KIND_BIT(NAMESPACE_UTS) ? NET_KIND_UTS : 0) |
                           (ns->kinds & NAMESPACE_KIND_BIT(NAMESPACE_IPC) ? NET_KIND_IPC : 0);
                if (ns->kinds & NAMESPACE_KIND_BIT(NAMESPACE_UTS))
                        (void) namespace_hostname(ns, &o->hostname);
        }
        for (size_t i = 0; i < want->n_objects; i++)
                if (want->objects[i].type == NET_VETH &&
                    (r = live_veth(m, want->objects[i].name, want->objects[i].namespace, &want->objects[i], c)) < 0)
                        return r;
        if ((r = live_links_read(m, want, owned, c)) < 0)
                return r;
        /* Owned veths the file no longer names: look for them in the host and every managed namespace. */
        for (char **s = owned; s && *s; s++) {
                const char *name = startswith(*s, "veth ");
                bool named = false;

                if (!name)
                        continue;
                for (size_t i = 0; i < want->n_objects; i++)
                        named = named || (want->objects[i].type == NET_VETH && streq(want->objects[i].name, name));
                if (named)
                        continue;
                if ((r = live_veth(m, name, NULL, NULL, c)) < 0)
                        return r;
                for (Namespace *ns = m->namespaces ? m->namespaces->list : NULL; ns; ns = ns->next)
                        if ((r = live_veth(m, name, ns->name, NULL, c)) < 0)
                                return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

int apply_prepare(Manager *m, ApplyContext *ret, sd_bus_error *error) {
        _cleanup_(apply_context_done) ApplyContext c = {};
        int r;

        r = load_desired(m, &c.want_cg, &c.want_net, error);
        if (r < 0)
                return r;
        if ((r = owned_read(m, &c.owned)) < 0 || (r = read_live_groups(m, c.want_cg, &c.live_cg)) < 0 ||
            (r = read_live_net(m, c.want_net, c.owned, &c.live_net)) < 0)
                return virtd_bus_error_setf(error, r, "Cannot read the live state: %s", strerror(-r));
        r = config_plan(c.want_cg, c.want_net, c.live_cg, c.live_net, c.owned, &c.plan);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot compute the plan: %s", strerror(-r));
        *ret = c;
        c = (ApplyContext) {};
        return 0;
}

/* ---- steps ---- */

int ns_lookup(Manager *m, const char *name, Namespace **ret, sd_bus_error *error) {
        *ret = NULL;
        if (is_host(name))
                return 0;
        *ret = namespace_find(m, name);
        if (!*ret)
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_FOUND, "Namespace %s does not exist.", name);
        return 0;
}

static int do_namespace_create(Manager *m, const NetObject *o, sd_bus_error *error) {
        NamespaceSpec spec = { .name = o->name, .hostname = o->hostname };
        Namespace *ns;
        int r;

        spec.kinds = (o->kinds & NET_KIND_NET ? NAMESPACE_KIND_BIT(NAMESPACE_NET) : 0) |
                     (o->kinds & NET_KIND_UTS ? NAMESPACE_KIND_BIT(NAMESPACE_UTS) : 0) |
                     (o->kinds & NET_KIND_IPC ? NAMESPACE_KIND_BIT(NAMESPACE_IPC) : 0);
        r = namespace_create(m, &spec, &ns);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot create namespace %s: %s", o->name, strerror(-r));
        return 0;
}

static int do_namespace_delete(Manager *m, const char *name, bool force, sd_bus_error *error) {
        Namespace *ns;
        int r;

        if ((r = ns_lookup(m, name, &ns, error)) < 0)
                return r;
        r = ns ? namespace_delete(ns, force) : 0;
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot delete namespace %s: %s", name, strerror(-r));
        return 0;
}

int do_address(Manager *m, const char *link, const char *ns_name, const char *cidr, bool add, sd_bus_error *error) {
        NetlinkReason nr = {};
        Namespace *ns;
        LinkInfo info;
        IpPrefix p;
        int r;

        if ((r = ns_lookup(m, ns_name, &ns, error)) < 0)
                return r;
        if ((r = netlink_link_get(link_netns_fd(ns), link, 0, &info)) < 0)
                return virtd_bus_error_setf(error, r, "Link %s does not exist in %s.", link, is_host(ns_name) ? "the host" : ns_name);
        if ((r = ip_prefix_parse(cidr, &p)) < 0)
                return virtd_bus_error_setf(error, EINVAL, "Address %s of link %s is not ADDRESS/PREFIX.", cidr, link);
        r = netlink_address(link_netns_fd(ns), info.ifindex, &p, add, &nr);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot %s address %s on link %s: %s", add ? "add" : "remove", cidr,
                                            link, nr.text[0] ? nr.text : strerror(-r));
        return 0;
}

int do_link_delete(Manager *m, const char *name, const char *ns_name, sd_bus_error *error) {
        NetlinkReason nr = {};
        Namespace *ns;
        LinkInfo info;
        int r;

        if ((r = ns_lookup(m, ns_name, &ns, error)) < 0)
                return r;
        if (netlink_link_get(link_netns_fd(ns), name, 0, &info) < 0)
                return 0;
        r = netlink_link_delete(link_netns_fd(ns), info.ifindex, &nr);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot delete link %s: %s", name, nr.text[0] ? nr.text : strerror(-r));
        return 0;
}

/* Links made from the file are brought up, as systemd-networkd does with the links it configures. */
int do_link_up(Manager *m, const char *name, const char *ns_name, sd_bus_error *error) {
        NetlinkReason nr = {};
        LinkChange up = { .up = 1 };
        Namespace *ns;
        LinkInfo info;
        int r;

        if ((r = ns_lookup(m, ns_name, &ns, error)) < 0)
                return r;
        if ((r = netlink_link_get(link_netns_fd(ns), name, 0, &info)) < 0)
                return virtd_bus_error_setf(error, r, "Link %s does not exist in %s.", name, is_host(ns_name) ? "the host" : ns_name);
        r = netlink_link_change(link_netns_fd(ns), info.ifindex, &up, &nr);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot bring link %s up: %s", name, nr.text[0] ? nr.text : strerror(-r));
        return 0;
}

static int do_veth_create(Manager *m, const NetObject *o, sd_bus_error *error) {
        NetlinkReason nr = {};
        Namespace *ns, *pns;
        int r;

        if ((r = ns_lookup(m, o->namespace, &ns, error)) < 0 || (r = ns_lookup(m, o->peer_namespace, &pns, error)) < 0)
                return r;
        /* The first end comes up in the creating request: bringing it up afterwards took a lookup and a change,
         * two of a pair's five netlink round trips. (libnl 3.7's request with IFF_UP on the peer as well is
         * refused, so the peer still comes up on its own.) */
        VethEnd a = { o->name, link_netns_fd(ns), o->mtu, NULL, true }, b = { o->peer, link_netns_fd(pns), o->mtu, NULL, false };
        r = netlink_veth_add(&a, &b, &nr);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot create veth pair %s / %s: %s", o->name, o->peer,
                                            nr.text[0] ? nr.text : strerror(-r));
        for (char **s = o->addresses; r >= 0 && s && *s; s++)
                r = do_address(m, o->name, o->namespace, *s, true, error);
        for (char **s = o->peer_addresses; r >= 0 && s && *s; s++)
                r = do_address(m, o->peer, o->peer_namespace, *s, true, error);
        if (r >= 0)
                r = do_link_up(m, o->peer, o->peer_namespace, error);
        if (r < 0) /* the pair goes, and its addresses with it */
                (void) do_link_delete(m, o->name, o->namespace, NULL);
        return r;
}

static void spec_done(GroupSpec *s) {
        group_spec_done(s);
}

/* The GroupSpec of a cgconfig.conf group, for the given controllers (NULL: the group's own). */
static int group_spec(Manager *m, const char *name, const CgGroup *g, const char *only, GroupSpec *ret, sd_bus_error *error) {
        int r;

        *ret = (GroupSpec) {};
        if (!m->groups)
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_SUPPORTED, "Group %s: cgroup management is not available.", name);
        r = group_managed_path(m->groups, name, &ret->path);
        if (r == -EXDEV)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                         "Group %s is outside virtd's managed base %s.", name, m->groups->base);
        if (r < 0)
                return r;
        if (only)
                return strv_extend(&ret->controllers, only);
        for (size_t i = 0; g && i < g->n_controllers; i++)
                if ((r = strv_extend(&ret->controllers, g->controllers[i].name)) < 0)
                        return r;
        return 0;
}

static int do_group_create(Manager *m, const CgGroup *g, sd_bus_error *error) {
        _cleanup_(spec_done) GroupSpec spec = {};
        _cleanup_strv_free_ char **params = NULL;
        CgroupPerm perm = cgconfig_perm_resolve(&g->perm);
        int r;

        if ((r = group_spec(m, g->name, g, NULL, &spec, error)) < 0)
                return r;
        if (!(params = calloc(1, sizeof(char *))))
                return -ENOMEM;
        for (size_t i = 0; i < g->n_controllers; i++)
                for (size_t j = 0; j < g->controllers[i].n_params; j++)
                        if ((r = strv_extend(&params, g->controllers[i].params[j].name)) < 0 ||
                            (r = strv_extend(&params, g->controllers[i].params[j].value)) < 0)
                                return r;
        return group_create(m->groups, &spec, params, &perm, NULL, error);
}

static int do_group_delete(Manager *m, const char *name, sd_bus_error *error) {
        _cleanup_(spec_done) GroupSpec spec = {};
        Group *g;
        int r;

        if ((r = group_spec(m, name, NULL, NULL, &spec, error)) < 0)
                return r;
        g = group_registry_lookup(m->groups, spec.path);
        if (!g)
                return 0;
        for (char **c = g->controllers; *c; c++)
                if ((r = strv_extend(&spec.controllers, *c)) < 0)
                        return r;
        return group_delete(m->groups, &spec, /* recursive= */ false, /* migrate= */ true, error);
}

static int do_group_set(Manager *m, const char *name, const char *param, const char *value, sd_bus_error *error) {
        _cleanup_(spec_done) GroupSpec spec = {};
        _cleanup_free_ char *controller = NULL;
        char *params[] = { (char *) param, (char *) value, NULL };
        int r;

        if ((r = group_parameter_controller(param, &controller)) < 0)
                return virtd_bus_error_setf(error, r, "Group %s: %s is not a CONTROLLER.FILE parameter.", name, param);
        if ((r = group_spec(m, name, NULL, controller, &spec, error)) < 0)
                return r;
        return group_set(m->groups, &spec, params, error);
}

static int step_do(Manager *m, const PlanStep *s, StepUndo *u, sd_bus_error *error) {
        switch (s->kind) {
        case PLAN_NAMESPACE:
                return s->action == PLAN_CREATE ? do_namespace_create(m, s->net, error)
                                                : do_namespace_delete(m, s->name, /* force= */ false, error);
        case PLAN_VETH:
                return s->action == PLAN_CREATE ? do_veth_create(m, s->net, error)
                                                : do_link_delete(m, s->name, s->namespace, error);
        case PLAN_ADDRESS:
                return do_address(m, s->name, s->namespace, s->param, s->action != PLAN_DELETE, error);
        case PLAN_GROUP:
                return s->action == PLAN_CREATE ? do_group_create(m, s->group, error) : do_group_delete(m, s->name, error);
        case PLAN_PARAMETER:
                return do_group_set(m, s->name, s->param, s->new_value, error);
        default:
                return links_step_do(m, s, u, error);
        }
}

/* The inverse of a done step; errors are logged, as there is nobody left to tell. */
static void step_undo(Manager *m, const PlanStep *s, StepUndo *u) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = 0;

        switch (s->kind) {
        case PLAN_NAMESPACE:
                r = s->action == PLAN_CREATE ? do_namespace_delete(m, s->name, /* force= */ true, &e)
                                             : do_namespace_create(m, s->net, &e);
                break;
        case PLAN_VETH:
                if (s->action == PLAN_CREATE)
                        r = do_link_delete(m, s->name, s->namespace, &e);
                else
                        log_warning("Cannot recreate deleted veth %s while rolling back.", s->name);
                break;
        case PLAN_ADDRESS:
                r = do_address(m, s->name, s->namespace, s->param, s->action == PLAN_DELETE, &e);
                break;
        case PLAN_GROUP:
                r = s->action == PLAN_CREATE ? do_group_delete(m, s->name, &e) : do_group_create(m, s->group, &e);
                break;
        case PLAN_PARAMETER:
                if (*s->old_value)
                        r = do_group_set(m, s->name, s->param, s->old_value, &e);
                break;
        default:
                links_step_undo(m, s, u);
                break;
        }
        if (r < 0)
                log_warning("Rolling back '%s %s' failed: %s", plan_action_to_string(s->action), s->name,
                            e.message ? e.message : strerror(-r));
}

/* One write of the record per call, not per step: each is an atomic replace with fsync (~2 ms), which made a
 * 1,000-group Apply spend most of its time there. The boot-time apply's many runs leave it to their caller. */
static int owned_flush(Manager *m, ApplyContext *c) {
        int r;

        if (!c->owned_dirty || c->owned_write_at_end)
                return 0;
        if ((r = owned_write(m, c->owned)) < 0)
                return r;
        c->owned_dirty = false;
        return 0;
}

/* Marks (@add) or unmarks the object a creating or deleting step names in the ownership record, in memory. */
static int step_own(ApplyContext *c, const PlanStep *s, bool add) {
        _cleanup_free_ char *name = NULL;

        if (s->action == PLAN_CHANGE || s->kind == PLAN_ADDRESS || s->kind == PLAN_PARAMETER)
                return 0;
        /* "port BRIDGE LINK": the port's name in the record is its bridge and its link. */
        if (s->kind == PLAN_PORT && asprintf(&name, "%s %s", s->param, s->name) < 0)
                return -ENOMEM;
        c->owned_dirty = true;
        return owned_mark(&c->owned, plan_kind_to_string(s->kind), name ? name : s->name, add);
}

/* The record names what steps @from..@to create before they run, and forgets what they deleted after: a
 * virtd killed in between leaves at worst a record of an object that does not exist (harmless, as only live
 * objects are deleted), never an object of its own that it would no longer recognize. */
static int owned_intend(Manager *m, ApplyContext *c, size_t from, size_t to) {
        int r;

        for (size_t i = from; i < to; i++)
                if (c->plan->steps[i].action == PLAN_CREATE && (r = step_own(c, &c->plan->steps[i], true)) < 0)
                        return r;
        return owned_flush(m, c);
}

/* After the steps: deletions done are forgotten; on failure, the creations (now undone) too. */
static void owned_settle(Manager *m, ApplyContext *c, size_t from, size_t to, bool failed) {
        for (size_t i = from; i < to; i++) {
                const PlanStep *s = &c->plan->steps[i];

                if (failed ? s->action == PLAN_CREATE : s->action == PLAN_DELETE)
                        (void) step_own(c, s, false);
        }
        (void) owned_flush(m, c);
}

int apply_run(Manager *m, ApplyContext *c, size_t from, size_t to, apply_progress_fn progress, sd_bus_error *error) {
        _cleanup_free_ StepUndo *undo = NULL;
        int r = 0;
        size_t i;

        assert(m && c && c->plan && to <= c->plan->n_steps);
        if (!(undo = calloc(to - from + 1, sizeof(StepUndo))))
                return -ENOMEM;
        if ((r = owned_intend(m, c, from, to)) < 0)
                return virtd_bus_error_setf(error, r, "Cannot write the ownership record: %s", strerror(-r));
        for (i = from; i < to; i++) {
                const PlanStep *s = &c->plan->steps[i];
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                _cleanup_free_ char *d = NULL;

                if ((r = plan_step_describe(s, &d)) < 0)
                        break;
                if (progress)
                        progress(m, (unsigned) (i - from + 1), (unsigned) (to - from), d);
                r = step_do(m, s, &undo[i - from], &e);
                if (r < 0) {
                        if (!sd_bus_error_is_set(&e))
                                (void) sd_bus_error_set_errno(&e, r);
                        (void) sd_bus_error_setf(error, e.name, "Step %zu of %zu (%s) failed: %s", i - from + 1, to - from, d,
                                                 e.message ? e.message : strerror(-r));
                        log_warning("Apply: %s", error->message);
                        break;
                }
                log_info("Apply: step %zu of %zu done: %s", i - from + 1, to - from, d);
        }
        if (r < 0)
                while (i-- > from)
                        step_undo(m, &c->plan->steps[i], &undo[i - from]);
        owned_settle(m, c, from, to, r < 0);
        for (i = from; i < to; i++)
                port_saved_done(&undo[i - from].port);
        return r < 0 ? r : 0;
}

static int failure_add(Manager *m, const char *object, const char *reason) {
        ConfigFailure *f = realloc(m->config_failures, (m->n_config_failures + 1) * sizeof(ConfigFailure));

        if (!f)
                return -ENOMEM;
        m->config_failures = f;
        f = &f[m->n_config_failures++];
        f->object = strdup(object);
        f->reason = strdup(reason);
        return f->object && f->reason ? 0 : -ENOMEM;
}

static bool net_named(const NetConfig *want, const NetObject *o) {
        for (size_t i = 0; i < want->n_objects; i++) {
                const NetObject *w = &want->objects[i];

                if (w->type == o->type && streq(w->name, o->name) && (o->type != NET_PORT || streq_ptr(w->bridge, o->bridge)))
                        return true;
        }
        return false;
}

/* Live objects that the files name are ours: a Save killed between writing a file and the ownership record
 * leaves them unrecorded, and a later file that drops them must still delete them. */
static int adopt_named(ApplyContext *c) {
        int r;

        for (size_t i = 0; i < c->live_cg->n_groups; i++) {
                const char *name = c->live_cg->groups[i].name;

                if (!cgconfig_find_group(c->want_cg, name))
                        continue;
                if ((r = owned_mark(&c->owned, "group", name, true)) < 0)
                        return r;
                c->owned_dirty = true;
        }
        for (size_t i = 0; i < c->live_net->n_objects; i++) {
                const NetObject *o = &c->live_net->objects[i];
                _cleanup_free_ char *port = NULL;

                if (!net_named(c->want_net, o))
                        continue;
                /* "port BRIDGE LINK", as Save records it. */
                if (o->type == NET_PORT && asprintf(&port, "%s %s", o->bridge, o->name) < 0)
                        return -ENOMEM;
                if ((r = owned_mark(&c->owned, net_object_type_to_string(o->type), port ? port : o->name, true)) < 0)
                        return r;
                c->owned_dirty = true;
        }
        return 0;
}

/* A virtd killed while creating or deleting one of its namespaces leaves an unbound file, on which the next
 * creation of that name would fail. Only owned names are looked at: a file of another tool's is never ours. */
static void remove_stale_namespaces(Manager *m, char **owned) {
        for (char **s = owned; s && *s; s++) {
                const char *name = startswith(*s, "namespace ");

                if (name)
                        (void) namespace_remove_stale(m, name);
        }
}

/* A virtd killed between creating and renaming a file's temporary copy leaves ".#FILE.…" behind. */
static void remove_stale_temp_files(Manager *m) {
        static const char *const config_files[] = { "cgconfig.conf", "cgrules.conf", "network.conf", NULL };
        static const char *const state_files[] = { "owned", NULL };
        int n = atomic_file_remove_stale(m->config_dir, config_files);

        if (n > 0)
                log_info("Removed %d temporary file(s) a killed write left in %s.", n, m->config_dir);
        n = atomic_file_remove_stale(m->state_dir, state_files);
        if (n > 0)
                log_info("Removed %d temporary file(s) a killed write left in %s.", n, m->state_dir);
}

int apply_boot(Manager *m) {
        _cleanup_(apply_context_done) ApplyContext c = {};
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        config_failures_free(m->config_failures, m->n_config_failures);
        m->config_failures = NULL;
        m->n_config_failures = 0;
        r = apply_prepare(m, &c, &error);
        if (r < 0) {
                log_error("Configuration not applied: %s", error.message ? error.message : strerror(-r));
                return failure_add(m, "configuration", error.message ? error.message : strerror(-r));
        }
        /* Adopted objects and every creation of the plan are recorded once, before the first step; the runs
         * below then leave the record to the one write at the end. */
        if ((r = adopt_named(&c)) < 0 || (r = owned_intend(m, &c, 0, c.plan->n_steps)) < 0)
                log_warning_errno(r, "Cannot write the ownership record: %m");
        c.owned_write_at_end = true;
        remove_stale_namespaces(m, c.owned);
        remove_stale_temp_files(m);
        /* The steps of one top-level object are adjacent in the plan; each object is applied on its own, so a
         * broken entry leaves the rest of the host configured. */
        for (size_t i = 0; i < c.plan->n_steps;) {
                size_t j = i + 1;

                while (j < c.plan->n_steps && streq(c.plan->steps[j].top, c.plan->steps[i].top))
                        j++;
                sd_bus_error_free(&error);
                if (apply_run(m, &c, i, j, NULL, &error) < 0 &&
                    (r = failure_add(m, c.plan->steps[i].top, error.message ? error.message : "failed")) < 0)
                        return r;
                i = j;
        }
        if (c.owned_dirty && (r = owned_write(m, c.owned)) < 0)
                log_warning_errno(r, "Cannot write the ownership record: %m");
        log_info("Configuration applied: %zu steps, %zu objects failed.", c.plan->n_steps, m->n_config_failures);
        return apply_drift_check(m);
}
