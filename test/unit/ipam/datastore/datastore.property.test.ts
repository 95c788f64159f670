import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../../../src/checkpoint/format.ts';
import { applyCheckpoint } from '../../../../src/checkpoint/restore-plan.ts';
import { renderCheckpoint } from '../../../../src/checkpoint/snapshot.ts';
import { ROW_POD_NAME_MAX } from '../../../../src/ipam/address-slots.ts';
import { ManualClock } from '../../../../src/ipam/clock.ts';
import { Datastore } from '../../../../src/ipam/datastore.ts';
import { DatastoreError } from '../../../../src/ipam/datastore-errors.ts';
import { encodeIpamKey, type IpamKey } from '../../../../src/ipam/ipam-key.ts';
import { podVethName } from '../../../../src/ipam/pod-veth-name.ts';

/**
 * Random sequences of every datastore operation (and checkpoint-then-restore), checking after
 * each step: no address held by two keys, the incremental counters equal a recount from the
 * address states, cooling addresses are never handed out, the allocator's choice is the dense
 * one, and restore(write(state)) gives the state back.
 */

const COOLDOWN = 30_000;

type Op =
  | { t: 'addEni'; excluded: boolean; primary: boolean }
  | { t: 'addCidr'; eni: number; prefix: boolean; block: number; host: number }
  | { t: 'assign'; key: number }
  | { t: 'unassign'; key: number }
  | { t: 'advance'; ms: number }
  | { t: 'removeCidr'; eni: number; cidr: number; force: boolean }
  | { t: 'removeEni'; eni: number; force: boolean }
  | { t: 'togglePd' }
  | { t: 'toggleBothKinds' }
  | { t: 'exclude'; eni: number; excluded: boolean }
  | { t: 'drain'; eni: number; draining: boolean }
  | { t: 'undoAssign'; key: number }
  | { t: 'undoUnassign'; key: number }
  | { t: 'restart' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('addEni' as const),
      excluded: fc.nat(3).map((n) => n === 0),
      primary: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('addCidr' as const),
      eni: fc.nat(5),
      prefix: fc.boolean(),
      block: fc.nat(11),
      host: fc.nat(15),
    }),
  },
  { weight: 10, arbitrary: fc.record({ t: fc.constant('assign' as const), key: fc.nat(39) }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('unassign' as const), key: fc.nat(39) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('advance' as const),
      ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40_000 }), fc.constant(COOLDOWN)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('removeCidr' as const),
      eni: fc.nat(5),
      cidr: fc.nat(8),
      force: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('removeEni' as const),
      eni: fc.nat(5),
      force: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'togglePd' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'toggleBothKinds' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('exclude' as const),
      eni: fc.nat(5),
      excluded: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('drain' as const),
      eni: fc.nat(5),
      draining: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('undoAssign' as const), key: fc.nat(39) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('undoUnassign' as const), key: fc.nat(39) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'restart' as const }) },
);

/** Fails through expect() (for its diff) only when the values differ. */
function same(what: string, actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual, what).toEqual(expected);
}

/**
 * Container IDs of every shape the datastore stores differently: the runtimes' 64 lowercase hex
 * digits (kept as words), the same digits in upper case (a different key, kept as a string) and
 * short ones.
 */
const containerIdOf = (i: number): string => {
  const hex = `${(i >>> 1).toString(16).padStart(8, '0')}${'deadbeef'.repeat(7)}`;
  return i % 3 === 0 ? `c${i}` : i % 3 === 1 ? hex : hex.toUpperCase();
};
const keyOf = (i: number): IpamKey => ({
  networkName: 'aws-cni',
  containerID: containerIdOf(i),
  ifName: 'eth0',
});
/**
 * Pod names of every shape the slots store differently: short Latin-1 (in the row), longer than
 * the row holds, and beyond Latin-1 (both kept as strings).
 */
const podNameOf = (i: number): string =>
  i % 4 === 1 ? `${'p'.repeat(ROW_POD_NAME_MAX)}${i}` : i % 4 === 2 ? `pod-\u0161-${i}` : `pod${i}`;
