#!/usr/bin/env python3
"""Packet helper for the iptlens kernel harness (test/kernel/harness.ts).

Standard library only.  Reads ONE JSON job on stdin, writes ONE JSON result on stdout.

A job:
  {
    "send":    {"ns": NAME, "mode": "packet"|"raw", "ifname": IF, "srcMac": MAC, "dstMac": MAC,
                "packets": [PKT, ...], "gapUs": 0},
    "capture": [{"ns": NAME, "ifname": IF, "where": LABEL}, ...],
    "trace":   {"ns": NAME} | null,
    "quietMs": 15, "minMs": 10, "maxMs": 1500, "maxRecords": 5000
  }
  PKT = {"family": 4|6, "src", "dst", "proto": int, "sport", "dport", "tcpFlags": int,
         "icmpType", "icmpCode", "ttl", "ipId" (v4 marker), "flowLabel" (v6 marker), "seq",
         "payload": hex}

Every socket is opened inside its namespace with setns(2) (one process, no `ip netns exec`):
  * capture = AF_PACKET/ETH_P_ALL socket bound to an interface; packets sent by that namespace
    itself (PACKET_OUTGOING) are ignored.
  * trace   = NETLINK_NETFILTER socket subscribed to NFNLGRP_NFTRACE in the node namespace;
    it receives the nf_tables trace of every packet whose nftrace bit is set.
  * send    = "packet": a full Ethernet frame written with AF_PACKET on the sender's interface
              (the sender namespace's own stack and netfilter are bypassed);
              "raw": an IPPROTO_RAW socket (IP header included) so the packet goes through
              the sender's routing and OUTPUT/POSTROUTING (used for from:"host").
After sending, the helper keeps reading until nothing arrived for quietMs (and at least minMs
passed), or maxMs.  Every captured packet and every trace record is classified against the
markers of the sent packets: IPv4 identification / IPv6 flow label + protocol (+ TCP sequence
number, ICMP echo request type), which NAT never rewrites and kernel-generated replies do not
carry.
"""
import ctypes
import json
import os
import select
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4
NETLINK_NETFILTER = 12
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NFNLGRP_NFTRACE = 9
NFNL_SUBSYS_NFTABLES = 10
SO_RCVBUFFORCE = 33

_libc = ctypes.CDLL(None, use_errno=True)


