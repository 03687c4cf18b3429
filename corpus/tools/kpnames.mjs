#!/usr/bin/env node
// kpnames.mjs: compute kube-proxy's iptables chain names, and check that the
// corpus sources use names that agree with their comments.
//
// kube-proxy (pkg/proxy/iptables) names a service port's chains after the
// first 16 characters of base32(sha256(servicePortName + protocol)), where
// servicePortName is "namespace/name" plus ":portname" when the port is named,
// and protocol is lower case ("tcp", "udp", "sctp"). Endpoint chains hash
// servicePortName + protocol + endpoint, the endpoint written "ip:port" or
// "[ipv6]:port". The prefixes are KUBE-SVC- (cluster policy), KUBE-SVL- (local
// policy), KUBE-EXT- (external traffic), KUBE-FW- (load balancer source
// ranges), KUBE-XLB- (older releases' local policy chain) and KUBE-SEP-.
//
// Usage:
//   node corpus/tools/kpnames.mjs NS/NAME[:PORT] PROTO [ENDPOINT...]
//       prints every chain name for that service port and its endpoints
//   node corpus/tools/kpnames.mjs --check FILE...
//       checks each source: for every rule whose comment reads
//       "NS/NAME[:PORT] -> ENDPOINT" and jumps to KUBE-SEP-*, the jump target
//       and the chain it sits in must be the names the hash gives; for every
//       KUBE-SEP-* chain, its DNAT --to-destination must hash to its name.
//       Exits 1 on any mismatch.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 (the alphabet Go's base32.StdEncoding uses), no padding. */
export function base32(buf) {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function hash16(text) {
  return base32(createHash("sha256").update(text, "utf8").digest()).slice(0, 16);
}

export function serviceChains(portName, proto) {
  const h = hash16(portName + proto.toLowerCase());
  return {
    svc: `KUBE-SVC-${h}`,
    svl: `KUBE-SVL-${h}`,
    ext: `KUBE-EXT-${h}`,
    fw: `KUBE-FW-${h}`,
    xlb: `KUBE-XLB-${h}`,
  };
}

export function endpointChain(portName, proto, endpoint) {
  return `KUBE-SEP-${hash16(portName + proto.toLowerCase() + endpoint)}`;
}

function tokens(line) {
  // Just enough of the restore syntax: double-quoted words with backslash escapes.
  const out = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === " " || line[i] === "\t") i++;
    if (i >= line.length) break;
    let word = "";
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < line.length) i++;
        word += line[i++];
      }
      i++;
    } else {
      while (i < line.length && line[i] !== " " && line[i] !== "\t") word += line[i++];
    }
    out.push(word);
  }
  return out;
}

function opt(words, name) {
  const k = words.indexOf(name);
  return k >= 0 ? words[k + 1] : undefined;
}

function protoOf(words) {
  return opt(words, "-p") ?? opt(words, "--protocol");
}

function check(files) {
  let bad = 0;
  let checked = 0;
  for (const file of files) {
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((line, idx) => {
      if (!line.startsWith("-A ") && !/^\[\d+:\d+\] -A /.test(line)) return;
      const words = tokens(line.replace(/^\[\d+:\d+\] /, ""));
      const chain = words[1];
      const comment = opt(words, "--comment");
      const target = opt(words, "-j");
      const where = `${file}:${idx + 1}`;
      const arrow = comment?.match(/^(\S+) -> (\S+)$/);
      if (arrow && target?.startsWith("KUBE-SEP-")) {
        // The protocol is not in an SVC->SEP rule: try the three.
        const [, portName, ep] = arrow;
        const hit = ["tcp", "udp", "sctp"].find((p) => endpointChain(portName, p, ep) === target);
        checked++;
        if (!hit) {
          console.error(`${where}: ${target} is not the SEP chain of "${portName}" -> ${ep}`);
          bad++;
        } else {
          const names = serviceChains(portName, hit);
          if (![names.svc, names.svl, names.xlb].includes(chain)) {
            console.error(`${where}: chain ${chain} is not a service chain of ${portName}/${hit}`);
            bad++;
          }
        }
      }
      if (chain?.startsWith("KUBE-SEP-") && target === "DNAT" && comment) {
        const ep = opt(words, "--to-destination");
        const proto = protoOf(words);
        if (ep && proto) {
          checked++;
          const want = endpointChain(comment, proto, ep);
          if (want !== chain) {
            console.error(`${where}: ${chain} should be ${want} for ${comment} ${proto} ${ep}`);
            bad++;
          }
        }
      }
      if (/^KUBE-(SVC|SVL|EXT|FW|XLB)-/.test(chain ?? "") && comment && protoOf(words)) {
        // e.g. the SVC chain's masquerade rule: comment "NS/NAME:PORT cluster IP".
        const portName = comment.split(" ")[0];
        if (/^[a-z0-9-]+\/[a-z0-9-]+(:[a-z0-9-]+)?$/.test(portName)) {
          checked++;
          const names = serviceChains(portName, protoOf(words));
          if (!Object.values(names).includes(chain)) {
            console.error(`${where}: ${chain} does not hash from ${portName}/${protoOf(words)}`);
            bad++;
          }
        }
      }
    });
  }
  console.log(`kpnames: ${checked} names checked, ${bad} wrong`);
  return bad === 0;
}

const args = process.argv.slice(2);
if (args[0] === "--check") {
  process.exit(check(args.slice(1)) ? 0 : 1);
} else if (args.length >= 2) {
  const [portName, proto, ...eps] = args;
  const names = serviceChains(portName, proto);
  for (const [k, v] of Object.entries(names)) console.log(`${k.padEnd(4)} ${v}`);
  for (const ep of eps) console.log(`sep  ${endpointChain(portName, proto, ep)}  ${ep}`);
} else {
  console.error("usage: kpnames.mjs NS/NAME[:PORT] PROTO [ENDPOINT...] | --check FILE...");
  process.exit(2);
}
