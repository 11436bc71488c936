#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# sipgen (build/bench/sipgen) against a peer, over a DPDK link:
#   engine   build/engine/dpvoip (one signaling lcore, CPU 1; dialplan ^echo$ echo) over
#            memif (engine = memif server, sipgen = client, this namespace) or over
#            af_packet / af_xdp on a veth pair between two namespaces;
#   kamailio Kamailio 5.6 as a stateful responder (bench/kamailio.cfg, taskset CPU 1) on a kernel
#            socket in a namespace, sipgen on af_packet or af_xdp on the veth's other end.
# sipgen itself runs on CPU 0.
#
# usage (as root):
#   bench/sipgen.sh run SYSTEM LINK [sipgen options...]   one run (default -r 1000 -t 5 -d 0)
#   bench/sipgen.sh search SYSTEM LINK [LO HI]            the highest -r with zero failed calls
#       over SG_TRIAL (5) s trials of -r * SG_TRIAL calls (-d 0), a fresh peer each: binary
#       search between LO (1000) and HI (60000), SG_ITER (6) trials at most. A trial passes
#       when every call completed, with at most SG_MAX_RETRANS (0) retransmissions, at 95% of
#       the rate or more. One CSV line per trial (SG_LOG=FILE keeps sipgen's output):
#       system,link,rate,achieved,attempted,answered,failed,retrans,p50_us,p99_us,p999_us,
#       gen_busy_pct,ok
# Functions for a later bench/run.sh: source this file with SG_LIB=1, then
#   sg_start SYSTEM LINK; sg_sipgen ARGS... (prints sipgen's output); sg_stop.
set -euo pipefail
SG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$SG_ROOT/bench/lib.sh"
# memif rings of 16384 slots (bench/lib.sh, bench_vdev)
BENCH_MEMIF_RSIZE=${SG_MEMIF_RSIZE:-14}
SG_BIN=${SG_BIN:-$SG_ROOT/build/bench/sipgen}
BENCH_ENG=${SG_ENG:-$BENCH_ENG}
BENCH_CTL=${SG_CTL:-$BENCH_CTL}
SG_CTL=$BENCH_CTL
SG_PEER_IP=$BENCH_SYS_IP
SG_GEN_IP=$BENCH_GEN_IP
SG_TMP=$BENCH_TMP
SG_SYSTEM=
SG_LINK=

# sg_start SYSTEM LINK: the peer, up and answering (bounded: 60 s)
sg_start() {
	SG_SYSTEM=$1
	SG_LINK=$2
	bench_vdev "$SG_LINK" g >/dev/null || { echo "sipgen.sh: link memif, af_packet or af_xdp" >&2; return 2; }
	[ "$SG_LINK" = memif ] || bench_veth_up
	case "$SG_SYSTEM" in
	engine)
		# a finished call holds its session and INVITE transaction 64*T1 (32 s): room for a
		# whole trial
		BENCH_ENG_MEM=${SG_ENG_MEM:-4096} BENCH_ENG_TX=${SG_ENG_TX:-640000} \
			bench_engine_conf "$BENCH_TMP/engine.conf" "$SG_LINK" '^echo$ echo' \
			"max-dialogs = ${SG_ENG_DIALOGS:-320000}"
		bench_engine_start "$BENCH_TMP/engine.conf" "$SG_LINK" "$BENCH_TMP/peer.log"
		;;
	kamailio)
		[ "$SG_LINK" != memif ] || { echo "sipgen.sh: kamailio needs a veth link" >&2; return 2; }
		command -v kamailio >/dev/null || { echo "sipgen.sh: kamailio not installed" >&2; return 77; }
		bench_veth_kernel_sys
		bench_kamailio_start "$BENCH_TMP/peer.log"
		;;
	*)
		echo "sipgen.sh: system engine or kamailio" >&2
		return 2
		;;
	esac
}

sg_stop() {
	set +e
	bench_engine_stop
	bench_kamailio_stop
	bench_veth_down
	set -e
}

