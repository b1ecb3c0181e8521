/* fuzz-bus-args.c: fuzz-built calls of every bus method into virtd's real handlers over a peer-to-peer sd-bus. */
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "group-dbus.h"
#include "group.h"
#include "host-report.h"
#include "link-dbus.h"
#include "log.h"
#include "macro.h"
#include "manager-dbus.h"
#include "manager.h"
#include "namespace-dbus.h"
#include "netns.h"
#include "polkit.h"
#include "rules-dbus.h"
#include "virtd-bus.h"
#include "vlan-dbus.h"

/*
 * Input: byte 0 picks the method, byte 1 the variant (wrong or truncated signature, object path), the rest
 * drives the argument generator. Every call must be answered (a method return or a named error) within a
 * bounded number of dispatch rounds, and a mutating one must never succeed: authorization is refused for every
 * caller in this process (polkit_deny_all_for_fuzzing()), so nothing reaches the kernel. Read methods do read
 * it (links, cgroups, /proc).
 *
 * The table is every method of the shipped introspection XML (dbus/) with its in-signature;
 * check-bus-args-table.py fails the unit suite when the XML has a method the table lacks or the signatures
 * differ. The org.freedesktop.DBus entries reach the property getters and the per-object lookups (group,
 * namespace, link paths) that sd-bus calls before any handler.
 */

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif

#define MUTATING true
#define READ false

typedef struct BusMethod {
        const char *interface;
        const char *member;
        const char *signature;
        bool mutating;
} BusMethod;

/* BEGIN METHOD TABLE (checked against the XML in dbus/ by check-bus-args-table.py) */
static const BusMethod methods[] = {
        { "org.virtd.Virtd1.Manager", "GetHostReport", "", READ },
        { "org.virtd.Virtd1.Manager", "Reload", "", MUTATING },
        { "org.virtd.Virtd1.Manager", "CreateNamespace", "sassa(uuu)a(uuu)t", MUTATING },
        { "org.virtd.Virtd1.Manager", "DeleteNamespace", "sbt", MUTATING },
        { "org.virtd.Virtd1.Manager", "ListNamespaces", "", READ },
        { "org.virtd.Virtd1.Manager", "EnterNamespace", "st", MUTATING },
        { "org.virtd.Virtd1.Manager", "CreateVeth", "ssssssut", MUTATING },
        { "org.virtd.Virtd1.Manager", "ConfigureLink", "ssa{sv}t", MUTATING },
        { "org.virtd.Virtd1.Manager", "DeleteLink", "sst", MUTATING },
        { "org.virtd.Virtd1.Manager", "ListLinks", "s", READ },
        { "org.virtd.Virtd1.Manager", "CreateGroup", "sa(ss)a{su}t", MUTATING },
        { "org.virtd.Virtd1.Manager", "DeleteGroup", "sbbt", MUTATING },
        { "org.virtd.Virtd1.Manager", "SetGroupParameters", "sa(ss)t", MUTATING },
        { "org.virtd.Virtd1.Manager", "GetGroupParameters", "sas", READ },
        { "org.virtd.Virtd1.Manager", "ListGroups", "", READ },
        { "org.virtd.Virtd1.Manager", "ListControllers", "", READ },
        { "org.virtd.Virtd1.Manager", "MoveProcesses", "saubt", MUTATING },
        { "org.virtd.Virtd1.Manager", "MoveCaller", "sbt", MUTATING },
        { "org.virtd.Virtd1.Manager", "SnapshotGroups", "as", READ },
        { "org.virtd.Virtd1.Manager", "GetGroupStatistics", "", READ },
        { "org.virtd.Virtd1.Manager", "CreateVlan", "sssusa{sb}a(uu)a(uu)ut", MUTATING },
        { "org.virtd.Virtd1.Manager", "ChangeVlan", "ssa{sv}t", MUTATING },
        { "org.virtd.Virtd1.Manager", "CreateBridge", "ssbt", MUTATING },
        { "org.virtd.Virtd1.Manager", "SetBridgePorts", "sa(sssusu)t", MUTATING },
        { "org.virtd.Virtd1.Manager", "GetBridgePort", "ss", READ },
        { "org.virtd.Virtd1.Manager", "ListVlans", "s", READ },
        { "org.virtd.Virtd1.Manager", "Import", "a(sss)t", MUTATING },
        { "org.virtd.Virtd1.Manager", "Plan", "", READ },
        { "org.virtd.Virtd1.Manager", "Apply", "t", MUTATING },
        { "org.virtd.Virtd1.Manager", "Save", "t", MUTATING },
        { "org.virtd.Virtd1.Manager", "ListRules", "", READ },
        { "org.virtd.Virtd1.Manager", "AddRule", "ust", MUTATING },
        { "org.virtd.Virtd1.Manager", "RemoveRule", "ut", MUTATING },
        { "org.virtd.Virtd1.Manager", "MoveRule", "uut", MUTATING },
        { "org.virtd.Virtd1.Manager", "ReloadRules", "t", MUTATING },
        { "org.virtd.Virtd1.Manager", "TestRule", "ss", READ },
        { "org.freedesktop.DBus.Properties", "Get", "ss", READ },
        { "org.freedesktop.DBus.Properties", "GetAll", "s", READ },
        { "org.freedesktop.DBus.Properties", "Set", "ssv", MUTATING },
        { "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", "", READ },
        { "org.freedesktop.DBus.Introspectable", "Introspect", "", READ },
        /* Added after the seed corpus was named: new methods go last, so that seeds keep their method. */
        { "org.virtd.Virtd1.Manager", "DeleteVlan", "sst", MUTATING },
};
/* END METHOD TABLE */

