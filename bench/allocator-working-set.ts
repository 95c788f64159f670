import { churnFor, median } from './allocator.ts';

/**
 * Where the allocator's extra cost at 65,536 addresses goes: the same pool, the same code, churned
 * with victims drawn only from its first N live pods. With few victims the churn's rows, buckets
 * and CIDR records stay in cache; with all of them they do not. If the cost at small N equals the
 * 16-address pool's, the difference at full N is cache misses, not work that grows with the pool.
 * Values of N take turns round by round, so that the VM's drift moves them alike.
 */

const SIZE = 65_536;
const VICTIMS = [14, 1_024, 4_096, 16_384];
const ROUNDS = 21;
const CYCLES_PER_ROUND = 6_000;
/** Untimed cycles before each round: bring the round's working set back into cache. */
const REWARM_CYCLES = 3_000;

export interface WorkingSetRow {
  victims: number;
  nsPerCycle: number;
}

export async function run(): Promise<{ size: number; rows: WorkingSetRow[] }> {
  const churn = churnFor('vpc-ipamd', SIZE);
  const victims = [...VICTIMS, churn.livePods];
  churn.cycles(100_000); // warm the JIT
  const samples = new Map<number, number[]>(victims.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of r % 2 === 0 ? victims : [...victims].reverse()) {
      churn.victims = n;
      churn.cycles(REWARM_CYCLES);
      const start = process.hrtime.bigint();
      churn.cycles(CYCLES_PER_ROUND);
      samples.get(n)!.push(Number(process.hrtime.bigint() - start) / CYCLES_PER_ROUND);
    }
  }
  const rows = victims.map((n) => ({
    victims: n,
    nsPerCycle: Math.round(median(samples.get(n)!)),
  }));
  const lines = [
    `allocator working set: ${SIZE} addresses, victims drawn from the first N live pods; ns per cycle (DEL + ADD), median of ${ROUNDS} rounds`,
    ...rows.map((r) => `${String(r.victims).padStart(7)}  ${String(r.nsPerCycle).padStart(7)} ns`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return { size: SIZE, rows };
}
