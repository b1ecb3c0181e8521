/* vlan.h: the rules of 802.1Q: VLAN ids, protocols, flags, priority maps, and switch-port modes. Pure logic. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VLAN_ID_MIN 1
#define VLAN_ID_MAX 4094
#define VLAN_PROTO_8021Q 0x8100
#define VLAN_PROTO_8021AD 0x88a8

/* The kernel's VLAN_FLAG_* values (linux/if_vlan.h). */
enum {
        VLAN_FLAG_REORDER_HDR_BIT = 0x1,
        VLAN_FLAG_GVRP_BIT = 0x2,
        VLAN_FLAG_LOOSE_BINDING_BIT = 0x4,
        VLAN_FLAG_MVRP_BIT = 0x8,
        VLAN_FLAG_BRIDGE_BINDING_BIT = 0x10,
};

/**
 * vlan_id_validate() - the one place that decides whether a VLAN id may be used.
 * @id: the id as given (wide, so that 70000 is refused rather than truncated)
 * @ret_reason: on failure, a sentence saying what is wrong and why (caller frees)
 *
 * Returns 0 for 1–4094, -EINVAL otherwise (0 and 4095 are reserved by 802.1Q).
 */
int vlan_id_validate(unsigned long long id, char **ret_reason);
int vlan_id_parse(const char *s, uint16_t *ret, char **ret_reason);

int vlan_protocol_parse(const char *s, uint16_t *ret);
const char *vlan_protocol_to_string(uint16_t protocol);

/* "reorder_hdr,gvrp" ↔ bits; unknown names are refused with a reason. */
int vlan_flags_parse(const char *s, uint32_t *ret, char **ret_reason);
char *vlan_flags_to_string(uint32_t flags);

typedef struct VlanQosMapping {
        uint32_t from;
        uint32_t to;
} VlanQosMapping;

/* Ingress maps PCP (0–7) → skb priority; egress maps skb priority → PCP (0–7). Text "FROM:TO[,FROM:TO…]". */
int vlan_qos_map_parse(const char *s, bool egress, VlanQosMapping **ret, size_t *ret_n, char **ret_reason);
char *vlan_qos_map_to_string(const VlanQosMapping *map, size_t n);

/* A set of VLAN ids, e.g. a trunk's allowed list. */
typedef struct VlanSet {
        uint64_t bits[(VLAN_ID_MAX + 64) / 64];
} VlanSet;

static inline void vlan_set_add(VlanSet *s, uint16_t id) {
        s->bits[id / 64] |= UINT64_C(1) << (id % 64);
}
static inline bool vlan_set_contains(const VlanSet *s, uint16_t id) {
        return s->bits[id / 64] & (UINT64_C(1) << (id % 64));
}
size_t vlan_set_count(const VlanSet *s);
/* "10,20,30-40" ↔ set; every id passes vlan_id_validate(). */
int vlan_set_parse(const char *s, VlanSet *ret, char **ret_reason);
char *vlan_set_to_string(const VlanSet *s);

typedef enum PortMode {
        PORT_MODE_ACCESS,
        PORT_MODE_TRUNK,
        _PORT_MODE_MAX,
        _PORT_MODE_INVALID = -1,
} PortMode;

const char *port_mode_to_string(PortMode m);
PortMode port_mode_from_string(const char *s);

/* A bridge port as a switch administrator describes it. */
typedef struct PortConfig {
        PortMode mode;
        uint16_t access_vlan; /* access: the one VLAN */
        uint16_t native_vlan; /* trunk: carried untagged and used as PVID; 0 = none */
        VlanSet allowed;      /* trunk: carried tagged */
} PortConfig;

/* One row of the kernel's bridge VLAN table for a port (what `bridge vlan show` prints). */
typedef struct BridgeVlanEntry {
        uint16_t vid;
        bool pvid;
        bool untagged;
} BridgeVlanEntry;

/**
 * port_config_to_entries() - translate a switch-style port into the kernel's per-port VLAN table.
 *
 * access N: {N, PVID, untagged} and nothing else. trunk: every allowed id tagged, plus the native VLAN as
 * PVID untagged. VLAN 1 appears only when the configuration names it, so applying the table removes the
 * bridge's default VLAN 1 from ports whose mode does not want it.
 */
int port_config_to_entries(const PortConfig *c, BridgeVlanEntry **ret, size_t *ret_n, char **ret_reason);
/* The reverse, for showing what the kernel holds: one untagged PVID entry alone is an access port. */
int port_config_from_entries(const BridgeVlanEntry *entries, size_t n, PortConfig *ret);

/* The checks of vlan_qos_map_parse() for a map that arrives as numbers (e.g. a D-Bus a(uu)). */
int vlan_qos_map_validate(const VlanQosMapping *map, size_t n, bool egress, char **ret_reason);

/* "PARENT.ID", or -ENAMETOOLONG when that does not fit a link name (15 characters). */
int vlan_default_name(const char *parent, uint16_t id, char **ret);

/**
 * bridge_vlan_diff() - what turns a port's VLAN table from cur into want.
 * @cur: the kernel's entries
 * @want: the wanted entries
 * @ret_add: entries of want that cur lacks or holds with other flags (to add or update)
 * @ret_del: entries of cur whose VLAN want does not have (to remove; VLAN 1 among them where unwanted)
 *
 * Returns 0 or -ENOMEM; the caller frees both arrays.
 */
int bridge_vlan_diff(const BridgeVlanEntry *cur, size_t n_cur, const BridgeVlanEntry *want, size_t n_want,
                     BridgeVlanEntry **ret_add, size_t *ret_n_add, BridgeVlanEntry **ret_del, size_t *ret_n_del);
