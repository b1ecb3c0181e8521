# common.sh: helpers shared by tests/vm/prepare and tests/vm/run (sourced, not executed).
# shellcheck shell=bash

VM_CACHE=${VIRTD_VM_CACHE:-/var/cache/virtd-vm}
# shellcheck disable=SC2034 # used by the scripts that source this file
VM_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Exit code meaning "skipped" to meson and automake.
readonly VM_EXIT_SKIP=77

vm_log() {
        printf '%s: %s\n' "${0##*/}" "$*" >&2
}

vm_die() {
        vm_log "error: $*"
        exit 1
}

# Under "run --tap" (VM_TAP_SKIP=1) the reason also goes to stdout as a TAP plan that skips everything,
# which is how meson's TAP protocol learns of a skip: it takes exit status 77 for an error.
vm_skip() {
        vm_log "skipping: $*"
        [[ ${VM_TAP_SKIP:-} != 1 ]] || printf '1..0 # SKIP %s\n' "$*"
        exit "$VM_EXIT_SKIP"
}

# Holds an exclusive lock on $VM_CACHE/$1 until the calling process exits. The
# fd is inherited by children on purpose: they work under the same lock.
vm_lock() {
        local name=$1 fd

        mkdir -p "$VM_CACHE"
        exec {fd}>>"$VM_CACHE/$name"
        if ! flock -n "$fd"; then
                vm_log "waiting for $VM_CACHE/$name (another VM run holds it)"
                flock "$fd"
        fi
}
