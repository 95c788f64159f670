import { CommandError, type CommandRunner } from '../command-runner.ts';
import {
  type IpAddress,
  type IpLink,
  type IpRoute,
  type IpRule,
  parseAddresses,
  parseLinks,
  parseRoutes,
  parseRules,
} from './ip-json.ts';

/**
 * iproute2 as a small typed client: reads with `ip -json -N`, writes a list of commands with
 * one `ip -4 -batch -`, and reads/writes sysctls. The only place that knows the command lines.
 */
export class Iproute2 {
  private readonly runner: CommandRunner;

  constructor(runner: CommandRunner) {
    this.runner = runner;
  }

  private async read(args: readonly string[]): Promise<string> {
    return (await this.runner.run('ip', ['-json', '-N', ...args])).stdout;
  }

  async links(): Promise<IpLink[]> {
    return parseLinks(await this.read(['link', 'show']));
  }

  async addresses(dev: string): Promise<IpAddress[]> {
    return parseAddresses(await this.read(['-4', 'addr', 'show', 'dev', dev]));
  }

  async routes(table: number): Promise<IpRoute[]> {
    const args = ['-json', '-N', '-4', 'route', 'show', 'table', String(table)];
    const result = await this.runner.run('ip', args, { allowFailure: true });
    if (result.code === 0) return parseRoutes(result.stdout, table);
    // Kernels with strict dumps refuse to list a table that never had a route.
    if (result.stderr.includes('table does not exist')) return [];
    throw new CommandError('ip', args, result.code, result.stderr);
  }

  async rules(): Promise<IpRule[]> {
    return parseRules(await this.read(['-4', 'rule', 'show']));
  }

  /** Runs ip(8) commands (without the leading "ip") in order; stops at the first failure. */
  async batch(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await this.runner.run('ip', ['-4', '-batch', '-'], { input: `${lines.join('\n')}\n` });
  }

  /** Key with '/' separators, so interface names with dots stay intact. */
  async readSysctl(key: string): Promise<string> {
    return (await this.runner.run('sysctl', ['-n', key])).stdout.trim();
  }

  async writeSysctl(key: string, value: string): Promise<void> {
    await this.runner.run('sysctl', ['-q', '-w', `${key}=${value}`]);
  }
}
