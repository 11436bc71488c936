#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Side-by-side benchmarks: dpvoip against Kamailio (complete calls/s) and rtpengine (relayed
# RTP packets/s at 1,000 sessions), same rig, same generators, each system pinned to one CPU
# ($BENCH_SYS_CPU, default 1) and the generator to the other ($BENCH_GEN_CPU, default 0).
#
#   bench/run.sh list            the benchmark names
#   bench/run.sh NAME...         run those; CSV in $OUT (default bench/results), plots
#   bench/run.sh all             every benchmark, then the tables of bench/RESULTS.md
#                                (between the run.sh markers) rewritten from the CSV
#   bench/run.sh report          only the tables and plots, from the CSV already there
#   bench/run.sh smoke [NAME...] one short trial of each at a low rate (tests/rig/test_bench.sh)
#   bench/run.sh fixed NAME RATE [COUNT]  COUNT (1) trials of one benchmark at one rate, in
#                                $OUT/NAME-fixed.csv (SIP: with sipgen's summary after each)
#
# Each benchmark runs $RUNS times (default 3): a search for the highest rate that passes (SIP:
# every call answered and ended, no retransmission; RTP: no packet lost after the warm-up)
# with trials of $TRIAL seconds (default 3), each trial on a fresh system (rtpengine disables
# a socket for good once overrun, so a trial must not inherit the last one's state); then one
# trial at 50 % and one at 90 % of that run's rate for the latency figures. Every trial is one
# CSV row; report.py takes medians and spreads over the runs.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
# the SIP benchmarks' memif rings: 16384 slots each way (bench/lib.sh, bench_vdev)
: "${SIP_MEMIF_RSIZE:=14}"

: "${RUNS:=3}"
: "${TRIAL:=3}"
: "${OUT:=$BENCH_ROOT/bench/results}"
# RTP: sessions of two streams each, 172-byte RTP (214-byte frames)
: "${RTP_SESSIONS:=1000}"
SIPGEN=${SIPGEN:-$BUILD/bench/sipgen}
RTPGEN=$BUILD/bench/rtpgen

BENCHES=(
	"sip-dpvoip-memif        sip  dpvoip   memif     sipgen -> dpvoip engine, one signaling lcore"
	"sip-dpvoip-af_packet    sip  dpvoip   af_packet sipgen -> dpvoip engine on af_packet (veth)"
	"sip-sipp-dpvoip         sip  dpvoip   sipp      SIPp (kernel socket) -> dpvoip on af_packet"
	"sip-kamailio-af_xdp     sip  kamailio af_xdp    sipgen on af_xdp -> Kamailio tm (kernel socket)"
	"sip-kamailio-af_packet  sip  kamailio af_packet sipgen on af_packet -> Kamailio tm"
	"rtp-dpvoip-memif        rtp  dpvoip   memif     rtpgen -> dpvoip, one media lcore"
	"rtp-dpvoip-af_xdp       rtp  dpvoip   af_xdp    rtpgen on af_xdp -> dpvoip on af_xdp"
	"rtp-dpvoip-af_packet    rtp  dpvoip   af_packet rtpgen on af_packet -> dpvoip on af_packet"
	"rtp-rtpengine-af_xdp    rtp  rtpengine af_xdp   rtpgen on af_xdp -> rtpengine --table=-1"
)

field() { # RESULT-line KEY
	tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { v = $2 } END { print v }'
}


# ---- one trial per (kind, system, link, rate): prints one CSV row, returns 0 when it passed

# load: the 1-minute load average when the trial started (the VM is shared); engine_drops: the
# engine's drop counters that moved during the trial ("name:count;...", "none"; empty for the
# other systems); sys_ns_per_ok: the system's time per completed call (SIP) or relayed packet
# (RTP), its CPU time (a kernel peer) or its lcores' busy cycles (the engine, which busy-polls)
# over the whole trial, generator start to exit, divided by the calls or packets that made it
CSV_HEAD="run,phase,rate,sent,ok,failed,loss_pct,p50_us,p99_us,p999_us,max_us,gen_busy_pct,sys_cpu_pct,retrans,pass,load,engine_drops,sys_ns_per_ok"

