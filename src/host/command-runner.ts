import { execFile } from 'node:child_process';

/**
 * The one way host code runs iptables, nft, ip and sysctl. Production runs commands in the
 * daemon's own network namespace; tests run the very same code inside a namespace they made,
 * by giving the runner a namespace name (`ip netns exec <ns> …`). Arguments are passed as an
 * array, never through a shell.
 */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code; 0 on success. */
  readonly code: number;
}

export interface RunOptions {
  /** Written to the command's stdin (iptables-restore scripts, ip -batch input). */
  readonly input?: string;
  /** Return a non-zero exit as a result instead of throwing. A missing binary still throws. */
  readonly allowFailure?: boolean;
}

export interface CommandRunner {
  run(command: string, args: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

/** A command that could not be started or exited non-zero. */
export class CommandError extends Error {
  readonly command: string;
  readonly args: readonly string[];
  readonly code: number | string;
  readonly stderr: string;
  constructor(command: string, args: readonly string[], code: number | string, stderr: string) {
    const detail = stderr.trim().split('\n').slice(0, 5).join(' | ');
    super(
      `${command} ${args.join(' ')}: ${typeof code === 'number' ? `exit ${code}` : code}${detail ? `: ${detail}` : ''}`,
    );
    this.name = 'CommandError';
    this.command = command;
    this.args = args;
    this.code = code;
    this.stderr = stderr;
  }

  /** The binary does not exist on this host. */
  get notFound(): boolean {
    return this.code === 'ENOENT';
  }
}

export interface ExecFileRunnerOptions {
  /** Run every command inside this named network namespace (tests); default: the current one. */
  readonly netns?: string;
  /** Kill a command that runs longer than this; default 60 s. */
  readonly timeoutMs?: number;
}

// iptables-save of a large kube-proxy node runs to tens of megabytes.
const MAX_BUFFER = 512 * 1024 * 1024;

export function execFileRunner(options: ExecFileRunnerOptions = {}): CommandRunner {
  const timeout = options.timeoutMs ?? 60_000;
  return {
    run(command, args, runOptions = {}) {
      const [file, argv] =
        options.netns === undefined
          ? [command, [...args]]
          : ['ip', ['netns', 'exec', options.netns, command, ...args]];
      return new Promise((resolve, reject) => {
        const child = execFile(
          file,
          argv,
          { encoding: 'utf8', maxBuffer: MAX_BUFFER, timeout },
          (error, stdout, stderr) => {
            if (!error) {
              resolve({ stdout, stderr, code: 0 });
              return;
            }
            const code = (error as NodeJS.ErrnoException).code;
            if (typeof code === 'number' && runOptions.allowFailure) {
              resolve({ stdout, stderr, code });
              return;
            }
            reject(new CommandError(command, args, code ?? 'failed', stderr || error.message));
          },
        );
        child.stdin?.on('error', () => {
          // A command that exits without reading its input closes the pipe; the exit code says
          // what went wrong, so the EPIPE itself carries no information.
        });
        child.stdin?.end(runOptions.input ?? '');
      });
    },
  };
}
