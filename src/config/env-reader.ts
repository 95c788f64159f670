import { parseGoBool } from './parse-bool.ts';
import { parseGoAtoi } from './parse-number.ts';
import { quote } from './quote.ts';
import type { ConfigWarning, Environment } from './types.ts';

/**
 * Reads variables from one environment map and collects what went wrong on the way: warnings for
 * values that fell back, problems for values that must stop start-up. Knows the reference's
 * generic read rules (Bool A, Bool B, Atoi with a floor, string with a default); each variable's
 * own rule lives with the section that reads it.
 */
export class EnvReader {
  readonly warnings: ConfigWarning[] = [];
  readonly problems: string[] = [];
  private readonly env: Environment;

  constructor(env: Environment) {
    this.env = env;
  }

  /** The value as set ('' included), undefined when unset. */
  raw(name: string): string | undefined {
    // hasOwn: a plain-object environment must not answer 'constructor' from its prototype.
    return Object.hasOwn(this.env, name) ? this.env[name] : undefined;
  }

  /** The value when set and non-empty: Go's os.Getenv makes '' and unset the same thing. */
  nonEmpty(name: string): string | undefined {
    const value = this.raw(name);
    return value === '' ? undefined : value;
  }

  /** `NAME="value"` when set, `NAME unset (default …)` otherwise: for problem lines. */
  describe(name: string, effective: string | number | boolean): string {
    const value = this.raw(name);
    return value === undefined ? `${name} unset (default ${effective})` : `${name}=${quote(value)}`;
  }

  warn(variable: string, value: string, message: string): void {
    this.warnings.push({ variable, value, message });
  }

  addWarnings(warnings: readonly ConfigWarning[]): void {
    this.warnings.push(...warnings);
  }

  fatal(problem: string): void {
    this.problems.push(problem);
  }

  /** Bool A: any set value, '' included, must be a Go boolean, else the default with a warning. */
  boolA(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    return this.goBool(name, value, fallback);
  }

  /** Bool B: '' counts as unset; anything else must be a Go boolean, else the default with a warning. */
  boolB(name: string, fallback: boolean): boolean {
    const value = this.nonEmpty(name);
    if (value === undefined) return fallback;
    return this.goBool(name, value, fallback);
  }

  private goBool(name: string, value: string, fallback: boolean): boolean {
    const parsed = parseGoBool(value);
    if (parsed !== undefined) return parsed;
    this.warn(
      name,
      value,
      `${name}=${quote(value)} is not a boolean (use true/false, 1/0, t/f); using ${fallback}`,
    );
    return fallback;
  }

  /** A non-empty string, else the default ('' included, as the reference reads these with os.Getenv). */
  string(name: string, fallback: string): string {
    return this.nonEmpty(name) ?? fallback;
  }

  /** An Atoi integer ≥ min; unset/'' → default silently, anything else unusable → default with a warning. */
  intAtLeast(name: string, fallback: number, min: number): number {
    const value = this.nonEmpty(name);
    if (value === undefined) return fallback;
    const parsed = parseGoAtoi(value);
    if (parsed === undefined) {
      this.warn(name, value, `${name}=${quote(value)} is not an integer; using ${fallback}`);
      return fallback;
    }
    if (parsed < min) {
      this.warn(name, value, `${name}=${quote(value)} must be at least ${min}; using ${fallback}`);
      return fallback;
    }
    return parsed;
  }
}