# row RUN PHASE RATE RESULT-LINE SYS_CPU PASS LOAD DROPS NS_PER_OK: the CSV row of a trial
row() {
	local r=$4
	echo "$1,$2,$3,$(field "$r" sent),$(field "$r" ok),$(field "$r" failed),$(field "$r" loss_pct),$(field "$r" p50_us),$(field "$r" p99_us),$(field "$r" p999_us),$(field "$r" max_us),$(field "$r" gen_busy_pct),$5,$(field "$r" retrans),$6,$7,$8,$9"
}

# sys_start KIND SYSTEM LINK: a fresh system under test; sets SYS_PID (whose CPU is accounted)
sys_start() {
	local kind=$1 sys=$2 link=$3 eng_link=$3
	[ "$link" = sipp ] && eng_link=af_packet
	case "$sys" in
	dpvoip)
		local BENCH_MEMIF_RSIZE=$BENCH_MEMIF_RSIZE
		[ "$kind" = sip ] && BENCH_MEMIF_RSIZE=$SIP_MEMIF_RSIZE
		if [ "$kind" = sip ]; then
			# the shipped [sip] pools (a finished call keeps two compact records, not its
			# session and transactions) and 1 GB of EAL memory, as a user would run it
			BENCH_ENG_MEM=${SIP_ENG_MEM:-1024} BENCH_ENG_TX=${SIP_ENG_TX:-65536} \
				bench_engine_conf "$BENCH_TMP/engine.conf" "$eng_link" '.* echo' \
				"max-dialogs = ${SIP_ENG_DIALOGS:-65536}"
		else
			bench_engine_conf "$BENCH_TMP/engine.conf" "$eng_link" '^conf-(.+)$ bridge'
		fi
		bench_engine_start "$BENCH_TMP/engine.conf" "$eng_link" "$BENCH_TMP/engine.log" || return 1
		SYS_PID=$BENCH_ENGINE_PID
		;;
	kamailio)
		bench_kamailio_start "$BENCH_TMP/kamailio.log" || return 1
		SYS_PID=$BENCH_KAM_PID
		;;
	rtpengine)
		bench_rtpengine_start "$BENCH_TMP/rtpengine.log" || return 1
		SYS_PID=$(cat "$BENCH_TMP/rtpengine.pid" 2>/dev/null || echo "$BENCH_RTPE_PID")
		;;
	esac
}

sys_stop() {
	bench_engine_stop
	bench_rtpengine_stop
	bench_kamailio_stop
	SYS_PID=
}

