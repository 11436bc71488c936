#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Per-call instruction budget of the UA from callgrind dumps of bench_calls.

usage: bench/cg_budget.py --calls N DUMP... (the measured and deferred dumps of one run:
       valgrind --tool=callgrind --collect-atstart=no --toggle-collect=ua_stage
       --toggle-collect=ua_drain_tick ... build/bench/bench_calls ... writes OUT.2 and OUT.3)

Each function's own instructions go to a group by the source file it is defined in (sip/parse.c
-> parse, sip/tx.c -> transactions, ...). Shared helpers (libc's mem*/str*, lib/str.c, lib/pool.c,
liburcu-cds's hash table, DPDK) belong to no group: their instructions are split among their
callers' groups in proportion to what each caller spent in them, so memset under rtp_sdp_parse
counts as SDP and a hash lookup under the session table as dialog/session.
"""
import argparse
import collections
import re
import sys

GROUPS = [
    "parse",
    "transaction lookup/insert",
    "dialog/session",
    "dialplan",
    "SDP (parse, negotiate, answer, port)",
    "writing",
    "timers",
    "RCU",
    "UA logic (ua.c, uas.c, reply.c)",
    "mbufs, ring (the bench's msg_send)",
    "other",
]

# (regex on "file:function", group); first match wins; None: a helper, charged to its callers
RULES = [
    (r"liburcu-qsbr|urcu_qsbr|rcu_defer\.c|:rcu_", "RCU"),
    (r"liburcu-cds|:cds_lfht", None),
    (r"sip/(parse|msg|scan)\.c:", "parse"),
    (r"sip/tx\.c:", "transaction lookup/insert"),
    (r"sip/(dialog|session)\.c:", "dialog/session"),
    (r"sip/dialplan\.c:|libhs\.so", "dialplan"),
    (r"rtp/(sdp|media|portpool)\.c:", "SDP (parse, negotiate, answer, port)"),
    (r"sip/write\.c:|:dpv_(buf|fmt)_|:dpv_ipv4_format", "writing"),
    (r"lib/timer\.c:", "timers"),
    (r"sip/(ua|uas|uac|reply)\.c:", "UA logic (ua.c, uas.c, reply.c)"),
    (r"bench/bench_calls\.c:|librte_|rte_mbuf|rte_mempool|rte_ring", "mbufs, ring (the bench's msg_send)"),
    (r"libc\.so|lib/str\.c:|lib/pool\.c:|ld-linux|lib/include/dpv\.h:", None),
]


def group_of(name):
    for rx, g in RULES:
        if re.search(rx, name):
            return g
    return "other"


def parse_dump(path, self_cost, edges, names):
    """Add a callgrind dump's self costs and call edges (inclusive Ir) to the tables."""
    fl = {}
    ob = {}
    fn_by_id = {}
    cur_fl = cur_fn = cur_ob = None
    cfn = cfl = cob = None
    pending_call = False

    def ref(table, text):
        m = re.match(r"\((\d+)\)(?:\s+(.*))?", text)
        if m is None:
            return text
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table[m.group(1)]

    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if not line:
            continue
        if line.startswith("ob="):
            cur_ob = ref(ob, line[3:])
            continue
        if line.startswith("cob="):
            cob = ref(ob, line[4:])
            continue
        if line.startswith("fl=") or line.startswith("fi=") or line.startswith("fe="):
            f = ref(fl, line[3:])
            if line.startswith("fl="):
                cur_fl = f
            continue
        if line.startswith("fn="):
            cur_fn = ref(fn_by_id, line[3:])
            key = cur_fn
            names.setdefault(key, "%s %s:%s" % (cur_ob, cur_fl, cur_fn))
            cfl = cob = None
            continue
        if line.startswith("cfl=") or line.startswith("cfi="):
            cfl = ref(fl, line[4:])
            continue
        if line.startswith("cfn="):
            cfn = ref(fn_by_id, line[4:])
            names.setdefault(cfn, "%s %s:%s" % (cob or cur_ob, cfl or cur_fl, cfn))
            continue
        if line.startswith("calls="):
            pending_call = True
            continue
        if line[0].isdigit() or line[0] in "+-*":
            parts = line.split()
            ir = int(parts[1]) if len(parts) > 1 else 0
            if pending_call:
                edges[(cur_fn, cfn)] += ir
                pending_call = False
                cfl = cob = None
            elif cur_fn is not None:
                self_cost[cur_fn] += ir
            continue


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, required=True, help="complete calls in the dumps")
    ap.add_argument("--top", type=int, default=0, help="also list the N largest functions")
    ap.add_argument("dumps", nargs="+")
    a = ap.parse_args()
    self_cost = collections.Counter()
    edges = collections.Counter()
    names = {}
    for d in a.dumps:
        parse_dump(d, self_cost, edges, names)
    fns = set(self_cost) | {f for e in edges for f in e}
    callers = collections.defaultdict(list)
    for (f, c), ir in edges.items():
        if f != c:
            callers[c].append((f, ir))
    # a helper's group shares: its callers' shares weighted by the inclusive cost of each call;
    # iterated, since helpers call helpers (the hash table's internals)
    share = {}
    for f in fns:
        g = group_of(names.get(f, f))
        share[f] = {g: 1.0} if g is not None else None
    for _ in range(20):
        for f in fns:
            if group_of(names.get(f, f)) is not None:
                continue
            tot = collections.Counter()
            w = 0
            for c, ir in callers.get(f, []):
                s = share.get(c)
                if s is None:
                    continue
                for g, v in s.items():
                    tot[g] += v * ir
                w += ir
            share[f] = {g: v / w for g, v in tot.items()} if w else {"other": 1.0}
    total = collections.Counter()
    for f in fns:
        for g, v in (share[f] or {"other": 1.0}).items():
            total[g] += v * self_cost[f]
    all_ir = sum(self_cost.values())
    print("| group | Ir per complete call | share |")
    print("|---|---:|---:|")
    for g in GROUPS:
        print("| %s | %s | %.1f %% |" % (g, format(round(total[g] / a.calls), ","), 100 * total[g] / all_ir))
    print("| **total** | **%s** | 100 %% |" % format(round(all_ir / a.calls), ","))
    if a.top:
        print()
        for f, ir in self_cost.most_common(a.top):
            print("%10s  %s" % (format(round(ir / a.calls), ","), names.get(f, f)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
