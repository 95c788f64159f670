import { fileURLToPath } from 'node:url';
import { bundleAll } from '../scripts/bundle.ts';

/**
 * Vitest's global set-up: brings dist/ up to date with the sources before any test runs, so every
 * test that spawns bin/vpc-ipamd.js runs the current code from the bundle, as production does
 * (the launcher would otherwise fall back to the sources through tsx, slower and untested as
 * shipped). Writes nothing when the bundle is already current.
 */
export default async function bundleBeforeTests(): Promise<void> {
  await bundleAll(fileURLToPath(new URL('..', import.meta.url)));
}
