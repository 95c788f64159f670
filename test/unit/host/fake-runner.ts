import {
  CommandError,
  type CommandResult,
  type CommandRunner,
  type RunOptions,
} from '../../../src/host/command-runner.ts';

export interface RecordedCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly input?: string;
}

type Handler = (args: readonly string[], input: string | undefined) => CommandResult | string;

/**
 * A CommandRunner for unit tests: each command name maps to a handler; every call is recorded.
 * A handler returning a string means exit 0 with that stdout. Unknown commands act as missing
 * binaries (ENOENT), which is also how a test says "nft is not installed".
 */
export class FakeRunner implements CommandRunner {
  readonly calls: RecordedCommand[] = [];
  private readonly handlers = new Map<string, Handler>();

  on(command: string, handler: Handler): this {
    this.handlers.set(command, handler);
    return this;
  }

  /** Makes a command behave as a missing binary. */
  off(command: string): this {
    this.handlers.delete(command);
    return this;
  }

  async run(
    command: string,
    args: readonly string[],
    options: RunOptions = {},
  ): Promise<CommandResult> {
    this.calls.push({
      command,
      args: [...args],
      ...(options.input !== undefined ? { input: options.input } : {}),
    });
    const handler = this.handlers.get(command);
    if (!handler) throw new CommandError(command, args, 'ENOENT', '');
    const out = handler(args, options.input);
    const result = typeof out === 'string' ? { stdout: out, stderr: '', code: 0 } : out;
    if (result.code !== 0 && !options.allowFailure) {
      throw new CommandError(command, args, result.code, result.stderr);
    }
    return result;
  }

  commands(name: string): RecordedCommand[] {
    return this.calls.filter((c) => c.command === name);
  }
}
