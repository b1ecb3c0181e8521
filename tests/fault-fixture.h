/* fault-fixture.h: virtd with a per-run cgroup base and namespace directory, killed and restarted at will, and
 * the kernel state below both as text. */
#pragma once

#include "harness.h"

typedef struct FaultFixture {
        TestEnv e;
        char *base;      /* "/vflt…": the managed cgroup base in every hierarchy, unique to the run */
        char *netns_dir; /* inside the run's directory */
} FaultFixture;

/* Starts the bus (without virtd) and registers the cleanup of everything below the base and the directory. */
void fault_fixture_start(FaultFixture *f);
/* Stops virtd if it runs (asserting a clean exit), removes the groups and namespaces, stops the bus. */
void fault_fixture_stop(FaultFixture *f);

/* virtd with --cgroup-base and --netns-dir of the fixture; waits until it owns its name (after the boot-time
 * apply). */
void fault_start_virtd(FaultFixture *f);
/* SIGKILL, reaped, and waits until the bus has dropped the name. */
void fault_kill_virtd(FaultFixture *f);

/* "CGCONFIG-NAME" of a group below the base: "vflt…/SUB". */
char *fault_group_name(FaultFixture *f, const char *sub);
void fault_write_config(FaultFixture *f, const char *name, const char *text);
/* The file's contents, or NULL when it does not exist. */
char *fault_read_config(FaultFixture *f, const char *name);

/* Sends a Manager method with one "t" flags argument on a connection of its own and returns at once; the
 * connection goes with the daemon. */
void fault_call_async(FaultFixture *f, const char *method);
/* Calls it and waits; returns the negative errno with the error filled, or >= 0. */
int fault_call(FaultFixture *f, const char *method, sd_bus_error *error);

/* Relative directories below the base in every hierarchy ("hierarchy:sub"), sorted, one a line. */
char *fault_groups(FaultFixture *f);
/* The namespace files in the directory and the mounts on them: "file NAME" and "mount NAME" lines (a mount
 * seen twice through a shared peer, as on the qemu lane's root, is one line). */
char *fault_namespaces(FaultFixture *f);
/* The link names (without lo) in namespace ns of the directory, sorted, one a line. */
char *fault_links(FaultFixture *f, const char *ns);
/* A parameter file of a group below the base in the hierarchy of controller, stripped. */
char *fault_group_value(FaultFixture *f, const char *controller, const char *sub, const char *file);
/* The mount point of a cgroup v1 controller's hierarchy, or NULL (e.g. on cgroup v2 only). */
char *fault_v1_mount(const char *controller);

/* The names a List method returns (the string member number field of each struct, from 0), sorted, with
 * duplicates kept; ns is the method's argument or NULL for none. */
char *fault_list_names(FaultFixture *f, const char *method, const char *signature, unsigned field, const char *ns);

/* Like g_assert_cmpstr, but shows both texts in full. */
#define assert_text(got, want)                                                                              \
        do {                                                                                                \
                const char *_g = (got), *_w = (want);                                                       \
                if (g_strcmp0(_g, _w) != 0)                                                                 \
                        g_error("%s:%d: got:\n%s\nwanted:\n%s", __FILE__, __LINE__, _g ? _g : "(null)", _w); \
        } while (0)
