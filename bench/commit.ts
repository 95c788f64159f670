import { type ChildProcess, spawn } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { bundleAll } from '../scripts/bundle.ts';
import { IpamdClient } from '../src/rpc/client.ts';
import type { SimulatedRegion } from '../src/sim/api.ts';
import { startSimulatedRegion } from '../src/sim/index.ts';
import { daemonEnvironment } from '../src/tools/demo/daemon-env.ts';
import { findServingLine } from '../src/tools/demo/log-file.ts';
import { addRequest, delRequest, PodFactory } from '../src/tools/demo/pod-identity.ts';
import { median } from './allocator.ts';

/**
 * What a pod start and stop cost the daemon: ADD+DEL round trips over its real gRPC Unix socket,
 * one at a time, against daemons on simulated p3dn.24xlarge nodes with prefix delegation, one
 * holding 0 pods and one holding 700, side by side. Next to them, on the same filesystem:
 * - the same two round trips against a bare grpc-js echo server on a Unix socket;
 * - the filesystem's durable-append floor: one ~230-byte append made durable (write + fdatasync,
 *   and a single O_DSYNC write; the cheaper of the two is the floor).
 * floor = echo pair + 2 × durable append (ADD and DEL each wait for one commit).
 *
 * Every daemon (both pod counts of every build measured), the echo server and the append floor
 * are measured in turn, a block of samples each, round after round (the daemons' order rotated
 * every round), so that drift and whatever else the machine is doing meanwhile hit all of them
 * alike; each figure is the median of its samples. The checkpoints go to the repository's filesystem (bench/results/) and to tmpfs
 * (/dev/shm). `COMMIT_BENCH_BASELINE=<checkout>` adds the daemons of another build (a checkout of
 * another commit with its bundle built: `npm run bundle` there), e.g. the commit before the
 * checkpoint journal.
 *
 * The pools are sized for the 700 pods from the start (MINIMUM_IP_TARGET=800, WARM_IP_TARGET=16)
 * and IP_COOLDOWN_PERIOD=0 (each DEL's address is free again at once): no pool grows or shrinks
 * while it is measured, and the measurement adds no cooling entries to the checkpoint.
 */

const REPO = fileURLToPath(new URL('..', import.meta.url));
const ECHO_SERVER = fileURLToPath(new URL('./grpc-echo-server.mjs', import.meta.url));
const INSTANCE_TYPE = 'p3dn.24xlarge';
const HELD = 700;
const POOL_ADDRESSES = 800;
const ROUNDS = Number(process.env.COMMIT_BENCH_ROUNDS ?? 16);
const BLOCK = 25;
/** Round trips before measuring: a daemon that has run a while (its code optimised by V8). */
const WARM_UP = 500;
const FILL_IN_FLIGHT = 16;
/** About one journal record (an AddNetwork entry), for the append floor. */
const RECORD = Buffer.alloc(230, 'x');

interface Build {
  readonly name: string;
  readonly repo: string;
}

interface Filesystem {
  readonly name: string;
  readonly dir: string;
}

interface Daemon {
  readonly build: string;
  readonly pods: number;
  readonly child: ChildProcess;
  readonly client: IpamdClient;
  readonly checkpoint: string;
  readonly samples: number[];
}

interface BuildResult {
  readonly build: string;
  readonly emptyP50Ms: number;
  readonly fullP50Ms: number;
  readonly fullOverEmpty: number;
  readonly emptyOverFloor: number;
  readonly fullOverFloor: number;
  /** Checkpoint files of the daemon holding 700 pods, after the measurement. */
  readonly snapshotBytes: number;
  readonly journalBytes: number;
  /** EC2 calls while measuring (0: no pool changed under the measurement). */
  readonly ec2CallsWhileMeasuring: number;
}

interface FilesystemResult {
  readonly filesystem: string;
  readonly echoPairP50Ms: number;
  readonly writeFdatasyncP50Ms: number;
  readonly dsyncWriteP50Ms: number;
  readonly floorMs: number;
  readonly builds: readonly BuildResult[];
}

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

function onceLine(child: ChildProcess, line: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes(line)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${what} exited ${code} before "${line}"`)));
  });
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once('exit', resolve));
}

/** A grpc-js client of the echo server: one unary call of `bytes`. */
function echoCaller(socket: string): { call: (bytes: Buffer) => Promise<void>; close: () => void } {
  const client = new grpc.Client(`unix://${socket}`, grpc.credentials.createInsecure());
  const identity = (b: Buffer) => b;
  return {
    call: (bytes) =>
      new Promise((resolve, reject) => {
        client.makeUnaryRequest('/echo.Echo/Call', identity, identity, bytes, (error) =>
          error ? reject(error) : resolve(),
        );
      }),
    close: () => client.close(),
  };
}

