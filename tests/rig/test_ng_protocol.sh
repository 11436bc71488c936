#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The NG protocol against a running engine, driven by tests/rig/ng_check.py (not Kamailio:
# that is test_ng.sh): every command and error reply, a retransmitted cookie, a re-offer, RTP
# and RTCP relayed both ways through the media lcore with strict latching, the session and port
# limits, the media timeout. The NG socket is a kernel one in the engine's namespace, reached
# from the peer namespace over a second veth pair (ngE 198.18.2.1 <-> ngP 198.18.2.2).
set -euo pipefail
[ -n "${1:-}" ] && BUILD=$1
source "$(dirname "$0")/rig.sh"
NG_IP=198.18.2.1

rig_up
ip link add ngE netns "$RIG_ENG" type veth peer name ngP netns "$RIG_PEER"
ip netns exec "$RIG_ENG" ip addr add "$NG_IP/24" dev ngE
ip netns exec "$RIG_ENG" ip link set ngE up
rig_peer ip addr add 198.18.2.2/24 dev ngP
rig_peer ip link set ngP up

# phase CONF_LINES...: an engine with those [ng] keys, one ng_check.py phase against it
phase() {
	local name=$1 out
	shift
	engine_start "$(rig_conf 1 1 "[rtp]" "port-min = 20000" "port-max = 20999" "[ng]" \
		"listen = $NG_IP:2223" "$@")"
	rig_peer ping -c 1 -W 2 -q "$RIG_ENG_IP" >/dev/null
	out=$(rig_peer python3 "$RIG_SRC/ng_check.py" --ng "$NG_IP:2223" --engine "$RIG_ENG_IP" \
		--peer "$RIG_PEER_IP" --phase "$name" 2>&1) || true
	echo "$out" | sed "s/^\(not \)\?ok - /&$name: /"
	RIG_PASS=$((RIG_PASS + $(echo "$out" | grep -c '^ok - ' || true)))
	RIG_FAIL=$((RIG_FAIL + $(echo "$out" | grep -c '^not ok - ' || true)))
	# a Python error is a failure too, not a silent pass
	if ! echo "$out" | grep -q '^\(not \)\?ok - '; then
		echo "not ok - $name: ng_check.py ran no check"
		RIG_FAIL=$((RIG_FAIL + 1))
	fi
}

phase protocol
check "protocol: the undecodable datagram without a cookie is counted" \
	[ "$(stat ng.no_cookie)" -eq 1 ]
check "protocol: the retransmitted answer was answered from the cache" \
	[ "$(stat ng.retransmissions)" -eq 1 ]
check "protocol: the spoofed RTP was dropped as a bad source" \
	[ "$(stat drops.rtp_bad_source)" -ge 20 ]
check "protocol: the relay's RTP went through the media lcore" \
	[ "$(stat ports.0.counters.rx_rtp)" -ge 40 ]
engine_stop
phase limits "max-sessions = 3" "ports = 16"
ng_sessions() { # the NG calls `dpvoipctl sessions` lists (one line per leg with a port)
	ctl --json sessions | python3 -c 'import json, sys
print(" ".join(sorted(s["call_id"] for s in json.load(sys.stdin)["sessions"]
                      if s.get("direction") == "ng")))'
}
check "limits: dpvoipctl sessions lists the NG calls beside SIP's" \
	[ "$(ng_sessions)" = "l0 l0 l1 l1 l3 l3" ]
check "limits: the refusals are counted" [ "$(stat ng.load_limit)" -eq 2 ]
check "limits: so is the empty pool" [ "$(stat ng.ports_exhausted)" -eq 1 ]
engine_stop
phase timeout "timeout = 2"
check "timeout: counted" [ "$(stat ng.timeouts)" -eq 1 ]
engine_stop
rig_summary
