# SPDX-License-Identifier: BSD-3-Clause
"""An RTP peer for the media rig test (tests/rig/test_media.sh), standard library only.

Run inside the peer namespace. Binds LOCAL (RTP) and LOCAL+1 (RTCP), waits (bounded) for
the engine's answered port in --port-file (SIPp's log of sipp/uac_media*.xml: "port PORT PT"),
then
sends G.711-sized RTP (12-byte header, 160 payload bytes) to it at --pps for --send-s
seconds and records every datagram it receives, with its kernel arrival time
(SO_TIMESTAMPNS), for --listen-s seconds from the start. Writes a JSON record to --out:

  {"local": [ip, port], "remote": [ip, port], "ssrc", "pt", "t_port", "t_start", "t_end",
   "sent": [[t, seq, ts, payload_hex], ...],
   "recv": [[t, src_ip, src_port, pt, marker, seq, ts, ssrc, payload_hex], ...],
   "rtcp": [[t, src_ip, src_port, packet_type, length], ...], "stray": N}

Payload of packet k: 0xFF 0x7F 0x80 0x00 (G.711 values whose law conversion is known), then
(seq * 7 + i) & 0xFF for the other 156 bytes, so every packet differs and every byte value
goes by. Every loop is bounded by time.
"""
import argparse
import json
import os
import select
import socket
import struct
import sys
import time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
HEAD = bytes([0xFF, 0x7F, 0x80, 0x00])


def payload(seq):
    return HEAD + bytes((seq * 7 + i) & 0xFF for i in range(4, 160))


def addr(s):
    ip, port = s.rsplit(":", 1)
    return ip, int(port)


def open_sock(ip, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((ip, port))
    s.setblocking(False)
    return s


def recv_all(s):
    """Every datagram waiting on s, as (arrival time, data, (ip, port))."""
    out = []
    while True:
        try:
            data, anc, _, src = s.recvmsg(2048, socket.CMSG_SPACE(16))
        except BlockingIOError:
            return out
        t = time.time()
        for level, kind, d in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(d) >= 16:
                sec, nsec = struct.unpack("qq", d[:16])
                t = sec + nsec / 1e9
        out.append((t, data, src))


def wait_port(path, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open(path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 2 and parts[0] == "port" and parts[1].isdigit():
                        return int(parts[1])
        except FileNotFoundError:
            pass
        time.sleep(0.02)
    sys.exit("rtp_peer: no engine port in %s within %.0f s" % (path, timeout))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--local", required=True, help="IP:PORT to send from (RTP, even)")
    ap.add_argument("--engine-ip", required=True)
    ap.add_argument("--port-file", help="where the engine's answered port appears")
    ap.add_argument("--port", type=int, help="the engine's port, when known already")
    ap.add_argument("--pt", type=int, default=0)
    ap.add_argument("--ssrc", type=lambda v: int(v, 0), default=0x1000)
    ap.add_argument("--seq", type=int, default=1000)
    ap.add_argument("--pps", type=float, default=50.0)
    ap.add_argument("--send-s", type=float, default=2.0)
    ap.add_argument("--listen-s", type=float, default=3.0)
    ap.add_argument("--no-rtcp", action="store_true", help="do not bind LOCAL+1")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    lip, lport = addr(a.local)
    rtp = open_sock(lip, lport)
    rtcp = None if a.no_rtcp else open_sock(lip, lport + 1)
    port = a.port if a.port else wait_port(a.port_file, 20.0)
    t_port = time.time()
    dst = (a.engine_ip, port)
    period = 1.0 / a.pps if a.pps > 0 else 0
    rec = {"local": [lip, lport], "remote": list(dst), "ssrc": a.ssrc, "pt": a.pt,
           "t_port": t_port, "sent": [], "recv": [], "rtcp": [], "stray": 0}
    start = time.monotonic()
    rec["t_start"] = time.time()
    send_end = start + a.send_s
    end = start + max(a.listen_s, a.send_s)
    k = 0
    next_send = start
    socks = [rtp] + ([rtcp] if rtcp else [])
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if period and now < send_end and now >= next_send:
            seq = (a.seq + k) & 0xFFFF
            ts = (a.seq * 160 + k * 160) & 0xFFFFFFFF
            hdr = struct.pack("!BBHII", 0x80, (0x80 if k == 0 else 0) | a.pt, seq, ts, a.ssrc)
            pl = payload(seq)
            try:
                rtp.sendto(hdr + pl, dst)
                rec["sent"].append([time.time(), seq, ts, pl.hex()])
            except OSError:
                pass  # an ICMP error from an earlier packet; this one is a gap
            k += 1
            next_send += period
            if now - next_send > 5 * period:
                next_send = now + period  # far behind (the machine stalled): no catch-up burst
        wake = end
        if period and now < send_end:
            wake = min(wake, next_send)
        r, _, _ = select.select(socks, [], [], max(0.0, wake - time.monotonic()))
        for s in r:
            for t, data, src in recv_all(s):
                if s is rtcp:
                    if len(data) >= 4:
                        rec["rtcp"].append([t, src[0], src[1], data[1], len(data)])
                    continue
                if len(data) < 12 or data[0] >> 6 != 2:
                    rec["stray"] += 1
                    continue
                b1, seq, ts, ssrc = struct.unpack("!xBHII", data[:12])
                rec["recv"].append([t, src[0], src[1], b1 & 0x7F, b1 >> 7, seq, ts, ssrc,
                                    data[12:].hex()])
    rec["t_end"] = time.time()
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(rec, f)
    os.replace(tmp, a.out)
    print("rtp_peer %s:%d -> %s:%d: sent %d, received %d RTP, %d RTCP" %
          (lip, lport, dst[0], dst[1], len(rec["sent"]), len(rec["recv"]), len(rec["rtcp"])))


if __name__ == "__main__":
    main()
