import { type ChildProcess, spawn } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
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
 * one at a time, against a daemon on a simulated p3dn.24xlarge with prefix delegation, holding
 * 0 pods and then 700. Next to them, in the same run and on the same filesystem:
 * - the same two round trips against a bare grpc-js echo server on a Unix socket;
 * - the filesystem's durable-append floor: one ~200-byte append made durable (write + fdatasync,
 *   and a single O_DSYNC write; the cheaper of the two is the floor).
 * floor = echo pair + 2 × durable append (ADD and DEL each wait for one commit).
 * Samples alternate in blocks (daemon, echo, append) so drift hits all three alike.
 *
 * The checkpoint goes to the repository's filesystem (bench/results/) and to tmpfs (/dev/shm).
 * `COMMIT_BENCH_BASELINE=<checkout>` measures a second build too (a checkout of another commit
 * with its bundle built: `npm run bundle` there), e.g. the commit before the checkpoint journal.
 * IP_COOLDOWN_PERIOD=0: each DEL's address is free again at once, so the measurement itself does
 * not add cooling entries to the checkpoint (nor grow the pool).
 */

const REPO = fileURLToPath(new URL('..', import.meta.url));
const ECHO_SERVER = fileURLToPath(new URL('./grpc-echo-server.mjs', import.meta.url));
const INSTANCE_TYPE = 'p3dn.24xlarge';
const HELD = 700;
const CYCLES = Number(process.env.COMMIT_BENCH_CYCLES ?? 400);
const BLOCK = 25;
const WARM_UP = 50;
const FILL_IN_FLIGHT = 16;
/** A journal record's size (an AddNetwork entry) for the append floor. */
const RECORD = Buffer.alloc(230, 'x');

interface Build {
  readonly name: string;
  readonly repo: string;
}

interface Filesystem {
  readonly name: string;
  readonly dir: string;
}

interface Phase {
  readonly pods: number;
  readonly addDelP50Ms: number;
  readonly echoPairP50Ms: number;
  readonly writeFdatasyncP50Ms: number;
  readonly dsyncWriteP50Ms: number;
  /** echo pair + 2 × the cheaper durable append. */
  readonly floorMs: number;
  readonly overFloor: number;
}

interface Measurement {
  readonly build: string;
  readonly filesystem: string;
  readonly empty: Phase;
  readonly full: Phase;
  readonly fullOverEmpty: number;
  /** Checkpoint files once the 700 pods are held. */
  readonly snapshotBytes: number;
  readonly journalBytes: number;
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
  region: SimulatedRegion,
  dir: string,
): Promise<{ child: ChildProcess; client: IpamdClient; checkpoint: string }> {
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
      WARM_PREFIX_TARGET: '1',
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
  const deadline = Date.now() + 60_000;
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
  return { child, client, checkpoint: paths.checkpoint };
}

/** Waits until the region has seen no EC2 call for a second: the pool has settled. */
async function poolSettled(region: SimulatedRegion): Promise<void> {
  const calls = () =>
    Object.values(region.counters().actions).reduce((n, action) => n + (action?.calls ?? 0), 0);
  let last = calls();
  let quietSince = Date.now();
  while (Date.now() - quietSince < 1_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = calls();
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    }
  }
}