const podOf = (i: number) => ({
  k8sPodNamespace: i % 5 === 0 ? 'kube-system' : 'ns',
  k8sPodName: podNameOf(i),
  interfacesCount: 1 + (i % 2),
});

class Harness {
  readonly clock = new ManualClock(Date.UTC(2026, 0, 1));
  ds: Datastore;
  pd = false;
  /** Both kinds assignable and counted (PD's /32 fallback). */
  both = false;
  private nextEni = 0;
  /** Model: key → address, and address → when it started cooling. */
  readonly holder = new Map<string, string>();
  /** Model: key → the pod fields its ADD carried. */
  readonly podByKey = new Map<string, ReturnType<typeof podOf>>();
  readonly coolingSince = new Map<string, number>();

  constructor(pd: boolean) {
    this.pd = pd;
    this.ds = new Datastore({ clock: this.clock, cooldownMs: COOLDOWN, prefixDelegation: pd });
    // A starting inventory so that most sequences have pods to work with.
    this.ds.addEni({ id: 'eni-p', deviceNumber: 0, isPrimary: true });
    this.ds.addEni({ id: 'eni-s', deviceNumber: 1 });
    this.ds.addCidr('eni-p', '10.0.100.0/28', true);
    this.ds.addCidr('eni-p', '10.0.101.5/32', false);
    this.ds.addCidr('eni-p', '10.0.101.6/32', false);
    this.ds.addCidr('eni-s', '10.0.102.0/28', true);
    this.ds.addCidr('eni-s', '10.0.103.1/32', false);
    this.ds.addCidr('eni-s', '10.0.103.2/32', false);
    this.nextEni = 2;
  }

  private eniId(i: number): string | undefined {
    const ids = this.ds.enis().map((e) => e.id);
    return ids.length === 0 ? undefined : ids[i % ids.length];
  }

