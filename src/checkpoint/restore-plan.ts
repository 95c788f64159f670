import { type AddressFamily, normaliseAddress } from '../ipam/address-family.ts';
import type { Datastore } from '../ipam/datastore.ts';
import { ERR_IP_ALREADY_IN_STORE } from '../ipam/datastore-errors.ts';
import type { ContainingCidr } from '../ipam/datastore-types.ts';
import { encodeIpamKey, formatIpamKey, type IpamKey } from '../ipam/ipam-key.ts';
import { IPV6_PREFIX_SLOTS } from '../ipam/ipv6-family.ts';
import { podVethSuffix } from '../ipam/pod-veth-name.ts';
import { unixNanos } from '../ipam/unix-time.ts';
import { CheckpointError } from './errors.ts';
import type { CheckpointEntry, DecodedCheckpoint } from './format.ts';
import type { JsonValue } from './json-lossless.ts';

/** Length of the hash part of a pod's host veth name. */
const VETH_SUFFIX_LENGTH = 11;

/**
 * Why a checkpointed allocation was not restored: its pod's veth is gone; no CIDR of the
 * datastore holds its address (or it has none of the datastore's family); or (IPv6) its address
 * is in a prefix but above the lowest addresses the datastore keeps for it (IPV6_PREFIX_SLOTS).
 */
export type DropReason = 'stale-veth' | 'not-on-any-cidr' | 'above-address-window';

export interface DroppedAllocation {
  readonly entry: CheckpointEntry;
  /** The entry as it was in the file. */
  readonly source: JsonValue;
  readonly reason: DropReason;
  readonly detail: string;
}

export interface RestoredAllocation {
  readonly key: IpamKey;
  readonly metadata: CheckpointEntry['metadata'];
  readonly ip: string;
  readonly eniId: string;
  readonly cidr: string;
  readonly deviceNumber: number;
  readonly routeTableId: number;
}

export interface RestoreOutcome {
  readonly restored: readonly RestoredAllocation[];
  readonly dropped: readonly DroppedAllocation[];
  /**
   * Addresses of stale-veth allocations (pods deleted while the daemon was down) whose pod ip
   * rules the daemon must delete: priority 512 "to <ip>" and priority 1536 "from <ip>".
   */
  readonly rulesToPrune: readonly string[];
  /** Cooling addresses put back into cooldown (from the file, and stale-veth addresses). */
  readonly cooldownsRestored: number;
}

/**
 * Applies a decoded checkpoint to a datastore whose ENIs and CIDRs are already rebuilt (the
 * reference's ReadBackingStore): allocations whose pod veth is gone are stale; the others go on
 * the CIDR holding their address (the entry's `ipv4` or `ipv6`, as the datastore's family), or are
 * dropped when none does. An IP (or key) listed twice is an error naming both entries. Everything
 * is checked before the datastore is touched, so an error leaves it as it was. Cooldowns are restored; a stale-veth address starts a fresh cooldown, as
 * its pod may have been deleted just now.
 */
