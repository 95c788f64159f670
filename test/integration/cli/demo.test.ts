import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, type TestContext } from 'vitest';

/** `npm start` (= `vpc-ipamd demo`) as a real child process, as a user would run it. */

const BIN = fileURLToPath(new URL('../../../bin/vpc-ipamd.js', import.meta.url));

interface Demo {
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the demo; whatever is left of it is killed when the test ends, passed or not (through
 * the test's own context: the tests run concurrently).
 */
function startDemo(context: TestContext, args: string[]): Demo {
  const child = spawn(process.execPath, [BIN, 'demo', ...args], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const demo: Demo = {
    child,
    output: '',
    exited: new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    ),
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    demo.output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    demo.output += chunk;
  });
  context.onTestFinished(() => {
    if (demo.child.exitCode === null && demo.child.signalCode === null) demo.child.kill('SIGKILL');
    const pid = daemonPid(demo.output);
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  return demo;
}

function daemonPid(output: string): number | undefined {
  const match = /daemon +pid (\d+)/.exec(output);
  return match ? Number(match[1]) : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The live view's lines (not a TTY here: one line per second). */
function viewLines(output: string): { running: number; assigned: number; total: number }[] {
  return [...output.matchAll(/pods (\d+)\/\d+ +IPs (\d+)\/(\d+)/g)].map((m) => ({
    running: Number(m[1]),
    assigned: Number(m[2]),
    total: Number(m[3]),
  }));
}

async function until(condition: () => boolean, timeoutMs: number, what: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting; output so far:\n${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function expectAnnounced(output: string): { tempDir: string } {
  expect(output).toMatch(/metrics +http:\/\/127\.0\.0\.1:\d+\/metrics\n/);
  expect(output).toMatch(/introspection +http:\/\/127\.0\.0\.1:\d+\/v1\/enis\n/);
  expect(output).toMatch(/simulator +http:\/\/127\.0\.0\.1:\d+\/_sim\/state\n/);
  expect(output).toMatch(/daemon log +\/\S+\/ipamd\.log\n/);
  const tempDir = /temp dir +(\S+) \(removed on exit\)/.exec(output)?.[1];
  expect(tempDir).toBeDefined();
  return { tempDir: tempDir ?? '' };
}

// Each test has its own processes, temp dir and ports, so they run side by side.
describe.concurrent('vpc-ipamd demo (npm start)', () => {
  it('--duration: runs pods through the daemon, then stops everything and exits 0', async (context) => {
    const demo = startDemo(context, ['--duration', '4']);
    const exit = await demo.exited;
    const { output } = demo;
    expect(exit, output).toEqual({ code: 0, signal: null });
    const { tempDir } = expectAnnounced(output);
    const lines = viewLines(output);
    expect(lines.length, output).toBeGreaterThanOrEqual(3);
    expect(lines.some((line) => line.running > 0 && line.assigned > 0)).toBe(true);
    // m5.large with WARM_ENI_TARGET=1 starts with its primary ENI's 9 addresses.
    expect(lines.every((line) => line.total >= 9)).toBe(true);
    expect(output).toContain('vpc-ipamd demo: done:');
    expect(output).toMatch(/daemon pid \d+ exited with code 0/);
    const pid = daemonPid(output);
    expect(pid).toBeDefined();
    expect(isAlive(pid ?? 0)).toBe(false);
    expect(existsSync(tempDir)).toBe(false);
  });

  it('SIGINT: the workload stops, the daemon exits 0, the temp dir is removed', async (context) => {
    const demo = startDemo(context, []);
    await until(
      () => viewLines(demo.output).some((line) => line.assigned > 0),
      20_000,
      () => demo.output,
    );
    // The URLs it prints answer while it runs.
    const metrics = /metrics +(http:\S+)/.exec(demo.output)?.[1] ?? '';
    expect(await (await fetch(metrics)).text()).toContain('awscni_assigned_ip_addresses');
    const enis = /introspection +(http:\S+)/.exec(demo.output)?.[1] ?? '';
    expect((await fetch(enis)).status).toBe(200);

    demo.child.kill('SIGINT');
    const exit = await demo.exited;
    const { output } = demo;
    expect(exit, output).toEqual({ code: 0, signal: null });
    const { tempDir } = expectAnnounced(output);
    expect(output).toContain('vpc-ipamd demo: interrupted:');
    expect(output).toMatch(/daemon pid \d+ exited with code 0/);
    expect(isAlive(daemonPid(output) ?? 0)).toBe(false);
    expect(existsSync(tempDir)).toBe(false);
  });

  it('--help documents the options', async (context) => {
    const demo = startDemo(context, ['--help']);
    expect(await demo.exited).toEqual({ code: 0, signal: null });
    for (const option of ['--pods N', '--instance-type T', '--duration S'])
      expect(demo.output).toContain(option);
  });
});

describe.concurrent('vpc-ipamd demo when the daemon dies', () => {
  it('prints the last log lines, keeps the temp dir and exits 1', async (context) => {
    const demo = startDemo(context, []);
    await until(
      () => viewLines(demo.output).some((line) => line.assigned > 0),
      20_000,
      () => demo.output,
    );
    const pid = daemonPid(demo.output) ?? 0;
    process.kill(pid, 'SIGKILL');
    const exit = await demo.exited;
    const { output } = demo;
    expect(exit, output).toEqual({ code: 1, signal: null });
    expect(output).toContain('vpc-ipamd demo: the daemon was killed by SIGKILL; last lines of');
    expect(output).toMatch(/^ {2}\{.*"msg":"ipamd serving"/m);
    const kept = /kept (\S+) \(daemon log, checkpoint\)/.exec(output)?.[1] ?? '';
    expect(existsSync(join(kept, 'ipamd.log'))).toBe(true);
    await rm(kept, { recursive: true, force: true });
  });
});
