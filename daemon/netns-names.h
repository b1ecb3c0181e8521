/* netns-names.h: pure validation and parsing for namespaces and links: names, kinds, id maps, addresses, MACs. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Namespace kinds; the bit order is also the order in which a caller joins them (user first, mnt last). */
typedef enum NamespaceKind {
        NAMESPACE_USER,
        NAMESPACE_NET,
        NAMESPACE_UTS,
        NAMESPACE_IPC,
        NAMESPACE_PID,
        NAMESPACE_CGROUP,
        NAMESPACE_TIME,
        NAMESPACE_MNT,
        _NAMESPACE_KIND_MAX,
} NamespaceKind;

#define NAMESPACE_KIND_BIT(k) (1u << (k))
#define NAMESPACE_KINDS_ALL ((1u << _NAMESPACE_KIND_MAX) - 1)

/* "net", "uts", … as in /proc/PID/ns; NULL for an out-of-range kind. */
const char *namespace_kind_to_string(NamespaceKind k);
/* Returns the kind, or -EINVAL for an unknown name. */
int namespace_kind_from_string(const char *s);
/* The CLONE_NEW* flag of a kind. */
int namespace_kind_to_clone_flag(NamespaceKind k);

/**
 * namespace_name_invalid_reason() - why a namespace name cannot be used.
 * @name: the proposed name
 *
 * Namespace names become file names under the netns directory (as with "ip netns add"), so they follow
 * file-name rules plus: no whitespace, no control characters, at most NAMESPACE_NAME_MAX bytes.
 * Returns NULL when the name is valid, otherwise a phrase that completes "Namespace name 'x' …".
 */
const char *namespace_name_invalid_reason(const char *name);
#define NAMESPACE_NAME_MAX 64

/**
 * link_name_invalid_reason() - why a network interface name cannot be used.
 * @name: the proposed name
 *
 * The kernel's rules (dev_valid_name()): 1 to IFNAMSIZ-1 bytes, not "." or "..", no '/', ':' or whitespace;
 * control characters are refused too. Returns NULL when valid, otherwise a phrase completing "Link name 'x' …".
 */
const char *link_name_invalid_reason(const char *name);

#define HOSTNAME_MAX 64

/* Why @hostname cannot be a namespace's host name (ASCII letters, digits, '-' and '.'), or NULL. */
const char *hostname_invalid_reason(const char *hostname);

typedef struct IdMapEntry {
        uint32_t inside;
        uint32_t outside;
        uint32_t count;
} IdMapEntry;

/**
 * id_map_check() - validate a user namespace uid or gid map.
 * @entries: the triples (inside, outside, count)
 * @n: how many
 * @reason: buffer for the reason when invalid
 * @size: its size
 *
 * Each range must be non-empty and end within 0..2^32-1; neither the inside nor the outside ranges may
 * overlap, and the kernel takes at most 340 lines. Returns 0 when valid, -EINVAL with @reason filled otherwise.
 */
int id_map_check(const IdMapEntry *entries, size_t n, char *reason, size_t size);
/* Formats a map the way /proc/PID/uid_map takes it; the caller frees the result. */
char *id_map_format(const IdMapEntry *entries, size_t n);

typedef struct IpPrefix {
        int family; /* AF_INET or AF_INET6 */
        union {
                struct in_addr in;
                struct in6_addr in6;
        } address;
        unsigned prefixlen;
} IpPrefix;

/**
 * ip_prefix_parse() - parse "ADDRESS[/PREFIXLEN]" for IPv4 or IPv6.
 * @s: the text
 * @ret: the result; a missing prefix length means a host address (/32 or /128)
 *
 * Returns 0, or -EINVAL when the address does not parse or the prefix length is out of range.
 */
int ip_prefix_parse(const char *s, IpPrefix *ret);
/* Formats as "ADDRESS/PREFIXLEN" into buf (at least IP_PREFIX_STRING_MAX bytes). */
const char *ip_prefix_format(const IpPrefix *p, char *buf, size_t size);
#define IP_PREFIX_STRING_MAX 64

/**
 * mac_parse() - parse an Ethernet address "aa:bb:cc:dd:ee:ff".
 * @s: the text
 * @ret: six bytes
 * @ret_reason: when invalid, why (a phrase completing "MAC address 'x' …")
 *
 * Refuses malformed text, the all-zero address and multicast addresses (which an interface cannot own).
 * Returns 0 or -EINVAL.
 */
int mac_parse(const char *s, uint8_t ret[6], const char **ret_reason);
