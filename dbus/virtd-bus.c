/* virtd-bus.c: the D-Bus error name <-> errno map, shared by daemon and client. */
#include <errno.h>

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
        SD_BUS_ERROR_MAP(VIRTD_ERROR_KERNEL, EIO),
        SD_BUS_ERROR_MAP_END
};

int virtd_bus_error_map_register(void) {
        return sd_bus_error_add_map(virtd_error_map);
}
