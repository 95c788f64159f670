import { CoreV1Api, CustomObjectsApi, Watch } from '@kubernetes/client-node';
import type { Environment } from '../config/types.ts';
import type {
  EniConfigSource,
  EventSink,
  NodeInfo,
  PodAnnotator,
} from '../daemon/kubernetes-ports.ts';
import type { Logger } from '../observe/logger.ts';
import { waitForApiServer } from './api-reachability.ts';
import { EniConfigWatch } from './eni-config-watch.ts';
import { PodEventSink } from './event-sink.ts';
import { loadKubeConfig } from './kube-config.ts';
import { NodeWatch } from './node-watch.ts';
import { PodIpsPatcher } from './pod-annotator.ts';

export interface KubernetesOptions {
  readonly env: Environment;
  /** MY_NODE_NAME, MY_POD_NAME, CLUSTER_ENDPOINT. */
  readonly nodeName: string;
  readonly podName: string;
  readonly clusterEndpoint: string;
  readonly customNetworking: boolean;
  readonly annotatePodIp: boolean;
  /** Settings that need the API: non-empty = block until it answers and the watches listed. */
  readonly requiredBy: readonly string[];
  readonly logger: Logger;
  /** After each failed reachability attempt while blocking. */
  readonly onWaiting?: (attempts: number) => void;
  /** Where the service account is mounted (tests). */
  readonly serviceAccountDir?: string;
}

/** The daemon's Kubernetes ports on @kubernetes/client-node, and how to stop their watches. */
export interface KubernetesConnection {
  readonly server: string;
  readonly nodeInfo: NodeInfo | undefined;
  readonly eniConfigs: EniConfigSource | undefined;
  readonly podAnnotator: PodAnnotator | undefined;
  readonly events: EventSink | undefined;
  close(): void;
}

/**
 * Connects to the API server (kubeconfig or in-cluster), watches this Node and — with custom
 * networking — the ENIConfigs. With `requiredBy` it first blocks until the server answers and then
 * until both watches have listed once; without, the watches start in the background and retry on
 * their own.
 */
export async function connectKubernetes(options: KubernetesOptions): Promise<KubernetesConnection> {
  const { logger } = options;
  const loaded = loadKubeConfig(options.env, {
    clusterEndpoint: options.clusterEndpoint,
    ...(options.serviceAccountDir ? { serviceAccountDir: options.serviceAccountDir } : {}),
  });
  const { kubeConfig, server } = loaded;
  logger.info({ server, source: loaded.source }, 'using the Kubernetes API');
  if (options.requiredBy.length > 0) {
    await waitForApiServer({
      kubeConfig,
      server,
      requiredBy: options.requiredBy,
      logger,
      ...(options.onWaiting ? { onWaiting: options.onWaiting } : {}),
    });
  }
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const watch = new Watch(kubeConfig);
  const nodeWatch =
    options.nodeName === ''
      ? undefined
      : new NodeWatch({ name: options.nodeName, core, watch, logger });
  const eniConfigWatch = options.customNetworking
    ? new EniConfigWatch({ custom: kubeConfig.makeApiClient(CustomObjectsApi), watch, logger })
    : undefined;
  const informers = [nodeWatch?.informer, eniConfigWatch?.informer].filter((i) => i !== undefined);
  for (const informer of informers) informer.start();
  if (options.requiredBy.length > 0) {
    await Promise.all(informers.map((informer) => informer.whenSynced()));
  }
  return {
    server,
    nodeInfo: nodeWatch,
    eniConfigs: eniConfigWatch,
    podAnnotator: options.annotatePodIp ? new PodIpsPatcher(core) : undefined,
    events:
      options.podName === ''
        ? undefined
        : new PodEventSink({
            core,
            podName: options.podName,
            namespace: loaded.namespace,
            nodeName: options.nodeName,
            logger,
          }),
    close() {
      for (const informer of informers) informer.stop();
    },
  };
}
