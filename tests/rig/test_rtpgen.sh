#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# rtpgen smoke: the engine (memif server, CPU 1) and build/bench/rtpgen --calls (memif client,
# CPU 0) in this namespace: 4 two-party calls into the dialplan's bridges, 50 packets/s per
# stream for 1 s of warm-up + 2 s. Asserts rtpgen's own accounting (expected == received +
# lost, received > 0, nothing misrouted or duplicated) and that its totals match the engine's
# counters: the engine's rx_rtp is what rtpgen sent, its tx_rtp what rtpgen got back.
# Then --streams against a kernel UDP reflector (Python, namespace dpv-rg-r-PID) over a veth
# pair, rtpgen on af_packet in dpv-rg-g-PID: the file format (comments, blank lines), ARP both
# ways (rtpgen resolves the reflector, the kernel resolves rtpgen), and exact counts: what
# rtpgen sent = what the reflector echoed = what rtpgen received.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
BIN=$BUILD/bench/rtpgen
ENG=$BUILD/engine/dpvoip
CTL=$BUILD/tools/dpvoipctl
for b in "$BIN" "$ENG" "$CTL"; do [ -x "$b" ] || { echo "FAIL: $b not built"; exit 1; }; done
TMP=$(mktemp -d /tmp/dpv-rtpgen.XXXXXX)
ENGINE_PID=
REFL_PID=
NS_R=dpv-rg-r-$$
NS_G=dpv-rg-g-$$
cleanup() {
	set +e
	if [ -n "$REFL_PID" ]; then
		kill -TERM "$REFL_PID" 2>/dev/null
		wait "$REFL_PID" 2>/dev/null
	fi
	ip netns del "$NS_R" 2>/dev/null
	ip netns del "$NS_G" 2>/dev/null
	if [ -n "$ENGINE_PID" ]; then
		kill -TERM "$ENGINE_PID" 2>/dev/null
		for _ in $(seq 1 100); do kill -0 "$ENGINE_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$ENGINE_PID" 2>/dev/null
		wait "$ENGINE_PID" 2>/dev/null
	fi
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -20 "$TMP/gen.log" "$TMP/engine.log" 2>/dev/null; exit 1; }

cat >"$TMP/engine.conf" <<CONF
[dpdk]
eal = --no-huge -m 512 --no-pci --file-prefix=dpvrg$$ --vdev=net_memif0,role=server,socket=$TMP/memif.sock --log-level=lib.eal:error
[cpu]
main-core = 0
corelist-media = 1
corelist-signaling = 1
[port0]
address = 198.18.0.1/24
[rtp]
port-min = 20000
port-max = 20999
media-timeout-s = 0
[dialplan]
rule = ^conf-(.+)\$ bridge
[control]
socket = $TMP/ctl.sock
CONF
"$ENG" -c "$TMP/engine.conf" >"$TMP/engine.log" 2>&1 &
ENGINE_PID=$!
up=0
for _ in $(seq 1 300); do
	"$CTL" -s "$TMP/ctl.sock" --json stats >/dev/null 2>&1 && { up=1; break; }
	kill -0 "$ENGINE_PID" 2>/dev/null || break
	sleep 0.1
done
[ "$up" = 1 ] || fail "the engine did not start"

stat() { "$CTL" -s "$TMP/ctl.sock" --json stats | python3 tests/rig/stat.py "$1"; }
rx0=$(stat ports.0.counters.rx_rtp)
tx0=$(stat ports.0.counters.tx_rtp)

rc=0
timeout -k 5 60 "$BIN" --no-huge -m 512 --no-pci -l 0 --file-prefix=dpvrgg$$ \
	--vdev="net_memif0,role=client,socket=$TMP/memif.sock" --log-level=lib.eal:error -- \
	--calls 4 --pps 50 --seconds 2 --warmup 1 --label memif --ctl "$TMP/ctl.sock" --ctl-tool "$CTL" >"$TMP/gen.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "rtpgen exited $rc (0: every call up, nothing lost)"
