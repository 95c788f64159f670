import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../src/ipam/clock.ts';
import { Datastore } from '../src/ipam/datastore.ts';
import type { IpamKey, IpamMetadata } from '../src/ipam/ipam-key.ts';
import { ReferenceStyleAllocator } from './baselines/reference-allocator.ts';

/**
 * Allocator benchmark: cost of assign + unassign as the pool grows, our datastore next to an
 * allocator that works the way the reference's does (bench/baselines/reference-allocator.ts).
 *
 * Scenario (steady state, pool mostly full): /28 prefixes (prefix delegation), 90 % of the
 * addresses assigned, IP_COOLDOWN_PERIOD = 0 so a freed address can be handed out again at once;
 * one cycle = unassign a random live pod (DEL) + assign a new pod (ADD), each request's key built
 * fresh as the gRPC decoder builds it. Allocator only: no checkpoint write, no RPC transport.
 * ns/op is per single assign or unassign (half a cycle).
 */

export const SCENARIO =
  'steady state: /28 prefixes, 90% of addresses assigned, cooldown 0; one cycle = unassign a random live pod + assign a new pod, keys built fresh per request as the gRPC decoder does; allocator only (no checkpoint write, no RPC transport); ns/op = per assign or unassign';

const POOLS = [
  { size: 16, enis: 1, prefixesPerEni: 1, note: '1 ENI x 1 prefix' },
  { size: 256, enis: 1, prefixesPerEni: 16, note: '1 ENI x 16 prefixes' },
  { size: 4_096, enis: 8, prefixesPerEni: 32, note: '8 ENIs x 32 prefixes' },
  { size: 11_760, enis: 15, prefixesPerEni: 49, note: 'p3dn.24xlarge: 15 ENIs x 49 prefixes' },
  { size: 65_536, enis: 64, prefixesPerEni: 64, note: '64 ENIs x 64 prefixes' },
] as const;

const FILL = 0.9;
export interface AllocatorRow {
  impl: 'vpc-ipamd' | 'baseline';
  size: number;
  nsPerOp: number;
  opsPerSec: number;
}

export interface AllocatorResults {
  scenario: string;
  rows: AllocatorRow[];
  /** ns per operation spent building the request (keys and metadata) and picking victims, per pool size: part of every row. */
  harnessNsPerOp: Record<string, number>;
  ratios: {
    /** Median over the round pairs of (cost at 65,536 / cost at 16), the two rounds one after the other. */
    oursLargestOverSmallest: number;
    /** Each pair's ratio, process by process (FORKS of them), sweep by sweep: how far the drift moved it. */
    oursLargestOverSmallestByPair: number[];
    /** From the rows, with the request building subtracted from both sizes: the datastore's own cost. */
    oursLargestOverSmallestWithoutRequests: number;
    speedupAt11760: number;
  };
  targets: { oursLargestOverSmallestMax: number; speedupAt11760Min: number; met: boolean };
}

interface Allocator {
  assign(key: IpamKey, metadata: IpamMetadata): void;
  unassign(key: IpamKey): void;
}

interface Pod {
  key: IpamKey;
  metadata: IpamMetadata;
}

const BASE_NETWORK = 10 << 24;
const HEX = '0123456789abcdef';

/**
 * Requests for the pod with id `id`, built fresh as the gRPC decoder builds each request: new
 * flat strings decoded from bytes (protobufjs slices a Buffer), a 64-hex-digit container ID as
 * containerd makes. Building them is part of every measured operation, the same for both
 * allocators and the same at every pool size: every string comes from bytes, since V8's
 * number-to-string cache would make a name like `pod-${id}` cheaper for the young pods a small
 * pool churns than for the old ones a large pool releases.
 */
class PodFactory {
  private readonly idBytes = Buffer.from(
    '3f6b0c2d9e8a7154b6c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1',
    'latin1',
  );
  private readonly nameBytes = Buffer.from('pod-00000000', 'latin1');

