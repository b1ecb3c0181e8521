/* netconf.c: network.conf: namespaces, veth pairs, bridges, switch ports and VLANs. Parser, serializer, order. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netconf.h"
#include "netns-names.h"
#include "reason.h"
#include "strv.h"

static const char *const type_names[_NET_OBJECT_TYPE_MAX] = {
        [NET_NAMESPACE] = "namespace", [NET_VETH] = "veth", [NET_BRIDGE] = "bridge", [NET_PORT] = "port", [NET_VLAN] = "vlan",
};

const char *net_object_type_to_string(NetObjectType t) {
        return t >= 0 && t < _NET_OBJECT_TYPE_MAX ? type_names[t] : NULL;
}

static void object_done(NetObject *o) {
        free(o->name);
        free(o->hostname);
        free(o->namespace);
        strv_free(o->addresses);
        free(o->peer);
        free(o->peer_namespace);
        strv_free(o->peer_addresses);
        free(o->bridge);
        free(o->parent);
        free(o->ingress);
        free(o->egress);
        free(o->port_entries);
}

static int dup_array(const void *src, size_t n, size_t size, void **ret) {
        *ret = NULL;
        if (n == 0)
                return 0;
        *ret = malloc(n * size);
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, src, n * size);
        return 0;
}

static int dup_string(const char *src, char **ret) {
        *ret = src ? strdup(src) : NULL;
        return !src || *ret ? 0 : -ENOMEM;
}

static int dup_strv(char **src, char ***ret) {
        int r;

        *ret = NULL;
        for (char **s = src; s && *s; s++)
                if ((r = strv_extend(ret, *s)) < 0)
                        return r;
        return 0;
}

int netconf_object_copy(const NetObject *src, NetObject *ret) {
        NetObject o = *src;
        int r = 0;

        assert(src && ret);
        /* Every owned pointer is replaced first, so that a failure frees only copies. */
        o.name = o.hostname = o.namespace = o.peer = o.peer_namespace = o.bridge = o.parent = NULL;
        o.addresses = o.peer_addresses = NULL;
        o.ingress = o.egress = NULL;
        o.port_entries = NULL;
        if ((r = dup_string(src->name, &o.name)) < 0 || (r = dup_string(src->hostname, &o.hostname)) < 0 ||
            (r = dup_string(src->namespace, &o.namespace)) < 0 || (r = dup_string(src->peer, &o.peer)) < 0 ||
            (r = dup_string(src->peer_namespace, &o.peer_namespace)) < 0 || (r = dup_string(src->bridge, &o.bridge)) < 0 ||
            (r = dup_string(src->parent, &o.parent)) < 0 || (r = dup_strv(src->addresses, &o.addresses)) < 0 ||
            (r = dup_strv(src->peer_addresses, &o.peer_addresses)) < 0 ||
            (r = dup_array(src->ingress, src->n_ingress, sizeof(VlanQosMapping), (void **) &o.ingress)) < 0 ||
            (r = dup_array(src->egress, src->n_egress, sizeof(VlanQosMapping), (void **) &o.egress)) < 0 ||
            (r = dup_array(src->port_entries, src->n_port_entries, sizeof(BridgeVlanEntry), (void **) &o.port_entries)) < 0) {
                object_done(&o);
                return r;
        }
        *ret = o;
        return 0;
}

void netconf_object_done(NetObject *o) {
        object_done(o);
        *o = (NetObject) {};
}

NetConfig *netconf_free(NetConfig *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_objects; i++)
                object_done(&c->objects[i]);
        free(c->objects);
        free(c);
        return NULL;
}

/* A name must also be writable back: the file's grammar has no escape for '"' inside a quoted string. */
static int name_validate(const char *what, const char *name, const char *reason, char **ret_reason) {
        if (reason)
                return reason_invalid(ret_reason, "%s '%s' %s", what, strempty(name), reason);
        if (strchr(name, '"'))
                return reason_invalid(ret_reason, "%s '%s' contains '\"', which network.conf cannot quote", what, name);
        return 0;
}

