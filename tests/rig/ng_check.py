#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A driver of dpvoip's NG protocol that is not Kamailio (tests/rig/test_ng_protocol.sh).

Run in the peer namespace: the NG socket is at --ng (a kernel address of the engine's
namespace), the RTP endpoints are sockets here at --peer, the engine's media address is
--engine. Every command and every error reply, a retransmitted cookie, a re-offer, RTP and
RTCP relayed both ways with strict latching, the session and port limits, the media timeout.
Prints "ok - ..." / "not ok - ..." per check and exits 1 when any failed. Every wait is bounded.
"""
import argparse
import os
import re
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
from ng import benc, bdec  # noqa: E402

FAILED = 0


def check(what, cond, detail=""):
    global FAILED
    if cond:
        print("ok - " + what)
    else:
        FAILED += 1
        print("not ok - %s%s" % (what, (": " + str(detail)) if detail else ""))
    return cond


class Ng:
    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.dst = (host, int(port))
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.settimeout(2.0)
        self.n = 0

    def raw(self, data, expect_reply=True):
        """Send @a data as it is; the reply's bytes, or None (bounded wait)."""
        self.s.sendto(data, self.dst)
        try:
            return self.s.recv(65536)
        except socket.timeout:
            return None

    def req(self, d, cookie=None):
        self.n += 1
        cookie = cookie or (b"t%d_%d" % (os.getpid(), self.n))
        for _ in range(3):
            rep = self.raw(cookie + b" " + benc(d))
            if rep is not None:
                ck, _, body = rep.partition(b" ")
                assert ck == cookie, (ck, cookie)
                r, end = bdec(body)
                assert end == len(body)
                return r
        raise TimeoutError("no reply to %r" % d.get("command"))


def sdp(ip, port, sess, extra=""):
    return ("v=0\r\no=- %d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\n%sa=sendrecv\r\n" % (sess, ip, ip, port, extra))


def media_of(r):
    s = r.get("sdp", b"").decode()
    c = re.search(r"^c=IN IP4 (\S+)", s, re.M)
    m = re.search(r"^m=audio (\d+)", s, re.M)
    return (c.group(1) if c else None, int(m.group(1)) if m else None, s)


def err(r):
    return r.get("error-reason", b"").decode()


def udp(ip, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, port))
    s.settimeout(0.2)
    return s


def rtp(seq, ssrc, pt=0):
    return struct.pack("!BBHII", 0x80, pt, seq, seq * 160, ssrc) + bytes((seq + i) & 0xFF
                                                                          for i in range(160))


def drain(s, want, bound_s=3.0):
    """Datagrams on @a s until @a want of them came or @a bound_s passed: [(data, src)]."""
    got, end = [], time.time() + bound_s
    while len(got) < want and time.time() < end:
        try:
            got.append(s.recvfrom(2048))
        except socket.timeout:
            pass
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ng", required=True)
    ap.add_argument("--engine", required=True)
    ap.add_argument("--peer", required=True)
    ap.add_argument("--phase", choices=["protocol", "limits", "timeout"], required=True)
    a = ap.parse_args()
    ng = Ng(a.ng)
    globals()["phase_" + a.phase](ng, a)
    return 1 if FAILED else 0


