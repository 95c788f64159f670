import type { PodRoute } from './eni-net/rule-plans.ts';

/**
 * The port through which the daemon changes the node's network: SNAT/connmark rules, ENI links
 * and ip rules. LinuxHostNetwork implements it with iptables and iproute2, NoopHostNetwork when
 * DISABLE_HOST_NETWORKING is set, FakeHostNetwork in unit tests.
 *
 * Every changing call is idempotent and converges from any prior state; it returns the changes
 * it made (commands, one per entry) so callers can log them, and an empty list when the node
 * already matched.
 */

export type { PodRoute } from './eni-net/rule-plans.ts';

export type HostChanges = readonly string[];

export interface HostSetup {
  /** The VPC's IPv4 CIDR blocks (IMDS vpc-ipv4-cidr-blocks of the primary MAC). */
  readonly vpcCidrs: readonly string[];
  /** MAC of the primary ENI; its link becomes the primary interface. */
  readonly primaryMac: string;
  /** Primary private IPv4 of the primary ENI: the SNAT source. */
  readonly primaryIp: string;
}

export interface HostSetupResult {
  /** Name of the primary ENI's link (e.g. eth0, ens5). */
  readonly primaryInterface: string;
  readonly changes: HostChanges;
}

/** An ENI as ipamd knows it from IMDS/EC2. */
export interface EniNetwork {
  /** For logs only. */
  readonly eniId?: string;
  readonly mac: string;
  /** The ENI's primary private IPv4. */
  readonly primaryIp: string;
  /** The ENI's subnet CIDR (IMDS subnet-ipv4-cidr-block); the gateway is its base + 1. */
  readonly subnetCidr: string;
  readonly deviceNumber: number;
  readonly networkCard: number;
  /** Trunk ENIs (security groups for pods) get no `from <ip>` rule. */
  readonly isTrunk?: boolean;
  /**
   * ENIs per card, to recognise the legacy table number (device + 1 + card·max) of rules left by
   * older versions on cards > 0. Optional.
   */
  readonly maxEnisPerCard?: number;
}

export interface EniSetupResult {
  readonly interfaceName: string;
  /** The table the ENI's routes and rule use: what AddNetworkReply must report for its pods. */
  readonly routeTableId: number;
  readonly changes: HostChanges;
}

export interface HostNetwork {
  /**
   * Node init (the reference's SetupHostNetwork): primary ENI MTU, rp_filter=2 on it when node-port
   * support is on, the fwmark rule at 1024, the local-table rule move for strict SGP, and the
   * SNAT/connmark/node-port iptables rules including the removal of the reference's old chains.
   */
  setupHost(setup: HostSetup): Promise<HostSetupResult>;

  /**
   * Re-applies the SNAT/connmark rules for a new set of VPC CIDRs (the 30 s re-check). Needs a
   * setupHost first. Returns the iptables changes.
   */
  updateSnat(vpcCidrs: readonly string[]): Promise<HostChanges>;

  /**
   * Sets up a secondary ENI's link, address, routes and rule (the reference's SetupENINetwork).
   * Device 0 of card 0 is the primary ENI: only its MTU is set. Waits for the link to appear
   * (5 × 3 s), then throws EniLinkNotFoundError, which tells the caller that retrying soon is
   * pointless.
   */
  setupEni(eni: EniNetwork): Promise<EniSetupResult>;

  /**
   * After an ENI was detached (as the reference's tryFreeENI does): removes every rule whose
   * source is its primary IP and, if its link is still there, its routes and address. Never fails
   * because something is already gone.
   */
  teardownEni(eni: EniNetwork): Promise<HostChanges>;

  /** Re-programs the per-pod rules of restored allocations (configureIPRulesForPods). */
  programPodRules(pods: readonly PodRoute[]): Promise<HostChanges>;

  /**
   * Removes the per-pod rules (512 and 1536) of allocations found stale at restore (the
   * reference's restore rules).
   */
  prunePodRules(ips: readonly string[]): Promise<HostChanges>;

  /** Exactly one `to <cidr> lookup main prio 1535` rule per AWS_EXTERNAL_SERVICE_CIDRS entry. */
  configureExternalServiceRules(cidrs: readonly string[]): Promise<HostChanges>;

  /** Names of the node's links, for the restore's host-veth check (as in the reference). */
  listLinkNames(): Promise<readonly string[]>;
}

/** No link with the ENI's MAC appeared while we waited. */
export class EniLinkNotFoundError extends Error {
  readonly mac: string;
  constructor(mac: string, waitedMs: number) {
    super(`no network link has MAC ${mac} (waited ${Math.round(waitedMs / 1000)} s)`);
    this.name = 'EniLinkNotFoundError';
    this.mac = mac;
  }
}
