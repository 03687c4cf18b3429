/**
 * `iptlens explain` end to end: text and JSON output, the batch stream, exit codes (3 for bad flags, 2
 * for a bad dump or bad batch lines), and that no control character from a dump reaches the terminal.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root, runCli, runCliHere } from "../support/cli.js";
import { checkSchema } from "./schema-check.js";


const run = (args: string[], input?: string) => runCli(["explain", ...args], input);
const runHere = (args: string[]) => runCliHere(["explain", ...args]);
const modern = join(root, "test", "engine", "fixtures", "kube-modern.save");
const schema = JSON.parse(readFileSync(join(root, "docs", "schemas", "explain.schema.json"), "utf8"));
const NODE = ["--node-ip", "192.0.2.10=eth0", "--node-ip", "10.244.1.1=cni0", "--route", "10.244.1.0/24=cni0"];

const tmp = mkdtempSync(join(tmpdir(), "iptlens-explain-"));
const file = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe("iptlens explain", () => {
  it("prints the packet, the service, each outcome with probability, endpoint, masquerade and path", () => {
    const r = run([modern, "--src", "10.244.1.5", "--dst", "10.96.0.10", "--proto", "udp", "--dport", "53", "--from", "pod", ...NODE]);
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]).toBe("packet    udp 10.244.1.5:40000 -> 10.96.0.10:53, from pod (in cni0), ctstate NEW");
    expect(lines[1]).toBe("service   kube-system/kube-dns:dns, cluster IP 10.96.0.10 udp/53");
    expect(r.out).toContain("  50.00%  ACCEPT, forwarded out cni0\n   endpoint    10.244.1.3:53\n");
    expect(r.out).toContain("   masquerade  no: the source 10.244.1.5 is kept\n");
    // Chain names shortened, unambiguously; jumps into chains that matched nothing are named.
    expect(r.out).toMatch(/nat PREROUTING: PREROUTING #1 \(l\.\d+\) -> KUBE-SERVICES #1 \(l\.\d+\) -> KUBE-SVC-TCOU… #2 \(l\.\d+\) -> KUBE-SEP-IJRY… #2 \(l\.\d+\) DNAT/);
    expect(r.out).toMatch(/filter FORWARD: FORWARD #1 \(l\.\d+\) -> KUBE-PROXY-FIREWALL \(no match\) -> /);
  });

  it("explains plainly why a ping to a cluster IP gets no answer", () => {
    const r = run([modern, "--src", "10.244.1.5", "--dst", "10.96.0.10", "--proto", "icmp", "--from", "pod", ...NODE]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("not translated: no rule rewrote the destination; the packet stays addressed to 10.96.0.10.");
    expect(r.out).toContain("10.96.0.10 is a cluster IP: it is virtual");
    expect(r.out).toMatch(/nat KUBE-SERVICES #1 \(line \d+\): fails on -p udp -m udp --dport 53, would -j KUBE-SVC-TCOU…/);
  });

  it("--format json prints one object that follows the schema", () => {
    const r = run([modern, "--src", "203.0.113.7", "--dst", "192.0.2.10", "--dport", "30080", "--format", "json", "--verbose", ...NODE]);
    expect(r.code).toBe(0);
    const x = JSON.parse(r.out);
    expect(checkSchema(schema, x)).toEqual([]);
    expect(x.outcomes.map((o: { endpoint: string }) => o.endpoint).sort()).toEqual(["10.244.1.5:8080", "10.244.2.6:8080"]);
    expect(x.outcomes[0].failed.length).toBeGreaterThan(0);
  });

  it("--batch streams one JSON result per line, in order; a bad line gets an error object and exit 2", () => {
    const batch = file(
      "p.jsonl",
      [
        '{"src":"10.244.1.5","dst":"10.96.0.10","proto":"udp","dport":53,"from":"pod"}',
        "",
        '{"src":"10.244.1.5","dst":"10.96.0.10","proto":"udp"}',
        '{"src":"203.0.113.7","dst":"192.0.2.10","proto":"tcp","dport":31800,"inIface":"eth0"}',
        "not json",
      ].join("\n"),
    );
    const r = run([modern, "--batch", batch, ...NODE]);
    expect(r.code).toBe(2);
    const lines = r.out.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.line)).toEqual([1, 3, 4, 5]);
    expect(checkSchema(schema, lines[0])).toEqual([]);
    expect(checkSchema(schema, lines[2])).toEqual([]);
    expect(checkSchema(schema, lines[1], schema.$defs.batchError)).toEqual([]);
    expect(lines[1].error).toMatch(/needs a destination port/);
    expect(lines[2].outcomes[0].verdict).toBe("DROP");
    expect(lines[3].error).toMatch(/^not JSON/);
  });

  it("bad flags exit 3 with a clear message, before the dump is read", async () => {
    const cases: [string[], RegExp][] = [
      [["--src", "10.0.0.1", "--dst", "10.96.0.10", "--proto", "carrier-pigeon", "--dport", "1"], /proto: 'carrier-pigeon' is not a protocol/],
      [["--src", "10.0.0.1", "--dport", "53"], /needs a destination address/],
      [["--src", "10.0.0.1", "--dst", "10.96.0.10"], /a tcp packet needs a destination port/],
      [["--src", "10.0.0.1", "--dst", "10.96.0.10", "--dport", "53", "--node-ip", "nope"], /--node-ip: 'nope' is not an IP address/],
      [["--src", "10.0.0.1", "--dst", "10.96.0.10", "--dport", "53", "--from", "moon"], /from: 'moon' is not one of external, pod, host/],
      [["--batch", "x.jsonl", "--src", "10.0.0.1"], /--batch takes the packets from the file/],
    ];
    for (const [args, msg] of cases) {
      const r = await runHere(["/nonexistent.save", ...args]);
      expect(r.code, args.join(" ")).toBe(3);
      expect(r.err).toMatch(msg);
    }
  });

  it("a bad dump exits 2 with positioned diagnostics", async () => {
    const p = file("bad.save", "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j KUBE-NOWHERE\nCOMMIT\n");
    const r = await runHere([p, "--src", "10.0.0.1", "--dst", "10.96.0.10", "--dport", "53"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:\\d+: error: .*KUBE-NOWHERE`));
    expect(r.out).toBe("");
  });

  it("never prints control characters from the dump, in text or JSON", () => {
    const p = file("ctl.save", '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m set --match-set "evil\u001b[31m\u0085" src -j DROP\nCOMMIT\n');
    for (const format of ["text", "json"]) {
      const r = run([p, "--src", "203.0.113.7", "--dst", "198.51.100.7", "--dport", "80", "--format", format]);
      expect(r.code).toBe(0);
      expect(r.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(r.out).toMatch(/evil/);
    }
  });
});
