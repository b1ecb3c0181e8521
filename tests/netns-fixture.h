/* netns-fixture.h: virtd with a per-run network namespace directory, and proof that nothing is left behind. */
#pragma once

#include "harness.h"

typedef struct NsFixture {
        TestEnv e;
        char *netns_dir;         /* per run, or the real /run/netns for iproute2 interop */
        GPtrArray *names;        /* namespaces this test made or let iproute2 make */
        bool real_netns;
        char *host_links_before; /* names of the host's links */
} NsFixture;

/* Starts the bus (with the polkitd mock when asked) and virtd with --netns-dir; namespaces in names are
 * deleted even when an assertion aborts. */
void ns_fixture_start(NsFixture *t, bool real_netns, bool polkit);
/* Stops virtd and asserts that no namespace, mount or host link change is left. */
void ns_fixture_stop(NsFixture *t);
/* A namespace name unique to the run, registered for cleanup. */
char *ns_fixture_name(NsFixture *t, const char *prefix);
/* Calls a Manager method; returns the call's result, the error and reply when asked for. */
int ns_fixture_call(NsFixture *t, sd_bus_error *error, sd_bus_message **reply, const char *member, const char *types,
                    ...);

/* Like g_assert_nonnull(strstr(...)), but shows what was searched. */
#define assert_contains(haystack, needle)                                                                   \
        do {                                                                                                \
                const char *_h = (haystack), *_n = (needle);                                                \
                if (!_h || !strstr(_h, _n))                                                                 \
                        g_error("%s:%d: expected '%s' in:\n%s", __FILE__, __LINE__, _n, _h ? _h : "(null)"); \
        } while (0)
