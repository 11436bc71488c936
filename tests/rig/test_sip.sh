#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# SIP call flows against the engine on af_packet, with SIPp as the real peer in
# the peer namespace: OPTIONS, a basic call, reject, CANCEL, hold/resume,
# 200 calls at 50 calls/s, calls under 10% loss each way (nftables on the
# peer's veth), and a call the engine originates to `sipp -sn uas` and ends
# with `dpvoipctl call hangup`.
set -euo pipefail
[ -n "${1:-}" ] && BUILD=$1
source "$(dirname "$0")/rig.sh"
SIPP="$RIG_SRC/../../sipp/run.sh"
T="$RIG_ENG_IP:5060"

rig_up
engine_start "$(rig_conf 1 1 "[sip]" "answer-delay-ms = 300" "[dialplan]" \
	'rule = ^conf-(.+)$ bridge' 'rule = ^echo$ echo' 'rule = ^busy$ reject 486' 'rule = .* tone')"
# The engine learns the peer's MAC from the peer's own ARP request.
rig_peer ping -c 1 -W 2 -q "$RIG_ENG_IP" >/dev/null

uac() { rig_peer "$SIPP" "$1" "$2" "$T" "$RIG_PEER_IP" "${@:3}"; }

check "OPTIONS gets 200 with Allow" uac uac_options.xml probe
# A 1.5 KB request (the peer fragments it; af_packet's fanout reassembles it) whose 200 copies
# its 12 Vias: over the MTU, so the engine sends it as IPv4 fragments.
check "an answer over the MTU leaves as IPv4 fragments and arrives whole" \
	rig_peer python3 "$RIG_SRC/sip_big.py" "$RIG_PEER_IP" "$RIG_ENG_IP" 12
check "the engine fragmented it" wait_stat lcores.0.sip_tx_fragmented -eq 1
check "basic call: 100/180/200 with SDP answer, ACK, BYE/200" uac uac_basic.xml tone
check "dialplan reject: 486, ACKed" uac uac_reject.xml busy
check "CANCEL before answer: 200 and 487" uac uac_cancel.xml tone
check "hold/resume re-INVITEs answered recvonly/inactive/sendrecv" uac uac_hold.xml echo
check "no session left after the calls" wait_stat engine.sessions -eq 0
check "200 calls at 50 calls/s, none failed" uac uac_basic.xml tone -m 200 -r 50 -l 100

# 10% loss in both directions on the peer's veth: SIP retransmissions must carry every call.
rig_peer nft -f - <<'NFT'
table netdev dpvloss {
	chain in { type filter hook ingress device dpvp0 priority 0; numgen random mod 100 < 10 counter drop; }
	chain out { type filter hook egress device dpvp0 priority 0; numgen random mod 100 < 10 counter drop; }
}
NFT
check "20 calls under 10% loss each way, none failed" uac uac_basic.xml tone -m 20 -r 5 -l 20
dropped() {
	rig_peer nft list chain netdev dpvloss "$1" |
		awk '{for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1)}'
}
check "the loss rules dropped packets both ways ($(dropped in) in, $(dropped out) out)" \
	test "$(dropped in)" -gt 0 -a "$(dropped out)" -gt 0
rig_peer nft delete table netdev dpvloss
check "sessions drain after the lossy calls" wait_stat engine.sessions -eq 0
# (a session left here once meant SIPp had taken a retransmitted 200 to the INVITE for the
# answer to its lost BYE; uac_basic.xml now matches responses by transaction)
[ "$(stat engine.sessions)" -eq 0 ] || ctl sessions

# The engine as UAC: SIPp answers as a UAS; dpvoipctl places and ends the call.
rig_peer timeout 120 sipp -sn uas -i "$RIG_PEER_IP" -p 5060 -m 1 -nostdin -timeout 60s \
	-timeout_error >"$RIG_DIR/uas.log" 2>&1 &
UAS=$!
ready=0
for _ in $(seq 1 50); do
	rig_peer ss -uln | grep -q "$RIG_PEER_IP:5060" && { ready=1; break; }
	sleep 0.1
done
check "sipp uas listening" test $ready -eq 1
SID=$(ctl --json call originate "sip:uas@$RIG_PEER_IP:5060" | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"])')
check "call originate returned a session id" test -n "$SID"
wait_confirmed() {
	for _ in $(seq 1 100); do
		ctl --json sessions | python3 -c "
import json,sys
s=[x for x in json.load(sys.stdin)['sessions'] if x['id']==$SID]
sys.exit(0 if s and s[0]['state']=='confirmed' else 1)" && return 0
		sleep 0.1
	done
	return 1
}
check "originated call confirmed" wait_confirmed
check "call hangup accepted" ctl call hangup "$SID"
check "sipp uas saw a complete call" wait "$UAS"
check "hangup of an unknown session is an error" bash -c "! $BUILD/tools/dpvoipctl -s $RIG_SOCK call hangup 999999"
check "sessions drain after hangup" wait_stat engine.sessions -eq 0
rig_summary