def setns(name):
    fd = os.open("/var/run/netns/" + name, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns(%s): %s" % (name, os.strerror(e)))
    finally:
        os.close(fd)


# ---------------------------------------------------------------- checksums

def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def _crc32c_table():
    tbl = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        tbl.append(c)
    return tbl


_CRC32C = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


# ---------------------------------------------------------------- crafting

def pseudo(fam, src, dst, proto, length):
    if fam == 4:
        return socket.inet_pton(socket.AF_INET, src) + socket.inet_pton(socket.AF_INET, dst) + \
            struct.pack("!BBH", 0, proto, length)
    return socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + \
        struct.pack("!I3xB", length, proto)


def build_l4(p):
    fam, proto = p["family"], p["proto"]
    payload = bytes.fromhex(p.get("payload") or "")
    if proto == 6:  # TCP
        flags = p.get("tcpFlags", 0x02)
        ack = p.get("ack", 0)
        hdr = struct.pack("!HHIIBBHHH", p.get("sport", 0), p.get("dport", 0), p.get("seq", 1), ack,
                          5 << 4, flags, 64240, 0, 0)
        seg = hdr + payload
        c = csum16(pseudo(fam, p["src"], p["dst"], 6, len(seg)) + seg)
        return seg[:16] + struct.pack("!H", c) + seg[18:]
    if proto == 17 or proto == 136:  # UDP / UDP-Lite (full coverage)
        ln = 8 + len(payload)
        seg = struct.pack("!HHHH", p.get("sport", 0), p.get("dport", 0), ln if proto == 17 else 0, 0) + payload
        c = csum16(pseudo(fam, p["src"], p["dst"], proto, ln) + seg)
        if c == 0:
            c = 0xFFFF
        return seg[:6] + struct.pack("!H", c) + seg[8:]
    if proto == 132:  # SCTP: common header + INIT chunk, CRC32c
        tag = p.get("seq", 1) & 0xFFFFFFFF or 1
        init = struct.pack("!IIHHI", tag, 65535, 1, 1, 1)  # init tag, a_rwnd, os, mis, initial TSN
        chunk = struct.pack("!BBH", 1, 0, 4 + len(init)) + init
        common = struct.pack("!HHII", p.get("sport", 0), p.get("dport", 0), 0, 0)
        pkt = common + chunk
        c = crc32c(pkt)
        return pkt[:8] + struct.pack("<I", c) + pkt[12:]
    if proto == 1 or proto == 58:  # ICMP / ICMPv6
        t = p.get("icmpType", 8 if proto == 1 else 128)
        code = p.get("icmpCode", 0)
        if (proto == 1 and t in (0, 8, 13, 14)) or (proto == 58 and t in (128, 129)):
            rest = struct.pack("!HH", p.get("sport", 0) or p.get("icmpId", 0), p.get("icmpSeq", 1))
        else:
            rest = b"\0\0\0\0"
        msg = struct.pack("!BBH", t, code, 0) + rest + payload
        if proto == 1:
            c = csum16(msg)
        else:
            c = csum16(pseudo(6, p["src"], p["dst"], 58, len(msg)) + msg)
        return msg[:2] + struct.pack("!H", c) + msg[4:]
    return payload or b"\0" * 8


def build_ip(p):
    l4 = build_l4(p)
    fam, proto = p["family"], p["proto"]
    ttl = p.get("ttl", 64)
    if fam == 4:
        total = 20 + len(l4)
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, p.get("tos", 0), total, p.get("ipId", 0) & 0xFFFF, 0x4000,
                          ttl, proto, 0, socket.inet_pton(socket.AF_INET, p["src"]),
                          socket.inet_pton(socket.AF_INET, p["dst"]))
        c = csum16(hdr)
        return hdr[:10] + struct.pack("!H", c) + hdr[12:] + l4
    first = (6 << 28) | (p.get("tclass", 0) << 20) | (p.get("flowLabel", 0) & 0xFFFFF)
    return struct.pack("!IHBB", first, len(l4), proto, ttl) + socket.inet_pton(socket.AF_INET6, p["src"]) + \
        socket.inet_pton(socket.AF_INET6, p["dst"]) + l4


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


# ---------------------------------------------------------------- parsing

ICMP4_ERRORS = (3, 4, 5, 11, 12)
ICMP6_ERRORS = (1, 2, 3, 4)


def parse_ip(net, l4=None):
    """Parse an IP packet (or the first bytes of one).  l4: transport header given separately."""
    d = {}
    if not net:
        return d
    v = net[0] >> 4
    try:
        if v == 4 and len(net) >= 20:
            ihl = (net[0] & 0xF) * 4
            d.update(family=4, len=struct.unpack("!H", net[2:4])[0], ipId=struct.unpack("!H", net[4:6])[0],
                     ttl=net[8], proto=net[9], src=socket.inet_ntop(socket.AF_INET, net[12:16]),
                     dst=socket.inet_ntop(socket.AF_INET, net[16:20]))
            frag = struct.unpack("!H", net[6:8])[0] & 0x1FFF
            if frag:
                d["fragment"] = True
                return d
            rest = net[ihl:]
        elif v == 6 and len(net) >= 40:
            first = struct.unpack("!I", net[0:4])[0]
            d.update(family=6, len=40 + struct.unpack("!H", net[4:6])[0], flowLabel=first & 0xFFFFF,
                     proto=net[6], ttl=net[7], src=socket.inet_ntop(socket.AF_INET6, net[8:24]),
                     dst=socket.inet_ntop(socket.AF_INET6, net[24:40]))
            rest = net[40:]
        else:
            return d
    except (ValueError, struct.error):
        return d
    if l4 is not None:
        rest = l4
    proto = d["proto"]
    try:
        if proto in (6, 17, 132, 136) and len(rest) >= 4:
            d["sport"], d["dport"] = struct.unpack("!HH", rest[:4])
            if proto == 6 and len(rest) >= 14:
                d["seq"] = struct.unpack("!I", rest[4:8])[0]
                d["tcpFlags"] = rest[13]
            if proto == 132 and len(rest) >= 13:
                d["sctpChunk"] = rest[12]
        elif proto in (1, 58) and len(rest) >= 2:
            d["icmpType"], d["icmpCode"] = rest[0], rest[1]
            errs = ICMP4_ERRORS if proto == 1 else ICMP6_ERRORS
            if d["icmpType"] in errs:
                d["icmpError"] = True
                if l4 is None and len(rest) > 8:
                    inner = parse_ip(rest[8:])
                    if inner:
                        d["inner"] = inner
            elif len(rest) >= 8:
                d["icmpId"] = struct.unpack("!H", rest[4:6])[0]
    except struct.error:
        pass
    return d


