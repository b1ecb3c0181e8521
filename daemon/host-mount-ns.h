/* host-mount-ns.h: work in the host's mount namespace from a daemon that was given one of its own. */
#pragma once

#include <stdbool.h>

/*
 * virtd's unit gives it a mount namespace of its own (PrivateMounts=, ProtectKernelLogs=, ...), a slave of the
 * host's: nothing virtd mounts there reaches the host. The bind mounts that keep named namespaces alive must be
 * seen by `ip netns` and every other process, so the work on the namespace directories is done in the host's
 * mount namespace (PID 1's), entered for the length of one operation. When virtd already runs in the host's
 * namespace (no such unit, the tests on the host) nothing is switched.
 */
typedef struct HostMountNs {
        int host_fd;       /* the host's mount namespace; -EBADF when it is virtd's own */
        int own_fd;        /* virtd's own, to return to */
        unsigned depth;    /* nested enters: only the outermost switches */
        int cwd_fd;        /* the working directory at the outermost enter, restored on leave */
} HostMountNs;

#define HOST_MOUNT_NS_NULL { .host_fd = -EBADF, .own_fd = -EBADF, .cwd_fd = -EBADF }

/**
 * host_mount_ns_open() - find out whether virtd runs in a mount namespace other than the host's.
 * @h: filled; host_mount_ns_close() releases it
 * @host_path: the host's mount namespace file, /proc/1/ns/mnt unless a test names another
 *
 * When the namespaces differ, one enter and leave is tried at once, so that a unit lacking what setns() needs
 * (CAP_SYS_ADMIN and CAP_SYS_CHROOT) fails at start with the reason, not at the first namespace.
 * Returns 0, or a negative errno.
 */
int host_mount_ns_open(HostMountNs *h, const char *host_path);
void host_mount_ns_close(HostMountNs *h);

/* Whether virtd runs in a mount namespace of its own. */
bool host_mount_ns_is_separate(const HostMountNs *h);

/**
 * host_mount_ns_enter() - enter the host's mount namespace, if virtd is not in it; nests.
 * @h: from host_mount_ns_open()
 * @ret_scope: set to @h on success, for a `_cleanup_(host_mount_ns_leavep)` variable that leaves again
 *
 * virtd is single-threaded, which setns(CLONE_NEWNS) requires. Returns 0, or a negative errno (then nothing
 * was entered and *ret_scope stays NULL).
 */
int host_mount_ns_enter(HostMountNs *h, HostMountNs **ret_scope);

/* Returns to virtd's own mount namespace after the outermost enter. Aborts if it cannot: serving on from the
 * host's namespace would silently drop the unit's protections. */
void host_mount_ns_leave(HostMountNs *h);

static inline void host_mount_ns_leavep(HostMountNs **h) {
        if (*h)
                host_mount_ns_leave(*h);
}
