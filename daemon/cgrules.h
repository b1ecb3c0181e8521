/* cgrules.h: libcgroup's cgrules.conf grammar, destination templates and the first-match rule matcher. Pure logic. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf-lexer.h"

typedef enum CgRuleSubject {
        CGRULE_SUBJECT_USER,  /* "name" */
        CGRULE_SUBJECT_GROUP, /* "@name" */
        CGRULE_SUBJECT_ANY,   /* "*" */
} CgRuleSubject;

typedef struct CgRule {
        char *file;
        unsigned line;
        /* "%": this line continues the rule above it and shares its user and process; it adds more
         * controllers and destinations for the same match. subject/process are copied from that rule. */
        bool continuation;
        CgRuleSubject subject;
        char *name; /* user or group name without '@'; NULL for "*" */
        uid_t uid;  /* resolved at parse time */
        gid_t gid;
        char *process; /* NULL = any process; with '/' a full path; a trailing '*' matches a prefix */
        char **controllers; /* NULL = "*", every mounted controller */
        char *destination;
        bool ignore; /* option "ignore": a match leaves the process where it is */
} CgRule;

typedef struct CgRules {
        CgRule *rules;
        size_t n_rules;
} CgRules;

CgRules *cgrules_free(CgRules *r);
static inline void cgrules_freep(CgRules **r) {
        cgrules_free(*r);
}

/**
 * cgrules_parse() - parse one cgrules.conf text into a rule list, in file order.
 *
 * Every line is "<user>[:<process>] <controllers> <destination> [<options>]". Users and groups are looked
 * up with getpwnam_r()/getgrnam_r() here: libcgroup skips a rule whose user is unknown, silently moving
 * the processes to a later rule; virtd refuses the file instead and names the line.
 * Returns 0, -EBADMSG (details in @err), -ENOMEM.
 */
int cgrules_parse(const char *text, size_t size, const char *filename, CgRules **ret, ConfError *err);

/* Reads @main_path, then every "*.conf" of @dropin_dir in lexical order, appending the rules. Missing = empty. */
int cgrules_load(const char *main_path, const char *dropin_dir, CgRules **ret, ConfError *err);

/* Canonical text: one tab-separated line per rule, "%" for continuations, no comments. */
int cgrules_serialize(const CgRules *r, char **ret);

/* One line of /proc/PID/cgroup, the path made relative to the managed base. */
typedef struct CgRuleCgroup {
        const char *controllers; /* "cpu,cpuacct"; "" for the unified hierarchy, which holds every controller */
        const char *path;        /* relative to the managed base ("/" = the base); NULL when outside it */
} CgRuleCgroup;

/* What the matcher knows of a process. Names may be NULL when they cannot be resolved. */
typedef struct CgRuleProcess {
        uid_t uid;
        const char *user;
        gid_t gid;
        const char *group;
        const gid_t *groups; /* supplementary groups */
        size_t n_groups;
        pid_t pid;
        const char *name; /* comm, as in /proc/PID/status */
        const char *path; /* the executable's full path, or NULL */
        const CgRuleCgroup *cgroups; /* where it is now; only "ignore" rules look at it */
        size_t n_cgroups;
} CgRuleProcess;

/**
 * cgrules_match() - the first rule that applies to @p, as libcgroup picks it.
 * @ret_index: index of the matching rule; the continuation ("%") rules right after it apply as well
 *
 * An "ignore" rule applies, as in libcgroup 2.0, only to a process that is already in its destination
 * (or below it; the destination is compared as a string prefix) in one of the rule's controllers; for
 * any other process the search goes on with the next rule.
 *
 * Returns 0 on a match, -ENOENT when no rule applies.
 */
int cgrules_match(const CgRules *r, const CgRuleProcess *p, size_t *ret_index);

/**
 * cgrules_expand_destination() - fill in %u %U %g %G %p %P for @p.
 *
 * Follows libcgroup's code (which its man page describes the other way round): %u user name, %U uid,
 * %g group name, %G gid, %p process name, %P pid; a name that is unknown becomes the number. "\%" is a
 * literal '%'. A substituted name must be one path component: one that is "." or "..", holds a '/' (a
 * process may name itself so with prctl()) or a control character would leave the hierarchy, and one
 * that holds a '%' would make the destination refer back to a template; both are refused (-EINVAL, with
 * a reason).
 */
int cgrules_expand_destination(const char *destination, const CgRuleProcess *p, char **ret, char **ret_reason);

/**
 * cgrules_text_splice() - @text with some lines dropped and @insert placed before line @before.
 * @drop: 1-based line numbers to leave out
 * @before: 1-based line to insert in front of; 0 or past the last line appends (after a newline)
 * @insert: whole lines, may be NULL; a missing final newline is added
 *
 * Persistent edits change the administrator's file this way, so that every other byte (comments, blank
 * lines, alignment) stays as it was.
 */
int cgrules_text_splice(const char *text, const unsigned *drop, size_t n_drop, unsigned before, const char *insert,
                        char **ret);

/* Line @line (1-based) of @text with its newline; "" past the end. */
int cgrules_text_line(const char *text, unsigned line, char **ret);
