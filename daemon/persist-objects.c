/* persist-objects.c: what each persistent method writes: groups into cgconfig.conf, namespaces and links into network.conf. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "apply-internal.h"
#include "cgconfig.h"
#include "group.h"
#include "netlink.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "persist-edit.h"
#include "persist-objects.h"
#include "plan.h"
#include "persist.h"
#include "strv.h"
#include "virtd-bus.h"

/* ---- groups ---- */

static int user_name(uint32_t id, bool group, char **ret, sd_bus_error *error) {
        const char *name = NULL;

        *ret = NULL;
        if (id == CGROUP_PERM_UNSET)
                return 0;
        if (group) {
                struct group *g = getgrgid(id);
                name = g ? g->gr_name : NULL;
        } else {
                struct passwd *p = getpwuid(id);
                name = p ? p->pw_name : NULL;
        }
        /* cgconfig.conf (and libcgroup's parser) only takes names. */
        if (!name)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                         "%s %u has no name, and cgconfig.conf can only name owners; use the runtime flag.",
                                         group ? "Group id" : "User id", id);
        *ret = strdup(name);
        return *ret ? 0 : -ENOMEM;
}

static int perm_side(uint32_t uid, uint32_t gid, uint32_t fperm, uint32_t dperm, CgPermSide *ret, sd_bus_error *error) {
        int r;

        /* libcgroup's grammar has no empty task{} or admin{}; an owner not given is the kernel's, root. */
        if (uid == CGROUP_PERM_UNSET)
                uid = 0;
        if (gid == CGROUP_PERM_UNSET)
                gid = 0;

        if ((r = user_name(uid, false, &ret->uid, error)) < 0 || (r = user_name(gid, true, &ret->gid, error)) < 0)
                return r;
        ret->has_fperm = fperm != CGROUP_PERM_UNSET;
        ret->fperm = ret->has_fperm ? fperm : 0;
        ret->has_dperm = dperm != CGROUP_PERM_UNSET;
        ret->dperm = ret->has_dperm ? dperm : 0;
        return 0;
}

static void perm_side_done(CgPermSide *s) {
        free(s->uid);
        free(s->gid);
}

typedef struct GroupEdit {
        const char *name;
        char **controllers;
        char **params;
        CgPerm *perm;
        bool remove, recursive;
} GroupEdit;

static int edit_group(CgConfig *c, void *userdata) {
        GroupEdit *e = userdata;
        int r;

        if (e->remove)
                return cgconfig_edit_remove_group(c, e->name, e->recursive);
        r = cgconfig_edit_group(c, e->name, e->controllers, e->params, e->perm);
        return r < 0 ? r : 1;
}

static int group_name(Manager *m, const char *path, char **ret) {
        _cleanup_free_ char *full = NULL;
        int r;

        if (!m->groups)
                return -EOPNOTSUPP;
        r = group_full_path(m->groups, path, &full);
        if (r < 0)
                return r;
        *ret = strdup(full + 1);
        return *ret ? 0 : -ENOMEM;
}

static int write_group(Manager *m, GroupEdit *e, sd_bus_error *error) {
        _cleanup_(persist_edit_done) PersistEdit pe = {};
        int r;

        r = persist_prepare_cgconfig(m, edit_group, e, e->name, &pe, error);
        return r < 0 ? r : persist_commit(m, &pe, error);
}

int persist_group_check(Manager *m, const char *path, bool subtree, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL, *dropins = NULL, *file = NULL;
        int r;

        if ((r = group_name(m, path, &name)) < 0)
                return virtd_bus_error_setf(error, r, "Cannot name group %s in cgconfig.conf: %s", path, strerror(-r));
        if (!(dropins = dir_file(m->config_dir, "cgconfig.d")))
                return -ENOMEM;
        r = cgconfig_dropin_defining(dropins, name, subtree, &file);
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot read %s: %s", dropins, strerror(-r));
        if (r > 0)
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_SUPPORTED,
                                         "Group %s%s is defined in %s, which virtd does not edit: change that file and "
                                         "reload, or make the change runtime-only.",
                                         path, subtree ? " (or a group below it)" : "", file);
        return 0;
}

