/* rules-engine.h: cgrulesengd inside virtd: the kernel's process events classified by cgrules.conf. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "cgrules.h"

typedef struct Manager Manager;
typedef struct RulesEngine RulesEngine;

/**
 * rules_engine_new() - load the rules, listen to process events, classify the running processes.
 * @m: the manager; its group registry must exist
 * @ret: the engine
 *
 * Rules come from <config-dir>/cgrules.conf and the cgrules.d drop-ins, templates from cgconfig.conf and
 * its cgconfig.d drop-ins. A file that does not parse is logged and leaves the engine without rules (virtd still
 * starts, so that the administrator can fix it and reload). Returns 0 or -errno.
 */
int rules_engine_new(Manager *m, RulesEngine **ret);
RulesEngine *rules_engine_free(RulesEngine *e);

/**
 * rules_engine_reload() - re-read the files, reset the counters, classify every running process again.
 * @ret_message: on -EBADMSG, "FILE:LINE:COL: problem"; the rules in use are then kept
 */
int rules_engine_reload(RulesEngine *e, char **ret_message);

const CgRules *rules_engine_rules(RulesEngine *e);
/* How many processes rule @index has moved (or, with "ignore", left alone) since the rules were loaded. */
uint64_t rules_engine_matches(RulesEngine *e, size_t index);

/**
 * rules_engine_add() - insert the rules of @text (cgrules.conf lines) before @position.
 * @persistent: also rewrite <config-dir>/cgrules.conf
 * @error: names the line and the reason
 */
int rules_engine_add(RulesEngine *e, uint32_t position, const char *text, bool persistent, sd_bus_error *error);
/* Removes rule @index together with its "%" continuation lines. */
int rules_engine_remove(RulesEngine *e, uint32_t index, bool persistent, sd_bus_error *error);
/* Moves rule @from (with its continuations) so that it becomes rule @to. */
int rules_engine_move(RulesEngine *e, uint32_t from, uint32_t to, bool persistent, sd_bus_error *error);

/**
 * rules_engine_test() - where would a process of @user named @process go? Moves nothing.
 * @process: a name or a full path; "" for any process
 * @ret_index: the first matching rule; -1 when none applies
 * @ret_destination: its expanded destination ("" when none)
 * @ret_controllers: the controllers of that rule and its continuations ("*" for every controller)
 */
int rules_engine_test(RulesEngine *e, const char *user, const char *process, int32_t *ret_index, char **ret_destination,
                      char ***ret_controllers, sd_bus_error *error);
