import type { CardPool } from '../../daemon/card-pool.ts';

/** What a node settled at: the numbers `vpc-ipamd plan` prints. */
export interface PlanResult {
  readonly enis: number;
  /** Addresses in the pool (secondary /32s plus 16 per /28 prefix), all cards. */
  readonly ips: number;
  readonly prefixes: number;
  /** Addresses per ENI, card by card, in device order. */
  readonly ipsPerEni: readonly number[];
  /** /28 prefixes per ENI, in the same order. */
  readonly prefixesPerEni: readonly number[];
  /** Addresses no pod holds: ips − assigned. */
  readonly unusedIps: number;
  /** Pods that got no address (e.g. beyond the node's capacity or max pods). */
  readonly failedPods: number;
}

/** Reads the settled pool of every card. */
export function summarisePools(pools: readonly CardPool[], failedPods: number): PlanResult {
  const ipsPerEni: number[] = [];
  const prefixesPerEni: number[] = [];
  let assigned = 0;
  for (const pool of pools) {
    const enis = [...pool.datastore.enis()].sort((a, b) => a.deviceNumber - b.deviceNumber);
    for (const eni of enis) {
      ipsPerEni.push(eni.secondaryIps.capacity + eni.prefixes.capacity);
      prefixesPerEni.push(eni.prefixes.cidrs);
      assigned += eni.assigned;
    }
  }
  const ips = ipsPerEni.reduce((a, b) => a + b, 0);
  return {
    enis: ipsPerEni.length,
    ips,
    prefixes: prefixesPerEni.reduce((a, b) => a + b, 0),
    ipsPerEni,
    prefixesPerEni,
    unusedIps: ips - assigned,
    failedPods,
  };
}

/** One line for a pool state, e.g. "2 ENIs [9,9], 18 IPs, 0 prefixes". */
export function describePoolState(result: PlanResult): string {
  const enis = `${result.enis} ENI${result.enis === 1 ? '' : 's'} [${result.ipsPerEni.join(',')}]`;
  return `${enis}, ${result.ips} IPs, ${result.prefixes} prefixes`;
}
