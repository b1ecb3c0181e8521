#!/bin/bash
# rules-latency.sh: exec-to-in-group latency of virtd's cgrules engine next to libcgroup's cgrulesengd,
# on the same machine with the same kind of rule (a uniquely named copy of sleep → a memory group), N execs
# each. Both engines run at the same time, each with a rule for its own copy of sleep, and the execs
# alternate between the two copies: both see every exec event, and the machine's load falls on both alike.
#
# Usage: sudo bench/rules-latency.sh [BUILD_DIR] [N]     (not part of the test suite)
#
# Safety: the rule matches only the copy of sleep this script makes; groups live under a base unique to
# the run and are removed at the end. cgrulesengd only reads /etc/cgrules.conf and talks on
# /run/cgred.socket, so it runs in a private mount namespace (unshare -m) whose /etc is a tmpfs of links to
# the real /etc plus the bench's cgrules.conf, and whose /run is a tmpfs: the host's files are never touched.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
n=${2:-200}
[ "$(id -u)" = 0 ] || { echo "rules-latency.sh: needs root" >&2; exit 77; }
command -v cgrulesengd >/dev/null || { echo "rules-latency.sh: cgrulesengd (cgroup-tools) is not installed" >&2; exit 77; }

tmp=$(mktemp -d /tmp/vrbench-XXXXXX)
chmod 0755 "$tmp"
base=/vrbench$$
prog=$tmp/vrb$$
cprog=$tmp/crb$$
cp /bin/sleep "$prog"
cp /bin/sleep "$cprog"
pids=()
if grep -q ' /sys/fs/cgroup cgroup2 ' /proc/self/mountinfo; then
        mnt=/sys/fs/cgroup
else
        mnt=$(awk '$0 ~ / - cgroup / { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == "memory") print $5 }' /proc/self/mountinfo | head -n1)
fi

cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        wait 2>/dev/null || true
        for d in "$mnt$base/virtd/lat" "$mnt$base/virtd" "$mnt$base/cgred" "$mnt$base"; do
                [ -d "$d" ] || continue
                while read -r p; do echo "$p" > "$mnt/cgroup.procs"; done < "$d/cgroup.procs" 2>/dev/null || true
                rmdir "$d" 2>/dev/null || true
        done
        rm -rf "$tmp"
}
trap cleanup EXIT

# virtd on a private bus (session policy: anyone may own the name), managing $base/virtd.
mkdir -p "$tmp/etc" "$tmp/run"
printf '*:%s\tmemory\t/lat\n' "$(basename "$prog")" > "$tmp/etc/cgrules.conf"
dbus-daemon --session --nofork --address="unix:path=$tmp/bus" 2>/dev/null & pids+=($!)
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/bus"
for _ in $(seq 50); do [ -S "$tmp/bus" ] && break; sleep 0.1; done
"$build/daemon/virtd" --config-dir="$tmp/etc" --state-dir="$tmp/run" --cgroup-base="$base/virtd" --log-level=warning & pids+=($!)
for _ in $(seq 50); do "$build/client/virtctl" status >/dev/null 2>&1 && break; sleep 0.1; done
"$build/client/virtctl" group create memory:/lat

# cgrulesengd with the same rule for its own copy, destination from the hierarchy root.
mkdir -p "$mnt$base/cgred"
printf '*:%s\tmemory\t%s/cgred\n' "$(basename "$cprog")" "${base#/}" > "$tmp/cgrules.conf"
: > "$tmp/cgconfig.conf"
mkdir "$tmp/etc-real"
unshare -m --propagation private sh -c "
        set -e
        mount --bind /etc '$tmp/etc-real'
        mount -t tmpfs tmpfs /etc
        for f in '$tmp'/etc-real/* '$tmp'/etc-real/.[!.]*; do [ -e \"\$f\" ] && ln -s \"\$f\" /etc/; done
        rm -rf /etc/cgrules.conf /etc/cgrules.d /etc/cgconfig.conf /etc/cgconfig.d
        cp '$tmp/cgrules.conf' /etc/cgrules.conf
        mkdir /etc/cgrules.d /etc/cgconfig.d
        : > /etc/cgconfig.conf
        mount -t tmpfs tmpfs /run
        exec cgrulesengd -n -Q" & pids+=($!)
sleep 1
/usr/bin/python3 "$src/bench/exec-latency.py" memory "$n" virtd "$prog" "$base/virtd/lat" \
        cgrulesengd "$cprog" "$base/cgred" >"$tmp/latency"
read -r _ v50 v99 < <(grep '^virtd ' "$tmp/latency")
read -r _ c50 c99 < <(grep '^cgrulesengd ' "$tmp/latency")

echo "exec → in group, $n execs per engine, alternating, both engines running, microseconds (p50 / p99):"
printf '  virtd        %8s %8s\n' "$v50" "$v99"
printf '  cgrulesengd  %8s %8s\n' "$c50" "$c99"
awk -v a="$v50" -v b="$c50" -v c="$v99" -v d="$c99" 'BEGIN { printf "  ratio virtd/cgrulesengd: p50 %.2f, p99 %.2f\n", a / b, c / d }'
