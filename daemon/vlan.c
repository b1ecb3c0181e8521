/* vlan.c: the rules of 802.1Q: VLAN ids, protocols, flags, priority maps, and switch-port modes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "reason.h"
#include "strv.h"
#include "vlan.h"

int vlan_id_validate(unsigned long long id, char **ret_reason) {
        if (id == 0)
                return reason_invalid(ret_reason, "VLAN id 0 is reserved: it marks priority-tagged frames that belong to no VLAN (valid: %d–%d)",
                                      VLAN_ID_MIN, VLAN_ID_MAX);
        if (id == 4095)
                return reason_invalid(ret_reason, "VLAN id 4095 is reserved by 802.1Q (valid: %d–%d)", VLAN_ID_MIN, VLAN_ID_MAX);
        if (id > 4095)
                return reason_invalid(ret_reason, "VLAN id %llu is out of range: the 802.1Q tag holds 12 bits (valid: %d–%d)", id,
                                      VLAN_ID_MIN, VLAN_ID_MAX);
        return 0;
}

static int parse_ull(const char *s, unsigned long long max, unsigned long long *ret) {
        char *end;

        if (!s || !*s || strchr(s, '-') || *s == '+' || *s == ' ')
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int vlan_id_parse(const char *s, uint16_t *ret, char **ret_reason) {
        unsigned long long v;
        int r;

        if (parse_ull(s, UINT32_MAX, &v) < 0)
                return reason_invalid(ret_reason, "'%s' is not a VLAN id (a number from %d to %d)", strempty(s), VLAN_ID_MIN,
                                      VLAN_ID_MAX);
        r = vlan_id_validate(v, ret_reason);
        if (r < 0)
                return r;
        *ret = (uint16_t) v;
        return 0;
}

int vlan_protocol_parse(const char *s, uint16_t *ret) {
        if (strcasecmp(s, "802.1q") == 0 || strcasecmp(s, "0x8100") == 0)
                *ret = VLAN_PROTO_8021Q;
        else if (strcasecmp(s, "802.1ad") == 0 || strcasecmp(s, "0x88a8") == 0)
                *ret = VLAN_PROTO_8021AD;
        else
                return -EINVAL;
        return 0;
}

const char *vlan_protocol_to_string(uint16_t protocol) {
        return protocol == VLAN_PROTO_8021Q ? "802.1Q" : protocol == VLAN_PROTO_8021AD ? "802.1ad" : NULL;
}

static const struct {
        const char *name;
        uint32_t bit;
} flag_names[] = {
        { "reorder_hdr", VLAN_FLAG_REORDER_HDR_BIT },
        { "gvrp", VLAN_FLAG_GVRP_BIT },
        { "loose_binding", VLAN_FLAG_LOOSE_BINDING_BIT },
        { "mvrp", VLAN_FLAG_MVRP_BIT },
        { "bridge_binding", VLAN_FLAG_BRIDGE_BINDING_BIT },
};

int vlan_flags_parse(const char *s, uint32_t *ret, char **ret_reason) {
        _cleanup_strv_free_ char **words = strv_split(s, ", \t");
        uint32_t flags = 0;

        if (!words)
                return -ENOMEM;
        for (char **w = words; *w; w++) {
                size_t i;
                for (i = 0; i < ELEMENTSOF(flag_names); i++)
                        if (streq(*w, flag_names[i].name))
                                break;
                if (i == ELEMENTSOF(flag_names))
                        return reason_invalid(ret_reason, "unknown VLAN flag '%s' (known: reorder_hdr, gvrp, mvrp, loose_binding, bridge_binding)",
                                              *w);
                flags |= flag_names[i].bit;
        }
        *ret = flags;
        return 0;
}

char *vlan_flags_to_string(uint32_t flags) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));

        if (!l)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(flag_names); i++)
                if ((flags & flag_names[i].bit) && strv_extend(&l, flag_names[i].name) < 0)
                        return NULL;
        return strv_join(l, ",");
}

static int qos_mapping_parse(const char *word, bool egress, VlanQosMapping *ret, char **ret_reason) {
        _cleanup_free_ char *copy = strdup(word);
        unsigned long long from, to;
        char *colon;

        if (!copy)
                return -ENOMEM;
        colon = strchr(copy, ':');
        if (!colon)
                return reason_invalid(ret_reason, "priority mapping '%s' is not FROM:TO", word);
        *colon = 0;
        /* The PCP side is a 3-bit field; the skb priority side is a 32-bit number. */
        if (parse_ull(copy, egress ? UINT32_MAX : 7, &from) < 0)
                return reason_invalid(ret_reason, egress ? "priority mapping '%s': '%s' is not an skb priority (0–4294967295)"
                                                         : "priority mapping '%s': '%s' is not a PCP value (0–7)",
                                      word, copy);
        if (parse_ull(colon + 1, egress ? 7 : UINT32_MAX, &to) < 0)
                return reason_invalid(ret_reason, egress ? "priority mapping '%s': '%s' is not a PCP value (0–7)"
                                                         : "priority mapping '%s': '%s' is not an skb priority (0–4294967295)",
                                      word, colon + 1);
        *ret = (VlanQosMapping) { (uint32_t) from, (uint32_t) to };
        return 0;
}

