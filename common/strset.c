/* strset.c: a set of strings by hash (open addressing with linear probing and tombstones). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "strset.h"

/* Marks a slot whose key was removed: lookups probe past it, inserts may reuse it. */
static char tombstone;
#define TOMBSTONE (&tombstone)

struct StrSet {
        char **slots;
        size_t n_slots; /* a power of two, or 0 */
        size_t n_keys;
        size_t n_used;  /* keys and tombstones */
};

uint64_t string_hash(const char *key) {
        /* FNV-1a: the keys are object names the daemon made or a caller chose; no secret is at stake, and a
         * caller who chose colliding names only slows their own calls down. */
        uint64_t h = UINT64_C(14695981039346656037);

        for (const unsigned char *p = (const unsigned char *) key; *p; p++)
                h = (h ^ *p) * UINT64_C(1099511628211);
        return h;
}

StrSet *strset_new(void) {
        return calloc(1, sizeof(StrSet));
}

void strset_clear(StrSet *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n_slots; i++)
                if (s->slots[i] != TOMBSTONE)
                        free(s->slots[i]);
        free(s->slots);
        *s = (StrSet) {};
}

StrSet *strset_free(StrSet *s) {
        strset_clear(s);
        free(s);
        return NULL;
}

/* The slot holding @key, or the first free one (a tombstone if one was passed) where it would go. */
static size_t find_slot(const StrSet *s, const char *key, bool *ret_found) {
        size_t mask = s->n_slots - 1, i = string_hash(key) & mask, first_free = SIZE_MAX;

        for (;; i = (i + 1) & mask) {
                char *k = s->slots[i];

                if (!k) {
                        *ret_found = false;
                        return first_free != SIZE_MAX ? first_free : i;
                }
                if (k == TOMBSTONE) {
                        if (first_free == SIZE_MAX)
                                first_free = i;
                } else if (streq(k, key)) {
                        *ret_found = true;
                        return i;
                }
        }
}

static int resize(StrSet *s, size_t n_slots) {
        char **old = s->slots;
        size_t n_old = s->n_slots;

        s->slots = calloc(n_slots, sizeof(char *));
        if (!s->slots) {
                s->slots = old;
                return -ENOMEM;
        }
        s->n_slots = n_slots;
        s->n_used = s->n_keys;
        for (size_t i = 0; i < n_old; i++)
                if (old[i] && old[i] != TOMBSTONE) {
                        bool found;
                        s->slots[find_slot(s, old[i], &found)] = old[i];
                }
        free(old);
        return 0;
}

int strset_add(StrSet *s, const char *key) {
        bool found;
        size_t i;
        char *copy;
        int r;

        assert(s);
        assert(key);
        /* At most 3/4 full, counting tombstones, so that every probe ends at an empty slot. A table full of
         * tombstones is rebuilt at its size, one full of keys at twice it. */
        if ((s->n_used + 1) * 4 > s->n_slots * 3) {
                size_t n = s->n_slots ? s->n_slots : 16;

                while ((s->n_keys + 1) * 2 > n)
                        n *= 2;
                if ((r = resize(s, n)) < 0)
                        return r;
        }
        i = find_slot(s, key, &found);
        if (found)
                return 0;
        if (!(copy = strdup(key)))
                return -ENOMEM;
        if (!s->slots[i])
                s->n_used++;
        s->slots[i] = copy;
        s->n_keys++;
        return 1;
}

int strset_remove(StrSet *s, const char *key) {
        bool found;
        size_t i;

        if (!s || s->n_keys == 0)
                return 0;
        i = find_slot(s, key, &found);
        if (!found)
                return 0;
        free(s->slots[i]);
        s->slots[i] = TOMBSTONE;
        s->n_keys--;
        return 1;
}

bool strset_contains(const StrSet *s, const char *key) {
        bool found = false;

        if (s && s->n_keys > 0)
                (void) find_slot(s, key, &found);
        return found;
}

size_t strset_size(const StrSet *s) {
        return s ? s->n_keys : 0;
}

const char *strset_iterate(const StrSet *s, size_t *i) {
        for (; s && *i < s->n_slots; (*i)++)
                if (s->slots[*i] && s->slots[*i] != TOMBSTONE)
                        return s->slots[(*i)++];
        return NULL;
}

static int compare(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

char **strset_to_strv(const StrSet *s) {
        char **l = calloc(strset_size(s) + 1, sizeof(char *));
        size_t n = 0, i = 0;

        if (!l)
                return NULL;
        for (const char *k; (k = strset_iterate(s, &i));)
                if (!(l[n++] = strdup(k))) {
                        while (n-- > 0)
                                free(l[n]);
                        free(l);
                        return NULL;
                }
        qsort(l, n, sizeof(char *), compare);
        return l;
}
