/* group-top.c: "virtctl group tree" (like systemd-cgls) and "virtctl group top" (like systemd-cgtop). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "group-verbs.h"
#include "i18n.h"
#include "json.h"
#include "macro.h"
#include "strv.h"
#include "verbs.h"
#include "virtd-bus.h"

static int read_processes(Context *ctx, const char *object, uint32_t **ret, size_t *ret_n) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const uint32_t *pids;
        size_t size;
        int r;

        r = sd_bus_get_property(ctx->bus, VIRTD_BUS_NAME, object, VIRTD_INTERFACE_GROUP, "Processes", &error, &reply, "au");
        if (r < 0)
                return log_bus_error(_("cannot read the group's processes"), &error, r);
        r = sd_bus_message_read_array(reply, 'u', (const void **) &pids, &size);
        if (r < 0)
                return log_bus_error(_("malformed reply"), NULL, r);
        *ret = malloc(size + sizeof(uint32_t));
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, pids, size);
        *ret_n = size / sizeof(uint32_t);
        return 0;
}

/* The command line like systemd-cgls shows it, or the kernel's name for threads without one. */
static char *process_name(uint32_t pid) {
        _cleanup_free_ char *path = NULL, *cmdline = NULL;
        char *comm = NULL;
        size_t size = 0;

        if (asprintf(&path, "/proc/%" PRIu32 "/cmdline", pid) < 0)
                return NULL;
        if (read_full_file(path, &cmdline, &size) >= 0 && size > 0) {
                for (size_t i = 0; i + 1 < size; i++)
                        if (cmdline[i] == 0)
                                cmdline[i] = ' ';
                return TAKE_PTR(cmdline);
        }
        free(path);
        if (asprintf(&path, "/proc/%" PRIu32 "/comm", pid) < 0)
                return NULL;
        if (read_one_line_file(path, &comm) < 0)
                return strdup("?");
        return comm;
}

static unsigned depth_of(const char *path) {
        unsigned d = 0;

        for (const char *p = path; *p; p++)
                d += *p == '/';
        return d;
}

static void print_indent(unsigned depth) {
        for (unsigned i = 1; i < depth; i++)
                fputs("│ ", stdout);
}

static bool is_prefix_dir(const char *prefix, const char *path) {
        const char *rest = startswith(path, prefix);

        return streq(prefix, "/") || (rest && (*rest == '/' || !*rest));
}

int verb_group_tree(int argc, char *argv[], Context *ctx) {
        _cleanup_free_ char *base = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *top = argc > 0 ? argv[0] : "/";
        GroupEntry *l = NULL;
        JsonWriter w = { .f = stdout };
        size_t n = 0;
        int r;

        r = list_groups(ctx, &l, &n);
        if (r < 0)
                return r;
        r = sd_bus_get_property_string(ctx->bus, VIRTD_BUS_NAME, VIRTD_OBJECT_ROOT, VIRTD_INTERFACE_MANAGER, "GroupBase",
                                       &error, &base);
        if (r < 0) {
                group_entries_free(l, n);
                return log_bus_error(_("cannot read the managed base"), &error, r);
        }
        if (ctx->json)
                json_begin_object(&w), json_string(&w, "base", base), json_begin_array(&w, "groups");
        else
                printf(_("Control groups under %s:\n"), base);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ uint32_t *pids = NULL;
                _cleanup_free_ char *controllers = strv_join(l[i].controllers, ",");
                unsigned depth = depth_of(l[i].path);
                size_t np = 0;

                if (!is_prefix_dir(top, l[i].path))
                        continue;
                r = read_processes(ctx, l[i].object, &pids, &np);
                if (r < 0)
                        break;
                if (ctx->json) {
                        json_begin_object(&w);
                        json_string(&w, "path", l[i].path);
                        json_strv(&w, "controllers", l[i].controllers);
                        json_begin_array(&w, "processes");
                } else {
                        print_indent(depth);
                        printf("├─%s [%s]\n", strrchr(l[i].path, '/') + 1, strempty(controllers));
                }
                for (size_t j = 0; j < np; j++) {
                        _cleanup_free_ char *name = process_name(pids[j]);

                        if (ctx->json) {
                                json_begin_object(&w);
                                json_uint(&w, "pid", pids[j]);
                                json_string(&w, "command", name);
                                json_end_object(&w);
                        } else {
                                print_indent(depth + 1);
                                printf("%s%" PRIu32 " %s\n", j + 1 == np ? "└─" : "├─", pids[j], strempty(name));
                        }
                }
                if (ctx->json) {
                        json_end_array(&w);
                        json_end_object(&w);
                }
        }
        if (ctx->json && r >= 0) {
                json_end_array(&w);
                json_end_object(&w);
                json_finish(&w);
        }
        group_entries_free(l, n);
        return r < 0 ? r : 0;
}

typedef struct Sample {
        char *path;
        uint64_t cpu, memory, peak, tasks;
        double cpu_percent; /* < 0: unknown (first sample or no CPU accounting) */
} Sample;

