/** Helpers for comparing iptables-save texts in tests. */

/** Split iptables-save text into `table name → text of *table … COMMIT`, dropping comment lines. */
export function tablesOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let cur: string[] | null = null;
  let name = "";
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    if (line.startsWith("*")) {
      name = line.slice(1);
      cur = [line];
    } else if (cur) {
      cur.push(line);
      if (line === "COMMIT") {
        out.set(name, cur.join("\n"));
        cur = null;
      }
    }
  }
  return out;
}

