import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { bundleAll } from '../scripts/bundle.ts';
import { lookupInstanceType, maxPodsFor } from '../src/ipam/instance-limits.ts';
import { startSimulatedRegion } from '../src/sim/index.ts';
import { daemonEnvironment } from '../src/tools/demo/daemon-env.ts';
import { DaemonProcess } from '../src/tools/demo/daemon-process.ts';
import { addRequest, PodFactory } from '../src/tools/demo/pod-identity.ts';
import { median } from './allocator.ts';

/**
 * What the production build costs and saves, each next to a bare Node process in the same run:
 * - CPU (user + system) to run `vpc-ipamd --help` from the bundle, through the launcher in a
 *   checkout (its staleness check), and from the sources through tsx (how every start ran before
 *   the build), each paired with `node -e 0` in the same round; a clean environment (PATH only).
 * - The daemon's resident memory (VmRSS) on a simulated p3dn.24xlarge with prefix delegation,
 *   right after node init and with every pod address handed out (max pods less the two
 *   host-network pods), from the bundle and from the sources, next to an idle
 *   `node -e "setInterval(()=>{},1e3)"`.
 */

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO, 'bin/vpc-ipamd.js');
const CPU_REPORT = fileURLToPath(new URL('./cpu-report.cjs', import.meta.url));
const ROUNDS = 25;
const INSTANCE_TYPE = 'p3dn.24xlarge';
/** kube-proxy and aws-node itself run in the host network and take no pod address. */
const HOST_NETWORK_PODS = 2;
const ADDS_IN_FLIGHT = 16;

const cleanEnv = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? '',
  ...extra,
});

interface Variant {
  readonly name: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
}

const BARE: Variant = { name: 'node -e 0', args: ['-e', '0'], env: cleanEnv() };
const HELP_VARIANTS: readonly Variant[] = [
  {
    name: 'built (dist/)',
    args: [BIN, '--help'],
    env: cleanEnv({ VPC_IPAMD_RUN_FROM: 'dist' }),
  },
  { name: 'built, launcher in a checkout', args: [BIN, '--help'], env: cleanEnv() },
  {
    name: 'sources through tsx',
    args: [BIN, '--help'],
    env: cleanEnv({ VPC_IPAMD_RUN_FROM: 'sources' }),
  },
];

/** Runs `node -r cpu-report.cjs …args` and resolves with the CPU ms the process reported. */
function cpuMs(variant: Variant): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', CPU_REPORT, ...variant.args], {
      env: variant.env,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let report = '';
    let stderr = '';
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      report += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const micros = Number(report.trim());
      if (code !== 0 || report.trim() === '' || !Number.isFinite(micros)) {
        reject(new Error(`${variant.name} exited ${code}: ${stderr.trim()}`));
      } else resolve(micros / 1000);
    });
  });
}

interface CpuResult {
  readonly name: string;
  readonly medianMs: number;
  readonly bareMedianMs: number;
  /** Median over rounds of (this variant ÷ the bare run of the same round). */
  readonly ratio: number;
}

/** Each round runs every variant right after its own bare run, the order rotated per round. */
async function helpCpu(): Promise<CpuResult[]> {
  const own = HELP_VARIANTS.map(() => [] as number[]);
  const bare = HELP_VARIANTS.map(() => [] as number[]);
  for (const variant of [BARE, ...HELP_VARIANTS]) await cpuMs(variant); // warm the page cache
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < HELP_VARIANTS.length; k++) {
      const i = (round + k) % HELP_VARIANTS.length;
      bare[i]!.push(await cpuMs(BARE));
      own[i]!.push(await cpuMs(HELP_VARIANTS[i]!));
    }
  }
  return HELP_VARIANTS.map((variant, i) => ({
    name: variant.name,
    medianMs: median(own[i]!),
    bareMedianMs: median(bare[i]!),
    ratio: median(own[i]!.map((ms, round) => ms / bare[i]![round]!)),
  }));
}

async function vmRssKb(pid: number, field = 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/** An idle bare Node process, one second after it started. */
async function bareIdleRssKb(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(()=>{},1e3)'], {
    env: cleanEnv(),
    stdio: 'ignore',
  });
  try {
    await sleep(1_000);
    if (child.pid === undefined) throw new Error('the bare node process did not start');
    return await vmRssKb(child.pid);
  } finally {
    child.kill('SIGKILL');
  }
}

