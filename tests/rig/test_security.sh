#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# [security] in the namespace rig: (a) a request from a scanner User-Agent gets no answer and is
# counted while the same request with another User-Agent is answered; (b) a third host
# (198.18.0.3 on the peer's veth) floods new INVITEs (fresh Call-ID each, never ACKed) for 8 s
# while SIPp places 50 calls at 25 calls/s from 198.18.0.2: every call succeeds, the flooding
# source is blocked and counted, the engine's RSS grows by less than 64 MB, and every session
# is released once the flood's timers (Timer H = 64*T1, T1 100 ms here) run out.
set -euo pipefail
[ -n "${1:-}" ] && BUILD=$1
source "$(dirname "$0")/rig.sh"
SIPP="$RIG_SRC/../../sipp/run.sh"
FLOOD="python3 $RIG_SRC/sip_flood.py"
FLOOD_IP=198.18.0.3
T="$RIG_ENG_IP:5060"

rig_up
engine_start "$(rig_conf 1 1 "[sip]" "t1-ms = 100" "[dialplan]" 'rule = ^flood$ echo' \
	'rule = .* tone' "[security]" "flood-rate = 100" "flood-burst = 200" "flood-block-s = 60" \
	"scanner = friendly-scanner" "scanner = sipvicious" "scanner = ^sipcli" \
	"scanner = VaxSIPUserAgent")"
rig_peer ping -c 1 -W 2 -q "$RIG_ENG_IP" >/dev/null

# ---- (a) scanner filter ----
out=$(rig_peer $FLOOD probe "$RIG_PEER_IP" "$RIG_ENG_IP" friendly-scanner "Linphone/5.2" \
	"SIPVicious 0.3.4" "sipcli/v1.8" "dpvoip-rig")
check "scanner User-Agents get no answer, the others get 200 ($(echo $out))" \
	test "$out" = "$(printf '1 200\n4 200')"
check "the three scanner requests are counted" wait_stat lcores.*.sig.scanner_dropped -eq 3
check "and none reached the UA as a request" test "$(stat lcores.*.sip.rx_requests)" -eq 2

# ---- (b) flood from a third host during calls ----
rig_peer ip addr add "$FLOOD_IP/24" dev dpvp0
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$RIG_ENGINE_PID/status"; }
rss0=$(rss)
rig_peer $FLOOD flood "$FLOOD_IP" "$RIG_ENG_IP" 8 5000000 >"$RIG_DIR/flood.out" &
FLOODER=$!
calls_ok=0
rig_peer "$SIPP" uac_basic.xml tone "$T" "$RIG_PEER_IP" -m 50 -r 25 -l 50 && calls_ok=1
wait "$FLOODER"
rss1=$(rss)
sent=$(cat "$RIG_DIR/flood.out")
echo "  flood: $sent INVITEs from $FLOOD_IP; RSS ${rss0} kB -> ${rss1} kB"
check "all 50 calls succeed during the flood" test $calls_ok -eq 1
check "the flood sent more than the burst" test "$sent" -gt 1000
check "one block started (the flooding source)" test "$(stat lcores.*.flood_blocks)" -eq 1
dropped=$(stat drops.sip_flood)
check "its requests were dropped before steering ($dropped)" test "$dropped" -gt 0
blocked=$(ctl --json security | python3 -c '
import json, sys
b = json.load(sys.stdin)["security"]["blocked"]
print(" ".join("%s:%d" % (x["source"], x["dropped"]) for x in b if x["seconds_left"] > 0))')
check "dpvoipctl security lists $FLOOD_IP blocked, and only it ($blocked)" \
	test "${blocked%%:*}" = "$FLOOD_IP" -a "$(echo "$blocked" | wc -w)" -eq 1
check "the listing's dropped count is the drop counter's" test "${blocked#*:}" -eq "$dropped"
ctl security
check "RSS grew by less than 64 MB ($(((rss1 - rss0) / 1024)) MB)" \
	test $((rss1 - rss0)) -lt $((64 * 1024))
# the flood's answered, never-ACKed sessions end at Timer H (6.4 s); bounded at 60 s
drained() {
	for _ in $(seq 1 600); do
		[ "$(stat engine.sessions)" -eq 0 ] && return 0
		sleep 0.1
	done
	echo "  engine.sessions = $(stat engine.sessions)"
	return 1
}
check "every session is released once the flood's timers run out" drained
check "the unACKed flood calls ended on Timer H" test "$(stat lcores.*.sip.ack_timeouts)" -ge 1
rig_summary
