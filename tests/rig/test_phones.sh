#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Media with real phones: headless baresip 1.0 (Debian's baresip-core) in the peer
# namespace, each sending a WAV tone (aufile) and recording what it plays (sndfile),
# plus a capture on the peer's veth demultiplexed by SSRC. Checked by frequency
# (Goertzel), not by packet counts:
#   a tone call records 440 Hz; an echo call records its own 880 Hz;
#   a 2-party bridge: each phone records the other's tone;
#   a 3-way bridge (440/880/1320 Hz): each phone's port receives exactly the
#     other two tones, one SSRC each (a phone plays one SSRC at a time), while
#     a third host sprays RTP and RTCP at the whole media port range: not one
#     spoofed packet reaches a phone, and every one is counted as a drop;
#   a PCMU phone and a PCMA phone in one bridge record each other's tone;
#   hold: a phone that puts the call on hold (sendonly) is sent nothing while
#     held; resume restores its media;
#   dpvoipctl call originate --bridge: an inbound caller and the auto-answering
#     callee the engine dialled record each other's tone;
#   SIPp's rtp_stream plays a mu-law tone into an echo call and gets it back;
#   call originate --bridge to `sipp -sn uas -rtp_echo`: the inbound phone's
#     tone crosses the bridge both ways, and call hangup ends the SIPp leg;
#   the bridges are gone after the last BYE.
set -euo pipefail
[ -n "${1:-}" ] && BUILD=$1
source "$(dirname "$0")/rig.sh"
PHONES="python3 $RIG_SRC/phones.py"
SPOOF_IP=198.18.0.3
command -v baresip >/dev/null || { echo "baresip not installed (tools/bootstrap.sh installs baresip-core)"; exit 1; }

rig_up
engine_start "$(rig_conf 1 1 "[dialplan]" 'rule = ^conf-(.+)$ bridge' 'rule = ^echo$ echo' \
	'rule = .* tone')"
rig_peer ping -c 1 -W 2 -q "$RIG_ENG_IP" >/dev/null
for f in 440 880 1320; do $PHONES tonewav $f 40 "$RIG_DIR/t$f.wav"; done

# phone NAME SIP_PORT RTP_PORT FREQ CODEC [account params]: a baresip config directory
phone() {
	local d=$RIG_DIR/$1
	mkdir -p "$d/rec"
	cat >"$d/config" <<-CFG
		sip_listen		$RIG_PEER_IP:$2
		sip_transports		udp
		audio_player		aubridge,$1
		audio_source		aufile,$RIG_DIR/t$4.wav
		audio_alert		aubridge,$1
		audio_srate		8000
		audio_channels		1
		rtp_ports		$3-$(($3 + 1))
		rtcp_mux		no
		jitter_buffer_delay	1-10
		module_path		/usr/lib/baresip/modules
		module			g711.so
		module			aufile.so
		module			aubridge.so
		module			sndfile.so
		module_app		account.so
		module_app		menu.so
		module_app		ctrl_tcp.so
		ctrl_tcp_listen		127.0.0.1:$(($2 + 1000))
		snd_path		$d/rec
		net_interface		dpvp0
	CFG
	echo "<sip:$1@$RIG_PEER_IP:$2>;regint=0;audio_codecs=$5${6:+;$6}" >"$d/accounts"
	: >"$d/contacts"
}

# call NAME SECONDS [URI]: run phone NAME for SECONDS (dialling URI if given) in the background
PIDS=()
call() {
	local d=$RIG_DIR/$1
	if [ -n "${3:-}" ]; then
		rig_peer timeout $(($2 + 20)) baresip -f "$d" -e "/dial $3" -t "$2" </dev/null >"$d/log" 2>&1 &
	else
		rig_peer timeout $(($2 + 20)) baresip -f "$d" -t "$2" </dev/null >"$d/log" 2>&1 &
	fi
	PIDS+=($!)
}

# wait for every phone started with call() (bounded by their own timeouts)
hangup_all() {
	local rc=0
	for p in "${PIDS[@]}"; do wait "$p" || rc=1; done
	PIDS=()
	return $rc
}

