/* persist.h: the saved half of the mutating methods (one object edited in the files) and the Unsaved flags. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "cgconfig.h"
#include "netconf.h"

typedef struct Manager Manager;
typedef struct ApplyContext ApplyContext;

/* The new text of one configuration file, computed before the kernel is touched. */
typedef struct PersistEdit {
        char *path;
        char *text;
        bool cgconfig;
        unsigned generation; /* of the parsed file the edit changed (persist.c's cache) */
} PersistEdit;

void persist_edit_done(PersistEdit *e);

/* The parsed cgconfig.conf and network.conf as they are on disk, re-read only when the file's (st_dev,
 * st_ino, st_mtim, st_size) changed; freed with the manager. */
typedef struct PersistCache PersistCache;
PersistCache *persist_cache_free(PersistCache *c);

/* Edits return > 0 when they changed the file, 0 when there was nothing to change, or -errno. */
typedef int (*persist_cgconfig_fn)(CgConfig *c, void *userdata);
typedef int (*persist_network_fn)(NetConfig *c, void *userdata);

/**
 * persist_prepare_cgconfig() - cgconfig.conf with one change, as text, without writing it.
 * @fn: changes the parsed file; a negative return aborts
 * @group: the one group @fn adds, changes or removes: only it is checked (the rest of the file parsed
 *         already); NULL to check the whole result
 * @error: ParseError naming the file and line when the current file does not parse; PermissionDenied when
 *         the file or its directory cannot be written (a read-only file system)
 *
 * Called before the kernel change, so that a file that cannot be edited refuses the whole call.
 */
int persist_prepare_cgconfig(Manager *m, persist_cgconfig_fn fn, void *userdata, const char *group, PersistEdit *ret,
                             sd_bus_error *error);
/* The same for network.conf. */
int persist_prepare_network(Manager *m, persist_network_fn fn, void *userdata, PersistEdit *ret, sd_bus_error *error);

/* Before a kernel change: the file (cgconfig.conf or network.conf) parses and can be written. */
int persist_check(Manager *m, bool cgconfig, sd_bus_error *error);

/* Writes the prepared text atomically (FILE~ kept); on failure the caller undoes its kernel change. Must
 * follow its persist_prepare_*() with no other edit in between. */
int persist_commit(Manager *m, const PersistEdit *e, sd_bus_error *error);

/* Adds (@add) or removes "KIND NAME" in the ownership record; failures are logged, not fatal. */
void persist_own(Manager *m, const char *kind, const char *name, bool add);

/*
 * Unsaved flags. Keys: "group NAME" (as cgconfig.conf names it), "namespace NAME", "link NAMESPACE/NAME".
 * An object is unsaved when a runtime-only call changed it since the last Save, or when the comparison of
 * the live state with the files finds it different or missing from the files.
 */
void persist_mark_runtime(Manager *m, const char *key);
void persist_forget(Manager *m, const char *key);
/* Save wrote everything: no runtime marks remain. */
void persist_saved_all(Manager *m);
bool persist_is_unsaved(Manager *m, const char *key);
/* Recomputes the flags from a fresh comparison and emits PropertiesChanged for those that flipped. */
int persist_unsaved_update(Manager *m, const ApplyContext *c);

char *persist_link_key(const char *ns, const char *name);
