#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Signaling cost: complete calls (INVITE -> 100/180/200 -> ACK -> BYE -> 200) on one lcore,
# with the UA's tables pre-filled to 1k, 100k and 1M established calls.
# usage: bench/calls.sh [CALLS] [SECONDS] [SIZES...]
#   each size runs up to CALLS complete calls (default 200000) or SECONDS (default 10),
#   whichever comes first; SIZES default to "1000 100000 1000000".
#   CALLS_ARGS: more bench_calls options (CALLS_ARGS=--per-message: the UA stage without bursts)
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${1:-200000}
SECS=${2:-10}
shift $(($# > 2 ? 2 : $#))
SIZES=${*:-1000 100000 1000000}
BIN=build/bench/bench_calls
[ -x "$BIN" ] || { echo "build first: ninja -C build"; exit 1; }
[ "$CALLS" -ge 1000 ] && [ "$CALLS" -le 4000000 ] || { echo "calls: 1000-4000000"; exit 2; }
[ "$SECS" -ge 1 ] && [ "$SECS" -le 600 ] || { echo "seconds: 1-600"; exit 2; }
# EAL memory: one mbuf (2.4 KB with headers, more with mempool overhead) per measured call is held for 64*T1 (the BYE's
# 200 in its transaction), plus slack; sessions and transactions are plain heap memory.
MEM=$(((CALLS * 3600 / 1048576) + 512))
ROWS=$(mktemp)
trap 'rm -f "$ROWS"' EXIT

echo "# $(date -u +%FT%TZ) $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
echo "# build: $(meson introspect --buildoptions build 2>/dev/null |
	python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"))' 2>/dev/null || echo '?')"
for N in $SIZES; do
	CMD="$BIN --no-huge -m $MEM --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error -l 0 --file-prefix=dpvcalls$$ -- --sessions $N --calls $CALLS --seconds $SECS${CALLS_ARGS:+ $CALLS_ARGS}"
	echo
	echo "\$ $CMD"
	OUT=$(timeout 900 $CMD) || { echo "$OUT"; echo "FAILED (size $N)"; exit 1; }
	echo "$OUT"
	echo "$OUT" | grep '^ROW|' >>"$ROWS"
done

echo
echo "| established calls | max_dialogs | max_transactions | prefill wall s | prefill CPU s | complete calls | wall s | CPU s | calls/s (wall) | calls/s (CPU) | ns/call both stages | ns/call UA stage | ns/call deferred | ns/call UA total | transactions at end | result |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:--|"
while IFS='|' read -r _ n md mt pw pc calls w c cpsw cps ns ua dfr tot tx res; do
	echo "| $n | $md | $mt | $pw | $pc | $calls | $w | $c | $cpsw | $cps | $ns | $ua | $dfr | $tot | $tx | $res |"
done <"$ROWS"
