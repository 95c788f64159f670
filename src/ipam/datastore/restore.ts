import { SLOT_ASSIGNED, SLOT_FREE } from '../address-slots.ts';
import { DatastoreError } from '../datastore-errors.ts';
import type { ContainingCidr, RestorePlacement } from '../datastore-types.ts';
import type { IpamKey, IpamMetadata } from '../ipam-key.ts';
import { unixTimeFromNanos } from '../unix-time.ts';
import type { AddressPool } from './address-pool.ts';
import { KIND_PREFIX } from './records.ts';

/**
 * Putting a checkpoint's allocations and cooldowns back into a pool whose ENIs and CIDRs are
 * already rebuilt (the reference's DataStore.ReadBackingStore). Each is documented where the
 * Datastore class exposes it.
 */

export function containingCidr(pool: AddressPool, ip: string): ContainingCidr | undefined {
  const family = pool.family;
  const value = family.parseAddress(ip);
  if (value === undefined) return undefined;
  const cidr = pool.cidrIndex.holding(value);
  if (!cidr) return undefined;
  return {
    eniId: cidr.eni.id,
    cidr: cidr.text,
    isPrefix: cidr.kind === KIND_PREFIX,
    hasSlot: family.offsetIn(cidr.block, value) < cidr.size,
  };
}

export function restoreAllocation(
  pool: AddressPool,
  ip: string,
  key: IpamKey,
  metadata: IpamMetadata,
  assignedAtNs: bigint,
): RestorePlacement {
  const slot = pool.slotOfIp(ip);
  if (slot === undefined) return { placed: false };
  const s = pool.slots;
  if (s.state(slot) === SLOT_ASSIGNED) throw new DatastoreError('ip-already-in-store');
  if (pool.findSlot(key.networkName, key.containerID, key.ifName) >= 0) {
    throw new DatastoreError('duplicate-key');
  }
  const cidr = s.owner(slot);
  pool.claim(slot, cidr);
  const t = unixTimeFromNanos(assignedAtNs);
  // The probe still holds the key: findSlot above loaded it and nothing since loaded another.
  pool.occupy(slot, cidr, metadata, t.ms, t.subMsNs);
  const eni = cidr.eni;
  return {
    placed: true,
    eniId: eni.id,
    cidr: cidr.text,
    deviceNumber: eni.deviceNumber,
    routeTableId: eni.routeTableId,
  };
}

export function restoreCooldowns(
  pool: AddressPool,
  entries: readonly { ip: string; unassignedAtNs: bigint }[],
): number {
  if (pool.cooldownMs <= 0) return 0;
  const now = pool.clock.now();
  // The latest time wins for an address listed twice (the longer cooldown is the safe one).
  const latest = new Map<string, bigint>();
  for (const e of entries) {
    const seen = latest.get(e.ip);
    if (seen === undefined || e.unassignedAtNs > seen) latest.set(e.ip, e.unassignedAtNs);
  }
  const sorted = [...latest]
    .map(([ip, ns]) => ({ ip, at: unixTimeFromNanos(ns) }))
    .sort((a, b) => a.at.ms - b.at.ms || a.at.subMsNs - b.at.subMsNs);
  const s = pool.slots;
  let restored = 0;
  for (const { ip, at } of sorted) {
    if (now - at.ms >= pool.cooldownMs) continue;
    const slot = pool.slotOfIp(ip);
    if (slot === undefined || s.state(slot) !== SLOT_FREE) continue;
    const cidr = s.owner(slot);
    cidr.takeFree(slot - cidr.base);
    pool.startCooling(slot, cidr, at.ms, at.subMsNs);
    pool.placeCidr(cidr);
    pool.placeEni(cidr.eni);
    restored++;
  }
  return restored;
}
