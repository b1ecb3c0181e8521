/* apply-internal.h: helpers shared by apply.c, apply-save.c and apply-drift.c. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "conf-lexer.h"

typedef struct Manager Manager;

/* "DIR/NAME"; NULL on OOM. */
char *dir_file(const char *dir, const char *name);
/* ParseError with the parser's "FILE:LINE:COL: problem" for -EBADMSG, else the errno's error naming @what. */
int parse_error(sd_bus_error *error, int r, ConfError *err, const char *what);
/* Adds (@add) or removes "KIND NAME" in the ownership record and writes it atomically. */
int owned_update(Manager *m, char ***owned, const char *kind, const char *name, bool add);
/* The same, in memory only; owned_write() writes the record. */
int owned_mark(char ***owned, const char *kind, const char *name, bool add);
int owned_write(Manager *m, char **owned);
