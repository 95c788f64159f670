import { invalidParameterCombination, invalidParameterValue } from './errors.ts';
import type { QueryParams } from './query-params.ts';

export interface PageLimits {
  readonly min: number;
  readonly max: number;
  /** Page size when the caller gives no MaxResults; undefined = everything in one page. */
  readonly defaultSize?: number;
  /** The ID-list parameter EC2 refuses to combine with MaxResults (e.g. 'NetworkInterfaceId'). */
  readonly idParameter?: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextToken: string | undefined;
}

/**
 * EC2-style pagination over items in a stable order: the token names the position after the
 * last item returned (by an order key that only grows), so items deleted between pages do not
 * shift the next page.
 */
export function paginate<T>(
  items: readonly T[],
  orderKey: (item: T) => number,
  params: QueryParams,
  limits: PageLimits,
): Page<T> {
  const maxResults = params.integer('MaxResults');
  const token = params.string('NextToken');
  if (maxResults !== undefined) {
    if (limits.idParameter && params.has(limits.idParameter)) {
      throw invalidParameterCombination(
        `The parameter ${limits.idParameter} cannot be used with the parameter maxResults`,
      );
    }
    if (maxResults < limits.min || maxResults > limits.max) {
      throw invalidParameterValue(
        `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${limits.min} and ${limits.max}.`,
      );
    }
  }
  const after = token === undefined || token === '' ? undefined : decodeToken(token);
  const sorted = [...items].sort((a, b) => orderKey(a) - orderKey(b));
  const remaining = after === undefined ? sorted : sorted.filter((item) => orderKey(item) > after);
  const size = maxResults ?? limits.defaultSize;
  if (size === undefined || remaining.length <= size)
    return { items: remaining, nextToken: undefined };
  const page = remaining.slice(0, size);
  return { items: page, nextToken: encodeToken(orderKey(page[page.length - 1]!)) };
}

function encodeToken(after: number): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

function decodeToken(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      after?: unknown;
    };
    if (typeof parsed.after === 'number') return parsed.after;
  } catch {
    // fall through to EC2's answer for a token it did not issue
  }
  throw invalidParameterValue(`The token '${token}' is invalid.`);
}