int vlan_qos_map_parse(const char *s, bool egress, VlanQosMapping **ret, size_t *ret_n, char **ret_reason) {
        _cleanup_strv_free_ char **words = strv_split(s, ", \t");
        _cleanup_free_ VlanQosMapping *map = NULL;
        size_t n = 0;
        int r;

        if (!words)
                return -ENOMEM;
        n = strv_length(words);
        if (n > 0 && !(map = calloc(n, sizeof(*map))))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = qos_mapping_parse(words[i], egress, &map[i], ret_reason);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < i; j++)
                        if (map[j].from == map[i].from)
                                return reason_invalid(ret_reason, "priority %u is mapped twice", map[i].from);
        }
        *ret = TAKE_PTR(map);
        *ret_n = n;
        return 0;
}

char *vlan_qos_map_to_string(const VlanQosMapping *map, size_t n) {
        size_t size = n * 24 + 1;
        char *s = malloc(size), *p = s;

        if (!s)
                return NULL;
        *p = 0;
        for (size_t i = 0; i < n; i++)
                p += snprintf(p, size - (size_t) (p - s), "%s%u:%u", i ? "," : "", map[i].from, map[i].to);
        return s;
}

size_t vlan_set_count(const VlanSet *s) {
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(s->bits); i++)
                n += (size_t) __builtin_popcountll(s->bits[i]);
        return n;
}

static int vlan_range_parse(const char *word, VlanSet *set, char **ret_reason) {
        _cleanup_free_ char *copy = strdup(word);
        uint16_t lo, hi;
        char *dash;
        int r;

        if (!copy)
                return -ENOMEM;
        dash = strchr(copy, '-');
        if (dash)
                *dash = 0;
        r = vlan_id_parse(copy, &lo, ret_reason);
        if (r < 0)
                return r;
        hi = lo;
        if (dash && (r = vlan_id_parse(dash + 1, &hi, ret_reason)) < 0)
                return r;
        if (hi < lo)
                return reason_invalid(ret_reason, "VLAN range '%s' runs backwards", word);
        for (unsigned id = lo; id <= hi; id++)
                vlan_set_add(set, (uint16_t) id);
        return 0;
}

int vlan_set_parse(const char *s, VlanSet *ret, char **ret_reason) {
        _cleanup_strv_free_ char **words = strv_split(s, ", \t");
        VlanSet set = {};
        int r;

        if (!words)
                return -ENOMEM;
        for (char **w = words; *w; w++)
                if ((r = vlan_range_parse(*w, &set, ret_reason)) < 0)
                        return r;
        *ret = set;
        return 0;
}

char *vlan_set_to_string(const VlanSet *s) {
        char *out = malloc(VLAN_ID_MAX * 6 + 1), *p = out;

        if (!out)
                return NULL;
        *p = 0;
        for (unsigned id = VLAN_ID_MIN; id <= VLAN_ID_MAX; id++) {
                unsigned end = id;
                if (!vlan_set_contains(s, (uint16_t) id))
                        continue;
                while (end + 1 <= VLAN_ID_MAX && vlan_set_contains(s, (uint16_t) (end + 1)))
                        end++;
                p += sprintf(p, p == out ? "%u" : ",%u", id);
                if (end > id)
                        p += sprintf(p, "-%u", end);
                id = end;
        }
        return out;
}

const char *port_mode_to_string(PortMode m) {
        return m == PORT_MODE_ACCESS ? "access" : m == PORT_MODE_TRUNK ? "trunk" : NULL;
}

PortMode port_mode_from_string(const char *s) {
        if (streq_ptr(s, "access"))
                return PORT_MODE_ACCESS;
        if (streq_ptr(s, "trunk"))
                return PORT_MODE_TRUNK;
        return _PORT_MODE_INVALID;
}

