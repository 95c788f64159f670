import { formatIpv4, parseIpv4 } from '../ipam/cidr.ts';
import type { Datastore } from '../ipam/datastore.ts';
import { ERR_IP_ALREADY_IN_STORE } from '../ipam/datastore-errors.ts';
import { encodeIpamKey, formatIpamKey, type IpamKey } from '../ipam/ipam-key.ts';
import { podVethSuffix } from '../ipam/pod-veth-name.ts';
import { unixNanos } from '../ipam/unix-time.ts';
import { CheckpointError } from './errors.ts';
import type { CheckpointEntry, DecodedCheckpoint } from './format.ts';
import type { JsonValue } from './json-lossless.ts';

/** Length of the hash part of a pod's host veth name. */
const VETH_SUFFIX_LENGTH = 11;

export type DropReason = 'stale-veth' | 'not-on-any-cidr';

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
 * Applies a decoded checkpoint to a datastore whose ENIs and CIDRs are already rebuilt
 * (spec/ipamd.md §5.7 steps 3–4): allocations whose pod veth is gone are stale; the others go on
 * the CIDR holding their IP, or are dropped when none does. An IP (or key) listed twice is an
 * error naming both entries. Everything is checked before the datastore is touched, so an error
 * leaves it as it was. Cooldowns are restored; a stale-veth address starts a fresh cooldown, as
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
        if (entry.ipv4 !== '') staleAddresses.push(entry.ipv4);
        continue;
      }
    }
    const parsed = entry.ipv4 === '' ? undefined : parseIpv4(entry.ipv4);
    const ip = parsed === undefined ? undefined : formatIpv4(parsed);
    if (ip === undefined || datastore.containingCidr(ip) === undefined) {
      dropped.push({ entry, source, reason: 'not-on-any-cidr', detail: placementDetail(entry) });
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
    if (!placement.placed) continue; // cannot happen: containingCidr found it above
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
    ...checkpoint.cooldown.map((c) => ({ ip: c.ipv4, unassignedAtNs: c.unassignedTimestamp })),
    ...staleAddresses.map((ip) => ({ ip, unassignedAtNs: nowNs })),
  ];
  const cooldownsRestored = datastore.restoreCooldowns(cooldowns);
  return { restored, dropped, rulesToPrune, cooldownsRestored };
}

function keyText(key: IpamKey): string {
  return encodeIpamKey(key.networkName, key.containerID, key.ifName);
}

function placementDetail(entry: CheckpointEntry): string {
  if (entry.ipv4 === '') {
    return entry.ipv6 !== ''
      ? `IPv6 allocation ${entry.ipv6}; this datastore holds IPv4 only`
      : 'allocation has no address';
  }
  if (parseIpv4(entry.ipv4) === undefined)
    return `unparseable IPv4 address ${JSON.stringify(entry.ipv4)}`;
  return `no CIDR on this network card holds ${entry.ipv4} (presuming stale/dead)`;
}
