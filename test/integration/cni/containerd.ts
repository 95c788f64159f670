import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { diesWithThisProcess, waitFor } from '../daemon/harness.ts';
import type { CniDirs } from './cni-dirs.ts';
import { containerdConfigToml } from './containerd-config.ts';
import { CriClient } from './cri-client.ts';
import { PAUSE_IMAGE } from './pause-image.ts';

/**
 * Debian's containerd (1.6) serving CRI inside a test's "node" network namespace, every path under
 * one temporary directory. It runs as PID 1 of its own PID and mount namespaces:
 * - the PID namespace ends with containerd, so its shims and sandboxes die with it, also when the
 *   test process is killed (`setpriv --pdeathsig KILL` on `unshare --kill-child`);
 * - the mount namespace keeps its mounts (rootfs snapshots, pod netns pins) out of the machine's,
 *   with /proc remounted for the new PID namespace and a tmpfs over the two places containerd 1.6
 *   writes whatever its configuration says: /run/containerd (shim sockets) and /var/lib/cni
 *   (libcni's cache of ADD results, the prevResult of a later DEL).
 * Like `ip netns exec`, it mounts a sysfs of the node namespace over /sys, as a node's runtime has
 * one of its own namespace (the plugin lists host links there); unlike it, the cgroup hierarchies
 * runc needs are moved onto the new sysfs instead of being hidden ("no cgroup mount found in
 * mountinfo" under `ip netns exec`).
 */

const run = promisify(execFile);
/** The image store, snapshots and sandboxes live in containerd's k8s.io namespace for CRI. */
const CRI_NAMESPACE = 'k8s.io';
/**
 * `native` copies layers instead of mounting them: a 2 MB copy per sandbox, and it works on every
 * filesystem (overlayfs does not stack on an overlay root, as in many CI containers).
 */
const SNAPSHOTTER = 'native';
/**
 * Mount points of the private tmpfs; created (empty, as Debian's containerd package leaves them)
 * when missing and left in place: removing a directory that is a mount point in another runtime's
 * namespace would detach that runtime's mount.
 */
const PRIVATE_DIRS = ['/run/containerd', '/var/lib/cni'] as const;
const CGROUP_ROOT = '/sys/fs/cgroup';
/** Plugins inherit containerd's environment: only the PATH a node's runtime has. */
const RUNTIME_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const START_DEADLINE_MS = 20_000;

/** What this machine lacks to run containerd, or '' when it has everything. */
export function containerdMissing(): string {
  const needed = [
    '/usr/bin/containerd',
    '/usr/bin/containerd-shim-runc-v2',
    '/usr/bin/ctr',
    '/usr/sbin/runc',
    '/usr/bin/unshare',
    '/usr/bin/nsenter',
    '/usr/lib/cni/portmap',
    '/usr/lib/cni/loopback',
  ];
  const missing = needed.filter((path) => !existsSync(path));
  return missing.length > 0 ? `missing ${missing.join(', ')}` : '';
}

/** containerd or runc cannot run here: the only reason the containerd test skips. */
export class ContainerdUnavailable extends Error {}

/**
 * containerd as PID 1 of fresh PID and mount namespaces, in network namespace `netns`;
 * `parking` is an empty directory that holds the cgroup mounts while sysfs is replaced.
 */
function launchCommand(netns: string, config: string, parking: string): string[] {
  const script = [
    'set -e',
    ...PRIVATE_DIRS.map((path) => `mount -t tmpfs -o mode=0700 vpc-ipamd-test ${path}`),
    // A sysfs mount shows the links of the namespace that mounted it: this one.
    `mount --rbind ${CGROUP_ROOT} "$1"`,
    'mount -t sysfs sysfs /sys',
    `mount --move "$1" ${CGROUP_ROOT}`,
    'exec containerd --config "$2"',
  ].join('\n');
  return diesWithThisProcess([
    ...['unshare', '--pid', '--kill-child', '--mount-proc', '--propagation', 'private'],
    ...['nsenter', `--net=/var/run/netns/${netns}`],
    ...['sh', '-c', script, 'sh', parking, config],
  ]);
}

