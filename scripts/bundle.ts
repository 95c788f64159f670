import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { build, type Message, type Metafile } from 'esbuild';
import { assetUrlsPlugin } from './asset-urls.ts';
import { BUNDLES, type BundleSpec } from './bundles.ts';

/**
 * Bundles one program with esbuild into dist/<name>/ and records which sources it was built from
 * (dist/<name>/sources.json: repository path → [mtimeMs, size]), so that bin/vpc-ipamd.js can
 * tell a bundle that no longer matches the sources. Nothing is written when the output is
 * byte-for-byte what is already there, and a changed bundle replaces the old directory in one
 * rename, so a process running from dist/ never loads a half-written chunk.
 */

export const SOURCES_FILE = 'sources.json';

/** Dependencies are bundled too; the lock file stands for them in sources.json. */
const LOCK_FILE = 'package-lock.json';

// CommonJS dependencies call require() for Node's built-ins, and an ES module has no require.
const REQUIRE_BANNER =
  "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);";

export interface BundleResult {
  readonly name: string;
  readonly files: number;
  readonly bytes: number;
  readonly sources: number;
  /** False when the output was identical to what dist/ held (only sources.json refreshed). */
  readonly written: boolean;
  /** esbuild's warnings, one line each (its errors make `bundle` reject instead). */
  readonly warnings: readonly string[];
  /** What went into which output file and what each output imports, as esbuild reports it. */
  readonly metafile: Metafile;
}

export async function bundle(
  spec: BundleSpec,
  repo: string,
  distDir = join(repo, 'dist'),
): Promise<BundleResult> {
  const dir = join(distDir, spec.name);
  const startedAt = Date.now();
  const result = await build({
    absWorkingDir: repo,
    entryPoints: [join(repo, spec.entry)],
    outdir: dir,
    bundle: true,
    platform: 'node',
    format: spec.format ?? 'esm',
    target: 'node20',
    splitting: spec.splitting,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    ...(spec.format === 'cjs'
      ? { outExtension: { '.js': '.cjs' } }
      : { banner: { js: REQUIRE_BANNER } }),
    plugins: [assetUrlsPlugin({ repo, outdir: dir })],
    metafile: true,
    write: false,
    logLevel: 'silent',
    // Measured (bench/footprint.ts): ~20 MiB less daemon RSS after init than unminified output.
    // Identifiers are kept, so class and function names in logs and stack traces stay readable;
    // VPC_IPAMD_RUN_FROM=sources gives source line numbers.
    minifyWhitespace: true,
    minifySyntax: true,
  });
  const outputs = new Map(result.outputFiles.map((file) => [basename(file.path), file.contents]));
  const sourcePaths = Object.keys(result.metafile.inputs).filter(
    (path) => !path.split('/').includes('node_modules'),
  );
  if (existsSync(join(repo, LOCK_FILE))) sourcePaths.push(LOCK_FILE);
  const sources = JSON.stringify({ sources: stamp(repo, sourcePaths, startedAt) });

  const written = !sameFiles(dir, outputs);
  if (written) {
    const fresh = join(distDir, `.${spec.name}-new-${process.pid}`);
    const old = join(distDir, `.${spec.name}-old-${process.pid}`);
    rmSync(fresh, { recursive: true, force: true });
    mkdirSync(fresh, { recursive: true });
    for (const [name, contents] of outputs) writeFileSync(join(fresh, name), contents);
    writeFileSync(join(fresh, SOURCES_FILE), sources);
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(fresh, dir);
    rmSync(old, { recursive: true, force: true });
  } else {
    const next = join(dir, `.${SOURCES_FILE}-${process.pid}`);
    writeFileSync(next, sources);
    renameSync(next, join(dir, SOURCES_FILE));
  }
  if (spec.launcher) installLauncher(repo, distDir, spec.launcher);
  let bytes = 0;
  for (const contents of outputs.values()) bytes += contents.byteLength;
  return {
    name: spec.name,
    files: outputs.size,
    bytes,
    sources: sourcePaths.length,
    written,
    warnings: result.warnings.map(oneLine),
    metafile: result.metafile,
  };
}

/** Copies the launcher into dist/ (executable) when it differs from what is there. */
function installLauncher(
  repo: string,
  distDir: string,
  launcher: NonNullable<BundleSpec['launcher']>,
): void {
  const target = join(distDir, launcher.name);
  const source = join(repo, launcher.source);
  const same = existsSync(target) && readFileSync(target).equals(readFileSync(source));
  if (!same) {
    const next = `${target}.new-${process.pid}`;
    copyFileSync(source, next);
    chmodSync(next, 0o755);
    renameSync(next, target);
  }
}

function oneLine(message: Message): string {
  const at = message.location;
  return at ? `${at.file}:${at.line}:${at.column}: ${message.text}` : message.text;
}

/** Every bundle of BUNDLES, in order. */
export async function bundleAll(repo: string, distDir?: string): Promise<BundleResult[]> {
  const results: BundleResult[] = [];
  for (const spec of BUNDLES) results.push(await bundle(spec, repo, distDir));
  return results;
}

/**
 * File times come from the kernel's coarse clock, which may lag Date.now() by a few ms; a file
 * stamped this close to the build's start may have changed while esbuild read it.
 */
const COARSE_CLOCK_MS = 100;

/**
 * [mtimeMs, size] of each source. A file that may have changed while esbuild was reading it gets
 * [-1, -1]: what was bundled may be its old content, so the bundle counts as stale at once.
 */
function stamp(
  repo: string,
  paths: readonly string[],
  startedAt: number,
): Record<string, [number, number]> {
  const stamps: Record<string, [number, number]> = {};
  for (const path of paths) {
    const stat = statSync(join(repo, path));
    stamps[path] =
      stat.mtimeMs >= startedAt - COARSE_CLOCK_MS ? [-1, -1] : [stat.mtimeMs, stat.size];
  }
  return stamps;
}

function sameFiles(dir: string, outputs: ReadonlyMap<string, Uint8Array>): boolean {
  if (!existsSync(dir)) return false;
  const present = readdirSync(dir).filter((name) => name !== SOURCES_FILE);
  if (present.length !== outputs.size) return false;
  for (const name of present) {
    const contents = outputs.get(name);
    if (!contents || !readFileSync(join(dir, name)).equals(contents)) return false;
  }
  return true;
}
