import { fileURLToPath } from 'node:url';
import { bundleAll } from './bundle.ts';

/**
 * `npm run build`'s bundling step (after `tsc --noEmit`): every program of scripts/bundles.ts into
 * dist/. Prints one line per bundle; exits 1 with esbuild's messages when one fails.
 */

const repo = fileURLToPath(new URL('..', import.meta.url));
const startedAt = process.hrtime.bigint();
try {
  for (const result of await bundleAll(repo)) {
    for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    process.stdout.write(
      `dist/${result.name}/: ${result.files} files, ${(result.bytes / 1024).toFixed(0)} KiB from ${result.sources} sources, ${result.written ? 'written' : 'unchanged'} (${seconds.toFixed(1)} s)\n`,
    );
  }
} catch (error) {
  process.stderr.write(`build failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
