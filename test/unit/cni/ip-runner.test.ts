import { describe, expect, it } from 'vitest';
import {
  isAlreadyGone,
  parseBatchFailures,
  parseProcNetDev,
  sameNames,
} from '../../../cni-shim/network/ip-runner.ts';
import { isToleratedHostFailure } from '../../../cni-shim/network/pod-setup.ts';

/** iproute2 6.1's stderr for a forced batch, as captured from a real run in a namespace. */
const LINES = [
  'rule del to 10.9.9.9/32 priority 512 table main',
  'link set nosuch up',
  'rule add to 10.9.9.9/32 table main priority 512',
  'rule add to 10.9.9.9/32 table main priority 512',
];
const STDERR = [
  'RTNETLINK answers: No such file or directory',
  'Command failed -:1',
  'Cannot find device "nosuch"',
  'Command failed -:2',
  'RTNETLINK answers: File exists',
  'Command failed -:4',
  '',
].join('\n');

describe('ip batch failures', () => {
  it('names each failed line with the kernel message printed before its marker', () => {
    expect(parseBatchFailures(STDERR, LINES)).toEqual([
      { line: 1, command: LINES[0], message: 'RTNETLINK answers: No such file or directory' },
      { line: 2, command: LINES[1], message: 'Cannot find device "nosuch"' },
      { line: 4, command: LINES[3], message: 'RTNETLINK answers: File exists' },
    ]);
    expect(parseBatchFailures('', LINES)).toEqual([]);
  });

  it('"already gone" is what a teardown may ignore', () => {
    expect(isAlreadyGone('RTNETLINK answers: No such file or directory')).toBe(true);
    expect(isAlreadyGone('Cannot find device "eni1"')).toBe(true);
    expect(isAlreadyGone('RTNETLINK answers: Operation not permitted')).toBe(false);
  });

  it('at set-up only a missing rule to delete and an existing rule to add are tolerated', () => {
    const tolerated = parseBatchFailures(STDERR, LINES).map(isToleratedHostFailure);
    // The link that cannot be found is a real failure at set-up.
    expect(tolerated).toEqual([true, false, true]);
    expect(
      isToleratedHostFailure({
        line: 3,
        command: LINES[2]!,
        message: 'RTNETLINK answers: No buffer space available',
      }),
    ).toBe(false);
  });
});

describe('host links', () => {
  it('reads the names of /proc/net/dev and trusts sysfs only when it lists the same links', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets',
      '    lo: 285713386 1526117    0    0    0     0          0         0 285713386 1526117',
      'eni8aea82b27d6:       0       0    0    0    0     0          0         0        0       0',
      '',
    ].join('\n');
    const names = parseProcNetDev(text);
    expect(names).toEqual(['lo', 'eni8aea82b27d6']);
    const sysfs = [{ ifname: 'eni8aea82b27d6', address: '02:00:00:00:00:01' }, { ifname: 'lo' }];
    expect(sameNames(sysfs, names)).toBe(true);
    // sysfs of another namespace (the root's, say): not ours.
    expect(sameNames([{ ifname: 'lo' }, { ifname: 'eth0' }], names)).toBe(false);
    expect(sameNames([{ ifname: 'lo' }], names)).toBe(false);
  });
});