# ctrl NAME COMMAND [PARAMS]: a baresip command through its ctrl_tcp socket
ctrl_phone() {
	local port
	port=$(awk '/^sip_listen/{split($2, a, ":"); print a[2] + 1000}' "$RIG_DIR/$1/config")
	rig_peer python3 - "$port" "$2" "${3:-}" <<-'PY'
		import json, socket, sys
		msg = json.dumps({"command": sys.argv[2], "params": sys.argv[3], "token": "t"}).encode()
		s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
		s.sendall(b"%d:%s," % (len(msg), msg))
		print(s.recv(4096).decode(errors="replace"))
	PY
}

# a capture on the peer's veth; ip netns exec and timeout exec and forward signals, so $! is
# what capture_stop interrupts
capture_start() {
	ip netns exec "$RIG_PEER" timeout 120 tcpdump -i dpvp0 -n -s 300 -U -w "$RIG_DIR/$1.pcap" \
		udp >/dev/null 2>&1 &
	CAP=$!
	for _ in $(seq 1 50); do [ -s "$RIG_DIR/$1.pcap" ] && break; sleep 0.1; done
}
capture_stop() {
	kill -INT "$CAP" 2>/dev/null
	wait "$CAP" 2>/dev/null || true
}

E="sip:%s@$RIG_ENG_IP"
# shellcheck disable=SC2059
uri() { printf "$E" "$1"; }

phone p1 5082 31000 440 PCMU
call p1 5 "$(uri tone)"
hangup_all || true
check "tone call: the phone recorded the engine's 440 Hz" $PHONES wav 440 "$RIG_DIR/p1/rec"

phone p2 5084 31010 880 PCMU
call p2 5 "$(uri echo)"
hangup_all || true
check "echo call: the phone recorded its own 880 Hz" $PHONES wav 880 "$RIG_DIR/p2/rec"
check "no session left" wait_stat engine.sessions -eq 0

# two phones in one bridge
phone a 5090 31100 440 PCMU
phone b 5092 31110 880 PCMU
call a 6 "$(uri conf-two)"
call b 6 "$(uri conf-two)"
hangup_all || true
check "2-party bridge: A recorded B's 880 Hz" $PHONES wav 880 "$RIG_DIR/a/rec"
check "2-party bridge: B recorded A's 440 Hz" $PHONES wav 440 "$RIG_DIR/b/rec"

# three phones: each port receives exactly the other two tones
phone c1 5100 31200 440 PCMU
phone c2 5102 31210 880 PCMU
phone c3 5104 31220 1320 PCMU
# mid-call, a third host sprays RTP and RTCP at the whole media port range
rig_peer ip addr add "$SPOOF_IP/24" dev dpvp0
capture_start three
# a subscriber sees the third phone join and leave, and the calls end, in order
ctl --json subscribe --count 40 >"$RIG_DIR/events" 2>&1 &
SUB=$!
wait_stat engine.subscribers -eq 1 >/dev/null
call c1 10 "$(uri conf-three)"
call c2 10 "$(uri conf-three)"
check "3-way bridge: two phones in the call" wait_stat engine.sessions -eq 2
# the third joins while the other two talk and leaves 3 s before them (baresip -t)
call c3 5 "$(uri conf-three)"
check "3-way bridge: the third phone joined" wait_stat engine.sessions -eq 3
d0=$(($(stat drops.rtp_bad_source) + $(stat drops.rtp_no_flow)))
sprayed=$(rig_peer $PHONES spray "$SPOOF_IP" "$RIG_ENG_IP" 20000 29999 3 0x5b00f)
d1=$(($(stat drops.rtp_bad_source) + $(stat drops.rtp_no_flow)))
hangup_all || true
capture_stop
# The three phones keep talking during the spray: a packet of theirs that races a flow's
# install or removal lands in the same two counters (once seen in CI: 10,001 for 10,000), so the
# upper bound leaves room for a few of those; double counting would show as twice the spray.
check "spray: the $sprayed spoofed packets were dropped and counted ($((d1 - d0)))" \
	test $((d1 - d0)) -ge $((sprayed * 95 / 100)) -a $((d1 - d0)) -le $((sprayed + 50))