  run(op: Op): void {
    const ds = this.ds;
    switch (op.t) {
      case 'addEni': {
        const n = this.nextEni++;
        const primary = op.primary && !ds.enis().some((e) => e.isPrimary);
        ds.addEni({
          id: `eni-${n}`,
          deviceNumber: n,
          isPrimary: primary,
          excludedForPodIps: op.excluded,
        });
        break;
      }
      case 'addCidr': {
        const id = this.eniId(op.eni);
        if (!id) break;
        const cidr = op.prefix ? `10.0.${op.block}.0/28` : `10.0.${op.block}.${op.host}/32`;
        const overlap =
          ds.containingCidr(`10.0.${op.block}.${op.prefix ? 0 : op.host}`) !== undefined ||
          (op.prefix &&
            Array.from({ length: 16 }, (_, h) => `10.0.${op.block}.${h}`).some((ip) =>
              ds.containingCidr(ip),
            ));
        if (overlap) {
          expect(() => ds.addCidr(id, cidr, op.prefix)).toThrow(
            'datastore: IP already in data store',
          );
        } else {
          ds.addCidr(id, cidr, op.prefix);
        }
        break;
      }
      case 'assign': {
        const key = keyOf(op.key);
        const kt = encodeIpamKey(key.networkName, key.containerID, key.ifName);
        const before = this.holder.get(kt);
        const expected = before === undefined ? this.expectedChoice() : undefined;
        let got: string;
        try {
          const a = ds.assign(key, podOf(op.key));
          got = a.ip;
          expect(a.existing).toBe(before !== undefined);
        } catch (error) {
          expect(error).toBeInstanceOf(DatastoreError);
          expect((error as DatastoreError).code).toBe('no-available-ip');
          expect(before).toBeUndefined();
          expect(expected).toBeNull();
          break;
        }
        if (before !== undefined) {
          expect(got).toBe(before);
          break;
        }
        expect(expected).not.toBeNull();
        const where = ds.containingCidr(got)!;
        expect(expected!.enis).toContain(where.eniId);
        expect(expected!.cidrs.get(where.eniId)).toContain(where.cidr);
        expect(got).toBe(expected!.lowest.get(where.cidr));
        const since = this.coolingSince.get(got);
        expect(
          since === undefined || this.clock.now() - since >= COOLDOWN,
          `cooling ${got} handed out`,
        ).toBe(true);
        this.coolingSince.delete(got);
        this.holder.set(kt, got);
        this.podByKey.set(kt, podOf(op.key));
        break;
      }
      case 'unassign': {
        const key = keyOf(op.key);
        const kt = encodeIpamKey(key.networkName, key.containerID, key.ifName);
        const held = this.holder.get(kt);
        if (held === undefined) {
          expect(() => ds.unassign(key)).toThrow('datastore: unknown pod');
          break;
        }
        const u = ds.unassign(key);
        expect(u.ip).toBe(held);
        expect(u.interfacesCount).toBe(1 + (op.key % 2));
        this.holder.delete(kt);
        this.podByKey.delete(kt);
        this.coolingSince.set(held, this.clock.now());
        break;
      }
      case 'advance':
        this.clock.advance(op.ms);
        break;
      case 'removeCidr': {
        const id = this.eniId(op.eni);
        if (!id) break;
        const cidrs = ds.cidrsOf(id);
        if (cidrs.length === 0) break;
        const target = cidrs[op.cidr % cidrs.length]!;
        const inUse = ds.allocations().some((a) => a.cidr === target.cidr);
        if (inUse && !op.force) {
          expect(() => ds.removeCidr(id, target.cidr, false)).toThrow(
            'datastore: IP is used and can not be deleted',
          );
          break;
        }
        const result = ds.removeCidr(id, target.cidr, op.force);
        this.forget(result.released.map((r) => r.key));
        break;
      }
      case 'removeEni': {
        const id = this.eniId(op.eni);
        if (!id) break;
        const inUse = ds.eni(id)!.assigned > 0;
        if (inUse && !op.force) {
          expect(() => ds.removeEni(id, false)).toThrow(
            'datastore: ENI is used and can not be deleted',
          );
          break;
        }
        const result = ds.removeEni(id, op.force);
        this.forget(result.released.map((r) => r.key));
        break;
      }
      case 'togglePd':
        this.pd = !this.pd;
        ds.setPrefixDelegation(this.pd);
        break;
      case 'toggleBothKinds':
        this.both = !this.both;
        ds.setAssignsBothKinds(this.both);
        break;
      case 'exclude': {
        const id = this.eniId(op.eni);
        if (id) ds.setExcludedForPodIps(id, op.excluded);
        break;
      }
      case 'drain': {
        const id = this.eniId(op.eni);
        if (id) ds.setDraining(id, op.draining);
        break;
      }
      case 'undoAssign': {
        // assign, pretend the write failed, undo: the state must be exactly as before
        const key = keyOf(op.key);
        const before = ds.describe();
        let a: ReturnType<Datastore['assign']>;
        try {
          a = ds.assign(key, podOf(op.key));
        } catch {
          break;
        }
        expect(ds.undoAssign(a)).toBe(!a.existing);
        expect(ds.describe()).toEqual(before);
        break;
      }
      case 'undoUnassign': {
        const key = keyOf(op.key);
        if (!this.holder.has(encodeIpamKey(key.networkName, key.containerID, key.ifName))) break;
        const before = ds.describe();
        const u = ds.unassign(key);
        expect(ds.undoUnassign(u)).toBe(true);
        expect(ds.describe()).toEqual(before);
        break;
      }
      case 'restart':
        this.restart();
        break;
    }
  }