int port_config_to_entries(const PortConfig *c, BridgeVlanEntry **ret, size_t *ret_n, char **ret_reason) {
        _cleanup_free_ BridgeVlanEntry *e = NULL;
        size_t n = 0;
        int r;

        if (c->mode == PORT_MODE_ACCESS) {
                if ((r = vlan_id_validate(c->access_vlan, ret_reason)) < 0)
                        return r;
                if (!(e = calloc(1, sizeof(*e))))
                        return -ENOMEM;
                e[n++] = (BridgeVlanEntry) { c->access_vlan, true, true };
        } else if (c->mode == PORT_MODE_TRUNK) {
                if (c->native_vlan != 0 && (r = vlan_id_validate(c->native_vlan, ret_reason)) < 0)
                        return r;
                if (c->native_vlan == 0 && vlan_set_count(&c->allowed) == 0)
                        return reason_invalid(ret_reason, "a trunk port needs allowed VLANs or a native VLAN");
                if (!(e = calloc(vlan_set_count(&c->allowed) + 1, sizeof(*e))))
                        return -ENOMEM;
                for (unsigned id = VLAN_ID_MIN; id <= VLAN_ID_MAX; id++)
                        if (id != c->native_vlan && vlan_set_contains(&c->allowed, (uint16_t) id))
                                e[n++] = (BridgeVlanEntry) { (uint16_t) id, false, false };
                if (c->native_vlan != 0)
                        e[n++] = (BridgeVlanEntry) { c->native_vlan, true, true };
        } else
                return reason_invalid(ret_reason, "unknown port mode (valid: access, trunk)");

        *ret = TAKE_PTR(e);
        *ret_n = n;
        return 0;
}

int port_config_from_entries(const BridgeVlanEntry *entries, size_t n, PortConfig *ret) {
        PortConfig c = { .mode = PORT_MODE_TRUNK };

        if (n == 1 && entries[0].pvid && entries[0].untagged) {
                *ret = (PortConfig) { .mode = PORT_MODE_ACCESS, .access_vlan = entries[0].vid };
                return 0;
        }
        for (size_t i = 0; i < n; i++) {
                if (entries[i].vid < VLAN_ID_MIN || entries[i].vid > VLAN_ID_MAX)
                        return -EINVAL;
                if (entries[i].pvid && entries[i].untagged)
                        c.native_vlan = entries[i].vid;
                else
                        vlan_set_add(&c.allowed, entries[i].vid);
        }
        *ret = c;
        return 0;
}

int vlan_qos_map_validate(const VlanQosMapping *map, size_t n, bool egress, char **ret_reason) {
        for (size_t i = 0; i < n; i++) {
                if (!egress && map[i].from > 7)
                        return reason_invalid(ret_reason, "ingress priority mapping %u:%u: %u is not a PCP value (0–7)", map[i].from,
                                              map[i].to, map[i].from);
                if (egress && map[i].to > 7)
                        return reason_invalid(ret_reason, "egress priority mapping %u:%u: %u is not a PCP value (0–7)", map[i].from,
                                              map[i].to, map[i].to);
                for (size_t j = 0; j < i; j++)
                        if (map[j].from == map[i].from)
                                return reason_invalid(ret_reason, "priority %u is mapped twice", map[i].from);
        }
        return 0;
}

int vlan_default_name(const char *parent, uint16_t id, char **ret) {
        char *s;

        if (asprintf(&s, "%s.%u", parent, id) < 0)
                return -ENOMEM;
        if (strlen(s) > 15) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret = s;
        return 0;
}

static const BridgeVlanEntry *entry_find(const BridgeVlanEntry *e, size_t n, uint16_t vid) {
        for (size_t i = 0; i < n; i++)
                if (e[i].vid == vid)
                        return &e[i];
        return NULL;
}

int bridge_vlan_diff(const BridgeVlanEntry *cur, size_t n_cur, const BridgeVlanEntry *want, size_t n_want,
                     BridgeVlanEntry **ret_add, size_t *ret_n_add, BridgeVlanEntry **ret_del, size_t *ret_n_del) {
        _cleanup_free_ BridgeVlanEntry *add = calloc(n_want + 1, sizeof(*add)), *del = calloc(n_cur + 1, sizeof(*del));
        size_t n_add = 0, n_del = 0;

        if (!add || !del)
                return -ENOMEM;
        for (size_t i = 0; i < n_want; i++) {
                const BridgeVlanEntry *c = entry_find(cur, n_cur, want[i].vid);
                if (!c || c->pvid != want[i].pvid || c->untagged != want[i].untagged)
                        add[n_add++] = want[i];
        }
        for (size_t i = 0; i < n_cur; i++)
                if (!entry_find(want, n_want, cur[i].vid))
                        del[n_del++] = cur[i];
        *ret_add = TAKE_PTR(add);
        *ret_n_add = n_add;
        *ret_del = TAKE_PTR(del);
        *ret_n_del = n_del;
        return 0;
}