static void samples_free(Sample *s, size_t n) {
        for (size_t i = 0; s && i < n; i++)
                free(s[i].path);
        free(s);
}

static int take_sample(Context *ctx, Sample **ret, size_t *ret_n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        Sample *l = NULL;
        size_t n = 0;
        const char *path;
        uint64_t cpu, memory, peak, tasks;
        int r;

        r = manager_new_call(ctx, "GetGroupStatistics", &call);
        if (r < 0 || (r = call_and_reply(ctx, call, _("cannot read group statistics"), &reply)) < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(stttt)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(stttt)", &path, &cpu, &memory, &peak, &tasks)) > 0) {
                Sample *grown = realloc(l, sizeof(*l) * (n + 1));
                if (!grown) {
                        r = -ENOMEM;
                        break;
                }
                l = grown;
                l[n++] = (Sample) { strdup(path), cpu, memory, peak, tasks, -1 };
        }
        if (r < 0) {
                samples_free(l, n);
                return log_bus_error(_("malformed reply"), NULL, r);
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

static const char *order = "cpu";

static int sample_cmp(const void *a, const void *b) {
        const Sample *x = a, *y = b;

        if (streq(order, "memory") && x->memory != y->memory)
                return (x->memory == UINT64_MAX ? 0 : x->memory) < (y->memory == UINT64_MAX ? 0 : y->memory) ? 1 : -1;
        if (streq(order, "tasks") && x->tasks != y->tasks)
                return (x->tasks == UINT64_MAX ? 0 : x->tasks) < (y->tasks == UINT64_MAX ? 0 : y->tasks) ? 1 : -1;
        if (streq(order, "cpu") && x->cpu_percent != y->cpu_percent)
                return x->cpu_percent < y->cpu_percent ? 1 : -1;
        return strcmp(x->path, y->path);
}

static void format_bytes(char *buf, size_t size, uint64_t v) {
        static const char units[] = "BKMGT";
        double d = (double) v;
        unsigned u = 0;

        if (v == UINT64_MAX) {
                snprintf(buf, size, "-");
                return;
        }
        while (d >= 1024 && u < sizeof(units) - 2)
                d /= 1024, u++;
        snprintf(buf, size, u ? "%.1f%c" : "%.0f%c", d, units[u]);
}

static void print_samples(Context *ctx, Sample *s, size_t n) {
        if (ctx->legend)
                printf("%-40s %6s %7s %9s\n", _("Control Group"), _("Tasks"), _("%CPU"), _("Memory"));
        for (size_t i = 0; i < n; i++) {
                char tasks[32], cpu[32], memory[32];

                snprintf(tasks, sizeof(tasks), s[i].tasks == UINT64_MAX ? "-" : "%" PRIu64, s[i].tasks);
                if (s[i].cpu_percent < 0)
                        snprintf(cpu, sizeof(cpu), "-");
                else
                        snprintf(cpu, sizeof(cpu), "%.1f", s[i].cpu_percent);
                format_bytes(memory, sizeof(memory), s[i].memory);
                printf("%-40s %6s %7s %9s\n", s[i].path, tasks, cpu, memory);
        }
}

static uint64_t now_nsec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static void compute_cpu(Sample *cur, size_t n, const Sample *prev, size_t pn, uint64_t elapsed) {
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < pn; j++)
                        if (streq(cur[i].path, prev[j].path) && cur[i].cpu != UINT64_MAX && prev[j].cpu != UINT64_MAX &&
                            cur[i].cpu >= prev[j].cpu && elapsed > 0)
                                cur[i].cpu_percent = 100.0 * (double) (cur[i].cpu - prev[j].cpu) / (double) elapsed;
}

int verb_group_top(int argc, char *argv[], Context *ctx) {
        const GroupOptions *o = &group_options;
        Sample *prev = NULL;
        size_t pn = 0;
        uint64_t prev_time = 0;
        unsigned iterations = o->iterations ? o->iterations : (o->batch ? 1 : UINT32_MAX);
        int r = 0;

        order = o->order;
        for (unsigned it = 0; it < iterations; it++) {
                Sample *cur = NULL;
                size_t n = 0;
                uint64_t t;

                if (it > 0)
                        usleep((useconds_t) (o->delay_sec * 1e6));
                t = now_nsec();
                r = take_sample(ctx, &cur, &n);
                if (r < 0)
                        break;
                if (prev)
                        compute_cpu(cur, n, prev, pn, t - prev_time);
                if (n > 0)
                        qsort(cur, n, sizeof(*cur), sample_cmp);
                if (!o->batch)
                        fputs("\033[H\033[2J", stdout);
                else if (it > 0)
                        putchar('\n');
                print_samples(ctx, cur, n);
                fflush(stdout);
                samples_free(prev, pn);
                prev = cur, pn = n, prev_time = t;
        }
        samples_free(prev, pn);
        return r < 0 ? r : 0;
}
