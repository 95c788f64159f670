import type { Config, Environment } from '../config/types.ts';

/**
 * Whether this daemon talks to the Kubernetes API, decided from settings alone (no library is
 * loaded to decide). The reference blocks at start until the API server answers when custom
 * networking, security groups for pods or ANNOTATE_POD_IP is on, and otherwise uses the API when
 * it can (max pods from the Node). Ours: `required` settings block start-up until the API
 * answers; without them the API is used in the background when this runs in a cluster (or
 * KUBECONFIG is set) and MY_NODE_NAME names the node — and never waited for.
 */
export interface KubernetesUse {
  /** Load the client and watch this node. */
  readonly enabled: boolean;
  /** The settings that need the API (`NAME=true`), for log lines and refusals; empty = optional. */
  readonly requiredBy: readonly string[];
}

/** In-cluster (the service account's environment), a kubeconfig, or CLUSTER_ENDPOINT. */
export function kubernetesApiConfigured(env: Environment, config: Config): boolean {
  return (
    (env.KUBECONFIG ?? '') !== '' ||
    (env.KUBERNETES_SERVICE_HOST ?? '') !== '' ||
    config.clusterEndpoint !== ''
  );
}

/** Throws, with the variables to set, when a required setting cannot have the API. */
export function kubernetesUse(config: Config, env: Environment): KubernetesUse {
  const requiredBy = [
    ...(config.customNetworking ? ['AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true'] : []),
    ...(config.annotatePodIp ? ['ANNOTATE_POD_IP=true'] : []),
  ];
  const configured = kubernetesApiConfigured(env, config);
  if (requiredBy.length > 0 && !configured) {
    throw new Error(
      `${requiredBy.join(' and ')} needs the Kubernetes API: run in a pod (KUBERNETES_SERVICE_HOST) or set KUBECONFIG`,
    );
  }
  if (config.customNetworking && config.nodeName === '') {
    throw new Error(
      'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true needs MY_NODE_NAME (the Node whose labels choose the ENIConfig)',
    );
  }
  return {
    enabled: requiredBy.length > 0 || (configured && config.nodeName !== ''),
    requiredBy,
  };
}