  /** The IPAM key a DEL for the pod carries. */
  key(id: number): IpamKey {
    const bytes = this.idBytes;
    let mixed = Math.imul(id ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
    for (let i = 0; i < 8; i++) {
      bytes[i] = HEX.charCodeAt(mixed & 15);
      bytes[56 + i] = HEX.charCodeAt((id >>> (28 - i * 4)) & 15);
      mixed >>>= 4;
    }
    return { networkName: 'aws-cni', containerID: bytes.toString('latin1', 0, 64), ifName: 'eth0' };
  }

  /** The key and pod fields an ADD for the pod carries. */
  pod(id: number): Pod {
    const name = this.nameBytes;
    for (let i = 0; i < 8; i++) name[4 + i] = HEX.charCodeAt((id >>> (28 - i * 4)) & 15);
    return {
      key: this.key(id),
      metadata: {
        k8sPodNamespace: 'default',
        k8sPodName: name.toString('latin1', 0, 12),
        interfacesCount: 1,
      },
    };
  }
}

function buildOurs(pool: (typeof POOLS)[number], live: readonly Pod[]): Allocator {
  const ds = new Datastore({ clock: new ManualClock(), cooldownMs: 0, prefixDelegation: true });
  let prefix = 0;
  for (let e = 0; e < pool.enis; e++) {
    ds.addEni({ id: `eni-${e}`, deviceNumber: e, isPrimary: e === 0 });
    for (let p = 0; p < pool.prefixesPerEni; p++) {
      const network = (BASE_NETWORK + prefix++ * 16) >>> 0;
      ds.addCidr(
        `eni-${e}`,
        `${network >>> 24}.${(network >>> 16) & 255}.${(network >>> 8) & 255}.${network & 255}/28`,
        true,
      );
    }
  }
  for (const pod of live) ds.assign(pod.key, pod.metadata);
  if (ds.stats().assignedIPs !== live.length) throw new Error('bench set-up: fill failed');
  return ds;
}

function buildBaseline(pool: (typeof POOLS)[number], live: readonly Pod[]): Allocator {
  const clock = new ManualClock();
  const alloc = new ReferenceStyleAllocator(() => clock.now(), 0, true);
  let prefix = 0;
  for (let e = 0; e < pool.enis; e++) {
    alloc.addEni(`eni-${e}`, e);
    for (let p = 0; p < pool.prefixesPerEni; p++) {
      alloc.addCidr(`eni-${e}`, (BASE_NETWORK + prefix++ * 16) >>> 0, 28, true);
    }
  }
  alloc.preload(live);
  return alloc;
}

/**
 * Runs churn cycles: a random live pod leaves (its DEL carries its key, built fresh) and a new pod
 * arrives. The victims come from a fixed-seed xorshift so both allocators see the same load.
 */
export class Churn {
  private seed = 0x9e3779b9;
  private nextId: number;
  private readonly factory = new PodFactory();
  /**
   * Victims are drawn from the first this many live pods (all by default): a smaller number keeps
   * the churn's data in cache on a large pool (bench/allocator-working-set.ts).
   */
  victims: number;

  constructor(
    private readonly alloc: Allocator,
    private readonly live: Int32Array,
  ) {
    this.nextId = live.length;
    this.victims = live.length;
  }

  get livePods(): number {
    return this.live.length;
  }

  cycles(n: number): void {
    const { alloc, live, factory, victims } = this;
    let seed = this.seed;
    for (let i = 0; i < n; i++) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      const v = (seed >>> 0) % victims;
      alloc.unassign(factory.key(live[v]!));
      const id = this.nextId++;
      const next = factory.pod(id);
      alloc.assign(next.key, next.metadata);
      live[v] = id;
    }
    this.seed = seed;
  }
}

