/* pipeline.c: a bench client that keeps WINDOW method calls in flight on the system bus and reports the
 * wall time of the whole batch. It drives virtd's Manager (CreateGroup/DeleteGroup, CreateNamespace,
 * CreateVeth, DeleteNamespace) or the trivial echo service with the same signatures, so the two sides of a
 * comparison differ only in the work the server does. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-bus.h>

/* VIRTD_FLAG_RUNTIME: the tools virtd is measured against (cgcreate, ip netns, ip link) change the live
 * state only, so virtd is asked not to save its changes either. PIPELINE_FLAGS=0 in the environment sends
 * saved calls instead (to measure the cost of saving). */
static uint64_t call_flags = UINT64_C(2);

typedef enum Op { OP_GROUP_PAIR, OP_GROUP_CREATE, OP_GROUP_DELETE, OP_NS_CREATE, OP_NS_DELETE, OP_VETH_CREATE } Op;

typedef struct Bench {
        sd_bus *bus;
        const char *dest, *path, *iface;
        Op op;
        const char *prefix;  /* group path prefix "cpu:/bench/g" or namespace name prefix */
        char **params;       /* NAME=VALUE pairs for CreateGroup */
        unsigned n, next, done, in_flight;
        int error;
} Bench;

typedef struct Slot {
        Bench *b;
        unsigned index;
        bool second;         /* the delete half of a create+delete pair */
} Slot;

static int issue(Bench *b, Slot *s);

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Slot *s = userdata;
        Bench *b = s->b;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        b->in_flight--;
        if (e) {
                fprintf(stderr, "pipeline: call %u failed: %s: %s\n", s->index, e->name, e->message);
                b->error = -EIO;
                free(s);
                return 0;
        }
        b->done++;
        if (b->op == OP_GROUP_PAIR && !s->second) {
                s->second = true;
                return issue(b, s);
        }
        if (b->next < b->n && b->error == 0) {
                s->index = b->next++;
                s->second = false;
                return issue(b, s);
        }
        free(s);
        return 0;
}

static int append_create_group(Bench *b, sd_bus_message *m, unsigned i) {
        char name[256];
        int r;

        snprintf(name, sizeof name, "%s%u", b->prefix, i);
        r = sd_bus_message_append(m, "s", name);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "(ss)");
        if (r < 0)
                return r;
        for (char **p = b->params; p && *p; p++) {
                char key[256];
                const char *eq = strchr(*p, '=');
                if (!eq || (size_t) (eq - *p) >= sizeof key)
                        return -EINVAL;
                memcpy(key, *p, eq - *p);
                key[eq - *p] = 0;
                r = sd_bus_message_append(m, "(ss)", key, eq + 1);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_append(m, "a{su}t", 0, call_flags);
}

