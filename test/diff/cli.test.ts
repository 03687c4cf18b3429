/**
 * `iptlens diff` end to end: exit codes (0 equivalent, 1 different, 2 invalid input, 3 bad flags), the
 * three formats, JSON valid against docs/schemas/diff.schema.json (outcomes against explain's schema),
 * witnesses that `explain --batch` reproduces, and no control character from a dump on the terminal.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root, runCli, runCliHere } from "../support/cli.js";
import { checkSchema } from "../explain/schema-check.js";
import { dump, edit } from "./helpers.js";


const run = (args: string[], input?: string) => runCli(["diff", ...args], input);
const runHere = (args: string[]) => runCliHere(["diff", ...args]);
const tmp = mkdtempSync(join(tmpdir(), "iptlens-diff-"));
const file = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

type Schema = Record<string, unknown>;

/** The diff schema with explain's definitions merged in (its outcomes refer to explain.schema.json). */
function diffSchema(): Schema {
  const diff = JSON.parse(readFileSync(join(root, "docs", "schemas", "diff.schema.json"), "utf8")) as Schema;
  const explain = JSON.parse(readFileSync(join(root, "docs", "schemas", "explain.schema.json"), "utf8")) as Schema;
  const rewrite = (v: unknown, prefix: string): unknown => {
    if (Array.isArray(v)) return v.map((x) => rewrite(x, prefix));
    if (v && typeof v === "object") {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (k === "$ref" && typeof x === "string") {
          const ext = /^explain\.schema\.json#\/\$defs\/(.+)$/.exec(x);
          const local = /^#\/\$defs\/(.+)$/.exec(x);
          o[k] = ext ? `#/$defs/explain.${ext[1]}` : local && prefix ? `#/$defs/${prefix}${local[1]}` : x;
        } else o[k] = rewrite(x, prefix);
      }
      return o;
    }
    return v;
  };
  const defs = rewrite(diff["$defs"], "") as Record<string, unknown>;
  for (const [k, v] of Object.entries(explain["$defs"] as Record<string, unknown>)) defs[`explain.${k}`] = rewrite(v, "explain.");
  return { ...diff, $defs: defs };
}



const MODERN = dump("kube-proxy-modern.save");
const oldFile = file("old.save", MODERN);
const removed = edit(MODERN, ['-A KUBE-SERVICES -d 10.104.1.2/32 -p tcp -m comment --comment "shop/cart cluster IP" -m tcp --dport 6379 -j KUBE-SVC-N5W5PH5NLY2BP4HG\n', ""]);
const newFile = file("new.save", removed);
const NODE = ["--node-ip", "192.168.49.2"];

