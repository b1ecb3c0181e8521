/* atomic-file.c: crash-safe replacement of configuration files, keeping the previous version as FILE~. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic-file.h"
#include "fileio.h"
#include "macro.h"

static int write_all(int fd, const void *p, size_t size) {
        const char *c = p;

        while (size > 0) {
                ssize_t k = write(fd, c, size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                c += k;
                size -= (size_t) k;
        }
        return 0;
}

/* A hidden name next to the target: "dir/.#name.TAGrandom". */
static char *temp_name(const char *dir, const char *base, const char *tag) {
        char *s = NULL;
        if (asprintf(&s, "%s/.#%s.%s%08lx%04x", dir, base, tag, (unsigned long) random(), (unsigned) getpid() & 0xffff) < 0)
                return NULL;
        return s;
}

/* Opens an anonymous file in @dir, or a named one (*ret_name set) where O_TMPFILE is not supported. */
static int open_temp(const char *dir, const char *base, char **ret_name) {
        _cleanup_free_ char *name = NULL;
        int fd;

        fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
        if (fd >= 0) {
                *ret_name = NULL;
                return fd;
        }
        /* Older kernels and some file systems (e.g. NFS, overlayfs lower layers) lack O_TMPFILE. */
        if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
                return -errno;
        if (asprintf(&name, "%s/.#%s.XXXXXX", dir, base) < 0)
                return -ENOMEM;
        fd = mkostemp(name, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret_name = TAKE_PTR(name);
        return fd;
}

/* Gives the anonymous file @fd the name *ret_name in @dir. */
static int link_temp(int fd, const char *dir, const char *base, char **ret_name) {
        char proc[64];

        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        for (int attempt = 0; attempt < 16; attempt++) {
                _cleanup_free_ char *name = temp_name(dir, base, "new");
                if (!name)
                        return -ENOMEM;
                if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) >= 0) {
                        *ret_name = TAKE_PTR(name);
                        return 0;
                }
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

/* Makes @path~ a hard link to the current @path; no-op if @path does not exist. The backup is briefly
 * absent between the unlink and the link, @path never is; this way a crash leaves no stray temporary name. */
static int keep_backup(const char *path) {
        _cleanup_free_ char *backup = NULL;

        if (asprintf(&backup, "%s~", path) < 0)
                return -ENOMEM;
        if (unlink(backup) < 0 && errno != ENOENT)
                return -errno;
        if (link(path, backup) < 0)
                return errno == ENOENT ? 0 : -errno;
        return 0;
}

/* Whether @name is a temporary file of ours for @base: ".#BASE.new…" (named) or ".#BASE.XXXXXX" (mkostemp). */
static bool is_temp_of(const char *name, const char *base) {
        size_t l = strlen(base);

        return strncmp(name, ".#", 2) == 0 && strncmp(name + 2, base, l) == 0 && name[2 + l] == '.' && name[3 + l];
}

int atomic_file_remove_stale(const char *dir, const char *const *bases) {
        DIR *d = opendir(dir);
        int n = 0;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        for (struct dirent *de; (de = readdir(d));)
                for (const char *const *b = bases; *b; b++) {
                        struct stat st;
                        if (!is_temp_of(de->d_name, *b) || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                            !S_ISREG(st.st_mode))
                                continue;
                        if (unlinkat(dirfd(d), de->d_name, 0) == 0)
                                n++;
                        break;
                }
        closedir(d);
        return n;
}

int atomic_write_file(const char *path, const void *contents, size_t size, mode_t mode) {
        _cleanup_free_ char *dir_copy = NULL, *base_copy = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF, dfd = -EBADF;
        const char *dir, *base;
        int r;

        assert(path);
        assert(contents || size == 0);
        if (!(dir_copy = strdup(path)) || !(base_copy = strdup(path)))
                return -ENOMEM;
        dir = dirname(dir_copy);
        base = basename(base_copy);

        fd = open_temp(dir, base, &tmp);
        if (fd < 0)
                return fd;
        r = write_all(fd, contents, size);
        if (r >= 0 && fchmod(fd, mode & 07777) < 0)
                r = -errno;
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0)
                r = keep_backup(path);
        /* Name the anonymous file as late as possible: a kill between here and the rename is the only way
         * to leave a stray ".#FILE.new…" behind. */
        if (r >= 0 && !tmp)
                r = link_temp(fd, dir, base, &tmp);
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                if (tmp)
                        (void) unlink(tmp);
                return r;
        }
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) < 0)
                return -errno;
        return 0;
}

int config_file_replace(const char *path, const char *contents, size_t size, mode_t mode, config_validate_fn validate,
                        bool force, char **ret_error) {
        _cleanup_free_ char *current = NULL;
        size_t current_size = 0;
        int r;

        assert(path);
        assert(validate);
        r = read_full_file(path, &current, &current_size);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r >= 0 && !force) {
                r = validate(current, current_size, path, ret_error);
                if (r < 0)
                        return r;
        }
        r = validate(contents, size, path, ret_error);
        if (r < 0)
                return r;
        return atomic_write_file(path, contents, size, mode);
}