/* Names, paths, ids and values the handlers give a meaning to, and the usual suspects of name validation. */
static const char *const strings[] = {
        "", "/", ".", "..", "../..", "/..", "/../x", "a/b", "-", "--help", " ", "\t", "\n", "a\nb", "#", "\"", "'",
        "\\",
        "{", "}", ";", "=", "x=y", "%u", "%p", "%s%s%s", "*", "%", "@root", "root", "nobody", "0", "65534",
        "4294967295", "-1", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x90\xa7",
        "lo", "eth0", "eth0.10", "veth0", "veth1", "br0", "zzns", "aaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaa",
        "net", "mnt", "uts", "ipc", "user", "pid", "cgroup", "time",
        "cpu", "memory", "cpuset", "pids", "freezer", "blkio", "io", "devices", "name=systemd",
        "/web", "/web/a", "cpu,memory:/web", "cpu:/", "*:/x", "cpu.shares", "memory.limit_in_bytes", "memory.max",
        "cpu.max", "cgroup.procs", "tasks", "cpu.shares=512", "cgroup.subtree_control", "+cpu",
        "10.0.0.1/24", "10.0.0.1", "fe80::1/64", "::/0", "0.0.0.0/0", "256.0.0.1/8", "1.2.3.4/33",
        "00:11:22:33:44:55", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01", "00:00:00:00:00:00", "0:1:2:3:4:5",
        "reorder_hdr", "gvrp", "mvrp", "loose_binding", "bridge_binding", "802.1Q", "802.1ad", "8021q", "access",
        "trunk", "none", "native", "1-4094", "10,20", "0:1 2:3", "cgconfig", "cgconfig.conf", "cgrules",
        "cgrules.conf", "network", "network.conf", "/etc/cgconfig.conf", "/etc/passwd",
        "group web { cpu { cpu.shares = 512; } }", "mount { cpu = /sys/fs/cgroup/cpu; }",
        "template web/%u { cpu {} }", "root cpu /web", "@wheel:bash cpu,memory web/", "* * ignore", "% memory /x",
        "namespace zz { }", "link veth0 { type veth; peer veth1; }", "vlan eth0.10 { parent eth0; id 10; }",
        "name", "namespace", "up", "mtu", "mac", "add-addresses", "remove-addresses", "flags", "ingress-qos-map",
        "egress-qos-map", "Version", "Features", "Name", "Ifindex", "Parameters", "Unsaved", "Kinds",
        "org.virtd.Virtd1.Manager", "org.virtd.Virtd1.Group", "org.virtd.Virtd1.Namespace", "org.virtd.Virtd1.Link",
        "org.virtd.Virtd1.Vlan", "org.freedesktop.DBus.Properties",
};

