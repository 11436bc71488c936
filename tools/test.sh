#!/usr/bin/env bash
# Build dpvoip and run every test: unit (Criterion), the same units under
# ASan+UBSan, conformance, and integration tests in network namespaces.
# Exits non-zero when anything failed; the last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export DPV_CORPORA="${DPV_CORPORA:-$ROOT/../shared/corpora}"

tools/bootstrap.sh || { echo "test: bootstrap failed"; exit 1; }

build() { # dir [meson options]
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1
	else
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1
	fi || { cat "$dir.setup.log"; return 1; }
	ninja -C "$dir" >"$dir.ninja.log" 2>&1 || { tail -50 "$dir.ninja.log"; return 1; }
}

build build || { echo "test: build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
failures=()

count_meson() { # label builddir [meson test args]
	local label=$1 dir=$2
	shift 2
	local log="$dir/meson-test-$label.log"
	meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" >"$log" 2>&1
	local rc=$?
	grep -E '^ *[0-9]+/[0-9]+ ' "$log" | sed "s/^/[$label] /"
	local ok fail
	ok=$(awk '/^Ok:/{print $2}' "$log")
	fail=$(awk '/^(Fail|Timeout|Unexpected Pass):/{s+=$NF} END{print s+0}' "$log")
	passed=$((passed + ${ok:-0}))
	failed=$((failed + fail))
	if [ "$rc" -ne 0 ]; then
		[ "$fail" -gt 0 ] || failed=$((failed + 1))
		failures+=("$label")
		sed -n '/Summary of Failures/,$p' "$log"
		grep -B2 -A30 -E '(FAIL|TIMEOUT)' "$log" | head -200
	fi
}

echo "== unit tests"
count_meson unit build

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
if build build-san -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		count_meson sanitizers build-san
else
	failed=$((failed + 1))
	failures+=("sanitizer build")
fi

echo "== integration tests"
for t in tests/rig/test_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	log="build/$name.log"
	if timeout 600 bash "$t" "$ROOT/build" >"$log" 2>&1; then
		echo "[rig] $name: ok"
		passed=$((passed + 1))
	else
		echo "[rig] $name: FAILED"
		tail -60 "$log"
		failed=$((failed + 1))
		failures+=("$name")
	fi
done

echo
if ((${#failures[@]})); then
	echo "failed: ${failures[*]}"
fi
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
