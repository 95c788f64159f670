import type { NodeMetadata } from '../ipam/eni/eni-config.ts';
import type { PodName } from '../ipam/pod-allocation.ts';

/**
 * What the daemon reads from and writes to the Kubernetes API, as ports it declares. src/k8s
 * implements them on @kubernetes/client-node (loaded only when a setting needs the API); the
 * daemon's tests use in-memory fakes. Every read is from a watch-fed cache, never a request on the
 * way of a pod.
 */

/** This node's Node object as the API server last reported it. */
export interface NodeView extends NodeMetadata {
  readonly name: string;
  /** `status.capacity.pods` when kubelet reported it. */
  readonly capacityPods: number | undefined;
}

/** The Node object named MY_NODE_NAME, kept current by a watch. */
export interface NodeInfo {
  /** Undefined before the first read, or when no Node has that name. */
  current(): NodeView | undefined;
  /** Whether the first read (list) has completed: `current()` undefined then means "no such Node". */
  readonly synced: boolean;
  /** Called after every change the watch delivers, the first read included. */
  onChange(listener: () => void): void;
}

/** ENIConfig objects (cluster-scoped `eniconfigs.crd.k8s.amazonaws.com/v1alpha1`), watched. */
export interface EniConfigSource {
  /** The object's `spec` as stored, or undefined when no ENIConfig has that name. */
  get(name: string): { readonly spec: unknown } | undefined;
  readonly synced: boolean;
  onChange(listener: () => void): void;
}

/** The pod annotation `vpc.amazonaws.com/pod-ips` (ANNOTATE_POD_IP). */
export interface PodAnnotator {
  /** Sets the annotation to `ip`; rejects when the API refused or could not be reached. */
  setPodIps(pod: PodName, ip: string): Promise<void>;
  /** Sets it to '' if it still holds `ip` (a pod already gone is fine). */
  clearPodIps(pod: PodName, ip: string): Promise<void>;
}

/** Kubernetes Events on the aws-node pod (MY_POD_NAME), where the reference emits them. */
export interface EventSink {
  /** A Warning event; the sink sends the same reason and message at most once in a while. */
  warning(reason: string, message: string): void;
  /** Resolves once what was emitted has been sent (or given up on), e.g. before exiting. */
  flush(): Promise<void>;
}

/** Event reasons we emit. */
export const EVENT_MISSING_IAM_PERMISSIONS = 'MissingIAMPermissions';
export const EVENT_MISSING_ENI_CONFIG = 'MissingENIConfig';
