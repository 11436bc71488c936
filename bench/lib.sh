# SPDX-License-Identifier: BSD-3-Clause
# Shared pieces of the bench/ scripts (sourced): a scratch directory, the veth rig between two
# namespaces, the EAL vdev of each link, the engine, Kamailio and rtpengine started from configs
# in bench/ and stopped by their own PIDs, CPU accounting from /proc, the machine's description.
# Addresses: 198.18.0.0/15 only. Everything made here is removed by bench_cleanup (EXIT trap).
#
#   generator side  ns $BENCH_NS_G  dev bg0  $BENCH_GEN_IP/24   (DPDK owns it, or the kernel)
#   system side     ns $BENCH_NS_S  dev bs0  $BENCH_SYS_IP/24
# memif runs in the caller's namespace (both ends DPDK processes, a socket under $BENCH_TMP).

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${BUILD:=$BENCH_ROOT/build}"
BENCH_TMP=$(mktemp -d /tmp/dpv-bench.XXXXXX)
BENCH_NS_G=dpv-bg-$$
BENCH_NS_S=dpv-bs-$$
BENCH_GEN_IP=198.18.4.2
BENCH_SYS_IP=198.18.4.1
BENCH_ENG=$BUILD/engine/dpvoip
BENCH_CTL=$BUILD/tools/dpvoipctl
BENCH_PIDS=()
BENCH_VETH=0
# CPUs: the system under test on one, the generator on the other (roles may share on 2 CPUs)
: "${BENCH_SYS_CPU:=1}"
: "${BENCH_GEN_CPU:=0}"

bench_log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# bench_stop PID: TERM, then KILL after 10 s; reaped.
bench_stop() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# bench_ready WHAT PID LOG TENTHS CMD...: poll CMD every 0.1 s until it succeeds (0), PID exits
# or TENTHS polls pass (1, with the last lines of LOG)
bench_ready() {
	local what=$1 pid=$2 log=$3 n=$4
	shift 4
	for _ in $(seq 1 "$n"); do
		"$@" >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	bench_log "$what did not start: $(tail -3 "$log")"
	return 1
}

bench_cleanup() {
	set +e
	local p
	for p in "${BENCH_PIDS[@]}"; do bench_stop "$p"; done
	BENCH_PIDS=()
	bench_veth_down
	for p in "${BENCH_SYSCTL_OLD[@]}"; do sysctl -qw "$p"; done
	[ -n "${KEEP_TMP:-}" ] && echo "kept $BENCH_TMP" >&2 || rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

bench_veth_up() {
	[ "$BENCH_VETH" = 1 ] && return 0
	ip netns add "$BENCH_NS_G"
	ip netns add "$BENCH_NS_S"
	ip link add bg0 netns "$BENCH_NS_G" type veth peer name bs0 netns "$BENCH_NS_S"
	local ns
	for ns in "$BENCH_NS_G" "$BENCH_NS_S"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		ip netns exec "$ns" ip link set lo up
	done
	# real checksums on the wire: af_packet and af_xdp never see veth's offloads
	ip netns exec "$BENCH_NS_G" ethtool -K bg0 tx off rx off >/dev/null
	ip netns exec "$BENCH_NS_S" ethtool -K bs0 tx off rx off >/dev/null
	ip netns exec "$BENCH_NS_G" ip link set bg0 up
	ip netns exec "$BENCH_NS_S" ip link set bs0 up
	BENCH_VETH=1
}

# bench_veth_kernel_sys: the system side's address on the kernel (Kamailio, rtpengine), and
# the host's socket-buffer ceilings raised (they are not per namespace) so that the peer, not a
# 208 KB default, is what is measured; bench_cleanup puts the old ceilings back.
BENCH_SYSCTL_OLD=()
bench_veth_kernel_sys() {
	ip netns exec "$BENCH_NS_S" ip addr add "$BENCH_SYS_IP/24" dev bs0
	bench_sysctl net.core.rmem_max=16777216 net.core.wmem_max=16777216
}

bench_sysctl() { # KEY=VALUE...: set, remembering the value before the first change
	local kv
	for kv in "$@"; do
		[ ${#BENCH_SYSCTL_OLD[@]} -lt 8 ] &&
			BENCH_SYSCTL_OLD+=("${kv%%=*}=$(sysctl -n "${kv%%=*}")")
		sysctl -qw "$kv"
	done
}

bench_veth_down() {
	[ "$BENCH_VETH" = 1 ] || return 0
	ip netns del "$BENCH_NS_G" 2>/dev/null
	ip netns del "$BENCH_NS_S" 2>/dev/null
	BENCH_VETH=0
}

# bench_vdev LINK SIDE(g|s): the EAL --vdev of that side. af_packet: rings of 4096 frames, as
# a NIC's. memif: 2^$BENCH_MEMIF_RSIZE slots per ring (default 12, 4096; the PMD takes up to 14),
# the same on both ends. The SIP benchmarks use 14 (bench/run.sh, bench/sipgen.sh): a memif rx
# ring is the only buffer between the two processes, and at 40,000 calls/s the engine sends
# sipgen about 120,000 packets/s, so 4096 slots overflowed whenever the receiving side lost its
# CPU for 30 ms on this shared VM.
: "${BENCH_MEMIF_RSIZE:=12}"
bench_vdev() {
	case "$1:$2" in
	memif:s) echo "net_memif0,role=server,socket=$BENCH_TMP/memif.sock,rsize=$BENCH_MEMIF_RSIZE" ;;
	memif:g) echo "net_memif0,role=client,socket=$BENCH_TMP/memif.sock,rsize=$BENCH_MEMIF_RSIZE" ;;
	af_packet:s) echo "net_af_packet0,iface=bs0,framecnt=4096" ;;
	af_packet:g) echo "net_af_packet0,iface=bg0,framecnt=4096" ;;
	af_xdp:s) echo "net_af_xdp0,iface=bs0" ;;
	af_xdp:g) echo "net_af_xdp0,iface=bg0" ;;
	*) return 1 ;;
	esac
}