# trial KIND SYSTEM LINK RUN PHASE RATE: one trial on a fresh system; appends its row to
# $CSV; @return 0 when it passed
trial() {
	local kind=$1 sys=$2 link=$3 run=$4 phase=$5 rate=$6 res="" pass=0 t0 t1 hz cpu="" drops="" nspo=""
	local log="$BENCH_TMP/trial.log" load
	load=$(cut -d' ' -f1 /proc/loadavg)
	if ! sys_start "$kind" "$sys" "$link"; then
		sys_stop
		echo "$run,$phase,$rate,,,,,,,,,,,,0,$load,," >>"$CSV"
		return 1
	fi
	t0=$(bench_cpu_ticks "$SYS_PID")
	engine_snap "$BENCH_TMP/snap0.json"
	case "$kind:$link" in
	sip:sipp) res=$(sipp_trial "$rate" "$log") || true ;;
	sip:*) res=$(sipgen_trial "$link" "$rate" "$log") || true ;;
	rtp:*) res=$(rtpgen_trial "$sys" "$link" "$rate" "$log") || true ;;
	esac
	t1=$(bench_cpu_ticks "$SYS_PID")
	engine_snap "$BENCH_TMP/snap1.json"
	hz=$(getconf CLK_TCK)
	# the system's CPU over the trial's load window (kernel peers; the engine busy-polls)
	[ -n "$(field "$res" seconds)" ] &&
		cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$(field "$res" seconds)" \
			'BEGIN { if (s > 0) printf "%.0f", 100 * (b - a) / hz / s }')
	[ -n "$(field "$res" ok)" ] &&
		nspo=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v n="$(field "$res" ok)" \
			'BEGIN { if (n > 0) printf "%.0f", 1e9 * (b - a) / hz / n }')
	if [ "$sys" = dpvoip ]; then
		read -r cpu drops nspo < <(engine_delta "$BENCH_TMP/snap0.json" "$BENCH_TMP/snap1.json" \
			"$(field "$res" ok)") || true
	fi
	sys_stop
	[ "$(field "$res" pass)" = 1 ] && pass=1
	row "$run" "$phase" "$rate" "$res" "$cpu" "$pass" "$load" "$drops" "$nspo" >>"$CSV"
	bench_log "  $run $phase rate=$rate pass=$pass sent=$(field "$res" sent) failed=$(field "$res" failed) retrans=$(field "$res" retrans) loss=$(field "$res" loss_pct)% p99=$(field "$res" p99_us)us gen=$(field "$res" gen_busy_pct)% sys=${cpu}%${nspo:+ sys_ns/ok=$nspo} load=$load${drops:+ drops=$drops}"
	[ "$pass" = 1 ]
}

# search KIND SYSTEM LINK RUN LO HI: binary search between LO and a failing HI to a resolution
# of $RESOLUTION % of the rate (default 5; at most 10 trials); echoes the highest rate that
# passed a trial (0: none). LO need not have been tried: only a trial that passed counts.
search() {
	local kind=$1 sys=$2 link=$3 run=$4 lo=$5 hi=$6 mid n=0 best=0
	# the upper bound must fail: double it until it does (bounded)
	while [ $n -lt 4 ] && trial "$kind" "$sys" "$link" "$run" search "$hi"; do
		best=$hi
		lo=$hi
		hi=$((hi * 2))
		n=$((n + 1))
	done
	n=0
	while [ $((hi - lo)) -gt $((hi * ${RESOLUTION:-5} / 100)) ] && [ $n -lt 10 ]; do
		mid=$(((lo + hi) / 2))
		if trial "$kind" "$sys" "$link" "$run" search "$mid"; then
			lo=$mid
			best=$mid
		else
			hi=$mid
		fi
		n=$((n + 1))
	done
	echo "$best"
}

# ---- generators

# sipgen_trial LINK RATE LOG: sipgen places RATE calls/s for $TRIAL s (-d 0) at the system on
# the far side of LINK; prints a RESULT line with pass=1 when every call was answered and ended
# with no retransmission, and seconds= the load time.
sipgen_trial() {
	local link=$1 rate=$2 log=$3 r rc=0 calls=$(($2 * TRIAL)) mem
	[ -x "$SIPGEN" ] || { echo "build first: $SIPGEN" >&2; return 1; }
	# EAL memory: sipgen sizes its pools to the calls it may hold (its -m calls plus its -l
	# limit, about 4 s of the rate), two mbufs a call; about 8 KB a call, 10 here, 4 GB or more
	mem=$(((calls + rate + 2048) * 10 / 1024))
	[ "$mem" -ge 4096 ] || mem=4096
	# -t bounds the trial at twice its time and 5 s: a peer that falls behind fails the calls
	# still open then
	# shellcheck disable=SC2046
	$(bench_ns "$link" g) timeout -k 5 $((2 * TRIAL + 60)) taskset -c "$BENCH_GEN_CPU" "$SIPGEN" \
		--no-huge -m "$mem" --no-pci -l "$BENCH_GEN_CPU" --file-prefix=dpvsg$$ \
		--vdev="$(BENCH_MEMIF_RSIZE=$SIP_MEMIF_RSIZE bench_vdev "$link" g)" --log-level=lib.eal:error -- \
		"sip:echo@$BENCH_SYS_IP:5060" --addr "$BENCH_GEN_IP/24" -r "$rate" -m "$calls" -d 0 \
		-l $((rate + 1000)) -t $((2 * TRIAL + 5)) >"$log" 2>&1 || rc=$?
	r=$(grep '^RESULT' "$log" | tail -1)
	[ -n "$r" ] || { tail -3 "$log" >&2; return 1; }
	# pass: sipgen's own verdict (every call answered and completed), no retransmission
	# (past a peer's limit a retransmitting UA still completes every call, seconds late),
	# and the offered rate held (95 %)
	local pass=0
	[ "$rc" = 0 ] && [ "$(field "$r" retrans)" = 0 ] &&
		awk -v a="$(field "$r" rate)" -v r="$rate" 'BEGIN { exit !(a >= 0.95 * r) }' && pass=1
	echo "$r sent=$(field "$r" attempted) ok=$(field "$r" completed) gen_busy_pct=$(field "$r" gen_cpu_pct) seconds=$TRIAL pass=$pass"
}

