/* virtd-bus.c: the D-Bus error name <-> errno map and the message readers shared by daemon and client. */
#include <errno.h>
#include <inttypes.h>
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

/* Appends a copy of value to l (n strings, room for allocated pointers), doubling the room when it runs out. */
static int strv_push_grow(char ***l, size_t *n, size_t *allocated, const char *value) {
        if (*n + 2 > *allocated) {
                size_t want = *allocated * 2 + 2;
                char **grown = reallocarray(*l, want, sizeof(char *));
                if (!grown)
                        return -ENOMEM;
                *l = grown;
                *allocated = want;
        }
        (*l)[*n] = strdup(value);
        if (!(*l)[*n])
                return -ENOMEM;
        (*l)[++*n] = NULL;
        return 0;
}

/* Reads the array of strings ("as") or of string pairs ("a(ss)") at m, flattened into one list. */
static int read_flat_strv(sd_bus_message *m, bool pairs, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        size_t n = 0, allocated = 1;
        const char *s[2];
        int r;

        assert(m);
        assert(ret);
        if (!l)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', pairs ? "(ss)" : "s");
        if (r <= 0)
                return r;
        while ((r = pairs ? sd_bus_message_read(m, "(ss)", &s[0], &s[1]) : sd_bus_message_read_basic(m, 's', &s[0])) > 0)
                for (size_t i = 0; i < (pairs ? 2 : 1); i++)
                        if (strv_push_grow(&l, &n, &allocated, s[i]) < 0)
                                return -ENOMEM;
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

int virtd_bus_message_read_strv(sd_bus_message *m, char ***ret) {
        return read_flat_strv(m, /* pairs= */ false, ret);
}

int virtd_bus_message_read_pairs(sd_bus_message *m, char ***ret) {
        return read_flat_strv(m, /* pairs= */ true, ret);
}

int virtd_bus_check_known_flags(uint64_t flags, sd_bus_error *error) {
        if (flags & ~VIRTD_FLAGS_KNOWN)
                return virtd_bus_error_setf(error, EINVAL, "Unknown flags 0x%" PRIx64 " (known: 0x%" PRIx64 ").",
                                            flags & ~VIRTD_FLAGS_KNOWN, (uint64_t) VIRTD_FLAGS_KNOWN);
        return 0;
}

/* "name, up, mtu": the keys for an error message; NULL when memory runs out. */
static char *settings_list(const VirtdBusSetting *known) {
        size_t len = 1;
        char *list;

        for (const VirtdBusSetting *s = known; s->key; s++)
                len += strlen(s->key) + 2;
        list = malloc(len);
        if (!list)
                return NULL;
        list[0] = '\0';
        for (const VirtdBusSetting *s = known; s->key; s++) {
                if (s != known)
                        strcat(list, ", ");
                strcat(list, s->key);
        }
        return list;
}

/* Enters the variant of setting key, after checking that key is known and the variant has its type. */
static int setting_enter(sd_bus_message *m, const char *what, const VirtdBusSetting *known, const char *key,
                         sd_bus_error *error) {
        _cleanup_free_ char *list = NULL;
        const VirtdBusSetting *s;
        int r;

        for (s = known; s->key; s++)
                if (streq(key, s->key))
                        break;
        if (!s->key) {
                list = settings_list(known);
                if (!list)
                        return -ENOMEM;
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "%s: unknown setting '%s' (known: %s).",
                                         what, key, list);
        }
        r = sd_bus_message_enter_container(m, 'v', s->signature);
        if (r == -ENXIO)
                return sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT, "%s: setting '%s' must have type '%s'.", what,
                                         key, s->signature);
        return r;
}

static int setting_read(sd_bus_message *m, const char *what, const VirtdBusSetting *known,
                        virtd_bus_setting_handler_t handler, void *userdata, sd_bus_error *error) {
        const char *key;
        int r;

        r = sd_bus_message_read(m, "s", &key);
        if (r >= 0)
                r = setting_enter(m, what, known, key, error);
        if (r >= 0)
                r = handler(m, key, userdata, error);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        return r;
}

int virtd_bus_read_settings(sd_bus_message *m, const char *what, const VirtdBusSetting *known,
                            virtd_bus_setting_handler_t handler, void *userdata, sd_bus_error *error) {
        int r;

        assert(m);
        assert(what);
        assert(known);
        assert(handler);
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = setting_read(m, what, known, handler, userdata, error);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        return r < 0 ? r : 0;
}

int virtd_bus_append_pids(sd_bus_message *reply, const pid_t *pids, size_t n) {
        int r;

        assert(reply);
        r = sd_bus_message_open_container(reply, 'a', "u");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "u", (uint32_t) pids[i]);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}
