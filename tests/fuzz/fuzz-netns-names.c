/* fuzz-netns-names.c: namespace and link names, IP prefixes, MAC addresses, network.conf's name/CIDR checks. */
#include <arpa/inet.h>

#include "fuzz.h"
#include "macro.h"
#include "netconf.h"
#include "netns-names.h"

static void fuzz_prefix(const char *s) {
        char buf[IP_PREFIX_STRING_MAX];
        IpPrefix p, p2;

        if (ip_prefix_parse(s, &p) < 0)
                return;
        fuzz_check(p.family == AF_INET || p.family == AF_INET6);
        fuzz_check(p.prefixlen <= (p.family == AF_INET ? 32u : 128u));
        fuzz_check(ip_prefix_format(&p, buf, sizeof(buf)));
        fuzz_check(ip_prefix_parse(buf, &p2) >= 0);
        fuzz_check(p.family == p2.family && p.prefixlen == p2.prefixlen);
        fuzz_check(memcmp(&p.address, &p2.address, p.family == AF_INET ? 4 : 16) == 0);
}

static void fuzz_mac(const char *s) {
        const char *reason = NULL;
        uint8_t mac[6];

        if (mac_parse(s, mac, &reason) < 0)
                fuzz_check(reason);
        else
                fuzz_check(!(mac[0] & 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        _cleanup_free_ char *s = fuzz_strndup(data + 1, size - 1);
        _cleanup_free_ char *reason = NULL;

        switch (data[0] % 6) {
        case 0:
                if (!namespace_name_invalid_reason(s))
                        fuzz_check(strlen(s) >= 1 && strlen(s) <= NAMESPACE_NAME_MAX && !strchr(s, '/'));
                break;
        case 1:
                if (!link_name_invalid_reason(s))
                        fuzz_check(strlen(s) >= 1 && strlen(s) <= 15 && !strchr(s, '/'));
                break;
        case 2:
                fuzz_prefix(s);
                break;
        case 3:
                fuzz_mac(s);
                break;
        case 4:
                (void) netconf_ifname_validate(s, &reason);
                break;
        default:
                (void) netconf_cidr_validate(s, &reason);
                break;
        }
        return 0;
}