/* Setting keys with the variant type the handlers expect, so that the a{sv} readers get past the type check. */
static const struct {
        const char *key;
        const char *type;
} settings[] = {
        { "name", "s" }, { "namespace", "s" }, { "up", "b" }, { "mtu", "u" }, { "mac", "s" },
        { "add-addresses", "as" }, { "remove-addresses", "as" }, { "flags", "a{sb}" },
        { "ingress-qos-map", "a(uu)" }, { "egress-qos-map", "a(uu)" },
};

#define ANY_TYPE(s) variant_types[take(s) % ELEMENTSOF(variant_types)]

static const char *const variant_types[] = { "s", "b", "u", "t", "i", "y", "q", "n", "x", "d", "o", "g", "as",
                                             "a(uu)", "a{sb}", "a{sv}", "v", "(ss)", "au", "ay" };

static const char *const paths[] = {
        VIRTD_OBJECT_ROOT, VIRTD_OBJECT_GROUP_PREFIX, VIRTD_OBJECT_NAMESPACE_PREFIX, VIRTD_OBJECT_LINK_PREFIX,
        VIRTD_OBJECT_LINK_PREFIX "/_/1", VIRTD_OBJECT_GROUP_PREFIX "/_2e_2e", "/", "/org/virtd",
};

typedef struct Source {
        const uint8_t *p;
        size_t n;
        size_t budget; /* bytes of strings and array elements still allowed in this message */
} Source;

static uint8_t take(Source *s) {
        if (s->n == 0)
                return 0;
        s->n--;
        return *s->p++;
}

static uint64_t take_n(Source *s, unsigned bytes) {
        uint64_t v = 0;

        for (unsigned i = 0; i < bytes; i++)
                v = v << 8 | take(s);
        return v;
}

/* Length of the single complete type at the start of sig (0 when sig is empty or malformed). */
static size_t type_len(const char *sig) {
        size_t depth = 0, i = 0;

        while (sig[i] == 'a')
                i++;
        do {
                switch (sig[i]) {
                case 0:
                        return 0;
                case '(':
                case '{':
                        depth++;
                        break;
                case ')':
                case '}':
                        if (depth == 0)
                                return 0;
                        depth--;
                        break;
                }
                i++;
        } while (depth > 0);
        return i;
}

static char *fuzz_text(Source *s) {
        uint8_t how = take(s);
        size_t len = 0;
        char *t;

        switch (how % 8) {
        case 4:
        case 5:
        case 6:
                /* Raw bytes, made 7-bit and NUL-free: sd-bus refuses invalid UTF-8 before anyone sees it. */
                len = MIN((size_t) take(s), s->budget);
                t = malloc(len + 1);
                if (!t)
                        abort();
                for (size_t i = 0; i < len; i++) {
                        uint8_t c = take(s) & 0x7f;
                        t[i] = c ? (char) c : '/';
                }
                t[len] = 0;
                break;
        case 7:
                /* Huge: 1 KiB to 64 KiB of one character. */
                len = MIN((size_t) 1024 << (take(s) % 7), s->budget);
                t = malloc(len + 1);
                if (!t)
                        abort();
                memset(t, "a/.%:0"[take(s) % 6], len);
                t[len] = 0;
                break;
        default:
                t = strdup(strings[take(s) % ELEMENTSOF(strings)]);
                if (!t)
                        abort();
                len = strlen(t);
        }
        s->budget -= MIN(len, s->budget);
        return t;
}

/* A valid object path: sd-bus refuses others before sending. */
static char *fuzz_path(Source *s) {
        const char *base = paths[take(s) % ELEMENTSOF(paths)];
        size_t extra = take(s) % 4 == 0 ? take(s) % 48 : 0, n = strlen(base);
        char *t = malloc(n + extra + 2);

        if (!t)
                abort();
        strcpy(t, base);
        for (size_t i = 0; i < extra; i++) {
                static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/";
                char c = alphabet[take(s) % (sizeof(alphabet) - 1)];

                if (c == '/' && t[n - 1] == '/')
                        c = '_';
                t[n++] = c;
        }
        if (n > 1 && t[n - 1] == '/')
                t[n++] = '_';
        t[n] = 0;
        return t;
}

