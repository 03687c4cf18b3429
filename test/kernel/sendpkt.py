#!/usr/bin/env python3
"""Packet helper for the iptlens kernel harness (test/kernel/harness.ts).

Standard library only.  Runs as a long-lived helper of one lab (stdin/stdout, JSON lines):
  line 1 (config): {"capture": [{"ns": NAME, "ifname": IF, "where": LABEL}, ...],
                    "trace": {"ns": NAME} | null}
  then one job per line, answered by one result line:
  {"send": {"ns": NAME, "mode": "packet"|"raw", "ifname": IF, "srcMac": MAC, "dstMac": MAC,
            "packets": [PKT, ...], "gapUs": 0},
   "trace": true, "quietMs": 15, "minMs": 5, "maxMs": 2000, "maxRecords": 5000}
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
Before sending, pending input is drained.  After the packets, a sentinel ARP request for the
node's IPv4 address is sent from the ext side; all sends happen on one CPU, so the node processes
them in order and, once the sentinel's ARP reply is captured, everything the probe caused (trace
events, forwarded packets, replies) is already queued on the helper's sockets.  Without a
sentinel the helper reads until nothing arrived for quietMs (and at least minMs passed), or maxMs.  Every captured packet and every trace record is classified against the
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


def corrupt(l4, proto):
    off = {6: 16, 17: 6, 136: 6, 1: 2, 58: 2, 132: 8}.get(proto)
    if off is None or len(l4) < off + 2:
        return l4
    b = bytearray(l4)
    b[off] ^= 0x5A
    return bytes(b)


def build_ip(p):
    l4 = build_l4(p)
    if p.get("badChecksum"):
        l4 = corrupt(l4, p["proto"])
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


def parse_trace_batch(data, out, ifnames, markers):
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

class Helper:
    """Sockets are opened once (per lab) and reused: opening and closing AF_PACKET sockets costs
    tens of milliseconds (packet_release waits for an RCU grace period)."""

    def __init__(self, cfg):
        self.ifnames = {}
        self.socks = {}  # fileno -> (sock, kind, info)
        self.trace = None
        self.senders = {}
        if cfg.get("trace"):
            self.trace, self.ifnames = open_trace(cfg["trace"]["ns"])
            self.socks[self.trace.fileno()] = (self.trace, "trace", None)
        self.caps = {}
        for c in cfg.get("capture", []):
            setns(c["ns"])
            cs = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            cs.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
            cs.bind((c["ifname"], ETH_P_ALL))
            cs.setblocking(False)
            self.socks[cs.fileno()] = (cs, "capture", c["where"])
            self.caps[(c["ns"], c["ifname"])] = cs
        if self.trace is not None:
            self.trace.setblocking(False)
        # Sentinel: an ARP request for the node's address, sent from the ext side after the probe
        # packets.  Its reply proves the node finished processing everything sent before it.
        self.sentinel = cfg.get("sentinel")
        if self.sentinel:
            sn = self.sentinel
            self.sentinel_sock = self.caps[(sn["ns"], sn["ifname"])]
            sha = mac_bytes(sn["srcMac"])
            self.sentinel_frame = mac_bytes(sn["dstMac"]) + sha + struct.pack("!H", 0x0806) + \
                struct.pack("!HHBBH", 1, ETH_P_IP, 6, 4, 1) + sha + socket.inet_aton(sn["srcIP"]) + \
                b"\0" * 6 + socket.inet_aton(sn["dstIP"])
            self.sentinel_reply = socket.inet_aton(sn["dstIP"])
        # All packets are sent from one CPU, so the kernel receives them (veth -> that CPU's
        # backlog queue) and processes them in order: sentinel last.
        try:
            cpus = sorted(os.sched_getaffinity(0))
            os.sched_setaffinity(0, {cpus[os.getpid() % len(cpus)]})
        except OSError:
            pass

    def sender(self, send):
        key = (send["ns"], send.get("mode"), send.get("ifname"))
        tx = self.senders.get(key)
        if tx is None:
            if send.get("mode") == "packet":
                # a capture socket on the same interface can send too (its own frames are
                # PACKET_OUTGOING there and therefore ignored)
                tx = self.caps.get((send["ns"], send["ifname"]))
                if tx is None:
                    setns(send["ns"])
                    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
                    tx.bind((send["ifname"], 0))
            else:
                setns(send["ns"])
                tx = (socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW),
                      socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW))
            self.senders[key] = tx
        return tx

    def drain(self):
        n = 0
        for s, kind, _ in self.socks.values():
            while True:
                try:
                    s.recv(1 << 20)
                    n += 1
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:  # e.g. ENOBUFS on the trace socket
                    continue
        return n

    def run(self, job):
        res = {"sent": 0, "captured": [], "trace": [], "errors": []}
        send = job["send"]
        pkts = send.get("packets", [])
        markers = {}
        for i, p in enumerate(pkts):
            key = (p["family"], p.get("ipId") if p["family"] == 4 else p.get("flowLabel"), p["proto"])
            markers.setdefault(key, []).append((i, p))
        res["drained"] = self.drain()
        tx = self.sender(send)
        gap = send.get("gapUs", 0) / 1e6
        l2 = None
        if send.get("mode") == "packet":
            l2 = mac_bytes(send["dstMac"]) + mac_bytes(send["srcMac"])
        t0 = time.monotonic()
        for p in pkts:
            raw = build_ip(p)
            if l2 is not None:
                tx.send(l2 + struct.pack("!H", ETH_P_IP if p["family"] == 4 else ETH_P_IPV6) + raw)
            else:
                # from:"host": a packet that netfilter drops on the OUTPUT path (DROP, REJECT, a failed
                # re-route after DNAT) makes sendto fail with EPERM/EINVAL/...; the packet was still
                # sent as far as the probe is concerned (the trace shows where it ended).
                try:
                    if p["family"] == 4:
                        tx[0].sendto(raw, (p["dst"], 0))
                    else:
                        tx[1].sendto(raw, (p["dst"], 0, 0, 0))
                except OSError as e:
                    res.setdefault("sendErrors", []).append("%s: %s" % (type(e).__name__, e))
            res["sent"] += 1
            if gap:
                time.sleep(gap)
        use_sentinel = bool(self.sentinel) and job.get("sentinel", True)
        if use_sentinel:
            self.sentinel_sock.send(self.sentinel_frame)
        res["sendMs"] = round((time.monotonic() - t0) * 1000, 2)
        quiet = job.get("quietMs", 15) / 1000.0
        min_t = job.get("minMs", 5) / 1000.0
        max_t = job.get("maxMs", 2000) / 1000.0
        max_rec = job.get("maxRecords", 5000)
        want_trace = job.get("trace", True)
        start = time.monotonic()
        last = start
        fds = list(self.socks)
        seen = False
        while True:
            now = time.monotonic()
            if seen:
                # everything the node did before answering the sentinel is already queued
                r, _, _ = select.select(fds, [], [], 0)
                if not r:
                    break
            else:
                if now - start >= max_t:
                    res["errors"].append("collection stopped at maxMs (%s)" % (
                        "the sentinel ARP reply never came" if use_sentinel else "traffic did not stop"))
                    break
                if not use_sentinel and now - start >= min_t and now - last >= quiet:
                    break
                if use_sentinel:
                    wait = max_t - (now - start)
                else:
                    wait = min(quiet - (now - last), max_t - (now - start))
                    if now - start < min_t:
                        wait = max(wait, min_t - (now - start))
                r, _, _ = select.select(fds, [], [], max(wait, 0.001))
            for fd in r:
                s, kind, info = self.socks[fd]
                if kind == "trace":
                    while True:
                        try:
                            data = s.recv(1 << 20)
                        except (BlockingIOError, InterruptedError):
                            break
                        except OSError as e:  # ENOBUFS: the kernel dropped trace events
                            if want_trace:
                                res["errors"].append("trace: %s" % e)
                            continue
                        last = time.monotonic()
                        if want_trace:
                            parse_trace_batch(data, res["trace"], self.ifnames, markers)
                    continue
                while True:
                    try:
                        frame, addr = s.recvfrom(65535)
                    except (BlockingIOError, InterruptedError):
                        break
                    last = time.monotonic()
                    if addr[2] == PACKET_OUTGOING:
                        continue
                    et = struct.unpack("!H", frame[12:14])[0] if len(frame) >= 14 else 0
                    if et == 0x0806:
                        if use_sentinel and s is self.sentinel_sock and len(frame) >= 42 and \
                                frame[20:22] == b"\0\2" and frame[28:32] == self.sentinel_reply:
                            seen = True
                        continue
                    if et not in (ETH_P_IP, ETH_P_IPV6):
                        continue
                    d = parse_ip(frame[14:])
                    d["where"] = info
                    d["probe"] = classify(d, markers)
                    if len(res["captured"]) < max_rec:
                        res["captured"].append(d)
        res["collectMs"] = round((time.monotonic() - start) * 1000, 2)
        return res


def main():
    """Server mode: first line = config {capture, trace}; then one job per line, one JSON answer per line."""
    out = sys.stdout
    line = sys.stdin.readline()
    if not line:
        return
    try:
        helper = Helper(json.loads(line))
        out.write(json.dumps({"ready": True}) + "\n")
    except Exception as e:
        out.write(json.dumps({"ready": False, "errors": ["%s: %s" % (type(e).__name__, e)], "fatal": True}) + "\n")
        out.flush()
        return
    out.flush()
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        try:
            res = helper.run(json.loads(line))
        except Exception as e:  # report, never hang
            res = {"sent": 0, "captured": [], "trace": [], "errors": ["%s: %s" % (type(e).__name__, e)], "fatal": True}
        out.write(json.dumps(res) + "\n")
        out.flush()
    os._exit(0)


# ---------------------------------------------------------------- ipset / nfacct objects
# Without the ipset(8) and nfacct(8) tools, create the objects a dump references directly over
# nfnetlink, so that `-m set`, `-j SET` and `-m nfacct` rules can be restored.

NFNL_SUBSYS_ACCT = 7
NFNL_SUBSYS_IPSET = 6
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 1, 4, 0x200, 0x400
NLA_F_NESTED, NLA_F_NET_BYTEORDER = 0x8000, 0x4000
IPSET_PROTOCOL = 7
IPSET_CMD_CREATE, IPSET_CMD_ADD, IPSET_CMD_TYPE = 2, 9, 13
(IPSET_ATTR_PROTOCOL, IPSET_ATTR_SETNAME, IPSET_ATTR_TYPENAME, IPSET_ATTR_REVISION,
 IPSET_ATTR_FAMILY, IPSET_ATTR_DATA) = 1, 2, 3, 4, 5, 7
IPSET_ATTR_IP, IPSET_ATTR_CIDR, IPSET_ATTR_PORT, IPSET_ATTR_PORT_TO, IPSET_ATTR_PROTO = 1, 3, 4, 5, 7
IPSET_ATTR_IP2, IPSET_ATTR_CIDR2 = 20, 21
IPSET_ERRORS = {4097: "protocol error", 4098: "unknown set type / revision", 4099: "set name already exists with a different type",
                4100: "set type not supported for this family", 4101: "invalid element", 4102: "element exists"}


def nla(t, payload):
    ln = 4 + len(payload)
    return struct.pack("=HH", ln, t) + payload + b"\0" * ((4 - ln % 4) % 4)


def nla_str(t, v):
    return nla(t, v.encode() + b"\0")


def nl_request(sock, msgtype, family, attrs, flags):
    body = struct.pack("!BBH", family, 0, 0) + attrs
    hdr = struct.pack("=IHHII", 16 + len(body), msgtype, NLM_F_REQUEST | NLM_F_ACK | flags, 1, 0)
    sock.send(hdr + body)
    replies = []
    while True:
        data = sock.recv(65536)
        off = 0
        while off + 16 <= len(data):
            ln, typ, _f, _s, _p = struct.unpack_from("=IHHII", data, off)
            if typ == 2:  # NLMSG_ERROR
                err = -struct.unpack_from("=i", data, off + 16)[0]
                return err, replies
            replies.append(data[off + 16: off + ln])
            off += (ln + 3) & ~3


def ip_attr(t, addr):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    inner = nla((2 if fam == socket.AF_INET6 else 1) | NLA_F_NET_BYTEORDER, socket.inet_pton(fam, addr))
    return nla(t | NLA_F_NESTED, inner)


PROTOS = {"tcp": 6, "udp": 17, "sctp": 132, "icmp": 1, "icmpv6": 58, "ipv6-icmp": 58, "udplite": 136}


def ipset_element(settype, entry):
    """Data attributes of one element: "10.0.0.1", "10.0.0.0/8", "10.0.0.1,tcp:80", "10.0.0.1,udp:53,10.244.0.0/16",
    "30000-32767" (bitmap:port), "80" (bitmap:port)."""
    dims = settype.split(":", 1)[1].split(",")
    parts = entry.split(",")
    if len(parts) != len(dims):
        raise ValueError("element %r does not fit %s" % (entry, settype))
    out = b""
    ipn = 0
    for dim, part in zip(dims, parts):
        if dim in ("ip", "net"):
            addr, _, cidr = part.partition("/")
            out += ip_attr(IPSET_ATTR_IP if ipn == 0 else IPSET_ATTR_IP2, addr)
            if cidr:
                out += nla(IPSET_ATTR_CIDR if ipn == 0 else IPSET_ATTR_CIDR2, struct.pack("B", int(cidr)))
            ipn += 1
        elif dim == "port":
            proto, sep, port = part.rpartition(":")
            lo, _, hi = port.partition("-")
            out += nla(IPSET_ATTR_PORT | NLA_F_NET_BYTEORDER, struct.pack("!H", int(lo)))
            if hi:
                out += nla(IPSET_ATTR_PORT_TO | NLA_F_NET_BYTEORDER, struct.pack("!H", int(hi)))
            if settype != "bitmap:port":
                out += nla(IPSET_ATTR_PROTO, struct.pack("B", PROTOS.get(proto or "tcp", 6)))
        else:
            raise ValueError("unsupported set dimension %r in %s" % (dim, settype))
    return out


def create_objects(job):
    setns(job["ns"])
    res = {"created": [], "errors": []}
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.bind((0, 0))
    sock.settimeout(5)
    for name in job.get("nfacct", []):
        err, _ = nl_request(sock, (NFNL_SUBSYS_ACCT << 8) | 0, 0, nla_str(1, name), NLM_F_CREATE | NLM_F_EXCL)
        if err in (0, 17):  # EEXIST is fine
            res["created"].append("nfacct " + name)
        else:
            res["errors"].append("nfacct %s: %s" % (name, os.strerror(err)))
    for st in job.get("ipsets", []):
        name, settype = st["name"], st.get("type", "hash:net")
        fam = 10 if st.get("family") == 6 else 2
        # highest revision the kernel offers for this type
        err, replies = nl_request(sock, (NFNL_SUBSYS_IPSET << 8) | IPSET_CMD_TYPE, fam,
                                  nla(IPSET_ATTR_PROTOCOL, struct.pack("B", IPSET_PROTOCOL)) + nla_str(IPSET_ATTR_TYPENAME, settype)
                                  + nla(IPSET_ATTR_FAMILY, struct.pack("B", fam)), 0)
        rev = 0
        for rep in replies:
            for t, v in nla_iter(rep[4:]):
                if t == IPSET_ATTR_REVISION:
                    rev = v[0]
        if err:
            res["errors"].append("ipset %s (%s): %s" % (name, settype, IPSET_ERRORS.get(err, os.strerror(err) if err < 4096 else str(err))))
            continue
        data = b""
        if settype == "bitmap:port":
            lo, _, hi = st.get("range", "0-65535").partition("-")
            data = nla(IPSET_ATTR_PORT | NLA_F_NET_BYTEORDER, struct.pack("!H", int(lo))) + \
                nla(IPSET_ATTR_PORT_TO | NLA_F_NET_BYTEORDER, struct.pack("!H", int(hi or lo)))
        attrs = nla(IPSET_ATTR_PROTOCOL, struct.pack("B", IPSET_PROTOCOL)) + nla_str(IPSET_ATTR_SETNAME, name) + \
            nla_str(IPSET_ATTR_TYPENAME, settype) + nla(IPSET_ATTR_REVISION, struct.pack("B", rev)) + \
            nla(IPSET_ATTR_FAMILY, struct.pack("B", fam)) + nla(IPSET_ATTR_DATA | NLA_F_NESTED, data)
        err, _ = nl_request(sock, (NFNL_SUBSYS_IPSET << 8) | IPSET_CMD_CREATE, fam, attrs, NLM_F_CREATE)
        if err:
            res["errors"].append("ipset %s (%s): %s" % (name, settype, IPSET_ERRORS.get(err, os.strerror(err) if err < 4096 else str(err))))
            continue
        res["created"].append("ipset %s %s" % (name, settype))
        if "entries" in st:  # exactly these members (the set may exist from an earlier load)
            nl_request(sock, (NFNL_SUBSYS_IPSET << 8) | 4, fam,
                       nla(IPSET_ATTR_PROTOCOL, struct.pack("B", IPSET_PROTOCOL)) + nla_str(IPSET_ATTR_SETNAME, name), 0)
        for e in st.get("entries", []):
            try:
                data = ipset_element(settype, e)
            except (ValueError, OSError) as ex:
                res["errors"].append("ipset %s entry %r: %s" % (name, e, ex))
                continue
            attrs = nla(IPSET_ATTR_PROTOCOL, struct.pack("B", IPSET_PROTOCOL)) + nla_str(IPSET_ATTR_SETNAME, name) + \
                nla(IPSET_ATTR_DATA | NLA_F_NESTED, data)
            err, _ = nl_request(sock, (NFNL_SUBSYS_IPSET << 8) | IPSET_CMD_ADD, fam, attrs, 0)
            if err and err != 4102:
                res["errors"].append("ipset %s entry %r: %s" % (name, e, IPSET_ERRORS.get(err, os.strerror(err) if err < 4096 else str(err))))
    return res


def selftest():
    """Known-answer checks of the checksum code (run by the test suite)."""
    tcp = build_ip({"family": 4, "src": "192.0.2.1", "dst": "192.0.2.2", "proto": 6, "sport": 1, "dport": 2, "seq": 7})
    return {
        "crc32c_123456789": "%08x" % crc32c(b"123456789"),  # RFC 3720 check value e3069283
        "ipv4_header_sum": csum16(tcp[:20]),                 # 0 when the header checksum is right
        "tcp_sum": csum16(pseudo(4, "192.0.2.1", "192.0.2.2", 6, len(tcp) - 20) + tcp[20:]),
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["--selftest"]:
        print(json.dumps(selftest()))
    elif sys.argv[1:] == ["--objects"]:
        print(json.dumps(create_objects(json.load(sys.stdin))))
    else:
        main()
