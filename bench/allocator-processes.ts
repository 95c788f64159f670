import { median, RoundServer } from './allocator.ts';

/**
 * Why the allocator benchmark runs each size in several processes (its FORKS): identical
 * processes serving the same code and pool of 65,536 addresses take rounds in turn, and each
 * one's speed is compared with the others' in the same sweep. A process that keeps a speed of its
 * own for its whole life shows as a median away from 1; with one process per size, a run's
 * scaling ratio would carry that process's luck.
 */

const SIZE = 65_536;
const PROCESSES = 4;
const SWEEPS = 31;

export interface ProcessRow {
  process: number;
  nsPerCycle: number;
  /** Median over sweeps of this process's round over the sweep's median round. */
  relativeToSweep: number;
}

export async function run(): Promise<{ size: number; rows: ProcessRow[] }> {
  const servers: RoundServer[] = [];
  const rounds: number[][] = [];
  try {
    for (let p = 0; p < PROCESSES; p++) {
      const server = new RoundServer('vpc-ipamd', SIZE);
      servers.push(server);
      rounds.push([]);
      await server.ready();
    }
    for (let sweep = 0; sweep < SWEEPS; sweep++) {
      const order = servers.map((_, p) => (sweep % 2 === 0 ? p : PROCESSES - 1 - p));
      for (const p of order) rounds[p]!.push(await servers[p]!.round());
    }
  } finally {
    for (const server of servers) server.close();
  }
  const sweepMedians = Array.from({ length: SWEEPS }, (_, s) => median(rounds.map((r) => r[s]!)));
  const rows = rounds.map((r, p) => ({
    process: p,
    nsPerCycle: Math.round(median(r)),
    relativeToSweep: Math.round(median(r.map((ns, s) => ns / sweepMedians[s]!)) * 1000) / 1000,
  }));
  const lines = [
    `${PROCESSES} identical processes, ${SIZE} addresses, ${SWEEPS} rounds each in turn:`,
    ...rows.map(
      (row) =>
        `  process ${row.process}: ${row.nsPerCycle} ns/cycle, ${row.relativeToSweep.toFixed(3)} of the sweep's median`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return { size: SIZE, rows };
}
