import { type BatchFailure, cleanup, type IpRunner } from './ip-runner.ts';
import { hostTableOf } from './pod-interfaces.ts';
import { ruleDeletions } from './pod-setup.ts';

/**
 * The reference's TeardownPodNetwork: for each address, its `to` (512) rule, every `from` (1536)
 * rule (old versions left several) and the host route to it. The veth is left to the runtime,
 * which destroys the namespace and with it the pair. Rule failures other than "already gone" fail
 * the DEL; a route that will not go is only reported, as in the reference.
 */

export interface TeardownAddress {
  readonly ipv4: string;
  readonly routeTableId: number;
}

export interface TeardownOutcome {
  /** Failures that must fail the DEL. */
  readonly errors: readonly BatchFailure[];
  /** Failures worth a log line only. */
  readonly warnings: readonly BatchFailure[];
}

export async function tearDownPodNetwork(
  ip: IpRunner,
  addresses: readonly TeardownAddress[],
): Promise<TeardownOutcome> {
  const rules = addresses.flatMap((address) =>
    // Route table 1 is the primary ENI's old numbering: only its `to` rule exists.
    hostTableOf(address.routeTableId) === undefined
      ? [`rule del to ${address.ipv4}/32 priority 512 table main`]
      : ruleDeletions(address.ipv4),
  );
  const routes = addresses.map((address) => `route del ${address.ipv4}/32 table main`);
  const failures = await cleanup(ip, [...rules, ...routes]);
  return {
    errors: failures.filter((f) => f.line <= rules.length),
    warnings: failures.filter((f) => f.line > rules.length),
  };
}

/**
 * The reference's TeardownBranchENIPodNetwork, for pods a reference plugin set up with security
 * groups for pods before this plugin took over: the VLAN link, every priority-10 rule of the
 * VLAN's table, then the address's own rules and route.
 */
export async function tearDownBranchPodNetwork(
  ip: IpRunner,
  address: string,
  vlanId: number,
): Promise<TeardownOutcome> {
  const table = vlanId + 100;
  const vlanLines = [`link del vlan.eth.${vlanId}`];
  for (let i = 0; i < 4; i++) vlanLines.push(`rule del priority 10 table ${table}`);
  const vlanFailures = await cleanup(ip, vlanLines);
  const own = await tearDownPodNetwork(ip, [{ ipv4: address, routeTableId: table }]);
  return { errors: [...vlanFailures, ...own.errors], warnings: own.warnings };
}
