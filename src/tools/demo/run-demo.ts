import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpamdClient } from '../../rpc/client.ts';
import type { SimulatedRegion } from '../../sim/api.ts';
import { startSimulatedRegion } from '../../sim/index.ts';
import { daemonEnvironment } from './daemon-env.ts';
import { DaemonDiedError, type DaemonExit, DaemonProcess } from './daemon-process.ts';
import type { DemoOptions } from './demo-options.ts';
import { LiveView, renderLine } from './live-view.ts';
import { tailLines } from './log-file.ts';
import { type NodeStats, scrapeNodeStats } from './node-stats.ts';
import { Workload } from './workload.ts';

/**
 * `npm start`: a simulated AWS region in this process, the real daemon as a child process
 * against it, and a pod workload through the daemon's gRPC API with a live one-line view.
 */

/** IMDS lags EC2 by this much, as it does in a real region. */
const IMDS_LAG_MS = 3_000;
/** Node init against realistic latencies takes a few seconds; this is the give-up point. */
const START_TIMEOUT_MS = 60_000;
/** Lines of the daemon's log shown when it dies. */
const TAIL_LINES = 20;

export interface DemoIo {
  readonly out: NodeJS.WritableStream;
  /** Redraw the live line in place (stdout is a terminal). */
  readonly tty: boolean;
  /** The caller's PATH, the one variable the daemon inherits. */
  readonly path: string;
}

type StopReason = 'signal' | 'duration' | 'died';

function ec2Calls(region: SimulatedRegion): { total: number; byAction: string } {
  const actions = Object.entries(region.counters().actions);
  return {
    total: actions.reduce((n, [, c]) => n + c.calls, 0),
    byAction: actions.map(([name, c]) => `${name} ${c.calls}`).join(', '),
  };
}

