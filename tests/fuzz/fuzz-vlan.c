/* fuzz-vlan.c: the VLAN value parsers (id, QoS maps, id sets, flags); each result must format and parse back. */
#include <stdbool.h>

#include "fuzz.h"
#include "macro.h"
#include "vlan.h"

static void fuzz_id(const char *s) {
        _cleanup_free_ char *reason = NULL;
        uint16_t id;

        if (vlan_id_parse(s, &id, &reason) >= 0)
                fuzz_check(id >= 1 && id <= VLAN_ID_MAX);
}

static void fuzz_qos(const char *s, bool egress) {
        _cleanup_free_ VlanQosMapping *map = NULL, *map2 = NULL;
        _cleanup_free_ char *reason = NULL, *text = NULL;
        size_t n = 0, n2 = 0;

        if (vlan_qos_map_parse(s, egress, &map, &n, &reason) < 0)
                return;
        fuzz_check(vlan_qos_map_validate(map, n, egress, &reason) >= 0);
        text = vlan_qos_map_to_string(map, n);
        fuzz_check(text);
        fuzz_check(vlan_qos_map_parse(text, egress, &map2, &n2, &reason) >= 0);
}

static void fuzz_set(const char *s) {
        _cleanup_free_ char *reason = NULL, *text = NULL;
        VlanSet set = {}, set2 = {};

        if (vlan_set_parse(s, &set, &reason) < 0)
                return;
        text = vlan_set_to_string(&set);
        fuzz_check(text);
        fuzz_check(vlan_set_parse(text, &set2, &reason) >= 0);
        fuzz_check(memcmp(&set, &set2, sizeof(set)) == 0);
}

static void fuzz_flags(const char *s) {
        _cleanup_free_ char *reason = NULL, *text = NULL;
        uint32_t flags, flags2;

        if (vlan_flags_parse(s, &flags, &reason) < 0)
                return;
        text = vlan_flags_to_string(flags);
        fuzz_check(text);
        fuzz_check(vlan_flags_parse(text, &flags2, &reason) >= 0);
        fuzz_check(flags == flags2);
}

/* The first byte picks the parser, the rest is its text. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        _cleanup_free_ char *s = fuzz_strndup(data + 1, size - 1);

        switch (data[0] % 5) {
        case 0:
                fuzz_id(s);
                break;
        case 1:
                fuzz_qos(s, /* egress= */ false);
                break;
        case 2:
                fuzz_qos(s, /* egress= */ true);
                break;
        case 3:
                fuzz_set(s);
                break;
        default:
                fuzz_flags(s);
                break;
        }
        return 0;
}
