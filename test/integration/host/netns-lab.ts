import { execFileSync } from 'node:child_process';
import {
  type CommandResult,
  type CommandRunner,
  execFileRunner,
  type RunOptions,
} from '../../../src/host/command-runner.ts';

/**
 * Network namespaces for host-networking tests. Each lab creates its own uniquely named
 * namespaces (pid + counter) and deletes exactly those; nothing runs in the root namespace
 * except `ip netns add/del` and `ip -n <ours> …`.
 */

export interface NetnsSupport {
  readonly ok: boolean;
  readonly reason: string;
}

let probed: NetnsSupport | undefined;

/** Whether this process may create namespaces and use iptables in them (checked once). */
export function netnsSupport(): NetnsSupport {
  if (probed) return probed;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    probed = { ok: false, reason: 'not running as root' };
    return probed;
  }
  const name = `vhprobe-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
    try {
      execFileSync('ip', ['netns', 'exec', name, 'iptables', '-t', 'nat', '-S'], { stdio: 'pipe' });
      probed = { ok: true, reason: '' };
    } finally {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
    }
  } catch (error) {
    probed = {
      ok: false,
      reason: `network namespaces or iptables unavailable: ${String(error).split('\n')[0]}`,
    };
  }
  return probed;
}

/** Prints why a netns suite is skipped, loudly, once per file. */
export function announceSkip(suite: string): void {
  const support = netnsSupport();
  if (!support.ok) {
    console.warn(
      `\n*** SKIPPING ${suite}: ${support.reason}. These tests need root and network namespaces. ***\n`,
    );
  }
}

/** Whether a binary exists on PATH. */
export function hasCommand(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'pipe' });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

let counter = 0;

/** A runner that records every command it runs, to assert what a call did (or did not) do. */
export class RecordingRunner implements CommandRunner {
  readonly calls: { command: string; args: readonly string[]; input?: string }[] = [];
  private readonly inner: CommandRunner;
  constructor(inner: CommandRunner) {
    this.inner = inner;
  }
  run(command: string, args: readonly string[], options?: RunOptions): Promise<CommandResult> {
    this.calls.push({
      command,
      args,
      ...(options?.input !== undefined ? { input: options.input } : {}),
    });
    return this.inner.run(command, args, options);
  }
  writes(): string[] {
    return this.calls
      .filter(
        (c) =>
          c.command.endsWith('-restore') ||
          (c.command === 'ip' && c.args.includes('-batch')) ||
          (c.command === 'sysctl' && c.args.includes('-w')) ||
          (c.command === 'nft' && c.args[0] === 'delete'),
      )
      .map((c) => `${c.command} ${c.args.join(' ')}${c.input ? `\n${c.input}` : ''}`);
  }
}

export class NetnsLab {
  private readonly names: string[] = [];
  private readonly root = execFileRunner();

  /** Creates a namespace with loopback up; `role` only makes names readable. */
  async create(role: string): Promise<string> {
    const name = `vh${process.pid}-${++counter}-${role}`;
    await this.root.run('ip', ['netns', 'add', name]);
    this.names.push(name);
    await this.ip(name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /** `ip -n <ns> …` */
  ip(ns: string, ...args: string[]): Promise<CommandResult> {
    return this.root.run('ip', ['-n', ns, ...args]);
  }

  /** A command inside a namespace. */
  exec(
    ns: string,
    command: string,
    args: readonly string[],
    options?: RunOptions,
  ): Promise<CommandResult> {
    return this.runner(ns).run(command, args, options);
  }

  runner(ns: string): CommandRunner {
    return execFileRunner({ netns: ns });
  }

  async sysctl(ns: string, key: string, value: string): Promise<void> {
    await this.exec(ns, 'sysctl', ['-q', '-w', `${key}=${value}`]);
  }

  /** A veth pair from `a` (named nameA) to `b` (named nameB), with optional MACs; both left down. */
  async veth(
    a: string,
    nameA: string,
    b: string,
    nameB: string,
    macA?: string,
    macB?: string,
  ): Promise<void> {
    await this.ip(
      a,
      'link',
      'add',
      nameA,
      ...(macA ? ['address', macA] : []),
      'type',
      'veth',
      'peer',
      'name',
      nameB,
      ...(macB ? ['address', macB] : []),
      'netns',
      b,
    );
  }

  /** Deletes every namespace this lab made; never throws. */
  async cleanup(): Promise<void> {
    for (const name of this.names.splice(0)) {
      await this.root
        .run('ip', ['netns', 'del', name], { allowFailure: true })
        .catch(() => undefined);
    }
  }
}
