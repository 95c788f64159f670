import type { Config } from '../config/types.ts';
import { execFileRunner } from './command-runner.ts';
import { Iproute2 } from './eni-net/iproute2.ts';
import type { HostNetwork } from './host-network.ts';
import { LinuxHostNetwork, type LinuxHostNetworkOptions } from './linux-host-network.ts';
import { NoopHostNetwork } from './noop-host-network.ts';

/** The daemon's HostNetwork: the real one, or one that changes nothing when DISABLE_HOST_NETWORKING is set. */
export function createHostNetwork(
  config: Config,
  options: Omit<LinuxHostNetworkOptions, 'config'> = {},
): HostNetwork {
  if (config.disableHostNetworking) {
    const ip = new Iproute2(options.runner ?? execFileRunner());
    return new NoopHostNetwork(async () => (await ip.links()).map((l) => l.name));
  }
  return new LinuxHostNetwork({ ...options, config });
}
