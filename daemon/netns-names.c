/* netns-names.c: pure validation and parsing for namespaces and links; no I/O, so unit tests reach it directly. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "netns-names.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
        const char *name;
        int flag;
} kinds[_NAMESPACE_KIND_MAX] = {
        [NAMESPACE_USER] = { "user", CLONE_NEWUSER },
        [NAMESPACE_NET] = { "net", CLONE_NEWNET },
        [NAMESPACE_UTS] = { "uts", CLONE_NEWUTS },
        [NAMESPACE_IPC] = { "ipc", CLONE_NEWIPC },
        [NAMESPACE_PID] = { "pid", CLONE_NEWPID },
        [NAMESPACE_CGROUP] = { "cgroup", CLONE_NEWCGROUP },
        [NAMESPACE_TIME] = { "time", CLONE_NEWTIME },
        [NAMESPACE_MNT] = { "mnt", CLONE_NEWNS },
};

const char *namespace_kind_to_string(NamespaceKind k) {
        return k < _NAMESPACE_KIND_MAX ? kinds[k].name : NULL;
}

int namespace_kind_from_string(const char *s) {
        for (int k = 0; k < _NAMESPACE_KIND_MAX; k++)
                if (streq(kinds[k].name, s))
                        return k;
        return -EINVAL;
}

int namespace_kind_to_clone_flag(NamespaceKind k) {
        return k < _NAMESPACE_KIND_MAX ? kinds[k].flag : 0;
}

/* The rules both kinds of names share; returns NULL when none is broken. */
static const char *common_name_reason(const char *name) {
        if (!name || !*name)
                return "is empty";
        if (streq(name, ".") || streq(name, ".."))
                return "is '.' or '..', which name directories";
        for (const unsigned char *p = (const unsigned char *) name; *p; p++) {
                if (*p == '/')
                        return "contains '/'";
                if (*p < 0x20 || *p == 0x7f)
                        return "contains a control character";
                if (isspace(*p))
                        return "contains whitespace";
        }
        return NULL;
}

const char *namespace_name_invalid_reason(const char *name) {
        const char *reason = common_name_reason(name);

        if (reason)
                return reason;
        if (strlen(name) > NAMESPACE_NAME_MAX)
                return "is longer than 64 bytes";
        return NULL;
}

const char *link_name_invalid_reason(const char *name) {
        const char *reason = common_name_reason(name);

        if (reason)
                return reason;
        if (strlen(name) > IFNAMSIZ - 1)
                return "is longer than 15 bytes (IFNAMSIZ-1)";
        if (strchr(name, ':'))
                return "contains ':', which the kernel reserves for interface aliases";
        return NULL;
}

const char *hostname_invalid_reason(const char *hostname) {
        if (!hostname || !*hostname)
                return "is empty";
        if (strlen(hostname) > HOSTNAME_MAX)
                return "is longer than 64 bytes";
        for (const char *c = hostname; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
                        return "may hold only letters, digits, '-' and '.'";
        return NULL;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) {
        return a < b + blen && b < a + alen;
}

int id_map_check(const IdMapEntry *e, size_t n, char *reason, size_t size) {
        assert(e || n == 0);
        assert(reason);

        if (n > 340) {
                snprintf(reason, size, "has %zu ranges; the kernel takes at most 340", n);
                return -EINVAL;
        }
        for (size_t i = 0; i < n; i++) {
                if (e[i].count == 0) {
                        snprintf(reason, size, "range %zu (%" PRIu32 " %" PRIu32 " 0) is empty", i + 1, e[i].inside,
                                 e[i].outside);
                        return -EINVAL;
                }
                if ((uint64_t) e[i].inside + e[i].count > UINT32_MAX + 1ULL ||
                    (uint64_t) e[i].outside + e[i].count > UINT32_MAX + 1ULL) {
                        snprintf(reason, size, "range %zu (%" PRIu32 " %" PRIu32 " %" PRIu32 ") ends beyond 4294967295",
                                 i + 1, e[i].inside, e[i].outside, e[i].count);
                        return -EINVAL;
                }
                for (size_t j = 0; j < i; j++) {
                        bool in = ranges_overlap(e[i].inside, e[i].count, e[j].inside, e[j].count);
                        if (in || ranges_overlap(e[i].outside, e[i].count, e[j].outside, e[j].count)) {
                                snprintf(reason, size, "ranges %zu and %zu overlap on the %s side", j + 1, i + 1,
                                         in ? "inside" : "outside");
                                return -EINVAL;
                        }
                }
        }
        return 0;
}

char *id_map_format(const IdMapEntry *e, size_t n) {
        size_t size = n * 3 * 11 + 1, len = 0;
        char *s = malloc(size);

        if (!s)
                return NULL;
        *s = 0;
        for (size_t i = 0; i < n; i++)
                len += (size_t) snprintf(s + len, size - len, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", e[i].inside,
                                         e[i].outside, e[i].count);
        return s;
}

static int parse_prefixlen(const char *s, unsigned max, unsigned *ret) {
        char *end = NULL;
        unsigned long v;

        if (!isdigit((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v > max)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

int ip_prefix_parse(const char *s, IpPrefix *ret) {
        char buf[INET6_ADDRSTRLEN + 8];
        const char *slash;
        IpPrefix p = {};
        size_t len;

        assert(s);
        assert(ret);
        slash = strchr(s, '/');
        len = slash ? (size_t) (slash - s) : strlen(s);
        if (len == 0 || len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, len);
        buf[len] = 0;
        if (inet_pton(AF_INET, buf, &p.address.in) == 1)
                p.family = AF_INET, p.prefixlen = 32;
        else if (inet_pton(AF_INET6, buf, &p.address.in6) == 1)
                p.family = AF_INET6, p.prefixlen = 128;
        else
                return -EINVAL;
        if (slash && parse_prefixlen(slash + 1, p.prefixlen, &p.prefixlen) < 0)
                return -EINVAL;
        *ret = p;
        return 0;
}

const char *ip_prefix_format(const IpPrefix *p, char *buf, size_t size) {
        char a[INET6_ADDRSTRLEN] = "";

        assert(p);
        (void) inet_ntop(p->family, &p->address, a, sizeof(a));
        snprintf(buf, size, "%s/%u", a, p->prefixlen);
        return buf;
}

int mac_parse(const char *s, uint8_t ret[6], const char **ret_reason) {
        uint8_t mac[6];
        bool zero = true;

        assert(s);
        assert(ret_reason);
        if (strlen(s) != 17) {
                *ret_reason = "is not six hexadecimal byte pairs separated by ':'";
                return -EINVAL;
        }
        for (int i = 0; i < 6; i++) {
                const char *p = s + 3 * i;
                char hex[3] = { p[0], p[1], 0 };

                if (!isxdigit((unsigned char) p[0]) || !isxdigit((unsigned char) p[1]) || (i < 5 && p[2] != ':')) {
                        *ret_reason = "is not six hexadecimal byte pairs separated by ':'";
                        return -EINVAL;
                }
                mac[i] = (uint8_t) strtoul(hex, NULL, 16);
                zero = zero && mac[i] == 0;
        }
        if (zero) {
                *ret_reason = "is all zeros";
                return -EINVAL;
        }
        if (mac[0] & 1) {
                *ret_reason = "is a multicast address (lowest bit of the first byte set)";
                return -EINVAL;
        }
        memcpy(ret, mac, 6);
        return 0;
}
