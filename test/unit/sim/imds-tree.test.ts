import { describe, expect, it } from 'vitest';
import { resolveImdsPath } from '../../../src/sim/imds/tree.ts';

const tree = {
  'meta-data': {
    'instance-id': 'i-1',
    network: { interfaces: { macs: { '02:aa': { 'device-number': '1' } } } },
  },
};

describe('IMDS path resolution', () => {
  it('answers files, and directories as listings with a trailing / on subdirectories', () => {
    expect(resolveImdsPath(tree, 'meta-data/instance-id')).toBe('i-1');
    expect(resolveImdsPath(tree, 'meta-data/')).toBe('instance-id\nnetwork/');
    expect(resolveImdsPath(tree, 'meta-data')).toBe('instance-id\nnetwork/');
    expect(resolveImdsPath(tree, 'meta-data/network/interfaces/macs/')).toBe('02:aa/');
    expect(resolveImdsPath(tree, 'meta-data/network/interfaces/macs/02:aa/')).toBe('device-number');
  });

  it('is undefined (404) for anything not there, a file asked as a directory included', () => {
    expect(resolveImdsPath(tree, 'meta-data/nothing')).toBeUndefined();
    expect(resolveImdsPath(tree, 'meta-data/instance-id/')).toBeUndefined();
    expect(resolveImdsPath(tree, 'meta-data/instance-id/deeper')).toBeUndefined();
    expect(resolveImdsPath(tree, 'meta-data/toString')).toBeUndefined();
  });
});
