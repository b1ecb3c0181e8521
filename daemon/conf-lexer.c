/* conf-lexer.c: the brace-and-semicolon tokenizer shared by cgconfig.conf, cgrules.conf and network.conf. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-lexer.h"

void conf_error_done(ConfError *e) {
        if (!e)
                return;
        free(e->file);
        free(e->message);
        *e = (ConfError) {};
}

int conf_error_set(ConfError *e, const char *file, unsigned line, unsigned column, const char *format, ...) {
        va_list ap;

        if (!e || e->message)
                return -EBADMSG;
        va_start(ap, format);
        if (vasprintf(&e->message, format, ap) < 0)
                e->message = NULL;
        va_end(ap);
        e->file = strdup(file ? file : "<input>");
        e->line = line;
        e->column = column;
        return -EBADMSG;
}

char *conf_error_format(const ConfError *e) {
        char *s = NULL;

        assert(e);
        if (e->column > 0) {
                if (asprintf(&s, "%s:%u:%u: %s", strempty(e->file), e->line, e->column, strempty(e->message)) < 0)
                        return NULL;
        } else if (asprintf(&s, "%s:%u: %s", strempty(e->file), e->line, strempty(e->message)) < 0)
                return NULL;
        return s;
}

void conf_token_done(ConfToken *t) {
        if (!t)
                return;
        free(t->value);
        *t = (ConfToken) {};
}

void conf_lexer_init(ConfLexer *l, const char *text, size_t size, const char *filename, ConfLexerMode mode) {
        assert(l);
        assert(text || size == 0);
        *l = (ConfLexer) {
                .text = text,
                .size = size,
                .filename = filename ? filename : "<input>",
                .mode = mode,
                .line = 1,
                .column = 1,
        };
}

void conf_lexer_done(ConfLexer *l) {
        if (l && l->have_peeked)
                conf_token_done(&l->peeked);
        if (l)
                l->have_peeked = false;
}

static void advance(ConfLexer *l) {
        if (l->text[l->pos] == '\n') {
                l->line++;
                l->column = 1;
        } else
                l->column++;
        l->pos++;
}

static bool is_word_char(ConfLexerMode mode, char c) {
        switch (mode) {
        case CONF_LEXER_LIBCGROUP:
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       (c != 0 && strchr("_-/.,%@\\", c));
        case CONF_LEXER_WORDS:
                return (unsigned char) c > ' ' && c != 0x7f && !strchr("{};=\"#", c);
        case CONF_LEXER_LINES:
                return (unsigned char) c > ' ' && c != 0x7f && c != '#';
        }
        return false;
}

bool conf_word_ok(const char *s) {
        if (!s || !*s)
                return false;
        for (; *s; s++)
                if (!is_word_char(CONF_LEXER_WORDS, *s))
                        return false;
        return true;
}

bool conf_libcgroup_word_ok(const char *s) {
        static const char *const keywords[] = { "mount", "task", "admin", "perm", "group", "namespace",
                                                "template", "default" };

        if (!s || !*s)
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("_-/.,%@\\", *p)))
                        return false;
        for (size_t i = 0; i < ELEMENTSOF(keywords); i++)
                if (streq(s, keywords[i]))
                        return false;
        return true;
}


static int make_value(ConfLexer *l, size_t start, size_t end, ConfToken *t) {
        t->value = strndup(l->text + start, end - start);
        return t->value ? 0 : -ENOMEM;
}

static int lex_string(ConfLexer *l, ConfToken *t, ConfError *err) {
        size_t start;

        /* libcgroup's lex.l takes \"[^"]*\" verbatim: no escapes, a backslash is an ordinary character and
         * the string may span lines. We accept exactly that, so that both parsers read a file the same way. */
        advance(l);
        start = l->pos;
        while (l->pos < l->size && l->text[l->pos] != '"') {
                if (l->text[l->pos] == 0)
                        return conf_error_set(err, l->filename, l->line, l->column, "NUL byte inside a quoted string");
                advance(l);
        }
        if (l->pos >= l->size)
                return conf_error_set(err, l->filename, t->line, t->column, "quoted string is not closed");
        t->type = CONF_TOKEN_STRING;
        if (make_value(l, start, l->pos, t) < 0)
                return -ENOMEM;
        advance(l);
        return 0;
}

static int lex_one(ConfLexer *l, ConfToken *ret, ConfError *err) {
        ConfToken t = {};
        int r;

        for (;;) {
                if (l->pos >= l->size) {
                        t.type = CONF_TOKEN_EOF;
                        t.line = l->line;
                        t.column = l->column;
                        *ret = t;
                        return 0;
                }
                char c = l->text[l->pos];
                if (c == '#') {
                        while (l->pos < l->size && l->text[l->pos] != '\n')
                                advance(l);
                        continue;
                }
                if (c == '\n' && l->mode == CONF_LEXER_LINES) {
                        t.type = CONF_TOKEN_NEWLINE;
                        t.line = l->line;
                        t.column = l->column;
                        advance(l);
                        *ret = t;
                        return 0;
                }
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
                        advance(l);
                        continue;
                }
                break;
        }

        char c = l->text[l->pos];
        t.line = l->line;
        t.column = l->column;

        if (is_word_char(l->mode, c)) {
                size_t start = l->pos;
                while (l->pos < l->size && is_word_char(l->mode, l->text[l->pos]))
                        advance(l);
                t.type = CONF_TOKEN_WORD;
                if (make_value(l, start, l->pos, &t) < 0)
                        return -ENOMEM;
                *ret = t;
                return 0;
        }
        if (l->mode != CONF_LEXER_LINES) {
                ConfTokenType type = _CONF_TOKEN_INVALID_;
                switch (c) {
                case '"':
                        r = lex_string(l, &t, err);
                        if (r < 0)
                                return r;
                        *ret = t;
                        return 0;
                case '{':
                        type = CONF_TOKEN_LBRACE;
                        break;
                case '}':
                        type = CONF_TOKEN_RBRACE;
                        break;
                case ';':
                        type = CONF_TOKEN_SEMICOLON;
                        break;
                case '=':
                        type = CONF_TOKEN_EQUALS;
                        break;
                default:
                        break;
                }
                if (type != _CONF_TOKEN_INVALID_) {
                        advance(l);
                        t.type = type;
                        *ret = t;
                        return 0;
                }
        }
        if ((unsigned char) c < ' ' || c == 0x7f)
                return conf_error_set(err, l->filename, t.line, t.column, "unexpected control character 0x%02x",
                                      (unsigned) (unsigned char) c);
        if ((unsigned char) c >= 0x80)
                return conf_error_set(err, l->filename, t.line, t.column,
                                      "unexpected non-ASCII byte 0x%02x (put it in double quotes)",
                                      (unsigned) (unsigned char) c);
        return conf_error_set(err, l->filename, t.line, t.column, "unexpected character '%c'%s", c,
                              l->mode == CONF_LEXER_LIBCGROUP ? " (put the value in double quotes)" : "");
}

