import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeCommit } from '../../../src/checkpoint/journal-records.ts';
import { JournaledDatastore } from '../../../src/checkpoint/journaled-datastore.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';
import { Datastore } from '../../../src/ipam/datastore.ts';

/** Datastore methods that change nothing a checkpoint holds (assigned and cooling addresses). */
const LEAVE_THE_CHECKPOINT_ALONE = new Set([
  'constructor',
  'addEni',
  'addCidr',
  'setExcludedForPodIps',
  'setPrefixDelegation',
  // Custom networking and the /32 fallback: which ENI or kind of CIDR the next ADD may take, not
  // what any address holds.
  'setDraining',
  'setAssignsBothKinds',
  'assignsBothKinds',
  // Views: read only (coolingAddresses and describe expire cooldowns, which the journal's cool
  // records do by themselves: a restore skips an expired one).
  'prefixDelegation',
  'lookup',
  'containingCidr',
  'stats',
  'inventory',
  'eniCount',
  'hasEni',
  'eni',
  'enis',
  'cidrsOf',
  'freeableCidrs',
  'allocatableEnis',
  'trunkEni',
  'efaEnis',
  'freeableEniExists',
  'assignedPerCidr',
  'assignedPerEni',
  'allocations',
  'coolingAddresses',
  'describe',
  'nextCooldownEnd',
]);

const T0 = Date.UTC(2026, 0, 1);
const key = (id: string) => ({ networkName: 'aws-cni', containerID: id, ifName: 'eth0' });
const meta = (id: string) => ({ k8sPodNamespace: 'default', k8sPodName: id, interfacesCount: 1 });

function datastore(cooldownMs = 30_000) {
  const clock = new ManualClock(T0);
  const ds = new JournaledDatastore({ clock, cooldownMs, prefixDelegation: true });
  ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
  ds.addCidr('eni-1', '10.0.1.0/28', true);
  ds.addEni({ id: 'eni-2', deviceNumber: 1 });
  ds.addCidr('eni-2', '10.0.2.0/28', true);
  return { ds, clock };
}

/** The recorded changes, decoded as a restart reads them. */
function taken(ds: JournaledDatastore) {
  const record = decodeRecord(encodeCommit(ds.takeChanges()));
  if (record.kind !== 'commit') throw new Error('not a commit');
  return record.changes.map((c) => {
    switch (c.kind) {
      case 'assign':
        return `assign ${c.entry.ipv4} ${c.entry.containerID} @${c.entry.allocationTimestamp}`;
      case 'cool':
        return `cool ${c.entry.ipv4} @${c.entry.unassignedTimestamp}`;
      case 'free':
        return `free ${c.ip}`;
      default:
        return `drop ${c.cidr}`;
    }
  });
}

describe('JournaledDatastore', () => {
  it('overrides every Datastore method that changes what the checkpoint holds', () => {
    const overridden = new Set(Object.getOwnPropertyNames(JournaledDatastore.prototype));
    const unaccounted = Object.getOwnPropertyNames(Datastore.prototype).filter(
      (name) => !overridden.has(name) && !LEAVE_THE_CHECKPOINT_ALONE.has(name),
    );
    // A new Datastore method: record its changes in JournaledDatastore, or list it above.
    expect(unaccounted).toEqual([]);
  });

  it('records assign, unassign (cooling) and both undos, each with the exact state it leaves', () => {
    const { ds, clock } = datastore();
    const a = ds.assign(key('a'), meta('a'));
    expect(ds.assign(key('a'), meta('a')).existing).toBe(true); // an idempotent repeat: nothing
    clock.advance(1.5); // a sub-millisecond part survives as nanoseconds
    const u = ds.unassign(key('a'));
    expect(ds.undoUnassign(u)).toBe(true);
    const b = ds.assign(key('b'), meta('b'));
    expect(ds.undoAssign(b)).toBe(true);
    expect(taken(ds)).toEqual([
      `assign ${a.ip} a @${BigInt(T0) * 1_000_000n}`,
      `cool ${a.ip} @${BigInt(T0 + 1) * 1_000_000n + 500_000n}`,
      `assign ${a.ip} a @${BigInt(T0) * 1_000_000n}`,
      `assign ${b.ip} b @${BigInt(T0 + 1) * 1_000_000n + 500_000n}`,
      `free ${b.ip}`,
    ]);
    expect(ds.takeChanges()).toEqual([]);
  });

  it('without a cooldown an unassigned address is free at once', () => {
    const { ds } = datastore(0);
    const a = ds.assign(key('a'), meta('a'));
    ds.takeChanges();
    ds.unassign(key('a'));
    expect(taken(ds)).toEqual([`free ${a.ip}`]);
  });

  it('a CIDR or ENI leaving the datastore drops its addresses; a refused removal records nothing', () => {
    const { ds } = datastore();
    ds.assign(key('a'), meta('a'));
    ds.takeChanges();
    expect(() => ds.removeCidr('eni-1', '10.0.1.0/28', false)).toThrow('IP is used');
    expect(() => ds.removeEni('eni-9', true)).toThrow('unknown ENI');
    ds.removeCidr('eni-1', '10.0.1.0/28', true);
    ds.removeEni('eni-2', false);
    expect(taken(ds)).toEqual(['drop 10.0.1.0/28', 'drop 10.0.2.0/28']);
  });

  it('an excluded ENI whose CIDR empties drops it', () => {
    const { ds } = datastore();
    ds.setExcludedForPodIps('eni-2', true);
    expect(ds.dropEmptyExcludedCidr('eni-1', '10.0.1.0/28')).toBe(false);
    expect(ds.dropEmptyExcludedCidr('eni-2', '10.0.2.0/28')).toBe(true);
    expect(taken(ds)).toEqual(['drop 10.0.2.0/28']);
  });

  it('restore records what it placed and every cooling address', () => {
    const { ds } = datastore();
    const placed = ds.restoreAllocation('10.0.1.7', key('r'), meta('r'), 5n);
    expect(placed.placed).toBe(true);
    expect(ds.restoreAllocation('10.9.9.9', key('x'), meta('x'), 5n).placed).toBe(false);
    ds.restoreCooldowns([{ ip: '10.0.1.8', unassignedAtNs: BigInt(T0 - 1000) * 1_000_000n }]);
    expect(taken(ds)).toEqual([
      'assign 10.0.1.7 r @5',
      `cool 10.0.1.8 @${BigInt(T0 - 1000) * 1_000_000n}`,
    ]);
  });

  it('changes put back after a failed write come before those recorded since', () => {
    const { ds } = datastore();
    ds.assign(key('a'), meta('a'));
    const failed = ds.takeChanges();
    ds.assign(key('b'), meta('b'));
    ds.restoreChanges(failed);
    expect(taken(ds).map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual([
      'assign 10.0.1.0 a',
      'assign 10.0.1.1 b',
    ]);
  });
});
