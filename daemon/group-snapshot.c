/* group-snapshot.c: cgsnapshot: the managed groups' live state as cgconfig.conf text that cgconfigparser accepts. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "log.h"
#include "macro.h"
#include "strv.h"

/* Writable files whose value cannot be written back as read, or that cgconfigparser could not apply
 * to a fresh group (cgsnapshot keeps the same kind of list in /etc/cgsnapshot_blacklist.conf). */
static const char * const snapshot_skip[] = {
        "cpuset.memory_pressure_enabled", /* only in the root cpuset */
        "cpuset.sched_relax_domain_level",
        "memory.force_empty",             /* write-only trigger */
        "memory.kmem.limit_in_bytes",     /* refused by kernels since 5.16 */
        "memory.kmem.tcp.limit_in_bytes",
        "memory.oom_control",             /* read format differs from write format */
        "memory.pressure_level",          /* event registration file */
        "memory.max_usage_in_bytes",      /* writing resets the statistic */
        "memory.kmem.max_usage_in_bytes",
        "memory.kmem.tcp.max_usage_in_bytes",
        "memory.memsw.max_usage_in_bytes",
        "memory.failcnt",
        "memory.kmem.failcnt",
        "memory.kmem.tcp.failcnt",
        "memory.memsw.failcnt",
        "cpuacct.usage",                  /* writing 0 resets the statistic */
        "devices.allow",                  /* write-only; devices.list is their read side */
        "devices.deny",
        "freezer.state",                  /* a frozen group would be restored frozen mid-apply */
        "cpu.stat",
        "cpu.weight.nice",                /* v2: a second view of cpu.weight; writing it back rounds cpu.weight */
        "cgroup.freeze",                  /* v2: like freezer.state */
        "cgroup.kill",                    /* v2: write-only trigger */
        "memory.reclaim",                 /* v2: write-only trigger */
        "memory.peak",                    /* v2: statistic */
        NULL
};

static bool skip_parameter(const char *name) {
        /* Of hugetlb's files only the limits are configuration; the rest reset counters when written. */
        if (startswith(name, "hugetlb."))
                return !strstr(name, ".limit_in_bytes") || strstr(name, ".rsvd.");
        for (const char * const *s = snapshot_skip; *s; s++)
                if (streq(name, *s))
                        return true;
        return false;
}

static void print_user(FILE *f, const char *key, uint32_t uid) {
        struct passwd *pw = getpwuid(uid);

        if (pw)
                fprintf(f, "\t\t\t%s = %s;\n", key, pw->pw_name);
        else
                fprintf(f, "\t\t\t%s = %u;\n", key, uid);
}

static void print_group(FILE *f, const char *key, uint32_t gid) {
        struct group *gr = getgrgid(gid);

        if (gr)
                fprintf(f, "\t\t\t%s = %s;\n", key, gr->gr_name);
        else
                fprintf(f, "\t\t\t%s = %u;\n", key, gid);
}

static void print_perm(FILE *f, const CgroupPerm *p) {
        fputs("\tperm {\n\t\ttask {\n", f);
        print_user(f, "uid", p->task_uid);
        print_group(f, "gid", p->task_gid);
        fprintf(f, "\t\t\tfperm = %03o;\n\t\t}\n\t\tadmin {\n", p->task_fperm);
        print_user(f, "uid", p->admin_uid);
        print_group(f, "gid", p->admin_gid);
        fprintf(f, "\t\t\tdperm = %03o;\n\t\t\tfperm = %03o;\n\t\t}\n\t}\n", p->admin_dperm, p->admin_fperm);
}

static int print_controller(FILE *f, const char *controller, const char *full) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = cgroup_backend_list_parameters(controller, full, &names);
        if (r < 0)
                return r;
        fprintf(f, "\t%s {\n", controller);
        for (char **n = names; *n; n++) {
                _cleanup_free_ char *value = NULL;

                if (skip_parameter(*n) || cgroup_backend_parameter_writable(controller, full, *n) <= 0)
                        continue;
                if (cgroup_backend_get(controller, full, *n, &value) < 0 || !*value || strpbrk(value, "\n\""))
                        continue;
                fprintf(f, "\t\t%s = \"%s\";\n", *n, value);
        }
        fputs("\t}\n", f);
        return 0;
}

static int print_group_block(FILE *f, GroupRegistry *r, Group *g, char **only) {
        _cleanup_free_ char *full = NULL;
        CgroupPerm perm;
        bool any = false;
        int k;

        k = group_full_path(r, g->path, &full);
        if (k < 0)
                return k;
        for (char **c = g->controllers; *c; c++)
                any = any || strv_length(only) == 0 || strv_contains(only, *c);
        if (!any)
                return 0;
        /* cgconfig.conf names groups relative to the hierarchy root, without the leading '/'. */
        fprintf(f, "group %s {\n", full + 1);
        if (cgroup_backend_get_perm(g->controllers[0], full, &perm) >= 0)
                print_perm(f, &perm);
        for (char **c = g->controllers; *c; c++)
                if (strv_length(only) == 0 || strv_contains(only, *c))
                        if ((k = print_controller(f, *c, full)) < 0)
                                return k;
        fputs("}\n\n", f);
        return 0;
}

static int group_depth_cmp(const void *a, const void *b) {
        /* Parents before children, so that cgconfigparser creates them in order. */
        return strcmp((*(Group * const *) a)->path, (*(Group * const *) b)->path);
}

int group_snapshot(GroupRegistry *r, char **controllers, char **ret) {
        _cleanup_free_ Group **sorted = NULL;
        char *text = NULL;
        size_t size = 0, n = 0, i = 0;
        FILE *f;
        int k;

        k = group_registry_sync(r);
        if (k < 0)
                return k;
        for (Group *g = r->groups; g; g = g->next)
                n++;
        sorted = calloc(n + 1, sizeof(Group *));
        if (!sorted)
                return -ENOMEM;
        for (Group *g = r->groups; g; g = g->next)
                sorted[i++] = g;
        qsort(sorted, n, sizeof(Group *), group_depth_cmp);

        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "# Configuration of the groups virtd manages under %s, as cgsnapshot would write it.\n"
                   "# Apply with: cgconfigparser -l FILE\n\n", r->base);
        for (i = 0; i < n && k >= 0; i++)
                k = print_group_block(f, r, sorted[i], controllers);
        if (fclose(f) != 0 && k >= 0)
                k = -errno;
        if (k < 0) {
                free(text);
                return k;
        }
        *ret = text;
        return 0;
}