def phase_protocol(ng, a):
    # ---- ping, and what cannot be run ----
    check("ping: pong", ng.req({"command": "ping"}) == {"result": b"pong"})
    check("no cookie: no reply (a counted drop)", ng.raw(b"nocookie") is None)
    rep = ng.raw(b"c1 d7:command4:ping")
    check("truncated bencode: error with the reason",
          rep == b"c1 d6:result5:error12:error-reason59:Could not decode bencode dictionary: "
                 b"truncated at offset 16e", rep)
    rep = ng.raw(b"c2 d7:command99:pinge")
    check("a length beyond the datagram: error", rep is not None and b"string length beyond"
          in rep, rep)
    rep = ng.raw(b"c3 d1:ai123456789012345678901234567890ee")
    check("an integer out of range: error", rep is not None and b"integer out of range" in rep,
          rep)
    rep = ng.raw(b"c4 " + b"d1:a" + b"l" * 40 + b"e" * 40 + b"e")
    check("nesting deeper than the limit: error", rep is not None and b"nested too deep" in rep,
          rep)
    r = ng.req({"call-id": "x"})
    check("no command: error", err(r) == 'Dictionary contains no key "command"', r)
    r = ng.req({"command": "start recording", "call-id": "x"})
    check("a command this relay does not run: error", err(r) == "Unrecognized command", r)
    base = {"command": "offer", "call-id": "e1", "from-tag": "fa", "sdp": sdp(a.peer, 40000, 1)}
    for drop, why in (("sdp", "No SDP body in message"), ("call-id", "No call-id in message"),
                      ("from-tag", "No from-tag in message")):
        d = dict(base)
        del d[drop]
        r = ng.req(d)
        check("offer without %s: %s" % (drop, why), err(r) == why, r)
    r = ng.req(dict(base, sdp="v=1\r\n"))
    check("offer with a malformed SDP: error", err(r).startswith("Failed to parse SDP"), r)
    r = ng.req({"command": "answer", "call-id": "e1", "from-tag": "fa", "sdp": sdp(a.peer, 1, 1)})
    check("answer without to-tag: error", err(r) == "No to-tag in message", r)
    r = ng.req({"command": "answer", "call-id": "nosuch", "from-tag": "fa", "to-tag": "tb",
                "sdp": sdp(a.peer, 40002, 2)})
    check("answer without an offer: Unknown call-id", err(r) == "Unknown call-id", r)
    r = ng.req({"command": "delete", "call-id": "nosuch", "from-tag": "fa"})
    check("delete of an unknown call: ok with a warning",
          r.get("result") == b"ok" and b"not found" in r.get("warning", b""), r)
    r = ng.req({"command": "delete", "call-id": "nosuch", "from-tag": "fa", "flags": ["fatal"]})
    check("delete of an unknown call, fatal: error",
          err(r) == "Call-ID not found or tags didn't match", r)
    r = ng.req({"command": "query", "call-id": "nosuch"})
    check("query of an unknown call: Unknown call-id", err(r) == "Unknown call-id", r)
    r = ng.req({"command": "list", "limit": 0})
    check("list with limit 0: error", r.get("result") == b"error", r)

    # ---- a call: offer, answer (retransmitted), re-offer ----
    pa, pb = 40000, 40002
    r = ng.req({"command": "offer", "call-id": "c1", "from-tag": "fa", "via-branch": "z9hG4bK1",
                "sdp": sdp(a.peer, pa, 1, "a=ice-ufrag:abcd\r\n"), "replace": ["origin"],
                "flags": ["trust-address", "no-such-flag"], "ICE": "remove",
                "supports": ["load limit"]})
    c, lb, s = media_of(r)
    check("offer: ok, the SDP names the engine", r.get("result") == b"ok" and c == a.engine, r)
    check("offer: o= replaced, ICE removed",
          ("IN IP4 %s\r\ns=" % a.engine) in s and "ice-ufrag" not in s, s)
    d = {"command": "answer", "call-id": "c1", "from-tag": "fa", "to-tag": "tb",
         "via-branch": "z9hG4bK1", "sdp": sdp(a.peer, pb, 2)}
    cookie = b"retx_%d" % os.getpid()
    r1 = ng.raw(cookie + b" " + benc(d))
    r2 = ng.raw(cookie + b" " + benc(d))
    check("answer retransmitted: the same reply, byte for byte", r1 is not None and r1 == r2)
    r, _ = bdec(r1.partition(b" ")[2])
    c2, la, _ = media_of(r)
    check("answer: ok, names the engine, another port", r.get("result") == b"ok" and
          c2 == a.engine and la is not None and la != lb, r)
    r = ng.req({"command": "offer", "call-id": "c1", "from-tag": "fa", "via-branch": "z9hG4bK1",
                "sdp": sdp(a.peer, pa, 1)})
    check("re-offer keeps its port", media_of(r)[1] == lb, r)
    r = ng.req({"command": "answer", "call-id": "c1", "from-tag": "fa", "to-tag": "tb",
                "via-branch": "z9hG4bK1", "sdp": sdp(a.peer, pb, 2)})
    check("re-answer keeps its port", media_of(r)[1] == la, r)
    r = ng.req({"command": "offer", "call-id": "c1", "from-tag": "other", "sdp": sdp(a.peer, pa, 1)})
    check("offer from a tag the call does not know: error",
          err(r) == "Invalid dialogue association", r)

    # ---- media both ways, through the engine's ports, strict latching ----
    A, B = udp(a.peer, pa), udp(a.peer, pb)
    Ac, Bc = udp(a.peer, pa + 1), udp(a.peer, pb + 1)
    spoof = udp(a.peer, 40010)
    n = 20
    for i in range(n):
        A.sendto(rtp(i, 0x1111), (a.engine, la))
        B.sendto(rtp(i, 0x2222), (a.engine, lb))
        spoof.sendto(rtp(i, 0x3333), (a.engine, la))
    at_b, at_a = drain(B, n), drain(A, n)
    check("A's RTP reaches B from the engine's port, untouched",
          len(at_b) == n and all(src == (a.engine, lb) for _, src in at_b) and
          [x for x, _ in at_b] == [rtp(i, 0x1111) for i in range(n)],
          "%d of %d" % (len(at_b), n))
    check("B's RTP reaches A from the engine's port, untouched",
          len(at_a) == n and all(src == (a.engine, la) for _, src in at_a) and
          [x for x, _ in at_a] == [rtp(i, 0x2222) for i in range(n)],
          "%d of %d" % (len(at_a), n))
    check("nothing from a source the SDP did not name is relayed", drain(B, 1, 0.5) == [])
    rr = struct.pack("!BBHI", 0x80, 201, 1, 0x1111)
    Ac.sendto(rr, (a.engine, la + 1))
    got = drain(Bc, 1)
    check("A's RTCP reaches B's RTCP port from the engine's", got == [(rr, (a.engine, lb + 1))],
          got)
    # ---- query, list, statistics ----
    r = ng.req({"command": "query", "call-id": "c1"})
    tot = r.get("totals", {})
    check("query: totals count what was relayed (RTP both ways, RTCP)",
          tot.get("RTP", {}).get("packets") == 2 * n and tot.get("RTCP", {}).get("packets") == 1,
          tot)
    tags = r.get("tags", {})
    check("query: both tags, in dialogue with each other",
          set(tags) == {"fa", "tb"} and tags["fa"].get("in dialogue with") == b"tb" and
          tags["tb"].get("in dialogue with") == b"fa", list(tags))
    st = tags.get("fa", {}).get("medias", [{}])[0].get("streams", [{}])[0]
    check("query: per-stream local port, endpoint and stats",
          st.get("local port") == la and st.get("endpoint", {}).get("port") == pa and
          st.get("stats", {}).get("packets") == n and st.get("stats", {}).get("errors", 0) >= n,
          st)
    check("query: per-SSRC stats", "4369" in r.get("SSRC", {}) and "8738" in r.get("SSRC", {}),
          list(r.get("SSRC", {})))
    r = ng.req({"command": "list"})
    check("list: the call", r.get("calls") == [b"c1"], r)
    r = ng.req({"command": "statistics"})
    check("statistics: one session",
          r.get("statistics", {}).get("currentstatistics", {}).get("sessionsown") == 1, r)
    # ---- delete: with the default delay the call still answers queries ----
    r = ng.req({"command": "delete", "call-id": "c1", "from-tag": "fa"})
    check("delete: ok with the call's stats",
          r.get("result") == b"ok" and r.get("totals", {}).get("RTP", {}).get("packets") == 2 * n,
          r)
    r = ng.req({"command": "query", "call-id": "c1"})
    check("query during delete-delay still answers", r.get("result") == b"ok", r)
    r = ng.req({"command": "delete", "call-id": "c1", "delete-delay": 0, "flags": ["fast"]})
    check("delete, delay 0 and fast: ok without stats",
          r.get("result") == b"ok" and "totals" not in r, r)
    r = ng.req({"command": "query", "call-id": "c1"})
    check("after the delete: Unknown call-id", err(r) == "Unknown call-id", r)
    for i in range(3):
        A.sendto(rtp(100 + i, 0x1111), (a.engine, la))
    check("after the delete: nothing is relayed", drain(B, 1, 0.5) == [])


