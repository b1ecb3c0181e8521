#!/bin/bash
# check.sh: installs what is missing, builds, and runs every test: the unit and integration suites on this
# kernel, the real-kernel lane under qemu (tests/vm), the whole suite again under ASan+UBSan,
# virtd under valgrind, and the fuzzers.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/tools/deps.sh"

setup() {
        local dir=$1
        shift
        if [ -f "$dir/build.ninja" ]; then
                meson configure "$dir" "$@" >/dev/null
        else
                meson setup "$dir" "$@" >/dev/null
        fi
        ninja -C "$dir"
}

status=0
# Each suite's meson log, kept for the summary: later runs (valgrind.sh) reuse the build directories.
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
setup build --werror
meson test -C build --print-errorlogs || status=1
cp build/meson-logs/testlog.json "$logs/build.json" 2>/dev/null || true

# The sanitizer build runs the same unit and integration tests; the qemu lane ran above already.
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dvm_tests=disabled --werror
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        meson test -C build-asan --print-errorlogs || status=1
cp build-asan/meson-logs/testlog.json "$logs/asan.json" 2>/dev/null || true

# virtd under valgrind memcheck in the manager, group and hostile suites: no memory error, no definite leak.
"$top/tools/valgrind.sh" || status=1

# libFuzzer: a short run of every parser target (clang, ASan+UBSan); the corpus replays in both builds above.
"$top/tests/fuzz/run-fuzzers.sh" "${FUZZ_SECONDS:-20}" || status=1

/usr/bin/python3 - "$logs/build.json" "$logs/asan.json" <<'PY'
import json, os, sys
count = {"OK": 0, "FAIL": 0, "SKIP": 0}
for path in sys.argv[1:]:
    if not os.path.exists(path):
        count["FAIL"] += 1  # a suite that left no log did not run
        continue
    for line in open(path):
        try:
            r = json.loads(line)["result"]
        except ValueError:
            continue  # a line meson cut short
        key = "OK" if r in ("OK", "EXPECTEDFAIL") else "SKIP" if r == "SKIP" else "FAIL"
        count[key] += 1
print(f"check: {count['OK']} passed, {count['FAIL']} failed, {count['SKIP']} skipped")
PY
exit $status
