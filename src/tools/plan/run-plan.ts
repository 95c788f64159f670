import { createHash } from 'node:crypto';
import type { ConfigWarning, Environment } from '../../config/types.ts';
import type { PodAddRequest } from '../../ipam/pod-allocation.ts';
import type { Logger } from '../../observe/logger.ts';
import { type InProcessNode, startInProcessNode } from './in-process-node.ts';
import { describePoolState, type PlanResult, summarisePools } from './plan-result.ts';
import { type SettleOutcome, Settler } from './settle.ts';

export interface PlanRequest {
  readonly instanceType: string;
  readonly pods: number;
  /** The daemon's settings (WARM_*, ENABLE_PREFIX_DELEGATION, MAX_ENI, WARM_POOL_MODE, …). */
  readonly env: Environment;
  readonly maxPods?: number;
  readonly logger: Logger;
  /** Called after each step, e.g. for --verbose. */
  readonly onStep?: (step: PlanStep) => void;
}

export interface PlanStep {
  /** Pods running after this step (0 for the empty node). */
  readonly pods: number;
  /** False when the pool never came to rest at this step (see PlanOutcome.unsettled). */
  readonly settled: boolean;
  /** Pods that got no address so far. */
  readonly failedPods: number;
  /** Simulated seconds since the daemon started. */
  readonly elapsedSeconds: number;
  readonly result: PlanResult;
}

export interface PlanOutcome {
  readonly result: PlanResult;
  readonly warnings: readonly ConfigWarning[];
  readonly prefixDelegation: boolean;
  readonly maxPods: number;
  /** EC2 calls the daemon made, by action. */
  readonly ec2Calls: Readonly<Record<string, number>>;
  /** Pod counts at which the pool never came to rest, with the states it cycled through. */
  readonly unsettled: readonly UnsettledStep[];
  /** The states the pool cycles through at the end, when it never came to rest; else undefined. */
  readonly finalCycle: readonly string[] | undefined;
  /** Simulated seconds the whole run took. */
  readonly elapsedSeconds: number;
}

export interface UnsettledStep {
  readonly pods: number;
  readonly states: readonly string[];
}

/** A pod's ADD as kubelet → the CNI plugin would send it. */
export function podAddRequest(index: number): PodAddRequest {
  const containerId = createHash('sha256').update(`plan-pod-${index}`).digest('hex');
  return {
    key: { networkName: 'aws-cni', containerID: containerId, ifName: 'eth0' },
    pod: { namespace: 'default', name: `plan-pod-${index}` },
    netns: `/var/run/netns/cni-${containerId.slice(0, 8)}`,
    multiNic: false,
  };
}

/** Lets wake-ups the last call queued (reactive mode) run to the end before time moves on. */
async function quiesce(node: InProcessNode): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await Promise.all(node.ipamd.pools.map((pool) => pool.exclusive(async () => {})));
}

async function addPod(node: InProcessNode, index: number): Promise<boolean> {
  const result = await node.ipamd.podNetwork.add(podAddRequest(index));
  await quiesce(node);
  return result.ok;
}

/**
 * Starts an empty node (node init + pre-scaling), lets its pool settle, then adds pods one at a
 * time and lets the pool settle after each. A pod whose ADD fails is tried once more after the
 * pool settled (kubelet retries); if that fails too it counts as a pod without an address.
 */
export async function runPlan(request: PlanRequest): Promise<PlanOutcome> {
  const node = await startInProcessNode({
    instanceType: request.instanceType,
    env: request.env,
    logger: request.logger,
    ...(request.maxPods !== undefined ? { maxPods: request.maxPods } : {}),
  });
  try {
    const started = node.scheduler.now();
    let failedPods = 0;
    const unsettled: UnsettledStep[] = [];
    const settler = new Settler(node);
    const settle = () => settler.settle(sample);
    const sample = () => describePoolState(summarisePools(node.ipamd.pools, failedPods));
    let last: SettleOutcome | undefined;
    const step = (pods: number, outcome: SettleOutcome) => {
      last = outcome;
      if (!outcome.settled) unsettled.push({ pods, states: outcome.cycle });
      request.onStep?.({
        pods,
        settled: outcome.settled,
        failedPods,
        elapsedSeconds: (node.scheduler.now() - started) / 1000,
        result: summarisePools(node.ipamd.pools, failedPods),
      });
    };
    await quiesce(node);
    step(0, await settle());
    for (let i = 1; i <= request.pods; i++) {
      let placed = await addPod(node, i);
      let outcome = await settle();
      if (!placed) {
        // kubelet retries a failed ADD; by now the pool had its chance to grow.
        placed = await addPod(node, i);
        if (placed) outcome = await settle();
        else failedPods++;
      }
      step(i - failedPods, outcome);
    }
    const ec2Calls: Record<string, number> = {};
    for (const [action, stats] of Object.entries(node.ec2Stats.snapshot()))
      ec2Calls[action] = stats.calls;
    return {
      result: summarisePools(node.ipamd.pools, failedPods),
      warnings: node.warnings,
      prefixDelegation: node.ipamd.node.limits.prefixDelegation,
      maxPods: node.ipamd.node.live.maxPods,
      ec2Calls,
      unsettled,
      finalCycle: last && !last.settled ? last.cycle : undefined,
      elapsedSeconds: (node.scheduler.now() - started) / 1000,
    };
  } finally {
    await node.close();
  }
}
