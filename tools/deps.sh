#!/bin/bash
# deps.sh: installs, from Debian's archive, whatever the build and the tests need and this machine lacks.
set -euo pipefail

packages=(
        build-essential meson ninja-build pkg-config gettext
        libsystemd-dev libnl-3-dev libnl-route-3-dev libcgroup-dev libglib2.0-dev
        dbus python3-dbusmock cgroup-tools iproute2 iputils-ping libxml2-utils systemd util-linux procps
        # Called by the tests themselves: jq reads iproute2's JSON (test-config, test-vlan-links), python3 runs
        # the OOM child and checks JSON, hostname and logger (bsdutils) run inside namespaces and groups.
        jq python3 hostname bsdutils coreutils findutils
        # tests/check-completion.sh runs virtctl's completion with bash-completion's library.
        bash-completion
        clang libclang-rt-14-dev llvm valgrind
)

missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
        echo "deps.sh: missing packages: ${missing[*]}; run as root to install them." >&2
        exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
