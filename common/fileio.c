/* fileio.c: small file helpers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"

#define READ_FULL_MAX (64u * 1024u * 1024u)

int read_full_file(const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;

        assert(path);
        assert(ret);

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;

        for (;;) {
                if (allocated - size < 4096) {
                        size_t n = allocated ? allocated * 2 : 8192;
                        char *p;

                        if (n > READ_FULL_MAX)
                                return -E2BIG;
                        p = realloc(buf, n + 1);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        allocated = n;
                }
                ssize_t k = read(fd, buf + size, allocated - size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
        }

        if (!buf && !(buf = malloc(1)))
                return -ENOMEM;
        buf[size] = 0;
        if (ret_size)
                *ret_size = size;
        *ret = TAKE_PTR(buf);
        return 0;
}

int read_one_line_file(const char *path, char **ret) {
        char *buf = NULL;
        int r;

        assert(ret);
        r = read_full_file(path, &buf, NULL);
        if (r < 0)
                return r;
        buf[strcspn(buf, "\n")] = 0;
        *ret = buf;
        return 0;
}

char *path_join(const char *root, const char *path) {
        char *p;

        assert(path);
        if (asprintf(&p, "%s%s", strempty(root), path) < 0)
                return NULL;
        return p;
}

int read_full_file_at_root(const char *root, const char *path, char **ret) {
        _cleanup_free_ char *p = path_join(root, path);

        if (!p)
                return -ENOMEM;
        return read_full_file(p, ret, NULL);
}

char *strdup_or_empty(const char *s) {
        return strdup(strempty(s));
}
