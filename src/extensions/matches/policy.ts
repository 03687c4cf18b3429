/**
 * `-m policy` (iptables-extensions(8), "policy"): `--dir in|out`, `--pol none|ipsec`, `--strict`, and per
 * policy element `[!] --reqid id`, `[!] --spi spi`, `[!] --proto ah|esp|ipcomp`,
 * `[!] --mode transport|tunnel`, `[!] --tunnel-src addr[/mask]`, `[!] --tunnel-dst addr[/mask]`, with
 * `--next` starting the next element (strict mode only, at most 4 elements).
 *
 * Observed with iptables/ip6tables 1.8.9 (nf_tables) iptables-save:
 * - order `--dir`, `--pol`, `--strict`, then each element as `--reqid`, `--spi`, `--proto`, `--mode`,
 *   `--tunnel-dst`, `--tunnel-src` (dst before src), elements separated by `--next`; `! ` before each
 *   negated option;
 * - `--pol` defaults to ipsec and is always printed; with `--pol none` the elements are dropped;
 * - `--reqid` prints decimal, `--spi` hex (`--spi 010` → `0x8`), both strtoul base 0;
 * - `--proto` takes /etc/protocols names (case-sensitive, aliases too: `IPSEC-ESP` → `esp`) or numbers
 *   and prints the name; only ah, esp and ipcomp are accepted;
 * - tunnel addresses keep their host bits (`10.1.2.3/8`), a full mask and an overlong prefix (`/33`) are
 *   omitted, a dotted mask prints as a prefix length (`/255.255.0.0` → `/16`), a non-contiguous one is
 *   dropped; they need `--mode tunnel` (not negated) in the same element, in either order;
 * - `--dir`, `--pol`, `--mode` are case-sensitive; `--dir` is mandatory;
 * - the kernel refuses `--dir in` in OUTPUT/POSTROUTING and `--dir out` in PREROUTING/INPUT.
 *
 * Evaluation: the IPsec state of the packet is not in the model: `unknown`.
 */
import type { MatchBase } from "../../model/ast.js";
import { bits, formatAddr, maskToPrefix, parseAddr, type IpAddr } from "../../net/addr.js";
import { defineMatch, type DecodeContext, type OptionOccurrence } from "../types.js";
import { words } from "../util.js";
import { badValue, checkHooks, etcProtocol, U32_MAX, unknown, valueLoc, xtUint } from "./common.js";

export type PolicyProto = "ah" | "esp" | "ipcomp";

export interface PolicyAddr {
  readonly negated: boolean;
  /** As written (host bits kept). */
  readonly addr: IpAddr;
  readonly prefixLen: number;
}

export interface PolicyElement {
  readonly reqid?: { readonly negated: boolean; readonly value: number };
  readonly spi?: { readonly negated: boolean; readonly value: number };
  readonly proto?: { readonly negated: boolean; readonly proto: PolicyProto };
  readonly mode?: { readonly negated: boolean; readonly mode: "transport" | "tunnel" };
  readonly tunnelSrc?: PolicyAddr;
  readonly tunnelDst?: PolicyAddr;
}

export interface PolicyMatch extends MatchBase {
  readonly module: "policy";
  readonly dir: "in" | "out";
  readonly pol: "none" | "ipsec";
  readonly strict: boolean;
  /** Empty with `--pol none`. */
  readonly elements: readonly PolicyElement[];
}

/** XT_POLICY_MAX_ELEM. */
export const MAX_POLICY_ELEMENTS = 4;
const PROTO_NAMES: Readonly<Record<number, PolicyProto>> = { 50: "esp", 51: "ah", 108: "ipcomp" };

