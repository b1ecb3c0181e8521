/* harness.h: integration test fixture: a private system bus with the shipped policy, the polkitd mock, the built virtd. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

typedef struct TestEnv {
        char *dir;          /* per-run temporary directory, removed by test_env_stop() */
        char *bus_address;  /* also exported as DBUS_SYSTEM_BUS_ADDRESS */
        char *config_dir;   /* virtd --config-dir */
        char *state_dir;    /* virtd --state-dir */
        GPid bus_pid;
        GPid polkit_pid;
        GPid virtd_pid;
        sd_bus *bus;        /* a root connection to the private bus */
} TestEnv;

typedef struct TestEnvOptions {
        bool polkit;                    /* start python-dbusmock's polkitd template */
        const char * const *virtd_args; /* extra arguments for virtd, NULL-terminated */
        bool no_virtd;                  /* bus (and polkit) only; start virtd with test_env_start_virtd() */
} TestEnvOptions;

/* Starts everything; on failure the test aborts and everything started so far is cleaned up. */
void test_env_start(TestEnv *e, const TestEnvOptions *options);
/* Starts build/daemon/virtd; the environment variable VIRTD_TEST_WRAPPER (e.g. "valgrind --leak-check=full")
 * is split like a shell command line and put in front of it, and the wait for its bus name grows to 120 s. */
void test_env_start_virtd(TestEnv *e, const char * const *extra_args);
/* Sends SIGTERM to virtd and asserts that it exits with status 0. */
void test_env_stop_virtd(TestEnv *e);
/* Stops virtd (asserting a clean exit), the mock and the bus, and removes the directory. */
void test_env_stop(TestEnv *e);

/* Grants the given polkit actions to every caller (python-dbusmock's SetAllowed). */
void test_env_polkit_allow(TestEnv *e, const char * const *actions);

/* Runs build/client/virtctl with the given NULL-terminated arguments against the private bus.
 * Returns the exit status; stdout and stderr are returned when the pointers are non-NULL. */
int test_virtctl(TestEnv *e, char **ret_stdout, char **ret_stderr, ...) G_GNUC_NULL_TERMINATED;
/* The same with an argument vector and extra environment ("NAME=value", NULL-terminated, may be NULL). */
int test_virtctl_argv(TestEnv *e, const char * const *args, const char * const *env, char **ret_stdout,
                      char **ret_stderr);

/* Runs fn in a forked child connected to the private bus as uid/gid (e.g. 65534), returns fn's return value
 * (0..255) as the child's exit status. */
int test_fork_as(TestEnv *e, uid_t uid, gid_t gid, int (*fn)(sd_bus *bus, void *userdata), void *userdata);

/* Registers a cleanup that runs at test_env_stop() and also when the test aborts on a failed assertion,
 * in reverse order of registration. */
void test_defer(void (*fn)(void *data), void *data);
void test_run_deferred(void);

/* A name unique to this run, at most 15 characters (fits IFNAMSIZ): prefix + pid + counter. */
char *test_unique_name(const char *prefix);

/* Runs a shell command line; returns its exit status and optionally its stdout. */
int test_sh(char **ret_stdout, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* Removes base (a cgroup path unique to the test, e.g. "/vtest123") from every mounted hierarchy, moving any
 * process still inside to the hierarchy's root first. */
void test_remove_cgroup_subtree(const char *base);
/* The same as a deferred cleanup (see test_defer()); base must outlive the test. */
void test_defer_remove_cgroup_subtree(const char *base);
/* Where controller's hierarchy is mounted (/sys/fs/cgroup on a unified host), from the mount table, as no
 * path may be assumed; fails the test when controller has none. */
char *test_cgroup_mount_of(const char *controller);
/* Starts virtd confined to the test's own cgroup base and namespace directory, as every sandboxed test does. */
void test_env_start_virtd_in(TestEnv *e, const char *cgroup_base, const char *netns_dir);
/* Unmounts whatever is mounted below dir, deepest first. */
void test_umount_below(const char *dir);

/* Skips (exit 77 under TAP's "skip") unless running as root. */
void test_require_root(void);

/* Whether this runs inside the qemu lane's guest: tests/vm/guest-init exports VIRTD_VM_GUEST=1 to the command. */
bool test_in_vm_guest(void);

/* For a test whose kernel feature virtd reports missing: skips with reason on the host, but fails inside the qemu
 * lane's guest, whose stock Debian kernel has 802.1Q, 802.1ad and bridge VLAN filtering, so that a lane that
 * lost them cannot pass by skipping. The caller ends the test either way. */
void test_skip_unless_vm_guest(const char *reason);

#define TEST_BUILD_PATH(rel) (TEST_BUILD_ROOT "/" rel)
#define TEST_SOURCE_PATH(rel) (TEST_SOURCE_ROOT "/" rel)

/* Compares each org.virtd interface that object_path serves with the shipped dbus/<interface>.xml;
 * fails on any difference or on a served interface that is not shipped. Returns how many were compared. */
unsigned test_assert_introspection(TestEnv *e, const char *object_path);
