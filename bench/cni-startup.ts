import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleAll } from '../scripts/bundle.ts';
import { startSimulatedRegion } from '../src/sim/index.ts';
import { daemonEnvironment } from '../src/tools/demo/daemon-env.ts';
import { DaemonProcess } from '../src/tools/demo/daemon-process.ts';
import { median } from './allocator.ts';

/**
 * What kubelet waits for each time it runs the plugin, next to a bare `node -e 0` in the same
 * rounds (wall time from spawn to exit, a clean environment: PATH only):
 * - VERSION through the installed launcher (dist/aws-cni, a sh script exec'ing node) and straight
 *   from the bundle, which shows what the launcher costs;
 * - ADD then DEL of one pod against a live daemon (the real `vpc-ipamd run` on the simulator, gRPC
 *   over its Unix socket), with `ip` and `nsenter` replaced by no-op scripts on PATH: the plugin's
 *   own cost — start-up, protocol, the RPC, the ip processes it starts — without the kernel's
 *   work, which is the same for every plugin.
 * - STATUS (CNI 1.1): one health check in a fresh process — load the plugin, connect to the
 *   daemon's socket, one unary call — the gRPC client's cold cost with the least else around it.
 * `CNI_STARTUP_BASELINE=<checkout>` adds ADD, DEL and STATUS through another build's launcher (a
 * checkout of another commit with its bundle built: `npm run bundle` there) in the same rounds.
 * Every round runs each variant once, in the same order; medians and p90 over the rounds.
 */

const REPO = fileURLToPath(new URL('..', import.meta.url));
const LAUNCHER = join(REPO, 'dist/aws-cni');
const BUNDLE = join(REPO, 'dist/cni/aws-cni.cjs');
const ROUNDS = 40;

interface Run {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly stdin: string;
}

/** Wall milliseconds from spawn to exit; a non-zero exit is a failed benchmark, not a number. */
function timed(run: Run): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(run.command, run.args, { env: run.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += String(d);
    });
    child.stderr.on('data', (d) => {
      output += String(d);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`${run.command} ${run.args.join(' ')} exited ${code}: ${output}`));
    });
    child.stdin.end(run.stdin);
  });
}

function p90(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.9) - 1)]!;
}

interface Stats {
  readonly name: string;
  readonly medianMs: number;
  readonly p90Ms: number;
  /** This variant's median over the bare node's. */
  readonly ratio: number;
}

/** `ip` and `nsenter` that change nothing: `ip -json …` answers an empty list. */
async function noOpPlumbing(dir: string): Promise<void> {
  // Both read their input, as the real ones do, so the plugin's writes never meet a closed pipe.
  const ip = '#!/bin/sh\ncat >/dev/null\ncase " $* " in *" -json "*) echo "[]" ;; esac\nexit 0\n';
  await writeFile(join(dir, 'ip'), ip);
  await writeFile(join(dir, 'nsenter'), '#!/bin/sh\ncat >/dev/null\nexit 0\n');
  await chmod(join(dir, 'ip'), 0o755);
  await chmod(join(dir, 'nsenter'), 0o755);
}

function cniEnv(path: string, command: string, pod: number): Record<string, string> {
  return {
    PATH: path,
    CNI_COMMAND: command,
    CNI_CONTAINERID: `bench-${pod}`,
    CNI_NETNS: `/var/run/netns/bench-${pod}`,
    CNI_IFNAME: 'eth0',
    CNI_PATH: '/opt/cni/bin',
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=pod-${pod};K8S_POD_INFRA_CONTAINER_ID=bench-${pod}`,
  };
}

/** Another build's launcher, from CNI_STARTUP_BASELINE, or undefined. */
function baselineLauncher(): string | undefined {
  const baseline = process.env.CNI_STARTUP_BASELINE;
  if (!baseline) return undefined;
  const launcher = join(baseline, 'dist/aws-cni');
  if (!existsSync(launcher)) {
    throw new Error(
      `CNI_STARTUP_BASELINE=${baseline} has no dist/aws-cni: run \`npm run bundle\` there`,
    );
  }
  return launcher;
}