  /**
   * Where the next new assignment may land, from the state before it: the primary ENI when it has
   * a free address of the current kind, else one of the most-assigned eligible ENIs (draining ones
   * only when no other is eligible); on it, one of its most-assigned non-full CIDRs; in it, the
   * lowest free address. Null: nothing is free.
   */
  private expectedChoice(): {
    enis: string[];
    cidrs: Map<string, string[]>;
    lowest: Map<string, string>;
  } | null {
    const snap = this.ds.describe(); // cooling addresses in a snapshot are all still cooling
    let eligible: { id: string; primary: boolean; draining: boolean; assigned: number }[] = [];
    const cidrs = new Map<string, string[]>();
    const lowest = new Map<string, string>();
    for (const eni of snap.enis) {
      if (eni.excludedForPodIps) continue;
      const free = (prefix: boolean) =>
        eni.cidrs
          .filter((c) => c.isPrefix === prefix && c.addresses.length < c.size)
          .map((c) => ({ c, assigned: c.addresses.filter((a) => a.state === 'assigned').length }));
      // The mode's kind first; the other kind only when both are assignable.
      let usable = free(this.pd);
      if (usable.length === 0 && this.both) usable = free(!this.pd);
      if (usable.length === 0) continue;
      const top = Math.max(...usable.map((u) => u.assigned));
      cidrs.set(
        eni.id,
        usable.filter((u) => u.assigned === top).map((u) => u.c.cidr),
      );
      for (const { c } of usable) {
        const taken = new Set(c.addresses.map((a) => a.ip));
        const base = c.network.split('.').map(Number);
        for (let i = 0; i < c.size; i++) {
          const ip = `${base[0]}.${base[1]}.${base[2]}.${base[3]! + i}`;
          if (!taken.has(ip)) {
            lowest.set(c.cidr, ip);
            break;
          }
        }
      }
      const assigned = eni.cidrs
        .flatMap((c) => c.addresses)
        .filter((a) => a.state === 'assigned').length;
      eligible.push({ id: eni.id, primary: eni.isPrimary, draining: eni.draining, assigned });
    }
    if (eligible.length === 0) return null;
    if (eligible.some((e) => !e.draining)) eligible = eligible.filter((e) => !e.draining);
    const primary = eligible.find((e) => e.primary && !e.draining);
    if (primary) return { enis: [primary.id], cidrs, lowest };
    const most = Math.max(...eligible.map((e) => e.assigned));
    return { enis: eligible.filter((e) => e.assigned === most).map((e) => e.id), cidrs, lowest };
  }

  /** Forgets pods force-released and cooldowns of addresses no longer in any CIDR. */
  private forget(keys: readonly IpamKey[]): void {
    for (const k of keys) {
      const kt = encodeIpamKey(k.networkName, k.containerID, k.ifName);
      this.holder.delete(kt);
      this.podByKey.delete(kt);
    }
    for (const ip of [...this.coolingSince.keys()]) {
      if (this.ds.containingCidr(ip) === undefined) this.coolingSince.delete(ip);
    }
  }

  /** Checkpoint, then a new datastore with the same inventory restored from it. */
  private restart(): void {
    const before = this.ds.describe();
    const text = renderCheckpoint(this.ds);
    const fresh = new Datastore({
      clock: this.clock,
      cooldownMs: COOLDOWN,
      prefixDelegation: this.pd,
    });
    fresh.setAssignsBothKinds(this.both);
    for (const eni of before.enis) {
      fresh.addEni({
        id: eni.id,
        deviceNumber: eni.deviceNumber,
        isPrimary: eni.isPrimary,
        excludedForPodIps: eni.excludedForPodIps,
        draining: eni.draining,
      });
      for (const c of eni.cidrs) fresh.addCidr(eni.id, c.cidr, c.isPrefix);
    }
    const links = this.ds
      .allocations()
      .map((a) => podVethName('eni', a.metadata.k8sPodNamespace, a.metadata.k8sPodName));
    const outcome = applyCheckpoint(fresh, decodeCheckpoint(text), links, 'ipam.json');
    expect(outcome.dropped).toEqual([]);
    expect(fresh.allocations()).toEqual(this.ds.allocations());
    expect(fresh.coolingAddresses()).toEqual(this.ds.coolingAddresses());
    expect(fresh.stats()).toEqual(this.ds.stats());
    expect(fresh.inventory()).toEqual(this.ds.inventory());
    expect(renderCheckpoint(fresh)).toBe(text);
    this.ds = fresh;
  }