describe("iptlens diff", () => {
  it("exit 0 and a one-line verdict for dumps that differ only in counters", async () => {
    const counted = file("counted.save", MODERN.replace(/^-A /gm, "[3:180] -A "));
    const r = await runHere([oldFile, counted]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("The rule sets behave identically.");
  });

  it("exit 1 and a readable text report when behaviour differs", async () => {
    const r = await runHere([oldFile, newFile, ...NODE]);
    expect(r.code).toBe(1);
    const lines = r.out.split("\n");
    expect(lines[0]).toBe(`iptlens diff ${oldFile} -> ${newFile}`);
    expect(lines[1]).toBe("Behaviour differs: 3 differences (1 service).");
    expect(r.out).toContain("  shop/cart — from external\n    packets  tcp dst 10.104.1.2 dport 6379\n");
    expect(r.out).toContain('    witness  {"src":"203.0.113.7","dst":"10.104.1.2","proto":"tcp","sport":40000,"dport":6379,"from":"external","inIface":"eth0"}\n');
    expect(r.out).toMatch(/ {4}before {3}\d+(\.\d+)?% ACCEPT, forwarded out eth0 to 10\.244\.\d+\.\d+:6379 \(DNAT\)/);
    expect(r.out).toContain("    after    100% ACCEPT, forwarded out eth0 to 10.104.1.2:6379\n");
  });

  it("JSON valid against the schema, witnesses reproduced by explain --batch", () => {
    const r = run([oldFile, newFile, ...NODE, "--format", "json"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(checkSchema(diffSchema(), j)).toEqual([]);
    expect(j.equivalent).toBe(false);
    expect(j.differences).toHaveLength(3);
    const batch = file("w.jsonl", j.differences.map((d: { witness: unknown }) => JSON.stringify(d.witness)).join("\n") + "\n");
    for (const [dumpFile, key] of [
      [oldFile, "before"],
      [newFile, "after"],
    ] as const) {
      const x = runCli(["explain", dumpFile, "--batch", batch, ...NODE]);
      const results = x.out.trim().split("\n").map((l) => JSON.parse(l));
      results.forEach((res: { outcomes: unknown[] }, i: number) => {
        const strip = (os: unknown[]) => os.map((o) => JSON.stringify(o));
        expect(strip(res.outcomes)).toEqual(strip(j.differences[i][key]));
      });
    }
  });

  it("markdown for pull-request comments", async () => {
    const r = await runHere([oldFile, newFile, ...NODE, "--format", "markdown", "--from", "external"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`### iptlens diff \`${oldFile}\` → \`${newFile}\``);
    expect(r.out).toContain("**Behaviour differs: 1 difference (1 service).**");
    expect(r.out).toContain("**`shop/cart`** from external: `tcp dst 10.104.1.2 dport 6379`");
    expect(r.out).toContain("- witness: `{\"src\":\"203.0.113.7\"");
  });

  it("the kube-proxy summary in text", async () => {
    const rm = file("rm.save", removed.split("\n").filter((l) => !l.includes("N5W5PH5NLY2BP4HG") && !l.includes('"shop/cart')).join("\n"));
    const r = await runHere([oldFile, rm, ...NODE, "--from", "pod"]);
    expect(r.out).toContain("Services (kube-proxy):\n  - shop/cart: cluster IP 10.104.1.2:6379, 2 endpoints\n");
  });

  it("exit 2 for an invalid dump or dumps of different families, 3 for bad flags", async () => {
    const bad = file("bad.save", "*filter\n-A NOPE -j ACCEPT\nCOMMIT\n");
    expect((await runHere([oldFile, bad])).code).toBe(2);
    expect((await runHere([oldFile, join(tmp, "missing.save")])).code).toBe(2);
    const v6 = file("v6.save", dump("kube-proxy-ipv6.v6.save"));
    const fam = await runHere([oldFile, v6]);
    expect(fam.code).toBe(2);
    expect(fam.err).toContain("different families");
    expect((await runHere([oldFile, newFile, "--format", "yaml"])).code).toBe(3);
    expect((await runHere([oldFile, newFile, "--from", "mars"])).code).toBe(3);
    expect((await runHere(["-", "-"])).code).toBe(3);
  });

  it("no control character from a dump reaches the terminal", async () => {
    // An unreferenced (stale) endpoint chain whose comment carries escape sequences: the summary names it.
    const evil = edit(
      removed,
      [":KUBE-SEP-6CGHRP7YYOESEDFC - [0:0]\n", ":KUBE-SEP-6CGHRP7YYOESEDFC - [0:0]\n:KUBE-SEP-EVILEVILEVILEVIL - [0:0]\n"],
      ["-A KUBE-SEP-6CGHRP7YYOESEDFC -s 10.244.2.12/32", '-A KUBE-SEP-EVILEVILEVILEVIL -m comment --comment "\u001b[31mevil\u0007\u009b" -j ACCEPT\n-A KUBE-SEP-6CGHRP7YYOESEDFC -s 10.244.2.12/32'],
    );
    const b = file("evil.save", evil);
    for (const format of ["text", "markdown", "json"]) {
      const r = await runHere([oldFile, b, "--format", format]);
      expect(r.code).toBe(1);
      if (format !== "json") expect(r.out).toContain("\\x1b[31mevil\\x07\\x9b");
      // eslint-disable-next-line no-control-regex
      expect(r.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    }
  });
});
