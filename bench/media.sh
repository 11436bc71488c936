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
# shellcheck source=bench/lib.sh
source bench/lib.sh
TMP=$BENCH_TMP
RESULTS=$TMP/results
: >"$RESULTS"
ENGINE_PID=

engine_conf() {
	bench_engine_conf "$TMP/engine.conf" "$LINK" '^conf-(.+)$ bridge'
}

# engine_start LOG: a fresh engine, answering its control socket (bounded: 60 s).
engine_start() {
	bench_engine_start "$TMP/engine.conf" "$LINK" "$1" || return 1
	ENGINE_PID=$BENCH_ENGINE_PID
}

engine_stop() {
	bench_engine_stop
	ENGINE_PID=
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
	$(bench_ns "$LINK" g) timeout -k 5 $((SECS + 180)) "$BIN" --no-huge -m 512 --no-pci -l 0 \
		--file-prefix=dpvmg$$ --vdev="$(bench_vdev "$LINK" g)" --log-level=lib.eal:error -- \
		--addr "$BENCH_GEN_IP" --engine "$BENCH_SYS_IP" \
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
		bench_veth_up
		;;
	esac
	engine_conf
	if [ "$LINK" = af_xdp ] && ! engine_start "$TMP/af_xdp-probe.engine"; then
		echo "  af_xdp: the engine cannot open net_af_xdp0 on the veth; its log:"
		tail -8 "$TMP/af_xdp-probe.engine" | sed 's/^/    /'
		bench_veth_down
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
	case "$LINK" in memif) ;; *) bench_veth_down ;; esac
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