int netconf_ifname_validate(const char *name, char **ret_reason) {
        return name_validate("interface name", name, link_name_invalid_reason(name), ret_reason);
}

static int namespace_name_validate(const char *name, char **ret_reason) {
        if (streq(name, "host"))
                return reason_invalid(ret_reason, "'host' means the host's own namespaces and cannot be defined");
        return name_validate("namespace name", name, namespace_name_invalid_reason(name), ret_reason);
}

int netconf_cidr_validate(const char *s, char **ret_reason) {
        char addr[INET6_ADDRSTRLEN + 1];
        unsigned char buf[16];
        const char *slash = strchr(s, '/');
        char *end;

        if (!slash || (size_t) (slash - s) >= sizeof(addr))
                return reason_invalid(ret_reason, "address '%s' needs a prefix length, e.g. 10.0.0.1/24", s);
        memcpy(addr, s, (size_t) (slash - s));
        addr[slash - s] = 0;
        bool v6 = strchr(addr, ':');
        if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, buf) != 1)
                return reason_invalid(ret_reason, "'%s' is not an IPv%c address", addr, v6 ? '6' : '4');
        errno = 0;
        unsigned long prefix = strtoul(slash + 1, &end, 10);
        if (!slash[1] || *end || errno || slash[1] == '-' || slash[1] == '+' || prefix > (v6 ? 128u : 32u))
                return reason_invalid(ret_reason, "prefix length '%s' of %s is out of range (0–%u)", slash + 1, addr, v6 ? 128u : 32u);
        return 0;
}

typedef struct Parser {
        ConfLexer lexer;
        ConfError *err;
        const char *file;
} Parser;

/* One "key = value;" line; the value's words are joined by single spaces. */
typedef struct Setting {
        char *key;
        char *value;
        unsigned line, column, vcolumn;
} Setting;

static void settings_free(Setting *s, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(s[i].key);
                free(s[i].value);
        }
        free(s);
}

static int unexpected(Parser *p, const ConfToken *t, const char *what) {
        char buf[64];
        return conf_error_set(p->err, p->file, t->line, t->column, "expected %s, found %s", what, conf_token_describe(t, buf));
}

#define VALUE_MAX (64u * 1024u)

/* Appends the words up to ';' with single spaces; linear in the input, and bounded. */
static int read_value(Parser *p, Setting *s) {
        _cleanup_free_ char *v = NULL;
        size_t len = 0;

        for (;;) {
                _cleanup_(conf_token_done) ConfToken t = {};
                int r = conf_lexer_next(&p->lexer, &t, p->err);
                if (r < 0)
                        return r;
                if (t.type == CONF_TOKEN_SEMICOLON)
                        break;
                if (t.type != CONF_TOKEN_WORD && t.type != CONF_TOKEN_STRING)
                        return unexpected(p, &t, "a value or ';'");
                size_t l = strlen(t.value);
                if (len + l + 1 > VALUE_MAX)
                        return conf_error_set(p->err, p->file, s->line, s->column, "the value of '%s' is longer than %u bytes",
                                              s->key, VALUE_MAX);
                char *grown = realloc(v, len + l + 2);
                if (!grown)
                        return -ENOMEM;
                if (!v)
                        s->vcolumn = t.column;
                v = grown;
                if (len > 0)
                        v[len++] = ' ';
                memcpy(v + len, t.value, l + 1);
                len += l;
        }
        if (!v)
                return conf_error_set(p->err, p->file, s->line, s->column, "'%s' has no value", s->key);
        s->value = TAKE_PTR(v);
        return 0;
}

