import { prefixMask } from './cidr.ts';
import type { AddressSnapshot, DatastoreSnapshot, EniSnapshot } from './datastore-types.ts';
import { formatRfc3339Nano, GO_ZERO_TIME, unixTimeFromNanos } from './unix-time.ts';

/**
 * The reference's /v1/enis introspection document, built from datastore snapshots. Go field
 * names and order; map keys sorted as Go's encoder sorts them; containerID and ifName blanked (the
 * reference scrubs them against reconnaissance). IPv4 only: IPv6Cidrs is {}.
 */

export interface EnisIntrospection {
  [networkCard: string]: CardInfoJson;
}

export interface CardInfoJson {
  TotalIPs: number;
  AssignedIPs: number;
  ENIs: Record<string, EniInfoJson>;
}

export interface EniInfoJson {
  ID: string;
  IsPrimary: boolean;
  IsTrunk: boolean;
  IsEFA: boolean;
  DeviceNumber: number;
  AvailableIPv4Cidrs: Record<string, CidrInfoJson>;
  IPv6Cidrs: Record<string, never>;
  IsExcludedForPodIPs: boolean;
  RouteTableID: number;
  SubnetID: string;
}

export interface CidrInfoJson {
  Cidr: { IP: string; Mask: string };
  IPAddresses: Record<string, AddressInfoJson>;
  IsPrefix: boolean;
  AddressFamily: string;
}

export interface AddressInfoJson {
  Address: string;
  IPAMKey: { networkName: string; containerID: string; ifName: string };
  IPAMMetadata: { k8sPodNamespace: string; k8sPodName: string; interfacesCount?: number };
  AssignedTime: string;
  UnassignedTime: string;
}

export function enisIntrospection(
  cards: readonly { readonly networkCard: number; readonly snapshot: DatastoreSnapshot }[],
): EnisIntrospection {
  const out: EnisIntrospection = {};
  for (const { networkCard, snapshot } of [...cards].sort((a, b) =>
    compareGoKeys(String(a.networkCard), String(b.networkCard)),
  )) {
    const enis: Record<string, EniInfoJson> = {};
    for (const eni of sortedBy(snapshot.enis, (e) => e.id)) enis[eni.id] = eniInfo(eni);
    out[String(networkCard)] = {
      TotalIPs: snapshot.inventory.totalAddresses,
      AssignedIPs: snapshot.inventory.assignedAddresses,
      ENIs: enis,
    };
  }
  return out;
}

function eniInfo(eni: EniSnapshot): EniInfoJson {
  const cidrs: Record<string, CidrInfoJson> = {};
  for (const cidr of sortedBy(eni.cidrs, (c) => c.cidr)) {
    const addresses: Record<string, AddressInfoJson> = {};
    for (const address of sortedBy(cidr.addresses, (a) => a.ip)) {
      addresses[address.ip] = addressInfo(address);
    }
    cidrs[cidr.cidr] = {
      Cidr: { IP: cidr.network, Mask: maskBase64(cidr.bits) },
      IPAddresses: addresses,
      IsPrefix: cidr.isPrefix,
      AddressFamily: '',
    };
  }
  return {
    ID: eni.id,
    IsPrimary: eni.isPrimary,
    IsTrunk: eni.isTrunk,
    IsEFA: eni.isEfa,
    DeviceNumber: eni.deviceNumber,
    AvailableIPv4Cidrs: cidrs,
    IPv6Cidrs: {},
    IsExcludedForPodIPs: eni.excludedForPodIps,
    RouteTableID: eni.routeTableId,
    SubnetID: eni.subnetId,
  };
}

function addressInfo(address: AddressSnapshot): AddressInfoJson {
  const metadata = address.metadata;
  return {
    Address: address.ip,
    IPAMKey: { networkName: address.key?.networkName ?? '', containerID: '', ifName: '' },
    IPAMMetadata: {
      k8sPodNamespace: metadata?.k8sPodNamespace ?? '',
      k8sPodName: metadata?.k8sPodName ?? '',
      // omitempty in the reference
      ...(metadata && metadata.interfacesCount !== 0
        ? { interfacesCount: metadata.interfacesCount }
        : {}),
    },
    AssignedTime: formatNs(address.assignedAtNs),
    UnassignedTime: formatNs(address.unassignedAtNs),
  };
}

function formatNs(ns: bigint | undefined): string {
  if (ns === undefined) return GO_ZERO_TIME;
  const t = unixTimeFromNanos(ns);
  return formatRfc3339Nano(t.ms, t.subMsNs);
}

/** Go marshals a net.IPMask ([]byte) as base64; an IPv4 mask is 4 bytes. */
function maskBase64(bits: number): string {
  const mask = prefixMask(bits);
  return btoa(
    String.fromCharCode((mask >>> 24) & 255, (mask >>> 16) & 255, (mask >>> 8) & 255, mask & 255),
  );
}

/** Go's encoder sorts map keys by their bytes; for ASCII keys that is UTF-16 order. */
function compareGoKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => compareGoKeys(key(a), key(b)));
}
