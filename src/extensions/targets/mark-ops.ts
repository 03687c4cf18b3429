/**
 * The mark/mask arithmetic shared by MARK and CONNMARK (libxt_MARK / libxt_CONNMARK option types
 * XTTYPE_MARKMASK32 and XTTYPE_UINT32). Not an extension itself.
 *
 * Every "set" form is stored as the kernel's xmark pair, `mark = (mark & ~mask) ^ value`:
 * `--set-xmark v[/m]` → v/m (m defaults to 0xffffffff); `--set-mark v[/m]` → v/(m|v);
 * `--and-mark v` → 0/~v; `--or-mark v` → v/v; `--xor-mark v` → v/0.
 */
import type { DecodeContext, OptionOccurrence } from "../types.js";

export interface XMark {
  readonly value: number;
  readonly mask: number;
}

/** strtoul(…, 0) of the whole text (leading blanks allowed, as xtables_strtoul accepts them). */
export function parseU32(text: string): number | null {
  const m = /^\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return null;
  const d = m[1]!;
  const n = /^0[xX]/.test(d) ? parseInt(d.slice(2), 16) : d.length > 1 && d[0] === "0" ? parseInt(d.slice(1), 8) : Number(d);
  return Number.isSafeInteger(n) && n <= 0xffffffff ? n : null;
}

/** `value[/mask]` as XTTYPE_MARKMASK32 reads it; reports iptables' own wording. */
export function readMarkMask(o: OptionOccurrence, ctx: DecodeContext, module: string): XMark | null {
  const text = o.values[0] ?? "";
  const loc = o.valueLocs[0] ?? o.loc;
  const slash = text.indexOf("/");
  const v = parseU32(slash < 0 ? text : text.slice(0, slash));
  if (v === null) {
    ctx.error("bad-mark", `${module}: bad integer value for option "${o.written}", or out of range`, loc);
    return null;
  }
  if (slash < 0) return { value: v, mask: 0xffffffff };
  const rest = text.slice(slash + 1);
  if (rest.includes("/")) {
    ctx.error("bad-mark", `${module}: trailing garbage after value for option "${o.written}"`, loc);
    return null;
  }
  const m = parseU32(rest);
  if (m === null) {
    ctx.error("bad-mark", `${module}: bad integer value for option "${o.written}", or out of range`, loc);
    return null;
  }
  return { value: v, mask: m };
}

/** A plain 32-bit value (XTTYPE_UINT32). */
export function readU32(o: OptionOccurrence, ctx: DecodeContext, module: string): number | null {
  const v = parseU32(o.values[0] ?? "");
  if (v === null) ctx.error("bad-mark", `${module}: bad value for option "${o.written}", or out of range (0-4294967295)`, o.valueLocs[0] ?? o.loc);
  return v;
}

/** The xmark pair of one of the five "set" options (name without dashes), or null after an error. */
export function xmarkOf(o: OptionOccurrence, ctx: DecodeContext, module: string): XMark | null {
  switch (o.spec.name) {
    case "set-xmark":
      return readMarkMask(o, ctx, module);
    case "set-mark": {
      const mm = readMarkMask(o, ctx, module);
      return mm && { value: mm.value, mask: (mm.mask | mm.value) >>> 0 };
    }
    case "and-mark": {
      const v = readU32(o, ctx, module);
      return v === null ? null : { value: 0, mask: ~v >>> 0 };
    }
    case "or-mark": {
      const v = readU32(o, ctx, module);
      return v === null ? null : { value: v, mask: v };
    }
    case "xor-mark": {
      const v = readU32(o, ctx, module);
      return v === null ? null : { value: v, mask: 0 };
    }
    default:
      return null;
  }
}

/** `(mark & ~mask) ^ value`, unsigned. */
export function applyXMark(mark: number, x: XMark): number {
  return ((mark & ~x.mask) ^ x.value) >>> 0;
}

/**
 * iptables' finalize check for mutually exclusive options: the first (in the extension's option order)
 * of those given that conflicts with another. Reported at the later one in the rule.
 */
export function reportExclusive(opts: readonly OptionOccurrence[], names: readonly string[], ctx: DecodeContext, module: string): void {
  const given = opts.filter((o) => names.includes(o.spec.name));
  const seen = new Set<string>();
  const first = given[0];
  for (const o of given) {
    if (o !== first && !seen.has(o.spec.name) && first && o.spec.name !== first.spec.name)
      ctx.error("conflicting-options", `${module}: option "${first.written}" cannot be used together with "${o.written}"`, o.loc);
    seen.add(o.spec.name);
  }
}
