/* netconf.h: network.conf: namespaces, veth pairs, bridges, switch ports and VLANs. Parser, serializer, order. Pure logic. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf-lexer.h"
#include "vlan.h"

typedef enum NetObjectType {
        NET_NAMESPACE,
        NET_VETH,
        NET_BRIDGE,
        NET_PORT,
        NET_VLAN,
        _NET_OBJECT_TYPE_MAX,
} NetObjectType;

/* Namespace kinds a "namespace" section may ask for (kinds = net, uts, ipc). */
enum {
        NET_KIND_NET = 1 << 0,
        NET_KIND_UTS = 1 << 1,
        NET_KIND_IPC = 1 << 2,
};

/* One section of network.conf. Fields that do not belong to the type stay zero/NULL. */
typedef struct NetObject {
        NetObjectType type;
        char *name;
        unsigned line;
        /* namespace */
        unsigned kinds;
        char *hostname;
        /* every link: the namespace it lives in (NULL = host), its MTU (0 = unset), its addresses (CIDR) */
        char *namespace;
        uint32_t mtu;
        char **addresses;
        /* veth */
        char *peer;
        char *peer_namespace; /* NULL or "host" = the host */
        char **peer_addresses;
        /* bridge */
        int vlan_filtering; /* -1 unset */
        bool has_default_pvid;
        uint16_t default_pvid; /* 0 = none */
        /* port: "port BRIDGE NAME" */
        char *bridge;
        PortConfig port;
        bool kernel_table;             /* read from the kernel: port_entries is its exact table */
        BridgeVlanEntry *port_entries;
        size_t n_port_entries;
        /* vlan */
        char *parent;
        uint16_t id;
        uint16_t protocol;
        uint32_t flags;
        VlanQosMapping *ingress;
        size_t n_ingress;
        VlanQosMapping *egress;
        size_t n_egress;
} NetObject;

typedef struct NetConfig {
        NetObject *objects;
        size_t n_objects;
} NetConfig;

/* Frees what one object holds (for callers that build or trim a NetConfig). */
void netconf_object_done(NetObject *o);
NetConfig *netconf_free(NetConfig *c);
/* A deep copy of @src into @ret (which it overwrites); -ENOMEM. */
int netconf_object_copy(const NetObject *src, NetObject *ret);
static inline void netconf_freep(NetConfig **c) {
        netconf_free(*c);
}

const char *net_object_type_to_string(NetObjectType t);

/**
 * netconf_parse() - parse network.conf (grammar in virtd.conf(5)) and validate it as a whole.
 *
 * Checks names (interface names: 1–15 bytes, no '/', whitespace, control characters, not "." or ".."),
 * CIDR addresses, VLAN ids (vlan_id_validate()), QoS maps, port modes, and references: a port's bridge,
 * a link's namespace and a veth's peer-namespace must be defined in the file ("host" is the host).
 * Returns 0, -EBADMSG with "FILE:LINE:COL: problem" in @err, -ENOMEM.
 */
int netconf_parse(const char *text, size_t size, const char *filename, NetConfig **ret, ConfError *err);

/* Canonical text: sections in file order, keys in a fixed order, one per line. */
int netconf_serialize(const NetConfig *c, char **ret);

/**
 * netconf_order() - an order in which the objects can be created.
 * @ret_order: n_objects indexes into c->objects (caller frees)
 *
 * A namespace comes before the links in it and the veths into it; a link defined in the file before the
 * VLANs on it and the ports made of it; a bridge before its ports. Among independent objects the file
 * order is kept. Deleting runs the same list backwards. Returns -ELOOP (with @err) on a dependency cycle.
 */
int netconf_order(const NetConfig *c, size_t **ret_order, ConfError *err);

/* Interface-name rules (IFNAMSIZ - 1 = 15 bytes, no '/', whitespace, ':', control characters, "." or ".."). */
int netconf_ifname_validate(const char *name, char **ret_reason);
/* "10.0.0.1/24", "fd00::1/64": an address with its prefix length. */
int netconf_cidr_validate(const char *s, char **ret_reason);
