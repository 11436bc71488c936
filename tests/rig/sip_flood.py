# SPDX-License-Identifier: BSD-3-Clause
"""SIP from a plain UDP socket, for the [security] rig test.

usage: sip_flood.py probe LOCAL_IP ENGINE_IP USER_AGENT...
  One OPTIONS per User-Agent, in order, from LOCAL_IP:5064 (Call-ID probe-N), then wait (at
  most 5 s) for the answer to the last one. Prints "N STATUS" per answer received, in
  Call-ID order. The engine handles one source's datagrams in order (one signaling lcore), so
  once the last one is answered every earlier answer has been sent.
usage: sip_flood.py flood LOCAL_IP ENGINE_IP SECONDS MAX
  New INVITEs (fresh Call-ID and branch each, never ACKed) as fast as the loop goes, for at
  most SECONDS and at most MAX datagrams. Prints how many it sent.
"""
import socket
import sys
import time


def options(local, engine, n, ua):
    return ("OPTIONS sip:probe@%s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:5064;branch=z9hG4bKprobe%d\r\n"
            "Max-Forwards: 70\r\nTo: <sip:probe@%s>\r\n"
            "From: <sip:rig@%s>;tag=p%d\r\nCall-ID: probe-%d@%s\r\n"
            "CSeq: 1 OPTIONS\r\nUser-Agent: %s\r\nContent-Length: 0\r\n\r\n") % (
        engine, local, n, engine, local, n, n, local, ua)


def probe(local, engine, uas):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((local, 5064))
    for n, ua in enumerate(uas):
        s.sendto(options(local, engine, n, ua).encode(), (engine, 5060))
    last = len(uas) - 1
    got = {}
    deadline = time.monotonic() + 5
    while last not in got and time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            break
        text = data.decode(errors="replace")
        for line in text.split("\r\n"):
            if line.lower().startswith("call-id: probe-"):
                got[int(line.split("probe-", 1)[1].split("@")[0])] = text.split(" ")[1]
    for n in sorted(got):
        print(n, got[n])


def flood(local, engine, seconds, most):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((local, 5066))
    s.setblocking(False)
    head = ("INVITE sip:flood@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5066;branch=z9hG4bKf" %
            (engine, local)).encode()
    sdp = ("v=0\r\no=f 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
           "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" % (local, local))
    tail = ("\r\nMax-Forwards: 70\r\nTo: <sip:flood@%s>\r\nFrom: <sip:flood@%s>;tag=f\r\n"
            "Contact: <sip:flood@%s:5066>\r\nCSeq: 1 INVITE\r\n"
            "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s" % (
                engine, local, local, len(sdp), sdp)).encode()
    dst = (engine, 5060)
    sent = 0
    end = time.monotonic() + seconds
    while sent < most:
        if sent % 1024 == 0 and time.monotonic() >= end:
            break
        n = str(sent).encode()
        try:
            s.sendto(head + n + b"\r\nCall-ID: f" + n + tail, dst)
        except BlockingIOError:  # the socket buffer is full: the kernel is the limit
            if time.monotonic() >= end:
                break
            continue
        sent += 1
    print(sent)


if sys.argv[1] == "probe":
    probe(sys.argv[2], sys.argv[3], sys.argv[4:])
else:
    flood(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]))
