/**
 * No false alarms: dumps of healthy nodes (every kube-proxy era, alone and with Calico, Docker, Flannel,
 * Cilium) give no finding at warning or above. Runs over corpus/dumps too (real iptables output),
 * except the edge-* files, which collect odd spellings on purpose rather than model a node.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateKubeProxyDump } from "../../bench/gen.js";
import { HEALTHY } from "./healthy-dumps.js";
import { lintText } from "./helpers.js";

const serious = (text: string) =>
  lintText(text)
    .filter((f) => f.severity !== "info")
    .map((f) => `${f.rule} ${f.table}/${f.chain}#${f.index}: ${f.message}`);

describe("healthy nodes have no findings at warning or above", () => {
  for (const [name, text] of Object.entries(HEALTHY)) it(name, () => expect(serious(text)).toEqual([]));

  for (const era of ["modern", "legacy"] as const)
    for (const family of [4, 6] as const)
      it(`generated kube-proxy dump, ${era} era, IPv${family}`, () => {
        // Few services: the generator draws NodePorts at random, and two services on one NodePort is a
        // real finding (kube-nodeport-conflict), not a false alarm.
        expect(serious(generateKubeProxyDump({ services: 40, era, family, seed: 7 }))).toEqual([]);
      });
});

describe("corpus dumps of real nodes have no findings at warning or above", () => {
  const dir = join(import.meta.dirname, "../../corpus/dumps");
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".save") && !f.startsWith("edge-"));
  } catch {
    files = [];
  }
  it.skipIf(files.length === 0)("corpus present", () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) it(f, () => expect(serious(readFileSync(join(dir, f), "utf8"))).toEqual([]));
});
