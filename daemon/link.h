/* link.h: links inside managed namespaces: object paths, lookups, and configuration changes with undo. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netlink.h"
#include "netns.h"

/* "/org/virtd/Virtd1/link/<escaped namespace>/<ifindex>"; NULL on OOM. */
char *link_object_path(const char *ns_name, int ifindex);
/* The inverse; -EINVAL for a path of another shape. */
int link_object_path_parse(const char *path, char **ret_ns, int *ret_ifindex);

/* The net namespace fd of ns, or -1 for the host (ns NULL), as netlink.h takes it. */
int link_netns_fd(Namespace *ns);

/* What one ConfigureLink() call may change; unset fields (NULL, 0, -1, false) stay as they are. */
typedef struct LinkSettings {
        const char *name;
        bool move;
        Namespace *target;       /* with move: NULL means the host */
        int up;
        uint32_t mtu;
        bool has_mac;
        uint8_t mac[6];
        IpPrefix *add;
        size_t n_add;
        IpPrefix *remove;
        size_t n_remove;
} LinkSettings;

/**
 * link_configure() - apply settings to a link, all or nothing.
 * @ns: the namespace the link is in (NULL: the host)
 * @ifindex: the link
 * @s: the settings
 * @reason: on failure, what failed, naming the link and the value ("MTU 70000 of link veth0 in zz1: …")
 * @reason_size: size of @reason
 * @ret_ifindex: the link's ifindex afterwards (a move may change it)
 *
 * Moves first (a move drops addresses), then renames/MTU/MAC/up-down in one request, then removes and adds
 * addresses. When a step fails, the steps before it are undone in reverse order before returning.
 */
int link_configure(Namespace *ns, int ifindex, const LinkSettings *s, char *reason, size_t reason_size,
                   int *ret_ifindex);
