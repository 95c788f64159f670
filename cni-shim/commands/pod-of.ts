import type { DelNetworkRequest } from '../../src/wire/rpc-messages.ts';
import type { PluginContext } from '../context.ts';
import { type PodAddress, type PodInterface, podInterfaces } from '../network/pod-interfaces.ts';

/** What every command knows of the pod it runs for, taken from one invocation's context. */

/** `namespace/name`, for logs. */
export function podName(ctx: PluginContext): string {
  return `${ctx.pod.K8S_POD_NAMESPACE}/${ctx.pod.K8S_POD_NAME}`;
}

/** The pod's interfaces for these addresses, named as the reference names them. */
export function interfacesOf(ctx: PluginContext, addresses: readonly PodAddress[]): PodInterface[] {
  return podInterfaces(
    {
      namespace: ctx.pod.K8S_POD_NAMESPACE,
      name: ctx.pod.K8S_POD_NAME,
      vethPrefix: ctx.conf.vethPrefix,
      ifName: ctx.env.ifName,
    },
    addresses,
  );
}

/** The reference's DelNetwork field set, for a DEL or for giving an ADD's address back. */
export function delNetworkRequest(
  ctx: PluginContext,
  reason: 'PodDeleted' | 'SetupNSFailed',
): DelNetworkRequest {
  const { env, conf, pod } = ctx;
  return {
    ClientVersion: ctx.clientVersion,
    K8S_POD_NAME: pod.K8S_POD_NAME,
    K8S_POD_NAMESPACE: pod.K8S_POD_NAMESPACE,
    K8S_POD_INFRA_CONTAINER_ID: pod.K8S_POD_INFRA_CONTAINER_ID,
    K8S_POD_UID: pod.K8S_POD_UID,
    Reason: reason,
    ContainerID: env.containerId,
    IfName: env.ifName,
    NetworkName: conf.name,
  };
}
