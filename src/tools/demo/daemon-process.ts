import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IpamdClient } from '../../rpc/client.ts';
import { findServingLine, type ServingAddresses } from './log-file.ts';

/** `vpc-ipamd run` as a child process: start, wait until it serves, stop, notice a death. */

const BIN = fileURLToPath(new URL('../../../bin/vpc-ipamd.js', import.meta.url));
const SETPRIV = '/usr/bin/setpriv';
/** Last bytes of the daemon's stderr kept for a failure report. */
const STDERR_KEEP = 8_192;

export interface DaemonExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class DaemonDiedError extends Error {
  readonly exit: DaemonExit;
  constructor(exit: DaemonExit, during: string) {
    super(
      `the daemon exited ${exit.signal ? `on ${exit.signal}` : `with code ${exit.code}`} ${during}`,
    );
    this.name = 'DaemonDiedError';
    this.exit = exit;
  }
}

export class DaemonProcess {
  readonly pid: number;
  readonly client: IpamdClient;
  /** Resolves when the process has exited, however it ended. */
  readonly exited: Promise<DaemonExit>;
  private readonly child: ChildProcess;
  private stderr = '';
  private exit: DaemonExit | undefined;

  private constructor(child: ChildProcess, socketPath: string) {
    this.child = child;
    if (child.pid === undefined) throw new Error('the daemon process did not start');
    this.pid = child.pid;
    this.client = new IpamdClient(socketPath);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_KEEP);
    });
    // Anything on stdout is the daemon's business (its log goes to the file); don't let it block.
    child.stdout?.resume();
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /**
   * Spawns `node bin/vpc-ipamd.js run` with exactly `env` (no inherited variables). It runs in
   * its own process group, so a Ctrl-C in the terminal reaches only the demo, which then stops
   * the daemon in order. Through setpriv, where there is one (it execs, so the pid stays the
   * daemon's), the kernel kills the daemon should the demo die without stopping it.
   */
  static start(env: Record<string, string>, socketPath: string): DaemonProcess {
    const command = existsSync(SETPRIV)
      ? [SETPRIV, '--pdeathsig', 'KILL', process.execPath, BIN, 'run']
      : [process.execPath, BIN, 'run'];
    const child = spawn(command[0] ?? process.execPath, command.slice(1), {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return new DaemonProcess(child, socketPath);
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** What the daemon wrote on stderr (its start-up failures go there), last few KB. */
  get stderrTail(): string {
    return this.stderr;
  }

  /**
   * Waits until gRPC health answers SERVING and the "ipamd serving" line is in the log, i.e.
   * node init is done and every server is bound. Rejects if the daemon exits or time runs out.
   */
  async waitUntilServing(logFile: string, timeoutMs: number): Promise<ServingAddresses> {
    const deadline = Date.now() + timeoutMs;
    let healthy = false;
    for (;;) {
      if (this.exit) throw new DaemonDiedError(this.exit, 'while starting');
      if (Date.now() > deadline) {
        throw new Error(`the daemon did not become healthy within ${timeoutMs / 1000} s`);
      }
      if (!healthy) {
        healthy = await this.client.healthCheck('', 1_000).then(
          (reply) => reply.status === 'SERVING',
          () => false,
        );
      }
      if (healthy) {
        const serving = await findServingLine(logFile);
        if (serving) return serving;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /**
   * SIGINT (the daemon's clean stop: servers closed, checkpoint flushed, exit 0); SIGKILL after
   * `graceMs` if it is still there. Resolves with how it exited.
   */
  async stop(graceMs = 10_000): Promise<DaemonExit> {
    this.client.close();
    if (this.exit) return this.exit;
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Last resort when the demo itself is going down abnormally: no waiting, no grace. */
  killNow(): void {
    if (!this.exit) this.child.kill('SIGKILL');
  }
}
