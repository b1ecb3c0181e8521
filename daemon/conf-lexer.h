/* conf-lexer.h: the brace-and-semicolon tokenizer shared by cgconfig.conf, cgrules.conf and network.conf. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* Where and why a configuration file was refused. */
typedef struct ConfError {
        char *file;
        unsigned line;
        unsigned column;
        char *message;
} ConfError;

void conf_error_done(ConfError *e);

/**
 * conf_error_set() - record the first problem found in a file.
 * @e: the error to fill; may be NULL when the caller only wants the return value
 *
 * Keeps an error that is already set (the first problem is the one worth reporting).
 * Returns -EBADMSG so that parsers can write "return conf_error_set(...)".
 */
int conf_error_set(ConfError *e, const char *file, unsigned line, unsigned column, const char *format, ...)
        _printf_(5, 6);

/**
 * conf_error_format() - "FILE:LINE:COL: problem", as compilers print it.
 *
 * Returns a newly allocated string, or NULL on allocation failure.
 */
char *conf_error_format(const ConfError *e);

typedef enum ConfLexerMode {
        /* libcgroup's lex.l: words are [A-Za-z0-9_-/.,%@\]+, anything else is a token of its own. */
        CONF_LEXER_LIBCGROUP,
        /* network.conf: a word runs until whitespace or one of { } ; = " #. */
        CONF_LEXER_WORDS,
        /* cgrules.conf: whitespace-separated fields, newlines are tokens, no quoting. */
        CONF_LEXER_LINES,
} ConfLexerMode;

typedef enum ConfTokenType {
        CONF_TOKEN_EOF,
        CONF_TOKEN_WORD,
        CONF_TOKEN_STRING, /* "quoted", without the quotes */
        CONF_TOKEN_LBRACE,
        CONF_TOKEN_RBRACE,
        CONF_TOKEN_SEMICOLON,
        CONF_TOKEN_EQUALS,
        CONF_TOKEN_NEWLINE, /* CONF_LEXER_LINES only */
        _CONF_TOKEN_INVALID_ = -1,
} ConfTokenType;

typedef struct ConfToken {
        ConfTokenType type;
        char *value; /* WORD and STRING: owned, NUL-terminated; NULL otherwise */
        unsigned line;
        unsigned column;
} ConfToken;

void conf_token_done(ConfToken *t);

typedef struct ConfLexer {
        const char *text;
        size_t size;
        size_t pos;
        const char *filename;
        ConfLexerMode mode;
        unsigned line;
        unsigned column;
        bool have_peeked;
        ConfToken peeked;
} ConfLexer;

/**
 * conf_lexer_init() - start tokenizing @size bytes of @text (need not be NUL-terminated).
 *
 * The lexer never reads past @size; a NUL byte inside the text is an error, so that binary garbage is
 * refused rather than silently truncated.
 */
void conf_lexer_init(ConfLexer *l, const char *text, size_t size, const char *filename, ConfLexerMode mode);
void conf_lexer_done(ConfLexer *l);

/**
 * conf_lexer_next() - the next token; on a lexical error fills @err and returns -EBADMSG.
 * @ret: receives the token; the caller owns it and releases it with conf_token_done().
 */
int conf_lexer_next(ConfLexer *l, ConfToken *ret, ConfError *err);
/* Like conf_lexer_next() but leaves the token in place; @ret points into the lexer (do not free). */
int conf_lexer_peek(ConfLexer *l, const ConfToken **ret, ConfError *err);

/* Human name of a token for messages: "'{'", "end of file", "'foo'". Returns a static or token-owned string. */
const char *conf_token_describe(const ConfToken *t, char buf[static 64]);

/* Whether @s can be written bare in the CONF_LEXER_WORDS grammar (otherwise it needs quotes). */
bool conf_word_ok(const char *s);

/* Whether @s can be written bare in libcgroup's grammar (otherwise it needs quotes). */
bool conf_libcgroup_word_ok(const char *s);

/* A string → index hash table, so that duplicate and reference checks stay linear on large files. */
typedef struct ConfNameIndex {
        char **keys;
        size_t *values;
        size_t capacity; /* 0 or a power of two */
        size_t n;
} ConfNameIndex;

void conf_name_index_done(ConfNameIndex *x);
/* Adds @key → @value. Returns 0, or -EEXIST with the earlier value in *ret_existing, or -ENOMEM. */
int conf_name_index_put(ConfNameIndex *x, const char *key, size_t value, size_t *ret_existing);
/* Returns 0 with the value, or -ENOENT. */
int conf_name_index_get(const ConfNameIndex *x, const char *key, size_t *ret);

/**
 * conf_array_append() - make room for one more zeroed element at the end of *array and count it in *n.
 *
 * The capacity is implied: the array is reallocated, to twice its length, only when *n is 0 or a power
 * of two, so appending stays linear without a capacity field. Arrays grown this way may shrink their
 * count but must not be allocated any other way. Returns the new element, or NULL.
 */
void *conf_array_append(void **array, size_t *n, size_t size);
#define CONF_APPEND(array, n) ((__typeof__(*(array)) *) conf_array_append((void **) &(array), &(n), sizeof(*(array))))
