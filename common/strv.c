/* strv.c: NULL-terminated string arrays. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "strv.h"

size_t strv_length(char * const *l) {
        size_t n = 0;

        if (!l)
                return 0;
        while (l[n])
                n++;
        return n;
}

int strv_extend(char ***l, const char *value) {
        size_t n = strv_length(*l);
        char *copy, **grown;

        assert(value);
        copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        grown = realloc(*l, sizeof(char *) * (n + 2));
        if (!grown) {
                free(copy);
                return -ENOMEM;
        }
        grown[n] = copy;
        grown[n + 1] = NULL;
        *l = grown;
        return 0;
}

bool strv_contains(char * const *l, const char *value) {
        for (char * const *i = l; i && *i; i++)
                if (streq(*i, value))
                        return true;
        return false;
}

char **strv_split(const char *s, const char *separators) {
        _cleanup_strv_free_ char **l = NULL;

        assert(s);
        assert(separators);
        if (!(l = calloc(1, sizeof(char *))))
                return NULL;
        while (*s) {
                size_t k;

                s += strspn(s, separators);
                k = strcspn(s, separators);
                if (k == 0)
                        break;
                _cleanup_free_ char *w = strndup(s, k);
                if (!w || strv_extend(&l, w) < 0)
                        return NULL;
                s += k;
        }
        return TAKE_PTR(l);
}

char *strv_join(char * const *l, const char *separator) {
        size_t n = 1, sl = strlen(separator);
        char *r, *p;

        for (char * const *i = l; i && *i; i++)
                n += strlen(*i) + sl;
        if (!(r = malloc(n)))
                return NULL;
        p = r;
        for (char * const *i = l; i && *i; i++) {
                if (i != l) {
                        memcpy(p, separator, sl);
                        p += sl;
                }
                size_t k = strlen(*i);
                memcpy(p, *i, k);
                p += k;
        }
        *p = 0;
        return r;
}
