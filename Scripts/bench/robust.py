#!/usr/bin/env python3
"""Disconnect torture for an echo server: the server must survive and keep serving.

    python3 Scripts/bench/robust.py --port N [--host 127.0.0.1]

Bounded (a few hundred connections, 5 s socket timeouts), loopback only.
Cases: connect+close at once; send and close without reading; reset (SO_LINGER
0) while the server still owes many bytes; half-close (shutdown(SHUT_WR)) after
1 MiB, expecting the whole echo before EOF; 200 connections reset together;
then a plain echo must still work. Exits 0 and prints "robust ok" on success.
"""
import argparse
import ipaddress
import os
import socket
import struct
import sys
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    a = ap.parse_args()
    if not ipaddress.ip_address(a.host).is_loopback:
        sys.exit("robust.py: loopback addresses only")
    addr = (a.host, a.port)

    def conn():
        return socket.create_connection(addr, timeout=5)

    def reset(s):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()

    for _ in range(300):                      # connect + close at once
        conn().close()
    for _ in range(100):                      # send, close without reading
        s = conn()
        s.sendall(b"x" * 1000)
        s.close()
    for _ in range(20):                       # reset while the server owes bytes
        s = conn()
        s.settimeout(0.5)
        try:
            for _ in range(200):
                s.send(b"y" * 65536)
        except OSError:
            pass
        reset(s)

    s = conn()                                # half-close: full echo, then EOF
    data = os.urandom(1 << 20)
    got = bytearray()
    eof = []

    def reader():
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    eof.append(True)
                    break
                got.extend(b)
        except OSError as e:
            eof.append(e)

    t = threading.Thread(target=reader)
    t.start()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    t.join(10)
    s.close()
    if bytes(got) != data:
        sys.exit(f"robust.py: half-close echo: got {len(got)} of {len(data)} bytes back")
    if eof != [True]:
        sys.exit(f"robust.py: half-close: no EOF after the echo ({eof[0] if eof else 'still open'})")

    many = [conn() for _ in range(200)]       # many resets together
    for s in many:
        s.send(b"z" * 10)
    for s in many:
        reset(s)

    s = conn()                                # still serving
    s.sendall(b"hello")
    if s.recv(5) != b"hello":
        sys.exit("robust.py: no echo after the torture")
    s.close()
    print("robust ok")


if __name__ == "__main__":
    main()
