/* rules-edit.c: runtime and persistent edits of the rule list: add, remove, move.
 *
 * Every change builds a complete new rule list, saves it when asked, and only then replaces the list in
 * use, so that a refused or failed change leaves nothing half-applied. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic-file.h"
#include "fileio.h"
#include "macro.h"
#include "rules-engine.h"
#include "rules-internal.h"
#include "strv.h"
#include "virtd-bus.h"

static int rule_copy(const CgRule *from, CgRule *to) {
        int k;

        *to = *from;
        to->file = to->name = to->process = to->destination = NULL;
        to->controllers = NULL;
        if (!(to->file = strdup(from->file)) || (from->name && !(to->name = strdup(from->name))) ||
            (from->process && !(to->process = strdup(from->process))) || !(to->destination = strdup(from->destination)))
                return -ENOMEM;
        if (!from->controllers)
                return 0;
        if (!(to->controllers = calloc(1, sizeof(char *))))
                return -ENOMEM;
        for (char **c = from->controllers; *c; c++)
                if ((k = strv_extend(&to->controllers, *c)) < 0)
                        return k;
        return 0;
}

typedef struct Draft {
        CgRules *rules;
        uint64_t *matches;
} Draft;

static void draft_done(Draft *d) {
        cgrules_free(d->rules);
        free(d->matches);
}

static int draft_new(size_t n, Draft *ret) {
        ret->rules = calloc(1, sizeof(CgRules));
        ret->matches = calloc(n + 1, sizeof(uint64_t));
        if (ret->rules)
                ret->rules->rules = calloc(n + 1, sizeof(CgRule));
        if (!ret->rules || !ret->matches || !ret->rules->rules)
                return -ENOMEM;
        return 0;
}

/* Appends a copy of rule @i of @from (with its counter) to the draft. */
static int draft_take(Draft *d, const CgRule *rule, uint64_t matches) {
        CgRule *slot = &d->rules->rules[d->rules->n_rules];
        int k = rule_copy(rule, slot);

        d->matches[d->rules->n_rules++] = matches;
        return k;
}

static int validate_cgrules(const char *text, size_t size, const char *filename, char **ret_error) {
        _cleanup_(cgrules_freep) CgRules *r = NULL;
        ConfError err = {};
        int k = cgrules_parse(text, size, filename, &r, &err);

        if (k == -EBADMSG && ret_error)
                *ret_error = conf_error_format(&err);
        conf_error_done(&err);
        return k;
}

/* How a persistent change alters the main file: lines taken out, text put in before a line. Everything
 * else in the file (comments, blank lines, the administrator's alignment) stays byte for byte. */
typedef struct FileEdit {
        unsigned *drop;
        size_t n_drop;
        unsigned before; /* 0: at the end */
        char *insert;
} FileEdit;

static void file_edit_done(FileEdit *f) {
        free(f->drop);
        free(f->insert);
}

static int file_edit_drop(FileEdit *f, unsigned line) {
        unsigned *l = realloc(f->drop, (f->n_drop + 1) * sizeof(unsigned));

        if (!l)
                return -ENOMEM;
        f->drop = l;
        f->drop[f->n_drop++] = line;
        return 0;
}

static bool from_main(RulesEngine *e, const CgRule *r) {
        return streq(r->file, e->main_path);
}

/* The rules of the main file, in the canonical text: to notice a file edited behind virtd's back. */
static int main_rules_text(RulesEngine *e, const CgRules *rules, char **ret) {
        _cleanup_free_ CgRule *view = calloc((rules ? rules->n_rules : 0) + 1, sizeof(CgRule));
        CgRules mine = { .rules = view };

        if (!view)
                return -ENOMEM;
        for (size_t i = 0; rules && i < rules->n_rules; i++)
                if (from_main(e, &rules->rules[i]))
                        view[mine.n_rules++] = rules->rules[i];
        return cgrules_serialize(&mine, ret);
}

/* The main file as it is on disk, checked to hold the rules virtd loaded from it (the line numbers of
 * an edit come from there). */
static int read_main(RulesEngine *e, char **ret, sd_bus_error *error) {
        _cleanup_(cgrules_freep) CgRules *disk = NULL;
        _cleanup_free_ char *text = NULL, *now = NULL, *loaded = NULL;
        int k = read_full_file(e->main_path, &text, NULL);

        if (k == -ENOENT)
                k = (text = strdup("")) ? 0 : -ENOMEM;
        if (k < 0)
                return virtd_bus_error_setf(error, -k, "Cannot read %s: %s.", e->main_path, strerror(-k));
        k = cgrules_parse(text, strlen(text), e->main_path, &disk, NULL);
        if (k >= 0)
                k = cgrules_serialize(disk, &now);
        if (k >= 0)
                k = main_rules_text(e, e->rules, &loaded);
        if (k == -EBADMSG || (k >= 0 && !streq(now, loaded)))
                return virtd_bus_error_setf(error, EBUSY, "%s was changed since the rules were loaded; reload the rules first.",
                                            e->main_path);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(text);
        return 0;
}

