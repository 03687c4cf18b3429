/**
 * Text from a dump is attacker-controlled (comments, chain names). Everything that reaches a terminal
 * or a report goes through `sanitize`, so no control character from a dump is ever printed raw.
 */

/** Replace C0/C1 control characters, DEL and U+2028/9 with visible `\xNN` / `\uNNNN` escapes (tab included). */
export function sanitize(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16).padStart(4, "0")}`;
  });
}
