#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The engine on af_packet in a namespace rig answers ARP and ping, steers SIP
# to a signaling lcore and RTP-range UDP to a media lcore, and counts every
# malformed frame under its own drop cause. Runs the 2-core layout: main-core
# 0, one worker on CPU 1 with both roles.
set -euo pipefail
[ -n "${1:-}" ] && BUILD=$1
source "$(dirname "$0")/rig.sh"

rig_up
engine_start "$(rig_conf 1 1)"

check "peer pings the engine" rig_peer ping -c 3 -i 0.2 -W 2 -q "$RIG_ENG_IP"
ENG_MAC=$(rig_peer_mac)
check "peer resolved the engine by ARP" test -n "$ENG_MAC"
check "ARP request counted" wait_stat ports.0.counters.rx_arp -ge 1
check "ARP reply sent" wait_stat ports.0.counters.tx_arp_reply -ge 1
check "3 echo replies sent" wait_stat ports.0.counters.tx_icmp_reply -eq 3
check "peer learned into the engine's ARP cache" wait_stat ports.0.counters.arp_learned -ge 1

send() { rig_peer python3 "$RIG_SRC/frames.py" dpvp0 "$ENG_MAC" "$RIG_PEER_IP" "$RIG_ENG_IP" "$1" "$2"; }

send good_udp_sip 5
check "SIP on port 5060 reaches the signaling lcore" wait_stat lcores.*.sip_processed -eq 5
check "SIP counted on the port" wait_stat ports.0.counters.rx_sip -eq 5

send rtp 7
check "UDP to the RTP range reaches the media lcore" wait_stat ports.0.counters.rx_rtp -eq 7
check "RTP with no flow dropped under its cause" wait_stat drops.rtp_no_flow -eq 7

# No fragment case here: the af_packet PMD joins a PACKET_FANOUT group with the DEFRAG flag, so
# the kernel holds a lone fragment for reassembly and never delivers it (test_net covers ip_frag).
for kind_cause in bad_ip_cksum:ip_cksum short_ip:short_frame bad_ihl:ip_hdr_len bad_ip_version:ip_version \
	ip_len_over:ip_len not_ours:ip_not_ours bad_udp_len:udp_len \
	bad_udp_cksum:udp_cksum udp_closed_port:udp_port; do
	kind=${kind_cause%%:*}
	cause=${kind_cause#*:}
	before=$(stat "drops.$cause")
	send "$kind" 4
	check "$kind: 4 frames dropped as $cause" wait_stat "drops.$cause" -eq $((before + 4))
done
check "no malformed frame reached SIP" wait_stat lcores.*.sip_processed -eq 5

check "engine still answers ping after bad input" rig_peer ping -c 1 -W 2 -q "$RIG_ENG_IP"
engine_stop
check "engine exits 0 on SIGTERM" test "$RIG_ENGINE_RC" -eq 0
rig_summary