static int read_block(Parser *p, Setting **ret, size_t *ret_n) {
        Setting *list = NULL;
        size_t n = 0;
        int r;

        {
                _cleanup_(conf_token_done) ConfToken t = {};
                if ((r = conf_lexer_next(&p->lexer, &t, p->err)) < 0)
                        return r;
                if (t.type != CONF_TOKEN_LBRACE)
                        return unexpected(p, &t, "'{'");
        }
        for (;;) {
                _cleanup_(conf_token_done) ConfToken t = {};
                if ((r = conf_lexer_next(&p->lexer, &t, p->err)) < 0)
                        break;
                if (t.type == CONF_TOKEN_RBRACE) {
                        *ret = list;
                        *ret_n = n;
                        return 0;
                }
                if (t.type != CONF_TOKEN_WORD) {
                        r = unexpected(p, &t, "a setting or '}'");
                        break;
                }
                _cleanup_(conf_token_done) ConfToken eq = {};
                if ((r = conf_lexer_next(&p->lexer, &eq, p->err)) < 0)
                        break;
                if (eq.type != CONF_TOKEN_EQUALS) {
                        r = unexpected(p, &eq, "'='");
                        break;
                }
                Setting *slot = CONF_APPEND(list, n);
                if (!slot) {
                        r = -ENOMEM;
                        break;
                }
                *slot = (Setting) { .key = TAKE_PTR(t.value), .line = t.line, .column = t.column };
                if ((r = read_value(p, slot)) < 0)
                        break;
        }
        settings_free(list, n);
        return r;
}

