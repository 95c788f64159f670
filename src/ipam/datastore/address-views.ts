import { SLOT_ASSIGNED, SLOT_COOLING } from '../address-slots.ts';
import type {
  AddressSnapshot,
  AllocationView,
  CidrSnapshot,
  CoolingView,
  DatastoreSnapshot,
  EniSnapshot,
} from '../datastore-types.ts';
import type { IpamKey } from '../ipam-key.ts';
import { unixNanos } from '../unix-time.ts';
import type { AddressPool } from './address-pool.ts';
import { identity, inventory, prefixDelegation } from './pool-views.ts';
import { type CidrRecord, KIND_PREFIX } from './records.ts';

/**
 * Read-only views of a pool's addresses: one key's, every assigned or cooling one (in ENI / CIDR
 * / address order), a full snapshot. Each is documented where the Datastore class exposes it.
 */

export function lookup(pool: AddressPool, key: IpamKey): AllocationView | undefined {
  const slot = pool.findSlot(key.networkName, key.containerID, key.ifName);
  return slot < 0 ? undefined : allocationView(pool, slot);
}

export function allocations(pool: AddressPool): AllocationView[] {
  const out: AllocationView[] = [];
  forEachSlot(pool, SLOT_ASSIGNED, (slot) => out.push(allocationView(pool, slot)));
  return out;
}

export function coolingAddresses(pool: AddressPool): CoolingView[] {
  pool.expireCooldowns();
  const out: CoolingView[] = [];
  const s = pool.slots;
  forEachSlot(pool, SLOT_COOLING, (slot, cidr) => {
    out.push({
      ip: pool.ipText(slot),
      eniId: cidr.eni.id,
      cidr: cidr.text,
      unassignedAtNs: unixNanos(s.unassignedMs(slot), s.unassignedSubMsNs(slot)),
    });
  });
  return out;
}

/** Derived from the address slots alone (not from the counters). */
export function describe(pool: AddressPool): DatastoreSnapshot {
  pool.expireCooldowns();
  const s = pool.slots;
  const enis: EniSnapshot[] = [];
  for (const eni of pool.enisById.values()) {
    const cidrs: CidrSnapshot[] = [];
    for (const c of eni.cidrs.values()) {
      const addresses: AddressSnapshot[] = [];
      for (let slot = c.base; slot < c.base + c.size; slot++) {
        const state = s.state(slot);
        if (state === SLOT_ASSIGNED) {
          const view = allocationView(pool, slot);
          addresses.push({
            ip: view.ip,
            state: 'assigned',
            key: view.key,
            metadata: view.metadata,
            assignedAtNs: view.assignedAtNs,
          });
        } else if (state === SLOT_COOLING) {
          const assignedMs = s.assignedMs(slot);
          addresses.push({
            ip: pool.ipText(slot),
            state: 'cooling',
            ...(Number.isNaN(assignedMs)
              ? {}
              : { assignedAtNs: unixNanos(assignedMs, s.assignedSubMsNs(slot)) }),
            unassignedAtNs: unixNanos(s.unassignedMs(slot), s.unassignedSubMsNs(slot)),
          });
        }
      }
      cidrs.push({
        cidr: c.text,
        network: c.block.networkText,
        bits: c.block.bits,
        isPrefix: c.kind === KIND_PREFIX,
        size: c.size,
        addresses,
      });
    }
    enis.push({ ...identity(eni), cidrs });
  }
  return {
    networkCard: pool.networkCard,
    prefixDelegation: prefixDelegation(pool),
    inventory: inventory(pool),
    enis,
  };
}

/** O(1) amortised: after expiry the FIFO head is a live cooling entry. */
export function nextCooldownEnd(pool: AddressPool): number | undefined {
  pool.expireCooldowns();
  const fifo = pool.coolingFifo;
  return fifo.size > 0 ? fifo.peekTime() + pool.cooldownMs : undefined;
}

/** Calls `visit` for every slot in `state`, in ENI / CIDR / address order; skips CIDRs with none. */
function forEachSlot(
  pool: AddressPool,
  state: typeof SLOT_ASSIGNED | typeof SLOT_COOLING,
  visit: (slot: number, cidr: CidrRecord) => void,
): void {
  const s = pool.slots;
  for (const eni of pool.enisById.values()) {
    for (const c of eni.cidrs.values()) {
      if ((state === SLOT_ASSIGNED ? c.assigned : c.cooling) === 0) continue;
      for (let slot = c.base; slot < c.base + c.size; slot++) {
        if (s.state(slot) === state) visit(slot, c);
      }
    }
  }
}

function allocationView(pool: AddressPool, slot: number): AllocationView {
  const s = pool.slots;
  const cidr = s.owner(slot);
  const eni = cidr.eni;
  return {
    key: s.keyOf(slot),
    metadata: s.metadataOf(slot),
    ip: pool.ipText(slot),
    eniId: eni.id,
    deviceNumber: eni.deviceNumber,
    routeTableId: eni.routeTableId,
    cidr: cidr.text,
    isPrefix: cidr.kind === KIND_PREFIX,
    assignedAtNs: unixNanos(s.assignedMs(slot), s.assignedSubMsNs(slot)),
  };
}
