#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Separate lcores per role: main-core 0, a media lcore and a signaling lcore. SIP
# received by the media lcore crosses the signaling ring to the signaling
# lcore, and the answer (an OPTIONS 200 from the UA) goes back out. With 3 CPUs
# or more each role has its own CPU (1 and 2); on 2 CPUs both lcores share CPU 1
# as two threads ([cpu] shared-cpu = threads), which takes the same path. Then
# one media lcore and two signaling lcores on CPU 1 (signaling-per-cpu = 2):
# SIPp's calls are spread over both signaling lcores by Call-ID, and each call
# stays on the one that owns it.
set -euo pipefail
[ -n "${1:-}" ] && BUILD=$1
source "$(dirname "$0")/rig.sh"

rig_up
if [ "$(nproc)" -ge 3 ]; then
	engine_start "$(rig_conf 1 2)"
else
	engine_start "$(RIG_CPU_EXTRA="shared-cpu = threads" rig_conf 1 1)"
fi
check "peer pings the engine" rig_peer ping -c 2 -i 0.2 -W 2 -q "$RIG_ENG_IP"
check "two workers, one per role" test "$(stat engine.workers)" -eq 2
check "the first worker has the media role only" test "$(ctl --json stats | python3 -c \
	'import json,sys; print(json.load(sys.stdin)["stats"]["lcores"][0]["roles"])')" = "['media']"
check "the second worker has the signaling role only" test "$(ctl --json stats | python3 -c \
	'import json,sys; print(json.load(sys.stdin)["stats"]["lcores"][1]["roles"])')" = "['signaling']"
check "each runs as its own lcore" test "$(stat lcores.0.lcore)" -ne "$(stat lcores.1.lcore)"
ENG_MAC=$(rig_peer_mac)
rig_peer python3 "$RIG_SRC/frames.py" dpvp0 "$ENG_MAC" "$RIG_PEER_IP" "$RIG_ENG_IP" good_udp_sip 5
check "the media lcore steered 5 SIP datagrams" wait_stat lcores.0.sip_steered -eq 5
check "the signaling lcore took them off its ring" wait_stat lcores.1.sig_dequeued -eq 5
check "the signaling lcore's UA answered them" wait_stat lcores.1.sip.tx_responses -ge 1
check "nothing was handled on the wrong lcore" test "$(stat lcores.0.sip_processed)" -eq 0
# af_packet has one queue pair here: the signaling lcore's frames leave through the media lcore.
check "the signaling lcore's frames were handed to the media lcore" \
	test "$(stat ports.0.counters.tx_handed_off)" -ge 1
engine_stop
check "engine exits 0 on SIGTERM" test "$RIG_ENGINE_RC" -eq 0

engine_start "$(RIG_CPU_EXTRA=$'shared-cpu = threads\nsignaling-per-cpu = 2' rig_conf 1 1 \
	"[sip]" "max-transactions = 8192" "max-dialogs = 8192" "[dialplan]" "rule = .* tone")"
check "three workers: one media, two signaling" test "$(stat engine.workers)" -eq 3
rig_peer ping -c 1 -W 2 -q "$RIG_ENG_IP" >/dev/null
check "40 calls from SIPp, none failed" rig_peer "$RIG_SRC/../../sipp/run.sh" uac_basic.xml tone \
	"$RIG_ENG_IP:5060" "$RIG_PEER_IP" -m 40 -r 20 -l 40
check "both signaling lcores took calls" \
	test "$(stat lcores.1.sip.tx_responses)" -gt 0 -a "$(stat lcores.2.sip.tx_responses)" -gt 0
check "the media lcore handled no SIP itself" test "$(stat lcores.0.sip_processed)" -eq 0
check "no session left" wait_stat engine.sessions -eq 0
engine_stop
check "engine exits 0 on SIGTERM" test "$RIG_ENGINE_RC" -eq 0
rig_summary
