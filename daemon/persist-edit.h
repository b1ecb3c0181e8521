/* persist-edit.h: one object changed inside a parsed cgconfig.conf or network.conf. Pure logic. */
#pragma once

#include <stdbool.h>

#include "cgconfig.h"
#include "netconf.h"

/**
 * cgconfig_edit_group() - make group @name carry @controllers and @params (name, value, ... pairs).
 * @perm: NULL keeps the group's perm{}; otherwise it replaces it
 *
 * Adds the group when the file lacks it. A parameter goes into the section of its controller ("cpu" for
 * "cpu.shares"), which is added when missing; a value already there is replaced, other parameters stay.
 */
int cgconfig_edit_group(CgConfig *c, const char *name, char * const *controllers, char * const *params,
                        const CgPerm *perm);

/* Merges @from (same name) into @c section by section, as written; perm{} replaced when @from has one. */
int cgconfig_edit_group_from(CgConfig *c, const CgGroup *from);

/* Removes group @name and, when @recursive, the groups below it. Returns whether one was removed. */
int cgconfig_edit_remove_group(CgConfig *c, const char *name, bool recursive);

/* Appends @o (taken over: *o is zeroed) to @c. */
int netconf_edit_append(NetConfig *c, NetObject *o);

/* Removes namespace @name and every section that lives in it or points into it. Returns how many. */
int netconf_edit_remove_namespace(NetConfig *c, const char *name);

/**
 * netconf_edit_find_link() - the section that defines link @name in namespace @ns (NULL = host).
 * @ret_peer: set when @name is the peer end of a veth section
 */
NetObject *netconf_edit_find_link(NetConfig *c, const char *name, const char *ns, bool *ret_peer);

/* Removes the section defining link @name in @ns, and the VLANs and ports made of it. Returns how many. */
int netconf_edit_remove_link(NetConfig *c, const char *name, const char *ns);

/* Adds or removes (@add) CIDR @address of link @name in @ns; -ENOENT when no section defines the link. */
int netconf_edit_address(NetConfig *c, const char *name, const char *ns, const char *address, bool add);