function describeExit(exit: DaemonExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** Resolves with `promise`, or with undefined as soon as `signal` aborts. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export async function runDemo(
  options: DemoOptions,
  io: DemoIo,
  stop: AbortSignal,
): Promise<number> {
  const { out } = io;
  const dir = await mkdtemp(join(tmpdir(), 'vpc-ipamd-demo-'));
  const paths = {
    socket: join(dir, 'ipamd.sock'),
    checkpoint: join(dir, 'ipam.json'),
    log: join(dir, 'ipamd.log'),
  };
  let region: SimulatedRegion | undefined;
  let daemon: DaemonProcess | undefined;
  // If this process goes down some other way, the daemon must not outlive it.
  const killOnExit = () => daemon?.killNow();
  process.on('exit', killOnExit);
  let code = 0;
  // A daemon that died leaves its log and checkpoint behind for a look.
  let keepDir = options.keep;
  try {
    region = await startSimulatedRegion({ latency: 'realistic', imdsLagMs: IMDS_LAG_MS });
    const instance = await region.launchInstance({ instanceType: options.instanceType });
    out.write(
      `vpc-ipamd demo: ${instance.instanceType} ${instance.instanceId} in a simulated ${region.region} ` +
        `(realistic EC2 latencies, IMDS ${IMDS_LAG_MS / 1000} s behind)\n`,
    );
    daemon = DaemonProcess.start(
      daemonEnvironment(
        {
          ec2Endpoint: region.ec2Endpoint,
          imdsEndpoint: instance.imdsEndpoint,
          region: region.region,
        },
        paths,
        options.daemonSettings,
        io.path,
      ),
      paths.socket,
    );
    out.write(`  daemon         pid ${daemon.pid} (vpc-ipamd run), starting…\n`);
    const serving = await unlessAborted(daemon.waitUntilServing(paths.log, START_TIMEOUT_MS), stop);
    if (!serving) {
      out.write('vpc-ipamd demo: stopped before the daemon was ready\n');
      return 0;
    }
    const settings = Object.entries(options.daemonSettings)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ');
    out.write(
      [
        `  settings       ${settings === '' ? '(defaults)' : settings}`,
        `  metrics        http://${serving.metricsAddress}/metrics`,
        `  introspection  http://${serving.introspectionAddress}/v1/enis`,
        `  daemon log     ${paths.log}`,
        `  simulator      ${region.controlEndpoint}/_sim/state`,
        `  temp dir       ${dir} (${options.keep ? 'kept' : 'removed'} on exit)`,
        `  workload       ramp to ${options.pods} pods in bursts of ${options.burst}, hold, churn, scale down, repeat; ${
          options.durationSeconds ? `stops after ${options.durationSeconds} s` : 'Ctrl-C stops'
        }`,
        '',
      ].join('\n'),
    );

    // Its own channel: on Ctrl-C its ADDs still waiting for capacity are called off (cancelAll),
    // as a plugin killed by kubelet would, so the daemon's graceful stop does not wait for them.
    const api = new IpamdClient(paths.socket);
    const workload = new Workload({ api, peak: options.pods, burst: options.burst });
    const reason = await driveWorkload(
      workload,
      daemon,
      region,
      serving.metricsAddress,
      options,
      io,
      stop,
    );
    api.cancelAll();
    api.close();
    if (reason === 'died') {
      const exit = await daemon.exited;
      out.write(`vpc-ipamd demo: the daemon ${describeExit(exit)}; last lines of ${paths.log}:\n`);
      for (const line of await tailLines(paths.log, TAIL_LINES)) out.write(`  ${line}\n`);
      if (daemon.stderrTail.trim() !== '') out.write(`its stderr:\n${daemon.stderrTail}\n`);
      code = 1;
      keepDir = true;
    }
    const calls = ec2Calls(region);
    out.write(
      `vpc-ipamd demo: ${reason === 'signal' ? 'interrupted' : reason === 'duration' ? 'done' : 'stopped'}: ` +
        `${workload.adds} ADDs (${workload.failedAdds} failed), ${workload.dels} DELs; ` +
        `EC2 calls ${calls.total}${calls.byAction ? ` (${calls.byAction})` : ''}\n`,
    );
    if (workload.lastAddError)
      out.write(`vpc-ipamd demo: last failed ADD: ${workload.lastAddError}\n`);
  } catch (error) {
    code = 1;
    out.write(`vpc-ipamd demo: ${(error as Error).message}\n`);
    if (error instanceof DaemonDiedError) {
      keepDir = true;
      for (const line of await tailLines(paths.log, TAIL_LINES)) out.write(`  ${line}\n`);
      if (daemon && daemon.stderrTail.trim() !== '')
        out.write(`its stderr:\n${daemon.stderrTail}\n`);
    }
  } finally {
    if (daemon) {
      const wasRunning = !daemon.hasExited;
      if (wasRunning) out.write(`vpc-ipamd demo: stopping the daemon (pid ${daemon.pid})…\n`);
      const exit = await daemon.stop();
      if (wasRunning) {
        out.write(`vpc-ipamd demo: daemon pid ${daemon.pid} ${describeExit(exit)}\n`);
        if (exit.code !== 0) code = 1;
      }
    }
    await region?.close();
    if (!keepDir) await rm(dir, { recursive: true, force: true });
    else if (!options.keep) out.write(`vpc-ipamd demo: kept ${dir} (daemon log, checkpoint)\n`);
    process.off('exit', killOnExit);
  }
  return code;
}

/** Runs the workload with the live view until a signal, the duration, or the daemon's death. */
async function driveWorkload(
  workload: Workload,
  daemon: DaemonProcess,
  region: SimulatedRegion,
  metricsAddress: string | undefined,
  options: DemoOptions,
  io: DemoIo,
  stop: AbortSignal,
): Promise<StopReason> {
  const started = Date.now();
  const metricsUrl = metricsAddress ? `http://${metricsAddress}/metrics` : undefined;
  let node: NodeStats | undefined;
  const line = () =>
    renderLine({
      elapsedMs: Date.now() - started,
      phase: workload.phase,
      running: workload.running,
      wanted: workload.wanted,
      node,
      ec2Calls: ec2Calls(region).total,
      failedAdds: workload.failedAdds,
      addP50Ms: workload.addLatency.p50(),
      addMaxMs: workload.addLatency.maximum(),
    });
  const view = new LiveView(io.out, io.tty);
  let scraping = false;
  const refresh = setInterval(
    () => {
      if (scraping) return;
      scraping = true;
      void (metricsUrl ? scrapeNodeStats(metricsUrl) : Promise.resolve(undefined))
        .then((stats) => {
          node = stats ?? node;
          if (!daemon.hasExited) view.update(line());
        })
        .finally(() => {
          scraping = false;
        });
    },
    io.tty ? 250 : 1_000,
  );
  const workloadStop = new AbortController();
  const running = workload.run(workloadStop.signal);
  let timer: NodeJS.Timeout | undefined;
  const reason = await new Promise<StopReason>((resolve) => {
    if (stop.aborted) resolve('signal');
    stop.addEventListener('abort', () => resolve('signal'), { once: true });
    if (options.durationSeconds !== undefined)
      timer = setTimeout(() => resolve('duration'), options.durationSeconds * 1_000);
    void daemon.exited.then(() => resolve('died'));
  });
  clearTimeout(timer);
  clearInterval(refresh);
  workloadStop.abort();
  await running;
  if (reason !== 'died' && metricsUrl) node = (await scrapeNodeStats(metricsUrl)) ?? node;
  view.finish(line());
  return reason;
}
