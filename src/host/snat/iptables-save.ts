import type { IptablesTable, OwnedChain, SnatRuleSet } from './rule-set.ts';
import { MANAGED_TABLES } from './rule-set.ts';

/**
 * iptables-save text ↔ a table's chains and rules. Rule texts are kept exactly as printed
 * (after "-A <chain> "), which is also what iptables-restore accepts back.
 */

export interface SavedRule {
  readonly chain: string;
  readonly spec: string;
}

export interface SavedTable {
  /** Every chain of the table, built-in ones included, in the order printed. */
  readonly chains: readonly string[];
  /** Rules in the order printed: per chain, in chain order. */
  readonly rules: readonly SavedRule[];
}

export function parseIptablesSave(text: string): Map<string, SavedTable> {
  const tables = new Map<string, SavedTable>();
  let chains: string[] | undefined;
  let rules: SavedRule[] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      chains = [];
      rules = [];
      tables.set(line.slice(1), { chains, rules });
    } else if (line === 'COMMIT') {
      chains = undefined;
      rules = undefined;
    } else if (chains && rules && line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0];
      if (name) chains.push(name);
    } else if (chains && rules && line.startsWith('-A ')) {
      const rest = line.slice(3);
      const space = rest.indexOf(' ');
      // A rule with no match and no target prints as "-A CHAIN" alone.
      rules.push(
        space < 0
          ? { chain: rest, spec: '' }
          : { chain: rest.slice(0, space), spec: rest.slice(space + 1) },
      );
    }
  }
  return tables;
}

/** The rules of one chain, in order. */
export function chainRules(table: SavedTable | undefined, chain: string): string[] {
  return (table?.rules ?? []).filter((r) => r.chain === chain).map((r) => r.spec);
}

/** The order a chain ends up in when applied to an empty table: RETURNs inserted at the top one by one, then the terminal rule. */
export function freshChainOrder(chain: OwnedChain): string[] {
  return [...chain.unordered]
    .reverse()
    .concat(chain.terminal === undefined ? [] : [chain.terminal]);
}

/**
 * The desired rules in iptables-save format, only our chains and rules, in the order a fresh
 * node ends up with: what `vpc-ipamd snat-rules` prints and what iptables-save shows after apply.
 */
export function formatRuleSet(ruleSet: SnatRuleSet): string {
  const out: string[] = [];
  for (const table of MANAGED_TABLES) {
    const owned = ruleSet.ownedChains
      .filter((c) => c.table === table && c.present)
      .sort((a, b) => a.chain.localeCompare(b.chain));
    const builtin = ruleSet.builtinChains
      .filter((c) => c.table === table && c.rules.length > 0)
      .sort((a, b) => hookOrder(table, a.chain) - hookOrder(table, b.chain));
    if (owned.length === 0 && builtin.length === 0) continue;
    out.push(`*${table}`);
    for (const c of owned) out.push(`:${c.chain} - [0:0]`);
    for (const c of builtin) for (const r of c.rules) out.push(`-A ${c.chain} ${r}`);
    for (const c of owned) for (const r of freshChainOrder(c)) out.push(`-A ${c.chain} ${r}`);
    out.push('COMMIT');
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

const HOOKS: Record<IptablesTable, readonly string[]> = {
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
};

function hookOrder(table: IptablesTable, chain: string): number {
  const i = HOOKS[table].indexOf(chain);
  return i < 0 ? HOOKS[table].length : i;
}

/**
 * iptables-save output made comparable across runs and frontends: no comment lines (dates,
 * warnings), counters zeroed, tables sorted by name, only the tables asked for.
 */
export function normaliseIptablesSave(text: string, tables: readonly string[]): string {
  const blocks = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      current = tables.includes(line.slice(1)) ? [] : undefined;
      if (current) blocks.set(line.slice(1), current);
    }
    current?.push(line.replace(/\[\d+:\d+\]$/, '[0:0]'));
  }
  return [...blocks.keys()]
    .sort()
    .map((t) => `${blocks.get(t)!.join('\n')}\n`)
    .join('');
}
