/**
 * Memory-latency probe: ns per dependent random read in a typed array of a given size (a pointer
 * chase through a random cycle of 64-byte lines, so each read waits for the one before). It
 * explains the allocator's figures: a DEL at 65,536 addresses reads structures of megabytes, a
 * DEL at 16 reads kilobytes. Nothing of the project is measured here, only the machine.
 */

const SIZES_KIB = [64, 256, 1_024, 4_096, 16_384, 65_536];
const READS = 2_000_000;
const INTS_PER_LINE = 16;

export interface LatencyRow {
  kib: number;
  nsPerRead: number;
}

/** A random cyclic permutation of the array's lines, stored as the next line's first index. */
function chain(kib: number): Int32Array {
  const ints = (kib * 1024) / 4;
  const lines = ints / INTS_PER_LINE;
  const order = Int32Array.from({ length: lines }, (_, i) => i);
  let seed = 0x2545f491;
  for (let i = lines - 1; i > 0; i--) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const j = (seed >>> 0) % (i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const next = new Int32Array(ints);
  for (let i = 0; i < lines; i++) {
    next[order[i]! * INTS_PER_LINE] = order[(i + 1) % lines]! * INTS_PER_LINE;
  }
  return next;
}

function nsPerRead(next: Int32Array): number {
  let at = 0;
  for (let i = 0; i < READS / 10; i++) at = next[at]!; // warm the JIT and the pages
  const start = process.hrtime.bigint();
  for (let i = 0; i < READS; i++) at = next[at]!;
  const ns = Number(process.hrtime.bigint() - start) / READS;
  if (at < 0) throw new Error('unreachable: keeps the chase from being optimised away');
  return ns;
}

export async function run(): Promise<{ rows: LatencyRow[] }> {
  const rows = SIZES_KIB.map((kib) => {
    const next = chain(kib);
    const samples = [nsPerRead(next), nsPerRead(next), nsPerRead(next)].sort((a, b) => a - b);
    return { kib, nsPerRead: Math.round(samples[1]! * 10) / 10 };
  });
  const lines = [
    'memory latency: ns per dependent random read (64-byte lines), median of 3',
    ...rows.map(
      (r) => `${String(r.kib).padStart(7)} KiB  ${r.nsPerRead.toFixed(1).padStart(7)} ns`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return { rows };
}
