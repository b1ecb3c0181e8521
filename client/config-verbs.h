/* config-verbs.h: options of "virtctl apply", "diff" and "save". */
#pragma once

enum {
        ARG_CONFIG_DRY_RUN = 0x300,
};

#define CONFIG_LONG_OPTIONS { "dry-run", no_argument, NULL, ARG_CONFIG_DRY_RUN }

/* Handles one of the options above: 1 when it was one, 0 when not. */
int config_parse_option(int c, const char *arg);