# sipp_trial RATE LOG: SIPp's built-in uac (-sn uac, -d 0) in the generator namespace on a
# kernel socket; pass when SIPp says every call succeeded with no retransmission
sipp_trial() {
	local rate=$1 log=$2 calls=$(($1 * TRIAL)) dir="$BENCH_TMP/sipp" r ok fail re
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && ip netns exec "$BENCH_NS_G" timeout -k 5 $((TRIAL + 90)) \
		taskset -c "$BENCH_GEN_CPU" sipp "$BENCH_SYS_IP:5060" -sn uac -s echo \
		-i "$BENCH_GEN_IP" -p 5060 -r "$rate" -m "$calls" -d 0 -buff_size 4194304 \
		-timeout $((TRIAL + 60))s -nostdin -trace_stat -stf stat.csv -fd 1 \
		>"$log" 2>&1) || true
	# the last line of SIPp's statistics file: cumulative successful / failed calls, retrans
	r=$(python3 - "$dir/stat.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter=";"))
last = rows[-1] if rows else {}
def g(k):
    return last.get(k, "0") or "0"
print("ok=%s failed=%s retrans=%s" % (g("SuccessfulCall(C)"), g("FailedCall(C)"), g("Retransmissions(C)")))
PY
) || { tail -3 "$log" >&2; return 1; }
	ok=$(field "$r" ok)
	fail=$(field "$r" failed)
	re=$(field "$r" retrans)
	echo "RESULT $r sent=$calls seconds=$TRIAL pass=$([ "$ok" = "$calls" ] && [ "$fail" = 0 ] && [ "$re" = 0 ] && echo 1 || echo 0)"
}

# engine_snap FILE: the engine's `dpvoipctl --json stats` now, with the wall clock, in FILE
# (emptied for the other systems: the engine busy-polls, so its CPU time says nothing, its busy
# passes do)
engine_snap() {
	: >"$1"
	[ -n "${BENCH_ENGINE_PID:-}" ] || return 0
	"$BENCH_CTL" -s "$BENCH_TMP/ctl.sock" --json stats 2>/dev/null | python3 -c '
import json, sys, time
s = json.load(sys.stdin)
s["wall"] = time.time()
json.dump(s, sys.stdout)' >"$1" 2>/dev/null || : >"$1"
}