function elapsedNs(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

/** A churn being measured: its batch size (cycles between clock reads) and its rounds' results. */
interface Series {
  readonly churn: Churn;
  batch: number;
  readonly nsPerCycle: number[];
}

/** Runs a churn for `ms` and sizes its batches so that a round reads the clock ~50 times. */
function warmUp(churn: Churn, ms: number, roundMs: number): Series {
  const start = process.hrtime.bigint();
  let done = 0;
  let batch = 1;
  while (elapsedNs(start) < ms * 1e6) {
    churn.cycles(batch);
    done += batch;
    batch = Math.min(batch * 2, 4096);
  }
  const perCycle = elapsedNs(start) / done;
  return { churn, batch: Math.max(1, Math.floor((roundMs * 1e6) / perCycle / 50)), nsPerCycle: [] };
}

/** One timed round: ns per cycle over `ms`, after `rewarmMs` untimed to bring its data back into cache. */
function round(series: Series, ms: number, rewarmMs: number): void {
  const { churn, batch } = series;
  let start = process.hrtime.bigint();
  while (elapsedNs(start) < rewarmMs * 1e6) churn.cycles(batch);
  start = process.hrtime.bigint();
  let done = 0;
  while (elapsedNs(start) < ms * 1e6) {
    churn.cycles(batch);
    done += batch;
  }
  series.nsPerCycle.push(elapsedNs(start) / done);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Minimum, quartiles and maximum, as text. */
function quartiles(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.round(q * (sorted.length - 1))]!.toFixed(2);
  return [0, 0.25, 0.5, 0.75, 1].map(at).join(' / ');
}

/** Measures churns round-robin in this process and returns each one's median ns per cycle. */
function measureInterleaved(churns: readonly Churn[], timing: Timing): number[] {
  const series = churns.map((churn) => warmUp(churn, timing.warmMs, timing.roundMs));
  for (let r = 0; r < timing.rounds; r++) {
    for (const s of series) round(s, timing.roundMs, timing.rewarmMs);
  }
  return series.map((s) => median(s.nsPerCycle));
}

interface Timing {
  warmMs: number;
  roundMs: number;
  rewarmMs: number;
  rounds: number;
}

const OURS_TIMING: Timing = { warmMs: 300, roundMs: 150, rewarmMs: 20, rounds: 21 };
/**
 * Our allocator: every size in FORKS processes of its own (each with its own heap and JIT state),
 * all alive at once and idle but the one measuring; a sweep goes round the processes, fork by
 * fork and within a fork through the sizes in SWEEP_ORDER, forwards then backwards, one round at
 * a time. The speed of the VM these numbers were taken on drifted by up to ±40 % within seconds
 * to minutes: a size's figure is the median of its rounds, and the scaling target's ratio is the
 * median of the ratios of two rounds taken one after the other by the same fork (16 and 65,536
 * are neighbours in SWEEP_ORDER, so in every sweep).
 */
const SWEEP_ORDER = [16, 65_536, 256, 4_096, 11_760];
/**
 * Processes per size. In ten runs of two processes serving the same code and pool of 65,536
 * addresses, taking 31 rounds in turn, six pairs agreed within 3 %, but three differed by 9–13 %
 * and one by 26 % (median of the round-by-round ratios). With one process per size, a run's
 * ratio carried that one process's luck. Like a benchmark harness's forks, several processes per
 * size spread it. `npm run bench allocator-processes` shows the spread.
 */
const FORKS = 3;
const BASELINE_TIMING: Timing = { warmMs: 150, roundMs: 250, rewarmMs: 0, rounds: 5 };

function row(impl: AllocatorRow['impl'], size: number, nsPerCycle: number): AllocatorRow {
  const nsPerOp = nsPerCycle / 2;
  return {
    impl,
    size,
    nsPerOp: Math.round(nsPerOp * 10) / 10,
    opsPerSec: Math.round(1e9 / nsPerOp),
  };
}

/** One object for every harness-only churn, so that the churn loop's calls stay monomorphic. */
const NO_ALLOCATOR: Allocator = { assign() {}, unassign() {} };

/** A churn of `impl` on the pool of `size` addresses, filled to FILL; or of the harness alone. */
export function churnFor(impl: Impl, size: number): Churn {
  const pool = POOLS.find((p) => p.size === size);
  if (!pool) throw new Error(`no pool of ${size} addresses`);
  const live = Int32Array.from({ length: Math.floor(pool.size * FILL) }, (_, i) => i);
  if (impl === 'harness') return new Churn(NO_ALLOCATOR, live);
  const factory = new PodFactory();
  const initial = Array.from(live, (id) => factory.pod(id));
  const alloc = impl === 'vpc-ipamd' ? buildOurs(pool, initial) : buildBaseline(pool, initial);
  return new Churn(alloc, live);
}

/** What one process measures: an allocator, or the harness alone (request building and victim choice). */
export type Impl = AllocatorRow['impl'] | 'harness';

/**
 * In this process, ns per cycle by pool size (sizes interleaved when several). One kind of churn
 * per process, so that the JIT sees one allocator class.
 */
function measureHere(impl: Impl, sizes: readonly number[]): Record<string, number> {
  const results = measureInterleaved(
    sizes.map((size) => churnFor(impl, size)),
    impl === 'baseline' ? BASELINE_TIMING : OURS_TIMING,
  );
  return Object.fromEntries(sizes.map((size, i) => [String(size), results[i]!]));
}

/** A measuring process's arguments: this file run as TypeScript, in the given mode. */
function childArgs(flag: string, impl: Impl, sizes: string): string[] {
  const runner = fileURLToPath(new URL('../bin/run-ts.js', import.meta.url));
  return [runner, fileURLToPath(import.meta.url), flag, impl, sizes];
}

/** A clean environment: shells may set variables (NODE_EXTRA_CA_CERTS) that slow Node down. */
const CHILD_ENV = { PATH: process.env.PATH ?? '' };

/**
 * Runs a measurement in a fresh Node process with a clean environment, so that no measurement
 * inherits another's heap (the baseline leaves large maps behind) or JIT state.
 */
function measureIsolated(impl: Impl, sizes: readonly number[]): Record<string, number> {
  const out = execFileSync(process.execPath, childArgs(MEASURE_FLAG, impl, sizes.join(',')), {
    env: CHILD_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
}

/**
 * One size measured by a process of its own that stays alive and idle between rounds: it builds
 * and warms up its churn when started, then runs one round per request line on its stdin and
 * answers with that round's ns per cycle.
 */
export class RoundServer {
  private readonly child: ChildProcess;
  private readonly replies: AsyncIterator<string>;

  /** `args`: the Node arguments of the serving process (tests give a stand-in). */
  constructor(impl: Impl, size: number, args = childArgs(SERVE_FLAG, impl, String(size))) {
    this.child = spawn(process.execPath, args, {
      env: CHILD_ENV,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.replies = createInterface({ input: this.child.stdout! })[Symbol.asyncIterator]();
  }

  /** The next line the process writes: `ready` once warm, then one figure per round. */
  private async reply(): Promise<string> {
    const next = await this.replies.next();
    if (next.done) throw new Error('bench: a measuring process exited early');
    return next.value;
  }

  async ready(): Promise<void> {
    const line = await this.reply();
    if (line !== 'ready') throw new Error(`bench: expected ready, got ${line}`);
  }

  async round(): Promise<number> {
    this.child.stdin!.write('round\n');
    const line = await this.reply();
    const nsPerCycle = Number(line);
    if (!Number.isFinite(nsPerCycle) || nsPerCycle <= 0) {
      throw new Error(`bench: expected ns per cycle, got ${line}`);
    }
    return nsPerCycle;
  }

  close(): void {
    this.child.stdin!.end();
  }
}

/**
 * ns per cycle of each round, by size, then by fork: `forks` RoundServers per size, started one
 * after another (so no two build or warm up at once), then `rounds` sweeps over every fork's
 * sizes in `order`, forwards and backwards in turn, one round at a time.
 */
async function measureAlternating(
  impl: Impl,
  order: readonly number[],
  forks: number,
  rounds: number,
): Promise<Record<string, number[][]>> {
  const turns: { size: number; fork: number; server: RoundServer }[] = [];
  try {
    for (let fork = 0; fork < forks; fork++) {
      for (const size of order) {
        const server = new RoundServer(impl, size);
        turns.push({ size, fork, server });
        await server.ready();
      }
    }
    const results: Record<string, number[][]> = Object.fromEntries(
      order.map((size) => [String(size), Array.from({ length: forks }, () => [])]),
    );
    for (let r = 0; r < rounds; r++) {
      for (const { size, fork } of sweepTurns(order, forks, r)) {
        const { server } = turns.find((t) => t.size === size && t.fork === fork)!;
        results[String(size)]![fork]!.push(await server.round());
      }
    }
    return results;
  } finally {
    for (const { server } of turns) server.close();
  }
}

/**
 * Sweep `round`'s turns: fork by fork, each fork's sizes in `order`; every other sweep backwards.
 * Sizes next to each other in `order` measure one after the other in every sweep, fork by fork.
 */
export function sweepTurns(
  order: readonly number[],
  forks: number,
  round: number,
): { size: number; fork: number }[] {
  const turns = Array.from({ length: forks }, (_, fork) => order.map((size) => ({ size, fork })));
  const forwards = turns.flat();
  return round % 2 === 0 ? forwards : forwards.reverse();
}

/**
 * The scaling ratios: for each fork and round, the large size's figure over the small size's,
 * taken in the same sweep (fork-major order).
 */
export function pairRatios(large: readonly number[][], small: readonly number[][]): number[] {
  return large.flatMap((forkRounds, fork) => forkRounds.map((ns, r) => ns / small[fork]![r]!));
}

/** The serving side of RoundServer, in the measuring process. */
async function serveRounds(impl: Impl, size: number): Promise<void> {
  const timing = impl === 'baseline' ? BASELINE_TIMING : OURS_TIMING;
  const series = warmUp(churnFor(impl, size), timing.warmMs, timing.roundMs);
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line !== 'round') throw new Error(`bench: unknown request ${line}`);
    round(series, timing.roundMs, timing.rewarmMs);
    process.stdout.write(`${series.nsPerCycle[series.nsPerCycle.length - 1]}\n`);
  }
}

export async function run(): Promise<AllocatorResults> {
  const sizes = POOLS.map((p) => p.size);
  const roundsBySize = await measureAlternating(
    'vpc-ipamd',
    SWEEP_ORDER,
    FORKS,
    OURS_TIMING.rounds,
  );
  const harness = measureIsolated('harness', sizes);
  const rows: AllocatorRow[] = [];
  const harnessNsPerOp: Record<string, number> = {};
  for (const size of sizes) {
    const key = String(size);
    rows.push(row('vpc-ipamd', size, median(roundsBySize[key]!.flat())));
    rows.push(row('baseline', size, measureIsolated('baseline', [size])[key]!));
    harnessNsPerOp[key] = Math.round(harness[key]! / 2);
  }

  const oursAt = (size: number) => rows.find((r) => r.impl === 'vpc-ipamd' && r.size === size)!;
  const baseAt = (size: number) => rows.find((r) => r.impl === 'baseline' && r.size === size)!;
  const byPair = pairRatios(roundsBySize['65536']!, roundsBySize['16']!);
  const oursLargestOverSmallest = median(byPair);
  const withoutRequests =
    (oursAt(65_536).nsPerOp - harnessNsPerOp['65536']!) /
    (oursAt(16).nsPerOp - harnessNsPerOp['16']!);
  const speedupAt11760 = baseAt(11_760).nsPerOp / oursAt(11_760).nsPerOp;
  const targets = {
    oursLargestOverSmallestMax: 1.3,
    speedupAt11760Min: 50,
    met: oursLargestOverSmallest <= 1.3 && speedupAt11760 >= 50,
  };

  const note = (size: number) => POOLS.find((p) => p.size === size)!.note;
  const header = [
    'impl'.padEnd(10),
    'addresses'.padStart(9),
    ' pool'.padEnd(39),
    'ns/op'.padStart(12),
    'ops/s'.padStart(13),
    'cycles/s'.padStart(12),
    '  of which request building',
  ].join(' ');
  const lines = [
    `allocator: ${SCENARIO}`,
    `each (impl, size) in processes of its own; vpc-ipamd: ${FORKS} processes per size, median of their ${OURS_TIMING.rounds} rounds each of ${OURS_TIMING.roundMs} ms, all processes taking turns round by round; baseline: one process per size, median of ${BASELINE_TIMING.rounds} rounds of ${BASELINE_TIMING.roundMs} ms`,
    '',
    header,
    ...rows.map((r) =>
      [
        r.impl.padEnd(10),
        String(r.size).padStart(9),
        ` ${note(r.size)}`.padEnd(39),
        r.nsPerOp.toFixed(1).padStart(12),
        r.opsPerSec.toLocaleString('en-US').padStart(13),
        Math.round(r.opsPerSec / 2)
          .toLocaleString('en-US')
          .padStart(12),
        `  ${harnessNsPerOp[String(r.size)]} ns/op`,
      ].join(' '),
    ),
    '',
    `vpc-ipamd cost at 65,536 / cost at 16: ${oursLargestOverSmallest.toFixed(2)}x, median of ${byPair.length} pairs of rounds (${FORKS} processes x ${OURS_TIMING.rounds} sweeps; quartiles ${quartiles(byPair)}; target <= 1.3x); from the rows without request building: ${withoutRequests.toFixed(2)}x`,
    `speed-up over the baseline at 11,760:  ${speedupAt11760.toFixed(0)}x (target >= 50x)`,
    `targets ${targets.met ? 'met' : 'NOT met'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return {
    scenario: SCENARIO,
    rows,
    harnessNsPerOp,
    ratios: {
      oursLargestOverSmallest: Math.round(oursLargestOverSmallest * 1000) / 1000,
      oursLargestOverSmallestByPair: byPair.map((r) => Math.round(r * 1000) / 1000),
      oursLargestOverSmallestWithoutRequests: Math.round(withoutRequests * 1000) / 1000,
      speedupAt11760: Math.round(speedupAt11760 * 10) / 10,
    },
    targets,
  };
}

const MEASURE_FLAG = '--measure';
const SERVE_FLAG = '--serve';
const serveAt = process.argv.indexOf(SERVE_FLAG);
if (serveAt >= 0) {
  await serveRounds(process.argv[serveAt + 1] as Impl, Number(process.argv[serveAt + 2]));
}
const flagAt = process.argv.indexOf(MEASURE_FLAG);
if (flagAt >= 0) {
  const impl = process.argv[flagAt + 1] as Impl;
  const sizes = (process.argv[flagAt + 2] ?? '').split(',').map(Number);
  process.stdout.write(`${JSON.stringify(measureHere(impl, sizes))}\n`);
}
