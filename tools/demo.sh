#!/usr/bin/env bash
# dpvoip demo, on a fresh Debian 12 machine as root: installs what is missing,
# builds, brings up a namespace rig (veth pair; the engine on one end through
# DPDK's af_packet PMD with the shipped startup file, a peer host on the
# other), shows the engine answering, and tears everything down.
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

step "peer: a SIP OPTIONS to $RIG_ENG_IP:5060 and RTP-range UDP to :20000"
ENG_MAC=$(rig_peer_mac)
rig_peer python3 tests/rig/frames.py dpvp0 "$ENG_MAC" "$RIG_PEER_IP" "$RIG_ENG_IP" good_udp_sip 1
rig_peer python3 tests/rig/frames.py dpvp0 "$ENG_MAC" "$RIG_PEER_IP" "$RIG_ENG_IP" rtp 10
wait_stat lcores.*.sip_processed -ge 1 >/dev/null
wait_stat ports.0.counters.rx_rtp -ge 10 >/dev/null

step "dpvoipctl stats"
ctl stats

step "tearing down"
engine_stop
rig_down
trap - EXIT
echo "demo: done"