check "spray: not one spoofed packet reached a phone" \
	$PHONES nossrc "$RIG_DIR/three.pcap" "$RIG_PEER_IP" 0x5b00f
kill "$SUB" 2>/dev/null || true
wait "$SUB" 2>/dev/null || true
# member-joined x3, the third's member-left and its session's end before the others' ends
check "subscribe: the third phone joined after the first two, left before them, in order" \
	python3 - "$RIG_DIR/events" <<-'PY'
		import json, sys
		ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{\"event\"")]
		kinds = [(e["event"], e.get("session")) for e in ev if e["event"] != "session"]
		joins = [s for k, s in kinds if k == "member-joined"]
		lefts = [s for k, s in kinds if k == "member-left"]
		ends = [e["session"] for e in ev if e["event"] == "session" and e["state"] == "terminated"]
		print(kinds, ends)
		assert kinds[0] == ("bridge-created", None), kinds
		assert len(joins) == 3 and len(lefts) == 3, (joins, lefts)
		third = joins[2]
		assert lefts[0] == third, "the late joiner leaves first"
		assert ends and ends[0] == third, "its call ends first"
		assert kinds[-1] == ("bridge-destroyed", None), kinds
	PY
check "3-way bridge: the 440 Hz phone receives the 880 and 1320 Hz streams" \
	$PHONES streams "$RIG_DIR/three.pcap" 31200 880 1320
check "3-way bridge: the 880 Hz phone receives the 440 and 1320 Hz streams" \
	$PHONES streams "$RIG_DIR/three.pcap" 31210 440 1320
check "3-way bridge: the 1320 Hz phone receives the 440 and 880 Hz streams" \
	$PHONES streams "$RIG_DIR/three.pcap" 31220 440 880

# a PCMU phone and a PCMA phone
phone u 5110 31300 440 PCMU
phone al 5112 31310 880 PCMA
capture_start laws
call u 6 "$(uri conf-laws)"
call al 6 "$(uri conf-laws)"
hangup_all || true
capture_stop
check "PCMU and PCMA in one bridge: the PCMU phone recorded 880 Hz" $PHONES wav 880 "$RIG_DIR/u/rec"
check "PCMU and PCMA in one bridge: the PCMA phone recorded 440 Hz" $PHONES wav 440 "$RIG_DIR/al/rec"
check "the PCMA phone was sent PCMA (payload type 8)" \
	bash -c "$PHONES streams '$RIG_DIR/laws.pcap' 31310 440 | grep -q 'PT 8,'"

# hold and resume: H holds (sendonly) once media flows, resumes 2 s later; the capture on the
# peer's veth says what reached each phone's port in each phase
phone h 5120 31400 440 PCMU
phone k 5122 31410 880 PCMU
capture_start hold
m0=$(stat 'lcores.*.media.tx_pkts')
call h 14 "$(uri conf-hold)"
call k 14 "$(uri conf-hold)"
check "hold: both phones in the bridge" wait_stat engine.sessions -eq 2
check "hold: media flows to both" wait_stat 'lcores.*.media.tx_pkts' -ge $((m0 + 100))
rq0=$(stat 'lcores.*.sip.rx_requests')
t_hold=$(date +%s.%N)
check "hold: H puts the call on hold" ctrl_phone h hold
check "hold: its re-INVITE and ACK reached the engine" wait_stat 'lcores.*.sip.rx_requests' -ge $((rq0 + 2))
sleep 2 # the hold lasts 2 s, measured below from the capture
t_resume=$(date +%s.%N)
check "resume: H takes the call off hold" ctrl_phone h resume
hangup_all || true
capture_stop
at() { awk -v t="$1" -v d="$2" 'BEGIN { printf "%.6f", t + d }'; }
count() { $PHONES count "$RIG_DIR/hold.pcap" "$@"; }
held=$(count to 31400 "$(at "$t_hold" 0.5)" "$t_resume")
after=$(count to 31400 "$(at "$t_resume" 0.5)" "$(at "$t_resume" 2.5)")
check "hold: nothing reached the held phone while held ($held packets)" test "$held" -eq 0
# (baresip sends nothing while it holds a call: that a held member's stream still reaches the
# others is checked by test_media.sh, whose peer keeps sending)
check "resume: the held phone receives again ($after packets in 2 s)" test "$after" -ge 70
PHONES_AFTER=$(at "$t_resume" 0.5) check "after resume H is sent K's 880 Hz again" \
	$PHONES streams "$RIG_DIR/hold.pcap" 31400 880

