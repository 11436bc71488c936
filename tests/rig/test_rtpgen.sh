#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# rtpgen smoke: the engine (memif server, CPU 1) and build/bench/rtpgen --calls (memif client,
# CPU 0) in this namespace: 4 two-party calls into the dialplan's bridges, 50 packets/s per
# stream for 1 s of warm-up + 2 s. Asserts rtpgen's own accounting (expected == received +
# lost, received > 0, nothing misrouted or duplicated) and that its totals match the engine's
# counters: the engine's rx_rtp is what rtpgen sent, its tx_rtp what rtpgen got back.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
BIN=$BUILD/bench/rtpgen
ENG=$BUILD/engine/dpvoip
CTL=$BUILD/tools/dpvoipctl
for b in "$BIN" "$ENG" "$CTL"; do [ -x "$b" ] || { echo "FAIL: $b not built"; exit 1; }; done
TMP=$(mktemp -d /tmp/dpv-rtpgen.XXXXXX)
ENGINE_PID=
cleanup() {
	set +e
	if [ -n "$ENGINE_PID" ]; then
		kill -TERM "$ENGINE_PID" 2>/dev/null
		for _ in $(seq 1 100); do kill -0 "$ENGINE_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$ENGINE_PID" 2>/dev/null
		wait "$ENGINE_PID" 2>/dev/null
	fi
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -20 "$TMP/gen.log" "$TMP/engine.log" 2>/dev/null; exit 1; }

cat >"$TMP/engine.conf" <<CONF
[dpdk]
eal = --no-huge -m 512 --no-pci --file-prefix=dpvrg$$ --vdev=net_memif0,role=server,socket=$TMP/memif.sock --log-level=lib.eal:error
[cpu]
main-core = 0
corelist-media = 1
corelist-signaling = 1
[port0]
address = 198.18.0.1/24
[rtp]
port-min = 20000
port-max = 20999
media-timeout-s = 0
[dialplan]
rule = ^conf-(.+)\$ bridge
[control]
socket = $TMP/ctl.sock
CONF
"$ENG" -c "$TMP/engine.conf" >"$TMP/engine.log" 2>&1 &
ENGINE_PID=$!
up=0
for _ in $(seq 1 300); do
	"$CTL" -s "$TMP/ctl.sock" --json stats >/dev/null 2>&1 && { up=1; break; }
	kill -0 "$ENGINE_PID" 2>/dev/null || break
	sleep 0.1
done
[ "$up" = 1 ] || fail "the engine did not start"

stat() { "$CTL" -s "$TMP/ctl.sock" --json stats | python3 tests/rig/stat.py "$1"; }
rx0=$(stat ports.0.counters.rx_rtp)
tx0=$(stat ports.0.counters.tx_rtp)

rc=0
timeout -k 5 60 "$BIN" --no-huge -m 512 --no-pci -l 0 --file-prefix=dpvrgg$$ \
	--vdev="net_memif0,role=client,socket=$TMP/memif.sock" --log-level=lib.eal:error -- \
	--calls 4 --pps 50 --seconds 2 --warmup 1 --label memif --ctl "$TMP/ctl.sock" --ctl-tool "$CTL" >"$TMP/gen.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "rtpgen exited $rc (0: every call up, nothing lost)"
line=$(grep '^RESULT' "$TMP/gen.log") || fail "no RESULT line"
echo "$line"
field() { tr ' ' '\n' <<<"$line" | awk -F= -v k="$1" '$1 == k { print $2 }'; }
sent=$(field sent) exp=$(field expected) rcvd=$(field received) lost=$(field lost)
[ "$(field calls_ok)" = 8 ] || fail "calls_ok $(field calls_ok), want 8 (4 calls of 2 legs)"
[ "$(field calls_failed)" = 0 ] || fail "calls_failed $(field calls_failed)"
[ "$exp" = "$sent" ] || fail "2-party calls: expected $exp != sent $sent"
[ "$exp" = $((rcvd + lost)) ] || fail "expected $exp != received $rcvd + lost $lost"
[ "$rcvd" -gt 0 ] || fail "nothing received"
[ "$lost" = 0 ] || fail "lost $lost on an idle memif link"
[ "$(field misrouted)" = 0 ] || fail "misrouted $(field misrouted)"
[ "$(field dup)" = 0 ] || fail "dup $(field dup)"
[ "$(field reordered)" = 0 ] || fail "reordered $(field reordered)"
[ "$(field bad_magic)" = 0 ] || fail "bad_magic $(field bad_magic)"
# (how many were sent depends on the CPU time the shared machine gave: not asserted)
# the engine's own counters over the whole run: rx_rtp = what rtpgen sent, tx_rtp = what it
# got back (rtpgen's totals include the warm-up)
erx=$(($(stat ports.0.counters.rx_rtp) - rx0))
etx=$(($(stat ports.0.counters.tx_rtp) - tx0))
[ "$erx" = "$(field sent_all)" ] || fail "engine rx_rtp $erx != rtpgen sent_all $(field sent_all)"
[ "$etx" = "$(field received_all)" ] ||
	fail "engine tx_rtp $etx != rtpgen received_all $(field received_all)"
[ "$(field eng_rx_rtp)" = "$(field sent_all)" ] || fail "rtpgen: engine rx_rtp over its run $(field eng_rx_rtp) != sent_all $(field sent_all)"
echo "PASS: test_rtpgen (sent $sent, received $rcvd, engine rx_rtp $erx tx_rtp $etx)"
