/* rules-fixture.h: what test-rules needs around virtd: a base, programs with unique names, spawned processes. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "harness.h"

typedef struct Layout {
        bool v2;
        const char *limit; /* memory.limit_in_bytes (v1) or memory.max (v2) */
} Layout;

extern Layout layout;

/* Accounts of Debian's base-passwd that no service runs as: rules on them alone move nothing else. */
#define RUN_USER "irc"
#define GROUP_USER "list"

typedef struct Fixture {
        TestEnv e;
        char *base;     /* "/vrtest…" */
        char *bindir;   /* where the uniquely named copies of sleep live */
        const char *user; /* RUN_USER and its ids */
        uid_t uid;
        gid_t gid;
} Fixture;

void detect_layout(void);
const char *base_of(const char *path);
void fixture_start_with(Fixture *f, bool polkit);
void fixture_start(Fixture *f);
void ids_of(const char *user, uid_t *ret_uid, gid_t *ret_gid);
void fixture_user(Fixture *f);
void fixture_virtd(Fixture *f);
void fixture_stop(Fixture *f);
char *unique_program(Fixture *f, const char *prefix);
void write_config(Fixture *f, const char *file, const char *text);
void kill_child(void *data);
GPid spawn(const char *first, ...) G_GNUC_NULL_TERMINATED;
GPid spawn_as(uid_t uid, gid_t gid, const char *program);
char *group_of(Fixture *f, GPid pid, const char *controller);
double now_usec(void);
void assert_lands(Fixture *f, GPid pid, const char *controller, const char *group);
void assert_stays(Fixture *f, GPid pid, const char *program, const char *controller, const char *group);
void create_group(Fixture *f, const char *spec);
char *call(Fixture *f, char **ret_message, const char *member, const char *types, ...);
void call_ok(Fixture *f, const char *member, const char *types, ...);
char *list_rules(Fixture *f);
void assert_rules(Fixture *f, const char *want);
char *read_config(Fixture *f, const char *file);