def classify(d, markers):
    """Index of the sent packet d is (a possibly NAT-translated copy of), or -1."""
    if not d or "family" not in d:
        return -1
    key = (d["family"], d.get("ipId") if d["family"] == 4 else d.get("flowLabel"), d.get("proto"))
    cands = markers.get(key)
    if not cands:
        return -1
    for i, p in cands:
        if d.get("icmpError"):
            continue
        if p["proto"] == 6 and d.get("seq") is not None and d["seq"] != p.get("seq", 1):
            continue
        if p["proto"] in (1, 58) and d.get("icmpType") is not None and \
                d["icmpType"] != p.get("icmpType", 8 if p["proto"] == 1 else 128):
            continue
        return i
    return -1


# ---------------------------------------------------------------- nf_tables trace

def nla_iter(buf):
    off = 0
    while off + 4 <= len(buf):
        ln, typ = struct.unpack_from("=HH", buf, off)
        if ln < 4:
            break
        yield typ & 0x3FFF, buf[off + 4: off + ln]
        off += (ln + 3) & ~3


def s32(b):
    return struct.unpack("!i", b[:4])[0]


def parse_trace(msg):
    # msg: payload after nlmsghdr: nfgenmsg (4 bytes) + attributes
    fam = msg[0]
    r = {"nfproto": fam}
    net = l4 = None
    for t, v in nla_iter(msg[4:]):
        if t == 1:
            r["table"] = v.rstrip(b"\0").decode()
        elif t == 2:
            r["chain"] = v.rstrip(b"\0").decode()
        elif t == 3:
            r["handle"] = struct.unpack("!Q", v[:8])[0]
        elif t == 4:
            r["type"] = {1: "policy", 2: "return", 3: "rule"}.get(struct.unpack("!I", v[:4])[0], "unspec")
        elif t == 5:
            for vt, vv in nla_iter(v):
                if vt == 1:
                    r["verdict"] = s32(vv)
                elif vt == 2:
                    r["target"] = vv.rstrip(b"\0").decode()
        elif t == 6:
            r["id"] = struct.unpack("!I", v[:4])[0]
        elif t == 8:
            net = v
        elif t == 9:
            l4 = v
        elif t == 10:
            r["iif"] = struct.unpack("!I", v[:4])[0]
        elif t == 12:
            r["oif"] = struct.unpack("!I", v[:4])[0]
        elif t == 14:
            r["mark"] = struct.unpack("!I", v[:4])[0]
        elif t == 15:
            r["nfproto"] = struct.unpack("!I", v[:4])[0]
        elif t == 16:
            r["policy"] = struct.unpack("!I", v[:4])[0]
    if net:
        r["pkt"] = parse_ip(net, l4)
    return r


def open_trace(ns):
    setns(ns)
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((0, 0))
    s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NFNLGRP_NFTRACE)
    ifnames = {i: n for i, n in socket.if_nameindex()}
    return s, ifnames


