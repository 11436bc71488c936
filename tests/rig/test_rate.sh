#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Signaling at rate on the shipped pool settings: SIPp's built-in uac places 10,000 calls/s
# for 10 s with no hold time (-d 0) against the engine on af_packet, whose [sip] pools are the
# shipped defaults (EAL memory raised to 1 GB, a 20,000-port RTP range, as a user sizing for
# that rate would): every call completes, no 503, no transaction pool exhaustion, and once
# the calls are over the sessions are gone at once (compact records hold the 64*T1 tails).
set -euo pipefail
[ -n "${1:-}" ] && BUILD=$1
source "$(dirname "$0")/rig.sh"
RATE=${RATE_CPS:-10000}
SECS=${RATE_SECS:-10}
CALLS=$((RATE * SECS))

rig_up
RIG_MEM=1024 engine_start "$(rig_conf 1 1 "[rtp]" "port-min = 20000" "port-max = 39999" \
	"[dialplan]" 'rule = .* echo')"
rig_peer ping -c 1 -W 2 -q "$RIG_ENG_IP" >/dev/null
# SIPp on the other CPU, its socket buffers large enough for the rate (peers.md)
(cd "$RIG_DIR" && rig_peer timeout -k 5 $((SECS + 120)) taskset -c 0 sipp "$RIG_ENG_IP:5060" \
	-sn uac -s echo -i "$RIG_PEER_IP" -p 5060 -r "$RATE" -m "$CALLS" -d 0 \
	-buff_size 4194304 -timeout $((SECS + 90))s -timeout_error -nostdin \
	-trace_stat -stf stat.csv -fd 1 >"$RIG_DIR/sipp.log" 2>&1) || true
read -r ok failed retrans < <(python3 - "$RIG_DIR/stat.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter=";"))
last = rows[-1] if rows else {}
print(*(last.get(k, "0") or "0" for k in ("SuccessfulCall(C)", "FailedCall(C)", "Retransmissions(C)")))
PY
)
echo "  sipp: $ok successful, $failed failed, $retrans retransmissions of $CALLS"
check "$CALLS calls at $RATE calls/s with -d 0: every one completed" test "$ok" -eq "$CALLS" -a "$failed" -eq 0
check "no 503 and no buffer shortage (overload_503 $(stat lcores.0.sip.overload_503), no_buffer $(stat lcores.0.sip.no_buffer))" \
	test "$(stat lcores.0.sip.overload_503)" -eq 0 -a "$(stat lcores.0.sip.no_buffer)" -eq 0
check "every finished transaction became a compact record (2 per call: $(stat lcores.0.sip.tx_compacted))" \
	test "$(stat lcores.0.sip.tx_compacted)" -ge $((2 * CALLS))
check "the sessions are gone right after the calls" wait_stat engine.sessions -eq 0
# DPDK telemetry carries the same tables: the signaling lcore's records and compactions
tel_compacted=$(python3 - "/var/run/dpdk/dpv$RIG_ID/dpdk_telemetry.v2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect(sys.argv[1])
json.loads(s.recv(16384))  # the greeting
s.send(b"/dpvoip/lcores,1")
print(json.loads(s.recv(65536))["/dpvoip/lcores"]["sip_tables"]["compacted"])
PY
) || tel_compacted=
check "telemetry's /dpvoip/lcores,1 shows the compacted transactions ($tel_compacted)" \
	test "${tel_compacted:-0}" -ge $((2 * CALLS))
rig_summary
