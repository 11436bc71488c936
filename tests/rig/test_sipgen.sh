#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# shellcheck disable=SC2034 # the SG_ settings are read by the sourced bench/sipgen.sh
# sipgen smoke: against the engine over memif, 300 calls at 100 calls/s with -d 0 and 10 calls
# held 1 s with --rtp against echo; sipgen's own accounting (attempted = answered + failed, every
# call completed, exit 0, RTP sent = received + lost with received > 0) and the engine's UA
# counters (calls_in / calls_answered / calls_ended) equal to sipgen's figures; both sides page the
# memif rings in when the link comes up, and the engine's lcore takes no page fault per buffer.
# Bad options exit 2.
# A -t stop cuts held calls short (exit 1, accounted as cut). Then 50 calls against Kamailio (bench/kamailio.cfg) on a kernel socket, sipgen on af_packet
# over a veth; exit 77 (NOT RUN) after the engine part when kamailio is not installed.
set -euo pipefail
[ -n "${1:-}" ] && BUILD=$1
: "${BUILD:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
SG_LIB=1
SG_BIN=$BUILD/bench/sipgen
SG_ENG=$BUILD/engine/dpvoip
SG_CTL=$BUILD/tools/dpvoipctl
SG_MEM=512
SG_ENG_MEM=1024
SG_ENG_DIALOGS=16384
SG_ENG_TX=32768
SG_TIMEOUT=60
# shellcheck source=../../bench/sipgen.sh
source "$(dirname "$0")/../../bench/sipgen.sh"
STAT=$(dirname "$0")/stat.py
PASS=0
FAIL=0

check() { # description, command...
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
		PASS=$((PASS + 1))
	else
		echo "not ok - $what"
		FAIL=$((FAIL + 1))
	fi
}
field() { sg_field "$RES" "$1"; }
eng() { "$SG_CTL" -s "$SG_TMP/ctl.sock" --json stats | python3 "$STAT" "lcores.*.sip.$1"; }
# wait_eng COUNTER VALUE: poll (bounded, 10 s) until the engine's UA counter equals VALUE
wait_eng() {
	local v
	for _ in $(seq 1 100); do
		v=$(eng "$1")
		[ "$v" -eq "$2" ] && return 0
		sleep 0.1
	done
	echo "  engine $1 = $v, wanted $2"
	return 1
}
run() { # sipgen args...: sets OUT, RC, RES
	RC=0
	OUT=$(sg_sipgen "$@" 2>&1) || RC=$?
	RES=$(grep '^RESULT' <<<"$OUT" | tail -1 || true)
	[ -n "$RES" ] || echo "$OUT" | tail -20
}

