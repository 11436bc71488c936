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
SG_BIN=${SG_BIN:-$SG_ROOT/build/bench/sipgen}
SG_ENG=${SG_ENG:-$SG_ROOT/build/engine/dpvoip}
SG_CTL=${SG_CTL:-$SG_ROOT/build/tools/dpvoipctl}
SG_PEER_IP=198.18.0.1
SG_GEN_IP=198.18.0.2
SG_TMP=
SG_NS_P=dpv-sg-p-$$
SG_NS_G=dpv-sg-g-$$
SG_PEER_PID=
SG_SYSTEM=
SG_LINK=

sg_veth_up() {
	ip netns add "$SG_NS_P"
	ip netns add "$SG_NS_G"
	ip link add sgp netns "$SG_NS_P" type veth peer name sgg netns "$SG_NS_G"
	for ns_if in "$SG_NS_P:sgp" "$SG_NS_G:sgg"; do
		local ns=${ns_if%%:*} dev=${ns_if#*:}
		ip netns exec "$ns" ip link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		# real checksums from the kernel side (af_packet never sees an offload's)
		ip netns exec "$ns" ethtool -K "$dev" tx off rx off >/dev/null 2>&1 || true
		ip netns exec "$ns" ip link set "$dev" up
	done
}

# the EAL --vdev of the peer engine (e) or sipgen (g)
sg_vdev() {
	case "$SG_LINK:$1" in
	memif:e) echo "net_memif0,role=server,socket=$SG_TMP/memif.sock,rsize=12" ;;
	memif:g) echo "net_memif0,role=client,socket=$SG_TMP/memif.sock,rsize=12" ;;
	af_packet:e) echo "net_af_packet0,iface=sgp,framecnt=4096" ;;
	af_packet:g) echo "net_af_packet0,iface=sgg,framecnt=4096" ;;
	af_xdp:e) echo "net_af_xdp0,iface=sgp" ;;
	af_xdp:g) echo "net_af_xdp0,iface=sgg" ;;
	*) return 1 ;;
	esac
}

sg_ns() { # SIDE: the command prefix of p (peer) or g (sipgen)
	[ "$SG_LINK" = memif ] && return 0
	case "$1" in p) echo "ip netns exec $SG_NS_P" ;; g) echo "ip netns exec $SG_NS_G" ;; esac
}

sg_engine_conf() {
	cat >"$SG_TMP/engine.conf" <<EOF
[dpdk]
eal = --no-huge -m ${SG_ENG_MEM:-4096} --no-pci --file-prefix=dpvsge$$ --vdev=$(sg_vdev e) --log-level=lib.eal:error
rx-desc = 4096
tx-desc = 4096
[cpu]
main-core = 0
corelist-media = 1
corelist-signaling = 1
idle-sleep-us = 0
[port0]
address = $SG_PEER_IP/24
[sip]
; a finished call holds its session and INVITE transaction 64*T1 (32 s): room for a whole trial
max-dialogs = ${SG_ENG_DIALOGS:-320000}
max-transactions = ${SG_ENG_TX:-640000}
[rtp]
port-min = 10000
port-max = 65534
media-timeout-s = 0
[dialplan]
rule = ^echo\$ echo
[control]
socket = $SG_TMP/ctl.sock
EOF
}

# sg_start SYSTEM LINK: the peer, up and answering (bounded: 30 s)
sg_start() {
	SG_SYSTEM=$1
	SG_LINK=$2
	SG_TMP=$(mktemp -d /tmp/dpv-sipgen.XXXXXX)
	sg_vdev g >/dev/null || { echo "sipgen.sh: link memif, af_packet or af_xdp" >&2; return 2; }
	[ "$SG_LINK" = memif ] || sg_veth_up
	case "$SG_SYSTEM" in
	engine)
		sg_engine_conf
		# shellcheck disable=SC2046
		$(sg_ns p) "$SG_ENG" -c "$SG_TMP/engine.conf" >"$SG_TMP/peer.log" 2>&1 &
		SG_PEER_PID=$!
		for _ in $(seq 1 300); do
			"$SG_CTL" -s "$SG_TMP/ctl.sock" --json stats >/dev/null 2>&1 && return 0
			kill -0 "$SG_PEER_PID" 2>/dev/null || break
			sleep 0.1
		done
		;;
	kamailio)
		[ "$SG_LINK" != memif ] || { echo "sipgen.sh: kamailio needs a veth link" >&2; return 2; }
		command -v kamailio >/dev/null || { echo "sipgen.sh: kamailio not installed" >&2; return 77; }
		ip netns exec "$SG_NS_P" ip addr add "$SG_PEER_IP/24" dev sgp
		sed "s/ADDR/$SG_PEER_IP/g" "$SG_ROOT/bench/kamailio.cfg" >"$SG_TMP/kamailio.cfg"
		ip netns exec "$SG_NS_P" taskset -c 1 kamailio -f "$SG_TMP/kamailio.cfg" -DD -E \
			-m 4096 -M 32 -P "$SG_TMP/kamailio.pid" >"$SG_TMP/peer.log" 2>&1 &
		SG_PEER_PID=$!
		for _ in $(seq 1 300); do
			ip netns exec "$SG_NS_P" ss -uln | grep -q "$SG_PEER_IP:5060" && return 0
			kill -0 "$SG_PEER_PID" 2>/dev/null || break
			sleep 0.1
		done
		;;
	*)
		echo "sipgen.sh: system engine or kamailio" >&2
		return 2
		;;
	esac
	echo "sipgen.sh: $SG_SYSTEM did not start; its log:" >&2
	tail -10 "$SG_TMP/peer.log" >&2
	return 1
}

sg_stop() {
	set +e
	if [ -n "$SG_PEER_PID" ]; then
		kill -TERM "$SG_PEER_PID" 2>/dev/null
		for _ in $(seq 1 100); do
			kill -0 "$SG_PEER_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$SG_PEER_PID" 2>/dev/null
		wait "$SG_PEER_PID" 2>/dev/null
		SG_PEER_PID=
	fi
	ip netns del "$SG_NS_P" 2>/dev/null
	ip netns del "$SG_NS_G" 2>/dev/null
	[ -z "$SG_TMP" ] || [ -n "${SG_KEEP:-}" ] || rm -rf "$SG_TMP"
	SG_TMP=
	set -e
}

# sg_sipgen ARGS...: sipgen to the peer's echo (CPU 0), its status returned
sg_sipgen() {
	# shellcheck disable=SC2046
	$(sg_ns g) timeout -k 5 "${SG_TIMEOUT:-300}" "$SG_BIN" --no-huge -m "${SG_MEM:-4096}" \
		--no-pci -l 0 --file-prefix="dpvsgg$$" --vdev="$(sg_vdev g)" \
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
	for b in "$SG_BIN" "$SG_ENG" "$SG_CTL"; do
		[ -x "$b" ] || { echo "build first: ninja -C build"; exit 1; }
	done
	cmd=$1 SG_SYSTEM=$2 SG_LINK=$3
	shift 3
	trap sg_stop EXIT
	trap 'exit 130' INT TERM
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
