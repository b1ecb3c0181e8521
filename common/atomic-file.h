/* atomic-file.h: crash-safe replacement of configuration files, keeping the previous version as FILE~. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/**
 * atomic_write_file() - replace @path with @contents so that a crash leaves the old or the new file whole.
 * @mode: permissions of the new file (not subject to the umask)
 *
 * The data goes to an unnamed O_TMPFILE (or, where the file system lacks it, a mkostemp() file) in the
 * same directory and is fsync()ed. If @path exists, it is hard-linked to "@path~" before the new file is
 * renamed over @path; then the directory is fsync()ed. At every instant @path is a complete old or complete new version.
 *
 * On failure the temporary file is removed and @path is untouched. Returns 0 or -errno (-ENOSPC when the
 * file system is full).
 */
int atomic_write_file(const char *path, const void *contents, size_t size, mode_t mode);

/*
 * atomic_file_remove_stale() - remove the temporary files a killed writer left in @dir for the files named in the
 * NULL-terminated @bases (".#BASE.…", regular files only). Returns how many were removed, or -errno.
 */
int atomic_file_remove_stale(const char *dir, const char *const *bases);

/* Checks that @text parses; on failure returns a negative errno and, if @ret_error, a "FILE:LINE:COL: …" text. */
typedef int (*config_validate_fn)(const char *text, size_t size, const char *filename, char **ret_error);

/**
 * config_file_replace() - write @contents to @path unless the file on disk is one we could not read.
 * @validate: parser for this kind of file; checks both the current file and @contents
 * @force: overwrite even a current file that does not parse
 * @ret_error: on -EBADMSG, the parse error of whichever text failed (caller frees)
 *
 * An administrator's half-edited file must never be replaced by virtd's idea of the state: if the current
 * file does not parse this returns -EBADMSG and changes nothing. @contents must parse as well. A missing
 * file is simply created.
 */
int config_file_replace(const char *path, const char *contents, size_t size, mode_t mode, config_validate_fn validate,
                        bool force, char **ret_error);
