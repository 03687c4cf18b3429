// gen-cli.ts: command-line front end to bench/gen.ts, used by corpus/check-gen.sh.
// Run with tsx:  node_modules/.bin/tsx corpus/tools/gen-cli.ts [options]
//   --services N --seed S --family 4|6 --era modern|legacy --endpoints N --counters
//       print generateKubeProxyDump(...) to stdout
//   --probabilities
//       print "INPUT EXPECTED" lines: probability texts and what iptables-save
//       should print for them (bench/gen.ts's model of xt_statistic)
//   --lines-for N   print linesFor(N) for the given options
import { canonicalProbability, generateKubeProxyDump, kubeProxyProbability, linesFor, type GenOptions } from "../../bench/gen.js";

const args = process.argv.slice(2);
const val = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

if (args.includes("--probabilities")) {
  const inputs = new Set<string>();
  for (let n = 1; n <= 1000; n++) inputs.add(kubeProxyProbability(n, 10));
  for (let n = 1; n <= 200; n++) inputs.add(kubeProxyProbability(n, 5));
  // values whose stored form k/2^31 ends exactly on a tie at the 12th decimal
  for (const j of [1, 3, 5, 7, 9, 11, 4095]) inputs.add(String(j / 4096));
  for (const t of ["0", "1", "0.99999999999", "0.0000000001", "0.0000000002", "0.5", "0.1", "0.2", "0.3", "0.7", "0.9", "0.33333", "0.66666666666", "0.00000000023283064365386962890625"])
    inputs.add(t);
  for (const t of inputs) console.log(`${t} ${canonicalProbability(t)}`);
} else {
  const opts: Omit<GenOptions, "services"> = {
    seed: Number(val("--seed") ?? 1),
    family: (val("--family") === "6" ? 6 : 4) as 4 | 6,
    era: val("--era") === "legacy" ? "legacy" : "modern",
    withCounters: args.includes("--counters"),
  };
  const eps = val("--endpoints");
  if (eps !== undefined) opts.endpointsPerService = Number(eps);
  const target = val("--lines-for");
  if (target !== undefined) {
    console.log(linesFor(Number(target), opts));
  } else {
    process.stdout.write(generateKubeProxyDump({ ...opts, services: Number(val("--services") ?? 20) }));
  }
}
