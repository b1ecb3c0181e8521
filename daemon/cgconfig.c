/* cgconfig.c: libcgroup's cgconfig.conf grammar: parser, canonical serializer and drop-in merge.
 *
 * libcgroup 2.0 offers no way to parse cgconfig.conf without applying it: cgroup_config_load_config()
 * mounts and creates what it reads, and the template cache needs an initialized library and mounted
 * hierarchies. virtd must read files it has not applied yet (plan, diff, import), so this is our own
 * parser. It follows libcgroup's lex.l/parse.y as observed with cgconfigparser 2.0.2: perm{} must come
 * first in a group and hold both task{} and admin{}; every group names at least one controller; each
 * controller and parameter appears once per group; keywords must be quoted to be used as names; users
 * and groups are names, not numbers. tests/test-cgconfig.c checks both parsers against each other. */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgconfig.h"
#include "fileio.h"
#include "reason.h"

#define NAME_MAX_LEN 4096

typedef struct Parser {
        ConfLexer lexer;
        ConfError *err;
        const char *file;
        CgConfig *config;
        ConfNameIndex groups;    /* name → index, for duplicates */
        ConfNameIndex templates;
} Parser;

static void perm_side_done(CgPermSide *s) {
        free(s->uid);
        free(s->gid);
        *s = (CgPermSide) {};
}

static void perm_done(CgPerm *p) {
        perm_side_done(&p->task);
        perm_side_done(&p->admin);
        p->present = false;
}

static void controller_done(CgController *c) {
        for (size_t i = 0; i < c->n_params; i++) {
                free(c->params[i].name);
                free(c->params[i].value);
        }
        free(c->params);
        free(c->name);
        *c = (CgController) {};
}

static void group_done(CgGroup *g) {
        free(g->name);
        perm_done(&g->perm);
        for (size_t i = 0; i < g->n_controllers; i++)
                controller_done(&g->controllers[i]);
        free(g->controllers);
        *g = (CgGroup) {};
}

void cgconfig_group_done(CgGroup *g) {
        group_done(g);
}

static void mappings_free(CgMapping *m, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(m[i].controller);
                free(m[i].path);
        }
        free(m);
}

CgConfig *cgconfig_free(CgConfig *c) {
        if (!c)
                return NULL;
        mappings_free(c->mounts, c->n_mounts);
        mappings_free(c->namespaces, c->n_namespaces);
        perm_done(&c->default_perm);
        for (size_t i = 0; i < c->n_groups; i++)
                group_done(&c->groups[i]);
        free(c->groups);
        for (size_t i = 0; i < c->n_templates; i++)
                group_done(&c->templates[i]);
        free(c->templates);
        free(c);
        return NULL;
}

#define GROW(array, n) CONF_APPEND(array, n)

bool cgconfig_controller_known(const char *name) {
        static const char *const known[] = { "cpu",     "cpuacct", "cpuset",  "memory",     "devices",
                                             "freezer", "net_cls", "blkio",   "perf_event", "net_prio",
                                             "hugetlb", "pids",    "rdma",    "misc",       "io" };
        const char *n;

        if ((n = startswith(name, "name=")))
                return *n && !strpbrk(n, "/, \t\n");
        for (size_t i = 0; i < ELEMENTSOF(known); i++)
                if (streq(name, known[i]))
                        return true;
        return false;
}

int cgconfig_group_name_validate(const char *name, bool template, char **ret_reason) {
        const char *p = name;

        assert(name);
        if (streq(name, "."))
                return 0; /* the root group, as libcgroup spells it */
        if (!*name)
                return reason_invalid(ret_reason, "the group name is empty");
        if (strlen(name) > NAME_MAX_LEN)
                return reason_invalid(ret_reason, "the group name is longer than %d bytes", NAME_MAX_LEN);
        if (name[0] == '/')
                return reason_invalid(ret_reason, "group '%s' starts with '/' (names are relative to the hierarchy)", name);
        for (;;) {
                size_t len = strcspn(p, "/");
                if (len == 0)
                        return reason_invalid(ret_reason, "group '%s' has an empty path component", name);
                if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
                        return reason_invalid(ret_reason, "group '%s' contains '%.*s', which would leave its place in the hierarchy",
                                              name, (int) len, p);
                for (size_t i = 0; i < len; i++) {
                        unsigned char c = (unsigned char) p[i];
                        if (c < ' ' || c == 0x7f)
                                return reason_invalid(ret_reason, "group '%s' contains a control character", name);
                        if (c == '%' && template) {
                                if (i + 1 >= len || !strchr("uUgGpP", p[i + 1]))
                                        return reason_invalid(ret_reason, "template '%s' uses an unknown specifier '%%%c' (known: %%u %%U %%g %%G %%p %%P)",
                                                              name, i + 1 < len ? p[i + 1] : ' ');
                                i++;
                        }
                }
                if (!p[len])
                        return 0;
                p += len + 1;
        }
}

