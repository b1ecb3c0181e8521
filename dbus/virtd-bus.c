/* virtd-bus.c: the D-Bus error name <-> errno map, shared by daemon and client. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "virtd-bus.h"

const sd_bus_error_map virtd_error_map[] = {
        SD_BUS_ERROR_MAP(VIRTD_ERROR_INVALID_ARGUMENT, EINVAL),
        SD_BUS_ERROR_MAP(VIRTD_ERROR_NOT_FOUND, ENOENT),
        SD_BUS_ERROR_MAP(VIRTD_ERROR_NOT_FOUND, ESRCH),
        SD_BUS_ERROR_MAP(VIRTD_ERROR_NOT_FOUND, ENODEV),
        SD_BUS_ERROR_MAP(VIRTD_ERROR_EXISTS, EEXIST),
        SD_BUS_ERROR_MAP(VIRTD_ERROR_NOT_SUPPORTED, EOPNOTSUPP),
        SD_BUS_ERROR_MAP(VIRTD_ERROR_BUSY, EBUSY),
        SD_BUS_ERROR_MAP(VIRTD_ERROR_NOT_EMPTY, ENOTEMPTY),
        SD_BUS_ERROR_MAP(VIRTD_ERROR_NO_SPACE, ENOSPC),
        SD_BUS_ERROR_MAP(VIRTD_ERROR_PARSE, EBADMSG),
        SD_BUS_ERROR_MAP(VIRTD_ERROR_PERMISSION_DENIED, EPERM),
        SD_BUS_ERROR_MAP(VIRTD_ERROR_PERMISSION_DENIED, EACCES),
        SD_BUS_ERROR_MAP(VIRTD_ERROR_PERMISSION_DENIED, EROFS),
        SD_BUS_ERROR_MAP(VIRTD_ERROR_KERNEL, EIO),
        SD_BUS_ERROR_MAP_END
};

int virtd_bus_error_map_register(void) {
        return sd_bus_error_add_map(virtd_error_map);
}

int virtd_bus_error_setf(sd_bus_error *e, int error, const char *format, ...) {
        _cleanup_free_ char *message = NULL;
        va_list ap;
        int r;

        error = abs(error);
        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        for (const sd_bus_error_map *m = virtd_error_map; m->name; m++)
                if (m->code == error) {
                        r = sd_bus_error_set(e, m->name, message);
                        return r < 0 ? r : -error;
                }
        r = sd_bus_error_set_errnof(e, error, "%s", message);
        return r < 0 ? r : -error;
}

int virtd_bus_message_read_strv(sd_bus_message *m, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        size_t n = 0, allocated = 1;
        const char *s;
        int r;

        assert(m);
        assert(ret);
        if (!l)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', "s");
        if (r <= 0)
                return r;
        while ((r = sd_bus_message_read_basic(m, 's', &s)) > 0) {
                if (n + 2 > allocated) {
                        char **grown = reallocarray(l, allocated * 2 + 1, sizeof(char *));
                        if (!grown)
                                return -ENOMEM;
                        l = grown;
                        allocated = allocated * 2 + 1;
                }
                l[n] = strdup(s);
                if (!l[n])
                        return -ENOMEM;
                l[++n] = NULL;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}