export function applyCheckpoint(
  datastore: Datastore,
  checkpoint: DecodedCheckpoint,
  liveLinkNames: Iterable<string> | undefined,
  file: string,
): RestoreOutcome {
  // Unknown host links (host networking disabled): no allocation can be shown stale, keep all.
  const liveSuffixes = liveLinkNames === undefined ? undefined : new Set<string>();
  for (const name of liveLinkNames ?? []) {
    if (name.length >= VETH_SUFFIX_LENGTH) liveSuffixes?.add(name.slice(-VETH_SUFFIX_LENGTH));
  }

  const family = datastore.family;
  const dropped: DroppedAllocation[] = [];
  const rulesToPrune: string[] = [];
  const staleAddresses: string[] = [];
  const toPlace: { entry: CheckpointEntry; ip: string }[] = [];
  for (const { entry, source } of checkpoint.allocations) {
    const { k8sPodNamespace: namespace, k8sPodName: name } = entry.metadata;
    if (liveSuffixes && namespace !== '' && name !== '') {
      const suffix = podVethSuffix(namespace, name);
      if (!liveSuffixes.has(suffix)) {
        dropped.push({
          entry,
          source,
          reason: 'stale-veth',
          detail: `no host link ends with ${suffix} (pod ${namespace}/${name})`,
        });
        const ip = entry.ipv4 !== '' ? entry.ipv4 : entry.ipv6;
        if (ip !== '') rulesToPrune.push(ip);
        const own = cooldownAddress(family, entry);
        if (own !== '') staleAddresses.push(own);
        continue;
      }
    }
    const own = addressOf(family, entry);
    const ip = own === '' ? undefined : normaliseAddress(family, own);
    const where = ip === undefined ? undefined : datastore.containingCidr(ip);
    if (ip === undefined || where === undefined || !where.hasSlot) {
      dropped.push({
        entry,
        source,
        reason: where === undefined ? 'not-on-any-cidr' : 'above-address-window',
        detail: placementDetail(family, entry, where),
      });
      continue;
    }
    toPlace.push({ entry, ip });
  }

  const byIp = new Map<string, IpamKey>();
  const byKey = new Map<string, string>();
  for (const existing of datastore.allocations()) {
    byIp.set(existing.ip, existing.key);
    byKey.set(keyText(existing.key), existing.ip);
  }
  for (const { entry, ip } of toPlace) {
    const other = byIp.get(ip);
    if (other) {
      throw new CheckpointError(
        'duplicate-ip',
        file,
        `${ERR_IP_ALREADY_IN_STORE}: ${ip} is allocated to both ${formatIpamKey(other)} and ${formatIpamKey(entry)}`,
      );
    }
    const otherIp = byKey.get(keyText(entry));
    if (otherIp !== undefined) {
      throw new CheckpointError(
        'duplicate-key',
        file,
        `IPAM key ${formatIpamKey(entry)} is listed twice, with ${otherIp} and ${ip}`,
      );
    }
    byIp.set(ip, entry);
    byKey.set(keyText(entry), ip);
  }

  const restored: RestoredAllocation[] = [];
  for (const { entry, ip } of toPlace) {
    const placement = datastore.restoreAllocation(
      ip,
      entry,
      entry.metadata,
      entry.allocationTimestamp,
    );
    if (!placement.placed) continue; // cannot happen: containingCidr found its slot above
    restored.push({
      key: { networkName: entry.networkName, containerID: entry.containerID, ifName: entry.ifName },
      metadata: entry.metadata,
      ip,
      eniId: placement.eniId,
      cidr: placement.cidr,
      deviceNumber: placement.deviceNumber,
      routeTableId: placement.routeTableId,
    });
  }

  const now = datastore.clock.now();
  const nowNs = unixNanos(Math.floor(now), 0);
  const cooldowns = [
    ...checkpoint.cooldown.map((c) => ({
      ip: cooldownAddress(family, c),
      unassignedAtNs: c.unassignedTimestamp,
    })),
    ...staleAddresses.map((ip) => ({ ip, unassignedAtNs: nowNs })),
  ];
  const cooldownsRestored = datastore.restoreCooldowns(cooldowns);
  return { restored, dropped, rulesToPrune, cooldownsRestored };
}

function keyText(key: IpamKey): string {
  return encodeIpamKey(key.networkName, key.containerID, key.ifName);
}

/** The entry's address of the datastore's family ('' when it has none). */
function addressOf(family: AddressFamily, entry: { ipv4: string; ipv6?: string }): string {
  return family.name === 'IPv6' ? (entry.ipv6 ?? '') : entry.ipv4;
}

/**
 * The entry's address for a cooldown: canonical, so that two spellings of one address meet; text
 * that does not parse is passed on as it is (the datastore skips it).
 */
function cooldownAddress(family: AddressFamily, entry: { ipv4: string; ipv6?: string }): string {
  const own = addressOf(family, entry);
  return normaliseAddress(family, own) ?? own;
}

function placementDetail(
  family: AddressFamily,
  entry: CheckpointEntry,
  where: ContainingCidr | undefined,
): string {
  const own = addressOf(family, entry);
  if (own === '') {
    const other =
      family.name === 'IPv6' ? { name: 'IPv4', ip: entry.ipv4 } : { name: 'IPv6', ip: entry.ipv6 };
    return other.ip !== ''
      ? `${other.name} allocation ${other.ip}; this datastore holds ${family.name} only`
      : 'allocation has no address';
  }
  if (family.parseAddress(own) === undefined) {
    return `unparseable ${family.name} address ${JSON.stringify(own)}`;
  }
  if (where !== undefined) {
    return `${own} is in ${where.cidr} but above the lowest ${IPV6_PREFIX_SLOTS} addresses this datastore hands out from a prefix`;
  }
  return `no CIDR on this network card holds ${own} (presuming stale/dead)`;
}