/** The PID of `parent`'s child, from /proc (undefined until it has one). */
function childOf(parent: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After the command (which may hold spaces and parentheses): state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

/** Whether `pid` is gone or only a zombie. */
function ended(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

export class Containerd {
  readonly dir: string;
  readonly socket: string;
  readonly logPath: string;
  readonly cri: CriClient;
  /** The cgroup every sandbox of this runtime goes under (removed by `close`). */
  private readonly cgroupParent: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  /** containerd's PID as this process sees it (it is 1 in its own namespace). */
  private pid: number | undefined;

  private constructor(dir: string, child: ChildProcess) {
    this.dir = dir;
    this.socket = join(dir, 'containerd.sock');
    this.logPath = join(dir, 'containerd.log');
    this.cgroupParent = `/vpc-ipamd-cri-${process.pid}-${child.pid}`;
    this.cri = new CriClient(this.socket, this.cgroupParent);
    this.child = child;
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  /**
   * Starts containerd in `netns` (a name under /var/run/netns) with CNI from `cni`, imports the
   * pause image and proves runc can start a sandbox (a host-network one: no CNI involved). Throws
   * ContainerdUnavailable when containerd or runc cannot run here; anything else is an error.
   */
  static async start(options: {
    dir: string;
    netns: string;
    cni: CniDirs;
    pauseImage: string;
  }): Promise<Containerd> {
    const { dir } = options;
    const config = join(dir, 'config.toml');
    const socket = join(dir, 'containerd.sock');
    writeFileSync(
      config,
      containerdConfigToml({
        dir,
        socket,
        cni: options.cni,
        sandboxImage: PAUSE_IMAGE,
        snapshotter: SNAPSHOTTER,
      }),
    );
    for (const path of PRIVATE_DIRS) mkdirSync(path, { recursive: true, mode: 0o700 });

    const log = openSync(join(dir, 'containerd.log'), 'a');
    const parking = join(dir, 'cgroup-parking');
    mkdirSync(parking);
    const command = launchCommand(options.netns, config, parking);
    const child = spawn(command[0]!, command.slice(1), {
      env: { PATH: RUNTIME_PATH },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const containerd = new Containerd(dir, child);
    try {
      await containerd.serving();
    } catch (error) {
      await containerd.close();
      throw new ContainerdUnavailable(`containerd did not start: ${(error as Error).message}`);
    }
    try {
      await run('ctr', [
        ...['-a', socket, '-n', CRI_NAMESPACE],
        ...['image', 'import', '--snapshotter', SNAPSHOTTER, options.pauseImage],
      ]);
      await containerd.proveRunc();
      return containerd;
    } catch (error) {
      await containerd.close();
      throw error;
    }
  }

  /** Until CRI answers; fails at once when containerd exits (waitFor would poll on). */
  private async serving(): Promise<void> {
    const deadline = Date.now() + START_DEADLINE_MS;
    let last: unknown;
    for (;;) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        const how = this.child.exitCode ?? this.child.signalCode;
        throw new Error(`it exited (${how}): ${this.logTail()}`);
      }
      if (existsSync(this.socket)) {
        try {
          await this.cri.version();
          break;
        } catch (error) {
          last = error;
        }
      }
      if (Date.now() > deadline) {
        throw new Error(
          `CRI did not answer within ${START_DEADLINE_MS} ms (${String(last)}): ${this.logTail()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.pid = childOf(this.child.pid!);
  }

  private async proveRunc(): Promise<void> {
    let id: string;
    try {
      id = await this.cri.runSandbox(
        { name: 'runtime-probe', namespace: 'kube-system', uid: 'runtime-probe' },
        true,
      );
    } catch (error) {
      throw new ContainerdUnavailable(
        `runc could not start a host-network sandbox: ${(error as Error).message}`,
      );
    }
    await this.cri.stopSandbox(id);
    await this.cri.removeSandbox(id);
  }

  /**
   * A path this process can open for a path in containerd's mount namespace (where it pins pod
   * network namespaces), through /proc/<pid>/root.
   */
  hostPath(path: string): string {
    if (this.pid === undefined) throw new Error('containerd has no known PID');
    return `/proc/${this.pid}/root${path}`;
  }

  logTail(lines = 20): string {
    return existsSync(this.logPath)
      ? readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
      : '';
  }

  /**
   * Kills containerd (its PID namespace, shims and sandboxes with it), removes its cgroups and its
   * directory. Never throws.
   */
  async close(): Promise<void> {
    this.cri.close();
    this.child.kill('SIGKILL');
    await this.exited;
    const pid = this.pid;
    if (pid !== undefined) {
      // When PID 1 of a namespace ends, the kernel has ended every other process in it.
      await waitFor('containerd to end', () => (ended(pid) ? true : undefined)).catch(
        () => undefined,
      );
    }
    await this.removeCgroups().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Each hierarchy's cgroup for our sandboxes: the sandboxes' leaves first, then the parent. */
  private async removeCgroups(): Promise<void> {
    const parents = readdirSync(CGROUP_ROOT)
      .map((hierarchy) => join(CGROUP_ROOT, hierarchy, this.cgroupParent))
      .filter((path) => existsSync(path));
    // A killed task keeps its cgroup busy for a moment.
    await waitFor(`cgroups ${this.cgroupParent} removed`, () => {
      for (const parent of parents) {
        if (!existsSync(parent)) continue;
        for (const leaf of readdirSync(parent, { withFileTypes: true })) {
          if (leaf.isDirectory()) rmdirSync(join(parent, leaf.name));
        }
        rmdirSync(parent);
      }
      return true;
    });
  }
}
