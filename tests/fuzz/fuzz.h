/* fuzz.h: what every fuzz target shares: the libFuzzer entry point and a NUL-terminated copy of the input. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The parsers of single values take C strings: the input up to its first NUL, copied and terminated. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);

        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = 0;
        return s;
}

/* A failed invariant is a finding: abort so that libFuzzer (or the corpus replay) reports it. */
#define fuzz_check(expr)                                                                                     \
        do {                                                                                                 \
                if (!(expr)) {                                                                               \
                        fprintf(stderr, "fuzz_check failed: %s (%s:%d)\n", #expr, __FILE__, __LINE__);      \
                        abort();                                                                             \
                }                                                                                            \
        } while (0)
