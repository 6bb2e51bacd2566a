#!/usr/bin/env python3
"""Writes the seed inputs in Fuzz/Corpus/<Target>/: a few valid inputs per decoder, laid out
as the matching FuzzEntryPoints function reads them (see its doc comment)."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
# Rows of OptionRows.all (the order of Sources/ESock/Options/OptionRows.swift).
ROW = {"meta": 7, "linger": 21, "rcvtimeo": 33, "reuseaddr": 34, "ip.mtu_discover": 55,
       "ip.multicast_if": 57, "pktoptions": 62, "tos": 73, "unicast_hops": 107,
       "congestion": 110, "msfilter": 53, "associnfo": 122, "initmsg": 126, "rtoinfo": 129}


def cmsg(level, type_, data):
    """One struct cmsghdr and its data, padded to 8 bytes as CMSG_SPACE does."""
    raw = struct.pack("<QiI", 16 + len(data), level, type_) + data
    return raw + b"\0" * (-len(raw) % 8)


def sockaddr_in(port, addr):
    return struct.pack("<H", AF_INET) + struct.pack(">H", port) + bytes(addr) + b"\0" * 8


def sockaddr_in6(port, addr, flow=0, scope=0):
    return struct.pack("<H", AF_INET6) + struct.pack(">HI", port, flow) + bytes(addr) + struct.pack("<I", scope)


def sockaddr(selector, payload, length=None):
    return bytes([selector]) + struct.pack("<H", len(payload) if length is None else length) + payload


loopback6 = [0] * 15 + [1]
seeds = {
    "FuzzAddress": {
        "text-inet": b"\0127.0.0.1:8080",
        "text-inet6": b"\0[::1]:443",
        "text-inet6-mapped": b"\0[::ffff:10.0.0.1]:9",
        "text-local": b"\0/tmp/esock.sock",
        "text-ipv6-only": b"\0fe80::1",
        "sockaddr-inet": sockaddr(1, sockaddr_in(8080, [127, 0, 0, 1])),
        "sockaddr-inet6": sockaddr(3, sockaddr_in6(443, loopback6, flow=7, scope=2)),
        "sockaddr-local": sockaddr(5, struct.pack("<H", AF_UNIX) + b"/tmp/s\0"),
        "sockaddr-abstract": sockaddr(5, struct.pack("<H", AF_UNIX) + b"\0name"),
        "sockaddr-unnamed": sockaddr(5, struct.pack("<H", AF_UNIX)),
        "sockaddr-own-family": sockaddr(7, sockaddr_in(53, [10, 0, 0, 1])),
    },
    "FuzzOption": {
        "decode-bool": bytes([ROW["reuseaddr"], 0]) + struct.pack("<i", 1),
        "decode-linger": bytes([ROW["linger"], 0]) + struct.pack("<ii", 1, 5),
        "decode-timeval": bytes([ROW["rcvtimeo"], 0]) + struct.pack("<qq", 2, 500000),
        "decode-tos": bytes([ROW["tos"], 0]) + struct.pack("<i", 0x10),
        "decode-mtu": bytes([ROW["ip.mtu_discover"], 0]) + struct.pack("<i", 2),
        "decode-ipv4": bytes([ROW["ip.multicast_if"], 0, 224, 0, 0, 1]),
        "decode-string": bytes([ROW["congestion"], 0]) + b"cubic\0",
        "decode-pktoptions": bytes([ROW["pktoptions"], 0]) + cmsg(0, 1, b"\x01\x02\x03\x04") + cmsg(0, 2, b"\x40"),
        "decode-associnfo": bytes([ROW["associnfo"], 0]) + struct.pack("<iHHIII", 0, 10, 1, 65536, 65536, 60000),
        "decode-initmsg": bytes([ROW["initmsg"], 0]) + struct.pack("<HHHH", 10, 10, 4, 1000),
        "decode-rtoinfo": bytes([ROW["rtoinfo"], 0]) + struct.pack("<iIII", 0, 3000, 60000, 1000),
        "encode-int": bytes([ROW["unicast_hops"], 1, 1]) + struct.pack("<q", 64),
        "encode-string": bytes([ROW["meta"], 1, 2]) + b"meta",
        "encode-linger": bytes([ROW["linger"], 1, 3, 1]) + struct.pack("<q", 10),
        "encode-msfilter": bytes([ROW["msfilter"], 1, 11, 1, 224, 0, 0, 1, 0, 0, 0, 0, 0, 10, 0, 0, 1]),
    },
    "FuzzMessage": {
        # 2 buffers of 8 bytes, 64 bytes of control; namelen 16, controllen 24, 12 bytes received.
        "recv-inet": bytes([1, 7, 64]) + struct.pack("<HHH", 16, 24, 12)
        + sockaddr_in(9, [127, 0, 0, 1]).ljust(128, b"\0") + cmsg(0, 1, b"\x01\x02\x03\x04").ljust(64, b"\0")
        + b"hello, world!!!!",
        "recv-inet6-no-control": bytes([0, 31, 0]) + struct.pack("<HHH", 28, 0, 5)
        + sockaddr_in6(9, loopback6).ljust(128, b"\0") + b"bytes",
        "recv-unix": bytes([0, 15, 32]) + struct.pack("<HHH", 9, 16, 3)
        + (struct.pack("<H", AF_UNIX) + b"/tmp/s\0").ljust(128, b"\0") + cmsg(1, 1, b"").ljust(32, b"\0") + b"abc",
        "send-two": bytes([0x80, 0, 1, 4, 1, 2, 3, 4, 41, 50, 1, 9]),
        "send-empty-data": bytes([0x80, 1, 2, 0]),
    },
}

for target, files in seeds.items():
    folder = os.path.join(HERE, "Corpus", target)
    os.makedirs(folder, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