# sg_sipgen ARGS...: sipgen to the peer's echo (CPU 0), its status returned
sg_sipgen() {
	# shellcheck disable=SC2046
	$(bench_ns "$SG_LINK" g) timeout -k 5 "${SG_TIMEOUT:-300}" "$SG_BIN" --no-huge -m "${SG_MEM:-4096}" \
		--no-pci -l "$BENCH_GEN_CPU" --file-prefix="dpvsgg$$" --vdev="$(bench_vdev "$SG_LINK" g)" \
		--log-level=lib.eal:error -- "sip:echo@$SG_PEER_IP:5060" --addr "$SG_GEN_IP/24" "$@"
}

sg_field() { # RESULT-line KEY
	tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'
}

# sg_trial RATE SECONDS: one trial, RATE*SECONDS calls at RATE (-t bounds it at 2*SECONDS+5:
# a peer that falls behind fails the calls still open then); prints its CSV line, returns 0
# when no call failed
sg_trial() {
	local rate=$1 secs=$2 out res rc=0 ok
	out=$(sg_sipgen -r "$rate" -m "$((rate * secs))" -t "$((2 * secs + 5))" -d 0 \
		-l "$((rate + 1000))" 2>>"${SG_LOG:-/dev/null}") || rc=$?
	echo "$out" >>"${SG_LOG:-/dev/null}"
	res=$(grep '^RESULT' <<<"$out" | tail -1)
	ok=0
	# every call completed, no more than SG_MAX_RETRANS (0) retransmissions (past the peer's
	# limit a retransmitting UA still completes every call, seconds late), and the rate held
	if [ "$rc" -eq 0 ] && [ "$(sg_field "$res" retrans)" -le "${SG_MAX_RETRANS:-0}" ] &&
		awk -v a="$(sg_field "$res" rate)" -v r="$rate" 'BEGIN { exit !(a >= 0.95 * r) }'; then
		ok=1
	fi
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$SG_SYSTEM" "$SG_LINK" "$rate" \
		"$(sg_field "$res" rate)" \
		"$(sg_field "$res" attempted)" "$(sg_field "$res" answered)" \
		"$(sg_field "$res" failed)" "$(sg_field "$res" retrans)" "$(sg_field "$res" p50_us)" \
		"$(sg_field "$res" p99_us)" "$(sg_field "$res" p999_us)" \
		"$(sg_field "$res" gen_cpu_pct)" "$ok"
	[ "$ok" -eq 1 ]
}

# sg_search LO HI: binary search for the highest passing rate (a fresh peer per trial: the
# engine's and Kamailio's transactions of the last trial must not weigh on the next)
sg_search() {
	local lo=$1 hi=$2 best=0 mid iter=0 secs=${SG_TRIAL:-5}
	echo "system,link,rate,achieved,attempted,answered,failed,retrans,p50_us,p99_us,p999_us,gen_busy_pct,ok"
	while [ "$iter" -lt "${SG_ITER:-6}" ] && [ "$lo" -le "$hi" ]; do
		mid=$(((lo + hi) / 2))
		iter=$((iter + 1))
		sg_start "$SG_SYSTEM" "$SG_LINK"
		if sg_trial "$mid" "$secs"; then
			best=$mid
			lo=$((mid + mid / 20 + 1))
		else
			hi=$((mid - mid / 20 - 1))
		fi
		sg_stop
	done
	echo "# $SG_SYSTEM over $SG_LINK: highest rate with every call completed and at most" \
		"${SG_MAX_RETRANS:-0} retransmissions: $best calls/s" \
		"(${secs} s trials, within 5%)"
}

if [ -z "${SG_LIB:-}" ]; then
	[ $# -ge 3 ] || {
		sed -n '/^# usage/,/^# Functions/p' "$0" | sed 's/^# \{0,1\}//'
		exit 2
	}
	for b in "$SG_BIN" "$BENCH_ENG" "$BENCH_CTL"; do
		[ -x "$b" ] || { echo "build first: ninja -C build"; exit 1; }
	done
	cmd=$1 SG_SYSTEM=$2 SG_LINK=$3
	shift 3
	case "$cmd" in
	run)
		sg_start "$SG_SYSTEM" "$SG_LINK"
		[ $# -gt 0 ] || set -- -r 1000 -t 5 -d 0 -l 5000
		sg_sipgen "$@"
		;;
	search) sg_search "${1:-1000}" "${2:-60000}" ;;
	*)
		echo "usage: bench/sipgen.sh run|search SYSTEM LINK ..."
		exit 2
		;;
	esac
fi
