#!/bin/bash
# run-fuzzers.sh SECONDS [TARGET...]: builds the libFuzzer targets with clang (+ASan+UBSan) in build-fuzz and
# runs each for SECONDS, starting from the checked-in corpus; prints executions and crashes per target.
# New interesting inputs go to build-fuzz/corpus/<target> (not the checked-in corpus); crash inputs to
# build-fuzz/crashes/<target>. Exit status 1 when any target crashed.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-20}
shift || true
build=$top/build-fuzz

if [ ! -f "$build/build.ninja" ]; then
        CC=clang meson setup "$build" "$top" -Dfuzz=true -Dtests=false -Dvm_tests=disabled \
                -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C "$build" >/dev/null

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(cgconfig cgrules netconf vlan netns-names group-name bus-args)

status=0
printf '%-14s %12s %8s %8s\n' target executions crashes seconds
for t in "${targets[@]}"; do
        corpus=$build/corpus/$t
        crashes=$build/crashes/$t
        rm -rf "$crashes"
        mkdir -p "$corpus" "$crashes"
        log=$build/fuzz-$t.log
        rc=0
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
                "$build/tests/fuzz/fuzz-$t" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
                -artifact_prefix="$crashes/" -print_final_stats=1 \
                "$corpus" "$top/tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        n_crashes=$(find "$crashes" -type f | wc -l)
        [ "$rc" -eq 0 ] || [ "$n_crashes" -gt 0 ] || n_crashes=1
        printf '%-14s %12s %8s %8s\n' "$t" "${execs:-0}" "$n_crashes" "$seconds"
        if [ "$n_crashes" -gt 0 ]; then
                status=1
                grep -m5 -E 'ERROR|SUMMARY|runtime error|fuzz_check failed' "$log" >&2 || true
                # The input, so that a crash found on a CI machine can be replayed anywhere.
                for input in "$crashes"/*; do
                        [ -f "$input" ] || continue
                        echo "crash input $(basename "$input") (base64):" >&2
                        head -c 4096 "$input" | base64 >&2
                done
        fi
done
exit $status
