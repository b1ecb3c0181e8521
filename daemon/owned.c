/* owned.c: the ownership record in memory, and on disk as <state-dir>/owned plus an append-only journal. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply-internal.h"
#include "atomic-file.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "owned.h"
#include "strset.h"
#include "strv.h"

/*
 * Every CreateGroup or DeleteGroup changes the record by one key. Rewriting the whole record with two
 * fsync()s per call made each call cost O(number of objects) in bytes and a disk flush, which was most of
 * the 149 s of creating and deleting 10,000 groups. A call now appends "+KEY" or "-KEY" to owned.journal,
 * and the calls handled in one busy stretch of the event loop share one append and one fdatasync().
 * The journal is folded into the record file when it has grown past the record's size (so the rewrite
 * costs O(1) per change, amortized), at start and at a clean stop.
 *
 * Replaying a journal over a record that already holds its changes gives the same record (each key ends as
 * its last line says), so a kill between the record's rename and the journal's truncation loses nothing.
 */

#define JOURNAL_MIN_LINES 1024
#define MAX(a, b) ((a) > (b) ? (a) : (b))
/* Replies waiting for one write at most; a busier bus makes the write happen in line. */
#define REPLIES_MAX 256

struct OwnedRecord {
        Manager *manager;
        StrSet *keys;
        char *path, *journal_path;
        int journal_fd;        /* -EBADF until the journal is first opened */
        size_t journal_lines;  /* in the journal on disk */
        bool fold;             /* a failed write: the next one rewrites the record whole */
        char *pending;         /* lines for the journal, not written yet */
        size_t n_pending, pending_size;
        size_t pending_lines;
        sd_bus_message *replies[REPLIES_MAX];
        size_t n_replies;
        sd_event_source *flush;
};

static int apply_line(StrSet *keys, const char *line) {
        if (line[0] == '+')
                return strset_add(keys, line + 1) < 0 ? -ENOMEM : 0;
        if (line[0] == '-')
                return strset_remove(keys, line + 1), 0;
        return -EBADMSG;
}

/* Lines of @text into @keys: plain keys (the record), or +KEY/-KEY (the journal). A last line without its
 * newline is a torn append and is ignored. Returns the number of journal lines taken. */
static int load_lines(StrSet *keys, char *text, bool journal, size_t *ret_lines) {
        size_t n = 0;
        char *p = text, *nl;
        int r;

        for (; (nl = strchr(p, '\n')) || (!journal && *p); p = nl + 1) {
                if (nl)
                        *nl = 0;
                if (*p) {
                        r = journal ? apply_line(keys, p) : strset_add(keys, p) < 0 ? -ENOMEM : 0;
                        if (r == -EBADMSG)
                                log_warning("Ignoring a malformed line in the ownership journal: %s", p);
                        else if (r < 0)
                                return r;
                        n++;
                }
                if (!nl)
                        break;
        }
        *ret_lines = n;
        return 0;
}

static int read_into(const char *path, StrSet *keys, bool journal, size_t *ret_lines) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r = read_full_file(path, &text, &size);

        *ret_lines = 0;
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        return load_lines(keys, text, journal, ret_lines);
}

