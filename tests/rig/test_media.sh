#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The media plane with real peers: SIPp places the calls (sipp/uac_media*.xml,
# which write the engine's answered RTP port to a file), tests/rig/rtp_peer.py
# sends and records G.711 RTP in the peer namespace, tests/rig/rtp_check.py
# checks what arrived. Tone in both laws (pacing, sequence, the 440 Hz tone,
# silence after BYE), echo, 2- and 3-party bridges, a PCMU/PCMA bridge, hold
# and resume in a bridge, strict latching against spoofed sources, the flood
# budget, and the media timeout (a second engine, media-timeout-s = 2).
# Peers: 198.18.0.2 (SIP ports 5060, 5062, ...) and 198.18.0.3 (a spoofer).
set -euo pipefail
[ -n "${1:-}" ] && BUILD=$1
source "$(dirname "$0")/rig.sh"
SIPP="$RIG_SRC/../../sipp/run.sh"
T="$RIG_ENG_IP:5060"
SPOOF_IP=198.18.0.3
FLOOD_PPS=100
FLOOD_BURST=20
RULES=('[dialplan]' 'rule = ^conf-(.+)$ bridge' 'rule = ^echo$ echo' 'rule = .* tone')
PIDS=()
QUEUE=()

rig_up
rig_peer ip addr add "$SPOOF_IP/24" dev dpvp0
engine_start "$(rig_conf 1 1 "[rtp]" "flood-pps = $FLOOD_PPS" "flood-burst = $FLOOD_BURST" \
	"${RULES[@]}")"
rig_peer ping -c 1 -W 2 -q "$RIG_ENG_IP" >/dev/null

codec() { if [ "$1" -eq 0 ]; then echo PCMU; else echo PCMA; fi; }

# sip_call NAME SERVICE SIP_PORT RTP_PORT PT PAUSE_MS [SCENARIO]: a SIPp call in the background;
# its log $RIG_DIR/NAME.log gets the engine's port and the times of events (bye, hold, ...).
sip_call() {
	local name=$1 svc=$2 sport=$3 rport=$4 pt=$5 d=$6 scen=${7:-uac_media.xml}
	mkdir -p "$RIG_DIR/sipp-$name"
	SIPP_LOGDIR="$RIG_DIR/sipp-$name" rig_peer "$SIPP" "$scen" "$svc" "$T" "$RIG_PEER_IP" \
		-p "$sport" -d "$d" -key rtp_port "$rport" -key pt "$pt" -key codec "$(codec "$pt")" \
		-trace_logs -log_file "$RIG_DIR/$name.log" >"$RIG_DIR/$name.sipp" 2>&1 &
	PIDS+=("$!")
}

# rtp NAME CALL LOCAL_IP:PORT [rtp_peer.py args]: an RTP peer to call CALL's engine port in the
# background, recording to $RIG_DIR/NAME.json.
rtp() {
	local name=$1 of=$2 local=$3
	shift 3
	rig_peer timeout 60 python3 "$RIG_SRC/rtp_peer.py" --local "$local" \
		--engine-ip "$RIG_ENG_IP" --port-file "$RIG_DIR/$of.log" \
		--out "$RIG_DIR/$name.json" "$@" >"$RIG_DIR/$name.rtp" 2>&1 &
	PIDS+=("$!")
}

# bound IP:PORT: wait (bounded, 5 s) until a peer listens there.
bound() {
	for _ in $(seq 1 50); do
		rig_peer ss -Hnlu "src $1" | grep -q . && return 0
		sleep 0.1
	done
	echo "nothing bound to $1"
	return 1
}

# call NAME SERVICE SIP_PORT RTP_PORT PT PAUSE_MS [rtp_peer.py args]: the RTP peer now, the
# SIPp call queued for run_calls (so that it starts once the peer listens). SCEN overrides the
# scenario.
call() {
	local name=$1 svc=$2 sport=$3 rport=$4 pt=$5 d=$6
	shift 6
	rtp "$name" "$name" "$RIG_PEER_IP:$rport" --pt "$pt" "$@"
	QUEUE+=("$name $svc $sport $rport $pt $d ${SCEN:-uac_media.xml}")
}

