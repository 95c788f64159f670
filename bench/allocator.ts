import { execFileSync } from 'node:child_process';
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
const ROUNDS = 5;

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
  ratios: { oursLargestOverSmallest: number; speedupAt11760: number };
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
 * The pod with id `id`, built fresh as the gRPC decoder builds each request: new flat strings
 * decoded from bytes (protobufjs slices a Buffer), a 64-hex-digit container ID as containerd
 * makes. Building them is part of every measured operation, the same for both allocators.
 */
class PodFactory {
  private readonly bytes = Buffer.from(
    '3f6b0c2d9e8a7154b6c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1',
    'latin1',
  );

  pod(id: number): Pod {
    const bytes = this.bytes;
    let mixed = Math.imul(id ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
    for (let i = 0; i < 8; i++) {
      bytes[i] = HEX.charCodeAt(mixed & 15);
      bytes[56 + i] = HEX.charCodeAt((id >>> (28 - i * 4)) & 15);
      mixed >>>= 4;
    }
    return {
      key: { networkName: 'aws-cni', containerID: bytes.toString('latin1', 0, 64), ifName: 'eth0' },
      metadata: { k8sPodNamespace: 'default', k8sPodName: `pod-${id}`, interfacesCount: 1 },
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
class Churn {
  private seed = 0x9e3779b9;
  private nextId: number;
  private readonly factory = new PodFactory();

  constructor(
    private readonly alloc: Allocator,
    private readonly live: Int32Array,
  ) {
    this.nextId = live.length;
  }

  cycles(n: number): void {
    const { alloc, live, factory } = this;
    let seed = this.seed;
    for (let i = 0; i < n; i++) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      const v = (seed >>> 0) % live.length;
      alloc.unassign(factory.pod(live[v]!).key);
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

/** Median ns per cycle over ROUNDS time-boxed rounds, after a warm-up. */
function measure(churn: Churn, warmMs: number, roundMs: number): number {
  let start = process.hrtime.bigint();
  let done = 0;
  let batch = 1;
  while (elapsedNs(start) < warmMs * 1e6) {
    churn.cycles(batch);
    done += batch;
    batch = Math.min(batch * 2, 4096);
  }
  const perCycle = elapsedNs(start) / done;
  batch = Math.max(1, Math.floor((roundMs * 1e6) / perCycle / 50));
  const results: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    start = process.hrtime.bigint();
    done = 0;
    while (elapsedNs(start) < roundMs * 1e6) {
      churn.cycles(batch);
      done += batch;
    }
    results.push(elapsedNs(start) / done);
  }
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)]!;
}

function row(impl: AllocatorRow['impl'], size: number, nsPerCycle: number): AllocatorRow {
  const nsPerOp = nsPerCycle / 2;
  return {
    impl,
    size,
    nsPerOp: Math.round(nsPerOp * 10) / 10,
    opsPerSec: Math.round(1e9 / nsPerOp),
  };
}

/** One measurement in this process: the harness alone, then the allocator, in ns per cycle. */
function measureHere(impl: AllocatorRow['impl'], size: number): { harness: number; alloc: number } {
  const pool = POOLS.find((p) => p.size === size);
  if (!pool) throw new Error(`no pool of ${size} addresses`);
  const liveCount = Math.floor(pool.size * FILL);
  const idle = new Churn(
    { assign() {}, unassign() {} },
    Int32Array.from({ length: liveCount }, (_, i) => i),
  );
  const harness = measure(idle, 100, 100);
  const factory = new PodFactory();
  const live = Int32Array.from({ length: liveCount }, (_, i) => i);
  const initial = Array.from(live, (id) => factory.pod(id));
  const alloc = impl === 'vpc-ipamd' ? buildOurs(pool, initial) : buildBaseline(pool, initial);
  const churn = new Churn(alloc, live);
  return {
    harness,
    alloc: impl === 'vpc-ipamd' ? measure(churn, 300, 400) : measure(churn, 150, 250),
  };
}

/**
 * Runs one measurement in a fresh Node process with a clean environment, so that no measurement
 * inherits another's heap (the baseline leaves large maps behind) or JIT state.
 */
function measureIsolated(
  impl: AllocatorRow['impl'],
  size: number,
): { harness: number; alloc: number } {
  const self = fileURLToPath(import.meta.url);
  const runner = fileURLToPath(new URL('../bin/run-ts.js', import.meta.url));
  const out = execFileSync(process.execPath, [runner, self, MEASURE_FLAG, impl, String(size)], {
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { harness: number; alloc: number };
}

export async function run(): Promise<AllocatorResults> {
  const rows: AllocatorRow[] = [];
  const harnessNsPerOp: Record<string, number> = {};
  for (const pool of POOLS) {
    for (const impl of ['vpc-ipamd', 'baseline'] as const) {
      const { harness, alloc } = measureIsolated(impl, pool.size);
      rows.push(row(impl, pool.size, alloc));
      if (impl === 'vpc-ipamd') harnessNsPerOp[String(pool.size)] = Math.round(harness / 2);
    }
  }

  const ours = (size: number) => rows.find((r) => r.impl === 'vpc-ipamd' && r.size === size)!;
  const base = (size: number) => rows.find((r) => r.impl === 'baseline' && r.size === size)!;
  const oursLargestOverSmallest = ours(65_536).nsPerOp / ours(16).nsPerOp;
  const speedupAt11760 = base(11_760).nsPerOp / ours(11_760).nsPerOp;
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
    'each (impl, size) measured in its own fresh process; median of 5 time-boxed rounds after warm-up',
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
    `vpc-ipamd cost at 65,536 / cost at 16: ${oursLargestOverSmallest.toFixed(2)}x (target <= 1.3x)`,
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
      speedupAt11760: Math.round(speedupAt11760 * 10) / 10,
    },
    targets,
  };
}

const MEASURE_FLAG = '--measure-one';
const flagAt = process.argv.indexOf(MEASURE_FLAG);
if (flagAt >= 0) {
  const impl = process.argv[flagAt + 1] as AllocatorRow['impl'];
  const size = Number(process.argv[flagAt + 2]);
  process.stdout.write(`${JSON.stringify(measureHere(impl, size))}\n`);
}