int persist_group_write(Manager *m, const char *path, char **params, const CgroupPerm *perm, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        CgPerm p = {};
        Group *g;
        int r;

        if ((r = group_name(m, path, &name)) < 0)
                return virtd_bus_error_setf(error, r, "Cannot name group %s in cgconfig.conf: %s", path, strerror(-r));
        g = group_registry_find(m->groups, path);
        if (perm && memcmp(perm, &CGROUP_PERM_NULL, sizeof(*perm)) != 0) {
                p.present = true;
                r = perm_side(perm->task_uid, perm->task_gid, perm->task_fperm, CGROUP_PERM_UNSET, &p.task, error);
                if (r >= 0)
                        r = perm_side(perm->admin_uid, perm->admin_gid, perm->admin_fperm, perm->admin_dperm, &p.admin, error);
        }
        if (r >= 0) {
                GroupEdit e = { .name = name, .controllers = g ? g->controllers : NULL, .params = params,
                                .perm = p.present ? &p : NULL };
                r = write_group(m, &e, error);
        }
        perm_side_done(&p.task);
        perm_side_done(&p.admin);
        return r;
}

int persist_group_remove(Manager *m, const char *path, bool recursive, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        GroupEdit e = { .remove = true, .recursive = recursive };
        int r;

        if ((r = group_name(m, path, &name)) < 0)
                return virtd_bus_error_setf(error, r, "Cannot name group %s in cgconfig.conf: %s", path, strerror(-r));
        e.name = name;
        return write_group(m, &e, error);
}

void persist_group_done(Manager *m, const char *path, PersistChange change, bool saved) {
        _cleanup_free_ char *name = NULL, *key = NULL;

        if (group_name(m, path, &name) < 0 || !(key = config_owned_key("group", name)))
                return;
        if (change != PERSIST_CHANGED)
                persist_own(m, "group", name, change == PERSIST_CREATED);
        if (saved || change == PERSIST_DELETED)
                persist_forget(m, key);
        else
                persist_mark_runtime(m, key);
}

/* ---- namespaces ---- */

#define SAVABLE_KINDS (NAMESPACE_KIND_BIT(NAMESPACE_NET) | NAMESPACE_KIND_BIT(NAMESPACE_UTS) | NAMESPACE_KIND_BIT(NAMESPACE_IPC))

int persist_namespace_check(const char *name, unsigned kinds, sd_bus_error *error) {
        if (kinds & ~SAVABLE_KINDS)
                return sd_bus_error_setf(error, VIRTD_ERROR_NOT_SUPPORTED,
                                         "Namespace %s: network.conf can save only the kinds net, uts and ipc; create it with the runtime flag.",
                                         name);
        return 0;
}

typedef struct NetEdit {
        const char *name, *ns;
        NetObject *add;
        const LinkSettings *settings;
        const char *new_ns; /* with settings->move */
} NetEdit;

static int edit_namespace(NetConfig *c, void *userdata) {
        NetEdit *e = userdata;

        if (!e->add)
                return netconf_edit_remove_namespace(c, e->name);
        /* An object of that name already saved is replaced by what the kernel now has. */
        (void) netconf_edit_remove_namespace(c, e->add->name);
        return netconf_edit_append(c, e->add) < 0 ? -ENOMEM : 1;
}

static int write_net(Manager *m, persist_network_fn fn, NetEdit *e, sd_bus_error *error) {
        _cleanup_(persist_edit_done) PersistEdit pe = {};
        int r;

        r = persist_prepare_network(m, fn, e, &pe, error);
        return r < 0 ? r : persist_commit(m, &pe, error);
}

int persist_namespace_write(Manager *m, const char *name, unsigned kinds, const char *hostname, sd_bus_error *error) {
        NetObject o = { .type = NET_NAMESPACE, .vlan_filtering = -1 };
        NetEdit e = { .add = &o };
        int r;

        o.kinds = (kinds & NAMESPACE_KIND_BIT(NAMESPACE_NET) ? NET_KIND_NET : 0) |
                  (kinds & NAMESPACE_KIND_BIT(NAMESPACE_UTS) ? NET_KIND_UTS : 0) |
                  (kinds & NAMESPACE_KIND_BIT(NAMESPACE_IPC) ? NET_KIND_IPC : 0);
        o.name = strdup(name);
        o.hostname = hostname ? strdup(hostname) : NULL;
        if (!o.name || (hostname && !o.hostname))
                r = -ENOMEM;
        else
                r = write_net(m, edit_namespace, &e, error);
        netconf_object_done(&o);
        return r;
}

int persist_namespace_remove(Manager *m, const char *name, sd_bus_error *error) {
        NetEdit e = { .name = name };

        return write_net(m, edit_namespace, &e, error);
}

