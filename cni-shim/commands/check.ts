import type { CommandOutput, PluginContext } from '../context.ts';
import { checkPodNetwork } from '../network/pod-check.ts';
import { CNI_ERROR, CniError } from '../protocol/cni-error.ts';
import { requireAtLeast } from '../protocol/versions.ts';
import { interfacesOf } from './pod-of.ts';
import { addressesFromPrevResult } from './prev-result-pod.ts';

/**
 * CHECK (CNI 0.4.0 and later): the pod's network is still what ADD built, judged from the
 * runtime's cached result. The reference registers no CHECK at all; ours verifies each interface
 * and says what is missing.
 */
export async function check(ctx: PluginContext): Promise<CommandOutput> {
  const { conf, env, pod } = ctx;
  requireAtLeast(conf.cniVersion, '0.4.0', 'CHECK');
  if (!conf.prevResult) {
    throw new CniError(
      CNI_ERROR.invalidNetworkConfig,
      'CHECK needs prevResult (the result of ADD)',
    );
  }
  const addresses = addressesFromPrevResult(
    conf.prevResult,
    pod.K8S_POD_NAMESPACE,
    pod.K8S_POD_NAME,
    env.ifName,
  );
  if (!addresses || addresses.length === 0) {
    throw new CniError(
      CNI_ERROR.invalidNetworkConfig,
      `prevResult does not hold this plugin's result for ${env.ifName}`,
    );
  }
  const interfaces = interfacesOf(ctx, addresses);
  const missing = await checkPodNetwork(ctx.ip, env.netns, interfaces);
  if (missing !== undefined) {
    throw new CniError(CNI_ERROR.internal, `check cmd: ${missing}`);
  }
  ctx.log.info('CHECK passed', { addresses });
  return undefined;
}
