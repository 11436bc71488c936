#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Media relay on one media lcore: the real engine (build/engine/dpvoip, media and signaling on
# CPU 1, main lcore on CPU 0) against rtpgen (CPU 0), which places SIP calls into the
# engine's dialplan bridges and sends RTP through them. Per link:
#   memif     engine = memif server, rtpgen = client, both in this namespace;
#   af_packet on a veth pair between two namespaces this script creates and deletes;
#   af_xdp    the same veth pair through AF_XDP sockets (when the PMD and kernel allow it).
# Cases, each with a fresh engine: 2-party calls, bridges of 3, 10 and 32 members at the
# highest rate the link takes; then 2-party calls at 50 packets/s per stream, N stepped up
# until a step loses a packet or fails a call (the port pool ends the list: 13883 calls).
# usage (as root): bench/media.sh [SECONDS] (default 5; bounded to 120)
#   MEDIA_LINKS="memif af_packet af_xdp" and MEDIA_STEPS="100 500 ..." narrow a run.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-5}
[ "$SECS" -ge 1 ] && [ "$SECS" -le 120 ] || { echo "seconds: 1-120"; exit 2; }
LINKS=${MEDIA_LINKS:-memif af_packet af_xdp}
STEPS=${MEDIA_STEPS:-100 500 1000 2000 5000 10000 13800}
BIN=build/bench/rtpgen
ENG=build/engine/dpvoip
CTL=build/tools/dpvoipctl
for b in "$BIN" "$ENG" "$CTL"; do [ -x "$b" ] || { echo "build first: ninja -C build"; exit 1; }; done
TMP=$(mktemp -d /tmp/dpv-media.XXXXXX)
NS_E=dpv-me-e-$$
NS_G=dpv-me-g-$$
ENGINE_PID=
RESULTS=$TMP/results
: >"$RESULTS"

engine_stop() {
	[ -n "$ENGINE_PID" ] || return 0
	kill -TERM "$ENGINE_PID" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$ENGINE_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$ENGINE_PID" 2>/dev/null || true
	wait "$ENGINE_PID" 2>/dev/null || true
	ENGINE_PID=
}
veth_down() {
	ip netns del "$NS_E" 2>/dev/null || true
	ip netns del "$NS_G" 2>/dev/null || true
}
cleanup() {
	set +e
	engine_stop
	veth_down
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

veth_up() {
	ip netns add "$NS_E"
	ip netns add "$NS_G"
	ip link add mve netns "$NS_E" type veth peer name mvg netns "$NS_G"
	for ns_if in "$NS_E:mve" "$NS_G:mvg"; do
		ip netns exec "${ns_if%%:*}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "${ns_if%%:*}" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		ip netns exec "${ns_if%%:*}" ip link set "${ns_if#*:}" up
	done
}

# vdev LINK SIDE: the EAL --vdev of the engine (e) or the generator (g) on LINK. Rings of 4096
# frames everywhere (memif rsize=12, af_packet framecnt=4096, af_xdp rx/tx-desc 4096), as a
# NIC's: the zero-loss steps must ride out the ms the shared VM takes an lcore away.
vdev() {
	case "$1:$2" in
	memif:e) echo "net_memif0,role=server,socket=$TMP/memif.sock,rsize=12" ;;
	memif:g) echo "net_memif0,role=client,socket=$TMP/memif.sock,rsize=12" ;;
	af_packet:e) echo "net_af_packet0,iface=mve,framecnt=4096" ;;
	af_packet:g) echo "net_af_packet0,iface=mvg,framecnt=4096" ;;
	af_xdp:e) echo "net_af_xdp0,iface=mve" ;;
	af_xdp:g) echo "net_af_xdp0,iface=mvg" ;;
	esac
}
# ns SIDE: the command prefix that runs in the side's namespace (veth links; memif: here)
ns() {
	case "$LINK:$1" in
	memif:*) ;;
	*:e) echo "ip netns exec $NS_E" ;;
	*:g) echo "ip netns exec $NS_G" ;;
	esac
}

engine_conf() {
	cat >"$TMP/engine.conf" <<EOF
[dpdk]
eal = --no-huge -m 2048 --no-pci --file-prefix=dpvme$$ --vdev=$(vdev "$LINK" e) --log-level=lib.eal:error
rx-desc = 4096
tx-desc = 4096
[cpu]
main-core = 0
corelist-media = 1
corelist-signaling = 1
idle-sleep-us = 0
[port0]
address = 198.18.0.1/24
[sip]
max-transactions = 131072
[rtp]
; the engine's whole pool on its one signaling lcore: 27767 ports, 13883 two-party calls
port-min = 10000
port-max = 65534
; the per-port flood budget far above any stream here, so it never caps the benchmark
flood-pps = 1000000
flood-burst = 100000
media-mbufs = 65536
; calls are silent while thousands are set up: no media timeout
media-timeout-s = 0
[bridge]
max-bridges = 16384
[dialplan]
rule = ^conf-(.+)\$ bridge
[control]
socket = $TMP/ctl.sock
EOF
}