int conf_lexer_next(ConfLexer *l, ConfToken *ret, ConfError *err) {
        assert(l);
        assert(ret);
        if (l->have_peeked) {
                *ret = l->peeked;
                l->peeked = (ConfToken) {};
                l->have_peeked = false;
                return 0;
        }
        return lex_one(l, ret, err);
}

int conf_lexer_peek(ConfLexer *l, const ConfToken **ret, ConfError *err) {
        int r;

        assert(l);
        assert(ret);
        if (!l->have_peeked) {
                r = lex_one(l, &l->peeked, err);
                if (r < 0)
                        return r;
                l->have_peeked = true;
        }
        *ret = &l->peeked;
        return 0;
}

const char *conf_token_describe(const ConfToken *t, char buf[static 64]) {
        switch (t->type) {
        case CONF_TOKEN_EOF:
                return "end of file";
        case CONF_TOKEN_LBRACE:
                return "'{'";
        case CONF_TOKEN_RBRACE:
                return "'}'";
        case CONF_TOKEN_SEMICOLON:
                return "';'";
        case CONF_TOKEN_EQUALS:
                return "'='";
        case CONF_TOKEN_NEWLINE:
                return "end of line";
        case CONF_TOKEN_WORD:
        case CONF_TOKEN_STRING:
                snprintf(buf, 64, t->type == CONF_TOKEN_STRING ? "\"%.40s%s\"" : "'%.40s%s'", t->value,
                         strlen(t->value) > 40 ? "…" : "");
                return buf;
        default:
                return "?";
        }
}

static size_t hash_string(const char *s) {
        size_t h = 1469598103934665603ULL; /* FNV-1a */
        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 1099511628211ULL;
        return h;
}

void conf_name_index_done(ConfNameIndex *x) {
        if (!x)
                return;
        for (size_t i = 0; i < x->capacity; i++)
                free(x->keys[i]);
        free(x->keys);
        free(x->values);
        *x = (ConfNameIndex) {};
}

static int lookup_slot(const ConfNameIndex *x, const char *key, size_t *ret) {
        size_t i = hash_string(key) & (x->capacity - 1);
        while (x->keys[i]) {
                if (streq(x->keys[i], key)) {
                        *ret = i;
                        return 0;
                }
                i = (i + 1) & (x->capacity - 1);
        }
        *ret = i;
        return -ENOENT;
}

static int rehash(ConfNameIndex *x) {
        ConfNameIndex bigger = { .capacity = x->capacity ? x->capacity * 2 : 16 };
        bigger.keys = calloc(bigger.capacity, sizeof(char *));
        bigger.values = calloc(bigger.capacity, sizeof(size_t));
        if (!bigger.keys || !bigger.values) {
                free(bigger.keys);
                free(bigger.values);
                return -ENOMEM;
        }
        for (size_t i = 0; i < x->capacity; i++)
                if (x->keys[i]) {
                        size_t slot;
                        (void) lookup_slot(&bigger, x->keys[i], &slot);
                        bigger.keys[slot] = x->keys[i];
                        bigger.values[slot] = x->values[i];
                }
        bigger.n = x->n;
        free(x->keys);
        free(x->values);
        *x = bigger;
        return 0;
}

int conf_name_index_put(ConfNameIndex *x, const char *key, size_t value, size_t *ret_existing) {
        size_t slot;

        assert(x);
        assert(key);
        if ((x->n + 1) * 2 > x->capacity && rehash(x) < 0)
                return -ENOMEM;
        if (lookup_slot(x, key, &slot) == 0) {
                if (ret_existing)
                        *ret_existing = x->values[slot];
                return -EEXIST;
        }
        if (!(x->keys[slot] = strdup(key)))
                return -ENOMEM;
        x->values[slot] = value;
        x->n++;
        return 0;
}

int conf_name_index_get(const ConfNameIndex *x, const char *key, size_t *ret) {
        size_t slot;

        assert(x);
        if (x->capacity == 0 || lookup_slot(x, key, &slot) < 0)
                return -ENOENT;
        if (ret)
                *ret = x->values[slot];
        return 0;
}

void *conf_array_append(void **array, size_t *n, size_t size) {
        size_t k = *n;
        char *p = *array;

        if (k == 0 || (k & (k - 1)) == 0) {
                p = reallocarray(*array, k ? k * 2 : 1, size);
                if (!p)
                        return NULL;
                *array = p;
        }
        memset(p + k * size, 0, size);
        (*n)++;
        return p + k * size;
}