/* After a save the main file's rules sit on other lines: take the numbers from the file written. */
static int renumber(RulesEngine *e, CgRules *rules, const char *text) {
        _cleanup_(cgrules_freep) CgRules *disk = NULL;
        size_t j = 0;
        int k = cgrules_parse(text, strlen(text), e->main_path, &disk, NULL);

        if (k < 0)
                return k;
        for (size_t i = 0; i < rules->n_rules && j < disk->n_rules; i++)
                if (from_main(e, &rules->rules[i]))
                        rules->rules[i].line = disk->rules[j++].line;
        return 0;
}

static int save(RulesEngine *e, CgRules *rules, const FileEdit *edit, sd_bus_error *error) {
        _cleanup_free_ char *old = NULL, *text = NULL, *message = NULL;
        int k;

        if ((k = read_main(e, &old, error)) < 0)
                return k;
        k = cgrules_text_splice(old, edit->drop, edit->n_drop, edit->before, edit->insert, &text);
        if (k < 0)
                return k;
        k = config_file_replace(e->main_path, text, strlen(text), 0644, validate_cgrules, /* force= */ false, &message);
        if (k == -EBADMSG)
                return virtd_bus_error_setf(error, EBADMSG, "Not saving the rules: %s is not valid: %s", e->main_path,
                                            strempty(message));
        if (k < 0)
                return virtd_bus_error_setf(error, -k, "Cannot write %s: %s.", e->main_path, strerror(-k));
        return renumber(e, rules, text);
}

static int commit(RulesEngine *e, Draft *d, const FileEdit *edit, sd_bus_error *error) {
        int k;

        if (edit && (k = save(e, d->rules, edit, error)) < 0)
                return k;
        rules_engine_set_rules(e, TAKE_PTR(d->rules), TAKE_PTR(d->matches));
        return 0;
}

/* The line of the first main-file rule at or after @from in @rules: where text goes in front of it. */
static unsigned main_line_from(RulesEngine *e, const CgRules *rules, size_t from) {
        for (size_t i = from; rules && i < rules->n_rules; i++)
                if (from_main(e, &rules->rules[i]))
                        return rules->rules[i].line;
        return 0;
}

static size_t n_rules(RulesEngine *e) {
        return e->rules ? e->rules->n_rules : 0;
}

/* A persistent change may only touch rules of the main file: drop-ins belong to whoever installed them. */
static int check_editable(RulesEngine *e, size_t from, size_t to, bool persistent, sd_bus_error *error) {
        for (size_t i = from; persistent && i < to; i++)
                if (!streq(e->rules->rules[i].file, e->main_path) && !streq(e->rules->rules[i].file, rules_runtime_origin))
                        return virtd_bus_error_setf(error, EOPNOTSUPP,
                                                    "Rule %zu comes from %s; edit that file, or change the rule at runtime only.",
                                                    i, e->rules->rules[i].file);
        return 0;
}

int rules_engine_add(RulesEngine *e, uint32_t position, const char *text, bool persistent, sd_bus_error *error) {
        _cleanup_(cgrules_freep) CgRules *added = NULL;
        _cleanup_(file_edit_done) FileEdit edit = {};
        _cleanup_(draft_done) Draft d = {};
        ConfError err = {};
        size_t n = n_rules(e);
        int k;

        assert(e);
        if (position > n)
                return virtd_bus_error_setf(error, EINVAL, "Rule position %" PRIu32 " is past the end (there are %zu rules).",
                                            position, n);
        if (position < n && e->rules->rules[position].continuation)
                return virtd_bus_error_setf(error, EINVAL,
                                            "Rule position %" PRIu32 " would split rule %" PRIu32 " from its '%%' line.",
                                            position, position - 1);
        k = cgrules_parse(text, strlen(text), persistent ? e->main_path : rules_runtime_origin, &added, &err);
        if (k == -EBADMSG) {
                _cleanup_free_ char *m = conf_error_format(&err);
                k = virtd_bus_error_setf(error, EBADMSG, "Rule refused: %s", strempty(m));
        }
        conf_error_done(&err);
        if (k < 0)
                return k;
        if (added->n_rules == 0)
                return virtd_bus_error_setf(error, EINVAL, "Rule text '%s' holds no rule.", text);
        if ((k = draft_new(n + added->n_rules, &d)) < 0)
                return k;
        for (size_t i = 0; i <= n && k >= 0; i++) {
                for (size_t j = 0; i == position && j < added->n_rules && k >= 0; j++)
                        k = draft_take(&d, &added->rules[j], 0);
                if (i < n && k >= 0)
                        k = draft_take(&d, &e->rules->rules[i], e->matches[i]);
        }
        if (k < 0)
                return k;
        if (persistent && !(edit.insert = strdup(text)))
                return -ENOMEM;
        edit.before = main_line_from(e, e->rules, position);
        return commit(e, &d, persistent ? &edit : NULL, error);
}

