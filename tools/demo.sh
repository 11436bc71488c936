#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# dpvoip demo, on a fresh Debian 12 machine as root: installs what is missing,
# builds, brings up a namespace rig (veth pair; the engine on one end through
# DPDK's af_packet PMD with the shipped startup file, a peer host on the
# other), shows the engine answering ping/ARP, places SIP calls at it with
# SIPp and from it with dpvoipctl, prints the counters, and tears down.
# (Media relay - tone, echo, bridges - comes with the media issue.)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (network namespaces, DPDK)"; exit 1; }
tools/bootstrap.sh
if [ ! -f build/build.ninja ]; then
	meson setup build >/dev/null
fi
ninja -C build >/dev/null
BUILD=$ROOT/build
CONF=$ROOT/engine/dpvoip.conf

source tests/rig/rig.sh
RIG_SOCK=$(awk -F' *= *' '/^socket/{print $2}' "$CONF" | sed 's/ *;.*//')

step() { printf '\n== %s\n' "$*"; }

step "rig: namespaces $RIG_ENG (engine, dpv0) and $RIG_PEER (peer, dpvp0 $RIG_PEER_IP/24)"
rig_up
step "dpvoip --check $CONF"
"$BUILD/engine/dpvoip" -c "$CONF" --check
step "starting the engine with the shipped startup file"
engine_start "$CONF"
echo "engine pid $RIG_ENGINE_PID, control socket $RIG_SOCK"

step "peer: ping $RIG_ENG_IP"
rig_peer ping -c 3 -i 0.2 -W 2 "$RIG_ENG_IP"
step "peer: ARP entry for the engine"
rig_peer ip neigh show "$RIG_ENG_IP"

SIPP=$ROOT/sipp/run.sh
T="$RIG_ENG_IP:5060"
step "SIPp (peer) -> engine: OPTIONS"
rig_peer "$SIPP" uac_options.xml probe "$T" "$RIG_PEER_IP" && echo "200 OK with Allow"
step "SIPp (peer) -> engine: a call to 'tone' (100/180/200 with SDP answer, ACK, BYE)"
rig_peer "$SIPP" uac_basic.xml tone "$T" "$RIG_PEER_IP" && echo "call completed"
step "SIPp (peer) -> engine: a call to 'busy' (dialplan: reject 486)"
rig_peer "$SIPP" uac_reject.xml busy "$T" "$RIG_PEER_IP" && echo "rejected with 486 as the dialplan says"
step "SIPp (peer) -> engine: 50 calls at 25 calls/s"
rig_peer "$SIPP" uac_basic.xml tone "$T" "$RIG_PEER_IP" -m 50 -r 25 && echo "50 calls completed"

step "engine -> SIPp uas (peer): dpvoipctl call originate, sessions, call hangup"
rig_peer timeout 60 sipp -sn uas -i "$RIG_PEER_IP" -p 5060 -m 1 -nostdin -timeout 30s \
	>"$RIG_DIR/uas.log" 2>&1 &
UAS=$!
for _ in $(seq 1 50); do rig_peer ss -uln | grep -q "$RIG_PEER_IP:5060" && break; sleep 0.1; done
ctl call originate "sip:uas@$RIG_PEER_IP:5060"
SID=$(ctl --json sessions | python3 -c 'import json,sys; print(json.load(sys.stdin)["sessions"][0]["id"])')
for _ in $(seq 1 50); do ctl --json sessions | grep -q '"confirmed"' && break; sleep 0.1; done
ctl sessions
ctl call hangup "$SID"
wait "$UAS" && echo "sipp uas: call completed"

step "dpvoipctl stats"
ctl stats

step "tearing down"
engine_stop
rig_down
trap - EXIT
echo "demo: done"
