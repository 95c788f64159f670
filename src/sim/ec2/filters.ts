import { invalidParameterValue } from './errors.ts';
import type { QueryParams } from './query-params.ts';

export interface Filter {
  readonly name: string;
  readonly values: readonly string[];
}

/**
 * Field values a filter name selects on one resource; every resource kind supplies a table of
 * these. `tag:<key>`, `tag-key` and `tag-value` work on every kind that has tags.
 */
export type FilterFields<T> = Readonly<
  Record<string, (item: T) => readonly (string | undefined)[]>
>;

/** `Filter.N.Name` + `Filter.N.Value.M`. */
export function parseFilters(params: QueryParams): Filter[] {
  return params.structList('Filter').map((group) => {
    const name = group.string('Name');
    if (name === undefined || name === '')
      throw invalidParameterValue('The filter name must not be empty');
    return { name, values: group.list('Value') };
  });
}

/** EC2 filter values may use '*' (any run of characters) and '?' (one character). */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/**
 * Keeps the items every filter matches (filters are ANDed; a filter matches when any of its
 * values matches any of the item's field values). An unknown filter name is EC2's
 * InvalidParameterValue, whether or not there are items.
 */
export function applyFilters<T>(
  items: readonly T[],
  filters: readonly Filter[],
  fields: FilterFields<T>,
  tagsOf?: (item: T) => ReadonlyMap<string, string>,
): T[] {
  const compiled = filters.map((filter) => {
    const patterns = filter.values.map(globToRegExp);
    const field = fieldFor(filter.name, fields, tagsOf);
    return { patterns, field };
  });
  return items.filter((item) =>
    compiled.every(({ patterns, field }) =>
      field(item).some((value) => value !== undefined && patterns.some((p) => p.test(value))),
    ),
  );
}

function fieldFor<T>(
  name: string,
  fields: FilterFields<T>,
  tagsOf: ((item: T) => ReadonlyMap<string, string>) | undefined,
): (item: T) => readonly (string | undefined)[] {
  const direct = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (direct) return direct;
  if (tagsOf) {
    if (name.startsWith('tag:')) {
      const key = name.slice(4);
      return (item) => [tagsOf(item).get(key)];
    }
    if (name === 'tag-key') return (item) => [...tagsOf(item).keys()];
    if (name === 'tag-value') return (item) => [...tagsOf(item).values()];
  }
  throw invalidParameterValue(`The filter '${name}' is invalid`);
}