export async function run(): Promise<unknown> {
  const baseline = baselineLauncher();
  await bundleAll(REPO);
  const region = await startSimulatedRegion({ latency: 'none' });
  const dir = await mkdtemp(join(tmpdir(), 'vpc-ipamd-cni-bench-'));
  let daemon: DaemonProcess | undefined;
  try {
    const instance = await region.launchInstance({ instanceType: 'm5.24xlarge' });
    const paths = {
      socket: join(dir, 'ipamd.sock'),
      checkpoint: join(dir, 'ipam.json'),
      log: join(dir, 'ipamd.log'),
    };
    const cleanPath = process.env.PATH ?? '/usr/bin:/bin';
    daemon = DaemonProcess.start(
      daemonEnvironment(
        {
          ec2Endpoint: region.ec2Endpoint,
          imdsEndpoint: instance.imdsEndpoint,
          region: region.region,
        },
        paths,
        { DISABLE_LEAKED_ENI_CLEANUP: 'true', WARM_IP_TARGET: '8' },
        cleanPath,
      ),
      paths.socket,
    );
    await daemon.waitUntilServing(paths.log, 60_000);

    const stubs = join(dir, 'bin');
    await mkdir(stubs);
    await noOpPlumbing(stubs);
    const pluginPath = `${stubs}:${cleanPath}`;
    const netconf = JSON.stringify({
      cniVersion: '1.0.0',
      name: 'aws-cni',
      type: 'aws-cni',
      vethPrefix: 'eni',
      mtu: '9001',
      pluginLogFile: join(dir, 'plugin.log'),
      pluginLogLevel: 'Info',
      ipamdSocket: paths.socket,
    });

    const bare: Run = {
      command: process.execPath,
      args: ['-e', '0'],
      env: { PATH: cleanPath },
      stdin: '',
    };
    const versionEnv = { PATH: cleanPath, CNI_COMMAND: 'VERSION' };
    const statusEnv = { PATH: cleanPath, CNI_COMMAND: 'STATUS', CNI_PATH: '/opt/cni/bin' };
    const statusConf = JSON.stringify({ ...JSON.parse(netconf), cniVersion: '1.1.0' });
    const samples: Record<string, number[]> = {
      'node -e 0': [],
      'VERSION, launcher': [],
      'VERSION, bundle': [],
      ADD: [],
      DEL: [],
      'ADD+DEL': [],
      '2 x node -e 0': [],
      STATUS: [],
      ...(baseline
        ? {
            'ADD, baseline': [],
            'DEL, baseline': [],
            'ADD+DEL, baseline': [],
            'STATUS, baseline': [],
          }
        : {}),
    };
    // One untimed round first: the page cache and the daemon's first-call paths warm up.
    for (let round = -1; round < ROUNDS; round++) {
      const pod = round + 1;
      const b1 = await timed(bare);
      const vl = await timed({ command: LAUNCHER, args: [], env: versionEnv, stdin: '' });
      const vb = await timed({
        command: process.execPath,
        args: [BUNDLE],
        env: versionEnv,
        stdin: '',
      });
      const add = await timed({
        command: LAUNCHER,
        args: [],
        env: cniEnv(pluginPath, 'ADD', pod),
        stdin: netconf,
      });
      const del = await timed({
        command: LAUNCHER,
        args: [],
        env: cniEnv(pluginPath, 'DEL', pod),
        stdin: netconf,
      });
      const b2 = await timed(bare);
      const status = await timed({
        command: LAUNCHER,
        args: [],
        env: statusEnv,
        stdin: statusConf,
      });
      // The baseline's pods are other pods: each build adds and deletes its own.
      const old = baseline
        ? {
            add: await timed({
              command: baseline,
              args: [],
              env: cniEnv(pluginPath, 'ADD', 1000 + pod),
              stdin: netconf,
            }),
            del: await timed({
              command: baseline,
              args: [],
              env: cniEnv(pluginPath, 'DEL', 1000 + pod),
              stdin: netconf,
            }),
            status: await timed({ command: baseline, args: [], env: statusEnv, stdin: statusConf }),
          }
        : undefined;
      if (round < 0) continue;
      samples['node -e 0']!.push(b1, b2);
      samples['VERSION, launcher']!.push(vl);
      samples['VERSION, bundle']!.push(vb);
      samples.ADD!.push(add);
      samples.DEL!.push(del);
      samples['ADD+DEL']!.push(add + del);
      samples['2 x node -e 0']!.push(b1 + b2);
      samples.STATUS!.push(status);
      if (old) {
        samples['ADD, baseline']!.push(old.add);
        samples['DEL, baseline']!.push(old.del);
        samples['ADD+DEL, baseline']!.push(old.add + old.del);
        samples['STATUS, baseline']!.push(old.status);
      }
    }

    const bareMedian = median(samples['node -e 0']!);
    const stats: Stats[] = Object.entries(samples).map(([name, values]) => ({
      name,
      medianMs: median(values),
      p90Ms: p90(values),
      ratio: median(values) / bareMedian,
    }));
    const roundTrip = median(samples['ADD+DEL']!) / median(samples['2 x node -e 0']!);
    process.stdout.write(
      `plugin processes, ${ROUNDS} rounds, wall time spawn→exit, env PATH only; ip/nsenter are no-op scripts for ADD/DEL:\n`,
    );
    for (const s of stats) {
      process.stdout.write(
        `  ${s.name.padEnd(20)} median ${s.medianMs.toFixed(1).padStart(6)} ms   p90 ${s.p90Ms.toFixed(1).padStart(6)} ms   ×node -e 0 ${s.ratio.toFixed(2)}\n`,
      );
    }
    process.stdout.write(
      `  ADD+DEL over two bare node starts (the same number of processes): ${roundTrip.toFixed(2)}\n`,
    );
    const baselineRoundTrip = baseline
      ? median(samples['ADD+DEL, baseline']!) / median(samples['2 x node -e 0']!)
      : undefined;
    if (baselineRoundTrip !== undefined) {
      process.stdout.write(
        `  the baseline's ADD+DEL over two bare node starts: ${baselineRoundTrip.toFixed(2)}\n`,
      );
    }
    return {
      rounds: ROUNDS,
      stats,
      addDelOverTwoBare: roundTrip,
      ...(baseline ? { baseline, baselineAddDelOverTwoBare: baselineRoundTrip } : {}),
    };
  } finally {
    await daemon?.stop();
    await region.close();
    await rm(dir, { recursive: true, force: true });
  }
}