static uint64_t fuzz_number(Source *s, unsigned bytes) {
        uint64_t max = bytes == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * bytes)) - 1;

        switch (take(s) % 10) {
        case 0:
                return 0;
        case 1:
                return max;
        case 2:
                return 1;
        case 3:
                return 2; /* VIRTD_FLAG_RUNTIME */
        case 4:
                return (UINT64_C(1) << (take(s) % (8 * bytes))) & max; /* a single, perhaps unknown, flag bit */
        case 5:
                return (uint64_t[]) { 4094, 4095, 4096, 7, 8, 65535, 65536, 1500, 68, 0x7fffffff }[take(s) % 10] & max;
        case 6:
                return max / 2 + 1;
        default:
                return take_n(s, bytes);
        }
}

static int append_type(sd_bus_message *m, Source *s, const char *type, unsigned depth);

static int append_array(sd_bus_message *m, Source *s, const char *element, unsigned depth) {
        uint8_t c = take(s);
        size_t n = c < 200 ? c % 8 : c < 250 ? c % 64 : 1000 + 1000 * (c - 250);
        int r;

        r = sd_bus_message_open_container(m, 'a', element);
        for (size_t i = 0; r >= 0 && i < n && s->budget > 0; i++) {
                s->budget--;
                if (element[0] == '{' && element[1] == 's' && element[2] == 'v' && take(s) % 4 != 0) {
                        /* a{sv} settings: mostly a key the handlers know, with the type they expect. */
                        size_t k = take(s) % ELEMENTSOF(settings);
                        r = sd_bus_message_open_container(m, 'e', "sv");
                        if (r >= 0)
                                r = sd_bus_message_append_basic(m, 's', settings[k].key);
                        if (r >= 0) {
                                const char *t = take(s) % 8 ? settings[k].type : ANY_TYPE(s);
                                r = sd_bus_message_open_container(m, 'v', t);
                                if (r >= 0)
                                        r = append_type(m, s, t, depth + 1);
                                if (r >= 0)
                                        r = sd_bus_message_close_container(m);
                        }
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                } else if (element[0] == '{') {
                        _cleanup_free_ char *inner = strndup(element + 1, strlen(element) - 2);
                        if (!inner)
                                abort();
                        r = sd_bus_message_open_container(m, 'e', inner);
                        if (r >= 0)
                                r = append_type(m, s, inner, depth + 1);
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                } else
                        r = append_type(m, s, element, depth + 1);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* Appends values for every complete type of sig, in order. */
static int append_type(sd_bus_message *m, Source *s, const char *sig, unsigned depth) {
        int r = 0;

        while (r >= 0 && *sig) {
                size_t len = type_len(sig);
                _cleanup_free_ char *t = strndup(sig, len);

                if (!t || len == 0)
                        abort();
                sig += len;
                switch (t[0]) {
                case 's': {
                        _cleanup_free_ char *v = fuzz_text(s);
                        r = sd_bus_message_append_basic(m, 's', v);
                        break;
                }
                case 'o': {
                        _cleanup_free_ char *v = fuzz_path(s);
                        r = sd_bus_message_append_basic(m, 'o', v);
                        break;
                }
                case 'g':
                        r = sd_bus_message_append_basic(m, 'g', ANY_TYPE(s));
                        break;
                case 'b': {
                        int v = take(s) & 1;
                        r = sd_bus_message_append_basic(m, 'b', &v);
                        break;
                }
                case 'y': {
                        uint8_t v = fuzz_number(s, 1);
                        r = sd_bus_message_append_basic(m, 'y', &v);
                        break;
                }
                case 'n':
                case 'q': {
                        uint16_t v = fuzz_number(s, 2);
                        r = sd_bus_message_append_basic(m, t[0], &v);
                        break;
                }
                case 'i':
                case 'u': {
                        uint32_t v = fuzz_number(s, 4);
                        r = sd_bus_message_append_basic(m, t[0], &v);
                        break;
                }
                case 'x':
                case 't': {
                        uint64_t v = fuzz_number(s, 8);
                        r = sd_bus_message_append_basic(m, t[0], &v);
                        break;
                }
                case 'd': {
                        double v = (double) (int64_t) fuzz_number(s, 8);
                        r = sd_bus_message_append_basic(m, 'd', &v);
                        break;
                }
                case 'v': {
                        const char *inner = depth > 4 ? "s" : ANY_TYPE(s);
                        r = sd_bus_message_open_container(m, 'v', inner);
                        if (r >= 0)
                                r = append_type(m, s, inner, depth + 1);
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                        break;
                }
                case 'a':
                        r = append_array(m, s, t + 1, depth);
                        break;
                case '(': {
                        _cleanup_free_ char *inner = strndup(t + 1, len - 2);
                        if (!inner)
                                abort();
                        r = sd_bus_message_open_container(m, 'r', inner);
                        if (r >= 0)
                                r = append_type(m, s, inner, depth + 1);
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                        break;
                }
                default:
                        abort();
                }
        }
        return r;
}

/* A signature other than the method's: a prefix of it, or a few random types. sd-bus must refuse it. */
static char *wrong_signature(Source *s, const char *sig) {
        char buf[256] = "";

        if (take(s) % 2 && *sig) {
                size_t keep = 0, n = 0, k;
                for (size_t i = 0; sig[i]; i += type_len(sig + i))
                        n++;
                k = take(s) % n; /* fewer types than the method takes */
                for (size_t i = 0; i < k; i++)
                        keep += type_len(sig + keep);
                memcpy(buf, sig, keep);
                buf[keep] = 0;
        } else
                for (size_t i = 0, k = take(s) % 5; i < k; i++)
                        strcat(buf, ANY_TYPE(s));
        return strdup(buf);
}

typedef struct Reply {
        bool done;
        bool error;
        char name[256];
} Reply;

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Reply *reply = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        reply->done = true;
        reply->error = e != NULL;
        snprintf(reply->name, sizeof(reply->name), "%s", e ? strempty(e->name) : "");
        return 0;
}

static struct {
        char *dir;
        Manager *manager;
        sd_bus *client;
} fuzz;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) remove(path);
        return 0;
}