static int set_error(Parser *p, const Setting *s, const char *owner, const char *why) {
        return conf_error_set(p->err, p->file, s->line, s->vcolumn, "%s of %s: %s", s->key, owner, strempty(why));
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret) {
        char *end;
        if (!*s || *s == '-' || *s == '+')
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

static int parse_list(const char *value, char ***ret) {
        char **l = strv_split(value, ", ");
        if (!l)
                return -ENOMEM;
        strv_free(*ret);
        *ret = l;
        return 0;
}

static int apply_addresses(Parser *p, const Setting *s, const char *owner, char ***slot) {
        _cleanup_free_ char *why = NULL;
        int r = parse_list(s->value, slot);
        if (r < 0)
                return r;
        for (char **a = *slot; *a; a++)
                if (netconf_cidr_validate(*a, &why) < 0)
                        return set_error(p, s, owner, why);
        return 0;
}

static int set_ifname(Parser *p, const Setting *s, const char *owner, char **slot) {
        _cleanup_free_ char *why = NULL;
        if (netconf_ifname_validate(s->value, &why) < 0)
                return set_error(p, s, owner, why);
        free(*slot);
        return (*slot = strdup(s->value)) ? 0 : -ENOMEM;
}

static int set_string(char **slot, const char *v) {
        free(*slot);
        return (*slot = strdup(v)) ? 0 : -ENOMEM;
}

/* Applies one setting; returns 1 if the key does not belong to this type. */
static int apply_setting(Parser *p, NetObject *o, const Setting *s, const char *owner) {
        _cleanup_free_ char *why = NULL;
        const char *k = s->key;
        bool link = o->type != NET_NAMESPACE && o->type != NET_PORT;
        int r;

        if (o->type == NET_NAMESPACE) {
                if (streq(k, "kinds")) {
                        _cleanup_strv_free_ char **l = NULL;
                        if ((r = parse_list(s->value, &l)) < 0)
                                return r;
                        o->kinds = 0;
                        for (char **w = l; *w; w++) {
                                unsigned bit = streq(*w, "net") ? NET_KIND_NET : streq(*w, "uts") ? NET_KIND_UTS : streq(*w, "ipc") ? NET_KIND_IPC : 0;
                                if (!bit)
                                        return set_error(p, s, owner, "unknown namespace kind (known: net, uts, ipc)");
                                o->kinds |= bit;
                        }
                        return 0;
                }
                if (streq(k, "hostname")) {
                        const char *reason = hostname_invalid_reason(s->value);
                        if (reason)
                                return set_error(p, s, owner, reason);
                        return set_string(&o->hostname, s->value);
                }
                return 1;
        }
        if (link && streq(k, "namespace"))
                return set_string(&o->namespace, s->value);
        if (link && streq(k, "mtu")) {
                if (parse_u32(s->value, 68, 65535, &o->mtu) < 0)
                        return set_error(p, s, owner, "not an MTU (68–65535)");
                return 0;
        }
        if (link && streq(k, "address"))
                return apply_addresses(p, s, owner, &o->addresses);
        if (o->type == NET_VETH) {
                if (streq(k, "peer"))
                        return set_ifname(p, s, owner, &o->peer);
                if (streq(k, "peer-namespace"))
                        return set_string(&o->peer_namespace, s->value);
                if (streq(k, "peer-address"))
                        return apply_addresses(p, s, owner, &o->peer_addresses);
                return 1;
        }
        if (o->type == NET_BRIDGE) {
                if (streq(k, "vlan-filtering")) {
                        if (!streq(s->value, "yes") && !streq(s->value, "no"))
                                return set_error(p, s, owner, "expected yes or no");
                        o->vlan_filtering = streq(s->value, "yes");
                        return 0;
                }
                if (streq(k, "default-pvid")) {
                        o->has_default_pvid = true;
                        if (streq(s->value, "none")) {
                                o->default_pvid = 0;
                                return 0;
                        }
                        r = vlan_id_parse(s->value, &o->default_pvid, &why);
                        return r < 0 ? set_error(p, s, owner, why) : 0;
                }
                return 1;
        }
        if (o->type == NET_PORT) {
                if (streq(k, "mode")) {
                        PortMode m = port_mode_from_string(s->value);
                        if (m < 0)
                                return set_error(p, s, owner, "expected access or trunk");
                        o->port.mode = m;
                        return 0;
                }
                if (streq(k, "access-vlan"))
                        return (r = vlan_id_parse(s->value, &o->port.access_vlan, &why)) < 0 ? set_error(p, s, owner, why) : 0;
                if (streq(k, "native-vlan"))
                        return (r = vlan_id_parse(s->value, &o->port.native_vlan, &why)) < 0 ? set_error(p, s, owner, why) : 0;
                if (streq(k, "allowed-vlans"))
                        return (r = vlan_set_parse(s->value, &o->port.allowed, &why)) < 0 ? set_error(p, s, owner, why) : 0;
                return 1;
        }
        /* NET_VLAN */
        if (streq(k, "parent"))
                return set_ifname(p, s, owner, &o->parent);
        if (streq(k, "id"))
                return (r = vlan_id_parse(s->value, &o->id, &why)) < 0 ? set_error(p, s, owner, why) : 0;
        if (streq(k, "protocol"))
                return vlan_protocol_parse(s->value, &o->protocol) < 0 ? set_error(p, s, owner, "expected 802.1q or 802.1ad") : 0;
        if (streq(k, "flags"))
                return (r = vlan_flags_parse(s->value, &o->flags, &why)) < 0 ? set_error(p, s, owner, why) : 0;
        if (streq(k, "ingress-qos-map") || streq(k, "egress-qos-map")) {
                bool egress = k[0] == 'e';
                VlanQosMapping **map = egress ? &o->egress : &o->ingress;
                size_t *n = egress ? &o->n_egress : &o->n_ingress;
                free(*map), *map = NULL, *n = 0;
                r = vlan_qos_map_parse(s->value, egress, map, n, &why);
                return r < 0 ? set_error(p, s, owner, why) : 0;
        }
        return 1;
}

static const char *const keys_of[_NET_OBJECT_TYPE_MAX] = {
        [NET_NAMESPACE] = "kinds, hostname",
        [NET_VETH] = "peer, namespace, peer-namespace, mtu, address, peer-address",
        [NET_BRIDGE] = "namespace, vlan-filtering, default-pvid, mtu, address",
        [NET_PORT] = "mode, access-vlan, allowed-vlans, native-vlan",
        [NET_VLAN] = "parent, id, protocol, flags, ingress-qos-map, egress-qos-map, namespace, mtu, address",
};

static int check_object(Parser *p, NetObject *o, const char *owner, unsigned col) {
        if (o->type == NET_VETH && !o->peer)
                return conf_error_set(p->err, p->file, o->line, col, "%s needs a peer", owner);
        if (o->type == NET_VLAN && (!o->parent || !o->id))
                return conf_error_set(p->err, p->file, o->line, col, "%s needs a parent and an id", owner);
        if (o->type == NET_VLAN && !o->protocol)
                o->protocol = VLAN_PROTO_8021Q;
        if (o->type == NET_PORT) {
                const PortConfig *c = &o->port;
                if (c->mode == PORT_MODE_ACCESS && (!c->access_vlan || c->native_vlan || vlan_set_count(&c->allowed)))
                        return conf_error_set(p->err, p->file, o->line, col,
                                              "%s: an access port takes exactly one VLAN (access-vlan) and no allowed-vlans or native-vlan", owner);
                if (c->mode == PORT_MODE_TRUNK && (c->access_vlan || !vlan_set_count(&c->allowed)))
                        return conf_error_set(p->err, p->file, o->line, col,
                                              "%s: a trunk port takes allowed-vlans (and at most one native-vlan), not access-vlan", owner);
        }
        return 0;
}

static int parse_section(Parser *p, NetConfig *c, NetObjectType type, const ConfToken *kw) {
        _cleanup_free_ char *owner = NULL, *why = NULL;
        NetObject o = { .type = type, .line = kw->line, .vlan_filtering = -1, .port.mode = PORT_MODE_ACCESS };
        Setting *settings = NULL;
        size_t n = 0;
        int r;

        for (int part = 0; part < (type == NET_PORT ? 2 : 1); part++) {
                _cleanup_(conf_token_done) ConfToken t = {};
                if ((r = conf_lexer_next(&p->lexer, &t, p->err)) < 0)
                        goto done;
                if (t.type != CONF_TOKEN_WORD && t.type != CONF_TOKEN_STRING) {
                        r = unexpected(p, &t, type == NET_PORT && part == 0 ? "a bridge name" : "a name");
                        goto done;
                }
                r = type == NET_NAMESPACE ? namespace_name_validate(t.value, &why) : netconf_ifname_validate(t.value, &why);
                if (r < 0) {
                        r = conf_error_set(p->err, p->file, t.line, t.column, "%s", strempty(why));
                        goto done;
                }
                *(type == NET_PORT && part == 0 ? &o.bridge : &o.name) = TAKE_PTR(t.value);
        }
        if (type == NET_PORT ? asprintf(&owner, "port %s of bridge %s", o.name, o.bridge) < 0
                             : asprintf(&owner, "%s %s", type_names[type], o.name) < 0) {
                r = -ENOMEM;
                goto done;
        }
        if ((r = read_block(p, &settings, &n)) < 0)
                goto done;
        for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < i; j++)
                        if (streq(settings[i].key, settings[j].key)) {
                                r = conf_error_set(p->err, p->file, settings[i].line, settings[i].column,
                                                   "%s is set twice in %s (first on line %u)", settings[i].key, owner, settings[j].line);
                                goto done;
                        }
                r = apply_setting(p, &o, &settings[i], owner);
                if (r > 0)
                        r = conf_error_set(p->err, p->file, settings[i].line, settings[i].column, "unknown setting '%s' in %s (known: %s)",
                                           settings[i].key, owner, keys_of[type]);
                if (r < 0)
                        goto done;
        }
        if ((r = check_object(p, &o, owner, kw->column)) < 0)
                goto done;
        NetObject *slot = CONF_APPEND(c->objects, c->n_objects);
        if (!slot) {
                r = -ENOMEM;
                goto done;
        }
        *slot = o;
        o = (NetObject) {};
