/* polkit.c: asynchronous CheckAuthorization calls; root is always allowed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "polkit.h"

#define POLKIT_CHECK_FLAG_ALLOW_INTERACTION 1u

typedef struct AuthRequest {
        sd_bus_message *call;
        char *action;
        AuthorizedFn fn;
        void *userdata;
        bool interactive;
} AuthRequest;

static void auth_request_free(void *p) {
        AuthRequest *req = p;

        if (!req)
                return;
        sd_bus_message_unref(req->call);
        free(req->action);
        free(req);
}

static int reply_refused(AuthRequest *req, const sd_bus_error *polkit_error, bool challenge) {
        if (polkit_error && sd_bus_error_is_set(polkit_error))
                return sd_bus_reply_method_errorf(req->call, SD_BUS_ERROR_ACCESS_DENIED,
                                                  "Not authorized to perform %s: polkit is not available (%s); only root may do this.",
                                                  req->action, polkit_error->message ?: polkit_error->name);
        /* polkit also says "challenge" when interaction was allowed but no authentication agent answered:
         * asking the caller to retry with interaction would loop. */
        if (challenge && req->interactive)
                return sd_bus_reply_method_errorf(req->call, SD_BUS_ERROR_ACCESS_DENIED,
                                                  "Not authorized to perform %s: authentication is required and no polkit authentication agent answered.",
                                                  req->action);
        if (challenge)
                return sd_bus_reply_method_errorf(req->call, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                                  "Authentication is required for %s; retry allowing interactive authorization.",
                                                  req->action);
        return sd_bus_reply_method_errorf(req->call, SD_BUS_ERROR_ACCESS_DENIED,
                                          "Not authorized to perform %s (polkit denied it).", req->action);
}

static int check_authorization_done(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error _unused_) {
        AuthRequest *req = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int authorized = 0, challenge = 0, r;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                log_warning("polkit check for %s failed: %s", req->action, sd_bus_message_get_error(reply)->message);
                r = reply_refused(req, sd_bus_message_get_error(reply), false);
                goto finish;
        }
        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0) {
                r = sd_bus_reply_method_errorf(req->call, SD_BUS_ERROR_ACCESS_DENIED,
                                               "Not authorized to perform %s: malformed polkit reply.", req->action);
                goto finish;
        }
        if (!authorized) {
                r = reply_refused(req, NULL, challenge);
                goto finish;
        }

        r = req->fn(req->call, req->userdata, &error);
        if (r < 0)
                r = sd_bus_reply_method_errno(req->call, r, &error);

finish:
        if (r < 0)
                log_debug_errno(r, "Failed to reply after authorization: %m");
        return 0;
}

/* The bus driver's answer for a unique name never changes: the uid is the socket's (SO_PEERCRED) from
 * connect time and dbus-daemon never hands a unique name out twice. Remembering the last few callers saves
 * a synchronous round trip to the bus on every method call, which had halved a busy client's calls/s. */
typedef struct SenderUid {
        const sd_bus *bus;
        char name[64];
        uid_t uid;
} SenderUid;

static SenderUid sender_cache[32];

/* Set only by the bus-argument fuzzer (polkit_deny_all_for_fuzzing()); never by the daemon. */
static bool deny_all;

void polkit_deny_all_for_fuzzing(bool deny) {
        deny_all = deny;
}
static unsigned sender_cache_next;

static const SenderUid *sender_cache_find(const sd_bus *bus, const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(sender_cache); i++)
                if (sender_cache[i].bus == bus && streq(sender_cache[i].name, name))
                        return &sender_cache[i];
        return NULL;
}

static void sender_cache_add(const sd_bus *bus, const char *name, uid_t uid) {
        SenderUid *e = &sender_cache[sender_cache_next++ % ELEMENTSOF(sender_cache)];

        if (strlen(name) >= sizeof(e->name))
                return;
        *e = (SenderUid) { .bus = bus, .uid = uid };
        strcpy(e->name, name);
}

static int sender_uid(sd_bus_message *m, uid_t *ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        const char *sender = sd_bus_message_get_sender(m);
        const sd_bus *bus = sd_bus_message_get_bus(m);
        const SenderUid *known = sender ? sender_cache_find(bus, sender) : NULL;
        uid_t uid;
        int r;

        if (known) {
                *ret = known->uid;
                return 0;
        }
        /* Ask the bus driver, which took the uid from the socket (SO_PEERCRED): nothing the caller can forge.
         * dbus-daemon reports it as the effective uid. */
        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;
        if (sender)
                sender_cache_add(bus, sender, uid);
        *ret = uid;
        return 0;
}

static int polkit_call(sd_bus_message *m, AuthRequest *req, bool interactive) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        sd_bus *bus = sd_bus_message_get_bus(m);
        sd_bus_slot *slot = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s",
                                  sd_bus_message_get_sender(m), req->action, 0,
                                  interactive ? POLKIT_CHECK_FLAG_ALLOW_INTERACTION : 0u, "");
        if (r < 0)
                return r;

        /* An interactive check waits for a human typing a password; give it the time polkit agents use. */
        r = sd_bus_call_async(bus, &slot, call, check_authorization_done, req, interactive ? 300 * 1000000ULL : 0);
        if (r < 0)
                return r;
        /* From here the bus owns the slot, and with it req: freed after the reply, on timeout or at exit. */
        sd_bus_slot_set_destroy_callback(slot, auth_request_free);
        sd_bus_slot_set_floating(slot, 1);
        sd_bus_slot_unref(slot);
        return 0;
}

int polkit_authorize(sd_bus_message *m, const char *action, bool interactive, AuthorizedFn fn, void *userdata,
                     sd_bus_error *error) {
        AuthRequest *req;
        uid_t uid;
        int r;

        assert(m);
        assert(action);
        assert(fn);

        /* The fuzzer's calls come over a peer-to-peer socket from itself, root: without this its inputs would
         * reach the kernel. Refusing here, synchronously, still runs every handler's decoding and validation. */
        if (deny_all)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Not authorized to perform %s (authorization is off in this process).", action);
        r = sender_uid(m, &uid);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Cannot determine the caller's identity for %s.", action);
        if (uid == 0)
                return fn(m, userdata, error);

        req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        *req = (AuthRequest) { .call = sd_bus_message_ref(m), .action = strdup(action), .fn = fn, .userdata = userdata };
        if (!req->action) {
                auth_request_free(req);
                return -ENOMEM;
        }

        req->interactive = interactive || sd_bus_message_get_allow_interactive_authorization(m) > 0;
        r = polkit_call(m, req, req->interactive);
        if (r < 0) {
                auth_request_free(req);
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Not authorized to perform %s: cannot ask polkit (%s).", action, strerror(-r));
        }
        return 1;
}
