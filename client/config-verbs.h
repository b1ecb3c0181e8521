/* config-verbs.h: options of "virtctl apply", "diff", "save" and "import". */
#pragma once

enum {
        ARG_CONFIG_DRY_RUN = 0x300,
        ARG_CONFIG_CGCONFIG,
        ARG_CONFIG_CGRULES,
};

#define CONFIG_LONG_OPTIONS                                                    \
        { "dry-run", no_argument, NULL, ARG_CONFIG_DRY_RUN },                  \
        { "cgconfig", required_argument, NULL, ARG_CONFIG_CGCONFIG },          \
        { "cgrules", required_argument, NULL, ARG_CONFIG_CGRULES }

/* Handles one of the options above: 1 when it was one, 0 when not. */
int config_parse_option(int c, const char *arg);
