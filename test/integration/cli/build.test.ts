import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, SOURCES_FILE } from '../../../scripts/bundle.ts';
import { BUNDLES } from '../../../scripts/bundles.ts';
import { runNode } from './node-process.ts';

/**
 * The build script (scripts/bundle.ts): what the CLI bundle loads for each sub-command, when it
 * writes, what it records for the launcher's staleness check, and how it rewrites and refuses
 * run-time file references. Bundles go to temporary directories, never to dist/.
 */

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const CLI = BUNDLES.find((spec) => spec.name === 'cli')!;

/** Every input module loaded when `output` is imported: its own and its static imports', transitively. */
function loadedInputs(metafile: Metafile, output: string): Set<string> {
  const inputs = new Set<string>();
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const out = metafile.outputs[path];
    if (!out) throw new Error(`no output ${path}`);
    for (const input of Object.keys(out.inputs)) inputs.add(input);
    for (const imported of out.imports) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(output);
  return inputs;
}

/** The chunk `import('./<name>.ts')` in src/cli/main.ts becomes. */
function chunkOf(metafile: Metafile, source: string): string {
  const found = Object.entries(metafile.outputs).find(([, out]) => out.entryPoint === source);
  if (!found) throw new Error(`no chunk for ${source}`);
  return found[0];
}

describe('the CLI bundle', () => {
  let dist: string;
  let metafile: Metafile;

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'vpc-ipamd-dist-'));
    ({ metafile } = await bundle(CLI, REPO, dist));
  }, 60_000);
  afterAll(() => rmSync(dist, { recursive: true, force: true }));

  const heavy = (input: string) =>
    input.startsWith('src/daemon/') ||
    input.startsWith('src/sim/') ||
    input.includes('node_modules/@aws-sdk/');

  it('--help loads the dispatcher and nothing else of ours or of the dependencies', () => {
    const main = Object.keys(metafile.outputs).find((path) => path.endsWith('/cli/main.js'))!;
    expect([...loadedInputs(metafile, main)]).toEqual(['src/cli/main.ts']);
  });

  it('probe loads neither the daemon, the AWS SDK nor the simulator; run does', () => {
    const probe = [...loadedInputs(metafile, chunkOf(metafile, 'src/cli/probe.ts'))];
    expect(probe).toContain('src/cli/probe.ts');
    expect(probe.filter(heavy)).toEqual([]);
    const daemon = [...loadedInputs(metafile, chunkOf(metafile, 'src/cli/run.ts'))];
    expect(daemon.filter(heavy).length).toBeGreaterThan(10);
  });

  it('run loads @kubernetes/client-node only through src/k8s/connect.ts, when a setting uses the API', () => {
    const kubernetes = (input: string) => input.includes('node_modules/@kubernetes/');
    const daemon = [...loadedInputs(metafile, chunkOf(metafile, 'src/cli/run.ts'))];
    expect(daemon).toContain('src/daemon/run-daemon.ts');
    expect(daemon.filter(kubernetes)).toEqual([]);
    expect(daemon.filter((input) => input.startsWith('src/k8s/'))).toEqual([]);
    const connect = [...loadedInputs(metafile, chunkOf(metafile, 'src/k8s/connect.ts'))];
    expect(connect.filter(kubernetes).length).toBeGreaterThan(10);
  });

  it('records each of our sources it was built from, and the lock file, with mtime and size', () => {
    const { sources } = JSON.parse(readFileSync(join(dist, 'cli', SOURCES_FILE), 'utf8')) as {
      sources: Record<string, [number, number]>;
    };
    const main = statSync(join(REPO, 'src/cli/main.ts'));
    expect(sources['src/cli/main.ts']).toEqual([main.mtimeMs, main.size]);
    expect(sources['package-lock.json']?.[1]).toBe(statSync(join(REPO, 'package-lock.json')).size);
    expect(sources['src/daemon/run-daemon.ts']).toBeDefined();
    expect(Object.keys(sources).filter((path) => path.includes('node_modules'))).toEqual([]);
  });
});