static int issue(Bench *b, Slot *s) {
        sd_bus_message *m = NULL;
        char name[256], peer[32], link[32];
        const char *kinds[] = { "net", NULL };
        Op op = b->op == OP_GROUP_PAIR ? (s->second ? OP_GROUP_DELETE : OP_GROUP_CREATE) : b->op;
        const char *member = op == OP_GROUP_CREATE ? "CreateGroup" : op == OP_GROUP_DELETE ? "DeleteGroup" :
                             op == OP_NS_CREATE ? "CreateNamespace" : op == OP_NS_DELETE ? "DeleteNamespace" : "CreateVeth";
        int r;

        r = sd_bus_message_new_method_call(b->bus, &m, b->dest, b->path, b->iface, member);
        if (r < 0)
                return r;
        snprintf(name, sizeof name, "%s%u", b->prefix, s->index);
        switch (op) {
        case OP_GROUP_CREATE:
                r = append_create_group(b, m, s->index);
                break;
        case OP_GROUP_DELETE:
                r = sd_bus_message_append(m, "sbbt", name, 0, 0, call_flags);
                break;
        case OP_NS_CREATE:
                r = sd_bus_message_append(m, "s", name);
                if (r >= 0)
                        r = sd_bus_message_append_strv(m, (char **) kinds);
                if (r >= 0)
                        r = sd_bus_message_append(m, "sa(uuu)a(uuu)t", "", 0, 0, call_flags);
                break;
        case OP_NS_DELETE:
                r = sd_bus_message_append(m, "sbt", name, 1, call_flags);
                break;
        default:
                /* Both ends of pair i inside namespace PREFIXi: the bench's own namespaces, never the host. */
                snprintf(link, sizeof link, "bva%u", s->index);
                snprintf(peer, sizeof peer, "bvb%u", s->index);
                r = sd_bus_message_append(m, "ssssssut", link, name, "", peer, name, "", 0, call_flags);
                break;
        }
        if (r >= 0)
                r = sd_bus_call_async(b->bus, NULL, m, on_reply, s, 60 * 1000000ULL);
        sd_bus_message_unref(m);
        if (r < 0)
                return r;
        b->in_flight++;
        return 0;
}

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_op(const char *s, Op *ret) {
        static const char *const names[] = { "group-pair", "group-create", "group-delete", "ns-create", "ns-delete", "veth-create" };
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
                if (strcmp(s, names[i]) == 0) {
                        *ret = (Op) i;
                        return 0;
                }
        return -EINVAL;
}

int main(int argc, char *argv[]) {
        Bench b = { .dest = "org.virtd.Virtd1", .path = "/org/virtd/Virtd1", .iface = "org.virtd.Virtd1.Manager" };
        unsigned window;
        double t0;
        int r;

        if (argc < 6) {
                fprintf(stderr, "usage: pipeline virtd|echo OP PREFIX COUNT WINDOW [NAME=VALUE...]\n"
                                "  OP: group-pair group-create group-delete ns-create ns-delete veth-create\n");
                return 2;
        }
        if (strcmp(argv[1], "echo") == 0) {
                b.dest = "org.virtd.BenchEcho";
                b.path = "/org/virtd/BenchEcho";
                b.iface = "org.virtd.BenchEcho";
        } else if (strcmp(argv[1], "virtd") != 0)
                return fprintf(stderr, "pipeline: unknown target %s\n", argv[1]), 2;
        if (parse_op(argv[2], &b.op) < 0)
                return fprintf(stderr, "pipeline: unknown operation %s\n", argv[2]), 2;
        b.prefix = argv[3];
        b.n = (unsigned) strtoul(argv[4], NULL, 10);
        window = (unsigned) strtoul(argv[5], NULL, 10);
        b.params = argv + 6;
        if (window == 0)
                window = 1;

        if (getenv("PIPELINE_FLAGS"))
                call_flags = strtoull(getenv("PIPELINE_FLAGS"), NULL, 0);

        r = sd_bus_open_system(&b.bus);
        if (r < 0)
                return fprintf(stderr, "pipeline: cannot connect to the system bus: %s\n", strerror(-r)), 1;

        t0 = now();
        while (b.next < b.n && b.in_flight < window) {
                Slot *s = calloc(1, sizeof *s);
                if (!s)
                        return 1;
                s->b = &b;
                s->index = b.next++;
                r = issue(&b, s);
                if (r < 0)
                        return fprintf(stderr, "pipeline: cannot send: %s\n", strerror(-r)), 1;
        }
        while (b.in_flight > 0) {
                r = sd_bus_process(b.bus, NULL);
                if (r < 0)
                        return fprintf(stderr, "pipeline: bus failed: %s\n", strerror(-r)), 1;
                if (r > 0)
                        continue;
                r = sd_bus_wait(b.bus, UINT64_MAX);
                if (r < 0)
                        return fprintf(stderr, "pipeline: bus failed: %s\n", strerror(-r)), 1;
        }
        /* Seconds for the whole batch and the number of method calls that succeeded. */
        printf("%.6f %u\n", now() - t0, b.done);
        sd_bus_flush_close_unref(b.bus);
        return b.error < 0 ? 1 : 0;
}
