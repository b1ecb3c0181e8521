/* strset.h: a set of strings by hash (open addressing), for the keys that grow with the number of objects. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct StrSet StrSet;

/* FNV-1a of a string: the hash of this set and of the group registry's table. */
uint64_t string_hash(const char *key);

StrSet *strset_new(void);
StrSet *strset_free(StrSet *s);
static inline void strset_freep(StrSet **s) {
        strset_free(*s);
}

/* Adds a copy of @key: 1 when added, 0 when already there, -ENOMEM. A NULL set is an empty one for the readers. */
int strset_add(StrSet *s, const char *key);
/* 1 when @key was there and is removed, 0 when it was not. */
int strset_remove(StrSet *s, const char *key);
bool strset_contains(const StrSet *s, const char *key);
size_t strset_size(const StrSet *s);
void strset_clear(StrSet *s);

/**
 * strset_iterate() - the next key after *@i (start with *@i = 0), or NULL at the end.
 *
 * The set must not change while it is iterated; the order is the table's, not the insertion order.
 */
const char *strset_iterate(const StrSet *s, size_t *i);

/* The keys, sorted, as a new NULL-terminated array (empty, not NULL, for an empty or NULL set). */
char **strset_to_strv(const StrSet *s);