int rules_engine_remove(RulesEngine *e, uint32_t index, bool persistent, sd_bus_error *error) {
        _cleanup_(file_edit_done) FileEdit edit = {};
        _cleanup_(draft_done) Draft d = {};
        size_t n = n_rules(e), end;
        int k;

        assert(e);
        if (index >= n)
                return virtd_bus_error_setf(error, ENOENT, "There is no rule %" PRIu32 " (there are %zu rules).", index, n);
        end = rules_block_end(e->rules, index);
        if ((k = check_editable(e, index, end, persistent, error)) < 0 || (k = draft_new(n, &d)) < 0)
                return k;
        for (size_t i = 0; i < n && k >= 0; i++)
                if (i < index || i >= end)
                        k = draft_take(&d, &e->rules->rules[i], e->matches[i]);
                else if (from_main(e, &e->rules->rules[i]))
                        k = file_edit_drop(&edit, e->rules->rules[i].line);
        if (k < 0)
                return k;
        return commit(e, &d, persistent ? &edit : NULL, error);
}

/* A move in the file: the block's lines go out and, unchanged, in again before the main-file rule that
 * follows the block in its new place. */
static int move_edit(RulesEngine *e, const CgRules *moved, size_t from, size_t end, size_t to, FileEdit *ret) {
        _cleanup_free_ char *old = NULL;
        FILE *f;
        size_t size = 0;
        int k = read_full_file(e->main_path, &old, NULL);

        if (k == -ENOENT)
                k = (old = strdup("")) ? 0 : -ENOMEM;
        if (k < 0)
                return k;
        f = open_memstream(&ret->insert, &size);
        if (!f)
                return -ENOMEM;
        for (size_t i = from; i < end && k >= 0; i++) {
                _cleanup_free_ char *line = NULL;
                if (!from_main(e, &e->rules->rules[i]))
                        continue;
                k = cgrules_text_line(old, e->rules->rules[i].line, &line);
                if (k >= 0)
                        k = file_edit_drop(ret, e->rules->rules[i].line);
                if (k >= 0)
                        fputs(line, f);
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        ret->before = main_line_from(e, moved, to + (end - from));
        return k;
}

int rules_engine_move(RulesEngine *e, uint32_t from, uint32_t to, bool persistent, sd_bus_error *error) {
        _cleanup_(file_edit_done) FileEdit edit = {};
        _cleanup_(draft_done) Draft d = {};
        size_t n = n_rules(e), end, len;
        int k;

        assert(e);
        if (from >= n || to >= n)
                return virtd_bus_error_setf(error, ENOENT, "There is no rule %" PRIu32 " (there are %zu rules).",
                                            from >= n ? from : to, n);
        if (e->rules->rules[from].continuation)
                return virtd_bus_error_setf(error, EINVAL, "Rule %" PRIu32 " is a '%%' line; move the rule it continues.", from);
        end = rules_block_end(e->rules, from);
        len = end - from;
        if (to + len > n)
                return virtd_bus_error_setf(error, EINVAL, "Rule %" PRIu32 " and its %zu '%%' line%s do not fit at position %" PRIu32 ".",
                                            from, len - 1, len == 2 ? "" : "s", to);
        if ((k = check_editable(e, 0, n, persistent, error)) < 0 || (k = draft_new(n, &d)) < 0)
                return k;
        /* The rules without the moved block, with the block inserted so that it starts at @to. */
        for (size_t i = 0, out = 0; out < n && k >= 0; out++) {
                if (out >= to && out < to + len) {
                        k = draft_take(&d, &e->rules->rules[from + out - to], e->matches[from + out - to]);
                        continue;
                }
                if (i == from)
                        i = end;
                k = draft_take(&d, &e->rules->rules[i], e->matches[i]);
                i++;
        }
        if (k < 0)
                return k;
        if (to + len < n && d.rules->rules[to + len].continuation)
                return virtd_bus_error_setf(error, EINVAL, "Position %" PRIu32 " would split a rule from its '%%' line.", to);
        if (persistent && (k = move_edit(e, d.rules, from, end, to, &edit)) < 0)
                return k;
        return commit(e, &d, persistent ? &edit : NULL, error);
}

