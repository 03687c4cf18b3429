import { describe, expect, it } from "vitest";
import { parseRuleset, unquote } from "../../src/model/build.js";
import { printRuleset, printRule } from "../../src/model/print.js";
import type { Rule } from "../../src/model/ast.js";

const wrap = (rules: string, table = "filter", chains = ":X - [0:0]\n") => {
  const builtins = { filter: ":INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n", nat: ":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n" }[table as "filter"];
  return `*${table}\n${builtins}${chains}${rules}\nCOMMIT\n`;
};
const diags = (text: string) => parseRuleset(text).diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.code}: ${d.message}`);
const rules = (text: string): Rule[] => parseRuleset(text).value.tables.flatMap((t) => t.chains.flatMap((c) => c.rules));

describe("quoting as iptables-restore splits arguments", () => {
  it.each([
    ['"a \\"b\\" c"', 'a "b" c'],
    ['"C:\\\\path"', "C:\\path"],
    ['a"b c"', "ab c"],
    ['plain\\x', "plain\\x"],
    ['"ctl \\x01"', "ctl x01"],
    ['""', ""],
  ])("%s → %s", (input, want) => {
    expect(unquote(input).text).toBe(want);
  });

  it("keeps a quoted comment with spaces as one argument and prints it back quoted", () => {
    const r = rules(wrap('-A X -m comment --comment "kube-system/kube-dns:dns cluster IP" -j ACCEPT'));
    expect(r[0]!.matches[0]).toMatchObject({ module: "comment", comment: "kube-system/kube-dns:dns cluster IP" });
    expect(printRule(r[0]!, 4)).toBe('-A X -m comment --comment "kube-system/kube-dns:dns cluster IP" -j ACCEPT');
  });

  it("splits a closing quote followed by text into two arguments, as iptables does", () => {
    expect(diags(wrap('-A X -m comment --comment "a"b -j ACCEPT'))).toEqual([
      "6:30 error unexpected-argument: unexpected argument 'b' (an option such as -m, -j or --dport was expected)",
    ]);
  });

  it("reads an unterminated quote to the end of the line, with a warning", () => {
    const text = wrap('-A X -j LOG --log-prefix "abc');
    expect(diags(text)).toEqual(["6:26 warning unterminated-quote: unterminated quote: iptables-restore reads it to the end of the line"]);
    expect(rules(text)[0]!.target).toMatchObject({ name: "LOG", prefix: "abc" });
  });

  it("collapses multiple spaces and tabs", () => {
    const r = rules(wrap("-A X   -s\t10.0.0.1    -j   ACCEPT"));
    expect(printRule(r[0]!, 4)).toBe("-A X -s 10.0.0.1/32 -j ACCEPT");
  });
});

describe("options", () => {
  it("accepts long and short spellings in any order", () => {
    const a = rules(wrap("-A X --jump ACCEPT --protocol tcp --destination-port 80 --source 10.0.0.0/8 --in-interface eth0"));
    const b = rules(wrap("-A X -s 10.0.0.0/8 -i eth0 -p tcp -m tcp --dport 80 -j ACCEPT"));
    expect(printRule(a[0]!, 4)).toBe(printRule(b[0]!, 4));
    expect(printRule(a[0]!, 4)).toBe("-A X -s 10.0.0.0/8 -i eth0 -p tcp -m tcp --dport 80 -j ACCEPT");
  });

  it("loads the protocol match implicitly and says so", () => {
    const r = rules(wrap("-A X -p udp --dport 53 -j ACCEPT"));
    expect(r[0]!.matches[0]).toMatchObject({ kind: "match", module: "udp", implicit: true });
  });

  it("reports --dport without a protocol, pointing at the option", () => {
    expect(diags(wrap("-A X --dport 80 -j ACCEPT"))).toEqual([
      "6:6 error unknown-option: option --dport needs -p tcp (or -m tcp/udp/sctp) before it; this rule has no -p",
    ]);
  });

  it("reports an unknown option", () => {
    expect(diags(wrap("-A X -p tcp --frobnicate 3 -j ACCEPT"))).toEqual([
      "6:13 error unknown-option: unknown option --frobnicate (no loaded match or target accepts it)",
    ]);
  });

  it("reports a missing argument at the end of the line", () => {
    expect(diags(wrap("-A X -j ACCEPT -s"))).toEqual(["6:18 error missing-argument: option -s needs an argument"]);
  });

  it("gives a required argument to an option even when it looks like an option (getopt)", () => {
    const r = rules(wrap("-A X -m comment --comment -j"));
    expect(r[0]!.matches[0]).toMatchObject({ comment: "-j" });
    expect(r[0]!.target).toBeNull();
  });

  it("accepts the old intrapositioned negation with a warning", () => {
    const text = wrap("-A X -s ! 10.0.0.1 -p tcp --dport ! 22 -j ACCEPT");
    expect(diags(text)).toEqual([
      "6:9 warning old-negation: '-s ! …' is the deprecated form of negation; write '! -s …'",
      "6:35 warning old-negation: '--dport ! …' is the deprecated form of negation; write '! --dport …'",
    ]);
    expect(printRule(rules(text)[0]!, 4)).toBe("-A X ! -s 10.0.0.1/32 -p tcp -m tcp ! --dport 22 -j ACCEPT");
  });

  it("carries negation on every built-in condition", () => {
    const r = rules(wrap("-A X ! -s 10.0.0.0/8 ! -d 10.96.0.1 ! -i eth+ ! -o cni0 ! -p udp ! -f -j DROP"))[0]!;
    expect([r.source?.negated, r.destination?.negated, r.inInterface?.negated, r.outInterface?.negated, r.protocol?.negated, r.fragment?.negated]).toEqual([
      true, true, true, true, true, true,
    ]);
    expect(printRule(r, 4)).toBe("-A X ! -s 10.0.0.0/8 ! -d 10.96.0.1/32 ! -i eth+ ! -o cni0 ! -p udp ! -f -j DROP");
  });

  it("refuses negation of -m and a dangling !", () => {
    expect(diags(wrap("-A X ! -m comment --comment x !"))).toEqual([
      "6:6 error bad-negation: -m cannot be negated with !",
      "6:31 error dangling-negation: '!' at the end of the rule negates nothing",
    ]);
  });

  it("makes one rule per address of -s a,b -d c,d, as iptables does", () => {
    const r = rules(wrap("-A X -s 10.0.0.1,10.0.0.2 -d 192.0.2.1,192.0.2.2 -j ACCEPT"));
    expect(r.map((x) => printRule(x, 4))).toEqual([
      "-A X -s 10.0.0.1/32 -d 192.0.2.1/32 -j ACCEPT",
      "-A X -s 10.0.0.1/32 -d 192.0.2.2/32 -j ACCEPT",
      "-A X -s 10.0.0.2/32 -d 192.0.2.1/32 -j ACCEPT",
      "-A X -s 10.0.0.2/32 -d 192.0.2.2/32 -j ACCEPT",
    ]);
  });

  it("reports bad addresses, host names and wrong-family addresses", () => {
    expect(diags(wrap("-A X -s 10.0.0.300 -j ACCEPT\n-A X -d example.com -j ACCEPT"))).toEqual([
      "6:9 error bad-address: '10.0.0.300' is not an IPv4 address",
      "7:9 error bad-address: 'example.com' is a host name; iptables would resolve it at load time, iptlens needs an address",
    ]);
    expect(parseRuleset(wrap("-A X -d 10.0.0.1 -j ACCEPT\n-A X -s fd00::1 -j ACCEPT"), { family: 4 }).diagnostics.map((d) => d.message)).toEqual([
      "'fd00::1' is an IPv6 address in an IPv4 rule set",
    ]);
  });

  it("masks host bits and keeps non-contiguous masks", () => {
    const r = rules(wrap("-A X -s 10.1.2.3/8 -d 10.0.0.0/255.0.255.0 -j ACCEPT"));
    expect(printRule(r[0]!, 4)).toBe("-A X -s 10.0.0.0/8 -d 10.0.0.0/255.0.255.0 -j ACCEPT");
  });

  it("keeps an unknown module and an unknown target verbatim, with info diagnostics", () => {
    const text = wrap('-A X -m frob --level "a b" ! --x 1 -j TEE --gateway 10.0.0.1');
    expect(diags(text)).toEqual([
      "6:6 info unknown-match: match module 'frob' is not modelled by iptlens; it is kept as written and evaluated as unknown",
      "6:36 info unknown-target: target TEE is not modelled by iptlens; the rule is kept as written and evaluated as unknown",
    ]);
    const r = rules(text)[0]!;
    expect(r.matches[0]).toMatchObject({ kind: "opaque-match", module: "frob", args: ["--level", "a b", "!", "--x", "1"] });
    expect(printRule(r, 4)).toBe('-A X -m frob --level "a b" ! --x 1 -j TEE --gateway 10.0.0.1');
  });
});

describe("structure", () => {
  it("reports a jump to an undefined chain at the target", () => {
    expect(diags(wrap("-A X -j NOPE"))).toEqual(["6:6 error undefined-chain: jump to chain NOPE, which does not exist in table filter"]);
  });

  it("reports a rule for an undeclared chain", () => {
    expect(diags(wrap("-A Y -j ACCEPT"))).toEqual([
      "6:4 error undeclared-chain: chain Y is not declared in table filter (expected :Y - [0:0] before its rules)",
    ]);
  });

  it("reports a duplicate chain declaration, a bad policy and a policy on a user chain", () => {
    expect(diags("*filter\n:INPUT MAYBE [0:0]\n:X ACCEPT [0:0]\n:X - [0:0]\nCOMMIT\n")).toEqual([
      "2:8 error bad-policy: built-in chain INPUT needs policy ACCEPT or DROP, not 'MAYBE'",
      "3:4 error bad-policy: user-defined chain X cannot have a policy ('ACCEPT'; expected -)",
      "4:1 error duplicate-chain: chain X is declared twice (first on line 3)",
    ]);
  });

  it("reports a missing COMMIT and text after COMMIT", () => {
    expect(diags("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n")).toEqual(["1:1 error missing-commit: table filter is not closed with COMMIT"]);
    expect(diags("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n-A INPUT -j ACCEPT\n")).toEqual([
      "4:1 error outside-table: -A outside a table: expected *table before it (text after COMMIT?)",
    ]);
    expect(diags("*filter\nCOMMIT extra\n")).toEqual(["2:8 error trailing-text: unexpected 'extra' after COMMIT"]);
  });

  it("reports a line that is none of the known kinds, and keeps going", () => {
    expect(diags("*filter\n:INPUT ACCEPT [0:0]\nfoo bar\n-A INPUT -j NOPE\nCOMMIT\n")).toEqual([
      "3:1 error unexpected-line: expected a table header (*filter), a chain declaration (:CHAIN POLICY [0:0]), a command (-A CHAIN …) or COMMIT, but found 'foo'",
      "4:10 error undefined-chain: jump to chain NOPE, which does not exist in table filter",
    ]);
  });

  it("reports an unknown table", () => {
    expect(diags("*fliter\nCOMMIT\n")).toEqual(["1:1 error bad-table: unknown table 'fliter' (expected raw, mangle, nat, filter or security)"]);
  });

  it("refuses NAT targets where the kernel does, through jumps", () => {
    const text = wrap("-A POSTROUTING -j X\n-A X -p tcp -j DNAT --to-destination 10.0.0.1:80", "nat");
    expect(diags(text)).toEqual([
      "8:13 error invalid-target-placement: DNAT is only valid from PREROUTING/OUTPUT (chain X is reached from POSTROUTING); the kernel refuses the rule set",
    ]);
  });

  it("keeps rules with counters, a target-less rule, and -c counters", () => {
    const text = wrap("[5:300] -A X -m comment --comment only\n-A X -j ACCEPT -c 7 420");
    const r = rules(text);
    expect(r[0]!.counters).toEqual({ packets: 5n, bytes: 300n });
    expect(r[0]!.target).toBeNull();
    expect(r[1]!.counters).toEqual({ packets: 7n, bytes: 420n });
    expect(printRuleset(parseRuleset(text).value)).toContain("[5:300] -A X -m comment --comment only\n[7:420] -A X -j ACCEPT\n");
  });

  it("applies -I, -D, -R, -F and -X as iptables-restore does", () => {
    const text = wrap(
      ["-A X -j ACCEPT", "-I X -j DROP", "-I X 2 -j RETURN", "-D X -j ACCEPT", "-R X 1 -j QUEUE", ":GONE - [0:0]", "-X GONE", ":FLUSHED - [0:0]", "-A FLUSHED -j DROP", "-F FLUSHED"].join("\n"),
    );
    const rs = parseRuleset(text);
    expect(rs.diagnostics).toEqual([]);
    const f = rs.value.tables[0]!;
    expect(f.chains.find((c) => c.name === "X")!.rules.map((r) => printRule(r, 4))).toEqual(["-A X -j QUEUE", "-A X -j RETURN"]);
    expect(f.chains.some((c) => c.name === "GONE")).toBe(false);
    expect(f.chains.find((c) => c.name === "FLUSHED")!.rules).toEqual([]);
  });

  it("reads iptables -S text, inferring the table from the built-in chains", () => {
    const text = "-P PREROUTING ACCEPT\n-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n-P POSTROUTING ACCEPT\n-N KUBE-SERVICES\n-A PREROUTING -j KUBE-SERVICES\n";
    const r = parseRuleset(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.value.format).toBe("rules");
    expect(r.value.tables.map((t) => t.name)).toEqual(["nat"]);
    expect(printRuleset(r.value, { style: "rules" })).toBe(text);
  });

  it("reads two concatenated iptables -S outputs as two tables", () => {
    const text = "-P INPUT ACCEPT\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n-A INPUT -j ACCEPT\n-P PREROUTING ACCEPT\n-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n-P POSTROUTING ACCEPT\n";
    const r = parseRuleset(text);
    expect(r.value.tables.map((t) => t.name)).toEqual(["filter", "nat"]);
    expect(r.value.tables[0]!.chains.find((c) => c.name === "FORWARD")!.policy).toBe("DROP");
  });

  it("detects IPv6 and prints /128", () => {
    const r = parseRuleset("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -d fd00::10 -p tcp -j DNAT --to-destination [fd00:10:244::5]:8080\nCOMMIT\n");
    expect(r.value.family).toBe(6);
    expect(r.diagnostics).toEqual([]);
    expect(printRuleset(r.value)).toContain("-A PREROUTING -d fd00::10/128 -p tcp -j DNAT --to-destination [fd00:10:244::5]:8080");
  });

  it("keeps header comments so a real dump prints back byte for byte", () => {
    const text = "# Generated by iptables-save v1.8.9 (nf_tables) on Sat Nov 21 00:00:00 2026\n*filter\n:INPUT ACCEPT [10:600]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n# Completed on Sat Nov 21 00:00:00 2026\n";
    expect(printRuleset(parseRuleset(text).value)).toBe(text);
  });

  it("positions diagnostics on later lines of a large input correctly (chunking)", () => {
    const body = Array.from({ length: 5000 }, (_, i) => `-A X -s 10.0.${(i >> 8) & 255}.${i & 255} -j ACCEPT`).join("\n");
    const text = wrap(body + "\n-A X -j NOPE");
    expect(diags(text)).toEqual([`${6 + 5000}:6 error undefined-chain: jump to chain NOPE, which does not exist in table filter`]);
  });
});
