#!/bin/bash
# check-completion.sh: the bash completion offers every noun and verb that virtctl --help lists, and the
# global options (TAP).
set -uo pipefail
src=$1 build=$2

# shellcheck disable=SC1091 # bash-completion's own library, for _init_completion
source /usr/share/bash-completion/bash_completion
# shellcheck source=/dev/null
source "$src/completion/virtctl"

# Prints what completing the last word of the given command line offers.
complete_words() {
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _virtctl
        printf '%s\n' "${COMPREPLY[@]}"
}

n=0 failed=0
offers() {
        local want=$1 got
        shift
        n=$((n + 1))
        # Not a pipe into grep -q: under pipefail, printf's SIGPIPE once grep has matched reads as a failure.
        got=$(complete_words "$@")
        if grep -qx -- "$want" <<<"$got"; then
                echo "ok $n - '${*}' offers $want"
        else
                echo "not ok $n - '${*}' offers $want"
                failed=1
        fi
}

# "  NOUN VERB ..." lines of the Commands section; a VERB in capitals is an argument, not a verb.
help=$("$build/client/virtctl" --help | awk '/^Commands:/ { c = 1; next } /^[^ ]/ { c = 0 } c && /^  [a-z]/ { print $1, $2 }')
[[ -n $help ]] || { echo "1..0 # SKIP virtctl --help lists no commands"; exit 0; }
while read -r noun verb; do
        offers "$noun" virtctl "${noun:0:2}"
        [[ $verb =~ ^[a-z-]+$ ]] && offers "$verb" virtctl "$noun" ""
done <<<"$help"
for option in --json --no-legend --runtime --version --help; do
        offers "$option" virtctl "${option:0:4}"
done
echo "1..$n"
exit $failed
