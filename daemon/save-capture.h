/* save-capture.h: what Save adds beyond refreshing the files: new groups whole, owned links the files lack. */
#pragma once

#include "cgconfig.h"
#include "netconf.h"

typedef struct Manager Manager;
typedef struct Namespace Namespace;

/* Groups of @cg that @file_groups (the names the files had) lacks, and groups runtime-only calls changed,
 * get their parameters and owners as cgsnapshot reads them. */
int save_capture_groups(Manager *m, CgConfig *cg, char * const *file_groups);

/* Veth sections without a peer are completed from the kernel (peer, namespaces, addresses); owned veths,
 * VLANs and bridges (@owned, "KIND NAME") that @net lacks are added as the kernel has them. */
int save_capture_links(Manager *m, NetConfig *net, char * const *owned);

/* Link @name in @ns (a veth end, a VLAN or a bridge) as a network.conf section, read from the kernel. */
int save_capture_link(Manager *m, Namespace *ns, const char *name, NetObject *ret);
/* Makes a link from such a section again, with its addresses (bridge ports and masters are not restored). */
int save_link_recreate(Manager *m, const NetObject *o);
