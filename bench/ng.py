#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Set up (and tear down) RTP relay sessions on an rtpengine-compatible NG endpoint.

The NG control protocol: one UDP datagram per request, "COOKIE " followed by a bencoded
dictionary; the reply is "COOKIE " followed by a bencoded dictionary with "result". Per call
an `offer` (call-id, from-tag, the caller's SDP) and an `answer` (call-id, from-tag, to-tag,
the callee's SDP); the ports to send to come back in the reply SDPs.

  ng.py setup --ng ADDR:PORT --addr GEN_IP --calls N --port0 P --out FILE
      For call i the caller is GEN_IP:P+4i and the callee GEN_IP:P+4i+2; writes two streams
      per call to FILE in rtpgen's --streams format, "SRC_IP SRC_PORT DST_IP DST_PORT":
      caller -> the relay port the answer gave (forwarded to the callee), and callee -> the
      relay port the offer gave (forwarded to the caller).
  ng.py delete --ng ADDR:PORT --calls N [--tag TEXT]
  ng.py ping --ng ADDR:PORT

Each request is retried (1 s, 5 tries) as Kamailio's rtpengine module does; exit 1 when any
call could not be set up, with the reason.
"""
import argparse
import os
import re
import socket
import sys


def benc(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(benc(x) for x in v) + b"e"
    if isinstance(v, dict):
        return b"d" + b"".join(benc(k) + benc(v[k]) for k in sorted(v)) + b"e"
    raise TypeError(type(v))


def bdec(b, i=0):
    c = b[i:i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1:j]), j + 1
    if c == b"l":
        out, i = [], i + 1
        while b[i:i + 1] != b"e":
            x, i = bdec(b, i)
            out.append(x)
        return out, i + 1
    if c == b"d":
        out, i = {}, i + 1
        while b[i:i + 1] != b"e":
            k, i = bdec(b, i)
            v, i = bdec(b, i)
            out[k.decode()] = v
        return out, i + 1
    j = b.index(b":", i)
    n = int(b[i:j])
    return b[j + 1:j + 1 + n], j + 1 + n


class Ng:
    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.dst = (host, int(port))
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.n = 0

    def req(self, d, tries=5, timeout=1.0):
        self.n += 1
        cookie = b"%d_%d" % (os.getpid(), self.n)
        msg = cookie + b" " + benc(d)
        self.s.settimeout(timeout)
        for _ in range(tries):
            self.s.sendto(msg, self.dst)
            try:
                while True:
                    data, _src = self.s.recvfrom(65536)
                    ck, _, body = data.partition(b" ")
                    if ck == cookie:
                        return self.decode(body, d.get("command"))
            except socket.timeout:
                continue
        raise TimeoutError("no NG reply from %s:%d to %s" % (self.dst + (d.get("command"),)))

    def decode(self, body, command):
        """The reply's dictionary; a reply that is not one is an error naming the request."""
        try:
            r, end = bdec(body)
        except (ValueError, IndexError) as e:
            raise RuntimeError("%s: malformed NG reply from %s:%d (%s): %r"
                               % ((command,) + self.dst + (e, body[:120])))
        if not isinstance(r, dict) or end != len(body):
            raise RuntimeError("%s: NG reply from %s:%d is not one bencoded dictionary: %r"
                               % ((command,) + self.dst + (body[:120],)))
        return r


def check(r, what, want=b"ok"):
    """Raise with the peer's own words when the reply's result is not @a want."""
    if r.get("result") != want:
        res = r.get("result", b"(no result)")
        why = r.get("error-reason", r.get("warning", b""))
        raise RuntimeError("%s: NG replied %s%s" % (
            what, res.decode(errors="replace") if isinstance(res, bytes) else res,
            (": " + why.decode(errors="replace")) if isinstance(why, bytes) and why else ""))


def sdp(ip, port, sess):
    return ("v=0\r\no=- %d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
            % (sess, ip, ip, port))


def reply_media(r, what):
    check(r, what)
    if not isinstance(r.get("sdp"), bytes):
        raise RuntimeError("%s: NG reply without an SDP" % what)
    s = r["sdp"].decode(errors="replace")
    c = re.search(r"^c=IN IP4 (\S+)", s, re.M)
    m = re.search(r"^m=audio (\d+)", s, re.M)
    if not c or not m:
        raise RuntimeError("%s: reply SDP without c= or m=: %r" % (what, s))
    return c.group(1), int(m.group(1))


def call_id(tag, i):
    return "%s-%d@bench" % (tag, i)


def setup(a):
    ng = Ng(a.ng)
    lines = []
    for i in range(a.calls):
        cid = call_id(a.tag, i)
        pa, pb = a.port0 + 4 * i, a.port0 + 4 * i + 2
        common = {"call-id": cid, "from-tag": "a%d" % i,
                  "replace": ["origin", "session-connection"], "flags": ["trust-address"]}
        r = ng.req(dict(common, command="offer", sdp=sdp(a.addr, pa, i)))
        xa = reply_media(r, "offer " + cid)  # where the callee sends (forwarded to the caller)
        r = ng.req(dict(common, command="answer", sdp=sdp(a.addr, pb, i), **{"to-tag": "b%d" % i}))
        xb = reply_media(r, "answer " + cid)  # where the caller sends (forwarded to the callee)
        lines.append("%s %d %s %d" % (a.addr, pa, xb[0], xb[1]))
        lines.append("%s %d %s %d" % (a.addr, pb, xa[0], xa[1]))
    with open(a.out, "w") as f:
        f.write("# %d calls through %s: SRC_IP SRC_PORT DST_IP DST_PORT\n" % (a.calls, a.ng))
        f.write("\n".join(lines) + "\n")
    print("ng: %d calls set up, %d streams in %s" % (a.calls, len(lines), a.out))


def delete(a):
    ng = Ng(a.ng)
    bad = 0
    for i in range(a.calls):
        r = ng.req({"command": "delete", "call-id": call_id(a.tag, i), "from-tag": "a%d" % i})
        try:
            check(r, "delete " + call_id(a.tag, i))
        except RuntimeError as e:
            print("ng: %s" % e, file=sys.stderr)
            bad += 1
    print("ng: %d calls deleted, %d errors" % (a.calls - bad, bad))
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("cmd", choices=["setup", "delete", "ping"])
    p.add_argument("--ng", required=True, help="ADDR:PORT of the NG endpoint")
    p.add_argument("--addr", help="the generator's address (setup)")
    p.add_argument("--calls", type=int, default=1)
    p.add_argument("--port0", type=int, default=20000)
    p.add_argument("--tag", default="ngb%d" % os.getpid())
    p.add_argument("--out", help="streams file (setup)")
    a = p.parse_args()
    if not 1 <= a.calls <= 16000:
        p.error("--calls: 1-16000")
    try:
        if a.cmd == "ping":
            r = Ng(a.ng).req({"command": "ping"})
            check(r, "ping", b"pong")
            print("ng: pong")
            return 0
        if a.cmd == "delete":
            return delete(a)
        if not a.addr or not a.out:
            p.error("setup needs --addr and --out")
        setup(a)
        return 0
    except (RuntimeError, TimeoutError, OSError) as e:
        print("ng: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