# Start the queued SIPp calls together once their RTP peers listen, then wait for every
# background peer (each is bounded by its own timeout); fails when any failed.
run_calls() {
	local rc=0 p q
	for q in "${QUEUE[@]}"; do
		read -r -a p <<<"$q"
		bound "$RIG_PEER_IP:${p[3]}" || rc=1
	done
	for q in "${QUEUE[@]}"; do
		read -r -a p <<<"$q"
		sip_call "${p[@]}"
	done
	QUEUE=()
	for p in "${PIDS[@]}"; do
		wait "$p" || rc=1
	done
	PIDS=()
QUEUE=()
	if [ $rc -ne 0 ]; then
		tail -n 20 "$RIG_DIR"/*.sipp "$RIG_DIR"/*.rtp 2>/dev/null
	fi
	return $rc
}

rtp_check() { python3 "$RIG_SRC/rtp_check.py" "$@"; }
J() { echo "$RIG_DIR/$1"; } # what rtp_check.py takes: the records of call $1

# ---- tone, in each law ----
for pt in 0 8; do
	n=tone$pt
	call "$n" tone 5060 40000 "$pt" 2000 --ssrc 0x7000 --send-s 2.2 --listen-s 3.6
	check "tone $(codec "$pt"): SIPp call and RTP peer done" run_calls
	what="from the SDP port, PT $pt, 160 bytes, seq +1, ts +160, 1 SSRC, 440 Hz,"
	check "tone $(codec "$pt"): $what gaps p50 20+-1 ms, nothing after BYE" \
		rtp_check tone "$(J "$n")" "$pt"
done

# ---- echo ----
call echo echo 5060 40010 0 2000 --ssrc 0x7100 --send-s 2.0 --listen-s 2.4
check "echo: SIPp call and RTP peer done" run_calls
check "echo: RTP comes back unchanged (payload, SSRC, seq, ts) from the engine's port" \
	rtp_check echo "$(J echo)"

# ---- bridges ----
call b2a conf-two 5060 40100 0 3000 --ssrc 0x7201 --send-s 3.3 --listen-s 3.7
call b2b conf-two 5062 40110 0 3000 --ssrc 0x7202 --send-s 3.3 --listen-s 3.7
check "2-party bridge: both calls and RTP peers done" run_calls
check "2-party bridge: each gets the other's stream untouched, never its own" \
	rtp_check bridge "$(J b2a)" "$(J b2b)"

call b3a conf-three 5060 40200 0 3000 --ssrc 0x7301 --send-s 3.3 --listen-s 3.7
call b3b conf-three 5062 40210 0 3000 --ssrc 0x7302 --send-s 3.3 --listen-s 3.7
call b3c conf-three 5064 40220 0 3000 --ssrc 0x7303 --send-s 3.3 --listen-s 3.7
check "3-way bridge: three calls and RTP peers done" run_calls
check "3-way bridge: each member gets exactly the other two streams" \
	rtp_check bridge "$(J b3a)" "$(J b3b)" "$(J b3c)"

call mxu conf-mix 5060 40300 0 3000 --ssrc 0x7401 --send-s 3.3 --listen-s 3.7
call mxa conf-mix 5062 40310 8 3000 --ssrc 0x7402 --send-s 3.3 --listen-s 3.7
check "PCMU/PCMA bridge: both calls and RTP peers done" run_calls
check "PCMU/PCMA bridge: each gets the other's payload G.711-converted, PT rewritten" \
	rtp_check bridge "$(J mxu)" "$(J mxa)"

# ---- hold and resume in a bridge: the held member's re-INVITEs after 1.5 s and 3 s ----
SCEN=uac_media_hold.xml call hld conf-hold 5060 40400 0 1500 --ssrc 0x7501 --send-s 5.0 \
	--listen-s 5.4
call hlo conf-hold 5062 40410 0 5000 --ssrc 0x7502 --send-s 5.0 --listen-s 5.4
check "hold: re-INVITE sendonly answered recvonly, resume answered sendrecv, peers done" run_calls
check "hold: the held member gets nothing, its stream still reaches the other; resumed" \
	rtp_check hold "$(J hld)" "$(J hlo)"

# ---- strict latching: the same port from another source port, and from another IP ----
bad0=$(stat drops.rtp_bad_source)
call spf echo 5060 40500 0 3000 --ssrc 0x7601 --send-s 3.2 --listen-s 3.6
rtp spf-port spf "$RIG_PEER_IP:40502" --ssrc 0x7602 --send-s 2.0 --listen-s 2.6 --no-rtcp
rtp spf-ip spf "$SPOOF_IP:40500" --ssrc 0x7603 --send-s 2.0 --listen-s 2.6 --no-rtcp
check "spoof: the call and the three RTP peers done" run_calls
check "spoof: the latched stream still echoes, the spoofers get nothing" \
	rtp_check spoof "$(J spf)" "$(J spf-port)" "$(J spf-ip)"
spoofed=$(($(rtp_check count "$(J spf-port)" sent) + $(rtp_check count "$(J spf-ip)" sent)))
bad=$(($(stat drops.rtp_bad_source) - bad0))
check "spoof: drop_rtp_bad_source counted the $spoofed spoofed packets ($bad)" \
	test "$bad" -ge $((spoofed * 95 / 100)) -a "$bad" -le "$spoofed"

# ---- flood: 400 packets/s to an echo call whose port takes $FLOOD_PPS ----
fl0=$(stat drops.rtp_flood)
call fld echo 5060 40600 0 3000 --ssrc 0x7701 --pps 400 --send-s 2.0 --listen-s 2.6
check "flood: the call and its RTP peer done" run_calls
check "flood: the source is held to flood-pps $FLOOD_PPS (burst $FLOOD_BURST)" \
	rtp_check flood "$(J fld)" "$FLOOD_PPS" "$FLOOD_BURST"
sent=$(rtp_check count "$(J fld)" sent)
back=$(rtp_check count "$(J fld)" recv)
fl=$(($(stat drops.rtp_flood) - fl0))
check "flood: drop_rtp_flood counted what was not echoed ($fl of $sent sent, $back echoed)" \
	test $((fl + back)) -ge $((sent * 98 / 100)) -a $((fl + back)) -le "$sent"
check "no session left after the media calls" wait_stat engine.sessions -eq 0

# ---- media timeout: a second engine with media-timeout-s = 2 ----
ctl --json stats >"$RIG_DIR/stats-1.json"
engine_stop
check "engine exits 0 on SIGTERM" test "$RIG_ENGINE_RC" -eq 0
engine_start "$(rig_conf 1 1 "[rtp]" "media-timeout-s = 2" "${RULES[@]}")"
to0=$(stat 'lcores.*.sig.media_timeouts')
SCEN=uac_media_timeout.xml call mto echo 5060 40700 0 0 --send-s 0 --listen-s 0
call mlv echo 5062 40710 0 4000 --ssrc 0x7801 --send-s 4.4 --listen-s 4.6
check "media timeout: the engine ends a silent call with a BYE; one that sends RTP outlives it" \
	run_calls
check "media timeout: its BYE came 2-4 s after the INVITE (ports are scanned every 1 s)" \
	rtp_check between "$(J mto)" invite bye 2.0 4.0
check "media timeout: the echo call's RTP came back" rtp_check echo "$(J mlv)"
check "media timeout: media_timeouts counted one" \
	wait_stat 'lcores.*.sig.media_timeouts' -eq $((to0 + 1))
check "no session left after the timeout" wait_stat engine.sessions -eq 0
ctl --json stats >"$RIG_DIR/stats-2.json"
rig_summary
