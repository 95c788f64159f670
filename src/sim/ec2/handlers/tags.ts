import { missingParameter } from '../errors.ts';
import type { ActionHandler } from '../handler.ts';
import { mergeTags, parseTags } from '../param-rules.ts';
import { leaf } from '../xml.ts';

const createTags: ActionHandler = ({ params, state }) => {
  const resourceIds = params.list('ResourceId');
  if (resourceIds.length === 0) throw missingParameter('ResourceId');
  const tags = parseTags(params);
  if (tags.size === 0) throw missingParameter('Tag');
  // All resources are resolved before any is changed: one bad ID leaves every resource untouched.
  const targets = resourceIds.map((id) => state.tagsOf(id));
  for (const target of targets) {
    const merged = new Map(target);
    mergeTags(merged, tags);
  }
  for (const target of targets) mergeTags(target, tags);
  return [leaf('return', true)];
};

const deleteTags: ActionHandler = ({ params, state }) => {
  const resourceIds = params.list('ResourceId');
  if (resourceIds.length === 0) throw missingParameter('ResourceId');
  const targets = resourceIds.map((id) => state.tagsOf(id));
  const groups = params.structList('Tag');
  for (const target of targets) {
    if (groups.length === 0) {
      target.clear();
      continue;
    }
    for (const group of groups) {
      const key = group.string('Key');
      if (key === undefined) continue;
      const value = group.string('Value');
      // With a value, EC2 deletes the tag only when its value matches.
      if (value === undefined || target.get(key) === value) target.delete(key);
    }
  }
  return [leaf('return', true)];
};

export const tagActions: Readonly<Record<string, ActionHandler>> = {
  CreateTags: createTags,
  DeleteTags: deleteTags,
};