done:
        settings_free(settings, n);
        object_done(&o);
        return r;
}

/* Index keys: "N\x01name" namespaces, "B\x01name" bridges, "P\x01name" ports, "L\x01ns\x01name" links
 * (the host's namespace is ""). A veth puts both of its ends in. */
static char *key_of(char kind, const char *ns, const char *name) {
        char *k = NULL;
        const char *n = ns && !streq(ns, "host") ? ns : "";
        if (kind == 'L' ? asprintf(&k, "L\x01%s\x01%s", n, name) < 0 : asprintf(&k, "%c\x01%s", kind, name) < 0)
                return NULL;
        return k;
}

static ssize_t index_get(const ConfNameIndex *x, char kind, const char *ns, const char *name) {
        _cleanup_free_ char *k = NULL;
        size_t v;

        if (!name || !(k = key_of(kind, ns, name)))
                return -1;
        return conf_name_index_get(x, k, &v) < 0 ? -1 : (ssize_t) v;
}

/* Fills @x; with @p set, reports the first name used twice. */
static int build_index(const NetConfig *c, ConfNameIndex *x, Parser *p) {
        for (size_t i = 0; i < c->n_objects; i++) {
                const NetObject *o = &c->objects[i];
                char kind = o->type == NET_NAMESPACE ? 'N' : o->type == NET_PORT ? 'P' : 'L';
                for (int end = 0; end < (o->peer ? 2 : 1); end++) {
                        _cleanup_free_ char *k = end ? key_of('L', o->peer_namespace, o->peer) : key_of(kind, o->namespace, o->name);
                        size_t first;
                        int r;
                        if (!k)
                                return -ENOMEM;
                        r = conf_name_index_put(x, k, i, &first);
                        if (r == -EEXIST && p)
                                return conf_error_set(p->err, p->file, o->line, 1, "%s %s: the name %s is already used on line %u",
                                                      type_names[o->type], o->name, end ? o->peer : o->name, c->objects[first].line);
                        if (r < 0 && r != -EEXIST)
                                return r;
                }
                if (o->type == NET_BRIDGE) {
                        _cleanup_free_ char *k = key_of('B', NULL, o->name);
                        if (!k || conf_name_index_put(x, k, i, NULL) == -ENOMEM)
                                return -ENOMEM;
                }
        }
        return 0;
}

