/* owned.h: the ownership record in memory, and on disk as <state-dir>/owned plus an append-only journal. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

typedef struct Manager Manager;
typedef struct OwnedRecord OwnedRecord;

/* Writes what is pending and folds the journal into the record (a clean stop), then frees. */
OwnedRecord *owned_record_free(OwnedRecord *o);
static inline void owned_record_freep(OwnedRecord **o) {
        owned_record_free(*o);
}

/* A copy of the record's "KIND NAME" keys, sorted; loaded from the files at the first use. */
int owned_read(Manager *m, char ***ret);

/**
 * owned_write() - replace the whole record with @owned.
 *
 * The record file is replaced atomically and the journal emptied; what calls had queued for the journal is
 * part of @owned's source (owned_read()) and goes with it. Returns 0 or -errno; on failure the record in
 * memory and on disk is unchanged.
 */
int owned_write(Manager *m, char **owned);

/**
 * owned_change() - add (@add) or remove one "KIND NAME" key, as a method call's change.
 *
 * Nothing is written when the key is already (or not) there. Otherwise the change is queued: the calls
 * handled before the event loop next goes idle share one append to the journal and one fdatasync(), and
 * their replies (owned_reply()) are sent after it. Returns 1 when a write is queued, 0, or -ENOMEM.
 */
int owned_change(Manager *m, const char *key, bool add);

/**
 * owned_reply() - send @reply once the queued record changes are on disk (at once if none are queued).
 *
 * A method that changed the record must not report success before the change is durable. A failed write
 * is logged and the replies go out all the same, as a record that cannot be written never failed a call.
 * Returns 1 (the call is handled) or -errno.
 */
int owned_reply(Manager *m, sd_bus_message *reply);
/* The same for a method return to @call carrying @types (sd_bus_reply_method_return()'s arguments). */
int owned_reply_method_return(Manager *m, sd_bus_message *call, const char *types, ...);