# bench_ns LINK SIDE: the command prefix that runs in that side's namespace (memif: here).
bench_ns() {
	case "$1:$2" in
	memif:*) ;;
	*:g) echo "ip netns exec $BENCH_NS_G" ;;
	*:s) echo "ip netns exec $BENCH_NS_S" ;;
	esac
}

# bench_cpu_ticks PID: utime+stime in clock ticks of a process, its threads and its live
# descendants (Kamailio's workers are child processes)
bench_cpu_ticks() {
	local pids=("$1") i=0 c sum=0
	while [ $i -lt ${#pids[@]} ] && [ $i -lt 256 ]; do
		for c in $(cat /proc/"${pids[$i]}"/task/*/children 2>/dev/null); do pids+=("$c"); done
		i=$((i + 1))
	done
	for c in "${pids[@]}"; do
		sum=$((sum + $(awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || echo 0)))
	done
	echo "$sum"
}

# bench_engine_conf FILE LINK DIALPLAN-RULE [EXTRA-[sip]-LINES]: the engine with media and
# signaling on one lcore on $BENCH_SYS_CPU (busy poll), main lcore on $BENCH_GEN_CPU.
bench_engine_conf() {
	local file=$1 link=$2 rule=$3 extra=${4:-}
	cat >"$file" <<EOF
[dpdk]
eal = --no-huge -m ${BENCH_ENG_MEM:-2048} --no-pci --file-prefix=dpvbe$$ --vdev=$(bench_vdev "$link" s) --log-level=lib.eal:error
rx-desc = 4096
tx-desc = 4096
[cpu]
main-core = $BENCH_GEN_CPU
corelist-media = $BENCH_SYS_CPU
corelist-signaling = $BENCH_SYS_CPU
idle-sleep-us = 0
[port0]
address = $BENCH_SYS_IP/24
[sip]
max-transactions = ${BENCH_ENG_TX:-131072}
$extra
[rtp]
port-min = 10000
port-max = 65534
flood-pps = 1000000
flood-burst = 100000
media-mbufs = 65536
media-timeout-s = 0
[bridge]
max-bridges = 16384
[dialplan]
rule = $rule
[control]
socket = $BENCH_TMP/ctl.sock
EOF
}

# bench_engine_start CONF LINK LOG: a fresh engine answering its control socket (60 s bound);
# sets BENCH_ENGINE_PID.
bench_engine_start() {
	local conf=$1 link=$2 log=$3
	rm -f "$BENCH_TMP/ctl.sock" "$BENCH_TMP/memif.sock"
	# shellcheck disable=SC2046 # the prefix is words
	$(bench_ns "$link" s) "$BENCH_ENG" -c "$conf" >"$log" 2>&1 &
	BENCH_ENGINE_PID=$!
	BENCH_PIDS+=("$BENCH_ENGINE_PID")
	bench_ready engine "$BENCH_ENGINE_PID" "$log" 600 \
		"$BENCH_CTL" -s "$BENCH_TMP/ctl.sock" --json stats
}

bench_engine_stop() {
	bench_stop "${BENCH_ENGINE_PID:-}"
	BENCH_ENGINE_PID=
}

# bench_rtpengine_start LOG: rtpengine (userspace forwarding, --table=-1) on the veth's system
# side, pinned to $BENCH_SYS_CPU, NG on 127.0.0.1:2223 of that namespace (the generator's side
# of the veth belongs to DPDK: the control traffic stays off the measured link); waits for its
# pong (20 s bound).
# Sets BENCH_RTPE_PID (the daemon's own, from its pidfile).
bench_rtpengine_start() {
	local log=$1
	rm -f "$BENCH_TMP/rtpengine.pid"
	ip netns exec "$BENCH_NS_S" taskset -c "$BENCH_SYS_CPU" rtpengine --config-file=none \
		--foreground --log-stderr --log-level=4 --table=-1 --interface="$BENCH_SYS_IP" \
		--listen-ng=127.0.0.1:2223 --port-min=30000 --port-max=39999 --num-threads=1 \
		--media-num-threads=1 --timeout=600 --silent-timeout=600 --delete-delay=0 \
		--pidfile="$BENCH_TMP/rtpengine.pid" >"$log" 2>&1 &
	BENCH_RTPE_PID=$!
	BENCH_PIDS+=("$BENCH_RTPE_PID")
	bench_ready rtpengine "$BENCH_RTPE_PID" "$log" 200 \
		ip netns exec "$BENCH_NS_S" python3 "$BENCH_ROOT/bench/ng.py" ping --ng 127.0.0.1:2223
}

bench_rtpengine_stop() {
	bench_stop "${BENCH_RTPE_PID:-}"
	BENCH_RTPE_PID=
}

# bench_kamailio_start LOG: Kamailio (bench/kamailio.cfg, a stateful tm responder) on the
# veth's system side, pinned to $BENCH_SYS_CPU, until it listens on 5060 (20 s bound).
bench_kamailio_start() {
	local log=$1
	sed "s/ADDR/$BENCH_SYS_IP/g" "$BENCH_ROOT/bench/kamailio.cfg" >"$BENCH_TMP/kamailio.cfg"
	rm -f "$BENCH_TMP/kamailio.pid"
	ip netns exec "$BENCH_NS_S" taskset -c "$BENCH_SYS_CPU" kamailio -f "$BENCH_TMP/kamailio.cfg" \
		-DD -E -m 4096 -M 32 -P "$BENCH_TMP/kamailio.pid" -Y "$BENCH_TMP" >"$log" 2>&1 &
	BENCH_KAM_PID=$!
	BENCH_PIDS+=("$BENCH_KAM_PID")
	bench_ready kamailio "$BENCH_KAM_PID" "$log" 200 bench_listening "$BENCH_NS_S" 5060
}

bench_listening() { # NS PORT: something in NS listens on UDP PORT
	ip netns exec "$1" ss -ulnH "sport = :$2" | grep -q .
}

bench_kamailio_stop() {
	bench_stop "${BENCH_KAM_PID:-}"
	BENCH_KAM_PID=
}

# bench_machine: the machine, CPU, kernel and package versions, as "# key: value" lines for
# the head of every result file.
bench_machine() {
	local v
	echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "# host: $(uname -n), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
	echo "# cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "# kernel: $(uname -r)"
	echo "# load: $(cut -d' ' -f1-3 /proc/loadavg)"
	for v in dpdk kamailio rtpengine-daemon sip-tester; do
		echo "# package: $v $(dpkg-query -W -f='${Version}' "$v" 2>/dev/null || echo none)"
	done
	echo "# dpvoip: $(git -C "$BENCH_ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
}
