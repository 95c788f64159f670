#!/usr/bin/env node
// The `vpc-ipamd` command. It runs the bundle `npm run build` writes to dist/cli/. In a
// development checkout (tsx installed) where that bundle is missing, or a source it was built
// from has changed since (dist/cli/sources.json no longer matches the files), it runs the
// TypeScript sources instead, so an edit is never hidden behind a stale bundle. A production
// install has no tsx and runs the bundle without looking at the sources.
// VPC_IPAMD_RUN_FROM=dist or =sources forces one of the two.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BUNDLE = new URL('../dist/cli/main.js', import.meta.url);
const SOURCES = new URL('../dist/cli/sources.json', import.meta.url);
const ENTRY = new URL('../src/cli/main.ts', import.meta.url);
const REPO = fileURLToPath(new URL('../', import.meta.url));
const TSX = new URL('../node_modules/tsx/package.json', import.meta.url);

/** Why the bundle does not match the sources, or undefined when it does. */
function staleness() {
  let sources;
  try {
    ({ sources } = JSON.parse(readFileSync(SOURCES, 'utf8')));
  } catch {
    return 'dist/cli/ is missing or incomplete';
  }
  for (const [path, [mtimeMs, size]] of Object.entries(sources)) {
    // A path string, not a URL: statSync(URL) costs ~10x more at start-up.
    const stat = statSync(REPO + path, { throwIfNoEntry: false });
    if (stat?.mtimeMs !== mtimeMs || stat.size !== size) return `${path} changed since the build`;
  }
  return undefined;
}

// Looked for where npm installs it rather than resolved: resolving costs ~8 ms at start-up.
function tsxInstalled() {
  return existsSync(TSX);
}

function fail(message) {
  process.stderr.write(`vpc-ipamd: ${message}\n`);
  process.exit(1);
}

function choose(wanted) {
  if (wanted === 'dist') {
    if (!existsSync(BUNDLE))
      fail('VPC_IPAMD_RUN_FROM=dist but dist/cli/ is missing: run npm run build');
    return 'dist';
  }
  if (wanted === 'sources') {
    if (!tsxInstalled())
      fail('VPC_IPAMD_RUN_FROM=sources needs tsx: run npm ci (with dev dependencies)');
    return 'sources';
  }
  if (wanted !== undefined && wanted !== '') {
    fail(
      `VPC_IPAMD_RUN_FROM=${JSON.stringify(wanted)} is not dist or sources; unset it to choose by itself`,
    );
  }
  // Without tsx (a production install) there is nothing else to run: no need to look further.
  if (!tsxInstalled()) {
    if (existsSync(BUNDLE)) return 'dist';
    fail(
      'dist/cli/ is missing and tsx is not installed: run npm run build (it needs the dev dependencies)',
    );
  }
  const stale = staleness();
  if (stale === undefined) return 'dist';
  // Only a person at a terminal wants to hear it; test harnesses compare stderr.
  if (process.stderr.isTTY) {
    process.stderr.write(
      `vpc-ipamd: ${stale}; running the sources (npm run build refreshes dist/)\n`,
    );
  }
  return 'sources';
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
let entry = BUNDLE;
if (choose(process.env.VPC_IPAMD_RUN_FROM) === 'sources') {
  const { register } = await import('tsx/esm/api');
  register();
  entry = ENTRY;
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
