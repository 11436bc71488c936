# SPDX-License-Identifier: BSD-3-Clause
"""Send crafted Ethernet frames out of an interface (run inside the peer namespace).

usage: frames.py IFACE DST_MAC SRC_IP DST_IP KIND COUNT

KIND is one of: good_udp_sip, bad_ip_cksum, short_ip, bad_ihl, bad_ip_version, ip_len_over,
fragment, not_ours, bad_udp_len, bad_udp_cksum, udp_closed_port, rtp.
"""
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip_header(src, dst, payload_len, proto=17, ver_ihl=0x45, frag=0, total=None, fix=0):
    total = 20 + payload_len if total is None else total
    hdr = struct.pack("!BBHHHBBH4s4s", ver_ihl, 0, total, 0x1234, frag, 64, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    c = (csum(hdr) + fix) & 0xFFFF
    return hdr[:10] + struct.pack("!H", c) + hdr[12:]


def udp(src, dst, sport, dport, payload, length=None, bad_cksum=False):
    length = 8 + len(payload) if length is None else length
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, 8 + len(payload))
    hdr = struct.pack("!HHHH", sport, dport, length, 0)
    c = csum(pseudo + struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload) or 0xFFFF
    if bad_cksum:
        c ^= 0x5A5A
    return hdr[:6] + struct.pack("!H", c) + payload


SIP = (b"OPTIONS sip:probe@198.18.0.1 SIP/2.0\r\n"
       b"Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bKrig1\r\n"
       b"Max-Forwards: 70\r\nTo: <sip:probe@198.18.0.1>\r\nFrom: <sip:rig@198.18.0.2>;tag=1\r\n"
       b"Call-ID: rig-frames@198.18.0.2\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")


def frame(kind, src, dst):
    if kind == "good_udp_sip":
        u = udp(src, dst, 5060, 5060, SIP)
        return ip_header(src, dst, len(u)) + u
    if kind == "rtp":
        u = udp(src, dst, 40000, 20000, b"\x80\x00\x00\x01" + b"\0" * 168)
        return ip_header(src, dst, len(u)) + u
    if kind == "udp_closed_port":
        u = udp(src, dst, 40000, 9, b"discard")
        return ip_header(src, dst, len(u)) + u
    if kind == "bad_ip_cksum":
        u = udp(src, dst, 5060, 5060, SIP)
        return ip_header(src, dst, len(u), fix=1) + u
    if kind == "short_ip":
        return ip_header(src, dst, 0)[:12]
    if kind == "bad_ihl":
        u = udp(src, dst, 5060, 5060, SIP)
        return ip_header(src, dst, len(u), ver_ihl=0x44) + u
    if kind == "bad_ip_version":
        u = udp(src, dst, 5060, 5060, SIP)
        return ip_header(src, dst, len(u), ver_ihl=0x65) + u
    if kind == "ip_len_over":
        u = udp(src, dst, 5060, 5060, SIP)
        return ip_header(src, dst, len(u), total=20 + len(u) + 400) + u
    if kind == "fragment":
        u = udp(src, dst, 5060, 5060, SIP)
        return ip_header(src, dst, len(u), frag=0x2000) + u
    if kind == "not_ours":
        u = udp(src, "198.18.0.99", 5060, 5060, SIP)
        return ip_header(src, "198.18.0.99", len(u)) + u
    if kind == "bad_udp_len":
        u = udp(src, dst, 5060, 5060, SIP, length=8 + len(SIP) + 100)
        return ip_header(src, dst, len(u)) + u
    if kind == "bad_udp_cksum":
        u = udp(src, dst, 5060, 5060, SIP, bad_cksum=True)
        return ip_header(src, dst, len(u)) + u
    raise SystemExit("unknown kind " + kind)


def main():
    iface, dmac, src, dst, kind, count = sys.argv[1:7]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    smac = open("/sys/class/net/%s/address" % iface).read().strip()
    eth = bytes.fromhex(dmac.replace(":", "")) + bytes.fromhex(smac.replace(":", "")) + b"\x08\x00"
    data = eth + frame(kind, src, dst)
    for _ in range(int(count)):
        s.send(data)


main()
