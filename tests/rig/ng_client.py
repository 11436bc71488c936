# SPDX-License-Identifier: BSD-3-Clause
"""A small rtpengine NG protocol client for the rig: one command, its reply as JSON.

usage: ng_client.py ADDR:PORT COMMAND [KEY=VALUE ...] [--wait SECONDS] [--timeout S]
  e.g. ng_client.py 198.18.2.1:2223 ping --wait 10
       ng_client.py 198.18.2.1:2223 list limit=1000
A VALUE that is all digits is sent as an integer, anything else as a string.
--wait polls (every 0.2 s, at most SECONDS) until a reply comes; exit 1 when none came.
The message is "COOKIE d...e" over UDP; bytes in the reply are printed as text.
"""
import json
import os
import socket
import sys
import time


def enc(v):
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(enc(x) for x in v) + b"e"
    if isinstance(v, dict):
        out = b"d"
        for k in sorted(v):
            out += enc(k) + enc(v[k])
        return out + b"e"
    raise TypeError(type(v))


def dec(b, i=0):
    c = b[i : i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1 : j]), j + 1
    if c == b"l":
        i += 1
        out = []
        while b[i : i + 1] != b"e":
            x, i = dec(b, i)
            out.append(x)
        return out, i + 1
    if c == b"d":
        i += 1
        out = {}
        while b[i : i + 1] != b"e":
            k, i = dec(b, i)
            v, i = dec(b, i)
            out[k] = v
        return out, i + 1
    if c.isdigit():
        j = b.index(b":", i)
        n = int(b[i:j])
        s = b[j + 1 : j + 1 + n]
        if len(s) != n:
            raise ValueError("string runs past the end")
        try:
            return s.decode(), j + 1 + n
        except UnicodeDecodeError:
            return s.hex(), j + 1 + n
    raise ValueError("bad bencode at %d" % i)


def main(argv):
    wait = 0.0
    timeout = 1.0
    args = []
    it = iter(argv)
    for a in it:
        if a == "--wait":
            wait = float(next(it))
        elif a == "--timeout":
            timeout = float(next(it))
        else:
            args.append(a)
    if len(args) < 2:
        sys.exit(__doc__)
    host, port = args[0].rsplit(":", 1)
    msg = {"command": args[1]}
    for kv in args[2:]:
        k, v = kv.split("=", 1)
        msg[k] = int(v) if v.isdigit() else v
    cookie = ("%d_%d" % (os.getpid(), time.monotonic_ns())).encode()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(min(timeout, 0.2) if wait else timeout)
    deadline = time.monotonic() + wait
    while True:
        s.sendto(cookie + b" " + enc(msg), (host, int(port)))
        try:
            while True:
                data, _ = s.recvfrom(65536)
                c, _, body = data.partition(b" ")
                if c == cookie:
                    break
            reply, _ = dec(body)
            print(json.dumps(reply))
            return 0
        except (socket.timeout, ConnectionRefusedError):
            if time.monotonic() >= deadline:
                print("no reply from %s:%s to %s" % (host, port, args[1]), file=sys.stderr)
                return 1
            time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
