/** `iptlens explain`: what the kernel does with a packet (src/explain), as text, JSON or a JSON stream. */
import type { Command } from "commander";
import { readInput } from "../io.js";
import { EXIT } from "../exit.js";
import { load, reportDiagnostics, UsageError } from "../load.js";
import { sanitize } from "../render.js";
import { ChainShortener } from "../../kube/index.js";
import {
  Explainer,
  assumeFunction,
  parseAssume,
  parseAssumeRecent,
  parseNodeOptions,
  parsePacketFields,
  renderText,
  ruleTargets,
  type AssumeRule,
  type ExplainOptions,
} from "../../explain/index.js";

interface Flags {
  src?: string;
  dst?: string;
  proto?: string;
  sport?: string;
  dport?: string;
  from?: string;
  inIface?: string;
  icmpType?: string;
  icmpCode?: string;
  tcpFlags?: string;
  mark?: string;
  ctstate?: string;
  ctstatus?: string;
  physdevIn?: string;
  bridged?: boolean;
  nodeIp: string[];
  route: string[];
  podIface?: string;
  externalIface?: string;
  assumeRecent: string[];
  assume: string[];
  format: string;
  verbose?: boolean;
  batch?: string;
  family?: string;
  maxPaths?: string;
  fullNames?: boolean;
}

/** Flags that describe the packet, by the field name they set. */
const PACKET_FLAGS: readonly (keyof Flags & string)[] = [
  "src", "dst", "proto", "sport", "dport", "from", "inIface", "icmpType", "icmpCode", "tcpFlags", "mark", "ctstate", "ctstatus", "physdevIn", "bridged",
];

const collect = (v: string, prev: string[]) => [...prev, v];

