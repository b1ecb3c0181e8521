/* cgrules.c: libcgroup's cgrules.conf grammar, destination templates and the first-match rule matcher.
 *
 * libcgroup's cgroup_parse_rules() reads the file into a global cache and is not reentrant; its matcher
 * reads /proc itself. virtd needs the rules as data (to list, reorder and test them) and a matcher it can
 * call from the event loop with what it already knows, so both are done here, following libcgroup 2.0's
 * behaviour: first match wins, "%" continues the rule above, a process name with '/' is compared with
 * the full executable path, a trailing '*' compares prefixes. */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgconfig.h"
#include "cgrules.h"
#include "fileio.h"
#include "strv.h"

static void rule_done(CgRule *r) {
        free(r->file);
        free(r->name);
        free(r->process);
        strv_free(r->controllers);
        free(r->destination);
        *r = (CgRule) {};
}

CgRules *cgrules_free(CgRules *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_rules; i++)
                rule_done(&r->rules[i]);
        free(r->rules);
        free(r);
        return NULL;
}

typedef struct Field {
        char *value;
        unsigned column;
} Field;

static int resolve_subject(CgRule *rule, const char *key, const char *file, unsigned line, unsigned col, ConfError *err) {
        char buf[16384];
        int r;

        if (streq(key, "*")) {
                rule->subject = CGRULE_SUBJECT_ANY;
                return 0;
        }
        if (key[0] == '@') {
                struct group gr, *res = NULL;
                rule->subject = CGRULE_SUBJECT_GROUP;
                r = getgrnam_r(key + 1, &gr, buf, sizeof(buf), &res);
                if (r == ENOMEM)
                        return -ENOMEM;
                if (!key[1] || !res)
                        return conf_error_set(err, file, line, col, "unknown group '%s'", key + 1);
                rule->gid = res->gr_gid;
        } else {
                struct passwd pw, *res = NULL;
                rule->subject = CGRULE_SUBJECT_USER;
                r = getpwnam_r(key, &pw, buf, sizeof(buf), &res);
                if (r == ENOMEM)
                        return -ENOMEM;
                if (!res)
                        return conf_error_set(err, file, line, col, "unknown user '%s'", key);
                rule->uid = res->pw_uid;
        }
        rule->name = strdup(key[0] == '@' ? key + 1 : key);
        return rule->name ? 0 : -ENOMEM;
}

/* No "." or ".." component: the destination stays inside the hierarchy. */
static int components_check(const char *d, char **ret_reason) {
        _cleanup_free_ char *copy = strdup(d);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *w = strtok_r(copy, "/", &save); w; w = strtok_r(NULL, "/", &save))
                if ((streq(w, "..") || streq(w, ".")) && !ret_reason)
                        return -EINVAL;
                else if (streq(w, "..") || streq(w, "."))
                        return asprintf(ret_reason, "destination '%s' contains '%s', which would leave the hierarchy", d, w) < 0
                                       ? -ENOMEM
                                       : -EINVAL;
        return 0;
}

/* Checks a destination (template) without expanding it. */
static int destination_check(const char *d, char **ret_reason) {
        for (const char *p = d; *p; p++) {
                if (*p == '\\' && p[1] == '%') {
                        p++;
                        continue;
                }
                if (*p == '%' && !(p[1] && strchr("uUgGpP", p[1]))) {
                        if (!ret_reason)
                                return -EINVAL;
                        return asprintf(ret_reason, "destination '%s' uses an unknown specifier '%%%c' (known: %%u %%U %%g %%G %%p %%P)",
                                        d, p[1] ? p[1] : ' ') < 0 ? -ENOMEM : -EINVAL;
                }
        }
        return components_check(d, ret_reason);
}