# engine_delta SNAP0 SNAP1 [OK]: "BUSY DROPS NS_PER_OK": the engine's busy share (%) between two
# snapshots (all lcores' busy TSC cycles over the TSC rate and the wall clock), every drop
# counter that moved ("name:count;..." or "none": the engine's drops, each port's PMD misses
# and errors, the UA's refusals), and the busy nanoseconds per OK (completed calls or relayed
# packets; empty without OK); nothing when a snapshot is missing
engine_delta() {
	[ -s "$1" ] && [ -s "$2" ] || return 0
	python3 - "$1" "$2" "${3:-}" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ok = int(sys.argv[3]) if sys.argv[3].isdigit() else 0
sa, sb = a["stats"], b["stats"]
busy = sum(l.get("busy_cycles", 0) for l in sb["lcores"]) - sum(l.get("busy_cycles", 0) for l in sa["lcores"])
dt = b["wall"] - a["wall"]
pct = "%.0f" % (100.0 * busy / sa["engine"]["hz"] / dt) if dt > 0 else ""
moved = []
def diff(prefix, x, y, keys=None):
    for k, v in y.items():
        if isinstance(v, int) and (keys is None or k in keys) and v - x.get(k, 0) > 0:
            moved.append("%s%s:%d" % (prefix, k, v - x.get(k, 0)))
diff("", sa.get("drops", {}), sb.get("drops", {}))
for pa, pb in zip(sa.get("ports", []), sb.get("ports", [])):
    diff("eth_", pa.get("eth", {}), pb.get("eth", {}), ("imissed", "ierrors", "oerrors", "rx_nombuf"))
sip_keys = ("rx_parse_errors", "rx_dropped", "rejected_4xx", "rejected_5xx", "overload_503",
            "no_buffer", "shed_new_calls", "calls_failed", "ack_timeouts")
for la, lb in zip(sa["lcores"], sb["lcores"]):
    diff("sip_", la.get("sip", {}), lb.get("sip", {}), sip_keys)
    diff("", la, lb, ("sip_tx_no_mbuf", "sip_tx_arp_miss"))
nspo = "%.0f" % (1e9 * busy / sa["engine"]["hz"] / ok) if ok > 0 else ""
print(pct, ";".join(moved) or "none", nspo)
PY
}

# rtpgen_trial SYSTEM LINK RATE LOG: $RTP_SESSIONS sessions of two streams through the system
# at RATE packets/s in total for $TRIAL s after a 1 s warm-up; pass when none was lost
rtpgen_trial() {
	local sys=$1 link=$2 rate=$3 log=$4 r streams=() pass=0
	[ -x "$RTPGEN" ] || { echo "build first: $RTPGEN" >&2; return 1; }
	if [ "$sys" = rtpengine ]; then
		ip netns exec "$BENCH_NS_S" python3 bench/ng.py setup --ng 127.0.0.1:2223 \
			--addr "$BENCH_GEN_IP" --calls "$RTP_SESSIONS" --port0 20000 --tag "b$$" \
			--out "$BENCH_TMP/streams" >"$log.ng" 2>&1 || { tail -2 "$log.ng" >&2; return 1; }
		streams=(--streams "$BENCH_TMP/streams")
	else
		# RTP_SESSIONS bridges of two calls each; rtpgen reads the engine's counters too
		streams=(--calls "$RTP_SESSIONS" --engine "$BENCH_SYS_IP" --ctl "$BENCH_TMP/ctl.sock"
			--ctl-tool "$BENCH_CTL" --engine-pid "$BENCH_ENGINE_PID")
	fi
	# shellcheck disable=SC2046
	$(bench_ns "$link" g) timeout -k 5 $((TRIAL + 120)) taskset -c "$BENCH_GEN_CPU" "$RTPGEN" \
		--no-huge -m 2048 --no-pci -l "$BENCH_GEN_CPU" --file-prefix=dpvrg$$ \
		--vdev="$(bench_vdev "$link" g)" --log-level=lib.eal:error -- \
		--addr "$BENCH_GEN_IP" "${streams[@]}" --rate "$rate" --warmup 1 \
		--seconds "$TRIAL" >"$log" 2>&1 || true
	r=$(grep '^RESULT' "$log" | tail -1)
	[ -n "$r" ] || { tail -3 "$log" >&2; return 1; }
	# pass: nothing lost after the warm-up, and the generator offered the rate (2 %)
	[ "$(field "$r" lost)" = 0 ] && [ "$(field "$r" received)" -gt 0 ] 2>/dev/null &&
		awk -v a="$(field "$r" in_pps)" -v r="$rate" 'BEGIN { exit !(a >= 0.98 * r) }' && pass=1
	echo "$r sent=$(field "$r" expected) ok=$(field "$r" received) failed=$(field "$r" lost) seconds=$TRIAL pass=$pass"
}

