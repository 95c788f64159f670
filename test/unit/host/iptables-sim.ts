import type { SavedRule, SavedTable } from '../../../src/host/snat/iptables-save.ts';
import { ruleOption, splitRuleWords } from '../../../src/host/snat/rule-text.ts';

/**
 * An in-memory iptables-restore --noflush for unit tests: applies -N/-X/-F/-D/-A/-I lines the
 * way the kernel does (delete by text removes the first identical rule, -X refuses a chain
 * still in use) and throws where iptables-restore would fail.
 */
const BUILTIN = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

interface MutableTable {
  chains: string[];
  rules: SavedRule[];
}

/** Applies a restore script to saved tables the way iptables-restore --noflush would. */
export function simulateRestore(
  tables: ReadonlyMap<string, SavedTable>,
  script: string,
): Map<string, SavedTable> {
  const out = new Map<string, MutableTable>(
    [...tables].map(([k, v]) => [k, { chains: [...v.chains], rules: [...v.rules] }]),
  );
  let table: MutableTable | undefined;
  for (const line of script.split('\n')) {
    if (line.startsWith('*')) {
      const name = line.slice(1);
      table = out.get(name) ?? { chains: [], rules: [] };
      out.set(name, table);
      continue;
    }
    if (!table || line === 'COMMIT' || line === '') continue;
    const [op = '', chain = '', ...rest] = line.split(' ');
    const spec = rest.join(' ');
    const t = table;
    const exists = t.chains.includes(chain) || BUILTIN.includes(chain);
    if (op === '-N') {
      if (exists) throw new Error(`chain ${chain} exists`);
      t.chains.push(chain);
    } else if (op === '-X') {
      if (t.rules.some((r) => r.chain === chain)) throw new Error(`chain ${chain} not empty`);
      if (t.rules.some((r) => ruleOption(splitRuleWords(r.spec), '-j', '-g') === chain)) {
        throw new Error(`chain ${chain} in use`);
      }
      t.chains.splice(t.chains.indexOf(chain), 1);
    } else if (op === '-F') {
      t.rules = t.rules.filter((r) => r.chain !== chain);
    } else if (op === '-D') {
      const inChain = t.rules.filter((r) => r.chain === chain);
      const target = /^\d+$/.test(spec)
        ? inChain[Number(spec) - 1]
        : inChain.find((r) => r.spec === spec);
      if (!target) throw new Error(`no such rule: ${line}`);
      t.rules.splice(t.rules.indexOf(target), 1);
    } else if (op === '-A' || op === '-I') {
      if (!exists) throw new Error(`no chain ${chain}`);
      if (!t.chains.includes(chain)) t.chains.unshift(chain);
      if (op === '-A') {
        t.rules.push({ chain, spec });
      } else {
        const first = t.rules.findIndex((r) => r.chain === chain);
        t.rules.splice(first < 0 ? t.rules.length : first, 0, {
          chain,
          spec: rest.slice(1).join(' '),
        });
      }
    } else {
      throw new Error(`unknown line ${line}`);
    }
  }
  // Rules grouped by chain, in chain order, as iptables-save prints them.
  for (const t of out.values()) {
    t.rules = t.chains.flatMap((c) => t.rules.filter((r) => r.chain === c));
  }
  return out;
}

/** Prints tables back in iptables-save form. */
export function formatSaved(tables: Map<string, SavedTable>, only?: string): string {
  const out: string[] = [];
  for (const [name, t] of tables) {
    if (only !== undefined && name !== only) continue;
    out.push(`*${name}`);
    for (const c of t.chains) out.push(`:${c} ${BUILTIN.includes(c) ? 'ACCEPT' : '-'} [0:0]`);
    for (const r of t.rules) out.push(r.spec === '' ? `-A ${r.chain}` : `-A ${r.chain} ${r.spec}`);
    out.push('COMMIT');
  }
  return `${out.join('\n')}\n`;
}