static int journal_open(OwnedRecord *o) {
        _cleanup_close_ int dfd = -EBADF;
        bool existed;

        if (o->journal_fd >= 0)
                return 0;
        existed = access(o->journal_path, F_OK) == 0;
        o->journal_fd = open(o->journal_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (o->journal_fd < 0)
                return -errno;
        if (existed)
                return 0;
        /* A new journal's name must be on disk before any line in it counts. */
        dfd = open(o->manager->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return dfd < 0 || fsync(dfd) < 0 ? -errno : 0;
}

/* Writes the record file from @keys and empties the journal. */
static int record_fold(OwnedRecord *o, const StrSet *keys) {
        _cleanup_strv_free_ char **l = strset_to_strv(keys);
        _cleanup_free_ char *text = NULL;
        int r;

        size_t size;

        if (!l || !(text = strv_join(l, "\n")))
                return -ENOMEM;
        /* One key a line, each ending in a newline. */
        size = strlen(text);
        if (size > 0) {
                char *grown = realloc(text, size + 2);
                if (!grown)
                        return -ENOMEM;
                text = grown;
                text[size++] = '\n';
                text[size] = 0;
        }
        r = atomic_write_file(o->path, text, size, 0644);
        if (r < 0)
                return r;
        /* The record holds the journal's changes now; replaying them again would change nothing, so the
         * truncation needs no flush of its own. */
        if (o->journal_fd >= 0 && ftruncate(o->journal_fd, 0) < 0)
                return -errno;
        if (o->journal_fd < 0 && truncate(o->journal_path, 0) < 0 && errno != ENOENT)
                return -errno;
        o->journal_lines = 0;
        o->fold = false;
        return 0;
}

static int record_load(Manager *m) {
        _cleanup_(owned_record_freep) OwnedRecord *o = NULL;
        size_t n_record, n_journal;
        int r;

        if (m->owned)
                return 0;
        if (!(o = calloc(1, sizeof(OwnedRecord))))
                return -ENOMEM;
        o->manager = m;
        o->journal_fd = -EBADF;
        if (!(o->keys = strset_new()) || !(o->path = dir_file(m->state_dir, "owned")) ||
            !(o->journal_path = dir_file(m->state_dir, "owned.journal")))
                return -ENOMEM;
        if ((r = read_into(o->path, o->keys, /* journal= */ false, &n_record)) < 0 ||
            (r = read_into(o->journal_path, o->keys, /* journal= */ true, &n_journal)) < 0)
                return r;
        /* A journal left by a kill is folded in at once, so that the record file alone is complete. */
        if (n_journal > 0 && (r = record_fold(o, o->keys)) < 0)
                log_warning_errno(r, "Cannot fold the ownership journal into %s: %m", o->path);
        m->owned = TAKE_PTR(o);
        return 0;
}

int owned_read(Manager *m, char ***ret) {
        int r = record_load(m);

        if (r < 0)
                return r;
        *ret = strset_to_strv(m->owned->keys);
        return *ret ? 0 : -ENOMEM;
}

static void pending_clear(OwnedRecord *o) {
        o->n_pending = 0;
        o->pending_lines = 0;
        if (o->pending)
                o->pending[0] = 0;
}

int owned_write(Manager *m, char **owned) {
        _cleanup_(strset_freep) StrSet *keys = strset_new();
        int r;

        if ((r = record_load(m)) < 0)
                return r;
        if (!keys)
                return -ENOMEM;
        for (char **k = owned; k && *k; k++)
                if (strset_add(keys, *k) < 0)
                        return -ENOMEM;
        if ((r = record_fold(m->owned, keys)) < 0)
                return r;
        strset_free(m->owned->keys);
        m->owned->keys = TAKE_PTR(keys);
        /* The calls' queued lines were in the list the caller read; their replies still wait for the flush. */
        pending_clear(m->owned);
        return 0;
}

/* One durable write of what the calls queued: an append, or the whole record when the journal is long. */
static int record_flush(OwnedRecord *o) {
        int r;

        if (o->n_pending == 0 && !o->fold)
                return 0;
        if (o->fold || o->journal_lines + o->pending_lines > MAX((size_t) JOURNAL_MIN_LINES, strset_size(o->keys)))
                r = record_fold(o, o->keys);
        else if ((r = journal_open(o)) >= 0) {
                ssize_t k = write(o->journal_fd, o->pending, o->n_pending);

                if (k < 0 || (size_t) k != o->n_pending || fdatasync(o->journal_fd) < 0) {
                        r = k >= 0 && (size_t) k != o->n_pending ? -EIO : -errno;
                        /* Part of the batch may be in the journal: truncated or not, the record rewrite below
                         * supersedes it. */
                } else
                        o->journal_lines += o->pending_lines;
        }
        if (r < 0)
                o->fold = true;
        pending_clear(o);
        return r;
}

static void flush_and_reply(OwnedRecord *o) {
        int r = record_flush(o);

        if (r < 0)
                log_warning_errno(r, "Cannot write the ownership record %s: %m", o->path);
        for (size_t i = 0; i < o->n_replies; i++) {
                r = sd_bus_send(NULL, o->replies[i], NULL);
                if (r < 0)
                        log_warning_errno(r, "Cannot send a reply: %m");
                sd_bus_message_unref(o->replies[i]);
        }
        o->n_replies = 0;
}

static int on_flush(sd_event_source *s, void *userdata) {
        flush_and_reply(userdata);
        return sd_event_source_set_enabled(s, SD_EVENT_OFF);
}

/* The flush runs once the bus has no message waiting: below the bus's priority. */
static int flush_schedule(OwnedRecord *o) {
        Manager *m = o->manager;
        int r;

        if (!m->event) {
                flush_and_reply(o);
                return 0;
        }
        if (!o->flush) {
                r = sd_event_add_defer(m->event, &o->flush, on_flush, o);
                if (r >= 0)
                        r = sd_event_source_set_priority(o->flush, SD_EVENT_PRIORITY_NORMAL + 1);
                if (r < 0) {
                        o->flush = sd_event_source_disable_unref(o->flush);
                        flush_and_reply(o);
                        return r;
                }
        }
        return sd_event_source_set_enabled(o->flush, SD_EVENT_ONESHOT);
}

static int pending_append(OwnedRecord *o, char sign, const char *key) {
        size_t need = o->n_pending + strlen(key) + 3;

        if (need > o->pending_size) {
                size_t size = MAX(need, o->pending_size * 2);
                char *p = realloc(o->pending, size);
                if (!p)
                        return -ENOMEM;
                o->pending = p;
                o->pending_size = size;
        }
        o->n_pending += sprintf(o->pending + o->n_pending, "%c%s\n", sign, key);
        o->pending_lines++;
        return 0;
}

int owned_change(Manager *m, const char *key, bool add) {
        OwnedRecord *o;
        int r;

        assert(m);
        assert(key);
        if ((r = record_load(m)) < 0)
                return r;
        o = m->owned;
        r = add ? strset_add(o->keys, key) : strset_remove(o->keys, key);
        if (r <= 0)
                return r;
        if (pending_append(o, add ? '+' : '-', key) < 0)
                o->fold = true; /* the record in memory has it: the next write takes all of it */
        r = flush_schedule(o);
        return r < 0 ? r : 1;
}

int owned_reply(Manager *m, sd_bus_message *reply) {
        OwnedRecord *o = m->owned;

        assert(reply);
        if (!o || (o->n_pending == 0 && !o->fold && o->n_replies == 0))
                return sd_bus_send(NULL, reply, NULL);
        o->replies[o->n_replies++] = sd_bus_message_ref(reply);
        if (o->n_replies >= REPLIES_MAX)
                flush_and_reply(o);
        else
                (void) flush_schedule(o);
        /* Handled: sd-bus would look for another handler, and answer UnknownMethod, after a 0. */
        return 1;
}

int owned_reply_method_return(Manager *m, sd_bus_message *call, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        va_list ap;
        int r = sd_bus_message_new_method_return(call, &reply);

        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(reply, types, ap);
                va_end(ap);
        }
        return r < 0 ? r : owned_reply(m, reply);
}

OwnedRecord *owned_record_free(OwnedRecord *o) {
        int r;

        if (!o)
                return NULL;
        flush_and_reply(o);
        if (o->journal_lines > 0 && (r = record_fold(o, o->keys)) < 0)
                log_warning_errno(r, "Cannot fold the ownership journal into %s: %m", o->path);
        sd_event_source_disable_unref(o->flush);
        free(o->pending);
        if (o->journal_fd >= 0)
                (void) close(o->journal_fd);
        strset_free(o->keys);
        free(o->path);
        free(o->journal_path);
        free(o);
        return NULL;
}
