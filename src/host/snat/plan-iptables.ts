import { chainRules, type SavedTable } from './iptables-save.ts';
import {
  type BuiltinChainRules,
  type IptablesTable,
  MANAGED_TABLES,
  OWNED_CHAIN_PATTERN,
  OWNED_COMMENTS,
  type OwnedChain,
  type SnatRuleSet,
} from './rule-set.ts';
import { ruleOption, splitRuleWords } from './rule-text.ts';

/**
 * The difference between the desired rule set and what iptables-save shows, as one
 * iptables-restore --noflush script per table that needs a change. Pure.
 *
 * Every step is simulated on a copy of the chain (deleting by rule text removes the first
 * identical rule, as the kernel does) and the result is checked, so a plan is only returned when
 * it provably reaches the desired order.
 */

export interface TablePlan {
  readonly table: IptablesTable;
  /** Commands between "*<table>" and "COMMIT". */
  readonly lines: readonly string[];
}

export function restoreScript(plan: TablePlan): string {
  return `*${plan.table}\n${plan.lines.join('\n')}\nCOMMIT\n`;
}

/** True for a rule in a shared built-in chain that we put there (or an earlier reference did). */
export function isOwnedBuiltinRule(spec: string): boolean {
  const words = splitRuleWords(spec);
  const target = ruleOption(words, '-j', '-g');
  if (target !== undefined && OWNED_CHAIN_PATTERN.test(target)) return true;
  const comment = ruleOption(words, '--comment');
  return comment !== undefined && OWNED_COMMENTS.has(comment);
}

export function planIptables(
  desired: SnatRuleSet,
  current: ReadonlyMap<string, SavedTable>,
): TablePlan[] {
  const plans: TablePlan[] = [];
  for (const table of MANAGED_TABLES) {
    const lines = planTable(
      desired.ownedChains.filter((c) => c.table === table),
      desired.builtinChains.filter((c) => c.table === table),
      current.get(table),
    );
    if (lines.length > 0) plans.push({ table, lines });
  }
  return plans;
}

function planTable(
  owned: readonly OwnedChain[],
  builtin: readonly BuiltinChainRules[],
  saved: SavedTable | undefined,
): string[] {
  const existing = new Set(saved?.chains ?? []);
  const kept = new Set(owned.filter((c) => c.present).map((c) => c.chain));
  const doomed = (saved?.chains ?? []).filter((c) => OWNED_CHAIN_PATTERN.test(c) && !kept.has(c));
  const doomedSet = new Set(doomed);
  const managedBuiltin = new Set(builtin.map((b) => b.chain));

  const creates: string[] = [];
  const ops: string[] = [];
  for (const chain of owned) {
    if (!chain.present) continue;
    if (!existing.has(chain.chain)) creates.push(`-N ${chain.chain}`);
    ops.push(...planOwnedChain(chain, chainRules(saved, chain.chain)));
  }
  for (const chain of builtin) {
    ops.push(...planBuiltinChain(chain, chainRules(saved, chain.chain)));
  }
  // A jump from anyone else's chain into a chain we remove would make the removal fail.
  for (const rule of saved?.rules ?? []) {
    if (OWNED_CHAIN_PATTERN.test(rule.chain) || managedBuiltin.has(rule.chain)) continue;
    const target = ruleOption(splitRuleWords(rule.spec), '-j', '-g');
    if (target !== undefined && doomedSet.has(target)) ops.push(`-D ${rule.chain} ${rule.spec}`);
  }
  const removals = [...doomed.map((c) => `-F ${c}`), ...doomed.map((c) => `-X ${c}`)];
  return [...creates, ...ops, ...removals];
}

function removeFirst(list: string[], rule: string): number {
  const i = list.indexOf(rule);
  if (i >= 0) list.splice(i, 1);
  return i;
}

function deleteLine(chain: string, spec: string, position: number): string {
  // A rule with neither match nor target cannot be named by its text; its position still can.
  return spec === '' ? `-D ${chain} ${position + 1}` : `-D ${chain} ${spec}`;
}

export function planOwnedChain(chain: OwnedChain, current: readonly string[]): string[] {
  const name = chain.chain;
  const sim = [...current];
  const ops: string[] = [];
  const wanted = new Set(chain.unordered);
  const seen = new Set<string>();
  for (const rule of current) {
    if (rule === chain.terminal) continue;
    if (wanted.has(rule) && !seen.has(rule)) {
      seen.add(rule);
      continue;
    }
    const at = sim.indexOf(rule);
    ops.push(deleteLine(name, rule, at));
    removeFirst(sim, rule);
  }
  let appendTerminal = false;
  if (chain.terminal !== undefined) {
    const terminal = chain.terminal;
    const count = sim.filter((r) => r === terminal).length;
    // Keep the terminal rule only if it is already last; delete copies from the front.
    const keepOne = sim[sim.length - 1] === terminal;
    for (let i = 0; i < count - (keepOne ? 1 : 0); i++) {
      ops.push(`-D ${name} ${terminal}`);
      removeFirst(sim, terminal);
    }
    appendTerminal = !keepOne;
  }
  for (const rule of chain.unordered) {
    if (sim.includes(rule)) continue;
    ops.push(`-I ${name} 1 ${rule}`);
    sim.unshift(rule);
  }
  if (appendTerminal && chain.terminal !== undefined) {
    ops.push(`-A ${name} ${chain.terminal}`);
    sim.push(chain.terminal);
  }
  assertOwnedChainReached(chain, sim);
  return ops;
}

function assertOwnedChainReached(chain: OwnedChain, sim: readonly string[]): void {
  const expected = [...new Set(chain.unordered)].sort();
  const body = chain.terminal === undefined ? [...sim] : sim.slice(0, -1);
  const ok =
    (chain.terminal === undefined || sim[sim.length - 1] === chain.terminal) &&
    body.length === expected.length &&
    [...body].sort().every((r, i) => r === expected[i]);
  if (!ok)
    throw new Error(`internal error: plan for ${chain.chain} does not reach the desired rules`);
}

export function planBuiltinChain(chain: BuiltinChainRules, current: readonly string[]): string[] {
  const name = chain.chain;
  const owned = current.filter(isOwnedBuiltinRule);
  const wanted = chain.rules;
  const sim = [...owned];
  const ops: string[] = [];
  let next = 0;
  for (const rule of owned) {
    if (next < wanted.length && rule === wanted[next]) {
      next++;
      continue;
    }
    ops.push(`-D ${name} ${rule}`);
    removeFirst(sim, rule);
  }
  for (const rule of wanted.slice(next)) {
    ops.push(`-A ${name} ${rule}`);
    sim.push(rule);
  }
  if (sim.length === wanted.length && sim.every((r, i) => r === wanted[i])) return ops;
  // Duplicates deleted by text hit an earlier copy than the one meant; start over cleanly.
  return [...owned.map((r) => `-D ${name} ${r}`), ...wanted.map((r) => `-A ${name} ${r}`)];
}
