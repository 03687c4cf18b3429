/**
 * `-m comment --comment TEXT` (iptables-extensions(8), "comment"). Always matches. kube-proxy puts the
 * service port name and `-> endpoint` hints here, so the text is kept exactly; the kernel stores at most
 * 255 bytes (XT_MAX_COMMENT_LEN 256 with the NUL): iptables silently cuts longer comments (observed).
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { byName, saveString } from "../util.js";
import { TRUE } from "../../space/expr.js";

export interface CommentMatch extends MatchBase {
  readonly module: "comment";
  readonly comment: string;
}

export const MAX_COMMENT_BYTES = 255;

export const comment = defineMatch<CommentMatch>({
  name: "comment",
  options: [{ name: "comment", args: 1 }],
  decode(opts, ctx, loc) {
    const c = byName(opts, ctx, "comment").get("comment");
    if (!c) {
      ctx.error("missing-option", "comment: --comment TEXT is required", loc);
      return { kind: "match", module: "comment", loc, comment: "" };
    }
    if (c.negated) ctx.error("bad-negation", "comment: --comment cannot be negated with !", c.loc);
    let text = c.values[0]!;
    if (Buffer.byteLength(text, "utf8") > MAX_COMMENT_BYTES) {
      ctx.warn("comment-too-long", `comment: longer than ${MAX_COMMENT_BYTES} bytes; the kernel keeps only the first ${MAX_COMMENT_BYTES}`, c.valueLocs[0]!);
      text = truncateUtf8(text, MAX_COMMENT_BYTES);
    }
    return { kind: "match", module: "comment", loc, comment: text };
  },
  print(m) {
    return `--comment ${saveString(m.comment)}`;
  },
  evaluate() {
    return true;
  },
  space() {
    return TRUE;
  },
});

/**
 * The first `max` bytes of `s` in UTF-8.
 * Deviation: the kernel cuts bytes and may split a multi-byte character; we drop the partial character.
 */
function truncateUtf8(s: string, max: number): string {
  const b = Buffer.from(s, "utf8").subarray(0, max);
  let end = b.length;
  // Step back over a partial multi-byte sequence at the end.
  let k = end - 1;
  while (k >= 0 && (b[k]! & 0xc0) === 0x80) k--;
  if (k >= 0) {
    const lead = b[k]!;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (end - k < need) end = k;
  }
  return b.subarray(0, end).toString("utf8");
}