def phase_limits(ng, a):
    # the engine runs with [ng] max-sessions = 3 and ports = 16 (8 RTP ports, 2 per call)
    for i in range(3):
        r = ng.req({"command": "offer", "call-id": "l%d" % i, "from-tag": "f",
                    "sdp": sdp(a.peer, 41000 + 2 * i, i)})
        check("call %d within the limits: ok" % i, r.get("result") == b"ok", r)
    d = {"command": "offer", "call-id": "l3", "from-tag": "f", "sdp": sdp(a.peer, 41010, 9)}
    r = ng.req(dict(d, supports=["load limit"]))
    check("past max-sessions, to a proxy that supports it: load limit",
          r == {"result": b"load limit", "message": b"Parallel session limit reached"}, r)
    r = ng.req(d)
    check("past max-sessions, to one that does not: the session-limit error",
          err(r) == "Parallel session limit reached", r)
    ng.req({"command": "delete", "call-id": "l2", "from-tag": "f", "delete-delay": 0})
    three = sdp(a.peer, 41020, 7) + "m=audio 41030 RTP/AVP 0\r\nm=audio 41040 RTP/AVP 0\r\n"
    r = ng.req(dict(d, sdp=three))
    check("more ports than are left: Ran out of ports", err(r) == "Ran out of ports", r)
    ok = False
    for _ in range(20):  # bounded: l2's ports come back after a grace period
        r = ng.req(d)
        if r.get("result") == b"ok":
            ok = True
            break
        time.sleep(0.1)
    check("the refused offer left nothing behind: a 1-stream call fits again", ok, r)


def phase_timeout(ng, a):
    # the engine runs with [ng] timeout = 2
    r = ng.req({"command": "offer", "call-id": "t1", "from-tag": "f", "sdp": sdp(a.peer, 42000, 1)})
    check("a call for the timeout: ok", r.get("result") == b"ok", r)
    gone = False
    end = time.time() + 10
    while time.time() < end:
        if err(ng.req({"command": "query", "call-id": "t1"})) == "Unknown call-id":
            gone = True
            break
        time.sleep(0.2)
    check("a call without media is deleted after [ng] timeout", gone)


if __name__ == "__main__":
    sys.exit(main())
