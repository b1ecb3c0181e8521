#!/bin/bash
# check-install.sh: meson install puts every file a distribution packages where it belongs, and the shipped
# XML files (introspection, bus policy, polkit policy) are well-formed.
set -euo pipefail
src=$1 build=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

n=0 failed=0
check() {
        n=$((n + 1))
        if "$@" >/dev/null 2>&1; then echo "ok $n - ${*: -1}"; else echo "not ok $n - ${*: -1}"; failed=1; fi
}

DESTDIR="$dest" meson install -C "$build" --no-rebuild --quiet >/dev/null
prefix=$(meson introspect "$build" --buildoptions | /usr/bin/python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
installed=$(cd "$dest" && find . -type f -o -type l | sed 's|^\.||' | sort)
expect() { check grep -qE "$1" <<<"$installed"; }

echo "1..27"
expect "^$prefix/(libexec|sbin)/virtd$"
expect "^$prefix/bin/virtctl$"
expect "/dbus-1/system\.d/org\.virtd\.Virtd1\.conf$"
expect "/dbus-1/system-services/org\.virtd\.Virtd1\.service$"
expect "/dbus-1/interfaces/org\.virtd\.Virtd1\.Manager\.xml$"
expect "/polkit-1/actions/org\.virtd\.Virtd1\.policy$"
expect "/systemd/system/virtd\.service$"
expect "/man8/virtd\.8$"
expect "/man1/virtctl\.1$"
expect "/man5/virtd\.conf\.5$"
expect "/bash-completion/completions/virtctl$"
expect "/locale/ko/LC_MESSAGES/virtd\.mo$"
check xmllint --noout "$src"/dbus/*.xml "$src/dbus/org.virtd.Virtd1.conf" "$build/dbus/org.virtd.Virtd1.policy"
# Every polkit action the daemon uses is declared in the shipped policy.
actions_ok() {
        local a
        for a in $(grep -o '"org\.virtd\.Virtd1\.[a-z-]*"' "$src/dbus/virtd-bus.h" | tr -d '"'); do
                grep -q "id=\"$a\"" "$build/dbus/org.virtd.Virtd1.policy" || return 1
        done
}
check actions_ok polkit-actions-declared
service="$build/systemd/virtd.service"
check grep -q "^ExecStart=$prefix/.*/virtd$" "$service"
check grep -q "^Exec=$prefix/.*/virtd$" "$build/dbus/org.virtd.Virtd1.service"

# Every path option moves what it names: a tree configured with all of them overridden (not built: meson
# knows each file's destination from the configuration alone).
over="$dest/over"
meson setup "$over" "$src" -Dtests=false -Dvm_tests=disabled -Dvirtd_dir=/o/virtd -Dconfig_dir=/o/etc \
        -Dstate_dir=/o/run -Ddbus_policy_dir=/o/policy -Ddbus_system_service_dir=/o/services \
        -Ddbus_interfaces_dir=/o/interfaces -Dpolkit_actions_dir=/o/actions -Dsystemd_system_unit_dir=/o/units \
        -Dbash_completion_dir=/o/completion >/dev/null
moved=$(meson introspect "$over" --installed | /usr/bin/python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin).values()))')
moved() { check grep -qx "$1" <<<"$moved"; }
moved /o/virtd/virtd
moved /o/policy/org.virtd.Virtd1.conf
moved /o/services/org.virtd.Virtd1.service
moved /o/interfaces/org.virtd.Virtd1.Manager.xml
moved /o/actions/org.virtd.Virtd1.policy
moved /o/units/virtd.service
moved /o/completion/virtctl
check grep -q '^ExecStart=/o/virtd/virtd$' "$over/systemd/virtd.service"
check grep -q "^Exec=/o/virtd/virtd$" "$over/dbus/org.virtd.Virtd1.service"
check grep -q '^#define VIRTD_CONFIG_DIR "/o/etc"$' "$over/config.h"
check grep -q '^#define VIRTD_STATE_DIR "/o/run"$' "$over/config.h"
exit $failed
