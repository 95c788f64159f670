import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONFLIST_FILE_NAME } from '../../../src/install/aws-conflist.ts';

/**
 * A runtime's CNI directories laid out as a node's install step leaves them: the conflist in the
 * conf dir; in the one bin dir the `dist/aws-cni` launcher with its bundle beside it
 * (`aws-cni.cjs`) and the Node.js it prefers (`vpc-ipamd-node`), and the upstream plugins the
 * list and the runtime need (portmap; loopback, which containerd runs for every pod's `lo`).
 */

const REPO = resolve(import.meta.dirname, '../../..');
const UPSTREAM_PLUGINS = '/usr/lib/cni';
const UPSTREAM_NEEDED = ['portmap', 'loopback'] as const;

export interface CniDirs {
  readonly binDir: string;
  readonly confDir: string;
}

export function installCniDirs(dir: string, conflist: Record<string, unknown>): CniDirs {
  const binDir = join(dir, 'bin');
  const confDir = join(dir, 'net.d');
  mkdirSync(binDir, { recursive: true });
  mkdirSync(confDir, { recursive: true });
  // The launcher finds its bundle and Node.js next to its own path: a copy, not a symlink.
  copyFileSync(join(REPO, 'dist/aws-cni'), join(binDir, 'aws-cni'));
  chmodSync(join(binDir, 'aws-cni'), 0o755);
  symlinkSync(join(REPO, 'dist/cni/aws-cni.cjs'), join(binDir, 'aws-cni.cjs'));
  symlinkSync(process.execPath, join(binDir, 'vpc-ipamd-node'));
  for (const plugin of UPSTREAM_NEEDED) {
    symlinkSync(join(UPSTREAM_PLUGINS, plugin), join(binDir, plugin));
  }
  writeFileSync(join(confDir, CONFLIST_FILE_NAME), `${JSON.stringify(conflist, null, 2)}\n`);
  return { binDir, confDir };
}