async function measure(build: Build, filesystem: Filesystem): Promise<Measurement> {
  const dir = await mkdtemp(join(filesystem.dir, 'commit-'));
  const region = await startSimulatedRegion({ latency: 'none' });
  const echoSocket = join(dir, 'echo.sock');
  const echoServer = spawn(process.execPath, [ECHO_SERVER, echoSocket], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let daemon: ChildProcess | undefined;
  const floorFile = join(dir, 'floor');
  const fdatasyncFile = await open(floorFile, 'a');
  const dsyncFile = await open(
    floorFile,
    constants.O_WRONLY | constants.O_APPEND | constants.O_DSYNC,
  );
  try {
    await onceLine(echoServer, 'ready', 'the echo server');
    const echo = echoCaller(echoSocket);
    const started = await startDaemon(build, region, dir);
    daemon = started.child;
    const { client } = started;
    const factory = new PodFactory();
    const payload = Buffer.from(JSON.stringify(addRequest(factory.next())));

    const addDel = async () => {
      const pod = factory.next();
      const added = await client.addNetwork(addRequest(pod));
      if (!added.Success) throw new Error(`ADD failed: ${JSON.stringify(added)}`);
      const deleted = await client.delNetwork(delRequest(pod));
      if (!deleted.Success) throw new Error(`DEL failed: ${JSON.stringify(deleted)}`);
    };

    const phase = async (pods: number): Promise<Phase> => {
      const daemonMs: number[] = [];
      const echoMs: number[] = [];
      const fdatasyncMs: number[] = [];
      const dsyncMs: number[] = [];
      for (let done = 0; done < CYCLES; done += BLOCK) {
        for (let i = 0; i < BLOCK; i++) {
          const t = process.hrtime.bigint();
          await addDel();
          daemonMs.push(ms(t));
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
      const echoPairP50Ms = median(echoMs);
      const writeFdatasyncP50Ms = median(fdatasyncMs);
      const dsyncWriteP50Ms = median(dsyncMs);
      const floorMs = echoPairP50Ms + 2 * Math.min(writeFdatasyncP50Ms, dsyncWriteP50Ms);
      const addDelP50Ms = median(daemonMs);
      return {
        pods,
        addDelP50Ms,
        echoPairP50Ms,
        writeFdatasyncP50Ms,
        dsyncWriteP50Ms,
        floorMs,
        overFloor: addDelP50Ms / floorMs,
      };
    };

    for (let i = 0; i < WARM_UP; i++) {
      await addDel();
      await echo.call(payload);
    }
    const empty = await phase(0);

    let added = 0;
    await Promise.all(
      Array.from({ length: FILL_IN_FLIGHT }, async () => {
        while (added < HELD) {
          added++;
          const reply = await client.addNetwork(addRequest(factory.next()));
          if (!reply.Success) added--; // the pool was growing: try another pod
        }
      }),
    );
    await poolSettled(region);
    for (let i = 0; i < WARM_UP; i++) await addDel();
    const full = await phase(HELD);
    const size = async (path: string) => (existsSync(path) ? (await stat(path)).size : 0);
    const snapshotBytes = await size(started.checkpoint);
    const journalBytes = await size(`${started.checkpoint}.journal`);
    echo.close();
    client.close();
    return {
      build: build.name,
      filesystem: filesystem.name,
      empty,
      full,
      fullOverEmpty: full.addDelP50Ms / empty.addDelP50Ms,
      snapshotBytes,
      journalBytes,
    };
  } finally {
    await fdatasyncFile.close();
    await dsyncFile.close();
    if (daemon) {
      daemon.kill('SIGINT');
      await exited(daemon);
    }
    echoServer.kill('SIGINT');
    await exited(echoServer);
    await region.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function table(results: readonly Measurement[]): string {
  const header =
    'filesystem | build | ADD+DEL p50 0 pods | 700 pods | 700÷0 | echo pair | durable append (fdatasync / O_DSYNC) | 0 pods ÷ floor | 700 pods ÷ floor | snapshot / journal at 700';
  const rows = results.map((r) =>
    [
      r.filesystem,
      r.build,
      `${r.empty.addDelP50Ms.toFixed(3)} ms`,
      `${r.full.addDelP50Ms.toFixed(3)} ms`,
      `${r.fullOverEmpty.toFixed(2)}×`,
      `${r.full.echoPairP50Ms.toFixed(3)} ms`,
      `${r.full.writeFdatasyncP50Ms.toFixed(3)} / ${r.full.dsyncWriteP50Ms.toFixed(3)} ms`,
      `${r.empty.overFloor.toFixed(2)}×`,
      `${r.full.overFloor.toFixed(2)}×`,
      `${(r.snapshotBytes / 1024).toFixed(0)} KiB / ${(r.journalBytes / 1024).toFixed(1)} KiB`,
    ].join(' | '),
  );
  return [header, ...rows].join('\n');
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
    builds.unshift({ name: `baseline (${baseline})`, repo: baseline });
  }
  const filesystems: Filesystem[] = [
    { name: 'disk', dir: join(REPO, 'bench/results') },
    { name: 'tmpfs', dir: '/dev/shm' },
  ];
  const results: Measurement[] = [];
  for (const filesystem of filesystems) {
    for (const build of builds) {
      process.stdout.write(`${filesystem.name}, ${build.name} …\n`);
      results.push(await measure(build, filesystem));
    }
  }
  process.stdout.write(`${table(results)}\n`);
  return { instanceType: INSTANCE_TYPE, held: HELD, cycles: CYCLES, results };
}
