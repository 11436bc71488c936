# SPDX-License-Identifier: BSD-3-Clause
"""What the phones of test_phones.sh heard, checked by frequency.

  phones.py wav FREQ WAV_DIR            the audio a baresip recorded last (sndfile's *-dec.wav)
                                        is a tone of FREQ Hz
  phones.py streams PCAP PORT FREQ...   the RTP a capture holds towards UDP port PORT is
                                        exactly one stream (SSRC) per FREQ, each that tone
                                        (from the epoch time $PHONES_AFTER on, when set)
  phones.py count PCAP to|from PORT FROM TO
                                        print how many RTP packets the capture holds towards (or
                                        from) UDP port PORT between the epoch times FROM and TO
  phones.py spray SRC DST PMIN PMAX SECONDS SSRC
                                        from SRC, RTP to every even and RTCP to every odd UDP port
                                        of DST in [PMIN, PMAX], paced over SECONDS; prints the count
  phones.py nossrc PCAP IP SSRC         no RTP or RTCP packet with SSRC reached IP in the capture
  phones.py tonewav FREQ SECONDS OUT    write an 8 kHz mono WAV of a FREQ Hz tone (a source)
  phones.py toneulaw FREQ SECONDS OUT   the same as raw 8 kHz mu-law (SIPp's rtp_stream)

A tone "is" FREQ when the Goertzel energy at FREQ is at least 100 times the energy at each
other probe frequency (the others' tones and 300/600/1000 Hz), over one second of audio
taken half a second in. Exit 0 when the check holds, 1 with the figures when not.
"""
import glob
import math
import os
import socket
import struct
import sys
import time
import wave

PROBES = (300, 440, 600, 880, 1000, 1320)


# G.711 and the Goertzel filter, as test_media.sh's checker has them
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtp_check import alaw_decode, goertzel, ulaw_decode, ulaw_encode  # noqa: E402

DECODE = {0: [ulaw_decode(i) for i in range(256)], 8: [alaw_decode(i) for i in range(256)]}


def dominant(samples, freq, others=()):
    """(ok, energies): FREQ's energy is 100x every other probe's."""
    probes = sorted(set(PROBES) | set(others) | {freq})
    e = {f: goertzel(samples, f) for f in probes}
    ok = e[freq] > 0 and all(e[freq] >= 100 * e[f] for f in probes if f != freq)
    return ok, e


def fmt(e):
    return " ".join("%d:%.2g" % (f, v) for f, v in sorted(e.items()))


