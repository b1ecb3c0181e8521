/* group-name.c: pure logic for cgroup names: CONTROLLERS:PATH parsing, path checks, object paths, v1/v2 names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "group-name.h"
#include "macro.h"
#include "strv.h"
#include "virtd-bus.h"

/* v1 name, v2 name (NULL: no v2 controller). The list of controllers the issue names plus rdma and misc. */
static const struct {
        const char *v1;
        const char *v2;
} controller_names[] = {
        { "blkio", "io" },
        { "cpu", "cpu" },
        { "cpuacct", "cpu" },
        { "cpuset", "cpuset" },
        { "devices", NULL },
        { "freezer", NULL },
        { "hugetlb", "hugetlb" },
        { "memory", "memory" },
        { "net_cls", NULL },
        { "net_prio", NULL },
        { "pids", "pids" },
        { "perf_event", "perf_event" },
        { "rdma", "rdma" },
        { "misc", "misc" },
};

void group_spec_done(GroupSpec *s) {
        if (!s)
                return;
        strv_free(s->controllers);
        free(s->path);
        *s = (GroupSpec) {};
}

/* What cgconfig.conf's lexer accepts in a group name, minus '/', which separates components. */
static bool group_name_char_ok(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("_-.@:+", c);
}

static int group_component_validate(const char *s, size_t n, const char **ret_reason) {
        if (n == 0)
                return *ret_reason = "has an empty component ('//' or a trailing '/')", -EINVAL;
        if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
                return *ret_reason = "contains '.' or '..' (paths may not leave the managed base)", -EINVAL;
        if (n > GROUP_NAME_MAX)
                return *ret_reason = "has a component longer than 255 bytes", -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
                        return *ret_reason = "contains a control character (newline, tab, ...)", -EINVAL;
                if (!group_name_char_ok(s[i]))
                        return *ret_reason = "contains a character other than letters, digits and _-.@:+", -EINVAL;
        }
        return 0;
}

int group_path_validate(const char *path, const char **ret_reason) {
        const char *dummy;
        size_t len;

        assert(path);
        if (!ret_reason)
                ret_reason = &dummy;
        len = strlen(path);
        if (len == 0)
                return *ret_reason = "is empty", -EINVAL;
        if (path[0] != '/')
                return *ret_reason = "does not start with '/' (paths are relative to the managed base)", -EINVAL;
        if (len > GROUP_PATH_MAX)
                return *ret_reason = "is longer than 1024 bytes", -EINVAL;
        if (streq(path, "/"))
                return 0;
        for (const char *p = path + 1;;) {
                const char *slash = strchr(p, '/');
                size_t n = slash ? (size_t) (slash - p) : strlen(p);
                int r = group_component_validate(p, n, ret_reason);

                if (r < 0)
                        return r;
                if (!slash)
                        return 0;
                p = slash + 1;
        }
}

int group_controller_validate(const char *name) {
        const char *named = startswith(name, "name=");

        assert(name);
        if (named) {
                if (!*named || strlen(named) > 64)
                        return -EINVAL;
                for (const char *c = named; *c; c++)
                        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
                                return -EINVAL;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(controller_names); i++)
                if (streq(name, controller_names[i].v1) || streq_ptr(name, controller_names[i].v2))
                        return 0;
        return -EINVAL;
}