static int check_references(Parser *p, const NetConfig *c) {
        ConfNameIndex x = {};
        int r = build_index(c, &x, p);

        for (size_t i = 0; r >= 0 && i < c->n_objects; i++) {
                const NetObject *o = &c->objects[i];
                const char *t = type_names[o->type];
                if (o->namespace && !streq(o->namespace, "host") && index_get(&x, 'N', NULL, o->namespace) < 0)
                        r = conf_error_set(p->err, p->file, o->line, 1, "%s %s: namespace '%s' is not defined in this file", t, o->name, o->namespace);
                else if (o->peer_namespace && !streq(o->peer_namespace, "host") && index_get(&x, 'N', NULL, o->peer_namespace) < 0)
                        r = conf_error_set(p->err, p->file, o->line, 1, "veth %s: peer-namespace '%s' is neither defined in this file nor \"host\"",
                                           o->name, o->peer_namespace);
                else if (o->type == NET_PORT) {
                        ssize_t b = index_get(&x, 'B', NULL, o->bridge);
                        if (b < 0)
                                r = conf_error_set(p->err, p->file, o->line, 1, "port %s: bridge '%s' is not defined in this file", o->name, o->bridge);
                        else if (c->objects[b].vlan_filtering == 0)
                                r = conf_error_set(p->err, p->file, o->line, 1, "port %s: bridge %s has vlan-filtering = no, so ports cannot have VLANs",
                                                   o->name, o->bridge);
                }
        }
        conf_name_index_done(&x);
        return r;
}

