/**
 * `-m comment --comment TEXT` (iptables-extensions(8), "comment"). Always matches. kube-proxy puts the
 * service port name and `-> endpoint` hints here, so the text is kept exactly; the kernel stores at most
 * 255 bytes (XT_MAX_COMMENT_LEN 256 with the NUL) and iptables refuses longer comments.
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch } from "../types.js";
import { byName, saveString } from "../util.js";

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
    const text = c.values[0]!;
    if (Buffer.byteLength(text, "utf8") > MAX_COMMENT_BYTES)
      ctx.error("comment-too-long", `comment: longer than ${MAX_COMMENT_BYTES} bytes (iptables refuses it)`, c.valueLocs[0]!);
    return { kind: "match", module: "comment", loc, comment: text };
  },
  print(m) {
    return `--comment ${saveString(m.comment)}`;
  },
  evaluate() {
    return true;
  },
});
