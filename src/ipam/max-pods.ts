import { type InstanceTypeInfo, maxPodsFor } from './instance-limits.ts';

/**
 * Max pods for a node: what kubelet says (`Node.status.capacity.pods`) when the Kubernetes API
 * is reachable, else the value the EKS max-pods calculator (`max-pods-calculator.sh`, nodeadm)
 * would have given kubelet — prefix-delegation aware, one ENI fewer under custom networking — and
 * what the node can really serve, to warn when kubelet's number is more.
 */

/** The calculator's cap on PD nodes: 110 pods up to 30 vCPUs, 250 above. */
export const MAX_PODS_CAP_SMALL = 110;
export const MAX_PODS_CAP_LARGE = 250;
const CAP_VCPU_THRESHOLD = 30;

/** Types whose vCPU count does not follow their size name (the rule in `estimatedVcpus`). */
const VCPU_EXCEPTIONS: Readonly<Record<string, number>> = {
  'a1.metal': 16,
  'hpc7a.12xlarge': 24,
};

/**
 * vCPUs of an instance type, from its size name (our table has no vCPU column): `Nxlarge` = 4N,
 * `xlarge` 4, `large` 2, smaller 1–2 (counted as 2), `metal-Nxl` 4N, `metal` taken as large
 * (over 30) — with the few known exceptions (mac metal 12, a1.metal 16, hpc7a.12xlarge 24). Only
 * which side of 30 it lands matters.
 */
export function estimatedVcpus(instanceType: string): number {
  const known = VCPU_EXCEPTIONS[instanceType];
  if (known !== undefined) return known;
  const [family = '', size = ''] = instanceType.split('.');
  if (size === 'metal') return family.startsWith('mac') ? 12 : 96;
  const metal = /^metal-(\d+)xl$/.exec(size);
  if (metal) return 4 * Number(metal[1]);
  const xlarge = /^(\d*)xlarge$/.exec(size);
  if (xlarge) return 4 * (xlarge[1] === '' ? 1 : Number(xlarge[1]));
  return 2;
}

export interface MaxPodsSettings {
  /** Prefix delegation in effect (configured and supported by the type). */
  readonly prefixDelegation: boolean;
  /** Custom networking: the primary ENI gives no pod addresses. */
  readonly customNetworking: boolean;
  /** MAX_ENI when ≥ 1. */
  readonly maxEni: number | undefined;
}

/**
 * What the node can serve: pod addresses on its usable ENIs + 2 host-network pods (aws-node and
 * kube-proxy), no cap.
 */
export function servableMaxPods(info: InstanceTypeInfo, settings: MaxPodsSettings): number {
  return maxPodsFor(info, settings);
}

/**
 * The calculator's recommendation: the servable count, capped at 110 (≤ 30 vCPUs) or 250 with
 * prefix delegation. Without prefix delegation it is the eni-max-pods.txt value (no cap), one ENI
 * fewer under custom networking.
 */
export function calculatedMaxPods(
  info: InstanceTypeInfo,
  instanceType: string,
  settings: MaxPodsSettings,
): number {
  const servable = servableMaxPods(info, settings);
  if (!settings.prefixDelegation) return servable;
  const cap =
    estimatedVcpus(instanceType) > CAP_VCPU_THRESHOLD ? MAX_PODS_CAP_LARGE : MAX_PODS_CAP_SMALL;
  return Math.min(servable, cap);
}

export type MaxPodsSource = 'kubelet' | 'calculated' | 'flag';

export interface MaxPodsDecision {
  /** The cap the pool grows to. */
  readonly value: number;
  readonly source: MaxPodsSource;
  /** What the node can really serve (pod addresses + 2 host-network pods). */
  readonly servable: number;
  /** Set when `value` promises kubelet more pods than the node can give addresses to. */
  readonly warning: string | undefined;
}

/** Kubelet's capacity when known (a positive number), else the calculated value. */
export function decideMaxPods(input: {
  readonly kubeletCapacity: number | undefined;
  readonly calculated: number;
  readonly servable: number;
}): MaxPodsDecision {
  const { kubeletCapacity, calculated, servable } = input;
  const fromKubelet = kubeletCapacity !== undefined && kubeletCapacity > 0;
  const value = fromKubelet ? kubeletCapacity : calculated;
  const warning =
    fromKubelet && value > servable
      ? `kubelet allows ${value} pods but this node can serve only ${servable} (pod addresses + 2 host-network pods); set kubelet's --max-pods to ${servable}`
      : undefined;
  return { value, source: fromKubelet ? 'kubelet' : 'calculated', servable, warning };
}
