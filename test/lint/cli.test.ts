/** `iptlens lint` end to end (in process): formats, exit codes, --rule, config, baselines. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { EXIT } from "../../src/cli/exit.js";
import { exitCode, RULE_IDS, RULES } from "../../src/lint/index.js";
import { filter } from "./helpers.js";

let dir: string;
let out: string;
let err: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "iptlens-lint-"));
  out = "";
  err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  process.exitCode = undefined;
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const SHADOW = filter(["-A INPUT -s 192.0.2.0/24 -j DROP", "-A INPUT -s 192.0.2.10/32 -p tcp -m tcp --dport 22 -j ACCEPT"]);
const UNDEFINED = filter(["-A INPUT -j NOWHERE"]);

describe("exit code", () => {
  it("is a pure function of findings and --fail-on", () => {
    const w = [{ severity: "warning" as const }];
    expect(exitCode({ findings: [], failOn: "info" })).toBe(EXIT.ok);
    expect(exitCode({ findings: w, failOn: "error" })).toBe(EXIT.ok);
    expect(exitCode({ findings: w, failOn: "warning" })).toBe(EXIT.findings);
    expect(exitCode({ findings: w, failOn: "info" })).toBe(EXIT.findings);
    expect(exitCode({ findings: [{ severity: "error" }], failOn: "error" })).toBe(EXIT.findings);
    expect(exitCode({ findings: w, failOn: "info", invalidInput: true })).toBe(EXIT.invalidInput);
  });
  it("from the command line", async () => {
    const p = file("a.save", SHADOW);
    expect(await main(["lint", p])).toBe(0);
    expect(await main(["lint", "--fail-on", "warning", p])).toBe(1);
    expect(await main(["lint", file("b.save", UNDEFINED)])).toBe(1);
    expect(await main(["lint", file("c.save", "*filter\n-A INPUT -x\nCOMMIT\n")])).toBe(2);
    expect(await main(["lint", "--fail-on", "bad", p])).toBe(3);
    expect(await main(["lint", "--rule", "no-such-rule=off", p])).toBe(3);
  });
});

describe("output", () => {
  it("text: position, message, rule, source line, related notes, summary", async () => {
    const p = file("a.save", SHADOW);
    await main(["lint", p]);
    expect(out).toBe(
      `${p}:6:1: warning: rule 2 of INPUT can never match: blocked by rule 1; rule 1 has a different action (-j DROP) [shadowed-rule]\n` +
        `  -A INPUT -s 192.0.2.10/32 -p tcp -m tcp --dport 22 -j ACCEPT\n` +
        `  ${p}:5:1: note: takes these packets first (-j DROP)\n` +
        `0 errors, 1 warning, 0 info\n`,
    );
  });

  it("text never prints a dump's control characters", async () => {
    const p = file("a.save", filter(["-A INPUT -j EVIL\u001b[31m"]));
    await main(["lint", p]);
    expect(out).not.toMatch(/\u001b/);
    expect(out).toContain("\\x1b");
  });

  it("json: findings with rule, severity, message, table, chain, index, line, column, related", async () => {
    await main(["lint", "--format", "json", file("a.save", SHADOW)]);
    const j = JSON.parse(out);
    expect(j.summary).toEqual({ error: 0, warning: 1, info: 0, baselined: 0 });
    expect(j.findings[0]).toMatchObject({
      rule: "shadowed-rule",
      severity: "warning",
      table: "filter",
      chain: "INPUT",
      index: 2,
      line: 6,
      column: 1,
      related: [{ table: "filter", chain: "INPUT", index: 1, line: 5, column: 1, message: "takes these packets first (-j DROP)" }],
    });
  });

  it("sarif: 2.1.0 with rule metadata, physical and related locations", async () => {
    await main(["lint", "--format", "sarif", "--rule", "unused-chain=error", file("a.save", SHADOW)]);
    const s = JSON.parse(out);
    expect(s.$schema).toMatch(/sarif-2\.1\.0/);
    expect(s.version).toBe("2.1.0");
    const run = s.runs[0];
    expect(run.tool.driver).toMatchObject({ name: "iptlens", version: expect.any(String) });
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual([...RULE_IDS]);
    for (const r of run.tool.driver.rules) {
      expect(r.shortDescription.text).toBe(RULES[r.id as keyof typeof RULES].title);
      expect(r.fullDescription.text.length).toBeGreaterThan(50);
      expect(r.help.text).toBeTruthy();
      expect(["error", "warning", "note"]).toContain(r.defaultConfiguration.level);
    }
    const res = run.results[0];
    expect(res).toMatchObject({ ruleId: "shadowed-rule", level: "warning", message: { text: expect.stringContaining("can never match") } });
    expect(run.tool.driver.rules[res.ruleIndex].id).toBe("shadowed-rule");
    expect(res.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: expect.stringMatching(/a\.save$/), index: 0 }, region: { startLine: 6, startColumn: 1 } });
    expect(res.relatedLocations[0]).toMatchObject({ id: 1, physicalLocation: { region: { startLine: 5, startColumn: 1 } }, message: { text: expect.any(String) } });
    expect(res.partialFingerprints).toBeTruthy();
  });

  it("--list-rules lists every rule with its default severity", async () => {
    expect(await main(["lint", "--list-rules"])).toBe(0);
    for (const id of RULE_IDS) expect(out).toContain(id);
    out = "";
    await main(["lint", "--list-rules", "--format", "json"]);
    expect(JSON.parse(out).map((r: { id: string }) => r.id)).toEqual([...RULE_IDS]);
  });
});

describe("levels, config, baselines", () => {
  it("--rule re-grades and turns off rules", async () => {
    const p = file("a.save", SHADOW);
    expect(await main(["lint", "--rule", "shadowed-rule=error", p])).toBe(1);
    out = "";
    expect(await main(["lint", "--fail-on", "info", "--rule", "shadowed-rule=off", p])).toBe(0);
    expect(out).toBe("no findings; 0 errors, 0 warnings, 0 info\n");
  });

  it("a config file sets levels, failOn and node IPs; flags win", async () => {
    const p = file("a.save", SHADOW);
    const cfg = file("cfg.json", JSON.stringify({ rules: { "shadowed-rule": "error" }, failOn: "warning" }));
    expect(await main(["lint", "--config", cfg, p])).toBe(1);
    expect(await main(["lint", "--config", cfg, "--rule", "shadowed-rule=info", p])).toBe(0);
    expect(await main(["lint", "--config", file("bad.json", `{"rules": {"x": "on"}}`), p])).toBe(3);
  });

  it("a baseline hides recorded findings, matched by rule text not line, and survives reordering", async () => {
    const p = file("a.save", SHADOW);
    const b = join(dir, "baseline.json");
    expect(await main(["lint", "--fail-on", "warning", "--write-baseline", b, p])).toBe(1);
    expect(JSON.parse(readFileSync(b, "utf8")).findings).toEqual([
      { rule: "shadowed-rule", table: "filter", chain: "INPUT", subject: "-s 192.0.2.10/32 -p tcp -m tcp --dport 22 -j ACCEPT" },
    ]);
    // Same rules, moved down by an unrelated rule and a new chain: still hidden.
    const moved = file("b.save", filter(["-A INPUT -i lo -j ACCEPT", ...SHADOW.split("\n").filter((l) => l.startsWith("-A"))]));
    out = "";
    expect(await main(["lint", "--fail-on", "warning", "--baseline", b, moved])).toBe(0);
    expect(out).toContain("(1 hidden by the baseline)");
    // A new problem is still reported.
    const worse = file("c.save", filter([...SHADOW.split("\n").filter((l) => l.startsWith("-A")), "-A INPUT -s 192.0.2.11/32 -j ACCEPT"]));
    expect(await main(["lint", "--fail-on", "warning", "--baseline", b, worse])).toBe(1);
  });
});
