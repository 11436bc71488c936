#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Bare forwarding path (rx, classify, tx) in packets per second on one lcore:
#   1. memif between two DPDK processes (forwarder = memif server on CPU 1,
#      generator = memif client on CPU 0);
#   2. af_packet on a veth pair whose ends live in two namespaces this script
#      creates and deletes.
# usage (as root): bench/fwd.sh [SECONDS] (default 10; bounded to 600)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
[ "$SECS" -ge 1 ] && [ "$SECS" -le 600 ] || { echo "seconds: 1-600"; exit 2; }
BIN=build/bench/dpv-fwdbench
[ -x "$BIN" ] || { echo "build first: ninja -C build"; exit 1; }
TMP=$(mktemp -d /tmp/dpv-bench.XXXXXX)
NS_A=dpv-bench-a-$$
NS_B=dpv-bench-b-$$
cleanup() {
	set +e
	kill "$FWD" 2>/dev/null
	wait 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
EAL="--no-huge -m 512 --no-pci --log-level=lib.eal:error"

echo "== memif: dpv-fwdbench fwd (server, CPU 1) <-> gen (client, CPU 0), ${SECS}s"
$BIN $EAL -l 1 --file-prefix=dpvbf$$ --vdev=net_memif0,role=server,socket=$TMP/memif.sock \
	-- --mode fwd --seconds $((SECS + 5)) >"$TMP/fwd.log" 2>&1 &
FWD=$!
wait_ready() { for _ in $(seq 1 300); do grep -q 'fwd: ready' "$TMP/fwd.log" && return; sleep 0.1; done; echo "forwarder did not start"; cat "$TMP/fwd.log"; exit 1; }
wait_ready
$BIN $EAL -l 0 --file-prefix=dpvbg$$ --vdev=net_memif0,role=client,socket=$TMP/memif.sock \
	-- --mode gen --seconds "$SECS" | grep -E 'total|returned'
wait "$FWD" || true
grep -E 'total|no packets|cycles' "$TMP/fwd.log"

echo "== af_packet on veth: fwd in $NS_B (CPU 1) <-> gen in $NS_A (CPU 0), ${SECS}s"
ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add bva netns "$NS_A" type veth peer name bvb netns "$NS_B"
for ns_if in "$NS_A:bva" "$NS_B:bvb"; do
	ip netns exec "${ns_if%%:*}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "${ns_if%%:*}" ip link set "${ns_if#*:}" up
done
ip netns exec "$NS_B" $BIN $EAL -l 1 --file-prefix=dpvbf$$ --vdev=net_af_packet0,iface=bvb \
	-- --mode fwd --seconds $((SECS + 5)) >"$TMP/fwd.log" 2>&1 &
FWD=$!
wait_ready
ip netns exec "$NS_A" $BIN $EAL -l 0 --file-prefix=dpvbg$$ --vdev=net_af_packet0,iface=bva \
	-- --mode gen --seconds "$SECS" | grep -E 'total|returned'
wait "$FWD" || true
grep -E 'total|no packets|cycles' "$TMP/fwd.log"
