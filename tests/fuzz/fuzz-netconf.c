/* fuzz-netconf.c: network.conf parser and dependency order; the canonical form must read back unchanged. */
#include "fuzz.h"
#include "macro.h"
#include "netconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(netconf_freep) NetConfig *c = NULL, *again = NULL;
        _cleanup_free_ char *text = NULL, *text2 = NULL;
        _cleanup_free_ size_t *order = NULL;
        ConfError err = {};

        if (netconf_parse((const char *) data, size, "fuzz.conf", &c, &err) < 0) {
                conf_error_done(&err);
                return 0;
        }
        /* A valid file has no dependency cycle (references are checked), so an order always exists. */
        if (netconf_order(c, &order, &err) < 0)
                conf_error_done(&err);
        else
                for (size_t i = 0; i < c->n_objects; i++)
                        fuzz_check(order[i] < c->n_objects);
        fuzz_check(netconf_serialize(c, &text) >= 0);
        fuzz_check(netconf_parse(text, strlen(text), "canonical.conf", &again, &err) >= 0);
        fuzz_check(netconf_serialize(again, &text2) >= 0);
        fuzz_check(strcmp(text, text2) == 0);
        return 0;
}
