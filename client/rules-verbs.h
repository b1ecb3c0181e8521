/* rules-verbs.h: the "rules" verbs' option (--runtime) for virtctl's one option table. */
#pragma once

#include <getopt.h>
#include <stdbool.h>

enum {
        ARG_RULES_RUNTIME = 0x400,
};

#define RULES_LONG_OPTIONS { "runtime", no_argument, NULL, ARG_RULES_RUNTIME }

/* Handles the option above: 1 when it was one, 0 when not. */
