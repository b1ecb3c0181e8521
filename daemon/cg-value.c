/* cg-value.c: cgroup parameter values compared as the kernel understands them. Pure logic. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cg-value.h"
#include "macro.h"

/* v1 memory controllers show "unlimited" as the largest page-aligned signed 64-bit value. */
#define V1_UNLIMITED UINT64_C(9223372036854771712)

static bool parse_size(const char *s, uint64_t *ret) {
        static const char suffixes[] = "KMGT";
        uint64_t v, mult = 1;
        char *end;

        while (isspace((unsigned char) *s))
                s++;
        if (startswith(s, "max") || startswith(s, "-1")) {
                *ret = UINT64_MAX;
                return true;
        }
        if (!isdigit((unsigned char) *s))
                return false;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno)
                return false;
        if (*end && !isspace((unsigned char) *end)) {
                const char *p = strchr(suffixes, toupper((unsigned char) *end));
                if (!p || (end[1] && !isspace((unsigned char) end[1])))
                        return false;
                for (long i = 0; i <= p - suffixes; i++)
                        mult *= 1024;
                if (v > UINT64_MAX / mult)
                        return false;
        }
        *ret = v == V1_UNLIMITED ? UINT64_MAX : v * mult;
        return true;
}

/* "0-2,4" → a bit set of up to 1024 entries. */
static bool parse_list(const char *s, uint64_t set[16]) {
        memset(set, 0, 16 * sizeof(uint64_t));
        while (isspace((unsigned char) *s))
                s++;
        while (*s && *s != '\n') {
                char *end;
                unsigned long a = strtoul(s, &end, 10), b = a;

                if (end == s)
                        return false;
                if (*end == '-') {
                        s = end + 1;
                        b = strtoul(s, &end, 10);
                        if (end == s)
                                return false;
                }
                if (a > b || b >= 1024)
                        return false;
                for (unsigned long i = a; i <= b; i++)
                        set[i / 64] |= UINT64_C(1) << (i % 64);
                s = end;
                if (*s == ',')
                        s++;
                else if (*s && *s != '\n')
                        return false;
        }
        return true;
}

static bool is_list(const char *name) {
        return strstr(name, ".cpus") || strstr(name, ".mems");
}

static size_t trimmed_len(const char *s) {
        size_t n = strlen(s);

        while (n > 0 && isspace((unsigned char) s[n - 1]))
                n--;
        return n;
}

bool cg_value_equal(const char *name, const char *want, const char *live) {
        uint64_t a, b, sa[16], sb[16];
        size_t n = trimmed_len(want);

        if (n == trimmed_len(live) && strncmp(want, live, n) == 0)
                return true;
        if (is_list(name))
                return parse_list(want, sa) && parse_list(live, sb) && memcmp(sa, sb, sizeof(sa)) == 0;
        return parse_size(want, &a) && parse_size(live, &b) && a == b;
}
