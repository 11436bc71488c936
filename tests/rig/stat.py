# SPDX-License-Identifier: BSD-3-Clause
"""Read one number out of `dpvoipctl --json stats` on stdin.

Path elements are dict keys or list indexes; '*' sums over every element of a
list, e.g. lcores.*.sip_processed or ports.0.counters.rx_sip; elements without the rest of
the path (a media-only lcore has no "sig") count as 0.
"""
import json
import sys


def walk(node, parts):
    if not parts:
        return node
    head, rest = parts[0], parts[1:]
    if head == "*":
        total = 0
        for x in node:
            try:
                total += walk(x, rest)
            except (KeyError, IndexError):
                pass
        return total
    if isinstance(node, list):
        return walk(node[int(head)], rest)
    return walk(node[head], rest)


reply = json.load(sys.stdin)
if not reply.get("ok"):
    sys.exit("stats failed: %s" % reply.get("error"))
print(walk(reply["stats"], sys.argv[1].split(".")))
