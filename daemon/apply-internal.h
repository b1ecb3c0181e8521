/* apply-internal.h: helpers shared by apply.c, apply-save.c and apply-drift.c. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "conf-lexer.h"

typedef struct Manager Manager;

/* "DIR/NAME"; NULL on OOM. */
char *dir_file(const char *dir, const char *name);
/* ParseError with the parser's "FILE:LINE:COL: problem" for -EBADMSG, else the errno's error naming @what. */
int parse_error(sd_bus_error *error, int r, ConfError *err, const char *what);
/* Adds (@add) or removes "KIND NAME" in a copy of the ownership record, in memory; owned_write() (owned.h)
 * writes it. */
int owned_mark(char ***owned, const char *kind, const char *name, bool add);

/* ---- shared by apply.c and apply-links.c ---- */

#include "bridge.h"
#include "netconf.h"
#include "netns.h"
#include "plan.h"

/* What undoing one done step needs beyond the plan: a port's previous bridge and VLAN table. */
typedef struct StepUndo {
        PortSaved port;
        bool port_saved;
} StepUndo;

bool is_host(const char *ns);
/* Appends a zeroed object (vlan_filtering -1) to @c; NULL on OOM. */
NetObject *live_append(NetConfig *c);
/* The addresses of link @name in @ns (NULL: the host) as "ADDRESS/PREFIX" strings; none when it does not exist. */
int link_addresses(Namespace *ns, const char *name, char ***ret);
/* The managed namespace @name, NULL for the host; NotFound when there is none. */
int ns_lookup(Manager *m, const char *name, Namespace **ret, sd_bus_error *error);
int do_address(Manager *m, const char *link, const char *ns_name, const char *cidr, bool add, sd_bus_error *error);
int do_link_delete(Manager *m, const char *name, const char *ns_name, sd_bus_error *error);
int do_link_up(Manager *m, const char *name, const char *ns_name, sd_bus_error *error);

/* Adds the live bridges, VLANs and bridge ports that @want names or @owned records to @c. */
int live_links_read(Manager *m, const NetConfig *want, char * const *owned, NetConfig *c);
/* Runs a bridge, VLAN or port step, filling @u with what its undo needs. */
int links_step_do(Manager *m, const PlanStep *s, StepUndo *u, sd_bus_error *error);
/* Undoes a done bridge, VLAN or port step (best effort; logs what it cannot undo). */
void links_step_undo(Manager *m, const PlanStep *s, StepUndo *u);
/* config_validate_fn for cgconfig.conf and network.conf. */
int config_validate_cgconfig(const char *text, size_t size, const char *filename, char **ret_error);
int config_validate_netconf(const char *text, size_t size, const char *filename, char **ret_error);
