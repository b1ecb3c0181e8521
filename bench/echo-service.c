/* echo-service.c: the floor for virtd's method overhead: a trivial sd-bus service on the same private bus
 * with CreateGroup/DeleteGroup of the same signatures as virtd's Manager, doing no work at all. */
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

static int method_create(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *group;
        int r;

        /* Read the whole request, as virtd must, so the floor pays the same unmarshalling cost. */
        r = sd_bus_message_read(m, "s", &group);
        if (r < 0)
                return r;
        r = sd_bus_message_skip(m, "a(ss)a{su}t");
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "oas", "/org/virtd/BenchEcho/g", 0);
}

static int method_delete(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *group;
        int recursive, migrate;
        uint64_t flags;
        int r;

        r = sd_bus_message_read(m, "sbbt", &group, &recursive, &migrate, &flags);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable echo_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("CreateGroup", "sa(ss)a{su}t", "oas", method_create, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("DeleteGroup", "sbbt", "", method_delete, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

int main(void) {
        sd_event *event = NULL;
        sd_bus *bus = NULL;
        int r;

        if ((r = sd_event_default(&event)) < 0 || (r = sd_bus_open_system(&bus)) < 0 ||
            (r = sd_bus_add_object_vtable(bus, NULL, "/org/virtd/BenchEcho", "org.virtd.BenchEcho", echo_vtable, NULL)) < 0 ||
            (r = sd_bus_request_name(bus, "org.virtd.BenchEcho", 0)) < 0 ||
            (r = sd_bus_attach_event(bus, event, 0)) < 0) {
                fprintf(stderr, "echo-service: %s\n", strerror(-r));
                return 1;
        }
        r = sd_event_loop(event);
        sd_bus_unref(bus);
        sd_event_unref(event);
        return r < 0 ? 1 : 0;
}
