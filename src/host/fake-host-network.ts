import { routeTableId } from '../ipam/instance-limits.ts';
import {
  EniLinkNotFoundError,
  type EniNetwork,
  type EniSetupResult,
  type HostChanges,
  type HostNetwork,
  type HostSetup,
  type HostSetupResult,
  type PodRoute,
} from './host-network.ts';

/**
 * HostNetwork for unit tests of the daemon: records every call, keeps a little model of what
 * would be on the node (ENIs set up, pod rules, SNAT CIDRs), and can be told to fail.
 */

export type HostNetworkCall =
  | { readonly method: 'setupHost'; readonly args: HostSetup }
  | { readonly method: 'updateSnat'; readonly args: readonly string[] }
  | { readonly method: 'setupEni'; readonly args: EniNetwork }
  | { readonly method: 'teardownEni'; readonly args: EniNetwork }
  | { readonly method: 'programPodRules'; readonly args: readonly PodRoute[] }
  | { readonly method: 'prunePodRules'; readonly args: readonly string[] }
  | { readonly method: 'configureExternalServiceRules'; readonly args: readonly string[] }
  | { readonly method: 'listLinkNames'; readonly args: undefined };

export type HostNetworkMethod = HostNetworkCall['method'];

export class FakeHostNetwork implements HostNetwork {
  readonly calls: HostNetworkCall[] = [];
  /** Links the node has; MACs listed in `missingMacs` never appear (setupEni throws). */
  linkNames: string[] = ['lo', 'eth0'];
  readonly missingMacs = new Set<string>();
  primaryInterface = 'eth0';
  /** The model: what the node would hold after the calls so far. */
  readonly state = {
    snatCidrs: [] as readonly string[],
    /** MAC → table of ENIs set up and not torn down. */
    enis: new Map<string, number>(),
    /** Pod IP → table of programmed pod rules (254 = only the `to` rule). */
    podRules: new Map<string, number>(),
    externalServiceCidrs: [] as readonly string[],
  };
  private readonly failures = new Map<HostNetworkMethod, Error[]>();

  /** The next call of `method` rejects with `error` (queued: call twice to fail twice). */
  failNext(method: HostNetworkMethod, error: Error = new Error(`${method} failed (fake)`)): void {
    const queue = this.failures.get(method) ?? [];
    queue.push(error);
    this.failures.set(method, queue);
  }

  /** Calls of one method, in order. */
  callsOf<M extends HostNetworkMethod>(method: M): Extract<HostNetworkCall, { method: M }>[] {
    return this.calls.filter(
      (c): c is Extract<HostNetworkCall, { method: M }> => c.method === method,
    );
  }

  private record(call: HostNetworkCall): void {
    this.calls.push(call);
    const error = this.failures.get(call.method)?.shift();
    if (error) throw error;
  }

  async setupHost(setup: HostSetup): Promise<HostSetupResult> {
    this.record({ method: 'setupHost', args: setup });
    this.state.snatCidrs = [...setup.vpcCidrs];
    return { primaryInterface: this.primaryInterface, changes: [] };
  }

  async updateSnat(vpcCidrs: readonly string[]): Promise<HostChanges> {
    this.record({ method: 'updateSnat', args: [...vpcCidrs] });
    this.state.snatCidrs = [...vpcCidrs];
    return [];
  }

  async setupEni(eni: EniNetwork): Promise<EniSetupResult> {
    this.record({ method: 'setupEni', args: eni });
    if (this.missingMacs.has(eni.mac)) throw new EniLinkNotFoundError(eni.mac, 12_000);
    const table = routeTableId(eni.deviceNumber, eni.networkCard);
    this.state.enis.set(eni.mac, table);
    return { interfaceName: `eth${eni.deviceNumber}`, routeTableId: table, changes: [] };
  }

  async teardownEni(eni: EniNetwork): Promise<HostChanges> {
    this.record({ method: 'teardownEni', args: eni });
    this.state.enis.delete(eni.mac);
    return [];
  }

  async programPodRules(pods: readonly PodRoute[]): Promise<HostChanges> {
    this.record({ method: 'programPodRules', args: [...pods] });
    for (const pod of pods) this.state.podRules.set(pod.ip, pod.routeTableId);
    return [];
  }

  async prunePodRules(ips: readonly string[]): Promise<HostChanges> {
    this.record({ method: 'prunePodRules', args: [...ips] });
    for (const ip of ips) this.state.podRules.delete(ip);
    return [];
  }

  async configureExternalServiceRules(cidrs: readonly string[]): Promise<HostChanges> {
    this.record({ method: 'configureExternalServiceRules', args: [...cidrs] });
    this.state.externalServiceCidrs = [...cidrs];
    return [];
  }

  async listLinkNames(): Promise<readonly string[]> {
    this.record({ method: 'listLinkNames', args: undefined });
    return [...this.linkNames];
  }
}