# rig_for SYSTEM LINK: the veth rig with the addresses that pair needs (memif: none)
rig_for() {
	local sys=$1 link=$2
	case "$link" in memif) bench_veth_down ;; *) bench_veth_up ;; esac
	case "$sys:$link" in kamailio:* | rtpengine:* | *:sipp)
		# the kernel side of the veth: the peer's address, or SIPp's for the engine
		ip netns exec "$BENCH_NS_S" ip -br addr show bs0 | grep -q "$BENCH_SYS_IP" ||
			bench_veth_kernel_sys
		;;
	esac
	if [ "$link" = sipp ]; then
		# SIPp is a kernel client in the generator namespace; the engine owns the system side
		ip netns exec "$BENCH_NS_S" ip addr flush dev bs0
		ip netns exec "$BENCH_NS_G" ip -br addr show bg0 | grep -q "$BENCH_GEN_IP" ||
			ip netns exec "$BENCH_NS_G" ip addr add "$BENCH_GEN_IP/24" dev bg0
		bench_sysctl net.core.rmem_max=16777216 net.core.wmem_max=16777216
	else
		ip netns exec "$BENCH_NS_G" ip addr flush dev bg0 2>/dev/null || true
	fi
}

# ---- one benchmark: RUNS searches, then the latency trials at 50 % and 90 % of each run's rate

# bench_line NAME: NAME's entry in BENCHES (name, kind, system, link, description), or nothing
bench_line() {
	printf '%s\n' "${BENCHES[@]}" | awk -v n="$1" '$1 == n'
}

bench_one() {
	local name=$1 kind sys link desc line run best hi lo=0
	line=$(bench_line "$name")
	[ -n "$line" ] || { echo "bench/run.sh: unknown benchmark '$name' (bench/run.sh list)" >&2; return 2; }
	read -r _ kind sys link desc <<<"$line"
	mkdir -p "$OUT"
	CSV=$OUT/$name.csv
	{
		echo "# $name: $desc"
		bench_machine
		echo "# trial: ${TRIAL} s; runs: $RUNS; system CPU $BENCH_SYS_CPU, generator CPU $BENCH_GEN_CPU"
		echo "$CSV_HEAD"
	} >"$CSV"
	rig_for "$sys" "$link"
	# where each search starts (the first run's bracket; figures seen on this VM class)
	case "$name" in
	sip-dpvoip-memif) hi=40000 ;;
	sip-dpvoip-af_packet) hi=30000 ;;
	sip-sipp-dpvoip) hi=16000 ;;
	sip-kamailio-*) hi=12000 ;;
	rtp-dpvoip-memif) hi=1000000 ;;
	*) hi=250000 ;;
	esac
	lo=$((hi / 4))
	bench_log "== $name ($desc): $RUNS runs, ${TRIAL} s trials"
	for run in $(seq 1 "$RUNS"); do
		best=$(search "$kind" "$sys" "$link" "$run" "$lo" "$hi")
		# nothing passed above the bracket's foot: search below it
		[ "$best" -gt 0 ] || [ "$lo" -eq 0 ] ||
			best=$(search "$kind" "$sys" "$link" "$run" 0 "$lo")
		bench_log "  run $run: highest passing rate $best"
		echo "$run,best,$best,,,,,,,,,,,,1" >>"$CSV"
		if [ "$best" -gt 0 ]; then
			trial "$kind" "$sys" "$link" "$run" lat50 $((best / 2)) || true
			trial "$kind" "$sys" "$link" "$run" lat90 $((best * 9 / 10)) || true
			# the next run searches around this one's result (its own trials decide)
			lo=$((best * 3 / 4))
			hi=$((best + best / 8 + 1))
		fi
	done
	bench_veth_down
}

