/* polkit.h: asynchronous authorization of mutating bus calls. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

/* Called once the caller is authorized; its return value becomes the method's result. */
typedef int (*AuthorizedFn)(sd_bus_message *m, void *userdata, sd_bus_error *error);

/**
 * polkit_authorize() - run fn for m once the sender may perform action.
 * @m: the method call; kept referenced until the decision arrives
 * @action: polkit action id, declared in org.virtd.Virtd1.policy
 * @interactive: let polkit ask for a password (also set by the message's allow-interactive flag)
 * @fn: continuation that does the work and replies
 * @userdata: passed to fn; must outlive the pending check (the Manager, not a per-object pointer)
 * @error: set when the caller is refused immediately
 *
 * Root is authorized at once and fn's result is returned. Anyone else is checked with
 * org.freedesktop.PolicyKit1 asynchronously: the function returns 1 and the reply is sent
 * later, so other callers are never blocked by a slow or dead polkit.
 */
int polkit_authorize(sd_bus_message *m, const char *action, bool interactive, AuthorizedFn fn, void *userdata,
                     sd_bus_error *error);

/**
 * polkit_deny_all_for_fuzzing() - refuse every authorization in this process, root included.
 * @deny: true to refuse
 *
 * For tests/fuzz/fuzz-bus-args.c only, which calls the real handlers as root over a peer-to-peer socket and must
 * never change the host: each mutating call is answered AccessDenied at once, without asking polkit.
 */
void polkit_deny_all_for_fuzzing(bool deny);
