import { invalidParameterValue, missingParameter } from './errors.ts';

/**
 * The parameters of one EC2 Query API request (form body and URL query merged), with EC2's
 * conventions: lists as `Name.1`, `Name.2`, … and lists of structures as `Name.N.Field`.
 * Malformed values raise the errors EC2 would answer with.
 */
export class QueryParams {
  private readonly values: ReadonlyMap<string, string>;

  constructor(values: ReadonlyMap<string, string>) {
    this.values = values;
  }

  static fromSearchParams(...sources: URLSearchParams[]): QueryParams {
    const values = new Map<string, string>();
    for (const source of sources) for (const [key, value] of source) values.set(key, value);
    return new QueryParams(values);
  }

  keys(): IterableIterator<string> {
    return this.values.keys();
  }

  string(name: string): string | undefined {
    return this.values.get(name);
  }

  requiredString(name: string): string {
    const value = this.values.get(name);
    if (value === undefined || value === '') throw missingParameter(name);
    return value;
  }

  integer(name: string): number | undefined {
    const text = this.values.get(name);
    if (text === undefined) return undefined;
    if (!/^-?\d+$/.test(text.trim())) {
      throw invalidParameterValue(`Invalid value '${text}' for ${name}. It must be an integer.`);
    }
    return Number(text.trim());
  }

  boolean(name: string): boolean | undefined {
    const text = this.values.get(name);
    if (text === undefined) return undefined;
    const lower = text.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw invalidParameterValue(`Invalid value '${text}' for ${name}. It must be a boolean.`);
  }

  /** `Name.1`, `Name.2`, … in index order (EC2 does not require the indexes to be dense). */
  list(name: string): string[] {
    const prefix = `${name}.`;
    const found: [number, string][] = [];
    for (const [key, value] of this.values) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      if (/^\d+$/.test(rest)) found.push([Number(rest), value]);
    }
    return found.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
  }

  /** `Name.N.Field…` grouped by N, each group as its own QueryParams of `Field…`. */
  structList(name: string): QueryParams[] {
    const prefix = `${name}.`;
    const groups = new Map<number, Map<string, string>>();
    for (const [key, value] of this.values) {
      if (!key.startsWith(prefix)) continue;
      const match = /^(\d+)\.(.+)$/.exec(key.slice(prefix.length));
      if (!match) continue;
      const index = Number(match[1]);
      let group = groups.get(index);
      if (!group) {
        group = new Map();
        groups.set(index, group);
      }
      group.set(match[2]!, value);
    }
    return [...groups.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, group]) => new QueryParams(group));
  }

  /** `Name.Field…` as its own QueryParams (a nested structure), or undefined when absent. */
  struct(name: string): QueryParams | undefined {
    const prefix = `${name}.`;
    const group = new Map<string, string>();
    for (const [key, value] of this.values) {
      if (key.startsWith(prefix)) group.set(key.slice(prefix.length), value);
    }
    return group.size === 0 ? undefined : new QueryParams(group);
  }

  /** Whether any parameter is `name` itself or starts with `name.`. */
  has(name: string): boolean {
    const prefix = `${name}.`;
    for (const key of this.values.keys()) if (key === name || key.startsWith(prefix)) return true;
    return false;
  }
}
