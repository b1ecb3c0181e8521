/* cg-value.h: cgroup parameter values compared as the kernel understands them. Pure logic. */
#pragma once

#include <stdbool.h>

/**
 * cg_value_equal() - whether the value @want (as written in cgconfig.conf) and @live (as read back) mean the same.
 *
 * The kernel rewrites what it is given: "64M" reads back as 67108864, "0,1" as "0-1", and a v1 "-1" limit as
 * 9223372036854771712. Sizes (K, M, G, T suffixes, 1024-based), cpu/memory-node lists and those unlimited
 * spellings are compared by meaning; everything else byte for byte after trimming whitespace.
 */
bool cg_value_equal(const char *name, const char *want, const char *live);
