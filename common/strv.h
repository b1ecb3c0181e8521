/* strv.h: NULL-terminated string arrays. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

size_t strv_length(char * const *l);
/* Appends a copy of value; returns -ENOMEM on failure, leaving l untouched. */
int strv_extend(char ***l, const char *value);
bool strv_contains(char * const *l, const char *value);
/* Splits s at any of the separator characters, skipping empty fields. */
char **strv_split(const char *s, const char *separators);
char *strv_join(char * const *l, const char *separator);
