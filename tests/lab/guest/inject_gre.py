#!/usr/bin/env python
"""Send clear-text (unprotected) GRE packets, the way a Cisco GRE endpoint would if nothing encrypted them.

Runs INSIDE the lab VM, in a lab namespace (labctl.sh inject-gre ...). Builds, with a raw socket (IP_HDRINCL),
    outer IPv4  SRC -> DST, protocol 47 (GRE, RFC 2784, no key/checksum, protocol type 0x0800)
    inner IPv4  INNER_SRC -> INNER_DST, ICMP echo request, identifier ID, payload "vc-lab-clear-gre <seq>"
so the receiver's acceptance is measurable: a CPE that accepted one would show the inner echo request on its
GRE link (tcpdump icmp id ID) and answer it. The outer source is spoofed on purpose (the DI GRE IP):
exactly what a headend that stopped encrypting would emit.

    inject_gre.py SRC DST INNER_SRC INNER_DST [--count N] [--interval S] [--id ID]
prints "sent=N" on success.
"""
from __future__ import annotations

import argparse
import socket
import struct
import sys
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ipv4(src: str, dst: str, proto: int, payload: bytes, ident: int, ttl: int = 64) -> bytes:
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0, ttl, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    return hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:] + payload


def icmp_echo(ident: int, seq: int, data: bytes) -> bytes:
    body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return body[:2] + struct.pack("!H", checksum(body)) + body[4:]


def packet(src: str, dst: str, inner_src: str, inner_dst: str, ident: int, seq: int) -> bytes:
    inner = ipv4(inner_src, inner_dst, 1, icmp_echo(ident, seq, b"vc-lab-clear-gre %d" % seq), ident + seq, ttl=255)
    gre = struct.pack("!HH", 0, 0x0800) + inner
    return ipv4(src, dst, 47, gre, 0x4000 + seq)


def main(argv: list) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("inner_src")
    ap.add_argument("inner_dst")
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--id", type=int, default=0x7C47)
    a = ap.parse_args(argv)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    sent = 0
    for seq in range(1, a.count + 1):
        s.sendto(packet(a.src, a.dst, a.inner_src, a.inner_dst, a.id, seq), (a.dst, 0))
        sent += 1
        time.sleep(a.interval)
    print("sent=%d" % sent)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
