# SPDX-License-Identifier: BSD-3-Clause
# Test rig: two network namespaces joined by a veth pair, the engine on one
# end through DPDK's af_packet PMD, a peer host on the other. Sourced by the
# rig tests and by tools/demo.sh. Addresses come from 198.18.0.0/15 only.
#
#   ns $RIG_ENG:  dpv0 (no kernel address; DPDK owns 198.18.0.1 on it)
#   ns $RIG_PEER: dpvp0 198.18.0.2/24
#
# Everything the rig makes is removed by rig_down (installed as an EXIT trap).

RIG_ID=${RIG_ID:-$$}
RIG_ENG=dpv-eng-$RIG_ID
RIG_PEER=dpv-peer-$RIG_ID
RIG_DIR=$(mktemp -d /tmp/dpv-rig.XXXXXX)
RIG_ENG_IP=198.18.0.1
RIG_PEER_IP=198.18.0.2
RIG_SOCK=$RIG_DIR/dpvoip.sock
RIG_ENGINE_PID=
RIG_PASS=0
RIG_FAIL=0
: "${BUILD:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}"
RIG_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

rig_peer() { ip netns exec "$RIG_PEER" "$@"; }

# The engine's MAC as the peer's neighbour table has it (after the peer talked to it).
rig_peer_mac() {
	rig_peer ip neigh show "$RIG_ENG_IP" dev dpvp0 |
		awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'
}

rig_up() {
	trap rig_down EXIT
	ip netns add "$RIG_ENG"
	ip netns add "$RIG_PEER"
	ip link add dpv0 netns "$RIG_ENG" type veth peer name dpvp0 netns "$RIG_PEER"
	for ns in "$RIG_ENG" "$RIG_PEER"; do
		ip netns exec "$ns" ip link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	done
	ip netns exec "$RIG_ENG" ip link set dpv0 up
	# The peer computes real checksums (veth would leave them to an offload that af_packet
	# never sees).
	rig_peer ethtool -K dpvp0 tx off rx off >/dev/null
	ip netns exec "$RIG_ENG" ethtool -K dpv0 tx off rx off >/dev/null
	rig_peer ip addr add "$RIG_PEER_IP/24" dev dpvp0
	rig_peer ip link set dpvp0 up
}

rig_down() {
	set +e
	engine_stop
	ip netns del "$RIG_ENG" 2>/dev/null
	ip netns del "$RIG_PEER" 2>/dev/null
	# RIG_KEEP=DIR: keep the logs and records there (debugging a failed run)
	[ -z "${RIG_KEEP:-}" ] || { rm -rf "$RIG_KEEP"; cp -r "$RIG_DIR" "$RIG_KEEP"; }
	rm -rf "$RIG_DIR"
}

# rig_conf MEDIA SIGNALING [extra lines...]: a startup file for the rig; prints its path.
# RIG_CPU_EXTRA, when set, is one more line for [cpu] (e.g. "shared-cpu = threads");
# RIG_QPAIRS, when set, is the af_packet port's queue pairs (one per media worker);
# RIG_MEM (default 512) the EAL's memory in MB.
rig_conf() {
	local media=$1 sig=$2
	shift 2
	local f=$RIG_DIR/dpvoip.conf
	{
		echo "[dpdk]"
		echo "eal = --no-huge -m ${RIG_MEM:-512} --no-pci --file-prefix=dpv$RIG_ID --vdev=net_af_packet0,iface=dpv0${RIG_QPAIRS:+,qpairs=$RIG_QPAIRS} --log-level=lib.eal:error"
		echo "[cpu]"
		echo "main-core = 0"
		echo "corelist-media = $media"
		echo "corelist-signaling = $sig"
		echo "idle-sleep-us = 100"
		if [ -n "${RIG_CPU_EXTRA:-}" ]; then echo "$RIG_CPU_EXTRA"; fi
		echo "[port0]"
		echo "address = $RIG_ENG_IP/24"
		echo "[control]"
		echo "socket = $RIG_SOCK"
		for l in "$@"; do echo "$l"; done
	} >"$f"
	echo "$f"
}

# engine_start CONF: start the engine in its namespace and wait (bounded) until it answers.
engine_start() {
	ip netns exec "$RIG_ENG" "$BUILD/engine/dpvoip" -c "$1" >"$RIG_DIR/engine.log" 2>&1 &
	RIG_ENGINE_PID=$!
	for _ in $(seq 1 300); do
		if "$BUILD/tools/dpvoipctl" -s "$RIG_SOCK" --json stats >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$RIG_ENGINE_PID" 2>/dev/null; then
			echo "engine exited during start:"
			cat "$RIG_DIR/engine.log"
			return 1
		fi
		sleep 0.1
	done
	echo "engine did not answer on $RIG_SOCK within 30 s"
	cat "$RIG_DIR/engine.log"
	return 1
}

# rig_stop_pid PID: SIGTERM, wait (bounded, 10 s), then SIGKILL; RIG_STOP_RC is its exit
# status (PID must be a child of this shell)
rig_stop_pid() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	RIG_STOP_RC=0
	wait "$pid" 2>/dev/null || RIG_STOP_RC=$?
}

engine_stop() {
	[ -n "$RIG_ENGINE_PID" ] || return 0
	rig_stop_pid "$RIG_ENGINE_PID"
	RIG_ENGINE_RC=$RIG_STOP_RC
	RIG_ENGINE_PID=
	if [ "$RIG_ENGINE_RC" -ne 0 ]; then
		echo "engine exited with status $RIG_ENGINE_RC; its log:"
		tail -30 "$RIG_DIR/engine.log"
	fi
}

ctl() { "$BUILD/tools/dpvoipctl" -s "$RIG_SOCK" "$@"; }

# stat PATH: one number from `dpvoipctl --json stats`, e.g. ports.0.counters.rx_sip,
# lcores.*.sip_processed (sum), drops.ip_cksum.
stat() { ctl --json stats | python3 "$RIG_SRC/stat.py" "$1"; }

check() { # description, command...
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
		RIG_PASS=$((RIG_PASS + 1))
	else
		echo "not ok - $what"
		RIG_FAIL=$((RIG_FAIL + 1))
	fi
}

# wait_stat PATH OP VALUE: poll (bounded, 10 s) until the counter satisfies the comparison.
wait_stat() {
	local path=$1 op=$2 want=$3 v
	for _ in $(seq 1 100); do
		v=$(stat "$path")
		if [ "$v" "$op" "$want" ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "  $path = $v, wanted $op $want"
	return 1
}

rig_summary() {
	echo "$RIG_PASS passed, $RIG_FAIL failed"
	[ "$RIG_FAIL" -eq 0 ]
}