static int next(Parser *p, ConfToken *t) {
        return conf_lexer_next(&p->lexer, t, p->err);
}

static int unexpected(Parser *p, const ConfToken *t, const char *expected) {
        char buf[64];
        return conf_error_set(p->err, p->file, t->line, t->column, "expected %s, found %s", expected,
                              conf_token_describe(t, buf));
}

static int expect(Parser *p, ConfTokenType type, const char *what) {
        _cleanup_(conf_token_done) ConfToken t = {};
        int r = next(p, &t);

        if (r < 0)
                return r;
        return t.type == type ? 0 : unexpected(p, &t, what);
}

/* A name or value: a bare word (not a keyword) or a quoted string. Moves the string to *ret. */
static int expect_value(Parser *p, const char *what, char **ret, unsigned *ret_line, unsigned *ret_col) {
        _cleanup_(conf_token_done) ConfToken t = {};
        int r = next(p, &t);

        if (r < 0)
                return r;
        if (t.type == CONF_TOKEN_WORD && !conf_libcgroup_word_ok(t.value))
                return conf_error_set(p->err, p->file, t.line, t.column,
                                      "'%s' is a keyword; put it in double quotes to use it as %s", t.value, what);
        if (t.type != CONF_TOKEN_WORD && t.type != CONF_TOKEN_STRING)
                return unexpected(p, &t, what);
        if (ret_line)
                *ret_line = t.line;
        if (ret_col)
                *ret_col = t.column;
        *ret = TAKE_PTR(t.value);
        return 0;
}

/* "key = value;" where the caller has already read key. */
static int parse_assignment_rest(Parser *p, char **ret_value, unsigned *ret_line, unsigned *ret_col) {
        int r = expect(p, CONF_TOKEN_EQUALS, "'='");
        if (r < 0)
                return r;
        r = expect_value(p, "a value", ret_value, ret_line, ret_col);
        if (r < 0)
                return r;
        return expect(p, CONF_TOKEN_SEMICOLON, "';'");
}

/* Reads the next token; returns 1 if it is '}', 0 (with the key in *ret_key) if it is a name. */
static int next_key_or_close(Parser *p, const char *what, char **ret_key, unsigned *ret_line, unsigned *ret_col) {
        const ConfToken *peek;
        int r = conf_lexer_peek(&p->lexer, &peek, p->err);

        if (r < 0)
                return r;
        if (peek->type == CONF_TOKEN_RBRACE) {
                _cleanup_(conf_token_done) ConfToken t = {};
                r = next(p, &t);
                return r < 0 ? r : 1;
        }
        r = expect_value(p, what, ret_key, ret_line, ret_col);
        return r < 0 ? r : 0;
}

/* One "key = value;" of a block; a handler takes key and value with TAKE_PTR() when it keeps them. */
typedef struct KeyValue {
        char *key, *value;
        unsigned line, col, vline, vcol;
} KeyValue;

static void key_value_done(KeyValue *kv) {
        free(kv->key);
        free(kv->value);
}

typedef int (*key_value_fn)(Parser *p, KeyValue *kv, void *userdata);

/* "{ key = value; ... }": calls @handle for each assignment until '}'. */
static int parse_key_value_block(Parser *p, const char *what, key_value_fn handle, void *userdata) {
        int r = expect(p, CONF_TOKEN_LBRACE, "'{'");

        while (r >= 0) {
                _cleanup_(key_value_done) KeyValue kv = {};

                r = next_key_or_close(p, what, &kv.key, &kv.line, &kv.col);
                if (r > 0)
                        return 0;
                if (r >= 0)
                        r = parse_assignment_rest(p, &kv.value, &kv.vline, &kv.vcol);
                if (r >= 0)
                        r = handle(p, &kv, userdata);
        }
        return r;
}

typedef struct MappingBlock {
        const char *section;
        CgMapping **array;
        size_t *n;
} MappingBlock;

