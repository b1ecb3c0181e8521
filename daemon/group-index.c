/* group-index.c: the registry's groups by path (a hash table) and in order (a list), with enough of the tree
 * kept to tell a leaf from a parent without walking every group. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "group-index.h"
#include "macro.h"
#include "strset.h"

static Group **bucket(GroupRegistry *r, const char *path) {
        return &r->buckets[string_hash(path) & (r->n_buckets - 1)];
}

Group *group_index_find(GroupRegistry *r, const char *path) {
        assert(r && path);
        if (r->n_buckets == 0)
                return NULL;
        for (Group *g = *bucket(r, path); g; g = g->hash_next)
                if (streq(g->path, path))
                        return g;
        return NULL;
}

/* The parent's path in place: "/a/b" → "/a"; NULL for a top-level group (its parent is the base). */
static Group *find_parent(GroupRegistry *r, const char *path) {
        const char *slash = strrchr(path, '/');
        char buf[4096];

        if (!slash || slash == path || (size_t) (slash - path) >= sizeof(buf))
                return NULL;
        memcpy(buf, path, slash - path);
        buf[slash - path] = 0;
        return group_index_find(r, buf);
}

static bool is_top_level(const char *path) {
        return !strchr(path + 1, '/');
}

static bool is_child_of(const char *path, const char *parent) {
        size_t l = strlen(parent);
        const char *slash = strrchr(path, '/');

        return slash && (size_t) (slash - path) == l && strncmp(path, parent, l) == 0;
}

static int grow(GroupRegistry *r) {
        size_t n = r->n_buckets ? r->n_buckets * 2 : 64;
        Group **b = calloc(n, sizeof(Group *));

        if (!b)
                return -ENOMEM;
        free(r->buckets);
        r->buckets = b;
        r->n_buckets = n;
        for (Group *g = r->groups; g; g = g->next) {
                Group **head = bucket(r, g->path);
                g->hash_next = *head;
                *head = g;
        }
        return 0;
}

int group_index_add(GroupRegistry *r, Group *g) {
        Group *parent;
        Group **head;
        int k;

        assert(r && g);
        if (r->n_groups + 1 > r->n_buckets && (k = grow(r)) < 0)
                return k;
        head = bucket(r, g->path);
        g->hash_next = *head;
        *head = g;
        g->prev = NULL;
        g->next = r->groups;
        if (r->groups)
                r->groups->prev = g;
        r->groups = g;
        r->n_groups++;

        parent = find_parent(r, g->path);
        if (parent)
                parent->n_children++;
        else if (!is_top_level(g->path))
                r->n_orphans++;
        /* Groups registered before their parent (a partial sync found them first) are its children now. */
        for (Group *o = r->n_orphans > 0 ? r->groups : NULL; o; o = o->next)
                if (o != g && is_child_of(o->path, g->path)) {
                        r->n_orphans--;
                        g->n_children++;
                }
        return 0;
}

void group_index_remove(GroupRegistry *r, Group *g) {
        Group *parent;

        assert(r && g);
        for (Group **p = bucket(r, g->path); *p; p = &(*p)->hash_next)
                if (*p == g) {
                        *p = g->hash_next;
                        break;
                }
        if (g->prev)
                g->prev->next = g->next;
        else
                r->groups = g->next;
        if (g->next)
                g->next->prev = g->prev;
        g->next = g->prev = g->hash_next = NULL;
        r->n_groups--;

        parent = find_parent(r, g->path);
        if (parent)
                parent->n_children--;
        else if (!is_top_level(g->path))
                r->n_orphans--;
        r->n_orphans += g->n_children; /* its children have no registered parent any more */
        g->n_children = 0;
}

bool group_index_may_have_below(GroupRegistry *r, const char *under) {
        Group *g;

        assert(r && under);
        if (streq(under, "/") || r->n_orphans > 0)
                return true;
        /* Without orphans every registered descendant hangs off a registered chain up to UNDER. */
        g = group_index_find(r, under);
        return g && g->n_children > 0;
}

void group_index_done(GroupRegistry *r) {
        free(r->buckets);
        r->buckets = NULL;
        r->n_buckets = 0;
}
