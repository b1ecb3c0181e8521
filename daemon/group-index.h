/* group-index.h: the group registry's lookup by path and its list of groups, kept together. */
#pragma once

#include <stdbool.h>

#include "group.h"

/* The registered group at PATH (relative to the base), or NULL: O(1). */
Group *group_index_find(GroupRegistry *r, const char *path);
/* Registers g in the table and at the head of r->groups. */
int group_index_add(GroupRegistry *r, Group *g);
/* Unlinks g from both; the caller frees it. */
void group_index_remove(GroupRegistry *r, Group *g);
/* False when no registered group lies strictly below UNDER, so that a sync of a leaf need not look at
 * every group; true when some may. */
bool group_index_may_have_below(GroupRegistry *r, const char *under);
void group_index_done(GroupRegistry *r);