def read_trace(s, out, ifnames, markers, errors):
    try:
        data = s.recv(1 << 20)
    except OSError as e:  # ENOBUFS: events were lost
        errors.append("trace: %s" % e)
        return
    off = 0
    while off + 16 <= len(data):
        ln, typ, _fl, _seq, _pid = struct.unpack_from("=IHHII", data, off)
        if ln < 16:
            break
        if (typ >> 8) == NFNL_SUBSYS_NFTABLES:
            r = parse_trace(data[off + 16: off + ln])
            if r.get("table") != "iptl_trace":
                for k in ("iif", "oif"):
                    if k in r:
                        r[k] = ifnames.get(r[k], str(r[k]))
                r["probe"] = classify(r.get("pkt"), markers)
                out.append(r)
        off += (ln + 3) & ~3


# ---------------------------------------------------------------- main

def main():
    job = json.load(sys.stdin)
    res = {"sent": 0, "captured": [], "trace": [], "errors": []}
    orig = os.open("/proc/self/ns/net", os.O_RDONLY)
    socks = []  # (sock, kind, info)
    send = job.get("send") or {"packets": []}
    pkts = send.get("packets", [])
    markers = {}
    for i, p in enumerate(pkts):
        key = (p["family"], p.get("ipId") if p["family"] == 4 else p.get("flowLabel"), p["proto"])
        markers.setdefault(key, []).append((i, p))
    try:
        ifnames = {}
        if job.get("trace"):
            ts, ifnames = open_trace(job["trace"]["ns"])
            socks.append((ts, "trace", None))
        for c in job.get("capture", []):
            setns(c["ns"])
            cs = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            cs.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            cs.bind((c["ifname"], ETH_P_ALL))
            socks.append((cs, "capture", c["where"]))
        # sender
        setns(send["ns"])
        if send.get("mode") == "packet":
            tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            tx.bind((send["ifname"], 0))
            l2 = mac_bytes(send["dstMac"]) + mac_bytes(send["srcMac"])
        else:
            tx4 = tx6 = None
        gap = send.get("gapUs", 0) / 1e6
        t0 = time.monotonic()
        for p in pkts:
            raw = build_ip(p)
            if send.get("mode") == "packet":
                et = ETH_P_IP if p["family"] == 4 else ETH_P_IPV6
                tx.send(l2 + struct.pack("!H", et) + raw)
            elif p["family"] == 4:
                if tx4 is None:
                    tx4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
                tx4.sendto(raw, (p["dst"], 0))
            else:
                if tx6 is None:
                    tx6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
                tx6.sendto(raw, (p["dst"], 0, 0, 0))
            res["sent"] += 1
            if gap:
                time.sleep(gap)
        res["sendMs"] = round((time.monotonic() - t0) * 1000, 2)
        os.close(orig)
        # collect
        quiet = job.get("quietMs", 15) / 1000.0
        min_t = job.get("minMs", 10) / 1000.0
        max_t = job.get("maxMs", 1500) / 1000.0
        max_rec = job.get("maxRecords", 5000)
        start = time.monotonic()
        last = start
        fds = {s.fileno(): (s, k, info) for s, k, info in socks}
        while True:
            now = time.monotonic()
            if now - start >= max_t:
                res["errors"].append("collection stopped at maxMs")
                break
            if now - start >= min_t and now - last >= quiet:
                break
            wait = min(quiet - (now - last), max_t - (now - start))
            if now - start < min_t:
                wait = max(wait, min_t - (now - start))
            r, _, _ = select.select(list(fds), [], [], max(wait, 0.001))
            for fd in r:
                s, kind, info = fds[fd]
                last = time.monotonic()
                if kind == "trace":
                    read_trace(s, res["trace"], ifnames, markers, res["errors"])
                else:
                    frame, addr = s.recvfrom(65535)
                    if addr[2] == PACKET_OUTGOING:
                        continue
                    et = struct.unpack("!H", frame[12:14])[0] if len(frame) >= 14 else 0
                    if et not in (ETH_P_IP, ETH_P_IPV6):
                        continue
                    d = parse_ip(frame[14:])
                    d["where"] = info
                    d["probe"] = classify(d, markers)
                    if len(res["captured"]) < max_rec:
                        res["captured"].append(d)
        res["collectMs"] = round((time.monotonic() - start) * 1000, 2)
    except Exception as e:  # report, never hang
        res["errors"].append("%s: %s" % (type(e).__name__, e))
        res["fatal"] = True
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    main()