static int parse_mapping(Parser *p, KeyValue *kv, void *userdata) {
        const MappingBlock *b = userdata;

        /* A mount key may carry mount options: "cpu,nodev,nosuid,noexec". */
        _cleanup_free_ char *copy = strdup(kv->key);
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                bool option = streq(b->section, "mount") && (streq(w, "nodev") || streq(w, "nosuid") || streq(w, "noexec"));
                if (!option && !cgconfig_controller_known(w))
                        return conf_error_set(p->err, p->file, kv->line, kv->col, "unknown controller '%s' in %s section", w, b->section);
        }
        if (kv->value[0] != '/')
                return conf_error_set(p->err, p->file, kv->vline, kv->vcol, "%s path '%s' for %s is not absolute", b->section,
                                      kv->value, kv->key);
        for (size_t i = 0; i < *b->n; i++)
                if (streq((*b->array)[i].controller, kv->key))
                        return conf_error_set(p->err, p->file, kv->line, kv->col, "controller '%s' appears twice in %s section",
                                              kv->key, b->section);
        CgMapping *m = GROW(*b->array, *b->n);
        if (!m)
                return -ENOMEM;
        m->controller = TAKE_PTR(kv->key);
        m->path = TAKE_PTR(kv->value);
        return 0;
}

static int parse_mapping_block(Parser *p, const char *section, CgMapping **array, size_t *n) {
        MappingBlock b = { section, array, n };
        return parse_key_value_block(p, "a controller name or '}'", parse_mapping, &b);
}

/* Returns 0 if the user (or group) exists, -ENOENT if not, another -errno if the lookup failed. */
static int lookup_user(const char *name, bool group) {
        char buf[16384];
        int r;

        if (group) {
                struct group gr, *res = NULL;
                r = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
                return r != 0 ? -r : res ? 0 : -ENOENT;
        }
        struct passwd pw, *res = NULL;
        r = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
        return r != 0 ? -r : res ? 0 : -ENOENT;
}

static int parse_mode(const char *s, mode_t *ret) {
        unsigned long v = 0;

        if (!*s || strlen(s) > 5)
                return -EINVAL;
        for (const char *c = s; *c; c++) {
                if (*c < '0' || *c > '7')
                        return -EINVAL;
                v = v * 8 + (unsigned long) (*c - '0');
        }
        if (v > 07777)
                return -EINVAL;
        *ret = (mode_t) v;
        return 0;
}

typedef struct PermSideBlock {
        const char *owner, *side;
        CgPermSide *s;
} PermSideBlock;

static int parse_perm_id(Parser *p, KeyValue *kv, const PermSideBlock *b) {
        bool is_gid = kv->key[0] == 'g';
        char **slot = is_gid ? &b->s->gid : &b->s->uid;

        if (*slot)
                return conf_error_set(p->err, p->file, kv->line, kv->col, "%s is set twice in perm %s of %s", kv->key, b->side, b->owner);
        int r = lookup_user(kv->value, is_gid);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return conf_error_set(p->err, p->file, kv->vline, kv->vcol, "unknown %s '%s' in perm %s of %s%s",
                                      is_gid ? "group" : "user", kv->value, b->side, b->owner,
                                      strspn(kv->value, "0123456789") == strlen(kv->value)
                                              ? " (libcgroup takes names here, not numbers)"
                                              : "");
        *slot = TAKE_PTR(kv->value);
        return 0;
}

static int parse_perm_mode(Parser *p, const KeyValue *kv, const PermSideBlock *b) {
        bool d = kv->key[0] == 'd';
        CgPermSide *s = b->s;

        if (d ? s->has_dperm : s->has_fperm)
                return conf_error_set(p->err, p->file, kv->line, kv->col, "%s is set twice in perm %s of %s", kv->key, b->side, b->owner);
        if (parse_mode(kv->value, d ? &s->dperm : &s->fperm) < 0)
                return conf_error_set(p->err, p->file, kv->vline, kv->vcol,
                                      "bad %s '%s' in perm %s of %s (an octal mode from 0 to 7777, e.g. 660)",
                                      kv->key, kv->value, b->side, b->owner);
        *(d ? &s->has_dperm : &s->has_fperm) = true;
        return 0;
}

static int parse_perm_setting(Parser *p, KeyValue *kv, void *userdata) {
        const PermSideBlock *b = userdata;
        bool admin = streq(b->side, "admin");

        if (streq(kv->key, "uid") || streq(kv->key, "gid"))
                return parse_perm_id(p, kv, b);
        if (streq(kv->key, "fperm") || (admin && streq(kv->key, "dperm")))
                return parse_perm_mode(p, kv, b);
        return conf_error_set(p->err, p->file, kv->line, kv->col, "unknown key '%s' in perm %s of %s (known: uid, gid, fperm%s)",
                              kv->key, b->side, b->owner, admin ? ", dperm" : "");
}