static int parse_line(CgRules *rules, Field *f, size_t n, const char *file, unsigned line, ConfError *err) {
        _cleanup_free_ char *why = NULL;
        CgRule rule = { .line = line };
        char *colon;
        int r;

        if (n < 3)
                return conf_error_set(err, file, line, f[0].column,
                                      "expected '<user>[:<process>] <controllers> <destination> [<options>]', found %zu field%s", n,
                                      n == 1 ? "" : "s");
        if (n > 4)
                return conf_error_set(err, file, line, f[4].column, "unexpected fifth field '%s'", f[4].value);
        if (!(rule.file = strdup(file)))
                return -ENOMEM;

        colon = strchr(f[0].value, ':');
        if (colon) {
                *colon = 0;
                if (!colon[1]) {
                        r = conf_error_set(err, file, line, f[0].column, "empty process name after ':'");
                        goto fail;
                }
                if (!(rule.process = strdup(colon + 1))) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        if (streq(f[0].value, "%")) {
                const CgRule *prev = rules->n_rules > 0 ? &rules->rules[rules->n_rules - 1] : NULL;
                if (!prev) {
                        r = conf_error_set(err, file, line, f[0].column, "'%%' continues the rule above, but there is none");
                        goto fail;
                }
                if (rule.process) {
                        r = conf_error_set(err, file, line, f[0].column, "'%%' takes the process of the rule above; drop ':%s'",
                                           rule.process);
                        goto fail;
                }
                rule.continuation = true;
                rule.subject = prev->subject;
                rule.uid = prev->uid;
                rule.gid = prev->gid;
                if ((prev->name && !(rule.name = strdup(prev->name))) || (prev->process && !(rule.process = strdup(prev->process)))) {
                        r = -ENOMEM;
                        goto fail;
                }
        } else if ((r = resolve_subject(&rule, f[0].value, file, line, f[0].column, err)) < 0)
                goto fail;

        if (!streq(f[1].value, "*")) {
                rule.controllers = strv_split(f[1].value, ",");
                if (!rule.controllers) {
                        r = -ENOMEM;
                        goto fail;
                }
                if (!rule.controllers[0] || strstr(f[1].value, ",,") || f[1].value[0] == ',') {
                        r = conf_error_set(err, file, line, f[1].column, "empty controller name in '%s'", f[1].value);
                        goto fail;
                }
                for (char **c = rule.controllers; *c; c++)
                        if (!cgconfig_controller_known(*c)) {
                                r = conf_error_set(err, file, line, f[1].column, "unknown controller '%s'", *c);
                                goto fail;
                        }
        }
        r = destination_check(f[2].value, &why);
        if (r == -ENOMEM)
                goto fail;
        if (r < 0) {
                r = conf_error_set(err, file, line, f[2].column, "%s", strempty(why));
                goto fail;
        }
        rule.destination = TAKE_PTR(f[2].value);
        if (n == 4) {
                _cleanup_strv_free_ char **opts = strv_split(f[3].value, ",");
                if (!opts) {
                        r = -ENOMEM;
                        goto fail;
                }
                for (char **o = opts; *o; o++) {
                        if (!streq(*o, "ignore")) {
                                r = conf_error_set(err, file, line, f[3].column, "unknown option '%s' (libcgroup 2.0 knows: ignore)", *o);
                                goto fail;
                        }
                        rule.ignore = true;
                }
        }
        CgRule *slot = CONF_APPEND(rules->rules, rules->n_rules);
        if (!slot) {
                r = -ENOMEM;
                goto fail;
        }
        *slot = rule;
        return 0;
fail:
        rule_done(&rule);
        return r;
}

static void fields_clear(Field *f, size_t *n) {
        for (size_t i = 0; i < *n; i++)
                free(f[i].value);
        *n = 0;
}

int cgrules_parse(const char *text, size_t size, const char *filename, CgRules **ret, ConfError *err) {
        _cleanup_(cgrules_freep) CgRules *rules = calloc(1, sizeof(CgRules));
        const char *file = filename ? filename : "<input>";
        ConfLexer l;
        Field f[5];
        size_t n = 0;
        int r = 0;

        assert(ret);
        if (!rules)
                return -ENOMEM;
        conf_lexer_init(&l, text, size, file, CONF_LEXER_LINES);
        for (;;) {
                ConfToken t = {};
                r = conf_lexer_next(&l, &t, err);
                if (r < 0)
                        break;
                if (t.type == CONF_TOKEN_WORD) {
                        if (n < ELEMENTSOF(f))
                                f[n++] = (Field) { .value = TAKE_PTR(t.value), .column = t.column };
                        conf_token_done(&t);
                        continue;
                }
                if (n > 0) {
                        r = parse_line(rules, f, n, file, t.line, err);
                        fields_clear(f, &n);
                        if (r < 0)
                                break;
                }
                if (t.type == CONF_TOKEN_EOF)
                        break;
        }
        fields_clear(f, &n);
        conf_lexer_done(&l);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(rules);
        return 0;
}

static int filter_conf(const struct dirent *de) {
        size_t l = strlen(de->d_name);
        return de->d_name[0] != '.' && l > 5 && streq(de->d_name + l - 5, ".conf");
}

static int sort_c(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

static int append_file(CgRules *all, const char *path, ConfError *err) {
        _cleanup_(cgrules_freep) CgRules *one = NULL;
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r = read_full_file(path, &text, &size);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        r = cgrules_parse(text, size, path, &one, err);
        if (r < 0)
                return r;
        /* A "%" at the top of a drop-in would continue another file's rule; the parser refuses it. */
        for (size_t i = 0; i < one->n_rules; i++) {
                CgRule *slot = CONF_APPEND(all->rules, all->n_rules);
                if (!slot)
                        return -ENOMEM;
                *slot = one->rules[i];
                one->rules[i] = (CgRule) {};
        }
        return 0;
}

int cgrules_load(const char *main_path, const char *dropin_dir, CgRules **ret, ConfError *err) {
        _cleanup_(cgrules_freep) CgRules *rules = calloc(1, sizeof(CgRules));
        struct dirent **names = NULL;
        int r = 0, n;

        assert(ret);
        if (!rules)
                return -ENOMEM;
        if (main_path && (r = append_file(rules, main_path, err)) < 0)
                return r;
        n = dropin_dir ? scandir(dropin_dir, &names, filter_conf, sort_c) : 0;
        if (n < 0 && errno != ENOENT)
                return -errno;
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;
                if (r >= 0 && asprintf(&path, "%s/%s", dropin_dir, names[i]->d_name) < 0)
                        r = -ENOMEM;
                if (r >= 0)
                        r = append_file(rules, path, err);
                free(names[i]);
        }
        free(names);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(rules);
        return 0;
}

int cgrules_serialize(const CgRules *rules, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert(rules);
        assert(ret);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < rules->n_rules; i++) {
                const CgRule *r = &rules->rules[i];
                _cleanup_free_ char *ctl = r->controllers ? strv_join(r->controllers, ",") : strdup("*");
                if (!ctl) {
                        fclose(f);
                        return -ENOMEM;
                }
                if (r->continuation)
                        fputs("%", f);
                else {
                        fputs(r->subject == CGRULE_SUBJECT_ANY ? "*" : r->subject == CGRULE_SUBJECT_GROUP ? "@" : "", f);
                        fputs(strempty(r->name), f);
                        if (r->process)
                                fprintf(f, ":%s", r->process);
                }
                fprintf(f, "\t%s\t%s%s\n", ctl, r->destination, r->ignore ? "\tignore" : "");
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

static bool process_matches(const char *pattern, const char *value) {
        size_t l = strlen(pattern);

        if (!value)
                return false;
        if (l > 0 && pattern[l - 1] == '*')
                return strncmp(pattern, value, l - 1) == 0;
        return streq(pattern, value);
}

static bool controllers_meet(char **wanted, const char *line) {
        _cleanup_strv_free_ char **have = NULL;

        /* The unified hierarchy's line lists no controllers: it holds them all. */
        if (!wanted || !*line)
                return true;
        have = strv_split(line, ",");
        for (char **w = wanted; have && *w; w++)
                if (strv_contains(have, *w))
                        return true;
        return false;
}

/* @path with a '/' after it starts with @dest. */
static bool path_has_prefix(const char *path, const char *dest) {
        size_t dl = strlen(dest), pl = strlen(path);

        if (pl >= dl)
                return strncmp(path, dest, dl) == 0;
        return pl + 1 == dl && dest[pl] == '/' && strncmp(path, dest, pl) == 0;
}

/* libcgroup's cgroup_compare_ignore_rule(): the process sits in the destination or below it, compared as
 * a string prefix ("Folder" also covers "Folders"); the root destination only covers the root. */
static bool in_destination(const CgRule *r, const CgRuleProcess *p) {
        const char *dest = r->destination;

        while (*dest == '/')
                dest++;
        for (size_t i = 0; i < p->n_cgroups; i++) {
                const char *path = p->cgroups[i].path;
                if (!path || !controllers_meet(r->controllers, p->cgroups[i].controllers))
                        continue;
                if (!*dest ? streq(path, "/") : path_has_prefix(path + (*path == '/'), dest))
                        return true;
        }
        return false;
}

static bool rule_applies(const CgRule *r, const CgRuleProcess *p) {
        bool subject = false;

        switch (r->subject) {
        case CGRULE_SUBJECT_ANY:
                subject = true;
                break;
        case CGRULE_SUBJECT_USER:
                subject = r->uid == p->uid;
                break;
        case CGRULE_SUBJECT_GROUP:
                subject = r->gid == p->gid;
                for (size_t i = 0; i < p->n_groups && !subject; i++)
                        subject = r->gid == p->groups[i];
                break;
        }
        if (!subject)
                return false;
        if (r->ignore && !in_destination(r, p))
                return false;
        if (!r->process)
                return true;
        /* libcgroup 2.0 is handed the full path (cgroup_get_procname_from_procfs()) and compares a pattern
         * with a trailing '*' with that only: "ssh*" never matches, "/usr/sbin/ssh*" does. Followed as is,
         * so that a rules file places every process where cgrulesengd places it. */
        if (strchr(r->process, '/') || r->process[strlen(r->process) - 1] == '*')
                return process_matches(r->process, p->path);
        /* A bare name matches the comm name or the executable's file name, as libcgroup checks both. */
        const char *base = p->path ? strrchr(p->path, '/') : NULL;
        return process_matches(r->process, p->name) || process_matches(r->process, base ? base + 1 : p->path);
}

int cgrules_match(const CgRules *rules, const CgRuleProcess *p, size_t *ret_index) {
        assert(rules);
        assert(p);
        for (size_t i = 0; i < rules->n_rules; i++) {
                if (rules->rules[i].continuation)
                        continue;
                if (rule_applies(&rules->rules[i], p)) {
                        if (ret_index)
                                *ret_index = i;
                        return 0;
                }
        }
        return -ENOENT;
}

static int refuse(char **ret_reason, const char *format, ...) _printf_(2, 3);
static int refuse(char **ret_reason, const char *format, ...) {
        va_list ap;

        if (!ret_reason)
                return -EINVAL;
        va_start(ap, format);
        if (vasprintf(ret_reason, format, ap) < 0)
                *ret_reason = NULL;
        va_end(ap);
        return -EINVAL;
}

/* A name put in for a specifier must stay one path component and must not be a specifier itself. */
static int check_substitution(const char *d, char spec, const char *value, char **ret_reason) {
        if (streq(value, ".") || streq(value, "..") || strchr(value, '/'))
                return refuse(ret_reason, "destination '%s': %%%c would be '%s', which would leave the hierarchy", d, spec, value);
        if (strchr(value, '%'))
                return refuse(ret_reason, "destination '%s': %%%c would be '%s', which refers back to a template (a loop)", d,
                              spec, value);
        for (const char *c = value; *c; c++)
                if ((unsigned char) *c < ' ')
                        return refuse(ret_reason, "destination '%s': %%%c would contain a control character", d, spec);
        return 0;
}

/* The text for specifier @spec, or NULL when @spec is not one. A name that is unknown becomes the number. */
static int substitution(const CgRuleProcess *p, char spec, char **ret) {
        const char *name = spec == 'u' ? p->user : spec == 'g' ? p->group : spec == 'p' ? p->name : NULL;
        int k;

        if (!strchr("uUgGpP", spec) || !spec) {
                *ret = NULL;
                return 0;
        }
        if (name)
                k = asprintf(ret, "%s", name);
        else if (spec == 'u' || spec == 'U')
                k = asprintf(ret, "%u", (unsigned) p->uid);
        else if (spec == 'g' || spec == 'G')
                k = asprintf(ret, "%u", (unsigned) p->gid);
        else
                k = asprintf(ret, "%d", (int) p->pid);
        return k < 0 ? -ENOMEM : 0;
}

int cgrules_expand_destination(const char *d, const CgRuleProcess *p, char **ret, char **ret_reason) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r = 0;

        assert(d);
        assert(p);
        assert(ret);
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        for (const char *c = d; *c && r >= 0; c++) {
                _cleanup_free_ char *value = NULL;
                if (*c == '\\' && c[1] == '%') {
                        fputc('%', f);
                        c++;
                        continue;
                }
                if (*c != '%' || !c[1]) {
                        fputc(*c, f);
                        continue;
                }
                r = substitution(p, *++c, &value);
                if (r >= 0 && value)
                        r = check_substitution(d, *c, value, ret_reason);
                if (r >= 0)
                        value ? fputs(value, f) : fprintf(f, "%%%c", *c);
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        if (r < 0)
                return r;
        /* Each name was checked alone; the whole is checked again so that no later change to the rules
         * above can let a ".." through. */
        r = components_check(buf, ret_reason);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* Where line @line (1-based) starts, or the end of the text. */
static const char *line_start(const char *text, unsigned line) {
        const char *s = text;

        for (unsigned l = 1; l < line && *s; l++) {
                const char *nl = strchr(s, '\n');
                s = nl ? nl + 1 : s + strlen(s);
        }
        return s;
}

static size_t line_length(const char *s) {
        const char *nl = strchr(s, '\n');
        return nl ? (size_t) (nl - s + 1) : strlen(s);
}

int cgrules_text_line(const char *text, unsigned line, char **ret) {
        const char *s;

        assert(text);
        assert(ret);
        s = line >= 1 ? line_start(text, line) : text + strlen(text);
        *ret = strndup(s, line_length(s));
        return *ret ? 0 : -ENOMEM;
}

static bool line_dropped(const unsigned *drop, size_t n, unsigned line) {
        for (size_t i = 0; i < n; i++)
                if (drop[i] == line)
                        return true;
        return false;
}

static void put_insert(FILE *f, const char *insert) {
        size_t l = insert ? strlen(insert) : 0;

        if (l == 0)
                return;
        fputs(insert, f);
        if (insert[l - 1] != '\n')
                fputc('\n', f);
}

int cgrules_text_splice(const char *text, const unsigned *drop, size_t n_drop, unsigned before, const char *insert,
                        char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        bool inserted = false;
        unsigned line = 1;
        FILE *f;

        assert(text);
        assert(ret);
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        for (const char *s = text; *s; line++) {
                size_t l = line_length(s);
                if (line == before) {
                        put_insert(f, insert);
                        inserted = true;
                }
                if (!line_dropped(drop, n_drop, line)) {
                        fwrite(s, 1, l, f);
                        if (s[l - 1] != '\n' && !inserted && insert && *insert)
                                fputc('\n', f); /* the last line had none; the insertion follows it */
                }
                s += l;
        }
        if (!inserted)
                put_insert(f, insert);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}