# the engine calls out: an inbound caller in bridge "out", the callee dialled into it
phone in 5130 31500 440 PCMU
phone callee 5132 31510 880 PCMU "answermode=auto"
call callee 10
call in 8 "$(uri conf-out)"
wait_stat engine.sessions -eq 1 >/dev/null
check "call originate --bridge out to the auto-answering phone" \
	ctl call originate "sip:callee@$RIG_PEER_IP:5132" --bridge out
hangup_all || true
check "originate: the inbound caller recorded the callee's 880 Hz" $PHONES wav 880 "$RIG_DIR/in/rec"
check "originate: the callee recorded the caller's 440 Hz" $PHONES wav 440 "$RIG_DIR/callee/rec"

# SIPp's own RTP player: rtp_stream plays a raw mu-law 880 Hz file into an echo call
mkdir -p "$RIG_DIR/sipp"
$PHONES toneulaw 880 10 "$RIG_DIR/sipp/tone.ulaw"
capture_start sippstream
SIPP_LOGDIR=$RIG_DIR/sipp check "SIPp streams 880 Hz with rtp_stream into an echo call" \
	rig_peer "$RIG_SRC/../../sipp/run.sh" uac_rtp_stream.xml echo "$RIG_ENG_IP:5060" \
	"$RIG_PEER_IP" -mp 6000
capture_stop
check "echo: SIPp's media port got its 880 Hz stream back" \
	$PHONES streams "$RIG_DIR/sippstream.pcap" 6000 880

# the engine calls out to `sipp -sn uas -rtp_echo` into the bridge of an inbound phone: the
# phone's 440 Hz crosses the bridge, SIPp sends it back, and the phone records it
phone q 5140 31600 440 PCMU
rig_peer timeout 60 sipp -sn uas -i "$RIG_PEER_IP" -p 5070 -mi "$RIG_PEER_IP" -mp 6100 \
	-rtp_echo -m 1 -nostdin -timeout 50s -timeout_error >"$RIG_DIR/uas.log" 2>&1 &
UAS=$!
check "sipp -sn uas listens" bash -c "for i in \$(seq 1 50); do ip netns exec '$RIG_PEER' ss -uln |
	grep -q '$RIG_PEER_IP:5070' && exit 0; sleep 0.1; done; exit 1"
call q 7 "$(uri conf-sx)"
check "the inbound phone is in" wait_stat engine.sessions -eq 1
out=$(ctl --json call originate "sip:uas@$RIG_PEER_IP:5070" --bridge sx)
sid=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"])')
check "call originate --bridge sx to sipp -sn uas ($sid)" test -n "$sid"
hangup_all || true
check "the phone recorded its own 440 Hz, sent back by SIPp through the bridge" \
	$PHONES wav 440 "$RIG_DIR/q/rec"
check "call hangup ends the SIPp leg" ctl call hangup "$sid"
check "sipp -sn uas saw its one call through (BYE answered)" wait "$UAS"

check "no session left after the phones hung up" wait_stat engine.sessions -eq 0
check "no bridge left" wait_stat engine.bridges -eq 0
engine_stop
check "engine exits 0 on SIGTERM" test "$RIG_ENGINE_RC" -eq 0
rig_summary
