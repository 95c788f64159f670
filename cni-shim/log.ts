import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The plugin's log: JSON lines kept in memory and written once, when the invocation ends, to
 * `pluginLogFile` (default /var/log/aws-routed-eni/plugin.log) — never to stdout, which carries
 * the CNI result. `stderr` logs to standard error; `stdout` is refused and means stderr (the
 * reference's entrypoint refuses it the same way).
 */

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

export class PluginLog {
  private readonly lines: string[] = [];
  private minimum: number;
  private target: string;

  constructor(target = '/var/log/aws-routed-eni/plugin.log', level = 'debug') {
    this.target = target;
    this.minimum = levelIndex(level);
  }

  /** Settings arrive with the network configuration, after the first lines may have been logged. */
  configure(target: string, level: string): void {
    this.target = target;
    this.minimum = levelIndex(level);
  }

  debug(msg: string, fields: object = {}): void {
    this.add('debug', msg, fields);
  }
  info(msg: string, fields: object = {}): void {
    this.add('info', msg, fields);
  }
  warn(msg: string, fields: object = {}): void {
    this.add('warn', msg, fields);
  }
  error(msg: string, fields: object = {}): void {
    this.add('error', msg, fields);
  }

  /** Writes what was logged; a log that cannot be written must not fail the CNI call. */
  flush(): void {
    if (this.lines.length === 0) return;
    const text = `${this.lines.join('\n')}\n`;
    this.lines.length = 0;
    try {
      if (this.target === 'stderr' || this.target === 'stdout') {
        process.stderr.write(text);
        return;
      }
      mkdirSync(dirname(this.target), { recursive: true });
      appendFileSync(this.target, text, { mode: 0o600 });
    } catch {
      // Nowhere left to say it: stdout belongs to the CNI result.
    }
  }

  private add(level: Level, msg: string, fields: object): void {
    if (levelIndex(level) < this.minimum) return;
    this.lines.push(JSON.stringify({ level, ts: new Date().toISOString(), msg, ...fields }));
  }
}

function levelIndex(level: string): number {
  const index = LEVELS.indexOf(level.toLowerCase() as Level);
  return index < 0 ? 0 : index;
}