/** JSON with the control characters JSON.stringify leaves raw (DEL, C1, U+2028/9) escaped as well. */
export function safeJson(v: unknown): string {
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(v).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function registerExplain(program: Command): void {
  program
    .command("explain")
    .description("follow a packet through the rule set as the kernel would: verdicts, NAT, endpoints and their probabilities")
    .argument("<dump>", "dump to read (iptables-save or iptables -S), - for standard input")
    .option("--src <ip>", "source address")
    .option("--dst <ip>", "destination address")
    .option("--proto <p>", "tcp (default) | udp | sctp | icmp | icmpv6 | a protocol number")
    .option("--sport <n>", "source port (default 40000)")
    .option("--dport <n>", "destination port (required for tcp, udp, sctp)")
    .option("--from <origin>", "external (default: arrives on --external-iface) | pod (arrives on --pod-iface) | host (locally generated)")
    .option("--in-iface <iface>", "input interface (default by --from)")
    .option("--icmp-type <t>", "ICMP type: number, type/code or name (default echo-request)")
    .option("--icmp-code <n>", "ICMP code")
    .option("--tcp-flags <flags>", "TCP flags set, e.g. SYN or ACK,PSH (default SYN)")
    .option("--mark <n>", "initial packet mark (decimal or 0x hex)")
    .option("--ctstate <state>", "conntrack state: NEW (default) | ESTABLISHED | RELATED | INVALID | UNTRACKED")
    .option("--ctstatus <list>", "conntrack status bits: EXPECTED,SEEN_REPLY,ASSURED,CONFIRMED")
    .option("--physdev-in <iface>", "bridge port the packet entered on (a bridged packet)")
    .option("--bridged", "the packet is bridged (br_netfilter), not routed")
    .option("--node-ip <ip[/len][=iface]>", "an address of the node (repeatable; with /len its subnet broadcast is known); 127.0.0.0/8 and ::1 are always local", collect, [])
    .option("--route <cidr=iface>", "a route (repeatable; longest prefix wins; default 0.0.0.0/0 and ::/0 via the external interface)", collect, [])
    .option("--pod-iface <iface>", "input interface of --from pod packets", "cni0")
    .option("--external-iface <iface>", "input interface of --from external packets and default route", "eth0")
    .option("--assume-recent <hit|miss|NAME=hit|NAME=miss>", "answer -m recent checks instead of branching (repeatable)", collect, [])
    .option("--assume <key=true|false>", "answer an undecidable condition by its key (repeatable)", collect, [])
    .option("--format <format>", "text | json", "text")
    .option("--verbose", "also list the rules tested that did not match")
    .option("--batch <file>", "evaluate every packet of a JSON-lines file (- for standard input); one JSON result per line")
    .option("--family <n>", "address family 4 or 6 (default: detected)")
    .option("--max-paths <n>", "most paths followed per packet (default 4096)")
    .option("--full-names", "print chain names in full (text output)")
    .addHelpText(
      "after",
      `
Examples:
  iptlens explain node.save --src 10.244.1.5 --dst 10.96.0.10 --proto udp --dport 53 --from pod
  iptlens explain node.save --src 203.0.113.7 --dst 192.0.2.10 --dport 30080 --node-ip 192.0.2.10
  iptlens explain node.save --src 10.244.1.5 --dst 10.96.0.10 --proto icmp --from pod   # why no ping reply
  iptlens explain node.save --batch packets.jsonl --node-ip 192.0.2.10 > results.jsonl

Batch lines are objects with the packet fields named like the flags: {"src": "10.244.1.5", "dst": "10.96.0.10",
"proto": "udp", "dport": 53, "from": "pod"} (also sport, inIface, icmpType, icmpCode, tcpFlags, mark, ctstate).`,
    )
    .action((dump: string, o: Flags) => {
      if (o.format !== "json" && o.format !== "text") throw new UsageError(`--format must be json or text, not '${o.format}'`);
      const node = parseNodeOptions({ nodeIp: o.nodeIp, route: o.route, ...(o.podIface ? { podIface: o.podIface } : {}), ...(o.externalIface ? { externalIface: o.externalIface } : {}) });
      if (!node.ok) throw new UsageError(node.error);
      const rules: AssumeRule[] = [];
      for (const t of o.assumeRecent) {
        const r = parseAssumeRecent(t);
        if (!r.ok) throw new UsageError(r.error);
        rules.push(r.value);
      }
      for (const t of o.assume) {
        const r = parseAssume(t);
        if (!r.ok) throw new UsageError(r.error);
        rules.push(r.value);
      }
      let maxPaths: number | undefined;
      if (o.maxPaths !== undefined) {
        if (!/^\d+$/.test(o.maxPaths) || Number(o.maxPaths) < 1) throw new UsageError(`--max-paths must be a positive number, not '${o.maxPaths}'`);
        maxPaths = Number(o.maxPaths);
      }
      const assume = assumeFunction(rules);
      const xo: ExplainOptions = { verbose: o.verbose === true, ...(assume ? { assume } : {}), ...(maxPaths !== undefined ? { maxPaths } : {}) };

      // Packet flags are checked before the dump is read: a bad flag is a usage error whatever the dump.
      const fields: Record<string, unknown> = {};
      for (const f of PACKET_FLAGS) if (o[f] !== undefined) fields[f] = o[f];
      if (o.batch !== undefined) {
        const given = Object.keys(fields);
        if (given.length) throw new UsageError(`--batch takes the packets from the file; leave out the packet flags (${given.join(", ")})`);
        if (dump === "-" && o.batch === "-") throw new UsageError("the dump and --batch cannot both be standard input");
      }
      const family = o.family === undefined ? undefined : o.family === "6" || o.family === "ipv6" ? 6 : o.family === "4" || o.family === "ipv4" ? 4 : undefined;
      if (o.family !== undefined && family === undefined) throw new UsageError(`--family must be 4 or 6, not '${o.family}'`);
      const single = o.batch === undefined ? parsePacketFields(fields, family) : undefined;
      if (single && !single.ok) throw new UsageError(single.error);

      const l = load(dump, o.family !== undefined ? { family: o.family } : {});
      if (reportDiagnostics(l, "warning")) {
        process.exitCode = EXIT.invalidInput;
        return;
      }
      const ex = new Explainer(l.ruleset, node.value);

      if (single?.ok) {
        if (single.value.src.family !== l.ruleset.family) throw new UsageError(`the packet is IPv${single.value.src.family} but the dump is IPv${l.ruleset.family}`);
        const result = ex.explain(single.value, xo);
        if (o.format === "json") process.stdout.write(safeJson(result) + "\n");
        else {
          const shorten = o.fullNames ? undefined : new ChainShortener(l.ruleset.tables.flatMap((t) => t.chains.map((c) => c.name)));
          const lines = renderText(result, { ...(shorten ? { shorten } : {}), targetOf: ruleTargets(l.ruleset), verbose: o.verbose === true });
          process.stdout.write(lines.map(sanitize).join("\n") + "\n");
        }
        process.exitCode = EXIT.ok;
        return;
      }

      // Batch: one result per input line, in order; a bad line gets an error object and exit code 2.
      const input = readInput(o.batch);
      let bad = false;
      const out: string[] = [];
      const lines = input.text.split("\n");
      lines.forEach((raw, i) => {
        const text = raw.trim();
        if (text === "" || text.startsWith("#")) return;
        let obj: unknown;
        try {
          obj = JSON.parse(text);
        } catch (e) {
          bad = true;
          out.push(safeJson({ line: i + 1, error: `not JSON: ${(e as Error).message}` }));
          return;
        }
        if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
          bad = true;
          out.push(safeJson({ line: i + 1, error: "a packet line must be a JSON object" }));
          return;
        }
        const spec = parsePacketFields(obj as Record<string, unknown>, l.ruleset.family);
        if (!spec.ok) {
          bad = true;
          out.push(safeJson({ line: i + 1, error: spec.error }));
          return;
        }
        out.push(safeJson({ line: i + 1, ...ex.explain(spec.value, xo) }));
        if (out.length >= 256) process.stdout.write(out.splice(0).join("\n") + "\n");
      });
      if (out.length) process.stdout.write(out.join("\n") + "\n");
      process.exitCode = bad ? EXIT.invalidInput : EXIT.ok;
    });
}
