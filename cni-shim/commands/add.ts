import { GRPC_STATUS } from '../../src/wire/grpc-status.ts';
import { CNI_BACKEND, NP_BACKEND } from '../../src/wire/methods.ts';
import type { AddNetworkReply } from '../../src/wire/rpc-messages.ts';
import type { CommandOutput, PluginContext } from '../context.ts';
import {
  dummyInterfaceName,
  type PodAddress,
  type PodInterface,
} from '../network/pod-interfaces.ts';
import { setUpPodNetwork } from '../network/pod-setup.ts';
import { CNI_ERROR, CniError } from '../protocol/cni-error.ts';
import { requiresMultiNic } from '../protocol/netconf.ts';
import type { CniResult } from '../protocol/result.ts';
import { encodeResult } from '../protocol/result.ts';
import { delNetworkRequest, interfacesOf, podName } from './pod-of.ts';

/** How long the network-policy agent may take to answer (the reference's 2 s dial). */
export const NP_AGENT_DEADLINE_MS = 2_000;

/**
 * The reference's ADD: an address from ipamd (AddNetwork), the pod's network, the
 * network-policy agent when ipamd names a mode, then the result. A failed set-up gives the
 * address back at once (DelNetwork, reason SetupNSFailed) after undoing what it built.
 */
export async function add(ctx: PluginContext): Promise<CommandOutput> {
  const { env, conf, pod, log } = ctx;
  const outcome = await ctx.ipamd.call(CNI_BACKEND.AddNetwork, {
    ClientVersion: ctx.clientVersion,
    K8S_POD_NAME: pod.K8S_POD_NAME,
    K8S_POD_NAMESPACE: pod.K8S_POD_NAMESPACE,
    K8S_POD_INFRA_CONTAINER_ID: pod.K8S_POD_INFRA_CONTAINER_ID,
    ContainerID: env.containerId,
    IfName: env.ifName,
    NetworkName: conf.name,
    Netns: env.netns,
    RequiresMultiNICAttachment: requiresMultiNic(conf),
  });
  if (outcome.status !== GRPC_STATUS.OK || !outcome.reply) {
    log.error('AddNetwork failed', { status: outcome.status, message: outcome.message });
    throw new CniError(
      CNI_ERROR.internal,
      'add cmd: Error received from AddNetwork gRPC call',
      outcome.message,
    );
  }
  const reply = outcome.reply;
  if (!reply.Success) {
    log.error('ipamd could not assign an address', { pod: podName(ctx) });
    throw new CniError(CNI_ERROR.internal, 'add cmd: failed to assign an IP address to container');
  }
  const addresses = podAddresses(reply);
  log.info('ipamd assigned', { pod: podName(ctx), addresses });
  const interfaces = interfacesOf(ctx, addresses);
  try {
    if (reply.PodVlanId !== 0) {
      throw new Error(
        'a branch-ENI pod (security groups for pods) is not supported by this plugin',
      );
    }
    if (addresses.length === 0 || addresses.some((a) => a.ipv4 === '')) {
      throw new Error('ipamd answered without an IPv4 address (IPv6 pods are not supported yet)');
    }
    await setUpPodNetwork(ctx.ip, { netns: env.netns, mtu: conf.mtu, interfaces }, ctx.hostPid);
  } catch (error) {
    await giveBack(ctx);
    throw new CniError(
      CNI_ERROR.internal,
      `add cmd: failed to setup network: ${(error as Error).message}`,
    );
  }
  if (reply.NetworkPolicyMode !== '') await enforceNetworkPolicy(ctx, reply, addresses.length);
  return encodeResult(resultOf(ctx, interfaces), conf.cniVersion);
}

function podAddresses(reply: AddNetworkReply): PodAddress[] {
  return reply.IPAllocationMetadata.map((m) => ({
    ipv4: m.IPv4Addr,
    deviceNumber: m.DeviceNumber,
    routeTableId: m.RouteTableId,
  }));
}

/** The address goes back to ipamd; a failure here is only logged (ipamd reclaims it later). */
async function giveBack(ctx: PluginContext): Promise<void> {
  const outcome = await ctx.ipamd.call(
    CNI_BACKEND.DelNetwork,
    delNetworkRequest(ctx, 'SetupNSFailed'),
  );
  if (outcome.status !== GRPC_STATUS.OK || !outcome.reply?.Success) {
    ctx.log.error('giving the address back after a failed set-up failed', {
      status: outcome.status,
      message: outcome.message,
    });
  }
}

/** The reference fails the ADD when the agent cannot enforce; the address stays for kubelet's DEL. */
async function enforceNetworkPolicy(
  ctx: PluginContext,
  reply: AddNetworkReply,
  interfaceCount: number,
): Promise<void> {
  const outcome = await ctx.npAgent.call(
    NP_BACKEND.EnforceNpToPod,
    {
      K8S_POD_NAME: ctx.pod.K8S_POD_NAME,
      K8S_POD_NAMESPACE: ctx.pod.K8S_POD_NAMESPACE,
      NETWORK_POLICY_MODE: reply.NetworkPolicyMode,
      InterfaceCount: interfaceCount,
    },
    NP_AGENT_DEADLINE_MS,
  );
  if (outcome.status !== GRPC_STATUS.OK || !outcome.reply?.Success) {
    ctx.log.error('network policy agent did not enforce', {
      status: outcome.status,
      message: outcome.message,
    });
    throw new CniError(
      CNI_ERROR.internal,
      'add cmd: failed to setup network policy',
      outcome.message || 'the agent answered Success=false',
    );
  }
}

/**
 * The reference's result: per address the host veth, then the pod interface (its `mac` carries
 * the host route table, read back by a DEL without ipamd), then one trailing interface that is
 * never created (`mac` "0", `sandbox` the first address's device number, for older versions).
 */
function resultOf(ctx: PluginContext, interfaces: readonly PodInterface[]): CniResult {
  const { env, pod } = ctx;
  const first = interfaces[0]!;
  return {
    interfaces: [
      ...interfaces.flatMap((iface) => [
        { name: iface.hostVeth },
        { name: iface.containerIf, sandbox: env.netns, mac: String(iface.address.routeTableId) },
      ]),
      {
        name: dummyInterfaceName(pod.K8S_POD_NAMESPACE, pod.K8S_POD_NAME),
        mac: '0',
        sandbox: String(first.address.deviceNumber),
      },
    ],
    ips: interfaces.map((iface) => ({
      address: `${iface.address.ipv4}/32`,
      interface: iface.index * 2 + 1,
    })),
  };
}