int netconf_parse(const char *text, size_t size, const char *filename, NetConfig **ret, ConfError *err) {
        _cleanup_(netconf_freep) NetConfig *c = calloc(1, sizeof(NetConfig));
        Parser p = { .err = err, .file = filename ? filename : "<input>" };
        int r = 0;

        assert(ret);
        if (!c)
                return -ENOMEM;
        conf_lexer_init(&p.lexer, text, size, p.file, CONF_LEXER_WORDS);
        for (;;) {
                _cleanup_(conf_token_done) ConfToken t = {};
                NetObjectType type = _NET_OBJECT_TYPE_MAX;
                char buf[64];

                if ((r = conf_lexer_next(&p.lexer, &t, err)) < 0 || t.type == CONF_TOKEN_EOF)
                        break;
                for (int i = 0; i < _NET_OBJECT_TYPE_MAX && t.type == CONF_TOKEN_WORD; i++)
                        if (streq(t.value, type_names[i]))
                                type = (NetObjectType) i;
                if (type == _NET_OBJECT_TYPE_MAX) {
                        r = conf_error_set(err, p.file, t.line, t.column, "unknown section %s (expected namespace, veth, bridge, port or vlan)",
                                           conf_token_describe(&t, buf));
                        break;
                }
                if ((r = parse_section(&p, c, type, &t)) < 0)
                        break;
        }
        conf_lexer_done(&p.lexer);
        if (r >= 0)
                r = check_references(&p, c);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

static void write_list(FILE *f, const char *key, char **l) {
        if (!l || !*l)
                return;
        fprintf(f, "\t%s = ", key);
        for (char **a = l; *a; a++)
                fprintf(f, "%s%s", a == l ? "" : ", ", *a);
        fputs(";\n", f);
}

/* Names may hold characters the grammar uses ('{', ';', '#' ...): those are written in double quotes. */
static void write_word(FILE *f, const char *s) {
        fprintf(f, conf_word_ok(s) ? "%s" : "\"%s\"", s);
}

static void write_name_setting(FILE *f, const char *key, const char *value) {
        fprintf(f, "\t%s = ", key);
        write_word(f, value);
        fputs(";\n", f);
}

static void write_header(FILE *f, const NetObject *o) {
        fputs(type_names[o->type], f);
        if (o->type == NET_PORT) {
                fputc(' ', f);
                write_word(f, o->bridge);
        }
        fputc(' ', f);
        write_word(f, o->name);
        fputs(" {\n", f);
}

static int write_object(FILE *f, const NetObject *o) {
        _cleanup_free_ char *a = NULL, *b = NULL;

        write_header(f, o);
        switch (o->type) {
        case NET_NAMESPACE:
                if (o->kinds)
                        fprintf(f, "\tkinds = %s%s%s%s%s;\n", o->kinds & NET_KIND_NET ? "net" : "",
                                (o->kinds & NET_KIND_NET) && (o->kinds & (NET_KIND_UTS | NET_KIND_IPC)) ? ", " : "",
                                o->kinds & NET_KIND_UTS ? "uts" : "", (o->kinds & NET_KIND_UTS) && (o->kinds & NET_KIND_IPC) ? ", " : "",
                                o->kinds & NET_KIND_IPC ? "ipc" : "");
                if (o->hostname)
                        fprintf(f, "\thostname = %s;\n", o->hostname);
                break;
        case NET_VETH:
                write_name_setting(f, "peer", o->peer);
                if (o->peer_namespace)
                        write_name_setting(f, "peer-namespace", o->peer_namespace);
                write_list(f, "peer-address", o->peer_addresses);
                break;
        case NET_BRIDGE:
                if (o->vlan_filtering >= 0)
                        fprintf(f, "\tvlan-filtering = %s;\n", yes_no(o->vlan_filtering));
                if (o->has_default_pvid && o->default_pvid)
                        fprintf(f, "\tdefault-pvid = %u;\n", o->default_pvid);
                else if (o->has_default_pvid)
                        fputs("\tdefault-pvid = none;\n", f);
                break;
        case NET_PORT:
                fprintf(f, "\tmode = %s;\n", port_mode_to_string(o->port.mode));
                if (o->port.mode == PORT_MODE_ACCESS)
                        fprintf(f, "\taccess-vlan = %u;\n", o->port.access_vlan);
                else {
                        if (!(a = vlan_set_to_string(&o->port.allowed)))
                                return -ENOMEM;
                        fprintf(f, "\tallowed-vlans = %s;\n", a);
                        if (o->port.native_vlan)
                                fprintf(f, "\tnative-vlan = %u;\n", o->port.native_vlan);
                }
                break;
        case NET_VLAN:
                write_name_setting(f, "parent", o->parent);
                fprintf(f, "\tid = %u;\n\tprotocol = %s;\n", o->id, vlan_protocol_to_string(o->protocol));
                if (o->flags) {
                        if (!(a = vlan_flags_to_string(o->flags)))
                                return -ENOMEM;
                        fprintf(f, "\tflags = %s;\n", a);
                }
                if (o->n_ingress) {
                        if (!(b = vlan_qos_map_to_string(o->ingress, o->n_ingress)))
                                return -ENOMEM;
                        fprintf(f, "\tingress-qos-map = %s;\n", b);
                        free(TAKE_PTR(b));
                }
                if (o->n_egress) {
                        if (!(b = vlan_qos_map_to_string(o->egress, o->n_egress)))
                                return -ENOMEM;
                        fprintf(f, "\tegress-qos-map = %s;\n", b);
                }
                break;
        default:
                break;
        }
        if (o->type != NET_NAMESPACE && o->type != NET_PORT) {
                if (o->namespace)
                        write_name_setting(f, "namespace", o->namespace);
                if (o->mtu)
                        fprintf(f, "\tmtu = %u;\n", o->mtu);
                write_list(f, "address", o->addresses);
        }
        fputs("}\n", f);
        return 0;
}

int netconf_serialize(const NetConfig *c, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r = 0;

        assert(c);
        assert(ret);
        if (!(f = open_memstream(&buf, &size)))
                return -ENOMEM;
        for (size_t i = 0; i < c->n_objects && r >= 0; i++) {
                if (i > 0)
                        fputc('\n', f);
                r = write_object(f, &c->objects[i]);
        }
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(buf);
        return 0;
}

int netconf_order(const NetConfig *c, size_t **ret_order, ConfError *err) {
        size_t n = c->n_objects, done = 0;
        _cleanup_free_ size_t *order = calloc(n ? n : 1, sizeof(size_t));
        _cleanup_free_ ssize_t *deps = calloc(n ? n * 4 : 1, sizeof(ssize_t));
        _cleanup_free_ bool *placed = calloc(n ? n : 1, sizeof(bool));
        ConfNameIndex x = {};
        int r;

        assert(ret_order);
        if (!order || !deps || !placed)
                return -ENOMEM;
        r = build_index(c, &x, NULL);
        if (r < 0) {
                conf_name_index_done(&x);
                return r;
        }
        /* At most four prerequisites each: namespace, peer namespace, parent or port link, bridge. */
        for (size_t i = 0; i < n; i++) {
                const NetObject *o = &c->objects[i];
                ssize_t *d = deps + i * 4;
                d[0] = index_get(&x, 'N', NULL, o->namespace);
                d[1] = index_get(&x, 'N', NULL, o->peer_namespace);
                d[2] = o->type == NET_VLAN ? index_get(&x, 'L', o->namespace, o->parent) : -1;
                d[3] = o->type == NET_PORT ? index_get(&x, 'B', NULL, o->bridge) : -1;
                if (o->type == NET_PORT)
                        d[2] = index_get(&x, 'L', d[3] >= 0 ? c->objects[d[3]].namespace : NULL, o->name);
                for (int k = 0; k < 4; k++)
                        if (d[k] == (ssize_t) i)
                                d[k] = -1;
        }
        conf_name_index_done(&x);
        /* Repeated passes in file order keep independent objects in the order the administrator wrote. */
        while (done < n) {
                bool progress = false;
                for (size_t i = 0; i < n; i++) {
                        bool ready = !placed[i];
                        for (int k = 0; k < 4 && ready; k++)
                                ready = deps[i * 4 + k] < 0 || placed[deps[i * 4 + k]];
                        if (ready) {
                                placed[i] = true;
                                order[done++] = i;
                                progress = true;
                        }
                }
                if (!progress) {
                        for (size_t i = 0; i < n; i++)
                                if (!placed[i]) {
                                        conf_error_set(err, NULL, c->objects[i].line, 0, "%s %s is part of a dependency loop",
                                                       type_names[c->objects[i].type], c->objects[i].name);
                                        return -ELOOP;
                                }
                }
        }
        *ret_order = TAKE_PTR(order);
        return 0;
}
