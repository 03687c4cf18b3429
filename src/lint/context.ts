/**
 * What rules see: the rule set, node facts, and analyses computed once and shared (rule positions,
 * symbolic spaces, jump graph, target effects).
 */
import type { Chain, Rule, Ruleset, Table } from "../model/ast.js";
import { printRuleSpec } from "../model/print.js";
import { BUILTIN_CHAINS, type Hook, type TableName } from "../model/ast.js";
import type { Family } from "../net/addr.js";
import { buildCatalogue, type Catalogue } from "../kube/index.js";
import { ruleSpace, type Symbolic } from "../space/index.js";
import { tableEffects, type TableEffects } from "./effects.js";
import type { NodeFacts, RuleId } from "./types.js";

export interface RulePosition {
  readonly table: Table;
  readonly chain: Chain;
  /** 1-based. */
  readonly index: number;
}

export class LintContext {
  private readonly positions = new Map<Rule, RulePosition>();
  private readonly spaces = new Map<Rule, Symbolic>();
  private readonly texts = new Map<Rule, string>();
  private readonly chainMaps = new Map<Table, Map<string, Chain>>();
  private readonly refMaps = new Map<Table, Map<string, Rule[]>>();
  private readonly effectMaps = new Map<Table, TableEffects>();
  private readonly memo = new Map<string, unknown>();

  constructor(
    readonly ruleset: Ruleset,
    readonly facts: NodeFacts,
    /** Whether a rule will be reported (rules may skip work another rule covers). */
    readonly isEnabled: (id: RuleId) => boolean = () => true,
  ) {
    for (const t of ruleset.tables)
      for (const c of t.chains) c.rules.forEach((r, i) => this.positions.set(r, { table: t, chain: c, index: i + 1 }));
  }

  get family(): Family {
    return this.ruleset.family;
  }

  table(name: string): Table | undefined {
    return this.ruleset.tables.find((t) => t.name === name);
  }

  position(r: Rule): RulePosition {
    const p = this.positions.get(r);
    if (!p) throw new Error("bug: rule not in this rule set");
    return p;
  }

  chains(t: Table): Map<string, Chain> {
    let m = this.chainMaps.get(t);
    if (!m) {
      m = new Map(t.chains.map((c) => [c.name, c]));
      this.chainMaps.set(t, m);
    }
    return m;
  }

  /** Rules that jump or go to each chain of the table. */
  references(t: Table): Map<string, Rule[]> {
    let m = this.refMaps.get(t);
    if (!m) {
      m = new Map();
      for (const c of t.chains)
        for (const r of c.rules)
          if (r.target?.kind === "jump") {
            const l = m.get(r.target.chain);
            if (l) l.push(r);
            else m.set(r.target.chain, [r]);
          }
      this.refMaps.set(t, m);
    }
    return m;
  }

  /** The symbolic space of a rule's conditions (computed once). */
  space(r: Rule): Symbolic {
    let s = this.spaces.get(r);
    if (!s) {
      s = ruleSpace(r, this.family);
      this.spaces.set(r, s);
    }
    return s;
  }

  /** The canonical text of a rule after `-A CHAIN`. */
  text(r: Rule): string {
    let s = this.texts.get(r);
    if (s === undefined) {
      s = printRuleSpec(r, this.family);
      this.texts.set(r, s);
    }
    return s;
  }

  effects(t: Table): TableEffects {
    let e = this.effectMaps.get(t);
    if (!e) {
      e = tableEffects(t, this.chains(t));
      this.effectMaps.set(t, e);
    }
    return e;
  }

  /**
   * For each chain, the built-in hooks it is reached from through jumps and gotos (computed once per
   * table; the same answer as model/validate's hooksReaching, in linear time per hook).
   */
  hooks(t: Table): Map<string, Set<Hook>> {
    return this.cached(`hooks:${t.name}`, () => {
      const chains = this.chains(t);
      const next = new Map<string, string[]>();
      for (const c of t.chains) {
        const out = new Set<string>();
        for (const r of c.rules) if (r.target?.kind === "jump" && chains.has(r.target.chain)) out.add(r.target.chain);
        next.set(c.name, [...out]);
      }
      const reach = new Map<string, Set<Hook>>(t.chains.map((c) => [c.name, new Set<Hook>()]));
      for (const hook of BUILTIN_CHAINS[t.name as TableName] ?? []) {
        if (!chains.has(hook)) continue;
        const stack = [hook as string];
        while (stack.length) {
          const n = stack.pop()!;
          const s = reach.get(n)!;
          if (s.has(hook)) continue;
          s.add(hook);
          for (const m of next.get(n)!) if (!reach.get(m)!.has(hook)) stack.push(m);
        }
      }
      return reach;
    });
  }

  /** kube-proxy's service catalogue of the rule set (src/kube), built once. */
  kube(): Catalogue {
    return this.cached("kube:catalogue", () => buildCatalogue(this.ruleset));
  }

  /** Share any other derived analysis between rules. */
  cached<T>(key: string, make: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, make());
    return this.memo.get(key) as T;
  }
}
