#!/usr/bin/env node
import { resolve } from 'node:path';
// Runs a TypeScript entry file with tsx's loader: `node bin/run-ts.js path/to/file.ts [args…]`.
// Used by npm scripts so that nothing has to be built before the project runs from a fresh clone.
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: run-ts.js <file.ts> [args…]\n');
  process.exit(1);
}
process.argv = [process.argv[0], resolve(entry), ...rest];
register();
await import(pathToFileURL(resolve(entry)).href);