  /**
   * Invariants that must hold after every step. Checked with plain comparisons and reported
   * through expect() only on a mismatch: thousands of steps run per test.
   */
  check(): void {
    const ds = this.ds;
    const snap = ds.describe();
    const now = this.clock.now();
    const allocs = ds.allocations();
    const keyText = (k: IpamKey) => encodeIpamKey(k.networkName, k.containerID, k.ifName);

    // no address held by two keys, no key with two addresses, the model agrees
    const actualHolders = new Map(allocs.map((a) => [keyText(a.key), a.ip]));
    same('distinct addresses', new Set(allocs.map((a) => a.ip)).size, allocs.length);
    same('holders', actualHolders, this.holder);
    for (const a of allocs)
      same(`pod of ${keyText(a.key)}`, a.metadata, this.podByKey.get(keyText(a.key)));

    // counters equal a recount from the address states
    const recount = {
      totalIPs: 0,
      assignedIPs: 0,
      coolingIPs: 0,
      totalPrefixes: 0,
      freePrefixes: 0,
    };
    const inventory = { totalAddresses: 0, assignedAddresses: 0, prefixes: 0 };
    const perCidr: { eniId: string; cidr: string; isPrefix: boolean; assigned: number }[] = [];
    const perEni: unknown[] = [];
    for (const eni of snap.enis) {
      const usage = () => ({
        cidrs: 0,
        capacity: 0,
        assigned: 0,
        cooling: 0,
        zeroAssignedCidrs: 0,
      });
      const kinds = { ip: usage(), prefix: usage() };
      let assignedAll = 0;
      let coolingAll = 0;
      for (const c of eni.cidrs) {
        let assigned = 0;
        let cooling = 0;
        for (const a of c.addresses) {
          if (a.state === 'assigned') assigned++;
          else {
            cooling++;
            // a cooling address is within its period (the clock only moves forward here)
            if (now - Number(a.unassignedAtNs! / 1_000_000n) >= COOLDOWN)
              same(`${a.ip} expired but cooling`, true, false);
          }
        }
        const k = c.isPrefix ? kinds.prefix : kinds.ip;
        k.cidrs++;
        k.capacity += c.size;
        k.assigned += assigned;
        k.cooling += cooling;
        if (assigned === 0) k.zeroAssignedCidrs++;
        assignedAll += assigned;
        coolingAll += cooling;
        inventory.totalAddresses += c.size;
        inventory.assignedAddresses += assigned;
        if (c.isPrefix) {
          inventory.prefixes++;
          recount.totalPrefixes++;
          if (assigned === 0) recount.freePrefixes++;
        }
        if (!eni.excludedForPodIps && !eni.draining && (this.both || c.isPrefix === this.pd)) {
          recount.totalIPs += c.size;
          recount.assignedIPs += assigned;
          recount.coolingIPs += cooling;
        }
        perCidr.push({ eniId: eni.id, cidr: c.cidr, isPrefix: c.isPrefix, assigned });
      }
      perEni.push({
        assigned: assignedAll,
        cooling: coolingAll,
        cidrCount: eni.cidrs.length,
        secondaryIps: kinds.ip,
        prefixes: kinds.prefix,
      });
    }
    same('stats', ds.stats(), recount);
    same('inventory', ds.inventory(), inventory);
    same('per CIDR', ds.assignedPerCidr(), perCidr);
    same(
      'per ENI',
      ds.enis().map((e) => ({
        assigned: e.assigned,
        cooling: e.cooling,
        cidrCount: e.cidrCount,
        secondaryIps: e.secondaryIps,
        prefixes: e.prefixes,
      })),
      perEni,
    );

    // every address the model says is cooling is cooling in the datastore
    const coolingNow = new Set(ds.coolingAddresses().map((c) => c.ip));
    for (const [ip, since] of this.coolingSince) {
      if (now - since < COOLDOWN && !coolingNow.has(ip))
        same(`${ip} should be cooling`, false, true);
    }
  }
}

describe('datastore under random operation sequences', () => {
  it('keeps every invariant after every step', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(opArb, { minLength: 10, maxLength: 120, size: 'max' }),
        (pd, ops) => {
          const h = new Harness(pd);
          for (const op of ops) {
            h.run(op);
            h.check();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