static int parse_perm_side(Parser *p, const char *owner, const char *side, CgPermSide *s) {
        PermSideBlock b = { owner, side, s };
        return parse_key_value_block(p, "uid, gid, fperm, dperm or '}'", parse_perm_setting, &b);
}

/* The "perm" keyword has been read at @line:@col. */
static int parse_perm(Parser *p, const char *owner, CgPerm *perm, unsigned line, unsigned col) {
        bool seen_task = false, seen_admin = false;
        int r = expect(p, CONF_TOKEN_LBRACE, "'{'");

        if (r < 0)
                return r;
        for (;;) {
                _cleanup_(conf_token_done) ConfToken t = {};
                r = next(p, &t);
                if (r < 0)
                        return r;
                if (t.type == CONF_TOKEN_RBRACE)
                        break;
                if (t.type == CONF_TOKEN_WORD && (streq(t.value, "task") || streq(t.value, "admin"))) {
                        bool task = t.value[0] == 't';
                        if (task ? seen_task : seen_admin)
                                return conf_error_set(p->err, p->file, t.line, t.column, "perm of %s has two %s sections", owner,
                                                      t.value);
                        *(task ? &seen_task : &seen_admin) = true;
                        r = parse_perm_side(p, owner, t.value, task ? &perm->task : &perm->admin);
                        if (r < 0)
                                return r;
                } else
                        return unexpected(p, &t, "task, admin or '}'");
        }
        if (!seen_task || !seen_admin)
                return conf_error_set(p->err, p->file, line, col, "perm of %s needs both a task and an admin section (libcgroup refuses one alone)",
                                      owner);
        perm->present = true;
        return 0;
}

typedef struct ControllerBlock {
        const char *owner;
        CgController *c;
} ControllerBlock;

static int parse_parameter(Parser *p, KeyValue *kv, void *userdata) {
        const ControllerBlock *b = userdata;
        CgController *c = b->c;

        /* The parameter is a file name inside the group directory: nothing may walk out of it. */
        if (strchr(kv->key, '/') || streq(kv->key, ".") || streq(kv->key, ".."))
                return conf_error_set(p->err, p->file, kv->line, kv->col, "parameter '%s' of %s in %s is not a file name",
                                      kv->key, c->name, b->owner);
        for (size_t i = 0; i < c->n_params; i++)
                if (streq(c->params[i].name, kv->key))
                        return conf_error_set(p->err, p->file, kv->line, kv->col, "parameter '%s' is set twice in %s of %s", kv->key,
                                              c->name, b->owner);
        CgParam *param = GROW(c->params, c->n_params);
        if (!param)
                return -ENOMEM;
        param->name = TAKE_PTR(kv->key);
        param->value = TAKE_PTR(kv->value);
        return 0;
}

static int parse_controller(Parser *p, const char *owner, CgController *c) {
        ControllerBlock b = { owner, c };
        return parse_key_value_block(p, "a parameter name or '}'", parse_parameter, &b);
}

static int merge_group(CgGroup **list, size_t *n, const CgGroup *from);

