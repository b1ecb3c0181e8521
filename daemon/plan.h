/* plan.h: the desired state (cgconfig.conf + network.conf) against the live one: plan steps. Pure logic. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cgconfig.h"
#include "netconf.h"

typedef enum PlanAction {
        PLAN_CREATE,
        PLAN_CHANGE,
        PLAN_DELETE,
        _PLAN_ACTION_MAX,
} PlanAction;

typedef enum PlanKind {
        PLAN_NAMESPACE,
        PLAN_VETH,
        PLAN_ADDRESS,
        PLAN_GROUP,
        PLAN_PARAMETER,
        PLAN_BRIDGE,
        PLAN_PORT,
        PLAN_VLAN,
        _PLAN_KIND_MAX,
} PlanKind;

/* One step. Borrowed pointers point into the desired or live configuration the plan was made from. */
typedef struct PlanStep {
        PlanAction action;
        PlanKind kind;
        char *name;      /* namespace, link or group name (groups as cgconfig.conf names them) */
        char *namespace; /* links and addresses: the namespace, NULL for the host */
        char *param;     /* parameters: the parameter; addresses: the CIDR; ports: the bridge */
        char *old_value; /* human-readable, "" when none */
        char *new_value;
        const NetObject *net;  /* create and change: the desired object; delete: the live one */
        const NetObject *live; /* change and delete: the live object, which undo restores */
        bool recreate;         /* change of a VLAN's parent, id or protocol: the kernel cannot, so delete and create */
        const CgGroup *group;  /* same for groups */
        char *top;       /* the top-level object this step belongs to ("group web"), for boot-time apply */
} PlanStep;

typedef struct Plan {
        PlanStep *steps;
        size_t n_steps;
} Plan;

Plan *plan_free(Plan *p);
static inline void plan_freep(Plan **p) {
        plan_free(*p);
}

const char *plan_action_to_string(PlanAction a);
const char *plan_kind_to_string(PlanKind k);

/**
 * config_plan() - the steps that make @live_* equal to @want_* for the objects virtd owns.
 * @want_cg: groups from cgconfig.conf (names relative to the hierarchy root)
 * @want_net: network.conf
 * @live_cg: the live groups, each with the values of the parameters @want_cg names
 * @live_net: the live namespaces, links (with their addresses and settings) and bridge ports
 * @owned: "KIND NAME" records of objects virtd may delete ("namespace zz", "veth veth0", "group a/b",
 *         "port BRIDGE LINK")
 * @ret: the plan
 *
 * Creates and changes of network objects come in dependency order (namespace before the veth into it, a
 * bridge and the link before the port made of them, a parent link before its VLAN), then groups (parent before
 * child) and their parameter changes, then deletes in the reverse order (groups children first, ports, VLANs,
 * other links, namespaces). Bridges, VLANs and ports are compared by the settings the file gives; a port's VLAN
 * table by its entries (VLAN, PVID, untagged).
 * Objects that are live but neither wanted nor owned are left alone.
 */
int config_plan(const CgConfig *want_cg, const NetConfig *want_net, const CgConfig *live_cg, const NetConfig *live_net,
                char * const *owned, Plan **ret);

/* "KIND NAME" as the ownership record and Plan's top-level key write it; NULL on OOM. */
char *config_owned_key(const char *kind, const char *name);
/* The same for a port: "port BRIDGE LINK". */
char *config_port_key(const char *bridge, const char *name);

/**
 * config_refresh() - what Save writes: @c (the saved file) updated to the live state.
 *
 * Parameter values the file names take their live values, groups that are gone are dropped, live groups
 * the file lacks are added with their controllers; the same for namespaces and veths of @net. Bridges, VLANs
 * and ports the file names take their live settings where they differ (settings the file leaves out stay
 * out), and live ones it lacks (those @live_net holds: owned by virtd) are added. Either argument may be NULL.
 */
int config_refresh(CgConfig *c, const CgConfig *live_cg, NetConfig *net, const NetConfig *live_net);
