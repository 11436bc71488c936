#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The side-by-side benchmarks in small: `bench/run.sh smoke` runs one short trial of every
# benchmark (sipgen and SIPp against dpvoip and Kamailio, rtpgen against dpvoip and rtpengine,
# over memif, af_xdp and af_packet) at a rate every system takes. Checked per benchmark: the
# rig, the peer and the generator came up (a CSV row with counts), the generator's accounting
# holds (calls placed = completed + failed, packets sent = received + lost), and the trial
# passed (every call completed, no packet lost). Then `bench/run.sh fixed`: two trials at one
# rate, two CSV rows and sipgen's summary after each; a bad rate or count, or an unknown
# name, exits 2 with the reason. Figures are not
# checked: bench/run.sh all is the benchmark.
set -uo pipefail
BUILD=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mktemp -d /tmp/dpv-test-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
pass=0
fail=0
for p in kamailio rtpengine sipp; do
	command -v "$p" >/dev/null || { echo "$p is not installed (tools/bootstrap.sh installs it)"; exit 77; }
done
BUILD=$BUILD OUT=$OUT timeout 500 "$ROOT/bench/run.sh" smoke >"$OUT/run.log" 2>&1
rc=$?
[ $rc -eq 0 ] || { echo "bench/run.sh smoke: status $rc"; tail -30 "$OUT/run.log"; fail=$((fail + 1)); }
for name in $("$ROOT/bench/run.sh" list | awk '{print $1}'); do
	csv=$OUT/$name.csv
	row=$(grep -v '^#' "$csv" 2>/dev/null | grep '^1,smoke,')
	verdict=$(awk -F, -v n="$name" '{
		if ($4 == "" || $5 == "") { print "no counts (the rig, the peer or the generator failed)"; exit }
		if ($4 + 0 <= 0) { print "nothing sent"; exit }
		if ($4 != $5 + $6) { print "sent " $4 " != ok " $5 " + failed/lost " $6; exit }
		if ($15 != 1) { print "the trial did not pass: ok " $5 " of " $4 ", retransmissions " $14; exit }
		print "ok: " $4 " sent, " $5 " through" }' <<<"${row:-,,,,,,,,,,,,,,}")
	case "$verdict" in
	ok:*)
		echo "ok   $name: ${verdict#ok: }"
		pass=$((pass + 1))
		;;
	*)
		echo "FAIL $name: $verdict"
		fail=$((fail + 1))
		;;
	esac
done
# `fixed`: two trials of one benchmark at one rate, a row each, sipgen's summary after each
TRIAL=1 BUILD=$BUILD OUT=$OUT timeout 120 "$ROOT/bench/run.sh" fixed sip-dpvoip-memif 200 2 \
	>"$OUT/fixed.log" 2>&1
rc=$?
rows=$(grep -c '^[12],fixed,200,200,200,0,' "$OUT/sip-dpvoip-memif-fixed.csv" 2>/dev/null)
sums=$(grep -c '^  calls: attempted 200, answered 200, completed 200, failed 0 ' "$OUT/fixed.log")
if [ $rc -eq 0 ] && [ "${rows:-0}" -eq 2 ] && [ "$sums" -eq 2 ]; then
	echo "ok   fixed sip-dpvoip-memif 200 2: two rows of 200 calls, two sipgen summaries"
	pass=$((pass + 1))
else
	echo "FAIL fixed sip-dpvoip-memif 200 2: status $rc, ${rows:-0} rows of 200 calls, $sums summaries"
	tail -20 "$OUT/fixed.log"
	fail=$((fail + 1))
fi
# bad arguments: status 2 and the usage or the unknown name, before any rig is set up
for args in "sip-dpvoip-memif fast:usage:" "sip-dpvoip-memif 200 0:usage:" \
	"sip-dpvoip-memif 200 two:usage:" "sip-nope 200:unknown benchmark 'sip-nope'"; do
	want=${args#*:}
	args=${args%%:*}
	# shellcheck disable=SC2086
	err=$("$ROOT/bench/run.sh" fixed $args 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 2 ] && grep -qF "$want" <<<"$err"; then
		echo "ok   fixed $args: status 2, '$want'"
		pass=$((pass + 1))
	else
		echo "FAIL fixed $args: status $rc, '$err', wanted 2 and '$want'"
		fail=$((fail + 1))
	fi
done

[ $fail -eq 0 ] || { echo "--- bench/run.sh smoke log:"; tail -40 "$OUT/run.log"; }
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
