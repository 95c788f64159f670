/**
 * What ipamd reads from the instance metadata service (awsutils in the reference), as the daemon
 * sees it. The IMDS adapter (imds.ts) implements it over HTTP; tests can pass a fake.
 *
 * IMDS is eventually consistent: a new ENI or address can take many seconds to appear, and a
 * removed one lingers. Callers use it for discovery and confirm anything destructive with EC2.
 * Absent things (a 404) are `undefined` or empty lists; any other failure throws ImdsError.
 */

export interface InstanceIdentity {
  /** meta-data/instance-id */
  readonly instanceId: string;
  /** meta-data/instance-type */
  readonly instanceType: string;
  /** meta-data/placement/availability-zone */
  readonly availabilityZone: string;
  /** The instance identity document's region. */
  readonly region: string;
  /** The instance identity document's accountId ('' when the document has none). */
  readonly accountId: string;
  /** meta-data/local-ipv4: the node's primary IPv4 address. */
  readonly primaryIpv4: string;
  /** meta-data/mac: the MAC of the primary ENI. */
  readonly primaryMac: string;
}

/** One attached ENI as IMDS reports it (meta-data/network/interfaces/macs/<mac>/…). */
export interface ImdsEni {
  readonly mac: string;
  /** interface-id */
  readonly eniId: string;
  /** device-number; forced to 0 for the primary ENI whatever IMDS says. */
  readonly deviceNumber: number;
  /** network-card, read only when listed (0 otherwise, and on 404). */
  readonly networkCard: number;
  /** Whether this is the instance's primary ENI (its MAC is meta-data/mac). */
  readonly isPrimary: boolean;
  readonly subnetId: string;
  /** subnet-ipv4-cidr-block, e.g. '10.0.0.0/20'. */
  readonly subnetIpv4Cidr: string;
  readonly vpcId: string;
  /** local-ipv4s; the first is the ENI's primary address. Empty when not listed. */
  readonly ipv4Addresses: readonly string[];
  /** ipv4-prefix (/28s); empty when absent. */
  readonly ipv4Prefixes: readonly string[];
  /** ipv6s; empty when absent. */
  readonly ipv6Addresses: readonly string[];
  /** ipv6-prefix; empty when absent. */
  readonly ipv6Prefixes: readonly string[];
  /** subnet-ipv6-cidr-blocks, read when the ENI has IPv6 addresses; empty otherwise. */
  readonly subnetIpv6Cidrs: readonly string[];
}

export interface ImdsPort {
  /** Identity of this instance. Cached after the first success: none of it changes while the instance lives. */
  getInstanceIdentity(): Promise<InstanceIdentity>;
  /** meta-data/ipv6 (IPv6 mode only); undefined when the instance has none. */
  getPrimaryIpv6(): Promise<string | undefined>;
  /** MACs of the attached ENIs (meta-data/network/interfaces/macs/), trailing '/' trimmed. */
  listMacs(): Promise<string[]>;
  /** One ENI by MAC; undefined when IMDS no longer (or not yet) lists it. */
  getEni(mac: string): Promise<ImdsEni | undefined>;
  /** Every ENI IMDS lists now, in the order IMDS lists their MACs. */
  listEnis(): Promise<ImdsEni[]>;
  /** vpc-ipv4-cidr-blocks of the primary ENI. */
  getVpcIpv4Cidrs(): Promise<string[]>;
  /** vpc-ipv6-cidr-blocks of the primary ENI; empty when absent. */
  getVpcIpv6Cidrs(): Promise<string[]>;
  /** security-group-ids of the primary ENI. */
  getSecurityGroupIds(): Promise<string[]>;
}

/** An IMDS read that failed for a reason other than "not there" (404). */
export class ImdsError extends Error {
  /** The metadata path, e.g. 'latest/meta-data/mac'. */
  readonly path: string;
  /** HTTP status when IMDS answered at all. */
  readonly status: number | undefined;

  constructor(path: string, message: string, status?: number, options?: { cause?: unknown }) {
    super(`IMDS ${path}: ${message}`, options);
    this.name = 'ImdsError';
    this.path = path;
    this.status = status;
  }
}
