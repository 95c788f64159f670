import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode as node } from './node-process.ts';

/**
 * bin/vpc-ipamd.js: the built CLI in dist/ (vitest's global set-up has just bundled it) answers
 * as the sources do; and the launcher's choice between dist/ and the sources, in a copy of it
 * placed in a scratch tree whose dist/ and src/ are tiny stand-ins that say which one ran.
 */

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

describe('the built CLI, run from dist/', () => {
  const bin = join(REPO, 'bin/vpc-ipamd.js');
  const fromDist = { VPC_IPAMD_RUN_FROM: 'dist' };
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vpc-ipamd-built-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--help lists every command', async () => {
    const run = await node(bin, ['--help'], fromDist);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.split('\n')[0]).toBe('usage: vpc-ipamd <command> [options]');
    for (const command of ['run', 'demo', 'plan', 'probe', 'sim', 'snat-rules'])
      expect(run.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
  });

  it('probe against a missing socket: exit 2, naming the socket', async () => {
    const socket = join(dir, 'absent.sock');
    const run = await node(
      bin,
      ['probe', '--socket', socket, '--connect-timeout', '0.5'],
      fromDist,
    );
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      new RegExp(`^timeout: failed to connect service "unix://${socket}": .+\\n$`),
    );
  });

  it('plan (the instance table, the pool manager, the simulator) answers as the sources do', async () => {
    const args = ['plan', '--instance-type', 'p3dn.24xlarge', '--pods', '20', '--json'];
    const env = { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' };
    const built = await node(bin, args, { ...env, ...fromDist });
    expect(built).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(built.stdout)).toMatchObject({ prefixes: expect.any(Number) });
    expect(await node(bin, args, { ...env, VPC_IPAMD_RUN_FROM: 'sources' })).toEqual(built);
  });
});

describe('the launcher chooses dist/ or the sources', () => {
  let root: string;
  let bin: string;
  const source = () => join(root, 'src/cli/main.ts');

  /** A dist/cli/sources.json that matches the stand-in source as it is now. */
  function recordSources(): void {
    const stat = statSync(source());
    writeFileSync(
      join(root, 'dist/cli/sources.json'),
      JSON.stringify({ sources: { 'src/cli/main.ts': [stat.mtimeMs, stat.size] } }),
    );
  }

  function withTsx(installed: boolean): void {
    rmSync(join(root, 'node_modules'), { recursive: true, force: true });
    if (!installed) return;
    mkdirSync(join(root, 'node_modules'));
    symlinkSync(join(REPO, 'node_modules/tsx'), join(root, 'node_modules/tsx'));
  }

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'vpc-ipamd-launcher-'));
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'src/cli'), { recursive: true });
    bin = join(root, 'bin/vpc-ipamd.js');
    copyFileSync(join(REPO, 'bin/vpc-ipamd.js'), bin);
    writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
    writeFileSync(
      source(),
      "export async function main(args: string[]): Promise<number> {\n  process.stdout.write('sources ' + args.join(' '));\n  return 3;\n}\n",
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function withBundle(present: boolean): void {
    rmSync(join(root, 'dist'), { recursive: true, force: true });
    if (!present) return;
    mkdirSync(join(root, 'dist/cli'), { recursive: true });
    writeFileSync(
      join(root, 'dist/cli/main.js'),
      "export async function main(args) {\n  process.stdout.write('dist ' + args.join(' '));\n  return 4;\n}\n",
    );
    recordSources();
  }

  it('a current bundle runs, with the arguments and the exit code of main', async () => {
    withTsx(true);
    withBundle(true);
    expect(await node(bin, ['a', 'b'])).toEqual({ code: 4, stdout: 'dist a b', stderr: '' });
  });

  it('a source changed since the build: the sources run (quietly, stderr is no terminal)', async () => {
    withTsx(true);
    withBundle(true);
    const later = new Date(statSync(source()).mtimeMs + 5_000);
    utimesSync(source(), later, later);
    expect(await node(bin, ['x'])).toEqual({ code: 3, stdout: 'sources x', stderr: '' });
    recordSources();
    expect((await node(bin, ['x'])).stdout).toBe('dist x');
  });

  it('no bundle at all: the sources run', async () => {
    withTsx(true);
    withBundle(false);
    expect(await node(bin, [])).toMatchObject({ code: 3, stdout: 'sources ' });
  });

  it('without tsx (a production install) the bundle runs even if the sources look newer', async () => {
    withTsx(false);
    withBundle(true);
    const later = new Date(statSync(source()).mtimeMs + 5_000);
    utimesSync(source(), later, later);
    expect(await node(bin, ['p'])).toEqual({ code: 4, stdout: 'dist p', stderr: '' });
  });

  it('VPC_IPAMD_RUN_FROM forces one or the other', async () => {
    withTsx(true);
    withBundle(true);
    expect((await node(bin, [], { VPC_IPAMD_RUN_FROM: 'sources' })).stdout).toBe('sources ');
    const later = new Date(statSync(source()).mtimeMs + 5_000);
    utimesSync(source(), later, later);
    expect((await node(bin, [], { VPC_IPAMD_RUN_FROM: 'dist' })).stdout).toBe('dist ');
  });

  it.each([
    [
      'neither a bundle nor tsx',
      { tsx: false, bundle: false },
      {},
      'vpc-ipamd: dist/cli/ is missing and tsx is not installed: run npm run build (it needs the dev dependencies)\n',
    ],
    [
      'VPC_IPAMD_RUN_FROM=dist without a bundle',
      { tsx: true, bundle: false },
      { VPC_IPAMD_RUN_FROM: 'dist' },
      'vpc-ipamd: VPC_IPAMD_RUN_FROM=dist but dist/cli/ is missing: run npm run build\n',
    ],
    [
      'VPC_IPAMD_RUN_FROM=sources without tsx',
      { tsx: false, bundle: true },
      { VPC_IPAMD_RUN_FROM: 'sources' },
      'vpc-ipamd: VPC_IPAMD_RUN_FROM=sources needs tsx: run npm ci (with dev dependencies)\n',
    ],
    [
      'an unknown VPC_IPAMD_RUN_FROM',
      { tsx: true, bundle: true },
      { VPC_IPAMD_RUN_FROM: 'src' },
      'vpc-ipamd: VPC_IPAMD_RUN_FROM="src" is not dist or sources; unset it to choose by itself\n',
    ],
  ])('%s: exit 1 with one line saying what to do', async (_name, setup, env, message) => {
    withTsx(setup.tsx);
    withBundle(setup.bundle);
    expect(await node(bin, ['--help'], env)).toEqual({ code: 1, stdout: '', stderr: message });
  });
});