void persist_namespace_done(Manager *m, const char *name, PersistChange change, bool saved) {
        _cleanup_free_ char *key = config_owned_key("namespace", name);

        if (!key)
                return;
        if (change != PERSIST_CHANGED)
                persist_own(m, "namespace", name, change == PERSIST_CREATED);
        if (saved || change == PERSIST_DELETED)
                persist_forget(m, key);
        else
                persist_mark_runtime(m, key);
}

/* ---- links ---- */

static int edit_veth(NetConfig *c, void *userdata) {
        NetEdit *e = userdata;

        (void) netconf_edit_remove_link(c, e->add->name, e->add->namespace);
        return netconf_edit_append(c, e->add) < 0 ? -ENOMEM : 1;
}

int persist_veth_write(Manager *m, const VethSave *v, sd_bus_error *error) {
        NetObject o = { .type = NET_VETH, .vlan_filtering = -1, .mtu = v->mtu };
        NetEdit e = { .add = &o };
        int r = -ENOMEM;

        o.name = strdup(v->name);
        o.peer = strdup(v->peer);
        o.namespace = v->ns ? strdup(v->ns) : NULL;
        o.peer_namespace = v->peer_ns ? strdup(v->peer_ns) : NULL;
        if (o.name && o.peer && (!v->ns || o.namespace) && (!v->peer_ns || o.peer_namespace))
                r = write_net(m, edit_veth, &e, error);
        netconf_object_done(&o);
        return r;
}

static int edit_remove_link(NetConfig *c, void *userdata) {
        NetEdit *e = userdata;

        return netconf_edit_remove_link(c, e->name, e->ns);
}

int persist_link_remove(Manager *m, const char *ns, const char *name, sd_bus_error *error) {
        NetEdit e = { .name = name, .ns = ns };

        return write_net(m, edit_remove_link, &e, error);
}

static int edit_configure(NetConfig *c, void *userdata) {
        NetEdit *e = userdata;
        const LinkSettings *s = e->settings;
        bool peer = false;
        NetObject *o = netconf_edit_find_link(c, e->name, e->ns, &peer);
        char buf[INET6_ADDRSTRLEN + 8];
        int r;

        /* A link no section defines is not part of the saved state: nothing to save. */
        if (!o)
                return 0;
        for (size_t i = 0; i < s->n_remove; i++)
                if ((r = netconf_edit_address(c, e->name, e->ns, ip_prefix_format(&s->remove[i], buf, sizeof(buf)), false)) < 0)
                        return r;
        for (size_t i = 0; i < s->n_add; i++)
                if ((r = netconf_edit_address(c, e->name, e->ns, ip_prefix_format(&s->add[i], buf, sizeof(buf)), true)) < 0)
                        return r;
        if (s->mtu > 0)
                o->mtu = s->mtu;
        if (s->name) {
                char **field = peer ? &o->peer : &o->name, *copy = strdup(s->name);
                if (!copy)
                        return -ENOMEM;
                free(*field);
                *field = copy;
        }
        if (s->move) {
                char **field = peer ? &o->peer_namespace : &o->namespace, *copy = e->new_ns ? strdup(e->new_ns) : NULL;
                if (e->new_ns && !copy)
                        return -ENOMEM;
                free(*field);
                *field = copy;
        }
        return 1;
}

int persist_link_configure(Manager *m, const char *ns, const char *name, const LinkSettings *s, sd_bus_error *error) {
        NetEdit e = { .name = name, .ns = ns, .settings = s, .new_ns = s->move && s->target ? s->target->name : NULL };

        return write_net(m, edit_configure, &e, error);
}

void persist_link_done(Manager *m, const char *ns, const char *name, PersistChange change, bool saved) {
        _cleanup_free_ char *key = persist_link_key(ns, name);

        if (!key)
                return;
        if (saved || change == PERSIST_DELETED)
                persist_forget(m, key);
        else
                persist_mark_runtime(m, key);
}

/* ---- VLANs and bridges: the section is what the kernel now holds ---- */

static int copy_map(const VlanQosMapping *from, size_t n, VlanQosMapping **ret, size_t *ret_n) {
        *ret = NULL;
        *ret_n = n;
        if (n == 0)
                return 0;
        *ret = calloc(n, sizeof(VlanQosMapping));
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, from, n * sizeof(VlanQosMapping));
        return 0;
}

