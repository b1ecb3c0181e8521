/* group-verbs.h: what the "group" verbs share: their options and the group listing. */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "verbs.h"

/* Options of the group verbs; virtctl.c adds them to its one option table (systemctl style). */
typedef struct GroupOptions {
        char **params;           /* -p NAME=VALUE for create */
        bool recursive, migrate; /* delete */
        bool sticky;             /* classify, exec */
        uint32_t task_uid, task_gid, task_fperm, admin_uid, admin_gid, admin_dperm, admin_fperm; /* create */
        bool batch;              /* top */
        unsigned iterations;
        double delay_sec;
        const char *order;
        const char *group;       /* namespace exec --group */
} GroupOptions;

extern GroupOptions group_options;

enum {
        ARG_GROUP_MIGRATE = 0x200,
        ARG_GROUP_STICKY,
        ARG_GROUP_TASK_OWNER,
        ARG_GROUP_ADMIN_OWNER,
        ARG_GROUP_TPERM,
        ARG_GROUP_DPERM,
        ARG_GROUP_FPERM,
        ARG_GROUP_ORDER,
        ARG_GROUP_GROUP,
};

#define GROUP_SHORT_OPTIONS "p:rbn:d:"
#define GROUP_LONG_OPTIONS                                                     \
        { "param", required_argument, NULL, 'p' },                             \
        { "recursive", no_argument, NULL, 'r' },                               \
        { "batch", no_argument, NULL, 'b' },                                   \
        { "iterations", required_argument, NULL, 'n' },                        \
        { "delay", required_argument, NULL, 'd' },                             \
        { "migrate", no_argument, NULL, ARG_GROUP_MIGRATE },                   \
        { "sticky", no_argument, NULL, ARG_GROUP_STICKY },                     \
        { "task-owner", required_argument, NULL, ARG_GROUP_TASK_OWNER },       \
        { "admin-owner", required_argument, NULL, ARG_GROUP_ADMIN_OWNER },     \
        { "tperm", required_argument, NULL, ARG_GROUP_TPERM },                 \
        { "dperm", required_argument, NULL, ARG_GROUP_DPERM },                 \
        { "fperm", required_argument, NULL, ARG_GROUP_FPERM },                 \
        { "order", required_argument, NULL, ARG_GROUP_ORDER },                 \
        { "group", required_argument, NULL, ARG_GROUP_GROUP }

/* Asks virtd to move this very process into group (the daemon takes the pid from the bus, never from us). */
int group_move_self(Context *ctx, const char *group, bool sticky);

/* Handles one of the options above: 1 when it was one, 0 when not, negative on a bad argument. */
int group_parse_option(int c, const char *arg);

typedef struct GroupEntry {
        char *path;
        char **controllers;
        char *object;
} GroupEntry;

/* ListGroups, sorted by path. */
int list_groups(Context *ctx, GroupEntry **ret, size_t *ret_n);
void group_entries_free(GroupEntry *e, size_t n);