function decodeAddr(o: OptionOccurrence, ctx: DecodeContext): PolicyAddr | undefined {
  const text = o.values[0]!;
  const slash = text.indexOf("/");
  const a = slash < 0 ? text : text.slice(0, slash);
  const addr = parseAddr(a, ctx.family);
  if (!addr) {
    ctx.error("bad-value", `policy: ${o.written}: '${a}' is not an IPv${ctx.family} address (host names are not resolved)`, valueLoc(o));
    return undefined;
  }
  const full = bits(ctx.family);
  if (slash < 0) return { negated: o.negated, addr, prefixLen: full };
  const m = text.slice(slash + 1);
  if (/^\d+$/.test(m)) return { negated: o.negated, addr, prefixLen: Math.min(Number(m), full) };
  const mask = parseAddr(m, ctx.family);
  if (!mask) {
    ctx.error("bad-value", `policy: ${o.written}: '${m}' is not a prefix length or mask`, valueLoc(o));
    return undefined;
  }
  const len = maskToPrefix(ctx.family, mask.value);
  if (len === null) ctx.warn("mask-dropped", `policy: ${o.written}: the non-contiguous mask ${m} is not kept by iptables (it matches the address exactly)`, valueLoc(o));
  return { negated: o.negated, addr, prefixLen: len ?? full };
}

function formatAddrCond(c: PolicyAddr): string {
  return c.prefixLen === bits(c.addr.family) ? formatAddr(c.addr) : `${formatAddr(c.addr)}/${c.prefixLen}`;
}

function printElement(e: PolicyElement): string {
  const n = (x: { negated: boolean } | undefined) => (x?.negated ? "! " : "");
  return words(
    e.reqid && `${n(e.reqid)}--reqid ${e.reqid.value}`,
    e.spi && `${n(e.spi)}--spi 0x${e.spi.value.toString(16)}`,
    e.proto && `${n(e.proto)}--proto ${e.proto.proto}`,
    e.mode && `${n(e.mode)}--mode ${e.mode.mode}`,
    e.tunnelDst && `${n(e.tunnelDst)}--tunnel-dst ${formatAddrCond(e.tunnelDst)}`,
    e.tunnelSrc && `${n(e.tunnelSrc)}--tunnel-src ${formatAddrCond(e.tunnelSrc)}`,
  );
}

const ELEMENT_OPTS = ["reqid", "spi", "proto", "mode", "tunnel-src", "tunnel-dst"] as const;

