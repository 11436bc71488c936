#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build dpvoip and run every test: unit (Criterion), the same units under
# ASan+UBSan, conformance, and integration tests in network namespaces.
# Exits non-zero when anything failed; the last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export DPV_CORPORA="${DPV_CORPORA:-$ROOT/../shared/corpora}"

tools/bootstrap.sh || { echo "test: bootstrap failed"; exit 1; }

# Logs go inside the build directories (ignored by git), never beside them in the tree.
build() { # dir [meson options]
	local dir=$1 log
	shift
	mkdir -p "$dir"
	log="$dir/dpv-setup.log"
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >"$log" 2>&1
	else
		meson setup "$dir" "$@" >"$log" 2>&1
	fi || { cat "$log"; return 1; }
	ninja -C "$dir" >"$dir/dpv-ninja.log" 2>&1 || { tail -50 "$dir/dpv-ninja.log"; return 1; }
}

build build || { echo "test: build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
skipped=0
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

corpus_args=()
if [ ! -d "$DPV_CORPORA/rfc4475" ]; then
	echo "== NOTE: no test corpora at $DPV_CORPORA (set DPV_CORPORA): the conformance, PROTOS"
	echo "   and SDP-seed tests (suite 'corpus') and the fuzz smoke run are NOT RUN"
	corpus_args=(--no-suite corpus)
	skipped=$((skipped + 2 * $(meson test -C build --list --suite corpus 2>/dev/null | grep -c '+corpus /') + 1))
fi

echo "== unit tests"
count_meson unit build "${corpus_args[@]}"

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
if build build-san -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		count_meson sanitizers build-san "${corpus_args[@]}"
else
	failed=$((failed + 1))
	failures+=("sanitizer build")
fi

echo "== style: clang-format"
unformatted=$(git ls-files '*.c' '*.h' | xargs clang-format --dry-run 2>&1 | grep -c 'warning:')
if [ "$unformatted" -eq 0 ]; then
	echo "[style] clang-format: ok"
	passed=$((passed + 1))
else
	echo "[style] clang-format: $unformatted places differ (run clang-format -i on the files):"
	git ls-files '*.c' '*.h' | xargs clang-format --dry-run 2>&1 | grep 'warning:' | head -20
	failed=$((failed + 1))
	failures+=("clang-format")
fi

echo "== layering: bench/ and tools/ include public headers only"
# The build enforces it (each layer exports only its include/ directory, and sip's indirect
# headers refuse to be included without sip.h); this names the offending line when it fails.
private=$(git grep -n -E '#include "[a-z_]*_int\.h"' -- bench tools)
if [ -z "$private" ]; then
	echo "[layering] public headers only: ok"
	passed=$((passed + 1))
else
	echo "[layering] private headers included:"
	echo "$private"
	failed=$((failed + 1))
	failures+=("layering")
fi

echo "== fuzz smoke: libFuzzer on the SIP parser (seeded from the corpora), the bencode parser, NG requests and the SDP parser"
fuzz_10s() { # NAME SEEDS WORK: tests/fuzz/fuzz_NAME for 10 s from SEEDS, its log in build-fuzz
	local dir=build-fuzz rc
	"$dir/tests/fuzz/fuzz_$1" -seed=1 -max_total_time=10 -artifact_prefix="$dir/" \
		"$3" "$2" >"$dir/fuzz-$1.log" 2>&1
	rc=$?
	grep -hE '^Done' "$dir/fuzz-$1.log" | sed "s/^/$1: /"
	[ $rc -eq 0 ] || tail -n 40 "$dir/fuzz-$1.log"
	return $rc
}
fuzz_smoke() {
	local dir=build-fuzz seeds work
	if [ ! -f "$dir/build.ninja" ]; then
		mkdir -p "$dir"
		CC=clang meson setup "$dir" -Dfuzz=true >"$dir/dpv-setup.log" 2>&1 ||
			{ cat "$dir/dpv-setup.log"; return 1; }
	fi
	ninja -C "$dir" tests/fuzz/fuzz_sip_parse tests/fuzz/fuzz_bencode tests/fuzz/fuzz_ng \
		tests/fuzz/fuzz_sdp >"$dir/dpv-ninja.log" 2>&1 ||
		{ tail -30 "$dir/dpv-ninja.log"; return 1; }
	[ -d "$DPV_CORPORA" ] || { echo "fuzz: no corpora at $DPV_CORPORA"; return 1; }
	seeds=$(mktemp -d /tmp/dpv-fuzz-seeds.XXXXXX)
	work=$(mktemp -d /tmp/dpv-fuzz-work.XXXXXX)
	# Seeds are unpacked into a temp dir at test time; nothing is copied into the project.
	for z in fuzz-sip_seed_corpus.zip fuzz-sip-dialog_seed_corpus.zip; do
		python3 -m zipfile -e "$DPV_CORPORA/fuzz/pjproject-seed/$z" "$seeds/${z%.zip}"
	done
	cp "$DPV_CORPORA"/rfc4475/*.dat "$seeds/"
	find "$seeds" -mindepth 2 -type f -exec mv -t "$seeds" {} + 2>/dev/null
	"$dir/tests/fuzz/fuzz_sip_parse" -runs=0 "$seeds" >"$dir/fuzz-seeds.log" 2>&1 &&
		"$dir/tests/fuzz/fuzz_sip_parse" -seed=1 -max_total_time=30 -rss_limit_mb=2048 \
			-dict="$DPV_CORPORA/fuzz/dicts/opensips-fuzz_core_funcs.dict" \
			-artifact_prefix="$dir/" "$work" "$seeds" >"$dir/fuzz-run.log" 2>&1
	local rc=$?
	grep -hE '^(INFO: seed corpus|Done|#[0-9]+ *DONE)' "$dir/fuzz-seeds.log" "$dir/fuzz-run.log" | tail -3
	[ $rc -eq 0 ] || tail -n 40 "$dir/fuzz-run.log" "$dir/fuzz-seeds.log"
	rm -rf "$seeds" "$work"
	[ $rc -eq 0 ] || return $rc
	# The bencode parser (NG protocol), 10 s from NG-shaped seeds written here.
	seeds=$(mktemp -d /tmp/dpv-fuzz-seeds.XXXXXX)
	work=$(mktemp -d /tmp/dpv-fuzz-work.XXXXXX)
	printf 'd7:command4:pinge' >"$seeds/ping"
	printf 'd6:result4:pong7:warningl1:ai-7eee' >"$seeds/reply"
	printf 'd7:command5:offer3:sdp3:v=07:call-id3:abc8:from-tag2:ft7:replacel6:origine5:flagsl13:trust-addressee' >"$seeds/offer"
	fuzz_10s bencode "$seeds" "$work"
	rc=$?
	[ $rc -eq 0 ] || { rm -rf "$seeds" "$work"; return $rc; }
	# The NG request path (ng_req_parse, then the SDP rewrite), 10 s, from NG requests with SDPs
	# as Kamailio's module sends them, and the SDP seeds of the corpora wrapped in offers.
	python3 - "$seeds" "$DPV_CORPORA" "$PWD/bench" <<'PY'
import os, sys
out, corp = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
from ng import benc as b  # the project's bencode writer (bench/ng.py)
sdp = ("v=0\r\no=- 1 1 IN IP4 198.18.0.2\r\ns=-\r\nc=IN IP4 198.18.0.2\r\nt=0 0\r\n"
       "m=audio 4000 RTP/AVP 0 101\r\na=rtcp:4001\r\na=candidate:1 1 UDP 1 198.18.0.2 4000 typ host\r\n"
       "m=video 0 RTP/AVP 31\r\n")
reqs = [{"command": "offer", "call-id": "c", "from-tag": "f", "sdp": sdp, "replace": ["origin"],
         "flags": ["trust-address", "port-latching"], "received-from": ["IP4", "198.18.0.2"],
         "supports": ["load limit"], "rtpp_flags": "via-branch=1 delete-delay=3"},
        {"command": "answer", "call-id": "c", "from-tag": "f", "to-tag": "t", "sdp": sdp},
        {"command": "delete", "call-id": "c", "from-tag": "f", "delete delay": 0, "flags": ["fatal"]},
        {"command": "list", "limit": 5}]
for i, r in enumerate(reqs):
    open(os.path.join(out, "ng%d" % i), "wb").write(b(r))
import zipfile
z = zipfile.ZipFile(os.path.join(corp, "fuzz", "pjproject-seed", "fuzz-sdp_seed_corpus.zip"))
for i, n in enumerate([n for n in z.namelist() if not n.endswith("/")][:200]):
    open(os.path.join(out, "ngsdp%d" % i), "wb").write(
        b({"command": "offer", "call-id": "c", "from-tag": "f", "sdp": z.read(n)[:8192]}))
PY
	fuzz_10s ng "$seeds" "$work"
	rc=$?
	rm -rf "$seeds" "$work"
	[ $rc -eq 0 ] || return $rc
	# The SDP parser, differential (its SSE2 line scan against its scalar twin), 10 s from the
	# corpora's SDP seeds (pjproject's and janus-gateway's).
	seeds=$(mktemp -d /tmp/dpv-fuzz-seeds.XXXXXX)
	work=$(mktemp -d /tmp/dpv-fuzz-work.XXXXXX)
	python3 -m zipfile -e "$DPV_CORPORA/fuzz/pjproject-seed/fuzz-sdp_seed_corpus.zip" "$seeds/z"
	cp -r "$DPV_CORPORA/fuzz/janus-gateway/sdp_fuzzer" "$seeds/j"
	find "$seeds" -mindepth 2 -type f -exec mv -t "$seeds" {} + 2>/dev/null
	fuzz_10s sdp "$seeds" "$work"
	rc=$?
	rm -rf "$seeds" "$work"
	return $rc
}
if [ ${#corpus_args[@]} -gt 0 ]; then
	echo "[fuzz] fuzz_sip_parse: NOT RUN (no corpora for its seeds)"
elif fuzz_smoke; then
	echo "[fuzz] fuzz_sip_parse: ok"
	passed=$((passed + 1))
else
	echo "[fuzz] fuzz_sip_parse: FAILED"
	failed=$((failed + 1))
	failures+=("fuzz_sip_parse")
fi

echo "== integration tests"
# Every tests/rig/test_*.sh, plus test_ng.sh a second time with Debian's rtpengine as the NG
# relay in place of dpvoip (the same rig, Kamailio config and checks: it proves the rig).
for t in tests/rig/test_*.sh tests/rig/test_ng.sh:rtpengine; do
	relay=
	case $t in *:*) relay=${t#*:} t=${t%%:*} ;; esac
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)${relay:+-$relay}
	log="build/$name.log"
	if [ -n "$relay" ]; then
		NG_RELAY=$relay timeout 600 bash "$t" "$ROOT/build" >"$log" 2>&1
	else
		timeout 600 bash "$t" "$ROOT/build" >"$log" 2>&1
	fi
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "[rig] $name: ok"
		passed=$((passed + 1))
	elif [ $rc -eq 77 ]; then
		echo "[rig] $name: NOT RUN: $(tail -1 "$log")"
		skipped=$((skipped + 1))
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
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