# minor page faults of the engine's worker lcores so far (/proc/PID/task/TID/stat, field 10)
worker_faults() {
	local t n=0 f
	for t in /proc/"$BENCH_ENGINE_PID"/task/*; do
		case "$(cat "$t/comm")" in rte-worker-*) ;; *) continue ;; esac
		f=$(awk '{ print $10 }' "$t/stat")
		n=$((n + f))
	done
	echo "$n"
}

sg_start engine memif
FLT0=$(worker_faults)

run -r 100 -m 300 -d 0 -l 300 -t 30
FLT1=$(worker_faults)
check "300 calls, -d 0: exit 0" test "$RC" -eq 0
# the memif rings are mapped when sipgen connects: each side pages them in once the link is
# up (lib/prefault.c, dpv_prefault_shared); without it the lcore's first pass through the
# 2 x 16384 buffers took a fault per 4 KiB page used (about 900 for these 300 calls)
MIB=$(sed -n 's/.*link up, \([0-9]*\) MiB of shared rings paged in.*/\1/p' <<<"$OUT")
check "sipgen paged its memif rings in once the link was up (${MIB:-no line} MiB)" \
	test "${MIB:-0}" -ge 32
MIB=$(sed -n 's/.* \([0-9]*\) MiB of shared rings paged in.*/\1/p' "$BENCH_TMP/peer.log" | tail -1)
check "the engine paged the memif rings in when the link came up (${MIB:-no line} MiB)" \
	test "${MIB:-0}" -ge 32
check "the engine's worker took at most 64 page faults over the 300 calls ($((FLT1 - FLT0)))" \
	test $((FLT1 - FLT0)) -le 64
check "attempted 300, answered 300, completed 300, failed 0 ($(field attempted)/$(field answered)/$(field completed)/$(field failed))" \
	test "$(field attempted)" -eq 300 -a "$(field answered)" -eq 300 -a \
	"$(field completed)" -eq 300 -a "$(field failed)" -eq 0
check "a live line a second and a summary" grep -q '^---- summary' <<<"$OUT"
# the generator's own finished calls hold compact records only: at most two (its INVITE's,
# its BYE's, 232 bytes each) per call
check "sipgen's state per finished call is at most 464 bytes ($(field state_bytes_call))" \
	test "$(field state_bytes_call)" -gt 0 -a "$(field state_bytes_call)" -le 464
A1=$(field attempted) N1=$(field answered) C1=$(field completed)

run -r 20 -m 10 -d 1000 -l 10 -t 30 --rtp
check "10 calls held 1 s with --rtp: exit 0" test "$RC" -eq 0
check "attempted = answered + failed ($(field attempted) = $(field answered) + $(field failed))" \
	test "$(field attempted)" -eq $(($(field answered) + $(field failed)))
check "every held call completed" test "$(field completed)" -eq 10
check "rtp sent = received + lost ($(field rtp_sent) = $(field rtp_received) + $(field rtp_lost))" \
	test "$(field rtp_sent)" -eq $(($(field rtp_received) + $(field rtp_lost)))
check "echo returned RTP ($(field rtp_received) packets)" test "$(field rtp_received)" -gt 0
A=$((A1 + $(field attempted))) N=$((N1 + $(field answered))) C=$((C1 + $(field completed)))

check "engine calls_in = sipgen's attempted ($A)" wait_eng calls_in "$A"
check "engine calls_answered = sipgen's answered ($N)" wait_eng calls_answered "$N"
check "engine calls_ended = sipgen's completed ($C)" wait_eng calls_ended "$C"
check "engine calls_failed = 0" wait_eng calls_failed 0

# -t is a hard stop: calls held longer are hung up early (cut), within the bounded drain
run -r 50 -m 100 -d 10000 -l 100 -t 1
check "-t 1 with 10 s holds: exit 1" test "$RC" -eq 1
check "attempted = answered + failed after the stop ($(field attempted) = $(field answered) + $(field failed))" \
	test "$(field attempted)" -gt 0 -a "$(field attempted)" -eq $(($(field answered) + $(field failed)))
check "every answered call was cut by the stop, none completed ($(field cut) of $(field answered))" \
	test "$(field cut)" -eq "$(field answered)" -a "$(field completed)" -eq 0
# (a call CANCELled by the stop may still be answered and then ended by a BYE: count sessions)
sessions() {
	local v
	for _ in $(seq 1 100); do
		v=$("$SG_CTL" -s "$SG_TMP/ctl.sock" --json stats | python3 "$STAT" engine.sessions)
		[ "$v" -eq 0 ] && return 0
		sleep 0.1
	done
	echo "  engine.sessions = $v"
	return 1
}
check "the engine has no session left after the stop" sessions

run -r nope
check "a bad -r exits 2" test "$RC" -eq 2
run -r 10 -m 1 --frobnicate
check "an unknown option exits 2" test "$RC" -eq 2
sg_stop

if ! command -v kamailio >/dev/null; then
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ] || exit 1
	echo "kamailio not installed: the Kamailio smoke is NOT RUN"
	exit 77
fi
check "Kamailio started in a namespace" sg_start kamailio af_packet
run -r 50 -m 50 -d 0 -l 50 -t 30
check "50 calls against Kamailio over af_packet: exit 0, all completed ($(field completed))" \
	test "$RC" -eq 0 -a "$(field completed)" -eq 50 -a "$(field failed)" -eq 0
sg_stop

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
