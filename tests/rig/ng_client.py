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


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
from ng import bdec, benc  # noqa: E402  (the project's one bencode codec)


def text(v):
    """@a v with byte strings as text (hex when not UTF-8), for printing as JSON."""
    if isinstance(v, bytes):
        try:
            return v.decode()
        except UnicodeDecodeError:
            return v.hex()
    if isinstance(v, list):
        return [text(x) for x in v]
    if isinstance(v, dict):
        return {k: text(x) for k, x in v.items()}
    return v


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
        s.sendto(cookie + b" " + benc(msg), (host, int(port)))
        try:
            while True:
                data, _ = s.recvfrom(65536)
                c, _, body = data.partition(b" ")
                if c == cookie:
                    break
            reply, _ = bdec(body)
            print(json.dumps(text(reply)))
            return 0
        except (socket.timeout, ConnectionRefusedError):
            if time.monotonic() >= deadline:
                print("no reply from %s:%s to %s" % (host, port, args[1]), file=sys.stderr)
                return 1
            time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