static int parse_controllers(const char *s, size_t n, char ***ret, const char **ret_reason) {
        _cleanup_free_ char *copy = strndup(s, n);
        _cleanup_strv_free_ char **l = NULL;

        if (!copy)
                return -ENOMEM;
        if (n == 0 || copy[0] == ',' || copy[n - 1] == ',' || strstr(copy, ",,"))
                return *ret_reason = "has an empty controller name", -EINVAL;
        l = strv_split(copy, ",");
        if (!l)
                return -ENOMEM;
        for (char **c = l; *c; c++) {
                if (group_controller_validate(*c) < 0)
                        return *ret_reason = "names an unknown controller", -EINVAL;
                for (char **d = l; d < c; d++)
                        if (streq(*c, *d))
                                return *ret_reason = "names a controller twice", -EINVAL;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int group_spec_parse(const char *s, GroupSpec *ret, const char **ret_reason) {
        _cleanup_(group_spec_done) GroupSpec spec = {};
        const char *colon, *path, *dummy;
        int r;

        assert(s);
        assert(ret);
        if (!ret_reason)
                ret_reason = &dummy;
        /* A path never starts with a controller list, so a ':' before the first '/' separates them. */
        colon = strchr(s, ':');
        if (colon && (!strchr(s, '/') || colon < strchr(s, '/'))) {
                r = parse_controllers(s, colon - s, &spec.controllers, ret_reason);
                if (r < 0)
                        return r;
                path = colon + 1;
        } else
                path = s;

        r = group_path_validate(path, ret_reason);
        if (r < 0)
                return r;
        spec.path = strdup(path);
        if (!spec.path)
                return -ENOMEM;
        *ret = spec;
        spec = (GroupSpec) {};
        return 0;
}

int group_parameter_controller(const char *name, char **ret) {
        const char *dot;
        char *c;

        assert(name);
        assert(ret);
        dot = strchr(name, '.');
        if (!dot || dot == name || !dot[1] || strchr(name, '/') || strlen(name) > GROUP_NAME_MAX)
                return -EINVAL;
        for (const char *p = name; *p; p++)
                if ((unsigned char) *p <= 0x20 || *p == 0x7f)
                        return -EINVAL;
        c = strndup(name, dot - name);
        if (!c)
                return -ENOMEM;
        if (group_controller_validate(c) < 0 || startswith(c, "name=")) {
                free(c);
                return -EINVAL;
        }
        *ret = c;
        return 0;
}

int group_value_validate(const char *value, const char **ret_reason) {
        assert(value);
        if (strpbrk(value, "\n\r"))
                return *ret_reason = "contains a line break (one value is one line)", -EINVAL;
        if (strlen(value) > 4096)
                return *ret_reason = "is longer than 4096 bytes", -EINVAL;
        if (strchr(value, '"'))
                return *ret_reason = "contains a double quote", -EINVAL;
        return 0;
}

int group_object_path(const char *path, char **ret) {
        assert(path && path[0] == '/');
        return sd_bus_path_encode(VIRTD_OBJECT_GROUP_PREFIX, path + 1, ret);
}

int group_path_from_object(const char *object_path, char **ret) {
        _cleanup_free_ char *decoded = NULL;
        char *p;
        int r;

        r = sd_bus_path_decode(object_path, VIRTD_OBJECT_GROUP_PREFIX, &decoded);
        if (r < 0)
                return r;
        if (r == 0 || !*decoded)
                return -ENXIO;
        if (asprintf(&p, "/%s", decoded) < 0)
                return -ENOMEM;
        if (group_path_validate(p, NULL) < 0 || streq(p, "/")) {
                free(p);
                return -ENXIO;
        }
        *ret = p;
        return 0;
}

const char *group_controller_to_v2(const char *v1) {
        for (size_t i = 0; i < ELEMENTSOF(controller_names); i++)
                if (streq(v1, controller_names[i].v1))
                        return controller_names[i].v2;
        return NULL;
}

const char *group_controller_to_v1(const char *v2) {
        if (streq(v2, "io"))
                return "blkio";
        for (size_t i = 0; i < ELEMENTSOF(controller_names); i++)
                if (streq(v2, controller_names[i].v1))
                        return controller_names[i].v1;
        return NULL;
}

unsigned long long group_cpu_shares_to_weight(unsigned long long shares) {
        /* v1 default 1024 is v2 default 100; clamp to v2's range. */
        unsigned long long w = shares * 100 / 1024;

        return w < 1 ? 1 : w > 10000 ? 10000 : w;
}

static int parse_ull(const char *s, unsigned long long *ret) {
        char *end;

        if (!*s || *s == '-' || *s == '+')
                return -EINVAL;
        errno = 0;
        *ret = strtoull(s, &end, 10);
        return errno || *end ? -EINVAL : 0;
}

/* "-1" means "no limit" in v1 and is spelled "max" in v2. */
static int limit_to_v2(const char *value, char **ret) {
        unsigned long long v;

        if (streq(value, "-1") || streq(value, "max"))
                return (*ret = strdup("max")) ? 0 : -ENOMEM;
        if (parse_ull(value, &v) < 0)
                return -EINVAL;
        return (*ret = strdup(value)) ? 0 : -ENOMEM;
}

static int set_pair(const char *name, char *value, char **ret_name, char **ret_value) {
        char *n = strdup(name);

        if (!n || !value) {
                free(n);
                free(value);
                return -ENOMEM;
        }
        *ret_name = n;
        *ret_value = value;
        return 0;
}

int group_parameter_to_v2(const char *name, const char *value, char **ret_name, char **ret_value) {
        unsigned long long v;
        char *out = NULL;
        const char *hugetlb;
        int r;

        assert(name && value && ret_name && ret_value);

        if (streq(name, "cpu.shares")) {
                if (parse_ull(value, &v) < 0)
                        return -EINVAL;
                if (asprintf(&out, "%llu", group_cpu_shares_to_weight(v)) < 0)
                        return -ENOMEM;
                return set_pair("cpu.weight", out, ret_name, ret_value);
        }
        if (streq(name, "cpu.cfs_quota_us")) {
                /* v2 keeps quota and period in one file; v1's default period is 100 ms. */
                if (streq(value, "-1"))
                        out = strdup("max 100000");
                else if (parse_ull(value, &v) < 0)
                        return -EINVAL;
                else if (asprintf(&out, "%llu 100000", v) < 0)
                        return -ENOMEM;
                return set_pair("cpu.max", out, ret_name, ret_value);
        }
        if (streq(name, "memory.limit_in_bytes") || streq(name, "memory.soft_limit_in_bytes")) {
                r = limit_to_v2(value, &out);
                if (r < 0)
                        return r;
                return set_pair(streq(name, "memory.limit_in_bytes") ? "memory.max" : "memory.high", out, ret_name,
                                ret_value);
        }
        if (streq(name, "blkio.weight")) {
                if (parse_ull(value, &v) < 0)
                        return -EINVAL;
                return set_pair("io.weight", strdup(value), ret_name, ret_value);
        }
        hugetlb = startswith(name, "hugetlb.");
        if (hugetlb && strstr(hugetlb, ".limit_in_bytes")) {
                _cleanup_free_ char *n = NULL;
                size_t size_len = strcspn(hugetlb, ".");

                r = limit_to_v2(value, &out);
                if (r < 0)
                        return r;
                if (asprintf(&n, "hugetlb.%.*s.max", (int) size_len, hugetlb) < 0) {
                        free(out);
                        return -ENOMEM;
                }
                return set_pair(n, out, ret_name, ret_value);
        }
        if (streq(name, "cpuset.cpus") || streq(name, "cpuset.mems") || streq(name, "pids.max"))
                return set_pair(name, strdup(value), ret_name, ret_value);
        return -EOPNOTSUPP;
}
