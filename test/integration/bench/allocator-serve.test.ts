import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RoundServer } from '../../../bench/allocator.ts';

// The serving side of the allocator benchmark's alternating measurement: a process per pool size
// that answers one round per request line. The parent trusts its protocol, so it is tested here.
const runner = fileURLToPath(new URL('../../../bin/run-ts.js', import.meta.url));
const bench = fileURLToPath(new URL('../../../bench/allocator.ts', import.meta.url));

function serve(size: number) {
  const child = spawn(process.execPath, [runner, bench, '--serve', 'vpc-ipamd', String(size)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const next = async () => (await lines.next()).value as string | undefined;
  return { child, next, exited, stderr: () => stderr };
}

describe('bench/allocator --serve', () => {
  it('says ready, answers each round with ns per cycle, and exits when its input ends', async () => {
    const server = serve(16);
    expect(await server.next()).toBe('ready');
    for (let round = 0; round < 2; round++) {
      server.child.stdin.write('round\n');
      const nsPerCycle = Number(await server.next());
      expect(Number.isFinite(nsPerCycle)).toBe(true);
      expect(nsPerCycle).toBeGreaterThan(0);
    }
    server.child.stdin.end();
    expect(await server.exited).toBe(0);
  });

  it('fails, naming the request, on anything but a round request', async () => {
    const server = serve(16);
    expect(await server.next()).toBe('ready');
    server.child.stdin.write('rounds please\n');
    expect(await server.exited).not.toBe(0);
    expect(server.stderr()).toContain('bench: unknown request rounds please');
  });
});

describe('bench/allocator RoundServer', () => {
  // Stand-ins for a serving process that breaks the protocol.
  const standIn = (script: string) => new RoundServer('vpc-ipamd', 16, ['-e', script]);

  it('takes ready and a round figure from a well-behaved process', async () => {
    const server = standIn(
      "process.stdout.write('ready\\n'); process.stdin.once('data', () => process.stdout.write('1234.5\\n'));",
    );
    await server.ready();
    expect(await server.round()).toBe(1234.5);
    server.close();
  });

  it('fails when the process exits before it is ready', async () => {
    await expect(standIn('process.exit(3)').ready()).rejects.toThrow(
      'bench: a measuring process exited early',
    );
  });

  it('fails when the process says something else than ready', async () => {
    await expect(standIn("console.log('starting')").ready()).rejects.toThrow(
      'bench: expected ready, got starting',
    );
  });

  it('fails on a round answer that is not a positive number', async () => {
    for (const answer of ['NaN', '-5', 'fast']) {
      const server = standIn(
        `process.stdout.write('ready\\n'); process.stdin.once('data', () => process.stdout.write('${answer}\\n'));`,
      );
      await server.ready();
      await expect(server.round()).rejects.toThrow(`bench: expected ns per cycle, got ${answer}`);
      server.close();
    }
  });
});
