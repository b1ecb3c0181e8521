/* fuzz-cgconfig.c: cgconfig.conf parser; what parses must serialize to text that parses to the same text. */
#include "cgconfig.h"
#include "fuzz.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(cgconfig_freep) CgConfig *c = NULL, *again = NULL;
        _cleanup_free_ char *text = NULL, *text2 = NULL;
        ConfError err = {};

        if (cgconfig_parse((const char *) data, size, "fuzz.conf", &c, &err) < 0) {
                conf_error_done(&err);
                return 0;
        }
        /* The canonical form is what Save writes: it must read back, and be a fixed point. */
        fuzz_check(cgconfig_serialize(c, &text) >= 0);
        fuzz_check(cgconfig_parse(text, strlen(text), "canonical.conf", &again, &err) >= 0);
        fuzz_check(cgconfig_serialize(again, &text2) >= 0);
        fuzz_check(strcmp(text, text2) == 0);
        return 0;
}