# smoke_one NAME: one trial at a rate every system takes (SIP 100 calls/s, RTP 50 packets/s
# per stream), its row in $OUT/NAME.csv; the rig, the peer and the generator's accounting
# are what is checked (by the caller), not the rate
smoke_one() {
	local line kind sys link
	line=$(bench_line "$1")
	[ -n "$line" ] || { echo "bench/run.sh: unknown benchmark '$1' (bench/run.sh list)" >&2; return 2; }
	read -r _ kind sys link _ <<<"$line"
	CSV=$OUT/$1.csv
	{ bench_machine; echo "$CSV_HEAD"; } >"$CSV"
	rig_for "$sys" "$link"
	if [ "$kind" = sip ]; then
		trial "$kind" "$sys" "$link" 1 smoke 100 || true
	else
		trial "$kind" "$sys" "$link" 1 smoke $((RTP_SESSIONS * 2 * 50)) || true
	fi
	bench_veth_down
}

# fixed_one NAME RATE COUNT: COUNT trials of NAME at RATE (A/B runs at one rate: alternate two
# trees with BUILD=...), rows in $OUT/NAME-fixed.csv, and after each SIP trial sipgen's own
# summary lines (its calls, retransmissions and latency; its busy time, refused transmissions)
fixed_one() {
	local kind sys link i
	read -r _ kind sys link _ <<<"$(bench_line "$1")"
	CSV=$OUT/$1-fixed.csv
	[ -s "$CSV" ] || { bench_machine; echo "$CSV_HEAD"; } >"$CSV"
	rig_for "$sys" "$link"
	for i in $(seq 1 "$3"); do
		trial "$kind" "$sys" "$link" "$i" fixed "$2" || true
		[ "$kind" != sip ] || grep -E '^  (calls:|rate |generator:)' "$BENCH_TMP/trial.log" || true
	done
	bench_veth_down
}

# check_names NAME...: every NAME is a benchmark, or the run stops before anything starts
check_names() {
	local n bad=0
	for n in "$@"; do
		[ -n "$(bench_line "$n")" ] || {
			echo "bench/run.sh: unknown benchmark '$n' (bench/run.sh list names them)" >&2
			bad=1
		}
	done
	[ "$bad" = 0 ] || exit 2
}

case "${1:-}" in
"" | -h | --help)
	sed -n '2,21p' "$0"
	exit 2
	;;
list)
	printf '%s\n' "${BENCHES[@]}"
	exit 0
	;;
smoke)
	shift
	[ $# -gt 0 ] || set -- $(printf '%s\n' "${BENCHES[@]}" | awk '{print $1}')
	check_names "$@"
	mkdir -p "$OUT"
	TRIAL=2
	RTP_SESSIONS=10
	for n in "$@"; do smoke_one "$n"; done
	exit 0
	;;
fixed)
	shift
	[ $# -ge 2 ] && [ "$2" -gt 0 ] 2>/dev/null && [ "${3:-1}" -gt 0 ] 2>/dev/null ||
		{ echo "usage: bench/run.sh fixed NAME RATE [COUNT]: RATE and COUNT whole numbers above 0" >&2; exit 2; }
	check_names "$1"
	mkdir -p "$OUT"
	fixed_one "$1" "$2" "${3:-1}"
	exit 0
	;;
report)
	python3 bench/report.py --dir "$OUT" --results bench/RESULTS.md
	exit $?
	;;
all)
	mapfile -t names < <(printf '%s\n' "${BENCHES[@]}" | awk '{print $1}')
	;;
*)
	check_names "$@"
	names=("$@")
	;;
esac

for b in "$BENCH_ENG" "$BENCH_CTL"; do
	[ -x "$b" ] || { echo "bench/run.sh: build first: ninja -C build ($b missing)" >&2; exit 1; }
done
for n in "${names[@]}"; do bench_one "$n"; done
python3 bench/report.py --dir "$OUT" ${1:+$([ "$1" = all ] && echo --results bench/RESULTS.md)}
