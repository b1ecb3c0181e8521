/* virtd-bus.h: the single source of virtd's bus name, object paths, interface, error and action names. */
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

#define VIRTD_BUS_NAME "org.virtd.Virtd1"
#define VIRTD_OBJECT_ROOT "/org/virtd/Virtd1"
#define VIRTD_OBJECT_GROUP_PREFIX VIRTD_OBJECT_ROOT "/group"
#define VIRTD_OBJECT_NAMESPACE_PREFIX VIRTD_OBJECT_ROOT "/namespace"
#define VIRTD_OBJECT_LINK_PREFIX VIRTD_OBJECT_ROOT "/link"

#define VIRTD_INTERFACE_MANAGER VIRTD_BUS_NAME ".Manager"
#define VIRTD_INTERFACE_GROUP VIRTD_BUS_NAME ".Group"
#define VIRTD_INTERFACE_NAMESPACE VIRTD_BUS_NAME ".Namespace"
#define VIRTD_INTERFACE_LINK VIRTD_BUS_NAME ".Link"
#define VIRTD_INTERFACE_VLAN VIRTD_BUS_NAME ".Vlan"

#define VIRTD_ERROR_PREFIX VIRTD_BUS_NAME ".Error."
#define VIRTD_ERROR_INVALID_ARGUMENT VIRTD_ERROR_PREFIX "InvalidArgument"
#define VIRTD_ERROR_NOT_FOUND VIRTD_ERROR_PREFIX "NotFound"
#define VIRTD_ERROR_EXISTS VIRTD_ERROR_PREFIX "Exists"
#define VIRTD_ERROR_NOT_SUPPORTED VIRTD_ERROR_PREFIX "NotSupported"
#define VIRTD_ERROR_BUSY VIRTD_ERROR_PREFIX "Busy"
#define VIRTD_ERROR_NOT_EMPTY VIRTD_ERROR_PREFIX "NotEmpty"
#define VIRTD_ERROR_NO_SPACE VIRTD_ERROR_PREFIX "NoSpace"
#define VIRTD_ERROR_PARSE VIRTD_ERROR_PREFIX "ParseError"
#define VIRTD_ERROR_PERMISSION_DENIED VIRTD_ERROR_PREFIX "PermissionDenied"
#define VIRTD_ERROR_KERNEL VIRTD_ERROR_PREFIX "KernelError"

/* polkit action ids; the shipped org.virtd.Virtd1.policy declares each of them. */
#define VIRTD_ACTION_RELOAD "org.virtd.Virtd1.reload"
#define VIRTD_ACTION_MANAGE_GROUPS "org.virtd.Virtd1.manage-groups"
#define VIRTD_ACTION_MANAGE_NAMESPACES "org.virtd.Virtd1.manage-namespaces"
#define VIRTD_ACTION_MANAGE_LINKS "org.virtd.Virtd1.manage-links"
#define VIRTD_ACTION_MANAGE_CONFIG "org.virtd.Virtd1.manage-config"

/* Flags argument ("t flags") taken by mutating methods. */
enum {
        VIRTD_FLAG_INTERACTIVE = 1ULL << 0, /* allow polkit to ask the caller for a password */
        VIRTD_FLAG_RUNTIME = 1ULL << 1,     /* change the live state only, do not save it */
};
#define VIRTD_FLAGS_KNOWN ((uint64_t) (VIRTD_FLAG_INTERACTIVE | VIRTD_FLAG_RUNTIME))

/* Maps the names above to errno values, so errors round-trip between daemon and client. */
extern const sd_bus_error_map virtd_error_map[];

/* Registers virtd_error_map with sd-bus; call once per process before using the bus. */
int virtd_bus_error_map_register(void);

/* Sets error to virtd's name for errno value error (from virtd_error_map; sd-bus's generic names otherwise)
 * with a formatted message, and returns -error. sd_bus_error_set_errnof() would pick sd-bus's own
 * org.freedesktop.DBus.Error.* names for common errno values. */
int virtd_bus_error_setf(sd_bus_error *e, int error, const char *format, ...) __attribute__((format(printf, 3, 4)));

/**
 * virtd_bus_message_read_strv() - sd_bus_message_read_strv() in linear time.
 * @m: the message, positioned at an "as"
 * @ret: the strings, NULL-terminated (caller frees)
 *
 * libsystemd 252 grows the list one element at a time, which is quadratic: 100,000 strings from one hostile
 * caller kept the daemon busy for seconds (minutes under valgrind). Returns 0 like the original on success,
 * and a negative errno on failure.
 */
int virtd_bus_message_read_strv(sd_bus_message *m, char ***ret);

/* Like virtd_bus_message_read_strv(), for an "a(ss)": the pairs flattened into name, value, name, value, ... */
int virtd_bus_message_read_pairs(sd_bus_message *m, char ***ret);

/* Appends pids as an "au". */
int virtd_bus_append_pids(sd_bus_message *reply, const pid_t *pids, size_t n);

/* Refuses flags outside VIRTD_FLAGS_KNOWN with InvalidArgument "Unknown flags 0x… (known: 0x3)."; the wording
 * the group and rules methods have always used. */
int virtd_bus_check_known_flags(uint64_t flags, sd_bus_error *error);

/* One key of an a{sv} settings argument and the signature its variant must hold. */
typedef struct VirtdBusSetting {
        const char *key;
        const char *signature;
} VirtdBusSetting;

/* Reads the value of one known setting; the message is positioned inside its variant. */
typedef int (*virtd_bus_setting_handler_t)(sd_bus_message *m, const char *key, void *userdata, sd_bus_error *error);

/**
 * virtd_bus_read_settings() - decode an a{sv} of named settings, one handler call per entry.
 * @m: the message, positioned at the a{sv}
 * @what: the object the settings are for, starting each error message ("VLAN eth0.10 in host")
 * @known: the settings accepted, in the order the error message lists them, ended by an entry with key NULL
 * @handler: called for each entry once its variant is entered; it leaves the variant to this function
 * @userdata: passed to @handler
 * @error: set to InvalidArgument naming @what and the key for an unknown key or a variant of the wrong type
 *
 * Pure decoding: it touches nothing but the message, so that it can be fuzzed.
 *
 * Return: 0 when every entry was read, a negative errno otherwise (the first one @handler returned).
 */
int virtd_bus_read_settings(sd_bus_message *m, const char *what, const VirtdBusSetting *known,
                            virtd_bus_setting_handler_t handler, void *userdata, sd_bus_error *error);