async function startDaemon(
  build: Build,
  pods: number,
  region: SimulatedRegion,
  dir: string,
): Promise<Daemon> {
  const instance = await region.launchInstance({ instanceType: INSTANCE_TYPE });
  const paths = {
    socket: join(dir, 'ipamd.sock'),
    checkpoint: join(dir, 'ipam.json'),
    log: join(dir, 'ipamd.log'),
  };
  const env = daemonEnvironment(
    { ec2Endpoint: region.ec2Endpoint, imdsEndpoint: instance.imdsEndpoint, region: region.region },
    paths,
    {
      ENABLE_PREFIX_DELEGATION: 'true',
      MINIMUM_IP_TARGET: String(POOL_ADDRESSES),
      WARM_IP_TARGET: '16',
      IP_COOLDOWN_PERIOD: '0',
      DISABLE_LEAKED_ENI_CLEANUP: 'true',
      VPC_IPAMD_RUN_FROM: 'dist',
    },
    process.env.PATH ?? '',
  );
  const child = spawn(process.execPath, [join(build.repo, 'bin/vpc-ipamd.js'), 'run'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const client = new IpamdClient(paths.socket);
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${build.name}: the daemon exited ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${build.name}: the daemon did not start`);
    const healthy = await client.healthCheck('', 1_000).then(
      (reply) => reply.status === 'SERVING',
      () => false,
    );
    if (healthy && (await findServingLine(paths.log))) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { build: build.name, pods, child, client, checkpoint: paths.checkpoint, samples: [] };
}

function ec2Calls(region: SimulatedRegion): number {
  return Object.values(region.counters().actions).reduce((n, a) => n + (a?.calls ?? 0), 0);
}

/** Waits until the region has seen no EC2 call for a second: every pool has settled. */
async function poolsSettled(region: SimulatedRegion): Promise<void> {
  let last = ec2Calls(region);
  let quietSince = Date.now();
  while (Date.now() - quietSince < 1_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = ec2Calls(region);
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    }
  }
}

const factory = new PodFactory();

async function addDel(client: IpamdClient): Promise<void> {
  const pod = factory.next();
  const added = await client.addNetwork(addRequest(pod));
  if (!added.Success) throw new Error(`ADD failed: ${JSON.stringify(added)}`);
  const deleted = await client.delNetwork(delRequest(pod));
  if (!deleted.Success) throw new Error(`DEL failed: ${JSON.stringify(deleted)}`);
}

async function fill(client: IpamdClient, pods: number): Promise<void> {
  let added = 0;
  await Promise.all(
    Array.from({ length: FILL_IN_FLIGHT }, async () => {
      while (added < pods) {
        added++;
        const reply = await client.addNetwork(addRequest(factory.next()));
        if (!reply.Success) throw new Error(`ADD failed while filling: ${JSON.stringify(reply)}`);
      }
    }),
  );
}

async function measure(
  builds: readonly Build[],
  filesystem: Filesystem,
): Promise<FilesystemResult> {
  const root = await mkdtemp(join(filesystem.dir, 'commit-'));
  const region = await startSimulatedRegion({ latency: 'none' });
  const echoSocket = join(root, 'echo.sock');
  const echoServer = spawn(process.execPath, [ECHO_SERVER, echoSocket], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const daemons: Daemon[] = [];
  const files: FileHandle[] = [];
  try {
    const floorFile = join(root, 'floor');
    const fdatasyncFile = await open(floorFile, 'a');
    files.push(fdatasyncFile);
    const dsyncFile = await open(
      floorFile,
      constants.O_WRONLY | constants.O_APPEND | constants.O_DSYNC,
    );
    files.push(dsyncFile);
    await onceLine(echoServer, 'ready', 'the echo server');
    const echo = echoCaller(echoSocket);
    const payload = Buffer.from(JSON.stringify(addRequest(factory.next())));

    for (const [i, build] of builds.entries()) {
      for (const pods of [0, HELD]) {
        const dir = await mkdtemp(join(root, `${i}-${pods}-`));
        daemons.push(await startDaemon(build, pods, region, dir));
      }
    }
    await poolsSettled(region);
    for (const daemon of daemons) await fill(daemon.client, daemon.pods);
    await poolsSettled(region);
    for (const daemon of daemons) for (let i = 0; i < WARM_UP; i++) await addDel(daemon.client);
    for (let i = 0; i < WARM_UP; i++) await echo.call(payload);

    const callsBefore = ec2Calls(region);
    const echoMs: number[] = [];
    const fdatasyncMs: number[] = [];
    const dsyncMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts with another daemon: none always follows the same neighbour.
      const order = daemons.map((_, i) => daemons[(i + round) % daemons.length]!);
      for (const daemon of order) {
        for (let i = 0; i < BLOCK; i++) {
          const t = process.hrtime.bigint();
          await addDel(daemon.client);
          daemon.samples.push(ms(t));
        }
      }
      for (let i = 0; i < BLOCK; i++) {
        const t = process.hrtime.bigint();
        await echo.call(payload);
        await echo.call(payload);
        echoMs.push(ms(t));
      }
      for (let i = 0; i < BLOCK; i++) {
        let t = process.hrtime.bigint();
        await fdatasyncFile.write(RECORD);
        await fdatasyncFile.datasync();
        fdatasyncMs.push(ms(t));
        t = process.hrtime.bigint();
        await dsyncFile.write(RECORD);
        dsyncMs.push(ms(t));
      }
    }
    const ec2CallsWhileMeasuring = ec2Calls(region) - callsBefore;
    echo.close();

    const echoPairP50Ms = median(echoMs);
    const writeFdatasyncP50Ms = median(fdatasyncMs);
    const dsyncWriteP50Ms = median(dsyncMs);
    const floorMs = echoPairP50Ms + 2 * Math.min(writeFdatasyncP50Ms, dsyncWriteP50Ms);
    const size = async (path: string) => (existsSync(path) ? (await stat(path)).size : 0);
    const results: BuildResult[] = [];
    for (const build of builds) {
      const empty = daemons.find((d) => d.build === build.name && d.pods === 0)!;
      const full = daemons.find((d) => d.build === build.name && d.pods === HELD)!;
      const emptyP50Ms = median(empty.samples);
      const fullP50Ms = median(full.samples);
      results.push({
        build: build.name,
        emptyP50Ms,
        fullP50Ms,
        fullOverEmpty: fullP50Ms / emptyP50Ms,
        emptyOverFloor: emptyP50Ms / floorMs,
        fullOverFloor: fullP50Ms / floorMs,
        snapshotBytes: await size(full.checkpoint),
        journalBytes: await size(`${full.checkpoint}.journal`),
        ec2CallsWhileMeasuring,
      });
    }
    return {
      filesystem: filesystem.name,
      echoPairP50Ms,
      writeFdatasyncP50Ms,
      dsyncWriteP50Ms,
      floorMs,
      builds: results,
    };
  } finally {
    for (const file of files) await file.close();
    for (const daemon of daemons) {
      daemon.client.close();
      daemon.child.kill('SIGINT');
      await exited(daemon.child);
    }
    echoServer.kill('SIGINT');
    await exited(echoServer);
    await region.close();
    await rm(root, { recursive: true, force: true });
  }
}

function table(results: readonly FilesystemResult[]): string {
  const lines = [
    'filesystem | build | ADD+DEL p50, 0 pods | 700 pods | 700 ÷ 0 | echo pair | durable append (write+fdatasync / O_DSYNC) | 0 pods ÷ floor | 700 pods ÷ floor | snapshot / journal (700 pods)',
  ];
  for (const fs of results) {
    for (const b of fs.builds) {
      lines.push(
        [
          fs.filesystem,
          b.build,
          `${b.emptyP50Ms.toFixed(2)} ms`,
          `${b.fullP50Ms.toFixed(2)} ms`,
          `${b.fullOverEmpty.toFixed(2)}×`,
          `${fs.echoPairP50Ms.toFixed(2)} ms`,
          `${fs.writeFdatasyncP50Ms.toFixed(3)} / ${fs.dsyncWriteP50Ms.toFixed(3)} ms`,
          `${b.emptyOverFloor.toFixed(2)}×`,
          `${b.fullOverFloor.toFixed(2)}×`,
          `${(b.snapshotBytes / 1024).toFixed(0)} KiB / ${(b.journalBytes / 1024).toFixed(1)} KiB`,
        ].join(' | '),
      );
    }
  }
  return lines.join('\n');
}

export async function run(): Promise<unknown> {
  await bundleAll(REPO);
  const builds: Build[] = [{ name: 'this build', repo: REPO }];
  const baseline = process.env.COMMIT_BENCH_BASELINE;
  if (baseline) {
    if (!existsSync(join(baseline, 'dist'))) {
      throw new Error(
        `COMMIT_BENCH_BASELINE=${baseline} has no dist/: run \`npm run bundle\` there`,
      );
    }
    builds.unshift({ name: 'baseline', repo: baseline });
  }
  const filesystems: Filesystem[] = [
    { name: 'disk', dir: join(REPO, 'bench/results') },
    { name: 'tmpfs', dir: '/dev/shm' },
  ];
  const results: FilesystemResult[] = [];
  for (const filesystem of filesystems) {
    process.stdout.write(`${filesystem.name}: ${builds.map((b) => b.name).join(', ')} …\n`);
    results.push(await measure(builds, filesystem));
  }
  process.stdout.write(`${table(results)}\n`);
  return {
    instanceType: INSTANCE_TYPE,
    held: HELD,
    rounds: ROUNDS,
    block: BLOCK,
    baseline: baseline ?? null,
    results,
  };
}
