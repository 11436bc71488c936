#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Separate CPUs per role: main-core 0, media on CPU 1, signaling on CPU 2. SIP
# received by the media lcore crosses the signaling ring to the signaling
# lcore, and the answer (an OPTIONS 200 from the UA) goes back out. Needs 3
# CPUs: on a smaller machine it exits 77 and tools/test.sh reports it as not
# run (never as passed). The 2-CPU layout is covered by test_l2l3.sh.
set -euo pipefail
[ -n "${1:-}" ] && BUILD=$1
if [ "$(nproc)" -lt 3 ]; then
	echo "not run: needs 3 CPUs, this machine has $(nproc)"
	exit 77
fi
source "$(dirname "$0")/rig.sh"

rig_up
engine_start "$(rig_conf 1 2)"
check "peer pings the engine" rig_peer ping -c 2 -i 0.2 -W 2 -q "$RIG_ENG_IP"
check "two workers, one per role" test "$(stat engine.workers)" -eq 2
ENG_MAC=$(rig_peer_mac)
rig_peer python3 "$RIG_SRC/frames.py" dpvp0 "$ENG_MAC" "$RIG_PEER_IP" "$RIG_ENG_IP" good_udp_sip 5
check "the media lcore steered 5 SIP datagrams" wait_stat lcores.0.sip_steered -eq 5
check "the signaling lcore took them off its ring" wait_stat lcores.1.sig_dequeued -eq 5
check "the signaling lcore's UA answered them" wait_stat lcores.1.sip.tx_responses -ge 1
check "nothing was handled on the wrong lcore" test "$(stat lcores.0.sip_processed)" -eq 0
engine_stop
check "engine exits 0 on SIGTERM" test "$RIG_ENGINE_RC" -eq 0
rig_summary