# engine_start LOG: a fresh engine, answering its control socket (bounded: 60 s).
engine_start() {
	rm -f "$TMP/ctl.sock" "$TMP/memif.sock"
	# shellcheck disable=SC2046 # the prefix is words
	$(ns e) "$ENG" -c "$TMP/engine.conf" >"$1" 2>&1 &
	ENGINE_PID=$!
	for _ in $(seq 1 600); do
		"$CTL" -s "$TMP/ctl.sock" --json stats >/dev/null 2>&1 && return 0
		kill -0 "$ENGINE_PID" 2>/dev/null || break
		sleep 0.1
	done
	ENGINE_PID=
	return 1
}

# run_case NAME ARGS...: one fresh engine, one rtpgen run; its RESULT line goes to
# $RESULTS with the case name. @return 1 when the engine or the generator failed.
run_case() {
	local name=$1 log="$TMP/$LINK-$1" rc=0
	shift
	if ! engine_start "$log.engine"; then
		echo "  $name: the engine did not start:"
		tail -5 "$log.engine" | sed 's/^/    /'
		return 1
	fi
	# setup (30 s + 2 ms per member at most), load, drain, teardown (10 s + 2 ms per member)
	# shellcheck disable=SC2046,SC2086
	$(ns g) timeout -k 5 $((SECS + 180)) "$BIN" --no-huge -m 512 --no-pci -l 0 \
		--file-prefix=dpvmg$$ --vdev="$(vdev "$LINK" g)" --log-level=lib.eal:error -- \
		--label "$LINK" --seconds "$SECS" --ctl "$TMP/ctl.sock" --ctl-tool "$CTL" \
		--engine-pid "$ENGINE_PID" $WINDOW "$@" \
		>"$log.gen" 2>&1 || rc=$?
	engine_stop
	# status 1 is a completed run that lost packets or calls: the RESULT line says how many
	if [ "$rc" -gt 1 ] || ! grep -q '^RESULT' "$log.gen"; then
		echo "  $name: rtpgen failed (status $rc):"
		tail -5 "$log.gen" | sed 's/^/    /'
		return 1
	fi
	grep -E '^(setup|load|teardown):' "$log.gen" | sed 's/^/    /'
	echo "$(grep '^RESULT' "$log.gen") case=$name" >>"$RESULTS"
	return 0
}

field() { # RESULT-line KEY
	tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'
}

for LINK in $LINKS; do
	echo "== $LINK: engine (CPU 1) <-> rtpgen (CPU 0), ${SECS}s per case"
	# max rate runs a closed loop (rtpgen --window): memif answers in microseconds; the
	# veth paths queue in the kernel for milliseconds
	case "$LINK" in
	memif) WINDOW="--window 1024 --stall-ms 2" ;;
	*)
		WINDOW="--window 256 --stall-ms 20"
		veth_up
		;;
	esac
	engine_conf
	if [ "$LINK" = af_xdp ] && ! engine_start "$TMP/af_xdp-probe.engine"; then
		echo "  af_xdp: the engine cannot open net_af_xdp0 on the veth; its log:"
		tail -8 "$TMP/af_xdp-probe.engine" | sed 's/^/    /'
		veth_down
		continue
	fi
	engine_stop
	run_case calls --calls 100 --rate max || true
	run_case b3 --bridges 20 --members 3 --rate max || true
	run_case b10 --bridges 6 --members 10 --rate max || true
	run_case b32 --bridges 2 --members 32 --rate max || true
	for n in $STEPS; do
		run_case "50pps-$n" --calls "$n" --pps 50 || break
		line=$(grep " case=50pps-$n\$" "$RESULTS" | tail -1)
		if [ "$(field "$line" received)" != "$(field "$line" expected)" ] ||
			[ "$(field "$line" calls_failed)" != 0 ]; then
			echo "  50 pps: $n calls lost packets or calls: the step ends here"
			break
		fi
	done
	case "$LINK" in memif) ;; *) veth_down ;; esac
done

echo
echo "== media relay, one media lcore (engine CPU 1), ${SECS}s per case"
printf '%-9s %-11s %7s %10s %10s %9s %8s %9s %6s %7s %7s %9s %5s  %s\n' link case streams \
	"in pps" "out pps" "loss %" "p50 us" "p99 us" "eng %" "cyc/in" "cyc/out" "relay/out" \
	"gen %" "engine drops"
while read -r line; do
	printf '%-9s %-11s %7s %10s %10s %9s %8s %9s %6s %7s %7s %9s %5s  %s\n' \
		"$(field "$line" link)" "$(field "$line" case)" "$(field "$line" streams)" \
		"$(field "$line" tx_pps)" "$(field "$line" rx_pps)" "$(field "$line" loss_pct)" \
		"$(field "$line" lat_p50_us)" "$(field "$line" lat_p99_us)" \
		"$(field "$line" eng_busy_pct)" "$(field "$line" eng_cyc_in)" \
		"$(field "$line" eng_cyc_out)" "$(field "$line" relay_cyc_out)" \
		"$(field "$line" gen_busy_pct)" "$(field "$line" drops)"
done <"$RESULTS"
echo
echo "raw:"
cat "$RESULTS"
