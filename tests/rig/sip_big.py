# SPDX-License-Identifier: BSD-3-Clause
"""Send an OPTIONS whose answer is larger than the MTU and check the answer arrives whole.

usage: sip_big.py LOCAL_IP ENGINE_IP NUM_VIAS
The answer copies every Via, so NUM_VIAS sets its size; the kernel reassembles the engine's
IPv4 fragments. Prints the answer's size; exits 0 when it is a 200 to our OPTIONS with every Via.
"""
import socket
import sys

local, engine, nvias = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((local, 5062))
s.settimeout(5)
pad = "x" * 60
vias = ["Via: SIP/2.0/UDP %s:5062;branch=z9hG4bKbig0;rport" % local]
vias += ["Via: SIP/2.0/UDP proxy%d.%s.example.net;branch=z9hG4bKp%d" % (i, pad, i)
         for i in range(1, nvias)]
msg = ("OPTIONS sip:big@%s SIP/2.0\r\n%s\r\nMax-Forwards: 70\r\n"
       "To: <sip:big@%s>\r\nFrom: <sip:rig@%s>;tag=big1\r\nCall-ID: big-%d@%s\r\n"
       "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n") % (
    engine, "\r\n".join(vias), engine, local, nvias, local)
s.sendto(msg.encode(), (engine, 5060))
data, _ = s.recvfrom(70000)
text = data.decode(errors="replace")
print("request %d bytes, answer %d bytes" % (len(msg), len(data)))
ok = text.startswith("SIP/2.0 200 ") and text.count("\r\nVia: ") == nvias
if not ok:
    print(text)
sys.exit(0 if ok else 1)
