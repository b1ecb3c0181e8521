#!/bin/bash
# demo.sh: installs what is missing, builds, starts virtd on the system bus (bringing up a private one when
# the machine has none) and shows it working: the host report, the daemon's status, its bus objects.
#   --keep   leave the bus and virtd running and print how to reach them
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
keep=false
[ "${1:-}" = "--keep" ] && keep=true

"$top/tools/deps.sh"
[ -f "$top/build/build.ninja" ] || meson setup "$top/build" "$top" >/dev/null
ninja -C "$top/build" >/dev/null

run=$(mktemp -d /tmp/virtd-demo-XXXXXX)
chmod 755 "$run"
pids=()
cleanup() {
        local p
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
        rm -rf "$run"
}

system_bus_up() {
        busctl --system status org.freedesktop.DBus >/dev/null 2>&1
}

if [ -z "${DBUS_SYSTEM_BUS_ADDRESS:-}" ] && system_bus_up && [ -e /usr/share/dbus-1/system.d/org.virtd.Virtd1.conf ]; then
        # A real system bus that already knows virtd's policy (virtd was installed).
        echo "== using the machine's system bus"
else
        echo "== no usable system bus: starting a private one with virtd's shipped policy"
        sed -e "s|@DIR@|$run|" -e "s|@POLICY@|$top/dbus/org.virtd.Virtd1.conf|" \
                "$top/tests/data/system-bus.conf.in" >"$run/bus.conf"
        dbus-daemon --config-file="$run/bus.conf" --nofork --nosyslog --print-address=3 3>"$run/address" &
        pids+=($!)
        for _ in $(seq 100); do [ -s "$run/address" ] && break; sleep 0.05; done
        export DBUS_SYSTEM_BUS_ADDRESS=$(head -n1 "$run/address")
fi

"$top/build/daemon/virtd" --config-dir="$run/etc" --state-dir="$run/state" 2>"$run/virtd.log" &
pids+=($!)
for _ in $(seq 200); do
        busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s org.virtd.Virtd1 2>/dev/null | grep -q true && break
        kill -0 "${pids[-1]}" 2>/dev/null || { cat "$run/virtd.log" >&2; exit 1; }
        sleep 0.05
done
$keep || trap cleanup EXIT

echo "== virtctl host"
"$top/build/client/virtctl" host || true   # exits 1 when a check fails, like virt-host-validate
echo
echo "== virtctl status"
"$top/build/client/virtctl" status
echo
echo "== busctl introspect org.virtd.Virtd1 /org/virtd/Virtd1"
busctl --system introspect org.virtd.Virtd1 /org/virtd/Virtd1 | cut -c1-110
if $keep; then
        echo
        echo "virtd runs as PID ${pids[-1]}; log: $run/virtd.log"
        echo "export DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS   # to reach it"
        echo "stop with: kill ${pids[*]}"
fi
