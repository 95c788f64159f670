import { routeTableId } from '../ipam/instance-limits.ts';
import type {
  EniNetwork,
  EniSetupResult,
  HostChanges,
  HostNetwork,
  HostSetup,
  HostSetupResult,
  PodRoute,
} from './host-network.ts';

/**
 * HostNetwork for DISABLE_HOST_NETWORKING=true: changes nothing on the node. Reading the link
 * names stays possible (the restore's veth check is not a change), through the given lister.
 */
export class NoopHostNetwork implements HostNetwork {
  private readonly listLinks: () => Promise<readonly string[]>;

  /** Without a lister no link is known, and the restore keeps every allocation. */
  constructor(listLinks?: () => Promise<readonly string[]>) {
    this.listLinks = listLinks ?? (async () => []);
  }

  async setupHost(_setup: HostSetup): Promise<HostSetupResult> {
    return { primaryInterface: '', changes: [] };
  }

  async updateSnat(_vpcCidrs: readonly string[]): Promise<HostChanges> {
    return [];
  }

  async setupEni(eni: EniNetwork): Promise<EniSetupResult> {
    return {
      interfaceName: '',
      routeTableId: routeTableId(eni.deviceNumber, eni.networkCard),
      changes: [],
    };
  }

  async teardownEni(_eni: EniNetwork): Promise<HostChanges> {
    return [];
  }

  async programPodRules(_pods: readonly PodRoute[]): Promise<HostChanges> {
    return [];
  }

  async prunePodRules(_ips: readonly string[]): Promise<HostChanges> {
    return [];
  }

  async configureExternalServiceRules(_cidrs: readonly string[]): Promise<HostChanges> {
    return [];
  }

  listLinkNames(): Promise<readonly string[]> {
    return this.listLinks();
  }
}
