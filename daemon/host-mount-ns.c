/* host-mount-ns.c: entering the host's mount namespace for the namespace directories' mounts. */
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include "host-mount-ns.h"
#include "log.h"
#include "macro.h"

static int same_file(int a, int b) {
        struct stat sa, sb;

        if (fstat(a, &sa) < 0 || fstat(b, &sb) < 0)
                return -errno;
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int host_mount_ns_open(HostMountNs *h, const char *host_path) {
        _cleanup_close_ int host = -EBADF, own = -EBADF;
        int r;

        assert(h && host_path);
        *h = (HostMountNs) HOST_MOUNT_NS_NULL;
        own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
        if (own < 0)
                return log_error_errno(errno, "Cannot open virtd's own mount namespace: %m");
        host = open(host_path, O_RDONLY | O_CLOEXEC);
        if (host < 0) {
                /* In a container PID 1 may be out of reach; virtd's own namespace is then taken for the host's. */
                log_warning_errno(errno, "Cannot open the host's mount namespace %s, binding named namespaces in "
                                         "virtd's own: %m", host_path);
                return 0;
        }
        r = same_file(host, own);
        if (r < 0)
                return log_error_errno(r, "Cannot compare the mount namespaces: %m");
        if (r > 0)
                return 0;
        h->host_fd = TAKE_FD(host);
        h->own_fd = TAKE_FD(own);
        HostMountNs *scope = NULL;
        r = host_mount_ns_enter(h, &scope);
        if (r < 0) {
                host_mount_ns_close(h);
                return log_error_errno(r, "virtd runs in a mount namespace of its own and cannot enter the host's "
                                          "(%s), where named namespaces must be bound; it needs CAP_SYS_ADMIN and "
                                          "CAP_SYS_CHROOT: %m", host_path);
        }
        host_mount_ns_leave(scope);
        log_debug("virtd runs in a mount namespace of its own; namespaces are bound in the host's (%s).", host_path);
        return 0;
}

void host_mount_ns_close(HostMountNs *h) {
        assert(h && h->depth == 0);
        if (h->host_fd >= 0)
                close(h->host_fd);
        if (h->own_fd >= 0)
                close(h->own_fd);
        *h = (HostMountNs) HOST_MOUNT_NS_NULL;
}

bool host_mount_ns_is_separate(const HostMountNs *h) {
        return h->host_fd >= 0;
}

int host_mount_ns_enter(HostMountNs *h, HostMountNs **ret_scope) {
        _cleanup_close_ int cwd = -EBADF;

        assert(h && ret_scope);
        if (h->host_fd < 0)
                return 0;
        if (h->depth++ > 0) {
                *ret_scope = h;
                return 0;
        }
        /* setns() moves the working directory to the namespace's root; relative paths must keep working. */
        cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (setns(h->host_fd, CLONE_NEWNS) < 0) {
                h->depth--;
                return -errno;
        }
        h->cwd_fd = TAKE_FD(cwd);
        *ret_scope = h;
        return 0;
}

void host_mount_ns_leave(HostMountNs *h) {
        assert(h);
        if (h->host_fd < 0)
                return;
        assert(h->depth > 0);
        if (--h->depth > 0)
                return;
        if (setns(h->own_fd, CLONE_NEWNS) < 0) {
                log_error_errno(errno, "Cannot return to virtd's own mount namespace: %m");
                abort();
        }
        if (h->cwd_fd >= 0) {
                (void) fchdir(h->cwd_fd);
                close(TAKE_FD(h->cwd_fd));
        }
}