static void fuzz_remove_dir(void) {
        if (fuzz.dir)
                (void) nftw(fuzz.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void fuzz_done(void) {
        fuzz.client = sd_bus_flush_close_unref(fuzz.client);
        fuzz.manager = manager_free(fuzz.manager);
        fuzz_remove_dir();
        free(fuzz.dir);
        fuzz.dir = NULL;
}

static char *path_in(const char *dir, const char *name) {
        char *p;

        if (asprintf(&p, "%s/%s", dir, name) < 0)
                abort();
        return p;
}

/* The manager of virtd's start-up (manager_start()) without its writes: no name, no signals, no network probe
 * child, no cgroup base created, no configuration applied, no cgrules engine (it moves running processes, so
 * AddRule & co. answer NotSupported). Its directories are in a private temporary one, removed at exit. */
static void fuzz_setup(void) {
        _cleanup_free_ char *config = NULL, *state = NULL, *netns = NULL;
        sd_bus *server = NULL;
        sd_id128_t id;
        int pair[2];

        log_set_max_level(getenv("FUZZ_DEBUG") ? LOG_DEBUG : LOG_CRIT);
        polkit_deny_all_for_fuzzing(true);
        fuzz_check(virtd_bus_error_map_register() >= 0);

        fuzz.dir = strdup("/tmp/fuzz-bus-args-XXXXXX");
        fuzz_check(fuzz.dir && mkdtemp(fuzz.dir));
        atexit(fuzz_done);
        config = path_in(fuzz.dir, "config");
        state = path_in(fuzz.dir, "state");
        netns = path_in(fuzz.dir, "netns");
        fuzz_check(mkdir(config, 0755) >= 0);

        ManagerOptions o = { .config_dir = config, .state_dir = state, .host_root = "", .netns_dir = netns,
                             .cgroup_base = "/virtd-fuzz-bus-args-never-created" };
        fuzz_check(manager_new(&o, &fuzz.manager) >= 0);
        Manager *m = fuzz.manager;
        HostSources sources = { .root = "", .net = { TRISTATE_UNKNOWN, TRISTATE_UNKNOWN, TRISTATE_UNKNOWN,
                                                     TRISTATE_UNKNOWN, TRISTATE_UNKNOWN } };
        fuzz_check(host_report_collect(&sources, &m->host) >= 0);

        fuzz_check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) >= 0);
        fuzz_check(sd_id128_randomize(&id) >= 0);
        fuzz_check(sd_bus_new(&server) >= 0);
        fuzz_check(sd_bus_set_fd(server, pair[0], pair[0]) >= 0);
        fuzz_check(sd_bus_set_server(server, 1, id) >= 0);
        fuzz_check(sd_bus_set_anonymous(server, 1) >= 0);
        fuzz_check(sd_bus_start(server) >= 0);
        m->bus = server;
        fuzz_check(sd_bus_new(&fuzz.client) >= 0);
        fuzz_check(sd_bus_set_fd(fuzz.client, pair[1], pair[1]) >= 0);
        fuzz_check(sd_bus_set_anonymous(fuzz.client, 1) >= 0);
        fuzz_check(sd_bus_start(fuzz.client) >= 0);

        /* manager_start()'s registrations, in its order. */
        fuzz_check(namespaces_start(m, netns, "/proc/self/ns/mnt") >= 0);
        fuzz_check(manager_dbus_register(m) >= 0);
        fuzz_check(namespace_dbus_register(m) >= 0);
        fuzz_check(link_dbus_register(m) >= 0);
        fuzz_check(vlan_dbus_register(m) >= 0);
        fuzz_check(group_registry_new(m, o.cgroup_base, &m->groups) >= 0);
        fuzz_check(group_dbus_register(m->groups) >= 0);
        fuzz_check(rules_dbus_register(m) >= 0);

        /* Nothing needs the directories from here on (only authorized calls write there): removing them now
         * leaves nothing behind when a crash ends the process without atexit. */
        fuzz_remove_dir();
}

