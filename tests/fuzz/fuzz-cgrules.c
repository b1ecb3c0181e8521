/* fuzz-cgrules.c: cgrules.conf parser; what parses must serialize to text that parses to the same text. */
#include "cgrules.h"
#include "fuzz.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(cgrules_freep) CgRules *r = NULL, *again = NULL;
        _cleanup_free_ char *text = NULL, *text2 = NULL;
        ConfError err = {};

        if (cgrules_parse((const char *) data, size, "fuzz.rules", &r, &err) < 0) {
                conf_error_done(&err);
                return 0;
        }
        fuzz_check(cgrules_serialize(r, &text) >= 0);
        fuzz_check(cgrules_parse(text, strlen(text), "canonical.rules", &again, &err) >= 0);
        fuzz_check(cgrules_serialize(again, &text2) >= 0);
        fuzz_check(strcmp(text, text2) == 0);
        return 0;
}