interface DaemonMemory {
  readonly from: 'dist' | 'sources';
  readonly afterInitKb: number;
  readonly atMaxPodsKb: number;
  readonly peakKb: number;
  readonly pods: number;
  readonly failedAdds: number;
}

/** The daemon against a simulated p3dn.24xlarge with prefixes: memory at init and at max pods. */
async function daemonMemory(from: 'dist' | 'sources', pods: number): Promise<DaemonMemory> {
  const region = await startSimulatedRegion({ latency: 'none' });
  const dir = await mkdtemp(join(tmpdir(), 'vpc-ipamd-footprint-'));
  let daemon: DaemonProcess | undefined;
  try {
    const instance = await region.launchInstance({ instanceType: INSTANCE_TYPE });
    const paths = {
      socket: join(dir, 'ipamd.sock'),
      checkpoint: join(dir, 'ipam.json'),
      log: join(dir, 'ipamd.log'),
    };
    const env = daemonEnvironment(
      {
        ec2Endpoint: region.ec2Endpoint,
        imdsEndpoint: instance.imdsEndpoint,
        region: region.region,
      },
      paths,
      {
        ENABLE_PREFIX_DELEGATION: 'true',
        WARM_PREFIX_TARGET: '1',
        DISABLE_LEAKED_ENI_CLEANUP: 'true',
        VPC_IPAMD_RUN_FROM: from,
      },
      process.env.PATH ?? '',
    );
    daemon = DaemonProcess.start(env, paths.socket);
    await daemon.waitUntilServing(paths.log, 60_000);
    const afterInitKb = await vmRssKb(daemon.pid);

    const factory = new PodFactory();
    let added = 0;
    let failedAdds = 0;
    const client = daemon.client;
    const worker = async () => {
      while (added < pods) {
        added++;
        const reply = await client.addNetwork(addRequest(factory.next()), 60_000);
        // An ADD the pool could not serve in time is tried again as a new pod.
        if (!reply.Success) {
          failedAdds++;
          added--;
          if (failedAdds > pods) throw new Error(`ADDs keep failing: ${JSON.stringify(reply)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: ADDS_IN_FLIGHT }, worker));
    return {
      from,
      afterInitKb,
      atMaxPodsKb: await vmRssKb(daemon.pid),
      peakKb: await vmRssKb(daemon.pid, 'VmHWM'),
      pods,
      failedAdds,
    };
  } finally {
    await daemon?.stop();
    await region.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const mb = (kb: number) => (kb / 1024).toFixed(1);

export async function run(): Promise<unknown> {
  await bundleAll(REPO);
  const cpu = await helpCpu();
  process.stdout.write(
    `--help CPU (user + system), ${ROUNDS} rounds, each run paired with node -e 0, env -i PATH:\n`,
  );
  for (const r of cpu) {
    process.stdout.write(
      `  ${r.name.padEnd(30)} ${r.medianMs.toFixed(1).padStart(6)} ms   node -e 0 ${r.bareMedianMs.toFixed(1).padStart(5)} ms   ratio ${r.ratio.toFixed(2)}\n`,
    );
  }

  const info = lookupInstanceType(INSTANCE_TYPE);
  if (!info) throw new Error(`${INSTANCE_TYPE} is not in the instance table`);
  const pods = maxPodsFor(info) - HOST_NETWORK_PODS;
  const bareKb = await bareIdleRssKb();
  const daemons = [await daemonMemory('dist', pods), await daemonMemory('sources', pods)];
  process.stdout.write(
    `\ndaemon VmRSS, ${INSTANCE_TYPE}, prefix delegation, ${pods} pods at max; idle bare node ${mb(bareKb)} MiB:\n`,
  );
  for (const d of daemons) {
    process.stdout.write(
      `  from ${d.from.padEnd(8)} after init ${mb(d.afterInitKb)} MiB (${(d.afterInitKb / bareKb).toFixed(2)}x)   at max pods ${mb(d.atMaxPodsKb)} MiB (${(d.atMaxPodsKb / bareKb).toFixed(2)}x)   peak ${mb(d.peakKb)} MiB   ADDs retried ${d.failedAdds}\n`,
    );
  }
  return {
    rounds: ROUNDS,
    helpCpu: cpu,
    instanceType: INSTANCE_TYPE,
    bareIdleRssKb: bareKb,
    daemons,
  };
}
