#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The engine starts, answers its control socket and stops cleanly on other PMDs than af_packet:
# null, tap (with its kernel side in the engine's namespace), pcap (reading a capture file and
# writing one) and memif (server with no peer). Each runs in a namespace of its own.
set -euo pipefail
[ -n "${1:-}" ] && BUILD=$1
source "$(dirname "$0")/rig.sh"

ip netns add "$RIG_ENG"
trap 'engine_stop; ip netns del "$RIG_ENG" 2>/dev/null; rm -rf "$RIG_DIR"' EXIT
ip netns exec "$RIG_ENG" ip link set lo up

# A capture with one ARP request for the engine, for the pcap PMD to replay.
python3 - "$RIG_DIR/in.pcap" <<'PY'
import struct, sys
arp = (b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x06" +
       struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + b"\x02\x00\x00\x00\x00\x02" +
       bytes([198, 18, 0, 2]) + b"\x00" * 6 + bytes([198, 18, 0, 1]))
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack("<IIII", 0, 0, len(arp), len(arp)) + arp)
PY

pmd_run() { # name vdev
	local conf
	conf=$(rig_conf 1 1)
	sed -i "s|--vdev=net_af_packet0,iface=dpv0|--vdev=$2|" "$conf"
	check "$1: engine starts" engine_start "$conf"
	check "$1: stats name the port" bash -c "'$BUILD/tools/dpvoipctl' -s '$RIG_SOCK' --json stats | grep -q '\"name\":\"${2%%,*}\"'"
	engine_stop
	check "$1: engine exits 0 on SIGTERM" test "$RIG_ENGINE_RC" -eq 0
}

pmd_run null "net_null0"
pmd_run tap "net_tap0,iface=dpvtap0"
pmd_run pcap "net_pcap0,rx_pcap=$RIG_DIR/in.pcap,tx_pcap=$RIG_DIR/out.pcap"
check "pcap: the replayed ARP request was answered into the output capture (one 42-byte frame)" \
	test "$(wc -c <"$RIG_DIR/out.pcap")" -eq $((24 + 16 + 42))
pmd_run memif "net_memif0,role=server,socket=$RIG_DIR/memif.sock"
rig_summary
