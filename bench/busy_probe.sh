#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The engine lcore's load while sipgen drives it over memif, per offered rate: a fresh engine
# with bench/run.sh's SIP config (shipped [sip] pools, -m 1024), sipgen -r RATE -m 4*RATE -d 0,
# and every 0.5 s the engine's stats (busy TSC cycles, SIP datagrams in) and its lcore thread's
# /proc schedstat (time on the CPU, time runnable but waiting for it). Averages over the samples
# where the engine took at least 90 % of its peak SIP rate: run.sh's per-trial busy share spans
# sipgen's start-up and tail and reads too low.
# With PROFILE=DIR, a profile of the lcore thread as well: 2 s of `perf record -e cpu-clock -g`
# from when the engine takes SIP at the offered rate, kept as DIR/perf-RATE.data, and its self time by
# symbol (the 40 largest) in DIR/perf-RATE.txt.
# usage (as root): [PROFILE=DIR] bench/busy_probe.sh RATE...
set -euo pipefail
cd "$(dirname "$0")/.."
SG_LIB=1 source bench/sipgen.sh
trap 'sg_stop; bench_cleanup' EXIT
# read by sg_start (bench/sipgen.sh): the pools bench/run.sh gives the engine
# shellcheck disable=SC2034
SG_ENG_MEM=1024 SG_ENG_TX=65536 SG_ENG_DIALOGS=65536
for rate in "$@"; do
  sg_start engine memif
  ( for _ in $(seq 1 60); do
      "$BENCH_CTL" -s "$BENCH_TMP/ctl.sock" --json stats 2>/dev/null | python3 -c '
import json,sys,time; s=json.load(sys.stdin)["stats"]; l=s["lcores"]
import glob
run=wait=0
for t in glob.glob("/proc/%s/task/*" % sys.argv[1]):
    try:
        if "worker" not in open(t + "/comm").read(): continue
        a = open(t + "/schedstat").read().split(); run += int(a[0]); wait += int(a[1])
    except OSError: pass
print(time.time(), s["engine"]["hz"], sum(x.get("busy_cycles",0) for x in l), sum(x.get("sip_processed",0) for x in l), run, wait)' "$BENCH_ENGINE_PID" || true
      sleep 0.5
    done > "$BENCH_TMP/samples" ) &
  sp=$!
  pp=
  if [ -n "${PROFILE:-}" ]; then
    mkdir -p "$PROFILE"
    ( # start once the engine takes SIP at the offered call rate (3 datagrams in per call;
      # 2 per call counted as reached), read from the sampler's lines: time ... sip_processed ...
      for _ in $(seq 1 40); do
        awk -v r="$rate" 'NF == 6 { if (t && ($4 - n) / ($1 - t) >= 2 * r) ok = 1; t = $1; n = $4 }
          END { exit !ok }' "$BENCH_TMP/samples" 2>/dev/null && break
        sleep 0.5
      done
      tid=$(grep -l worker /proc/"$BENCH_ENGINE_PID"/task/*/comm | head -1 | cut -d/ -f5)
      perf record -q -e cpu-clock -F 4000 -g -t "$tid" -o "$PROFILE/perf-$rate.data" -- sleep 2 \
        >/dev/null 2>&1 || true
      perf report -q -i "$PROFILE/perf-$rate.data" --no-children --sort sym --percent-limit 0.3 \
        --stdio -g none 2>/dev/null | head -40 > "$PROFILE/perf-$rate.txt" || true ) &
    pp=$!
  fi
  out=$(sg_sipgen -r "$rate" -m $((rate * 4)) -t 20 -d 0 -l $((rate + 1000)) 2>&1 | grep ^RESULT | tail -1) || true
  kill "$sp" 2>/dev/null || true
  wait "$sp" 2>/dev/null || true
  [ -z "$pp" ] || wait "$pp" || true
  python3 - "$BENCH_TMP/samples" "$rate" <<'PY'
import sys
rows=[list(map(float,l.split())) for l in open(sys.argv[1]) if len(l.split())==6]
iv=[]
for a,b in zip(rows,rows[1:]):
    dt=b[0]-a[0]; iv.append(((b[3]-a[3])/dt, (b[2]-a[2])/a[1]/dt, (b[4]-a[4])/1e9/dt, (b[5]-a[5])/1e9/dt))
peak=max(v[0] for v in iv) if iv else 0
sel=[v for v in iv if v[0]>=0.9*peak and peak>0]
if sel:
    n=len(sel); r=sum(v[0] for v in sel)/n; bz=sum(v[1] for v in sel)/n; oncpu=sum(v[2] for v in sel)/n; waitq=sum(v[3] for v in sel)/n
    print("rate=%s samples=%d sip_in_per_s=%.0f busy_pct=%.1f oncpu_pct=%.1f runqueue_wait_pct=%.1f busy_us_per_call=%.2f" % (sys.argv[2], n, r, 100*bz, 100*oncpu, 100*waitq, 1e6*bz/(r/3)))
PY
  echo "  $out" | tr ' ' '\n' | grep -E "^(completed|failed|retrans|rate|gen_cpu_pct|p99_us)=" | tr '\n' ' '; echo
  sg_stop
done
