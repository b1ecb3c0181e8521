/* rules-internal.h: what the engine (rules-engine.c) and its editing (rules-edit.c) share. */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "cgconfig.h"
#include "cgrules.h"
#include "manager.h"

/* A process the engine has moved, for group_moved() once no process event is pending. */
typedef struct RulesMoved {
        char *path;
        pid_t pid;
} RulesMoved;

struct RulesEngine {
        Manager *manager;
        CgRules *rules;
        uint64_t *matches; /* one counter per rule */
        CgConfig *templates; /* cgconfig.conf, for its template{} sections */
        char *main_path;    /* <config-dir>/cgrules.conf: where persistent changes go */
        int fd;             /* the proc connector socket */
        sd_event_source *source;
        pid_t *inherited; /* children of sticky processes: sticky as well, as cgrulesengd treats them */
        size_t n_inherited;
        RulesMoved *moved; /* moves whose bookkeeping has not run yet */
        size_t n_moved;
        sd_event_source *bookkeeping;
};

/* The file name of rules added at runtime only. */
extern const char rules_runtime_origin[];

/* Replaces the rules in use and their counters (both owned by the engine from now on). */
void rules_engine_set_rules(RulesEngine *e, CgRules *rules, uint64_t *matches);

/* The end (exclusive) of the block that starts at rule @i: the rule and its "%" lines. */
static inline size_t rules_block_end(const CgRules *r, size_t i) {
        for (i++; i < r->n_rules && r->rules[i].continuation; i++)
                ;
        return i;
}
