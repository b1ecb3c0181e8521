/* json.h: a minimal streaming JSON writer for --json output. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

typedef struct JsonWriter {
        FILE *f;
        bool need_comma;
} JsonWriter;

void json_begin_object(JsonWriter *w);
void json_end_object(JsonWriter *w);
void json_begin_array(JsonWriter *w, const char *key);
void json_end_array(JsonWriter *w);
/* key may be NULL inside arrays. */
void json_key(JsonWriter *w, const char *key);
void json_string(JsonWriter *w, const char *key, const char *value);
void json_bool(JsonWriter *w, const char *key, bool value);
void json_uint(JsonWriter *w, const char *key, unsigned long long value);
void json_strv(JsonWriter *w, const char *key, char **values);
void json_finish(JsonWriter *w);
