/* test-strset.c: the string set behind the ownership record and the Unsaved keys. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "strset.h"

static void test_add_remove(void) {
        _cleanup_(strset_freep) StrSet *s = strset_new();
        char key[32];

        g_assert_nonnull(s);
        g_assert_false(strset_contains(s, "group a"));
        g_assert_cmpint(strset_add(s, "group a"), ==, 1);
        g_assert_cmpint(strset_add(s, "group a"), ==, 0);
        g_assert_true(strset_contains(s, "group a"));
        g_assert_cmpint(strset_remove(s, "group a"), ==, 1);
        g_assert_cmpint(strset_remove(s, "group a"), ==, 0);
        g_assert_false(strset_contains(s, "group a"));
        g_assert_cmpuint(strset_size(s), ==, 0);

        /* Grows past many resizes; removal leaves tombstones that later probes must pass. */
        for (int i = 0; i < 20000; i++) {
                snprintf(key, sizeof(key), "group g%d", i);
                g_assert_cmpint(strset_add(s, key), ==, 1);
        }
        for (int i = 0; i < 20000; i += 2) {
                snprintf(key, sizeof(key), "group g%d", i);
                g_assert_cmpint(strset_remove(s, key), ==, 1);
        }
        g_assert_cmpuint(strset_size(s), ==, 10000);
        for (int i = 0; i < 20000; i++) {
                snprintf(key, sizeof(key), "group g%d", i);
                g_assert_cmpint(strset_contains(s, key), ==, i % 2);
        }
        /* Add and remove churn over a fixed size (CreateGroup+DeleteGroup pairs) must not fill the table. */
        for (int i = 0; i < 100000; i++) {
                snprintf(key, sizeof(key), "pair %d", i);
                g_assert_cmpint(strset_add(s, key), ==, 1);
                g_assert_cmpint(strset_remove(s, key), ==, 1);
        }
        g_assert_cmpuint(strset_size(s), ==, 10000);
}

static void test_sorted_copy(void) {
        _cleanup_(strset_freep) StrSet *s = strset_new();
        _cleanup_strv_free_ char **l = NULL, **empty = strset_to_strv(NULL);
        size_t i = 0, n = 0;

        g_assert_nonnull(empty);
        g_assert_null(empty[0]);
        g_assert_cmpint(strset_add(s, "veth b"), ==, 1);
        g_assert_cmpint(strset_add(s, "group z"), ==, 1);
        g_assert_cmpint(strset_add(s, "namespace m"), ==, 1);
        for (const char *k; (k = strset_iterate(s, &i));)
                n++;
        g_assert_cmpuint(n, ==, 3);
        l = strset_to_strv(s);
        g_assert_cmpstr(l[0], ==, "group z");
        g_assert_cmpstr(l[1], ==, "namespace m");
        g_assert_cmpstr(l[2], ==, "veth b");
        g_assert_null(l[3]);
        strset_clear(s);
        g_assert_cmpuint(strset_size(s), ==, 0);
        g_assert_cmpint(strset_add(s, "group z"), ==, 1);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/strset/add-remove", test_add_remove);
        g_test_add_func("/strset/sorted-copy", test_sorted_copy);
        return g_test_run();
}
