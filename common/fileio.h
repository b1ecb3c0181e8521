/* fileio.h: small file helpers: whole-file reads, one-line reads, path joins. */
#pragma once

#include <stddef.h>

/* Reads a whole (possibly virtual, size-less) file into a NUL-terminated buffer. */
int read_full_file(const char *path, char **ret, size_t *ret_size);
/* Reads the first line, without its newline. */
int read_one_line_file(const char *path, char **ret);
/* Joins root and path ("" root means the real system). */
char *path_join(const char *root, const char *path);
/* Reads root+path; returns -errno. */
int read_full_file_at_root(const char *root, const char *path, char **ret);
char *strdup_or_empty(const char *s);
