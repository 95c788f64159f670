/**
 * Baseline for bench/allocator: an allocator that works the way the reference's datastore does (its
 * DataStore, AssignPodIPv4Address, UnassignPodIPAddress), written from a description of them.
 * Nested maps ENI → CIDR → address entries created lazily; assignment first scans every address of
 * every ENI for the key (idempotency), then walks ENIs and CIDRs of the current kind, and in a CIDR
 * drops expired unassigned entries (remembering the first) or walks the CIDR upward for an address
 * without an entry; unassignment scans for the key again. Only what the benchmark exercises is
 * here.
 */

interface Key {
  readonly networkName: string;
  readonly containerID: string;
  readonly ifName: string;
}

interface Metadata {
  readonly k8sPodNamespace: string;
  readonly k8sPodName: string;
  readonly interfacesCount: number;
}

interface AddressInfo {
  key: Key | undefined;
  metadata: Metadata | undefined;
  assignedTime: number;
  unassignedTime: number;
}

interface CidrInfo {
  readonly network: number;
  readonly size: number;
  readonly isPrefix: boolean;
  readonly addresses: Map<string, AddressInfo>;
}

interface EniInfo {
  readonly id: string;
  readonly deviceNumber: number;
  readonly cidrs: Map<string, CidrInfo>;
}

function formatIpv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

function sameKey(a: Key | undefined, b: Key): boolean {
  return (
    a !== undefined &&
    a.networkName === b.networkName &&
    a.containerID === b.containerID &&
    a.ifName === b.ifName
  );
}

export class ReferenceStyleAllocator {
  private readonly enis = new Map<string, EniInfo>();

  constructor(
    private readonly now: () => number,
    private readonly cooldownMs: number,
    private readonly prefixDelegation: boolean,
  ) {}

  addEni(id: string, deviceNumber: number): void {
    this.enis.set(id, { id, deviceNumber, cidrs: new Map() });
  }

  addCidr(eniId: string, network: number, bits: number, isPrefix: boolean): void {
    const eni = this.enis.get(eniId);
    if (!eni) throw new Error('datastore: unknown ENI');
    eni.cidrs.set(`${formatIpv4(network)}/${bits}`, {
      network,
      size: 2 ** (32 - bits),
      isPrefix,
      addresses: new Map(),
    });
  }

  /**
   * Bench set-up only: places pods in address order without the per-call scans, so that filling
   * a large pool does not take quadratic time before the measurement starts.
   */
  preload(pods: readonly { key: Key; metadata: Metadata }[]): string[] {
    const ips: string[] = [];
    let next = 0;
    const now = this.now();
    for (const eni of this.enis.values()) {
      for (const cidr of eni.cidrs.values()) {
        if (cidr.isPrefix !== this.prefixDelegation) continue;
        for (let i = 0; i < cidr.size && next < pods.length; i++) {
          const ip = formatIpv4((cidr.network + i) >>> 0);
          const pod = pods[next++]!;
          cidr.addresses.set(ip, {
            key: pod.key,
            metadata: pod.metadata,
            assignedTime: now,
            unassignedTime: 0,
          });
          ips.push(ip);
        }
      }
    }
    if (next < pods.length) throw new Error('AssignPodIPAddress: no available IP/Prefix addresses');
    return ips;
  }

  assign(key: Key, metadata: Metadata): string {
    for (const eni of this.enis.values()) {
      for (const cidr of eni.cidrs.values()) {
        for (const [ip, address] of cidr.addresses) {
          if (sameKey(address.key, key)) return ip;
        }
      }
    }
    const now = this.now();
    for (const eni of this.enis.values()) {
      for (const cidr of eni.cidrs.values()) {
        if (cidr.isPrefix !== this.prefixDelegation) continue;
        const ip = this.unusedIp(cidr, now);
        if (ip === undefined) continue;
        cidr.addresses.set(ip, { key, metadata, assignedTime: now, unassignedTime: 0 });
        return ip;
      }
    }
    throw new Error('AssignPodIPAddress: no available IP/Prefix addresses');
  }

  private unusedIp(cidr: CidrInfo, now: number): string | undefined {
    let reusable: string | undefined;
    for (const [ip, address] of cidr.addresses) {
      if (address.key === undefined && now - address.unassignedTime >= this.cooldownMs) {
        cidr.addresses.delete(ip);
        if (reusable === undefined) reusable = ip;
      }
    }
    if (reusable !== undefined) return reusable;
    for (let i = 0; i < cidr.size; i++) {
      const ip = formatIpv4((cidr.network + i) >>> 0);
      if (!cidr.addresses.has(ip)) return ip;
    }
    return undefined;
  }

  unassign(key: Key): string {
    const found =
      this.find(key) ??
      this.find({
        networkName: '_migrated-from-cri',
        containerID: key.containerID,
        ifName: 'unknown',
      });
    if (!found) throw new Error('datastore: unknown pod');
    const [ip, address] = found;
    address.key = undefined;
    address.metadata = undefined;
    address.unassignedTime = this.now();
    return ip;
  }

  private find(key: Key): [string, AddressInfo] | undefined {
    for (const eni of this.enis.values()) {
      for (const cidr of eni.cidrs.values()) {
        for (const entry of cidr.addresses) {
          if (sameKey(entry[1].key, key)) return entry;
        }
      }
    }
    return undefined;
  }
}