export const policy = defineMatch<PolicyMatch>({
  name: "policy",
  options: [
    { name: "dir", args: 1 },
    { name: "pol", args: 1 },
    { name: "strict", args: 0 },
    ...ELEMENT_OPTS.map((name) => ({ name, args: 1, negatable: true, repeatable: true })),
    { name: "next", args: 0, repeatable: true },
  ],
  decode(opts, ctx, loc) {
    let dir: "in" | "out" | undefined;
    let pol: "none" | "ipsec" = "ipsec";
    let strict = false;
    const seen = new Set<string>();
    const elements: { -readonly [K in keyof PolicyElement]: PolicyElement[K] }[] = [{}];
    const given: Set<string>[] = [new Set()];
    let modeOcc: (OptionOccurrence | undefined)[] = [undefined];
    const addrOcc: OptionOccurrence[][] = [[]];
    let nextOcc: OptionOccurrence | undefined;
    for (const o of opts) {
      const name = o.spec.name;
      const v = o.values[0] ?? "";
      if (name === "dir" || name === "pol" || name === "strict") {
        if (seen.has(name)) {
          ctx.error("repeated-option", `policy: option "--${name}" can only be used once.`, o.loc);
          continue;
        }
        seen.add(name);
        if (name === "strict") strict = true;
        else if (name === "dir") {
          if (v === "in" || v === "out") dir = v;
          else ctx.error("bad-value", `policy_match: invalid dir "${v}"`, valueLoc(o));
        } else if (v === "none" || v === "ipsec") pol = v;
        else ctx.error("bad-value", `policy match: invalid policy "${v}"`, valueLoc(o));
        continue;
      }
      if (name === "next") {
        nextOcc ??= o;
        if (elements.length >= MAX_POLICY_ELEMENTS) {
          ctx.error("bad-value", "policy match: maximum policy depth reached", o.loc);
          continue;
        }
        elements.push({});
        given.push(new Set());
        modeOcc = [...modeOcc, undefined];
        addrOcc.push([]);
        continue;
      }
      const k = elements.length - 1;
      const e = elements[k]!;
      if (given[k]!.has(name)) {
        ctx.error("repeated-option", `policy match: double --${name} option`, o.loc);
        continue;
      }
      given[k]!.add(name);
      switch (name) {
        case "reqid":
        case "spi": {
          const n = xtUint(v, U32_MAX);
          if (n === null) badValue(ctx, "policy", o, 0, U32_MAX);
          else e[name] = { negated: o.negated, value: n };
          break;
        }
        case "proto": {
          const num = xtUint(v, 255) ?? (v === "all" ? 0 : etcProtocol(v));
          if (num === undefined) ctx.error("bad-value", `unknown protocol "${v}" specified`, valueLoc(o));
          else if (!PROTO_NAMES[num]) ctx.error("bad-value", "policy match: protocol must be ah/esp/ipcomp", valueLoc(o));
          else e.proto = { negated: o.negated, proto: PROTO_NAMES[num]! };
          break;
        }
        case "mode":
          if (v === "transport" || v === "tunnel") e.mode = { negated: o.negated, mode: v };
          else ctx.error("bad-value", `policy match: invalid mode "${v}"`, valueLoc(o));
          modeOcc[k] = o;
          break;
        case "tunnel-src":
        case "tunnel-dst": {
          const a = decodeAddr(o, ctx);
          if (a) e[name === "tunnel-src" ? "tunnelSrc" : "tunnelDst"] = a;
          addrOcc[k]!.push(o);
          break;
        }
      }
    }
    if (!dir) {
      ctx.error("missing-option", "policy match: neither --dir in nor --dir out specified", loc);
      return null;
    }
    if (nextOcc && !strict) ctx.error("missing-option", 'policy: option "--next" also requires "--strict".', nextOcc.loc);
    elements.forEach((e, i) => {
      if (addrOcc[i]!.length && !(e.mode?.mode === "tunnel" && !e.mode.negated))
        ctx.error("missing-option", "policy match: --tunnel-src/--tunnel-dst is only valid in tunnel mode", addrOcc[i]![0]!.loc);
      if (strict && given[i]!.size === 0)
        ctx.error(
          "missing-option",
          `policy match: empty policy element ${i}. --strict is in effect, but at least one of reqid, spi, tunnel-src, tunnel-dst, proto or mode is required.`,
          loc,
        );
    });
    if (dir === "in") checkHooks(ctx, "policy", ["PREROUTING", "INPUT", "FORWARD"], loc, "-m policy --dir in");
    else checkHooks(ctx, "policy", ["FORWARD", "OUTPUT", "POSTROUTING"], loc, "-m policy --dir out");
    const used = elements.filter((_, i) => given[i]!.size > 0);
    if (pol === "none" && used.length)
      ctx.warn("option-dropped", "policy: with --pol none the policy elements are ignored (iptables-save does not print them)", loc);
    return { kind: "match", module: "policy", loc, dir, pol, strict, elements: pol === "none" ? [] : used.length ? elements : [] };
  },
  print(m) {
    return words(`--dir ${m.dir}`, `--pol ${m.pol}`, m.strict && "--strict", m.elements.map(printElement).join(" --next "));
  },
  evaluate(m) {
    const text = words(`--dir ${m.dir}`, `--pol ${m.pol}`, m.strict && "--strict", m.elements.map(printElement).join(" --next "));
    const what =
      m.pol === "none"
        ? `the packet was not ${m.dir === "in" ? "decapsulated from" : "going to be encapsulated by"} IPsec`
        : `the packet was ${m.dir === "in" ? "decapsulated from" : "going to be encapsulated by"} IPsec${m.elements.length ? ` under a policy matching ${m.elements.map(printElement).join(" --next ")}` : ""}`;
    return unknown(`policy:${text}`, what);
  },
});
