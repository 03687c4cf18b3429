/**
 * The CLI end to end, through the built entry point's main() (same code path as `node dist/…/main.js`):
 * exit codes, messages, and that no control character from a dump reaches the terminal.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";


const run = (args: string[], input?: string) => runCli(args, input);
const tmp = mkdtempSync(join(tmpdir(), "iptlens-cli-"));
const file = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe("iptlens CLI", () => {
  it("fmt --check exits 0 on a real dump and 1 on restore input, naming the first difference", () => {
    expect(run(["fmt", "--check", "corpus/dumps/kube-proxy-modern.save"]).code).toBe(0);
    const r = run(["fmt", "--check", "corpus/sources/kube-proxy-modern.rules"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/kube-proxy-modern\.rules:\d+: not canonical\n {2}have: .*\n {2}want: /);
  });

  it("fmt prints the canonical form of restore input read from stdin", () => {
    const r = run(["fmt", "-"], "*nat\n:KUBE-MARK-MASQ - [0:0]\n-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\nCOMMIT\n");
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:KUBE-MARK-MASQ - [0:0]\n-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\nCOMMIT\n",
    );
  });

  it("prints repeated -m udp as the chosen backend's iptables-save does", () => {
    const input = "*filter\n:X - [0:0]\n-A X -p udp -m udp --dport 53 -m udp --sport 53 -j ACCEPT\nCOMMIT\n";
    expect(run(["fmt", "-"], input).out).toContain("-A X -p udp -m udp --sport 53 --dport 53 -j ACCEPT");
    expect(run(["fmt", "--backend", "legacy", "-"], input).out).toContain("-A X -p udp -m udp --dport 53 -m udp --sport 53 -j ACCEPT");
  });

  it("keeps iptables -S text in its own form", () => {
    expect(run(["fmt", "--check", "corpus/dumps/kube-proxy-modern.S"]).code).toBe(0);
  });

  it("reports invalid input with file:line:col, the line and a caret, exit 2", () => {
    const p = file("bad.save", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dprot 22 -j ACCEPT\nCOMMIT\n");
    const r = run(["fmt", p]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `${p}:3:17: error: unknown option --dprot (no loaded match or target accepts it) [unknown-option]\n  -A INPUT -p tcp --dprot 22 -j ACCEPT\n                  ^^^^^^^\n`,
    );
    expect(r.out).toBe("");
  });

  it("never prints control characters from a dump", () => {
    const p = file("ctl.save", '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment "\u001b[31mred\u0007" -j NOPE\nCOMMIT\n');
    const r = run(["parse", p]);
    expect(r.code).toBe(2);
    expect(r.err).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(r.err).toContain("\\x1b[31mred\\x07");
  });

  it("exit 2 for a missing file, 3 for a usage error, 0 for --help", () => {
    expect(run(["fmt", join(tmp, "nope.save")])).toMatchObject({ code: 2, err: `iptlens: cannot read ${join(tmp, "nope.save")}: no such file\n` });
    expect(run(["fmt", "--style", "weird", "corpus/dumps/docker.save"]).code).toBe(3);
    expect(run(["frobnicate"]).code).toBe(3);
    const h = run(["fmt", "--help"]);
    expect(h.code).toBe(0);
    expect(h.out).toContain("Examples:");
  });

  it("parse --format json has a schema version and the typed AST", () => {
    const r = run(["parse", "--format", "json", "corpus/dumps/kube-proxy-modern.save"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.schemaVersion).toBe(1);
    const nat = j.ruleset.tables.find((t: { name: string }) => t.name === "nat");
    const svc = nat.chains.find((c: { name: string }) => c.name === "KUBE-SERVICES");
    expect(svc.rules[0].destination.net).toMatch(/^\d+\.\d+\.\d+\.\d+\/32$/);
  });

  it("parse text summary counts tables, chains and rules", () => {
    const r = run(["parse", "corpus/dumps/docker.save"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^IPv4 iptables-save text: \d+ tables, \d+ rules, \d+ diagnostics\ntable /);
  });
});