static int parse_group(Parser *p, bool template, unsigned kw_line) {
        const char *kind = template ? "template" : "group";
        _cleanup_free_ char *name = NULL, *why = NULL, *owner = NULL;
        CgGroup g = { .line = kw_line };
        unsigned line, col;
        int r;

        r = expect_value(p, "a group name", &name, &line, &col);
        if (r < 0)
                return r;
        if (cgconfig_group_name_validate(name, template, &why) < 0)
                return conf_error_set(p->err, p->file, line, col, "%s", strempty(why));
        if (asprintf(&owner, "%s %s", kind, name) < 0)
                return -ENOMEM;
        size_t n = template ? p->config->n_templates : p->config->n_groups, first = 0;
        r = conf_name_index_put(template ? &p->templates : &p->groups, name, n, &first);
        /* A second block for the same group is merged into the first, later values winning, as libcgroup's
         * cgconfigparser applies both: cgsnapshot writes one block per hierarchy for a group that lives in
         * several. */
        bool again = r == -EEXIST;
        if (r < 0 && !again)
                return r;
        r = expect(p, CONF_TOKEN_LBRACE, "'{'");
        if (r < 0)
                return r;
        g.name = TAKE_PTR(name);
        for (;;) {
                _cleanup_(conf_token_done) ConfToken t = {};
                char buf[64];
                r = next(p, &t);
                if (r < 0)
                        goto fail;
                if (t.type == CONF_TOKEN_RBRACE)
                        break;
                if (t.type == CONF_TOKEN_WORD && streq(t.value, "perm")) {
                        if (g.perm.present || g.n_controllers > 0) {
                                r = conf_error_set(p->err, p->file, t.line, t.column, "%s in %s (libcgroup takes one perm section, before the controllers)",
                                                   g.perm.present ? "a second perm section" : "perm after a controller", owner);
                                goto fail;
                        }
                        r = parse_perm(p, owner, &g.perm, t.line, t.column);
                        if (r < 0)
                                goto fail;
                        continue;
                }
                if ((t.type != CONF_TOKEN_WORD && t.type != CONF_TOKEN_STRING) ||
                    (t.type == CONF_TOKEN_WORD && !conf_libcgroup_word_ok(t.value))) {
                        r = conf_error_set(p->err, p->file, t.line, t.column, "expected perm, a controller or '}' in %s, found %s",
                                           owner, conf_token_describe(&t, buf));
                        goto fail;
                }
                if (!cgconfig_controller_known(t.value)) {
                        r = conf_error_set(p->err, p->file, t.line, t.column, "unknown controller '%s' in %s", t.value, owner);
                        goto fail;
                }
                for (size_t i = 0; i < g.n_controllers; i++)
                        if (streq(g.controllers[i].name, t.value)) {
                                r = conf_error_set(p->err, p->file, t.line, t.column, "controller '%s' appears twice in %s",
                                                   t.value, owner);
                                goto fail;
                        }
                CgController *c = GROW(g.controllers, g.n_controllers);
                if (!c) {
                        r = -ENOMEM;
                        goto fail;
                }
                c->name = TAKE_PTR(t.value);
                r = parse_controller(p, owner, c);
                if (r < 0)
                        goto fail;
        }
        if (g.n_controllers == 0) {
                r = conf_error_set(p->err, p->file, line, col, "%s names no controller (libcgroup needs at least one, e.g. 'cpu { }')",
                                   owner);
                goto fail;
        }
        if (again) {
                r = template ? merge_group(&p->config->templates, &p->config->n_templates, &g)
                             : merge_group(&p->config->groups, &p->config->n_groups, &g);
                group_done(&g);
                return r;
        }
        CgGroup *slot = template ? GROW(p->config->templates, p->config->n_templates)
                                 : GROW(p->config->groups, p->config->n_groups);
        if (!slot) {
                r = -ENOMEM;
                goto fail;
        }
        *slot = g;
        return 0;
fail:
        group_done(&g);
        return r;
}

static int parse_default(Parser *p, unsigned line, unsigned col) {
        int r;

        if (p->config->default_perm.present)
                return conf_error_set(p->err, p->file, line, col, "a second default section");
        r = expect(p, CONF_TOKEN_LBRACE, "'{'");
        if (r < 0)
                return r;
        {
                _cleanup_(conf_token_done) ConfToken t = {};
                r = next(p, &t);
                if (r < 0)
                        return r;
                if (t.type != CONF_TOKEN_WORD || !streq(t.value, "perm"))
                        return unexpected(p, &t, "perm");
                r = parse_perm(p, "the default section", &p->config->default_perm, t.line, t.column);
                if (r < 0)
                        return r;
        }
        return expect(p, CONF_TOKEN_RBRACE, "'}'");
}