line=$(grep '^RESULT' "$TMP/gen.log") || fail "no RESULT line"
echo "$line"
field() { tr ' ' '\n' <<<"$line" | awk -F= -v k="$1" '$1 == k { print $2 }'; }
sent=$(field sent) exp=$(field expected) rcvd=$(field received) lost=$(field lost)
[ "$(field calls_ok)" = 8 ] || fail "calls_ok $(field calls_ok), want 8 (4 calls of 2 legs)"
[ "$(field calls_failed)" = 0 ] || fail "calls_failed $(field calls_failed)"
[ "$exp" = "$sent" ] || fail "2-party calls: expected $exp != sent $sent"
[ "$exp" = $((rcvd + lost)) ] || fail "expected $exp != received $rcvd + lost $lost"
[ "$rcvd" -gt 0 ] || fail "nothing received"
[ "$lost" = 0 ] || fail "lost $lost on an idle memif link"
[ "$(field misrouted)" = 0 ] || fail "misrouted $(field misrouted)"
[ "$(field dup)" = 0 ] || fail "dup $(field dup)"
[ "$(field reordered)" = 0 ] || fail "reordered $(field reordered)"
[ "$(field bad_magic)" = 0 ] || fail "bad_magic $(field bad_magic)"
# (how many were sent depends on the CPU time the shared machine gave: not asserted)
# the engine's own counters over the whole run: rx_rtp = what rtpgen sent, tx_rtp = what it
# got back (rtpgen's totals include the warm-up)
erx=$(($(stat ports.0.counters.rx_rtp) - rx0))
etx=$(($(stat ports.0.counters.tx_rtp) - tx0))
[ "$erx" = "$(field sent_all)" ] || fail "engine rx_rtp $erx != rtpgen sent_all $(field sent_all)"
[ "$etx" = "$(field received_all)" ] ||
	fail "engine tx_rtp $etx != rtpgen received_all $(field received_all)"
[ "$(field eng_rx_rtp)" = "$(field sent_all)" ] || fail "rtpgen: engine rx_rtp over its run $(field eng_rx_rtp) != sent_all $(field sent_all)"
echo "PASS: rtpgen --calls over memif (sent $sent, received $rcvd, engine rx_rtp $erx tx_rtp $etx)"
kill -TERM "$ENGINE_PID"
wait "$ENGINE_PID" 2>/dev/null || true
ENGINE_PID=

# ---- --streams against a kernel reflector over veth, rtpgen on af_packet ----
ip netns add "$NS_R"
ip netns add "$NS_G"
ip link add rgr netns "$NS_R" type veth peer name rgg netns "$NS_G"
for ns_if in "$NS_R:rgr" "$NS_G:rgg"; do
	ip netns exec "${ns_if%%:*}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "${ns_if%%:*}" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "${ns_if%%:*}" ip link set "${ns_if#*:}" up
done
ip netns exec "$NS_R" ip addr add 198.18.5.1/24 dev rgr
# the reflector fills in its UDP checksums (veth leaves them to an offload that never runs)
ip netns exec "$NS_R" ethtool -K rgr tx off >/dev/null
cat >"$TMP/refl.py" <<'PY'
import select, signal, socket, sys, time
socks = []
for port in range(30000, 30004):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("198.18.5.1", port))
    socks.append(s)
n = 0
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
end = time.monotonic() + 50
while not stop and time.monotonic() < end:
    try:
        r, _, _ = select.select(socks, [], [], 0.1)
    except InterruptedError:
        continue
    for s in r:
        data, addr = s.recvfrom(2048)
        s.sendto(data, addr)
        n += 1
print("echoed", n, flush=True)
PY
refl_start() { # LOG: the reflector, up when its 4 ports are bound (bounded: 5 s)
	ip netns exec "$NS_R" python3 "$TMP/refl.py" >"$1" 2>&1 &
	REFL_PID=$!
	for _ in $(seq 1 50); do
		[ "$(ip netns exec "$NS_R" ss -Hnlu 'sport >= :30000 and sport <= :30003' | wc -l)" = 4 ] &&
			return 0
		sleep 0.1
	done
	fail "the reflector did not bind its 4 ports"
}
refl_start "$TMP/refl.log"
cat >"$TMP/streams" <<'ST'
# rtpgen streams: SRC_IP SRC_PORT DST_IP DST_PORT
198.18.5.2 40000 198.18.5.1 30000
198.18.5.2 40002 198.18.5.1 30001   # a comment after a stream

