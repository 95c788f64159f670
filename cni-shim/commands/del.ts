import { GRPC_STATUS } from '../../src/wire/grpc-status.ts';
import { CNI_BACKEND, NP_BACKEND } from '../../src/wire/methods.ts';
import { isUnknownPodError } from '../../src/wire/reference-errors.ts';
import type { CommandOutput, PluginContext } from '../context.ts';
import type { TeardownOutcome } from '../network/pod-teardown.ts';
import { tearDownBranchPodNetwork, tearDownPodNetwork } from '../network/pod-teardown.ts';
import { CNI_ERROR, CniError } from '../protocol/cni-error.ts';
import { NP_AGENT_DEADLINE_MS } from './add.ts';
import { delNetworkRequest, podName } from './pod-of.ts';
import { addressesFromPrevResult, branchVlanOf, singleAddressOf } from './prev-result-pod.ts';

/**
 * The reference's DEL, forgiving on purpose (kubelet may not retry a DEL, and a failed DEL blocks
 * the runtime's clean-up; ipamd reclaims an address it still holds later):
 * - a branch-ENI pod is torn down from prevResult without ipamd;
 * - an unknown pod is success, and nothing else is done (a repeated DEL);
 * - ipamd unreachable, or any other gRPC error: tear down from prevResult, then success;
 * - Success=false without an error fails; so does a rule teardown that fails for real.
 */
export async function del(ctx: PluginContext): Promise<CommandOutput> {
  const { env, conf, pod, log } = ctx;
  const prev = conf.prevResult;
  if (prev) {
    const vlan = branchVlanOf(prev, pod.K8S_POD_NAMESPACE, pod.K8S_POD_NAME);
    if (vlan !== undefined) {
      if (env.netns === '') return undefined;
      const address = singleAddressOf(prev, env.ifName);
      failOn(await tearDownBranchPodNetwork(ctx.ip, address, vlan), ctx);
      log.info('branch-ENI pod torn down from prevResult', { address, vlan });
      return undefined;
    }
  }
  const outcome = await ctx.ipamd.call(
    CNI_BACKEND.DelNetwork,
    delNetworkRequest(ctx, 'PodDeleted'),
  );
  if (outcome.status !== GRPC_STATUS.OK || !outcome.reply) {
    if (isUnknownPodError(outcome.message)) {
      log.info('ipamd does not know the pod: already deleted', { pod: podName(ctx) });
      return undefined;
    }
    log.warn('DelNetwork failed; tearing down from prevResult', {
      status: outcome.status,
      message: outcome.message,
    });
    await tearDownFromPrevResult(ctx);
    return undefined;
  }
  const reply = outcome.reply;
  if (!reply.Success) {
    throw new CniError(CNI_ERROR.internal, 'del cmd: failed to process delete request');
  }
  const addresses = reply.IPAllocationMetadata.map((m) => ({
    ipv4: m.IPv4Addr,
    routeTableId: m.RouteTableId,
  }));
  if (reply.PodVlanId !== 0) {
    if (env.netns !== '' && addresses[0]) {
      failOn(await tearDownBranchPodNetwork(ctx.ip, addresses[0].ipv4, reply.PodVlanId), ctx);
    }
  } else if (addresses.length === 0) {
    log.warn('DelNetwork released no address', { pod: podName(ctx) });
  } else {
    failOn(await tearDownPodNetwork(ctx.ip, addresses), ctx);
  }
  log.info('released and torn down', { pod: podName(ctx), addresses });
  if (reply.NetworkPolicyMode !== '') await deletePodPolicies(ctx);
  return undefined;
}

/** Teardown without ipamd: best effort, and the DEL succeeds either way. */
async function tearDownFromPrevResult(ctx: PluginContext): Promise<void> {
  const { conf, pod, env, log } = ctx;
  const addresses = conf.prevResult
    ? addressesFromPrevResult(conf.prevResult, pod.K8S_POD_NAMESPACE, pod.K8S_POD_NAME, env.ifName)
    : undefined;
  if (!addresses) {
    log.warn('prevResult does not say what to tear down; leaving it to ipamd', {
      pod: podName(ctx),
    });
    return;
  }
  const outcome = await tearDownPodNetwork(ctx.ip, addresses);
  for (const failure of [...outcome.errors, ...outcome.warnings]) {
    log.warn('teardown from prevResult', { command: failure.command, message: failure.message });
  }
}

function failOn(outcome: TeardownOutcome, ctx: PluginContext): void {
  for (const warning of outcome.warnings) {
    ctx.log.warn('teardown', { command: warning.command, message: warning.message });
  }
  const [first] = outcome.errors;
  if (first) {
    throw new CniError(
      CNI_ERROR.internal,
      `del cmd: failed to tear down the pod network: "ip ${first.command}": ${first.message}`,
    );
  }
}

/** A dial failure fails the DEL (by then the address is released: the retry finds an unknown pod). */
async function deletePodPolicies(ctx: PluginContext): Promise<void> {
  const outcome = await ctx.npAgent.call(
    NP_BACKEND.DeletePodNp,
    { K8S_POD_NAME: ctx.pod.K8S_POD_NAME, K8S_POD_NAMESPACE: ctx.pod.K8S_POD_NAMESPACE },
    NP_AGENT_DEADLINE_MS,
  );
  if (
    outcome.status === GRPC_STATUS.UNAVAILABLE ||
    outcome.status === GRPC_STATUS.DEADLINE_EXCEEDED
  ) {
    throw new CniError(
      CNI_ERROR.internal,
      'del cmd: failed to reach the network policy agent',
      outcome.message,
    );
  }
  if (outcome.status !== GRPC_STATUS.OK || !outcome.reply?.Success) {
    ctx.log.warn('network policy agent did not delete the pod policies', {
      status: outcome.status,
      message: outcome.message,
    });
  }
}