int cgconfig_parse(const char *text, size_t size, const char *filename, CgConfig **ret, ConfError *err) {
        _cleanup_(cgconfig_freep) CgConfig *c = calloc(1, sizeof(CgConfig));
        Parser p = { .err = err, .file = filename ? filename : "<input>" };
        int r = 0;

        assert(ret);
        if (!c)
                return -ENOMEM;
        p.config = c;
        conf_lexer_init(&p.lexer, text, size, p.file, CONF_LEXER_LIBCGROUP);
        for (;;) {
                _cleanup_(conf_token_done) ConfToken t = {};
                char buf[64];

                r = next(&p, &t);
                if (r < 0)
                        break;
                if (t.type == CONF_TOKEN_EOF)
                        break;
                if (t.type != CONF_TOKEN_WORD) {
                        r = unexpected(&p, &t, "mount, group, template, default or namespace");
                        break;
                }
                if (streq(t.value, "mount"))
                        r = parse_mapping_block(&p, "mount", &c->mounts, &c->n_mounts);
                else if (streq(t.value, "namespace"))
                        r = parse_mapping_block(&p, "namespace", &c->namespaces, &c->n_namespaces);
                else if (streq(t.value, "group") || streq(t.value, "template"))
                        r = parse_group(&p, t.value[0] == 't', t.line);
                else if (streq(t.value, "default"))
                        r = parse_default(&p, t.line, t.column);
                else
                        r = conf_error_set(err, p.file, t.line, t.column,
                                           "unknown keyword %s (expected mount, group, template, default or namespace)",
                                           conf_token_describe(&t, buf));
                if (r < 0)
                        break;
        }
        conf_lexer_done(&p.lexer);
        conf_name_index_done(&p.groups);
        conf_name_index_done(&p.templates);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

static int write_name(FILE *f, const char *s) {
        if (strchr(s, '"'))
                return -EINVAL;
        if (conf_libcgroup_word_ok(s))
                fputs(s, f);
        else
                fprintf(f, "\"%s\"", s);
        return 0;
}

static int write_perm_side(FILE *f, const char *indent, const char *side, const CgPermSide *s) {
        fprintf(f, "%s%s {\n", indent, side);
        if (s->uid) {
                fprintf(f, "%s\tuid = ", indent);
                if (write_name(f, s->uid) < 0)
                        return -EINVAL;
                fputs(";\n", f);
        }
        if (s->gid) {
                fprintf(f, "%s\tgid = ", indent);
                if (write_name(f, s->gid) < 0)
                        return -EINVAL;
                fputs(";\n", f);
        }
        if (s->has_dperm)
                fprintf(f, "%s\tdperm = %03o;\n", indent, (unsigned) s->dperm);
        if (s->has_fperm)
                fprintf(f, "%s\tfperm = %03o;\n", indent, (unsigned) s->fperm);
        fprintf(f, "%s}\n", indent);
        return 0;
}

static int write_perm(FILE *f, const char *indent, const CgPerm *p) {
        _cleanup_free_ char *inner = NULL;
        int r;

        if (!p->present)
                return 0;
        if (asprintf(&inner, "%s\t", indent) < 0)
                return -ENOMEM;
        fprintf(f, "%sperm {\n", indent);
        r = write_perm_side(f, inner, "task", &p->task);
        if (r < 0)
                return r;
        r = write_perm_side(f, inner, "admin", &p->admin);
        if (r < 0)
                return r;
        fprintf(f, "%s}\n", indent);
        return 0;
}

static int write_mappings(FILE *f, const char *section, const CgMapping *m, size_t n) {
        if (n == 0)
                return 0;
        fprintf(f, "%s {\n", section);
        for (size_t i = 0; i < n; i++) {
                fputc('\t', f);
                if (write_name(f, m[i].controller) < 0)
                        return -EINVAL;
                fputs(" = ", f);
                if (write_name(f, m[i].path) < 0)
                        return -EINVAL;
                fputs(";\n", f);
        }
        fputs("}\n\n", f);
        return 0;
}

static int write_group(FILE *f, const char *kind, const CgGroup *g) {
        int r;

        fprintf(f, "%s ", kind);
        if (write_name(f, g->name) < 0)
                return -EINVAL;
        fputs(" {\n", f);
        r = write_perm(f, "\t", &g->perm);
        if (r < 0)
                return r;
        for (size_t i = 0; i < g->n_controllers; i++) {
                const CgController *c = &g->controllers[i];
                fputc('\t', f);
                if (write_name(f, c->name) < 0)
                        return -EINVAL;
                fputs(" {\n", f);
                for (size_t j = 0; j < c->n_params; j++) {
                        fputs("\t\t", f);
                        if (write_name(f, c->params[j].name) < 0 || strchr(c->params[j].value, '"'))
                                return -EINVAL;
                        /* Values are always quoted, as cgsnapshot writes them: "a *:* rwm" needs it anyway. */
                        fprintf(f, " = \"%s\";\n", c->params[j].value);
                }
                fputs("\t}\n", f);
        }
        fputs("}\n\n", f);
        return 0;
}

int cgconfig_serialize(const CgConfig *c, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        assert(c);
        assert(ret);
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        r = write_mappings(f, "mount", c->mounts, c->n_mounts);
        if (r >= 0)
                r = write_mappings(f, "namespace", c->namespaces, c->n_namespaces);
        if (r >= 0 && c->default_perm.present) {
                fputs("default {\n", f);
                r = write_perm(f, "\t", &c->default_perm);
                fputs("}\n\n", f);
        }
        for (size_t i = 0; r >= 0 && i < c->n_groups; i++)
                r = write_group(f, "group", &c->groups[i]);
        for (size_t i = 0; r >= 0 && i < c->n_templates; i++)
                r = write_group(f, "template", &c->templates[i]);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        /* Drop the blank line after the last section so that the file ends in exactly one newline. */
        if (size >= 2 && buf[size - 1] == '\n' && buf[size - 2] == '\n')
                buf[size - 1] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}

const CgGroup *cgconfig_find_group(const CgConfig *c, const char *name) {
        assert(c);
        for (size_t i = 0; i < c->n_groups; i++)
                if (streq(c->groups[i].name, name))
                        return &c->groups[i];
        return NULL;
}

static int perm_side_copy(CgPermSide *to, const CgPermSide *from) {
        perm_side_done(to);
        *to = *from;
        to->uid = from->uid ? strdup(from->uid) : NULL;
        to->gid = from->gid ? strdup(from->gid) : NULL;
        return (from->uid && !to->uid) || (from->gid && !to->gid) ? -ENOMEM : 0;
}

static int perm_copy(CgPerm *to, const CgPerm *from) {
        int r;

        if (!from->present)
                return 0;
        r = perm_side_copy(&to->task, &from->task);
        if (r < 0)
                return r;
        r = perm_side_copy(&to->admin, &from->admin);
        if (r < 0)
                return r;
        to->present = true;
        return 0;
}

static int set_string(char **slot, const char *value) {
        char *s = strdup(value);
        if (!s)
                return -ENOMEM;
        free(*slot);
        *slot = s;
        return 0;
}

static int merge_mappings(CgMapping **into, size_t *n, const CgMapping *from, size_t n_from) {
        for (size_t i = 0; i < n_from; i++) {
                CgMapping *m = NULL;
                for (size_t j = 0; j < *n && !m; j++)
                        if (streq((*into)[j].controller, from[i].controller))
                                m = &(*into)[j];
                if (!m) {
                        if (!(m = GROW(*into, *n)) || set_string(&m->controller, from[i].controller) < 0)
                                return -ENOMEM;
                }
                if (set_string(&m->path, from[i].path) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int merge_group(CgGroup **list, size_t *n, const CgGroup *from) {
        CgGroup *g = NULL;
        int r;

        for (size_t i = 0; i < *n && !g; i++)
                if (streq((*list)[i].name, from->name))
                        g = &(*list)[i];
        if (!g) {
                if (!(g = GROW(*list, *n)) || set_string(&g->name, from->name) < 0)
                        return -ENOMEM;
                g->line = from->line;
        }
        r = perm_copy(&g->perm, &from->perm);
        if (r < 0)
                return r;
        for (size_t i = 0; i < from->n_controllers; i++) {
                const CgController *fc = &from->controllers[i];
                CgController *c = NULL;
                for (size_t j = 0; j < g->n_controllers && !c; j++)
                        if (streq(g->controllers[j].name, fc->name))
                                c = &g->controllers[j];
                if (!c && (!(c = GROW(g->controllers, g->n_controllers)) || set_string(&c->name, fc->name) < 0))
                        return -ENOMEM;
                for (size_t k = 0; k < fc->n_params; k++) {
                        CgParam *p = NULL;
                        for (size_t j = 0; j < c->n_params && !p; j++)
                                if (streq(c->params[j].name, fc->params[k].name))
                                        p = &c->params[j];
                        if (!p && (!(p = GROW(c->params, c->n_params)) || set_string(&p->name, fc->params[k].name) < 0))
                                return -ENOMEM;
                        if (set_string(&p->value, fc->params[k].value) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

int cgconfig_merge(CgConfig *into, const CgConfig *from) {
        int r;

        assert(into);
        assert(from);
        r = merge_mappings(&into->mounts, &into->n_mounts, from->mounts, from->n_mounts);
        if (r < 0)
                return r;
        r = merge_mappings(&into->namespaces, &into->n_namespaces, from->namespaces, from->n_namespaces);
        if (r < 0)
                return r;
        r = perm_copy(&into->default_perm, &from->default_perm);
        if (r < 0)
                return r;
        for (size_t i = 0; i < from->n_groups; i++)
                if ((r = merge_group(&into->groups, &into->n_groups, &from->groups[i])) < 0)
                        return r;
        for (size_t i = 0; i < from->n_templates; i++)
                if ((r = merge_group(&into->templates, &into->n_templates, &from->templates[i])) < 0)
                        return r;
        return 0;
}

static int load_one(const char *path, CgConfig **ret, ConfError *err) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r = read_full_file(path, &text, &size);

        if (r < 0)
                return r;
        return cgconfig_parse(text, size, path, ret, err);
}

static int filter_conf(const struct dirent *de) {
        size_t l = strlen(de->d_name);
        return de->d_name[0] != '.' && l > 5 && streq(de->d_name + l - 5, ".conf");
}

static int alphasort_c(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

int cgconfig_load(const char *main_path, const char *dropin_dir, CgConfig **ret, ConfError *err) {
        _cleanup_(cgconfig_freep) CgConfig *c = NULL;
        struct dirent **names = NULL;
        int r, n;

        assert(ret);
        r = main_path ? load_one(main_path, &c, err) : -ENOENT;
        if (r == -ENOENT)
                c = calloc(1, sizeof(CgConfig)), r = c ? 0 : -ENOMEM;
        if (r < 0)
                return r;
        n = dropin_dir ? scandir(dropin_dir, &names, filter_conf, alphasort_c) : 0;
        if (n < 0)
                return errno == ENOENT ? (*ret = TAKE_PTR(c), 0) : -errno;
        for (int i = 0; i < n; i++) {
                _cleanup_(cgconfig_freep) CgConfig *d = NULL;
                _cleanup_free_ char *path = NULL;
                if (r >= 0 && asprintf(&path, "%s/%s", dropin_dir, names[i]->d_name) < 0)
                        r = -ENOMEM;
                if (r >= 0)
                        r = load_one(path, &d, err);
                if (r >= 0)
                        r = cgconfig_merge(c, d);
                free(names[i]);
        }
        free(names);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

/* Whether @c has group @name, or with @subtree a group below it. */
static bool defines_group(const CgConfig *c, const char *name, bool subtree) {
        size_t l = strlen(name);

        for (size_t i = 0; i < c->n_groups; i++) {
                const char *g = c->groups[i].name;
                if (streq(g, name) || (subtree && strncmp(g, name, l) == 0 && g[l] == '/'))
                        return true;
        }
        return false;
}

int cgconfig_dropin_defining(const char *dropin_dir, const char *name, bool subtree, char **ret_path) {
        struct dirent **names = NULL;
        int r = 0, n = scandir(dropin_dir, &names, filter_conf, alphasort_c);

        *ret_path = NULL;
        if (n < 0)
                return errno == ENOENT ? 0 : -errno;
        for (int i = 0; i < n; i++) {
                _cleanup_(cgconfig_freep) CgConfig *d = NULL;
                _cleanup_free_ char *path = NULL;
                ConfError err = {};
                if (r == 0 && !*ret_path && asprintf(&path, "%s/%s", dropin_dir, names[i]->d_name) < 0)
                        r = -ENOMEM;
                /* A drop-in that does not parse is reported by the load of the whole configuration. */
                if (path && load_one(path, &d, &err) >= 0 && defines_group(d, name, subtree))
                        *ret_path = TAKE_PTR(path);
                conf_error_done(&err);
                free(names[i]);
        }
        free(names);
        return r < 0 ? r : *ret_path ? 1 : 0;
}

static uint32_t perm_uid(const char *name) {
        struct passwd *pw = name ? getpwnam(name) : NULL;
        return pw ? pw->pw_uid : CGROUP_PERM_UNSET;
}

static uint32_t perm_gid(const char *name) {
        struct group *gr = name ? getgrnam(name) : NULL;
        return gr ? gr->gr_gid : CGROUP_PERM_UNSET;
}

CgroupPerm cgconfig_perm_resolve(const CgPerm *p) {
        CgroupPerm c = CGROUP_PERM_NULL;

        assert(p);
        if (!p->present)
                return c;
        c.task_uid = perm_uid(p->task.uid);
        c.task_gid = perm_gid(p->task.gid);
        c.admin_uid = perm_uid(p->admin.uid);
        c.admin_gid = perm_gid(p->admin.gid);
        if (p->task.has_fperm)
                c.task_fperm = p->task.fperm;
        if (p->admin.has_fperm)
                c.admin_fperm = p->admin.fperm;
        if (p->admin.has_dperm)
                c.admin_dperm = p->admin.dperm;
        return c;
}
