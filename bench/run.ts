import { mkdir, writeFile } from 'node:fs/promises';

/**
 * `npm run bench`: runs every benchmark module listed below (or only those named on the command
 * line), prints each one's table and writes its result to bench/results/<name>.json. A module
 * exports `run(): Promise<unknown>` that returns the JSON document. Start it with a clean
 * environment for stable timings: `env -i PATH="$PATH" node bin/run-ts.js bench/run.ts`.
 */

interface BenchModule {
  run(): Promise<unknown>;
}

const BENCHES: readonly { name: string; load: () => Promise<BenchModule> }[] = [
  { name: 'allocator', load: () => import('./allocator.ts') },
  { name: 'allocator-working-set', load: () => import('./allocator-working-set.ts') },
  { name: 'allocator-processes', load: () => import('./allocator-processes.ts') },
  { name: 'memory-latency', load: () => import('./memory-latency.ts') },
  { name: 'footprint', load: () => import('./footprint.ts') },
  { name: 'cni-startup', load: () => import('./cni-startup.ts') },
  { name: 'commit', load: () => import('./commit.ts') },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !BENCHES.some((b) => b.name === name));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}\n`,
  );
  process.exit(2);
}

const resultsDir = new URL('./results/', import.meta.url);
await mkdir(resultsDir, { recursive: true });
let failed = 0;
for (const bench of BENCHES) {
  if (wanted.length > 0 && !wanted.includes(bench.name)) continue;
  process.stdout.write(`\n== ${bench.name} ==\n`);
  const started = process.hrtime.bigint();
  try {
    const result = await (await bench.load()).run();
    const file = new URL(`${bench.name}.json`, resultsDir);
    await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(`wrote bench/results/${bench.name}.json (${seconds.toFixed(1)} s)\n`);
  } catch (error) {
    failed++;
    process.stderr.write(`${bench.name} failed: ${(error as Error).stack ?? String(error)}\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
