# SPDX-License-Identifier: BSD-3-Clause
"""Checks over what tests/rig/rtp_peer.py recorded (its JSON files), for test_media.sh.

  rtp_check.py tone CALL PT           a tone stream from the engine's port, then silence
  rtp_check.py echo CALL              RTP sent came back unchanged from the engine's port
  rtp_check.py bridge CALL CALL...    every member gets exactly the others' streams
  rtp_check.py hold HELD OTHER        nothing to the held member while on hold, then again
  rtp_check.py spoof CALL SPOOFER...  the real stream echoes, the spoofers get nothing
  rtp_check.py flood CALL PPS BURST   a flood echoed within its budget
  rtp_check.py count CALL sent|recv   print a count (for counter comparisons)
  rtp_check.py between CALL EV1 EV2 MIN MAX   SIPp's event EV2 came MIN..MAX s after EV1

CALL is a path prefix: CALL.json is what rtp_peer.py recorded, CALL.log SIPp's log of the
call with the times it took messages as they went by ("bye", "hold", "resume", ...). Each prints what it found and exits 0 when the
check holds. Timing is asserted with tolerance: a stream counts as delivered when at least
90% of what was sent over the window (every member in the call, none hung up) arrived.
"""
import json
import math
import sys

ENOUGH = 0.90  # of the packets sent over a window, at least this many arrive


def load(call):
    with open(call + ".json") as f:
        rec = json.load(f)
    rec["bye"] = when(call, "bye")
    return rec


def when(call, event):
    """The time SIPp took for event (a line "EVENT SECONDS MICROSECONDS" of its log), or +inf."""
    try:
        with open(call + ".log") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[0] == event:
                    return float(parts[1]) + float(parts[2]) / 1e6
    except (OSError, ValueError):
        pass
    return float("inf")


def fail(msg):
    print("  " + msg)
    return False


# ---- G.711 (the Sun reference algorithms) ----

def ulaw_decode(u):
    u = ~u & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return 0x84 - t if u & 0x80 else t - 0x84


def alaw_decode(a):
    a ^= 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t = (t + 0x108) << (seg - 1)
    return t if a & 0x80 else -t


def _seg(v, ends):
    for i, e in enumerate(ends):
        if v <= e:
            return i
    return len(ends)


def alaw_encode(pcm):
    # sign and magnitude, as G.711's tables are symmetric (the engine's encoder is too; Sun's
    # one's complement would put -112, an exact decision value, one step lower than +112)
    mask = 0xD5 if pcm >= 0 else 0x55
    pcm = abs(pcm) >> 3
    seg = _seg(pcm, [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])
    if seg >= 8:
        return 0x7F ^ mask
    a = seg << 4
    a |= (pcm >> 1) & 0x0F if seg < 2 else (pcm >> seg) & 0x0F
    return a ^ mask


def ulaw_encode(pcm):
    pcm >>= 2
    if pcm < 0:
        pcm = -pcm
        mask = 0x7F
    else:
        mask = 0xFF
    pcm = min(pcm, 8159) + (0x84 >> 2)
    seg = _seg(pcm, [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((pcm >> (seg + 1)) & 0x0F)) ^ mask


U2A = bytes(alaw_encode(ulaw_decode(i)) for i in range(256))
A2U = bytes(ulaw_encode(alaw_decode(i)) for i in range(256))
# Known values: mu-law +0 and -0 are A-law +0, mu-law's extremes A-law's.
KNOWN_U2A = {0xFF: 0xD5, 0x7F: 0xD5, 0x80: 0xAA, 0x00: 0x2A}
assert all(U2A[u] == a for u, a in KNOWN_U2A.items())


def goertzel(x, freq, rate=8000):
    w = 2 * math.pi * freq / rate
    c = 2 * math.cos(w)
    s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + c * s1 - s2, s1
    return s1 * s1 + s2 * s2 - c * s1 * s2


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p / 100.0 * len(v)))]