describe('the CNI plugin bundle', () => {
  const CNI = BUNDLES.find((spec) => spec.name === 'cni')!;
  let dist: string;
  let metafile: Metafile;

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'vpc-ipamd-dist-cni-'));
    ({ metafile } = await bundle(CNI, REPO, dist));
  }, 60_000);
  afterAll(() => rmSync(dist, { recursive: true, force: true }));

  it('never loads node:http2 (16–27 ms of every pod start): its gRPC client speaks HTTP/2 itself', () => {
    const text = readFileSync(join(dist, 'cni', 'aws-cni.cjs'), 'utf8');
    expect(text).toContain('PRI * HTTP/2.0');
    expect(text).not.toMatch(/require\(["'](node:)?http2["']\)/);
    expect(text).not.toMatch(/["'](node:)?http2["']/);
    const externals = Object.values(metafile.outputs).flatMap((out) =>
      out.imports.filter((i) => i.external).map((i) => i.path),
    );
    expect(externals).toContain('node:net');
    expect(externals.filter((path) => path.includes('http2'))).toEqual([]);
  });
});

describe('bundling a small project', () => {
  let project: string;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'vpc-ipamd-build-'));
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  /** Writes `files` (path → text) into a fresh project directory and returns it. */
  function projectWith(name: string, files: Record<string, string>): string {
    const root = join(project, name);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  }

  const spec = { name: 'app', entry: 'src/main.ts', splitting: false };

  it('rewrites new URL(relative, import.meta.url) so it names the same file from dist/', async () => {
    const root = projectWith('assets', {
      'package.json': '{"type":"module"}',
      'data/table.json': '{"rows":3}\n',
      'src/main.ts': [
        "import { readFileSync } from 'node:fs';",
        "const text: string = readFileSync(new URL('../data/table.json', import.meta.url), 'utf8');",
        'process.stdout.write(text);',
      ].join('\n'),
    });
    await bundle(spec, root);
    expect(await runNode(join(root, 'dist/app/main.js'), [])).toEqual({
      code: 0,
      stdout: '{"rows":3}\n',
      stderr: '',
    });
    expect(readFileSync(join(root, 'dist/app/main.js'), 'utf8')).toMatch(
      /new URL\("\.\.\/\.\.\/data\/table\.json", ?import\.meta\.url\)/,
    );
  });

  it('writes nothing when the output is unchanged, and replaces the directory when it changed', async () => {
    const root = projectWith('rewrite', {
      'src/main.ts': "process.stdout.write('one');\n",
    });
    expect((await bundle(spec, root)).written).toBe(true);
    const out = join(root, 'dist/app/main.js');
    const firstWrite = statSync(out).mtimeMs;
    utimesSync(join(root, 'src/main.ts'), new Date(), new Date(Date.now() - 60_000));
    const second = await bundle(spec, root);
    expect(second.written).toBe(false);
    expect(statSync(out).mtimeMs).toBe(firstWrite);
    // The touched source is recorded again, so the launcher sees the bundle as current.
    const { sources } = JSON.parse(readFileSync(join(root, 'dist/app', SOURCES_FILE), 'utf8'));
    expect(sources['src/main.ts'][0]).toBe(statSync(join(root, 'src/main.ts')).mtimeMs);

    writeFileSync(join(root, 'src/main.ts'), "process.stdout.write('two');\n");
    expect((await bundle(spec, root)).written).toBe(true);
    expect(readFileSync(out, 'utf8')).toContain('two');
    // Nothing left over from the swap.
    expect(readdirSync(join(root, 'dist')).sort()).toEqual(['app']);
  });

  it.each([
    [
      'a missing file',
      "new URL('./absent.json', import.meta.url);",
      "src/main.ts: new URL('./absent.json', import.meta.url) names a missing file",
    ],
    [
      'a path that is not relative',
      "new URL('file:///etc/hostname', import.meta.url);",
      "src/main.ts: new URL('file:///etc/hostname', import.meta.url) is not a relative path",
    ],
    [
      'any other use of import.meta',
      'console.log(import.meta.dirname);',
      "src/main.ts: uses import.meta other than new URL('<relative path>', import.meta.url), which the bundle cannot keep",
    ],
  ])('refuses %s, naming the file', async (name, line, message) => {
    const root = projectWith(`refuse-${name.replaceAll(' ', '-')}`, { 'src/main.ts': line });
    await expect(bundle(spec, root)).rejects.toThrow(message);
    expect(() => statSync(join(root, 'dist/app'))).toThrow(/ENOENT/);
  });
});

describe('npm run bundle (scripts/build.ts)', () => {
  it('a source the bundle cannot keep: exit 1, esbuild naming the file and the reason', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vpc-ipamd-build-cli-'));
    try {
      cpSync(join(REPO, 'scripts'), join(root, 'scripts'), { recursive: true });
      symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
      writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
      mkdirSync(join(root, 'src/cli'), { recursive: true });
      writeFileSync(join(root, 'src/cli/main.ts'), 'export const here = import.meta.dirname;\n');
      const failed = await runNode(join(REPO, 'bin/run-ts.js'), [join(root, 'scripts/build.ts')]);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toBe('');
      expect(failed.stderr).toMatch(/^build failed: Build failed with 1 error:\n/);
      expect(failed.stderr).toContain(
        "src/cli/main.ts: uses import.meta other than new URL('<relative path>', import.meta.url), which the bundle cannot keep",
      );
      expect(() => statSync(join(root, 'dist'))).toThrow(/ENOENT/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 30_000);
});