def check_wav(freq, d):
    # one recording per start of the audio stream (a re-INVITE starts another): the last
    files = sorted(glob.glob(d + "/*-dec.wav"))
    if not files:
        sys.exit("wav: no decode recording in %s" % d)
    w = wave.open(files[-1])
    n, rate = w.getnframes(), w.getframerate()
    x = struct.unpack("<%dh" % n, w.readframes(n))
    if n < rate * 3 // 2:
        sys.exit("wav: only %.2f s recorded" % (n / rate))
    ok, e = dominant(x[rate // 2 : rate // 2 + rate], freq)
    print("recorded %.1f s, energies %s" % (n / rate, fmt(e)))
    return 0 if ok else 1


def pcap_udp(path, with_time=False):
    """(dst_port, payload) of every IPv4/UDP frame of a classic Ethernet pcap (and its time)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    while off + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack(end + "IIII", data[off : off + 16])
        fr = data[off + 16 : off + 16 + caplen]
        off += 16 + caplen
        if len(fr) < 42 or fr[12:14] != b"\x08\x00" or fr[23] != 17:
            continue
        ihl = (fr[14] & 0x0F) * 4
        udp = 14 + ihl
        sport, dport = struct.unpack("!HH", fr[udp : udp + 4])
        if with_time:
            yield sport, dport, fr[udp + 8 :], sec + usec / 1e6
        else:
            yield dport, fr[udp + 8 :]


def check_streams(pcap, port, freqs):
    # PHONES_AFTER=EPOCH: only what arrived from then on
    after = float(os.environ.get("PHONES_AFTER", "0"))
    streams = {}
    for _, dport, p, t in pcap_udp(pcap, True):
        if t < after or dport != port or len(p) < 12 or p[0] >> 6 != 2 or 192 <= p[1] <= 223:
            continue
        pt = p[1] & 0x7F
        if pt not in DECODE:
            continue
        ssrc = struct.unpack("!I", p[8:12])[0]
        streams.setdefault(ssrc, []).append((struct.unpack("!H", p[2:4])[0], pt, p[12:]))
    found = []
    for ssrc, pkts in streams.items():
        if len(pkts) < 50:
            continue
        samples = [DECODE[pt][b] for _, pt, pl in pkts[25:75] for b in pl]
        best = max(freqs, key=lambda f: goertzel(samples, f))
        ok, e = dominant(samples, best, freqs)
        print("to port %d: SSRC %08x, %d packets, PT %d, %s Hz (%s)" %
              (port, ssrc, len(pkts), pkts[0][1], best if ok else "no clear tone", fmt(e)))
        found.append(best if ok else None)
    want = sorted(freqs)
    if sorted(f for f in found if f is not None) == want and len(found) == len(want):
        return 0
    print("wanted one stream each of %s Hz" % want)
    return 1


def frames(path):
    """(dst_ip, payload) of every IPv4/UDP frame of a classic Ethernet pcap."""
    with open(path, "rb") as f:
        data = f.read()
    end = "<" if struct.unpack("<I", data[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(end + "I", data[off + 8 : off + 12])[0]
        fr = data[off + 16 : off + 16 + caplen]
        off += 16 + caplen
        if len(fr) < 42 or fr[12:14] != b"\x08\x00" or fr[23] != 17:
            continue
        yield socket.inet_ntoa(fr[30:34]), fr[14 + (fr[14] & 0x0F) * 4 + 8 :]


def nossrc(pcap, ip, ssrc):
    n = 0
    for dst, p in frames(pcap):
        if dst == ip and len(p) >= 8 and p[0] >> 6 == 2:
            # RTP's SSRC is at 8, an RTCP sender's at 4
            at = 4 if 192 <= p[1] <= 223 else 8
            if len(p) >= at + 4 and struct.unpack("!I", p[at : at + 4])[0] == ssrc:
                n += 1
    print("%d packets with SSRC %08x reached %s" % (n, ssrc, ip))
    return 0 if n == 0 else 1


def spray(src, dst, pmin, pmax, secs, ssrc):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    ports = list(range(pmin, pmax + 1))
    gap = secs / len(ports)
    start = time.monotonic()
    for i, port in enumerate(ports):
        if port % 2 == 0:
            pkt = struct.pack("!BBHII", 0x80, 0, i & 0xFFFF, i * 160, ssrc) + b"\xff" * 160
        else:
            pkt = struct.pack("!BBHI", 0x80, 201, 1, ssrc)  # an RR with no report block
        s.sendto(pkt, (dst, port))
        ahead = start + (i + 1) * gap - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    print(len(ports))
    return 0


def count(pcap, way, port, t0, t1):
    n = 0
    for sport, dport, p, t in pcap_udp(pcap, True):
        if (dport if way == "to" else sport) == port and t0 <= t <= t1 and len(p) >= 12 and p[0] >> 6 == 2 and \
                not 192 <= p[1] <= 223:
            n += 1
    print(n)
    return 0


def toneulaw(freq, secs, out):
    with open(out, "wb") as f:
        f.write(bytes(ulaw_encode(int(8000 * math.sin(2 * math.pi * freq * i / 8000)))
                      for i in range(int(8000 * secs))))
    return 0


def tonewav(freq, secs, out):
    w = wave.open(out, "wb")
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(8000)
    w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i / 8000)))
                           for i in range(int(8000 * secs))))
    w.close()
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "wav":
        sys.exit(check_wav(int(sys.argv[2]), sys.argv[3]))
    if cmd == "streams":
        sys.exit(check_streams(sys.argv[2], int(sys.argv[3]), [int(f) for f in sys.argv[4:]]))
    if cmd == "count":
        sys.exit(count(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]),
                       float(sys.argv[6])))
    if cmd == "spray":
        sys.exit(spray(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
                       float(sys.argv[6]), int(sys.argv[7], 0)))
    if cmd == "nossrc":
        sys.exit(nossrc(sys.argv[2], sys.argv[3], int(sys.argv[4], 0)))
    if cmd == "toneulaw":
        sys.exit(toneulaw(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]))
    if cmd == "tonewav":
        sys.exit(tonewav(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]))
    sys.exit(__doc__)
