/* persist-objects.h: what each persistent method writes: groups into cgconfig.conf, namespaces and links into network.conf. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "cgroup-backend.h"
#include "link.h"
#include "netconf.h"
#include "vlan.h"

typedef struct Manager Manager;

typedef enum PersistChange {
        PERSIST_CREATED,
        PERSIST_CHANGED,
        PERSIST_DELETED,
} PersistChange;

/*
 * The *_write() and *_remove() functions run after the kernel change succeeded: they edit the one object in
 * its file and write it atomically. On failure the caller undoes the kernel change. Call persist_check()
 * before the kernel change, so that a file that does not parse or cannot be written refuses the call early.
 */

/* NotSupported when a cgconfig.d/ drop-in defines group @path (with @subtree, or one below it): a saved change
 * to cgconfig.conf would not take effect there. */
int persist_group_check(Manager *m, const char *path, bool subtree, sd_bus_error *error);

/* Group @path (relative to the managed base) with its live controllers, @params and @perm (NULL: kept). */
int persist_group_write(Manager *m, const char *path, char **params, const CgroupPerm *perm, sd_bus_error *error);
int persist_group_remove(Manager *m, const char *path, bool recursive, sd_bus_error *error);

/* network.conf expresses the kinds net, uts and ipc only: NotSupported for the others, before anything is done. */
int persist_namespace_check(const char *name, unsigned kinds, sd_bus_error *error);
int persist_namespace_write(Manager *m, const char *name, unsigned kinds, const char *hostname, sd_bus_error *error);
int persist_namespace_remove(Manager *m, const char *name, sd_bus_error *error);

typedef struct VethSave {
        const char *name, *ns; /* ns NULL: the host */
        const char *peer, *peer_ns;
        uint32_t mtu;
} VethSave;

int persist_veth_write(Manager *m, const VethSave *v, sd_bus_error *error);
/* Removes the section defining the link (a veth: both ends) and the VLANs and ports made of it. */
int persist_link_remove(Manager *m, const char *ns, const char *name, sd_bus_error *error);
/* Addresses, MTU, rename and move of a link a section defines; other links are left out of the file. */
int persist_link_configure(Manager *m, const char *ns, const char *name, const LinkSettings *s, sd_bus_error *error);

/* A VLAN as the kernel now has it (parent, id, protocol, flags, maps, MTU); with !@created only when a
 * section already names it. */
int persist_vlan_write(Manager *m, Namespace *ns, const char *name, bool created, sd_bus_error *error);
/* The section of VLAN @name in @ns as the kernel has it. */
int persist_vlan_capture(Namespace *ns, const char *name, NetObject *ret);
int persist_bridge_write(Manager *m, Namespace *ns, const char *name, bool vlan_filtering, sd_bus_error *error);

typedef struct PersistPort {
        const char *port, *bridge;
        PortConfig config;
} PersistPort;

/* One "port BRIDGE NAME" section per port, replacing an older one of the same port. */
int persist_ports_write(Manager *m, Namespace *ns, const PersistPort *ports, size_t n, sd_bus_error *error);

/* After the call: the ownership record and the Unsaved flags (@saved: the change went to the file). */
void persist_group_done(Manager *m, const char *path, PersistChange change, bool saved);
void persist_namespace_done(Manager *m, const char *name, PersistChange change, bool saved);
void persist_link_done(Manager *m, const char *ns, const char *name, PersistChange change, bool saved);