198.18.5.2 40004 198.18.5.1 30002
198.18.5.2 40006 198.18.5.1 30003
ST
gen() {
	ip netns exec "$NS_G" timeout -k 5 40 "$BIN" --no-huge -m 512 --no-pci -l 0 \
		--file-prefix=dpvrgs$$ --vdev=net_af_packet0,iface=rgg --log-level=lib.eal:error -- \
		--addr 198.18.5.2 --label af_packet "$@"
}
rc=0
gen --streams "$TMP/streams" --pps 50 --seconds 2 --warmup 1 >"$TMP/gen.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "rtpgen --streams exited $rc"
line=$(grep '^RESULT' "$TMP/gen.log") || fail "no RESULT line (--streams)"
echo "$line"
sent=$(field sent) rcvd=$(field received) lost=$(field lost)
[ "$(field streams)" = 4 ] || fail "streams $(field streams), want 4"
[ "$rcvd" -gt 0 ] || fail "nothing received from the reflector"
[ "$sent" = "$rcvd" ] && [ "$lost" = 0 ] || fail "sent $sent received $rcvd lost $lost"
[ "$(field sent_all)" = "$(field received_all)" ] ||
	fail "sent_all $(field sent_all) != received_all $(field received_all)"
[ "$(field bad_cksum)" = 0 ] || fail "bad_cksum $(field bad_cksum) (of the sampled packets)"
[ "$(field dup)" = 0 ] && [ "$(field reordered)" = 0 ] && [ "$(field misrouted)" = 0 ] ||
	fail "dup/reordered/misrouted not 0"
kill -TERM "$REFL_PID"
wait "$REFL_PID" || true
REFL_PID=
[ "$(awk '/^echoed/ { print $2 }' "$TMP/refl.log")" = "$(field sent_all)" ] ||
	fail "the reflector echoed $(cat "$TMP/refl.log"), rtpgen sent $(field sent_all)"
# bad files are refused with status 2
printf '198.18.5.2 40000 198.18.5.1\n' >"$TMP/bad"
rc=0
gen --streams "$TMP/bad" --pps 50 --seconds 1 >"$TMP/bad.log" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a 3-field line: status $rc, want 2"
grep -q 'want SRC_IP SRC_PORT DST_IP DST_PORT' "$TMP/bad.log" || fail "no error for the bad line"
echo "PASS: rtpgen --streams over af_packet (sent $sent = received $rcvd = echoed)"
# --search: 3 trials of 0.5 s between 100 and 4000 packets/s in all; it terminates with one
# TRIAL line per trial, a SEARCH line and a RESULT line (whether a rate passes depends on the
# machine: status 0 or 1, not asserted)
refl_start "$TMP/refl2.log"
rc=0
gen --streams "$TMP/streams" --search --min 100 --max 4000 --trial 0.5 --max-trials 3 \
	--loss-threshold 0.001 --csv "$TMP/search.csv" >"$TMP/gen.log" 2>&1 || rc=$?
[ "$rc" -le 1 ] || fail "rtpgen --search exited $rc"
grep -E '^(TRIAL|SEARCH)' "$TMP/gen.log"
[ "$(grep -c '^TRIAL' "$TMP/gen.log")" -ge 1 ] && [ "$(grep -c '^TRIAL' "$TMP/gen.log")" -le 3 ] ||
	fail "$(grep -c '^TRIAL' "$TMP/gen.log") trials, want 1-3"
grep -q '^SEARCH rate=' "$TMP/gen.log" || fail "no SEARCH line"
tail -1 "$TMP/gen.log" | grep -q '^RESULT' || fail "the last line is not RESULT"
# the CSV: a header and one row per trial plus the final run
[ "$(wc -l <"$TMP/search.csv")" = $(($(grep -c '^TRIAL' "$TMP/gen.log") + 2)) ] ||
	fail "search.csv has $(wc -l <"$TMP/search.csv") lines"
echo "PASS: rtpgen --search terminated (status $rc)"
# bad options: status 2 (a null port: nothing is sent)
for opts in "--calls 1 --rate bogus" "--calls 1 --search" "--calls 1 --pps 50 --rate max" \
	"--calls 1 --pps 50 --warmup x"; do
	rc=0
	# shellcheck disable=SC2086 # the options are words
	timeout -k 5 20 "$BIN" --no-huge -m 128 --no-pci -l 0 --file-prefix=dpvrgb$$ \
		--vdev=net_null0 --log-level=lib.eal:error -- $opts >"$TMP/opt.log" 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "rtpgen $opts: status $rc, want 2"
done
echo "PASS: rtpgen refuses bad options with status 2"
echo "PASS: test_rtpgen"