def from_engine(rec, pkts):
    """Packets that did not come from the engine's answered port."""
    want = tuple(rec["remote"])
    return [p for p in pkts if (p[1], p[2]) != want]


# ---- checks ----

def tone(args):
    rec, pt = load(args[0]), int(args[1])
    bye = rec["bye"]
    if bye == float("inf"):
        return fail("no BYE time")
    rx = sorted(rec["recv"])
    ok = True
    if len(rx) < 50:
        return fail("only %d tone packets" % len(rx))
    if from_engine(rec, rx):
        ok = fail("%d packets not from the engine's port %s" %
                  (len(from_engine(rec, rx)), rec["remote"]))
    pts = {p[3] for p in rx}
    if pts != {pt}:
        ok = fail("payload types %s, wanted {%d}" % (sorted(pts), pt))
    lens = {len(p[8]) // 2 for p in rx}
    if lens != {160}:
        ok = fail("payload sizes %s, wanted {160}" % sorted(lens))
    ssrcs = {p[7] for p in rx}
    if len(ssrcs) != 1:
        ok = fail("%d SSRCs" % len(ssrcs))
    bad = [(a[5], b[5], a[6], b[6]) for a, b in zip(rx, rx[1:])
           if (b[5] - a[5]) & 0xFFFF != 1 or (b[6] - a[6]) & 0xFFFFFFFF != 160]
    if bad:
        ok = fail("%d steps that are not seq +1, ts +160, first %s" % (len(bad), bad[:3]))
    if sum(1 for p in rx if p[4]) > 1:
        ok = fail("the marker bit on %d packets" % sum(1 for p in rx if p[4]))
    dec = ulaw_decode if pt == 0 else alaw_decode
    samples = [dec(b) for p in rx if p[0] <= bye for b in bytes.fromhex(p[8])][:16000]
    e = {f: goertzel(samples, f) for f in (300, 440, 600, 1000)}
    ratio = min(e[440] / max(e[f], 1e-9) for f in (300, 600, 1000))
    if ratio < 100:
        ok = fail("440 Hz energy only %.1fx the strongest of 300/600/1000 Hz" % ratio)
    during = [p for p in rx if p[0] <= bye]
    gaps = [(b[0] - a[0]) * 1000 for a, b in zip(during, during[1:])]
    p50, p99 = pct(gaps, 50), pct(gaps, 99)
    if not 19.0 <= p50 <= 21.0:
        ok = fail("inter-arrival p50 %.2f ms, wanted 20 +- 1" % p50)
    expected = (bye - during[0][0]) / 0.020
    if len(during) < ENOUGH * expected:
        ok = fail("%d packets over %.2f s, wanted >= %.0f" %
                  (len(during), bye - during[0][0], ENOUGH * expected))
    late = [p for p in rx if p[0] > bye + 0.1]
    if late:
        ok = fail("%d packets more than 100 ms after the BYE's 200 (last %.3f s after)" %
                  (len(late), late[-1][0] - bye))
    if rec["t_end"] < bye + 1.0:
        ok = fail("listened only %.2f s after the BYE" % (rec["t_end"] - bye))
    print("  tone PT %d: %d packets, 1 SSRC, gap p50 %.2f ms p99 %.2f ms (max %.2f), "
          "440 Hz %.0fx the others, %d RTCP, silent %.2f s after BYE" %
          (pt, len(during), p50, p99, max(gaps), ratio, len(rec["rtcp"]), rec["t_end"] - bye))
    return ok


def sent_by_seq(rec):
    return {s[1]: s for s in rec["sent"]}


def in_window(rec, t0, t1):
    return [s for s in rec["sent"] if t0 <= s[0] <= t1]


def echo(args):
    rec = load(args[0])
    sent = sent_by_seq(rec)
    ok = True
    rx = rec["recv"]
    if from_engine(rec, rx):
        ok = fail("%d packets not from the engine's port" % len(from_engine(rec, rx)))
    bad = [p for p in rx if p[7] != rec["ssrc"] or p[5] not in sent or p[3] != rec["pt"]
           or sent[p[5]][2] != p[6] or sent[p[5]][3] != p[8]]
    if bad:
        ok = fail("%d packets changed, first %s" % (len(bad), bad[0][3:8]))
    window = in_window(rec, 0, rec["bye"] - 0.1)
    seqs = {p[5] for p in rx}
    back = sum(1 for s in window if s[1] in seqs)
    if not window or back < ENOUGH * len(window):
        ok = fail("%d of the %d sent before the BYE came back" % (back, len(window)))
    rtt = sorted(p[0] - sent[p[5]][0] for p in rx if p[5] in sent)
    print("  echo: %d sent before the BYE, %d back unchanged, round trip p50 %.2f ms" %
          (len(window), back, 1000 * pct(rtt, 50) if rtt else -1))
    return ok


def expect_from(rx_rec, tx_rec, t0, t1, label):
    """rx_rec got tx_rec's stream over [t0, t1] as the bridge should pass it."""
    sent = sent_by_seq(tx_rec)
    got = [p for p in rx_rec["recv"] if p[7] == tx_rec["ssrc"]]
    ok = True
    conv = None
    if tx_rec["pt"] != rx_rec["pt"]:
        conv = U2A if tx_rec["pt"] == 0 else A2U
    bad = 0
    for p in got:
        s = sent.get(p[5])
        want = bytes.fromhex(s[3]) if s else None
        if want is not None and conv is not None:
            want = bytes(conv[b] for b in want)
        if s is None or s[2] != p[6] or p[3] != rx_rec["pt"] or bytes.fromhex(p[8]) != want:
            bad += 1
    if bad:
        ok = fail("%s: %d of %d packets differ from what was sent (PT %d->%d)" %
                  (label, bad, len(got), tx_rec["pt"], rx_rec["pt"]))
    if conv is U2A and got:
        head = bytes.fromhex(got[0][8])[:4]
        if list(head) != [KNOWN_U2A[b] for b in (0xFF, 0x7F, 0x80, 0x00)]:
            ok = fail("%s: mu-law FF 7F 80 00 arrived as %s, wanted D5 D5 AA 2A" %
                      (label, head.hex()))
    window = in_window(tx_rec, t0, t1)
    seqs = {p[5] for p in got}
    arrived = sum(1 for s in window if s[1] in seqs)
    if not window or arrived < ENOUGH * len(window):
        ok = fail("%s: %d of the %d packets sent over the window arrived" %
                  (label, arrived, len(window)))
    wrong_src = [p for p in got if (p[1], p[2]) != tuple(rx_rec["remote"])]
    if wrong_src:
        ok = fail("%s: %d packets not from the receiver's engine port" % (label, len(wrong_src)))
    print("  %s: %d/%d over the window, %d in all, PT %d->%d%s" %
          (label, arrived, len(window), len(got), tx_rec["pt"], rx_rec["pt"],
           ", payload converted" if conv else ", untouched"))
    return ok


def bridge(args):
    recs = [load(a) for a in args]
    names = [chr(ord("A") + i) for i in range(len(recs))]
    # the window: every member has joined (its port was answered) and still sends
    t0 = max(r["t_port"] for r in recs) + 0.5
    t1 = min(min(r["sent"][-1][0], r["bye"]) for r in recs) - 0.2
    ok = True
    if t1 - t0 < 1.0:
        return fail("the members overlapped only %.2f s" % (t1 - t0))
    for i, r in enumerate(recs):
        others = {x["ssrc"] for j, x in enumerate(recs) if j != i}
        got = {p[7] for p in r["recv"]}
        if r["ssrc"] in got:
            ok = fail("%s received its own stream" % names[i])
        if got != others:
            ok = fail("%s received SSRCs %s, wanted %s" % (names[i], sorted(got), sorted(others)))
        for j, x in enumerate(recs):
            if j != i:
                ok &= expect_from(r, x, t0, t1, "%s->%s" % (names[j], names[i]))
    return ok


def hold(args):
    held, other = load(args[0]), load(args[1])
    t_hold, t_resume = when(args[0], "hold"), when(args[0], "resume")
    t_unhold = when(args[0], "unhold")  # the resuming re-INVITE left: nothing resumed before
    ok = True
    if t_resume == float("inf") or t_unhold > t_resume:
        return fail("no hold and resume times")
    from_other = [p for p in held["recv"] if p[7] == other["ssrc"]]
    during = [p for p in from_other if t_hold + 0.05 < p[0] < t_unhold]
    if during:
        ok = fail("the held member received %d packets while on hold, %.3f s to %.3f s after "
                  "the 200 to its sendonly re-INVITE" %
                  (len(during), during[0][0] - t_hold, during[-1][0] - t_hold))
    before = [p for p in from_other if p[0] < t_hold]
    if len(before) < 10:
        ok = fail("the held member received only %d packets before the hold" % len(before))
    ok &= expect_from(other, held, t_hold + 0.1, t_resume - 0.1, "held->other during hold")
    end = min(other["sent"][-1][0], held["bye"], other["bye"]) - 0.2
    ok &= expect_from(held, other, t_resume + 0.2, end, "other->held after resume")
    print("  hold %.2f s: %d packets to the held member before, %d during, resumed" %
          (t_unhold - t_hold, len(before), len(during)))
    return ok


def spoof(args):
    real, spoofers = args[0], [load(a) for a in args[1:]]
    ok = echo([real])
    rec = load(real)
    foreign = [p for p in rec["recv"] if p[7] != rec["ssrc"]]
    if foreign:
        ok = fail("the real peer received %d packets of other streams" % len(foreign))
    for s in spoofers:
        if s["recv"]:
            ok = fail("spoofer %s:%d received %d packets" %
                      (s["local"][0], s["local"][1], len(s["recv"])))
        if len(s["sent"]) < 50:
            ok = fail("spoofer %s:%d sent only %d" % (s["local"][0], s["local"][1], len(s["sent"])))
    print("  spoofers sent %s, received nothing" % [len(s["sent"]) for s in spoofers])
    return ok


def flood(args):
    rec, pps, burst = load(args[0]), float(args[1]), int(args[2])
    sent, back = rec["sent"], rec["recv"]
    ok = True
    span = sent[-1][0] - sent[0][0]
    rate = len(sent) / span if span > 0 else 0
    budget = pps * span + burst + 1
    if rate < 2 * pps:
        ok = fail("the flood sent only %.0f packets/s (%d in %.2f s)" % (rate, len(sent), span))
    if len(back) > budget + 3:
        ok = fail("%d echoed, over the budget %.0f" % (len(back), budget))
    if len(back) < 0.8 * pps * span:
        ok = fail("%d echoed, under 80%% of the rate %.0f" % (len(back), pps * span))
    print("  flood: %d sent in %.2f s (%.0f/s), %d echoed, budget %.0f" %
          (len(sent), span, rate, len(back), budget))
    return ok


def count(args):
    print(len(load(args[0])[args[1]]))
    return True


def between(args):
    """Seconds from event args[1] to event args[2] of call args[0], within [args[3], args[4]]."""
    d = when(args[0], args[2]) - when(args[0], args[1])
    print("  %s -> %s: %.3f s" % (args[1], args[2], d))
    return float(args[3]) <= d <= float(args[4])


CHECKS = {"tone": tone, "echo": echo, "bridge": bridge, "hold": hold, "spoof": spoof,
          "flood": flood, "count": count, "between": between}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in CHECKS:
        sys.exit(__doc__)
    sys.exit(0 if CHECKS[sys.argv[1]](sys.argv[2:]) else 1)