/* Runs both ends until the reply is in; a call left unanswered is a hang. */
static void wait_reply(Reply *reply) {
        unsigned idle = 0;

        for (unsigned round = 0; !reply->done; round++) {
                int a = sd_bus_process(fuzz.manager->bus, NULL);
                int b = sd_bus_process(fuzz.client, NULL);

                fuzz_check(a >= 0 && b >= 0);
                if (a > 0 || b > 0) {
                        idle = 0;
                        continue;
                }
                /* Nothing to do on either side yet no reply: wait a little for the socket, then give up. */
                fuzz_check(++idle < 1000);
                (void) sd_bus_wait(fuzz.manager->bus, 1000);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_free_ char *path = NULL, *signature = NULL;
        Source s = { data, size, 1 << 20 };
        Reply reply = {};

        if (size < 2)
                return 0;
        if (!fuzz.manager)
                fuzz_setup();

        const BusMethod *method = &methods[take(&s) % ELEMENTSOF(methods)];
        uint8_t variant = take(&s);
        bool standard = streq(method->interface, "org.freedesktop.DBus.Properties") ||
                        streq(method->interface, "org.freedesktop.DBus.ObjectManager") ||
                        streq(method->interface, "org.freedesktop.DBus.Introspectable");

        path = standard && variant & 0x10 ? fuzz_path(&s) : strdup(VIRTD_OBJECT_ROOT);
        fuzz_check(path);
        signature = variant % 16 == 15 ? wrong_signature(&s, method->signature) : strdup(method->signature);
        fuzz_check(signature);

        fuzz_check(sd_bus_message_new_method_call(fuzz.client, &call, /* destination= */ NULL, path, method->interface,
                                                  method->member) >= 0);
        if (variant & 0x20)
                fuzz_check(sd_bus_message_set_allow_interactive_authorization(call, 1) >= 0);
        fuzz_check(append_type(call, &s, signature, 0) >= 0);
        fuzz_check(sd_bus_call_async(fuzz.client, &slot, call, on_reply, &reply, 0) >= 0);
        if (getenv("FUZZ_DEBUG"))
                (void) sd_bus_message_dump(call, stderr, 0);
        wait_reply(&reply);

        if (!reply.error)
                /* Authorization is refused to everybody here: a mutating call that succeeded went around it. */
                fuzz_check(!method->mutating || !streq(signature, method->signature));
        else
                /* Every errno is mapped to a virtd or D-Bus error name; "System.Error.EXXX" is one that reached
                 * the caller unmapped, with a message that rarely names the object and the reason. */
                fuzz_check(reply.name[0] != 0 && !startswith(reply.name, "System.Error."));
        if (getenv("FUZZ_DEBUG"))
                fprintf(stderr, "%s.%s(%s) at %s: %s\n", method->interface, method->member, signature, path,
                        reply.error ? reply.name : "ok");
        return 0;
}