/* A VLAN link as network.conf describes it, read back from the kernel. */
int persist_vlan_capture(Namespace *ns, const char *name, NetObject *ret) {
        _cleanup_(vlan_info_done) VlanInfo v = {};
        LinkInfo link, parent;
        int fd = link_netns_fd(ns), r;

        if ((r = netlink_link_get(fd, name, 0, &link)) < 0 || (r = netlink_vlan_get(fd, link.ifindex, &v)) < 0 ||
            (r = netlink_link_get(fd, NULL, v.parent_ifindex, &parent)) < 0)
                return r;
        *ret = (NetObject) { .type = NET_VLAN, .vlan_filtering = -1, .id = v.id, .protocol = v.protocol, .flags = v.flags };
        /* An MTU equal to the parent's is the default and not written. */
        ret->mtu = link.mtu != parent.mtu ? link.mtu : 0;
        ret->name = strdup(name);
        ret->parent = strdup(parent.name);
        ret->namespace = ns ? strdup(ns->name) : NULL;
        if (!ret->name || !ret->parent || (ns && !ret->namespace) ||
            copy_map(v.ingress, v.n_ingress, &ret->ingress, &ret->n_ingress) < 0 ||
            copy_map(v.egress, v.n_egress, &ret->egress, &ret->n_egress) < 0)
                return -ENOMEM;
        return 0;
}

static int edit_replace_link(NetConfig *c, void *userdata) {
        NetEdit *e = userdata;

        (void) netconf_edit_remove_link(c, e->add->name, e->add->namespace);
        return netconf_edit_append(c, e->add) < 0 ? -ENOMEM : 1;
}

/* A VLAN ChangeVlan touched: only rewritten when a section already has it (it is part of the saved state). */
static int edit_update_link(NetConfig *c, void *userdata) {
        NetEdit *e = userdata;
        bool peer;

        if (!netconf_edit_find_link(c, e->add->name, e->add->namespace, &peer))
                return 0;
        return edit_replace_link(c, userdata);
}

int persist_vlan_write(Manager *m, Namespace *ns, const char *name, bool created, sd_bus_error *error) {
        NetObject o = {};
        NetEdit e = { .add = &o };
        int r;

        r = persist_vlan_capture(ns, name, &o);
        if (r < 0)
                r = virtd_bus_error_setf(error, r, "Cannot read VLAN %s back to save it: %s", name, strerror(-r));
        else
                r = write_net(m, created ? edit_replace_link : edit_update_link, &e, error);
        netconf_object_done(&o);
        return r;
}

int persist_bridge_write(Manager *m, Namespace *ns, const char *name, bool vlan_filtering, sd_bus_error *error) {
        NetObject o = { .type = NET_BRIDGE, .vlan_filtering = vlan_filtering };
        NetEdit e = { .add = &o };
        int r = -ENOMEM;

        o.name = strdup(name);
        o.namespace = ns ? strdup(ns->name) : NULL;
        if (o.name && (!ns || o.namespace))
                r = write_net(m, edit_replace_link, &e, error);
        netconf_object_done(&o);
        return r;
}

typedef struct PortsEdit {
        const PersistPort *ports;
        size_t n;
} PortsEdit;

static int edit_ports(NetConfig *c, void *userdata) {
        PortsEdit *e = userdata;
        int r;

        for (size_t i = 0; i < e->n; i++) {
                NetObject o = { .type = NET_PORT, .vlan_filtering = -1, .port = e->ports[i].config };

                /* One section per port: a port belongs to one bridge, so an older section of it goes. */
                for (size_t j = 0; j < c->n_objects;) {
                        NetObject *x = &c->objects[j];
                        /* network.conf names a port by its name only (its bridge says where it lives). */
                        if (x->type == NET_PORT && streq(x->name, e->ports[i].port)) {
                                netconf_object_done(x);
                                memmove(x, x + 1, (c->n_objects - j - 1) * sizeof(NetObject));
                                c->n_objects--;
                        } else
                                j++;
                }
                o.name = strdup(e->ports[i].port);
                o.bridge = strdup(e->ports[i].bridge);
                if (!o.name || !o.bridge || (r = netconf_edit_append(c, &o)) < 0) {
                        netconf_object_done(&o);
                        return -ENOMEM;
                }
        }
        return e->n > 0;
}

int persist_ports_write(Manager *m, Namespace *ns, const PersistPort *ports, size_t n, sd_bus_error *error) {
        _cleanup_(persist_edit_done) PersistEdit pe = {};
        PortsEdit e = { .ports = ports, .n = n };
        int r;

        r = persist_prepare_network(m, edit_ports, &e, &pe, error);
        return r < 0 ? r : persist_commit(m, &pe, error);
}
