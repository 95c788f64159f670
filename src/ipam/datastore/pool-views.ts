import type {
  CidrKindUsage,
  CidrUse,
  EniIdentity,
  EniSummary,
  InventoryCounters,
  IpStats,
} from '../datastore-types.ts';
import type { AddressPool } from './address-pool.ts';
import { type EniRecord, KIND_IP, KIND_PREFIX, type Kind } from './records.ts';

/**
 * Read-only views of a pool's ENIs and CIDRs, from its incremental counters (O(ENIs + CIDRs) at
 * most, never a walk over addresses). Each is documented where the Datastore class exposes it.
 */

export function prefixDelegation(pool: AddressPool): boolean {
  return pool.modeKind === KIND_PREFIX;
}

export function stats(pool: AddressPool): IpStats {
  pool.expireCooldowns();
  const kind = pool.modeKind;
  if (pool.bothKinds) {
    return {
      totalIPs: pool.modeTotal[KIND_IP]! + pool.modeTotal[KIND_PREFIX]!,
      assignedIPs: pool.modeAssigned[KIND_IP]! + pool.modeAssigned[KIND_PREFIX]!,
      coolingIPs: pool.modeCooling[KIND_IP]! + pool.modeCooling[KIND_PREFIX]!,
      totalPrefixes: pool.prefixCount,
      freePrefixes: pool.freePrefixCount,
    };
  }
  return {
    totalIPs: pool.modeTotal[kind]!,
    assignedIPs: pool.modeAssigned[kind]!,
    coolingIPs: pool.modeCooling[kind]!,
    totalPrefixes: pool.prefixCount,
    freePrefixes: pool.freePrefixCount,
  };
}

export function inventory(pool: AddressPool): InventoryCounters {
  return {
    totalAddresses: pool.allTotal,
    assignedAddresses: pool.allAssigned,
    prefixes: pool.prefixCount,
  };
}

export function eniSummary(pool: AddressPool, eniId: string): EniSummary | undefined {
  const eni = pool.enisById.get(eniId);
  if (!eni) return undefined;
  pool.expireCooldowns();
  return summarise(pool, eni);
}

export function eniSummaries(pool: AddressPool): EniSummary[] {
  pool.expireCooldowns();
  return [...pool.enisById.values()].map((eni) => summarise(pool, eni));
}

export function cidrsOf(pool: AddressPool, eniId: string): { cidr: string; isPrefix: boolean }[] {
  const eni = pool.requireEni(eniId);
  return [...eni.cidrs.values()].map((c) => ({ cidr: c.text, isPrefix: c.kind === KIND_PREFIX }));
}

export function freeableCidrs(
  pool: AddressPool,
  eniId: string,
  includeCooling: boolean,
): { cidr: string; isPrefix: boolean }[] {
  const eni = pool.requireEni(eniId);
  if (!includeCooling) pool.expireCooldowns();
  const out: { cidr: string; isPrefix: boolean }[] = [];
  for (const c of eni.cidrs.values()) {
    if (c.assigned === 0 && (includeCooling || c.cooling === 0)) {
      out.push({ cidr: c.text, isPrefix: c.kind === KIND_PREFIX });
    }
  }
  return out;
}

export function allocatableEnis(
  pool: AddressPool,
  maxCidrsPerEni: number,
  customNetworking: boolean,
): EniSummary[] {
  pool.expireCooldowns();
  const out: EniSummary[] = [];
  for (const eni of pool.enisById.values()) {
    if (eni.isTrunk || eni.excluded || eni.draining || (customNetworking && eni.isPrimary))
      continue;
    if (eni.cidrs.size >= maxCidrsPerEni) continue;
    out.push(summarise(pool, eni));
  }
  return out;
}

export function trunkEni(pool: AddressPool): string | undefined {
  for (const eni of pool.enisById.values()) if (eni.isTrunk) return eni.id;
  return undefined;
}

export function efaEnis(pool: AddressPool): string[] {
  return [...pool.enisById.values()].filter((e) => e.isEfa).map((e) => e.id);
}

export function freeableEniExists(pool: AddressPool): boolean {
  for (const eni of pool.enisById.values()) {
    if (!eni.isPrimary && !eni.isTrunk && !eni.isEfa && eni.assignedAll === 0) return true;
  }
  return false;
}

export function assignedPerCidr(pool: AddressPool): CidrUse[] {
  const out: CidrUse[] = [];
  for (const eni of pool.enisById.values()) {
    for (const c of eni.cidrs.values()) {
      out.push({
        eniId: eni.id,
        cidr: c.text,
        isPrefix: c.kind === KIND_PREFIX,
        assigned: c.assigned,
      });
    }
  }
  return out;
}

export function assignedPerEni(pool: AddressPool): { eniId: string; assigned: number }[] {
  return [...pool.enisById.values()].map((e) => ({ eniId: e.id, assigned: e.assignedAll }));
}

export function identity(eni: EniRecord): EniIdentity {
  return {
    id: eni.id,
    deviceNumber: eni.deviceNumber,
    isPrimary: eni.isPrimary,
    isTrunk: eni.isTrunk,
    isEfa: eni.isEfa,
    subnetId: eni.subnetId,
    routeTableId: eni.routeTableId,
    excludedForPodIps: eni.excluded,
    draining: eni.draining,
    createTimeMs: eni.createTimeMs,
  };
}

function summarise(pool: AddressPool, eni: EniRecord): EniSummary {
  const usage = (kind: Kind): CidrKindUsage => ({
    cidrs: eni.cidrCount[kind]!,
    capacity: eni.total[kind]!,
    assigned: eni.assigned[kind]!,
    cooling: eni.cooling[kind]!,
    zeroAssignedCidrs: eni.zeroAssigned[kind]!,
  });
  const secondaryIps = usage(KIND_IP);
  const prefixes = usage(KIND_PREFIX);
  return {
    ...identity(eni),
    cidrCount: eni.cidrs.size,
    assigned: eni.assignedAll,
    cooling: eni.coolingAll,
    secondaryIps,
    prefixes,
    inMode: pool.modeKind === KIND_PREFIX ? prefixes : secondaryIps,
  };
}
