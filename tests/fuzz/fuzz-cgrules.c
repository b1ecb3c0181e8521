/* fuzz-cgrules.c: cgrules.conf parser; what parses must serialize to text that parses to the same text;
 * splicing out every rule line leaves no rule; a destination expanded with a hostile process name never
 * leaves the hierarchy. */
#include <stdlib.h>

#include "cgrules.h"
#include "fuzz.h"
#include "macro.h"

static void check_splice(const char *text, const CgRules *r) {
        _cleanup_free_ unsigned *lines = calloc(r->n_rules + 1, sizeof(unsigned));
        _cleanup_free_ char *same = NULL, *none = NULL;
        _cleanup_(cgrules_freep) CgRules *left = NULL;
        ConfError err = {};

        fuzz_check(lines);
        for (size_t i = 0; i < r->n_rules; i++)
                lines[i] = r->rules[i].line;
        fuzz_check(cgrules_text_splice(text, NULL, 0, 0, NULL, &same) >= 0);
        fuzz_check(strcmp(same, text) == 0);
        fuzz_check(cgrules_text_splice(text, lines, r->n_rules, 0, NULL, &none) >= 0);
        fuzz_check(cgrules_parse(none, strlen(none), "spliced.rules", &left, &err) >= 0);
        fuzz_check(left->n_rules == 0);
}

/* The process name is taken from the input itself, so that it holds whatever the fuzzer finds. */
static void check_expand(const CgRules *r, const char *text) {
        char name[16] = {};
        CgRuleProcess p = { .uid = 1, .user = name, .gid = 2, .group = name, .pid = 3, .name = name };

        strncpy(name, text, sizeof(name) - 1);
        for (size_t i = 0; i < r->n_rules; i++) {
                _cleanup_free_ char *dest = NULL, *why = NULL;
                if (cgrules_expand_destination(r->rules[i].destination, &p, &dest, &why) < 0)
                        continue;
                fuzz_check(!strstr(dest, "/../") && strncmp(dest, "../", 3) != 0 && strcmp(dest, "..") != 0);
                for (const char *c = dest; *c; c++)
                        fuzz_check((unsigned char) *c >= ' ');
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(cgrules_freep) CgRules *r = NULL, *again = NULL;
        _cleanup_free_ char *text = NULL, *text2 = NULL, *input = NULL;
        ConfError err = {};

        if (cgrules_parse((const char *) data, size, "fuzz.rules", &r, &err) < 0) {
                conf_error_done(&err);
                return 0;
        }
        fuzz_check(cgrules_serialize(r, &text) >= 0);
        fuzz_check(cgrules_parse(text, strlen(text), "canonical.rules", &again, &err) >= 0);
        fuzz_check(cgrules_serialize(again, &text2) >= 0);
        fuzz_check(strcmp(text, text2) == 0);
        /* The parser refuses NUL bytes, so the input is a string. */
        input = strndup((const char *) data, size);
        fuzz_check(input);
        check_splice(input, r);
        check_expand(r, input);
        return 0;
}
