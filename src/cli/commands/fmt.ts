/** `iptlens fmt`: print the canonical iptables-save form; `--check` tells whether the input already is. */
import type { Command } from "commander";
import { printRuleset } from "../../model/print.js";
import { EXIT } from "../exit.js";
import { load, reportDiagnostics, UsageError } from "../load.js";
import { sanitize } from "../render.js";

export function registerFmt(program: Command): void {
  program
    .command("fmt")
    .description("print a dump exactly as iptables-save would print it after iptables-restore of it")
    .argument("[file]", "dump to read, - for standard input", "-")
    .option("--check", "print nothing; exit 1 when the input is not canonical, naming the first differing line")
    .option("--style <style>", "save (iptables-save) | rules (iptables -S); default: the input's own form")
    .option("--no-counters", "print counters as after a restore without --counters (all zero)")
    .option("--backend <backend>", "nft (the nf_tables iptables-save) | legacy (iptables-legacy-save)", "nft")
    .option("--family <n>", "address family 4 or 6 (default: detected)")
    .option("--table <name>", "table of iptables -S text that has no *table line (default: inferred)")
    .addHelpText(
      "after",
      `
Examples:
  iptlens fmt kube-proxy-restore-input.txt > canonical.save
  iptables-save | iptlens fmt --check -     # exit 0: already canonical`,
    )
    .action((file: string, o: { check?: boolean; style?: string; counters: boolean; backend: string; family?: string; table?: string }) => {
      if (o.backend !== "nft" && o.backend !== "legacy") throw new UsageError(`--backend must be nft or legacy, not '${o.backend}'`);
      if (o.style !== undefined && o.style !== "save" && o.style !== "rules") throw new UsageError(`--style must be save or rules, not '${o.style}'`);
      const l = load(file, o);
      if (reportDiagnostics(l, "warning")) {
        process.exitCode = EXIT.invalidInput;
        return;
      }
      const style = (o.style as "save" | "rules" | undefined) ?? l.ruleset.format;
      const out = printRuleset(l.ruleset, { style, counters: o.counters, backend: o.backend });
      if (!o.check) {
        process.stdout.write(out);
        process.exitCode = EXIT.ok;
        return;
      }
      const normalized = l.text.replace(/\r\n/g, "\n");
      if (normalized === out || normalized + "\n" === out) {
        process.exitCode = EXIT.ok;
        return;
      }
      const a = normalized.split("\n");
      const b = out.split("\n");
      let i = 0;
      while (i < a.length && a[i] === b[i]) i++;
      process.stderr.write(
        `${sanitize(l.name)}:${i + 1}: not canonical\n  have: ${sanitize(a[i] ?? "<end of input>")}\n  want: ${sanitize(b[i] ?? "<end of output>")}\n`,
      );
      process.exitCode = EXIT.findings;
    });
}
