/* json.c: a minimal streaming JSON writer for --json output. */
#include "json.h"

static void separator(JsonWriter *w) {
        if (w->need_comma)
                fputc(',', w->f);
        w->need_comma = false;
}

static void write_escaped(FILE *f, const char *s) {
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s; p && *p; p++) {
                switch (*p) {
                case '"': fputs("\\\"", f); break;
                case '\\': fputs("\\\\", f); break;
                case '\n': fputs("\\n", f); break;
                case '\t': fputs("\\t", f); break;
                case '\r': fputs("\\r", f); break;
                default:
                        if (*p < 0x20)
                                fprintf(f, "\\u%04x", *p);
                        else
                                fputc(*p, f);
                }
        }
        fputc('"', f);
}

void json_key(JsonWriter *w, const char *key) {
        separator(w);
        if (key) {
                write_escaped(w->f, key);
                fputc(':', w->f);
        }
}

void json_begin_object(JsonWriter *w) {
        separator(w);
        fputc('{', w->f);
}

void json_end_object(JsonWriter *w) {
        fputc('}', w->f);
        w->need_comma = true;
}

void json_begin_array(JsonWriter *w, const char *key) {
        json_key(w, key);
        fputc('[', w->f);
}

void json_end_array(JsonWriter *w) {
        fputc(']', w->f);
        w->need_comma = true;
}

void json_string(JsonWriter *w, const char *key, const char *value) {
        json_key(w, key);
        write_escaped(w->f, value ? value : "");
        w->need_comma = true;
}

void json_bool(JsonWriter *w, const char *key, bool value) {
        json_key(w, key);
        fputs(value ? "true" : "false", w->f);
        w->need_comma = true;
}

void json_uint(JsonWriter *w, const char *key, unsigned long long value) {
        json_key(w, key);
        fprintf(w->f, "%llu", value);
        w->need_comma = true;
}

void json_strv(JsonWriter *w, const char *key, char **values) {
        json_begin_array(w, key);
        for (char **v = values; v && *v; v++)
                json_string(w, NULL, *v);
        json_end_array(w);
}

void json_finish(JsonWriter *w) {
        fputc('\n', w->f);
        w->need_comma = false;
}
