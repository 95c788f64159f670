import { Ec2Error, invalidParameterValue } from './errors.ts';
import type { QueryParams } from './query-params.ts';

/** An optional count parameter that must not be negative. */
export function optionalCount(params: QueryParams, name: string): number | undefined {
  const value = params.integer(name);
  if (value !== undefined && value < 0) {
    throw invalidParameterValue(`Invalid value '${value}' for ${name}. It must not be negative.`);
  }
  return value;
}

/** A count parameter that, when given, must be at least 1 (Assign* counts). */
export function positiveCount(params: QueryParams, name: string): number | undefined {
  const value = params.integer(name);
  if (value !== undefined && value < 1) {
    throw invalidParameterValue(`Invalid value '${value}' for ${name}. It must be at least 1.`);
  }
  return value;
}

const MAX_TAGS = 50;

/** `Tag.N.Key` / `Tag.N.Value` pairs with EC2's rules on keys and values. */
export function parseTags(params: QueryParams, name = 'Tag'): Map<string, string> {
  const tags = new Map<string, string>();
  for (const group of params.structList(name)) {
    const key = group.string('Key');
    const value = group.string('Value') ?? '';
    if (key === undefined || key === '') throw invalidParameterValue('Tag keys must not be empty.');
    if (key.length > 128)
      throw invalidParameterValue(`Tag key exceeds the maximum length of 128 characters: ${key}`);
    if (value.length > 256)
      throw invalidParameterValue(`Tag value exceeds the maximum length of 256 characters.`);
    if (key.toLowerCase().startsWith('aws:')) {
      throw invalidParameterValue(
        `Tag keys starting with 'aws:' are reserved for internal use: ${key}`,
      );
    }
    tags.set(key, value);
  }
  return tags;
}

/** Adds tags to a resource's tags, within EC2's limit of 50 per resource. */
export function mergeTags(target: Map<string, string>, tags: ReadonlyMap<string, string>): void {
  const keys = new Set([...target.keys(), ...tags.keys()]);
  if (keys.size > MAX_TAGS) {
    throw new Ec2Error(
      'TagLimitExceeded',
      `The maximum number of tags per resource (${MAX_TAGS}) was exceeded.`,
    );
  }
  for (const [key, value] of tags) target.set(key, value);
}

/** TagSpecification.N for one resource type (other types are EC2's InvalidParameterValue). */
export function parseTagSpecifications(
  params: QueryParams,
  resourceType: string,
): Map<string, string> {
  const tags = new Map<string, string>();
  for (const spec of params.structList('TagSpecification')) {
    const type = spec.string('ResourceType');
    if (type !== resourceType) {
      throw invalidParameterValue(
        `'${type ?? ''}' is not a valid taggable resource type for this operation.`,
      );
    }
    mergeTags(tags, parseTags(spec));
  }
  return tags;
}
