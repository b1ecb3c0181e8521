/* cgconfig.h: libcgroup's cgconfig.conf grammar: data model, parser, canonical serializer, drop-in merge. Pure logic. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup-backend.h"
#include "conf-lexer.h"

/* One side of a perm{} section: who owns the tasks file (task) or the rest of the group (admin). */
typedef struct CgPermSide {
        char *uid; /* a user name, as libcgroup requires; NULL = not given */
        char *gid; /* a group name; NULL = not given */
        mode_t fperm;
        mode_t dperm; /* admin only */
        bool has_fperm;
        bool has_dperm;
} CgPermSide;

typedef struct CgPerm {
        bool present;
        CgPermSide task;
        CgPermSide admin;
} CgPerm;

typedef struct CgParam {
        char *name;
        char *value;
} CgParam;

typedef struct CgController {
        char *name;
        CgParam *params;
        size_t n_params;
} CgController;

typedef struct CgGroup {
        char *name;
        CgPerm perm;
        CgController *controllers;
        size_t n_controllers;
        unsigned line; /* where it was defined, for messages */
} CgGroup;

/* A "controller = path;" line of mount{} or namespace{}. */
typedef struct CgMapping {
        char *controller;
        char *path;
} CgMapping;

typedef struct CgConfig {
        CgMapping *mounts;
        size_t n_mounts;
        CgMapping *namespaces;
        size_t n_namespaces;
        CgPerm default_perm;
        CgGroup *groups;
        size_t n_groups;
        CgGroup *templates;
        size_t n_templates;
} CgConfig;

CgConfig *cgconfig_free(CgConfig *c);
static inline void cgconfig_freep(CgConfig **c) {
        cgconfig_free(*c);
}

/**
 * cgconfig_parse() - parse one cgconfig.conf text.
 * @text: the file contents; need not be NUL-terminated, never read past @size
 * @filename: used in error messages only
 * @ret: the parsed configuration
 * @err: receives "FILE:LINE:COL: problem" details on failure (may be NULL)
 *
 * User and group names in perm{} are resolved with getpwnam_r()/getgrnam_r() while parsing, because
 * libcgroup does the same and refuses the whole file when one does not exist: a file that virtd accepts
 * must be one that cgconfigparser accepts on the same host.
 *
 * Returns 0, -EBADMSG on a syntax or validation error, -ENOMEM.
 */
int cgconfig_parse(const char *text, size_t size, const char *filename, CgConfig **ret, ConfError *err);

/**
 * cgconfig_serialize() - the canonical text of @c, accepted by libcgroup's cgconfigparser.
 *
 * Sections in the order mount, namespace, default, groups, templates; tab indentation as cgsnapshot
 * writes it; parameter values always quoted; names quoted only where libcgroup's lexer needs it.
 * Returns -EINVAL if a value contains a double quote, which the grammar cannot express.
 */
int cgconfig_serialize(const CgConfig *c, char **ret);

/**
 * cgconfig_merge() - fold @from (a later drop-in) into @into.
 *
 * libcgroup's cgconfigparser loads the main file and then each drop-in on its own, applying each to the
 * kernel in turn; a group that appears again is created again and its parameters written again, so the
 * later file's value wins per parameter, other parameters stay, and a later perm{} replaces the earlier
 * one. Mount and namespace entries for the same controller are replaced; a later default{} replaces the
 * earlier one. We compute that same end state.
 */
int cgconfig_merge(CgConfig *into, const CgConfig *from);

/**
 * cgconfig_load() - read @main_path, then every "*.conf" in @dropin_dir in lexical (strcmp) order.
 *
 * A missing main file or drop-in directory counts as empty. Errors name the file that failed.
 */
int cgconfig_load(const char *main_path, const char *dropin_dir, CgConfig **ret, ConfError *err);

/*
 * cgconfig_dropin_defining() - the first "*.conf" of @dropin_dir that defines group @name (with @subtree, or a
 * group below it). Returns 1 with its path in *@ret_path (caller frees), 0 when none does, or -errno.
 */
int cgconfig_dropin_defining(const char *dropin_dir, const char *name, bool subtree, char **ret_path);

/* The uids, gids and modes of @p for cgroup_backend_create(); names the parser checked, unset fields unset. */
CgroupPerm cgconfig_perm_resolve(const CgPerm *p);

/* Frees what a group holds (for callers that build or trim a CgConfig). */
void cgconfig_group_done(CgGroup *g);

const CgGroup *cgconfig_find_group(const CgConfig *c, const char *name);

/* Whether @name is a kernel cgroup controller libcgroup can mount (v1 and v2 names, "name=…" hierarchies). */
bool cgconfig_controller_known(const char *name);

/**
 * cgconfig_group_name_validate() - refuse names that would leave the hierarchy or cannot be a directory.
 * @template: allow the %u %U %g %G %p %P specifiers of template names
 */
int cgconfig_group_name_validate(const char *name, bool template, char **ret_reason);
